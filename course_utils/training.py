"""A small, transparent training loop that returns what happened.

    history = fit(model, batches, lm_loss, steps=500, lr=3e-3, clip=1.0,
                  evaluate=lambda m: evaluate_lm(m, X_val, Y_val), eval_every=100)
    history.last("perplexity"), history.best("perplexity"), history.seconds
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from . import costs
from .results import RESULTS_ENV


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Run a block with ``model`` in eval mode (dropout off), restoring its mode even on an error.

    >>> net = nn.Dropout(0.5)
    >>> with eval_mode(net):
    ...     net.training
    False
    >>> net.training
    True
    """
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@dataclass
class History:
    """What ``fit`` did: per-step training loss and gradient norm, periodic evaluations, time."""

    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)  # before clipping
    eval_steps: list[int] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    diverged: bool = False  # the loss became inf or nan and training stopped

    def metric(self, key: str) -> list[float]:
        """The evaluated ``key`` (e.g. ``"perplexity"``) at every evaluation."""
        if not self.evals or key not in self.evals[-1]:
            known = sorted(self.evals[-1]) if self.evals else []
            raise KeyError(f"no evaluated metric {key!r}; evaluations recorded: {known}")
        return [e[key] for e in self.evals]

    def last(self, key: str) -> float:
        return self.metric(key)[-1]

    def best(self, key: str, mode: str = "min") -> float:
        return (min if mode == "min" else max)(self.metric(key))


SCHEDULES = ("constant", "cosine")
DEFAULT_LR = 1e-3
# Progress bars redraw at most every MININTERVAL seconds (each redraw is a message to the notebook).
# TQDM_MININTERVAL, read by tqdm itself (tqdm >= 4.66.1), wins when it is set, as the tests set it.
MININTERVAL = 0.5
MININTERVAL_ENV = "TQDM_MININTERVAL"


def _check_data(data) -> None:
    """``data`` must be readable again and again: a one-shot iterator would end after one pass."""
    if not callable(data) and iter(data) is data:
        raise TypeError(
            f"fit() reads the training data once per pass and cycles over it, but got a one-shot "
            f"{type(data).__name__} that is empty after its first pass. Pass a list of batches, or "
            f"a function that returns a fresh iterable each time it is called, e.g. "
            f"fit(model, lambda: text.random_batches(X, Y, 32), ...).")


def _batch_stream(data) -> Iterable:
    """Cycle over ``data`` (re-iterable, or a callable returning a fresh iterable) forever."""
    while True:
        empty = True
        for batch in (data() if callable(data) else data):
            empty = False
            yield batch
        if empty:
            raise ValueError("the training data yielded no batches")


