"""Metrics that notebooks print and assert on. Each returns a plain float."""

from __future__ import annotations

import math

import torch
from torch import nn

from .training import eval_mode


def perplexity(mean_nll: float) -> float:
    """``exp(mean negative log-likelihood per token)``: the effective number of equally likely choices.

    A uniform guess over V tokens has perplexity V; a perfect model has 1.

    >>> round(perplexity(math.log(28)), 6)
    28.0
    >>> perplexity(0.0)
    1.0
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
    device = next(model.parameters()).device
    total_nll, total_correct, count = 0.0, 0, 0
    with eval_mode(model):
        for start in range(0, len(X), batch_size):
            x, y = X[start:start + batch_size].to(device), Y[start:start + batch_size].to(device)
            logits, _ = model(x)  # (B, T, V)
            total_nll += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                     y.reshape(-1), reduction="sum").item()
            total_correct += (logits.argmax(-1) == y).sum().item()
            count += y.numel()
    nll = total_nll / count
    return {"loss": nll, "perplexity": perplexity(nll), "accuracy": total_correct / count}


@torch.no_grad()
def evaluate_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 512) -> dict:
    """Held-out loss and accuracy of a classifier mapping ``X`` (N, ...) to logits (N, C).

    ``X`` and the labels ``y`` (N,) may be on any device: each batch of ``X`` is moved to the
    model's, the logits come back to the CPU and are compared with ``y`` there.
    """
    device = next(model.parameters()).device
    with eval_mode(model):
        logits = torch.cat([model(X[s:s + batch_size].to(device)).cpu()
                            for s in range(0, len(X), batch_size)])  # (N, C)
    y = y.cpu()  # (N,), beside the logits: labels left on a GPU would meet CPU logits
    return {"loss": nn.functional.cross_entropy(logits, y).item(), "accuracy": accuracy(logits, y)}


def corpus_bleu(hypotheses: list[str], references_lists: list[list[str]],
                lowercase: bool = False) -> tuple[float, str]:
    """Corpus BLEU (0-100) of detokenised ``hypotheses`` with sacrebleu, and its signature.

    ``references_lists[i]`` holds every reference of hypothesis ``i`` (one or more, the number
    may vary); pass raw text, sacrebleu tokenises it itself (13a). ``lowercase=True`` scores
    case-insensitively, which the signature records (``case:lc``).

    >>> round(corpus_bleu(["le chat est là ."], [["le chat est là .", "un chat est là ."]])[0], 6)
    100.0
    """
    import sacrebleu  # local import: only translation needs it

    if len(hypotheses) != len(references_lists):
        raise ValueError(f"got {len(hypotheses)} hypotheses but {len(references_lists)} lists of "
                         f"references: give one list of references per hypothesis")
    empty = [i for i, refs in enumerate(references_lists) if not refs]
    if empty:
        raise ValueError(f"hypotheses {empty[:5]} have no reference; every one needs at least one")
    width = max(len(refs) for refs in references_lists)
    streams = [[refs[j] if j < len(refs) else None for refs in references_lists] for j in range(width)]
    bleu = sacrebleu.metrics.BLEU(lowercase=lowercase)
    score = bleu.corpus_score(list(hypotheses), streams)
    return score.score, str(bleu.get_signature())
