"""Measuring how gradients travel back through time.

    norms = state_gradient_norms(cell, X)   # norms[k] = ||d loss / d state at k steps before the end||
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def state_gradient_norms(cell: nn.Module, X: torch.Tensor, component: int = 0,
                         readout: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
    """Norm of the gradient of a loss at the last step with respect to every earlier state.

    Parameters
    ----------
    cell: a cell from ``course_utils.cells`` (RNN, LSTM or GRU).
    X: inputs (B, T, D).
    component: for an LSTM, 0 for the hidden state ``h_t``, 1 for the cell state ``C_t``.
    readout: maps the last state (B, H) to a scalar loss; default its sum.

    Nothing is accumulated into the cell's (or ``X``'s) ``.grad``: the measurement leaves no trace.

    Returns
    -------
    A tensor (T,) whose entry ``k`` is ``||d loss / d state_{T-1-k}||``, averaged over the batch:
    entry 0 is the last step, entry ``k`` lies ``k`` steps further back.
    """
    if X.dim() != 3:
        raise ValueError(f"expected X of shape (batch, steps, features), got {tuple(X.shape)}")
    state = cell.init_state(X.shape[0], X.device, X.dtype)
    kept = []
    for t in range(X.shape[1]):
        _, state = cell(X[:, t], state)
        kept.append(state[component] if isinstance(state, tuple) else state)  # (B, H)
    loss = kept[-1].sum() if readout is None else readout(kept[-1])
    # autograd.grad returns the gradients without accumulating into any parameter's .grad
    grads = torch.autograd.grad(loss, kept)  # T tensors (B, H)
    norms = torch.stack([g.norm(dim=-1).mean() for g in grads])  # (T,)
    return norms.flip(0).detach()


def global_grad_norm(model: nn.Module) -> float:
    """The norm of all of ``model``'s parameter gradients taken together (what clipping bounds)."""
    grads = [p.grad.detach().flatten() for p in model.parameters() if p.grad is not None]
    return torch.cat(grads).norm().item() if grads else 0.0


@torch.no_grad()
def scale_spectral_norm(W: torch.Tensor, sigma: float) -> torch.Tensor:
    """Rescale ``W`` in place so that its largest singular value is ``sigma``."""
    W.mul_(sigma / torch.linalg.matrix_norm(W, ord=2))
    return W
