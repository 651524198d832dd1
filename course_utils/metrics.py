"""Metrics that notebooks print and assert on. Each returns a plain float."""

from __future__ import annotations

import math

import torch
from torch import nn


def perplexity(mean_nll: float) -> float:
    """``exp(mean negative log-likelihood per token)``: the effective number of equally likely choices.

    A uniform guess over V tokens has perplexity V; a perfect model has 1.

    >>> perplexity(math.log(28))
    28.000000000000004
    """
    return math.exp(mean_nll)


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is the target. ``logits`` (..., C), ``targets`` (...)."""
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and targets {tuple(targets.shape)} "
                         f"do not line up: expected logits of shape targets.shape + (classes,)")
    return (logits.argmax(-1) == targets).float().mean().item()


@torch.no_grad()
def evaluate_lm(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, batch_size: int = 256) -> dict:
    """Held-out next-token loss, perplexity and accuracy of a language model on windows ``X, Y`` (N, T).

    Each window starts from a zero state, as in Dive into Deep Learning's evaluation.
    """
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total_nll, total_correct, count = 0.0, 0, 0
    for start in range(0, len(X), batch_size):
        x, y = X[start:start + batch_size].to(device), Y[start:start + batch_size].to(device)
        logits, _ = model(x)  # (B, T, V)
        total_nll += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 y.reshape(-1), reduction="sum").item()
        total_correct += (logits.argmax(-1) == y).sum().item()
        count += y.numel()
    model.train(was_training)
    nll = total_nll / count
    return {"loss": nll, "perplexity": perplexity(nll), "accuracy": total_correct / count}


@torch.no_grad()
def evaluate_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 512) -> dict:
    """Held-out loss and accuracy of a classifier mapping ``X`` (N, ...) to logits (N, C)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    logits = torch.cat([model(X[s:s + batch_size].to(device)).cpu()
                        for s in range(0, len(X), batch_size)])  # (N, C)
    model.train(was_training)
    return {"loss": nn.functional.cross_entropy(logits, y).item(), "accuracy": accuracy(logits, y)}
