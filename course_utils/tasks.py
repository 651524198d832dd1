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