def _to(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    return type(batch)(_to(b, device) for b in batch)


def _make_optimizer(model: nn.Module, lr: float | None, optimizer):
    if optimizer is None:
        return torch.optim.Adam(model.parameters(), lr=DEFAULT_LR if lr is None else lr)
    if lr is not None:
        raise ValueError(f"fit() got lr={lr} and an optimizer, whose own learning rate would be "
                         f"used: set the learning rate on the optimizer (e.g. SGD(params, lr={lr})) "
                         f"and drop lr=, or drop optimizer= to get Adam with lr={lr}.")
    return optimizer


def _make_scheduler(optimizer, schedule: str, steps: int):
    if schedule not in SCHEDULES:
        raise ValueError(f"Unknown schedule {schedule!r}: expected one of {SCHEDULES}.")
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    return None


def _progress_bar(steps: int, desc: str, progress: bool):
    """A tqdm bar for ``steps`` steps; it redraws every ``MININTERVAL`` s unless $TQDM_MININTERVAL is set."""
    options = {} if MININTERVAL_ENV in os.environ else {"mininterval": MININTERVAL}
    return tqdm(total=steps, desc=desc, disable=not progress, leave=False, **options)


def _update(model: nn.Module, loss: torch.Tensor, optimizer, clip: float | None) -> torch.Tensor:
    """One optimiser step on ``loss``; returns the gradient's global norm before clipping."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    dense = [p for p in model.parameters() if p.grad is not None and not p.grad.is_sparse]
    norm = nn.utils.clip_grad_norm_(dense, clip if clip else float("inf"))  # sparse embedding rows: unclipped
    optimizer.step()
    return norm


def fit(model: nn.Module, data, loss_fn: Callable[[nn.Module, object], torch.Tensor], *,
        steps: int, lr: float | None = None, optimizer: torch.optim.Optimizer | None = None,
        clip: float | None = None, evaluate: Callable[[nn.Module], dict] | None = None,
        eval_every: int | None = None, schedule: str = "constant", device=None,
        progress: bool = True, desc: str = "training") -> History:
    """Train ``model`` for ``steps`` optimisation steps and return a ``History``.

    Parameters
    ----------
    data: batches; a re-iterable (list, DataLoader) or a callable returning a fresh iterable,
        cycled as often as ``steps`` needs. A generator is read only once: pass a list, or a
        function that makes the generator (``lambda: text.random_batches(X, Y, 32)``).
    loss_fn: ``loss_fn(model, batch) -> scalar loss``.
    lr: Adam's learning rate (default 1e-3); give either ``lr`` or ``optimizer``, not both.
    optimizer: default Adam with learning rate ``lr``.
    clip: if given, rescale the gradient so that its global norm is at most ``clip``. Sparse
        gradients (``nn.Embedding(..., sparse=True)``, with e.g. ``SparseAdam``) are left out of
        the norm and of the clipping.
    evaluate: ``evaluate(model) -> dict`` of held-out metrics, run every ``eval_every`` steps
        (default: once, at the end) in eval mode.
    schedule: ``"constant"`` or ``"cosine"`` (learning rate decays to 0 over ``steps``).
    device: where to train: the model is moved there and every batch is; default the device
        the model's parameters are on.
    progress: show a tqdm bar; it redraws at most every 0.5 s, or every ``$TQDM_MININTERVAL`` s.

    Under ``$COURSE_DRY_STEPS`` (a dry run at full scale) it trains only that many of the
    ``steps``; when a run collects results or is dry, its first step is counted and logged in
    ``course_utils.costs`` with ``steps`` (the T4 estimate).
    """
    _check_data(data)
    planned, dry = steps, costs.dry_steps()
    steps = min(steps, dry) if dry else steps
    count = dry is not None or bool(os.environ.get(RESULTS_ENV))
    if device is not None:
        model.to(device)  # before the optimiser is made: it holds the parameters moved in place
    device = next(model.parameters()).device
    optimizer = _make_optimizer(model, lr, optimizer)
    scheduler = _make_scheduler(optimizer, schedule, steps)
    stream = _batch_stream(data)
    history, start = History(), time.perf_counter()
    eval_every = eval_every or steps
    model.train()
    bar = _progress_bar(steps, desc, progress)
    for step in range(1, steps + 1):
        batch = _to(next(stream), device)
        with (costs.measure() if count and step == 1 else nullcontext()) as work:
            loss = loss_fn(model, batch)
            finite = math.isfinite(loss.item())
            if finite:
                norm = _update(model, loss, optimizer, clip)
        if work is not None:
            costs.log(desc, planned, work)
        if not finite:
            history.diverged = True
            history.steps.append(step)
            history.train_loss.append(loss.item())
            history.grad_norm.append(float("nan"))
            bar.total = step - 1  # a normal, explained stop: the notebook's bar closes full, not red
            break
        if scheduler:
            scheduler.step()
        history.steps.append(step)
        history.train_loss.append(loss.item())
        history.grad_norm.append(norm.item())
        if evaluate and (step % eval_every == 0 or step == steps):
            with eval_mode(model):
                history.evals.append(evaluate(model))
            history.eval_steps.append(step)
            bar.set_postfix({k: f"{v:.3g}" for k, v in history.evals[-1].items()}, refresh=False)
        elif step % 10 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        bar.update(1)
    bar.close()
    history.seconds = time.perf_counter() - start
    return history
