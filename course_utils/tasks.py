"""Synthetic sequence tasks that need memory, with fresh random batches on every call.

    X, y = first_symbol_batch(batch_size=64, length=50, num_symbols=8)
    # X (64, 50) ids, y (64,): the label is the symbol at step 0; the rest are distractors.
"""

from __future__ import annotations

import torch


def first_symbol_batch(batch_size: int, length: int, num_symbols: int = 8,
                       generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Recall the first symbol after ``length - 1`` random distractors.

    Returns ``X`` (B, length) token ids in ``[0, num_symbols)`` and ``y`` (B,) with
    ``y == X[:, 0]``. Chance accuracy is ``1 / num_symbols``: a model that forgets step 0 can do
    no better, whatever else it learns.
    """
    if length < 1 or num_symbols < 2:
        raise ValueError(f"need length >= 1 and num_symbols >= 2, got {length}, {num_symbols}")
    X = torch.randint(0, num_symbols, (batch_size, length), generator=generator)  # (B, T)
    return X, X[:, 0].clone()


def adding_batch(batch_size: int, length: int, generator: torch.Generator | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem (Hochreiter & Schmidhuber, 1997): sum the two marked numbers.

    Returns ``X`` (B, length, 2): channel 0 uniform numbers in [0, 1), channel 1 a marker that is 1
    at exactly two steps, one in each half of the sequence; and ``y`` (B,) the sum of the two
    marked numbers. Always predicting 1.0 gives a mean squared error of about 0.167.
    """
    if length < 2:
        raise ValueError(f"the adding problem needs length >= 2, got {length}")
    values = torch.rand(batch_size, length, generator=generator)  # (B, T)
    half = length // 2
    first = torch.randint(0, half, (batch_size,), generator=generator)  # (B,)
    second = torch.randint(half, length, (batch_size,), generator=generator)  # (B,)
    markers = torch.zeros(batch_size, length)  # (B, T)
    rows = torch.arange(batch_size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]  # (B,)
    return torch.stack([values, markers], dim=-1), y  # (B, T, 2), (B,)


def fit_first_symbol(model, length: int, steps: int, held_out: tuple[torch.Tensor, torch.Tensor], *,
                     num_symbols: int = 8, batch_size: int = 64, lr: float = 3e-3, clip: float = 1.0,
                     seed: int = 0, eval_every: int | None = None, desc: str = "first symbol"):
    """Train a classifier on first-symbol recall and return its ``training.History``.

    Every step draws ``batch_size`` fresh sequences of ``length`` symbols from a generator seeded
    with ``seed``, so models trained with the same seed see exactly the same batches; Adam with
    gradient-norm clipping. ``held_out`` is ``(X, y)`` from ``first_symbol_batch``; its accuracy
    is evaluated every ``eval_every`` steps (default: once, at the end).
    """
    from . import metrics, models, training  # here, so that tasks itself stays free of models

    generator = torch.Generator().manual_seed(seed)
    X_held, y_held = held_out
    return training.fit(
        model, lambda: [first_symbol_batch(batch_size, length, num_symbols, generator=generator)],
        models.classification_loss, steps=steps, lr=lr, clip=clip, eval_every=eval_every, desc=desc,
        evaluate=lambda m: metrics.evaluate_classifier(m, X_held, y_held))
