"""A small, transparent training loop that returns what happened.

    history = fit(model, batches, lm_loss, steps=500, lr=3e-3, clip=1.0,
                  evaluate=lambda m: evaluate_lm(m, X_val, Y_val), eval_every=100)
    history.last("perplexity"), history.best("perplexity"), history.seconds
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm


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


def fit(model: nn.Module, data, loss_fn: Callable[[nn.Module, object], torch.Tensor], *,
        steps: int, lr: float = 1e-3, optimizer: torch.optim.Optimizer | None = None,
        clip: float | None = None, evaluate: Callable[[nn.Module], dict] | None = None,
        eval_every: int | None = None, schedule: str = "constant", device=None,
        progress: bool = True, desc: str = "training") -> History:
    """Train ``model`` for ``steps`` optimisation steps and return a ``History``.

    Parameters
    ----------
    data: batches; a re-iterable (list, DataLoader) or a callable returning a fresh iterable,
        cycled as often as ``steps`` needs.
    loss_fn: ``loss_fn(model, batch) -> scalar loss``.
    optimizer: default Adam with learning rate ``lr``.
    clip: if given, rescale the gradient so that its global norm is at most ``clip``.
    evaluate: ``evaluate(model) -> dict`` of held-out metrics, run every ``eval_every`` steps
        (default: once, at the end) in eval mode.
    schedule: ``"constant"`` or ``"cosine"`` (learning rate decays to 0 over ``steps``).
    """
    device = device or next(model.parameters()).device
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
                 if schedule == "cosine" else None)
    history, start = History(), time.perf_counter()
    eval_every = eval_every or steps
    model.train()
    stream = _batch_stream(data)
    # mininterval: redraw at most twice a second; each redraw is a message to the notebook
    bar = tqdm(range(1, steps + 1), desc=desc, disable=not progress, leave=False, mininterval=0.5)
    for step in bar:
        loss = loss_fn(model, _to(next(stream), device))
        if not math.isfinite(loss.item()):
            history.diverged = True
            history.steps.append(step), history.train_loss.append(loss.item())
            history.grad_norm.append(float("nan"))
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), clip if clip else float("inf"))
        optimizer.step()
        if scheduler:
            scheduler.step()
        history.steps.append(step), history.train_loss.append(loss.item())
        history.grad_norm.append(norm.item())
        if evaluate and (step % eval_every == 0 or step == steps):
            model.eval()
            history.eval_steps.append(step), history.evals.append(evaluate(model))
            model.train()
            bar.set_postfix({k: f"{v:.3g}" for k, v in history.evals[-1].items()}, refresh=False)
        elif step % 10 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    history.seconds = time.perf_counter() - start
    return history
