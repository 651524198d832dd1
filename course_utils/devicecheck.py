"""Did a notebook's models reach the accelerator? Counted while it runs, checked at its end.

    COURSE_DEVICE_CHECK=1 ...                  # config.setup then calls install()
    from course_utils import devicecheck
    devicecheck.finish()                       # the last cell the device runs append

``install`` registers two global hooks: one before every forward call of a module that holds
parameters, one before every optimizer step. Each counts the device type of the parameters
("cpu", "cuda", "fakegpu", ...). ``finish`` prints the counts, records them (and on CUDA the
peak GPU memory) with ``course_utils.results``, and raises ``DeviceNotUsed`` when the notebook
ran models but none of them on the accelerator: on a GPU runtime such a notebook runs on the CPU
while the GPU sits idle, which no error would otherwise reveal.

Runners set the variable and append the last cell: ``python -m tools.measuring.benchmark --device fake``
and ``python -m tools.measuring.gpucheck``. In a student's notebook nothing is installed and nothing runs.
"""

from __future__ import annotations

import os
from collections import Counter

import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

CHECK_ENV = "COURSE_DEVICE_CHECK"
FINISH_CELL = "from course_utils import devicecheck\ndevicecheck.finish()"
"""The cell a runner appends to a notebook so that its device use is checked at its end."""

counts = {"forward": Counter(), "step": Counter()}
"""Forward calls of modules with parameters, and optimizer steps, by the parameters' device type."""
_handles: list = []


class DeviceNotUsed(RuntimeError):
    """A notebook ran models, none of them on the accelerator ``config.setup`` picked."""


def _device_type(tensors) -> str | None:
    for tensor in tensors:
        return tensor.device.type
    return None


def _on_forward(module, args) -> None:
    kind = _device_type(module.parameters(recurse=False))
    if kind is not None:
        counts["forward"][kind] += 1


def _on_step(optimizer, args, kwargs) -> None:
    kind = _device_type(p for group in optimizer.param_groups for p in group["params"])
    if kind is not None:
        counts["step"][kind] += 1


def install() -> None:
    """Start counting (once per process; a second call changes nothing)."""
    if _handles:
        return
    _handles.append(torch.nn.modules.module.register_module_forward_pre_hook(_on_forward))
    _handles.append(register_optimizer_step_pre_hook(_on_step))


def install_if_asked() -> None:
    """``install()`` when ``$COURSE_DEVICE_CHECK`` is set (to anything but ``0`` or empty)."""
    if os.environ.get(CHECK_ENV, "").strip() not in ("", "0"):
        install()


def accelerator_used(summary: dict) -> bool | None:
    """Whether the counts show models on an accelerator: ``None`` if no model ran at all.

    >>> accelerator_used({"forward": {"cpu": 3}, "step": {}})
    False
    >>> accelerator_used({"forward": {"cpu": 3, "cuda": 1}, "step": {}}) and True
    True
    >>> accelerator_used({"forward": {}, "step": {}}) is None
    True
    """
    used = Counter(summary["forward"]) + Counter(summary["step"])
    if not used:
        return None
    return any(kind != "cpu" for kind in used)


def summary() -> dict:
    """The counts so far, as plain dictionaries: ``{"forward": {...}, "step": {...}}``."""
    return {key: dict(counter) for key, counter in counts.items()}


def peak_memory_mib() -> float | None:
    """Peak memory PyTorch allocated on the GPU in this process, in MiB; ``None`` without CUDA."""
    if not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return None
    return torch.cuda.max_memory_allocated() / 2**20


def _report_costs() -> None:
    """Print and record the T4 estimate of the training run so far and the kernel's peak memory."""
    from . import costs, results

    work, host = costs.estimate(), costs.peak_host_memory_mib()
    if work["runs"]:
        results.record("T4 estimate of the training steps in fit", work["seconds"], better="lower", unit="s")
        print(f"T4 estimate: {work['seconds'] / 60:.1f} min for {work['steps']} training steps in "
              f"{work['runs']} fit() calls, {work['flops'] / 1e12:.1f} TFLOP (evaluation and loops "
              f"outside fit not counted)")
    if host is not None:
        results.record("peak host memory of the kernel", host, better="lower", unit="MiB")
        print(f"peak host memory of the kernel: {host:.0f} MiB")


def finish(expected: str | None = None) -> dict:
    """Print and record what ran where; raise ``DeviceNotUsed`` if models ran, none on the accelerator.

    ``expected``: the accelerator's device type (default ``$COURSE_DEVICE``); when it is
    ``cpu`` or unset, only the counts are printed and recorded.
    """
    from . import results

    expected = (expected or os.environ.get("COURSE_DEVICE", "")).strip().lower()
    found = summary()
    peak = peak_memory_mib()
    for kind, number in sorted(found["step"].items()):
        results.record(f"optimizer steps on {kind}", number, better="higher")
    if peak is not None:
        results.record("peak GPU memory", peak, better="lower", unit="MiB")
    _report_costs()
    print(f"device check: forward calls by device {found['forward'] or 'none'}, optimizer steps by "
          f"device {found['step'] or 'none'}" + (f", peak GPU memory {peak:.0f} MiB" if peak is not None else ""))
    if expected not in ("", "cpu") and accelerator_used(found) is False:
        raise DeviceNotUsed(
            f"this notebook ran models only on the CPU ({found}), never on the {expected} device "
            f"config.setup picked: move each model and its inputs with .to(cfg.device)")
    return found
