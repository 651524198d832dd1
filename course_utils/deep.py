"""Stacked and bidirectional recurrent networks (notebook 06): a task that needs the future.

The task: a sequence of ``T`` symbols drawn uniformly from ``num_symbols``; at every position
``t`` the label says whether the ``marker`` symbol occurs *later* in the sequence (at some
``s > t``). A unidirectional model has read only ``x_0 .. x_t`` when it labels position ``t``;
since the symbols are independent, the past says nothing about the future, and the best such a
model can do is to guess from the number of steps left (``causal_floor``). A bidirectional
model also reads the sequence backwards and can answer exactly.
"""

from __future__ import annotations

import torch
from torch import nn


def later_labels(X: torch.Tensor, marker: int = 0) -> torch.Tensor:
    """``y[b, t] = 1`` if ``marker`` occurs in ``X[b, t+1:]``, else 0: X (B, T) ids -> y (B, T) long.

    >>> later_labels(torch.tensor([[3, 0, 2, 0, 1]]))
    tensor([[1, 1, 1, 0, 0]])
    """
    if X.dim() != 2:
        raise ValueError(f"expected X of shape (batch, steps), got {tuple(X.shape)}")
    is_marker = (X == marker).long()  # (B, T)
    # markers at positions >= t, counted from the right; shift by one for "strictly later"
    at_or_after = is_marker.flip(1).cumsum(1).flip(1)  # (B, T)
    later = torch.zeros_like(at_or_after)
    later[:, :-1] = at_or_after[:, 1:]
    return (later > 0).long()


def later_symbol_batch(batch_size: int, num_steps: int, num_symbols: int = 8, marker: int = 0,
                       generator: torch.Generator | None = None,
                       device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Random sequences X (B, T) of ids in ``[0, num_symbols)`` and their labels ``later_labels(X)`` (B, T).

    ``generator`` must live on ``device`` (default: the CPU).
    """
    X = torch.randint(num_symbols, (batch_size, num_steps), generator=generator, device=device)
    return X, later_labels(X, marker)


def causal_floor(num_steps: int, num_symbols: int = 8) -> torch.Tensor:
    """Best expected accuracy at each position (T,) of a model that has read only ``x_0 .. x_t``.

    The marker occurs later with probability ``p_t = 1 - (1 - 1/num_symbols) ** (T - 1 - t)``,
    independent of what was read; the best guess is the likelier label, right ``max(p_t, 1 - p_t)``
    of the time.
    """
    steps_left = torch.arange(num_steps - 1, -1, -1, dtype=torch.float64)  # (T,): T-1-t
    p_later = 1 - (1 - 1 / num_symbols) ** steps_left
    return torch.maximum(p_later, 1 - p_later)


def tagging_loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy of per-position logits ``model(X)`` (B, T, C) against labels y (B, T)."""
    X, y = batch
    logits = model(X)  # (B, T, C)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


@torch.no_grad()
def accuracy_per_position(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Held-out accuracy of a tagger at each position: X, y (N, T) -> (T,) on the CPU."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    correct = model(X.to(device)).argmax(-1) == y.to(device)  # (N, T)
    model.train(was_training)
    return correct.float().mean(0).cpu()

