"""What training would cost on a GPU, estimated by counting the work of one real step.

    from course_utils import costs
    with costs.measure() as step:          # one training step, counted
        loss = loss_fn(model, batch); loss.backward(); optimizer.step()
    step.flops, step.ops                    # multiply-adds x 2, ATen operations dispatched
    costs.log("LSTM language model", planned_steps=5000, step=step)
    costs.estimate()                        # {"seconds": ..., "flops": ..., "steps": ...}

``training.fit`` counts its first step this way and logs it with the number of steps it was
asked for, so that a notebook run with ``COURSE_DRY_STEPS=2`` (full sizes, full data, two steps
of every ``fit``: ``python -m tools.measuring.benchmark --mode full --dry-steps 2``) finds shape,
data and memory problems at full scale in minutes and still estimates how long the full run's
training would take on a free Colab T4:

    seconds = sum over fits of planned_steps x (flops_per_step / T4_FLOPS + ops_per_step x LAUNCH_SECONDS)

``T4_FLOPS`` is a sustained fp32 rate for small recurrent matmuls, about half the card's
8.1 TFLOP/s peak; ``LAUNCH_SECONDS`` is what one eager operation costs on a GPU however small it
is (the kernel launch and PyTorch's Python and dispatcher overhead). Both are stated assumptions,
not measurements. Operations are counted as the CPU dispatches them, which over-counts the
launches of cuDNN's fused recurrent layers (one call for a whole sequence); evaluation, sampling
and training loops written by hand outside ``fit`` are left out. The estimate is a check of
scale (is this a 2-minute or a 2-hour run on a T4?), not a timing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from . import results

DRY_ENV = "COURSE_DRY_STEPS"
T4_FLOPS = 4.0e12  # FLOP/s, fp32, sustained on batched small matmuls (peak 8.1e12)
LAUNCH_SECONDS = 2.0e-5  # per ATen operation: launch + eager overhead on a GPU

ledger: list[dict] = []  # one entry per fit() in this process, in order


@dataclass
class Step:
    """The work of one counted step."""

    flops: int = 0  # floating-point operations (2 per multiply-add), matmuls and convolutions
    ops: int = 0  # ATen operations dispatched, forward, backward and optimiser


class _OpCounter(TorchDispatchMode):
    """Counts every ATen operation dispatched inside it."""

    def __init__(self):
        super().__init__()
        self.ops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops += 1
        return func(*args, **(kwargs or {}))


def dry_steps() -> int | None:
    """``$COURSE_DRY_STEPS`` as a positive int, or ``None`` when it is unset (a normal run)."""
    value = os.environ.get(DRY_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{DRY_ENV} must be a positive whole number of steps, got {value!r}; "
                         f"unset it for a normal run")
    return int(value)


@contextmanager
def measure() -> Iterator[Step]:
    """Count the FLOPs and operations of the code inside; the ``Step`` is filled on exit."""
    step = Step()
    ops = _OpCounter()
    flops = FlopCounterMode(display=False)
    with flops, ops:
        yield step
    step.flops, step.ops = int(flops.get_total_flops()), ops.ops


def log(desc: str, planned_steps: int, step: Step) -> dict:
    """Add one training run (``planned_steps`` steps like ``step``) to this process's ledger."""
    entry = {"desc": desc, "steps": int(planned_steps), "flops_per_step": step.flops,
             "ops_per_step": step.ops, "seconds": seconds(planned_steps, step)}
    ledger.append(entry)
    results.record_cost(entry)
    return entry


def seconds(planned_steps: int, step: Step) -> float:
    """Estimated T4 time of ``planned_steps`` steps like ``step``.

    >>> round(seconds(1000, Step(flops=4 * 10**9, ops=500)), 2)  # 1 ms of FLOPs + 10 ms of launches per step
    11.0
    """
    return planned_steps * (step.flops / T4_FLOPS + step.ops * LAUNCH_SECONDS)


def estimate() -> dict:
    """The ledger's total: estimated T4 seconds, FLOPs and steps of every logged training run."""
    return {"seconds": sum(e["seconds"] for e in ledger),
            "flops": sum(e["flops_per_step"] * e["steps"] for e in ledger),
            "steps": sum(e["steps"] for e in ledger), "runs": len(ledger)}


def peak_host_memory_mib() -> float | None:
    """Peak resident memory of this process (the kernel) in MiB; ``None`` where it is unknown."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    import sys
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 2**20 if sys.platform == "darwin" else kib / 2**10  # bytes on macOS, KiB on Linux
