"""Attention: a soft dictionary lookup, with padding masked out.

    attention = DotAttention()                      # or AdditiveAttention(query_size, key_size, attention_size)
    context, weights = attention(queries, keys, values, mask)   # (B, T, D), (B, T, S); mask (B, S)
    mask = length_mask(lengths, max_len)            # (B, max_len), True at real positions
    weights = masked_softmax(scores, mask)          # (B, T, S), exactly 0 where mask is False

Attention (``DotAttention``, ``AdditiveAttention``) is a soft dictionary lookup: a query is scored
against keys, a softmax turns the scores into weights, the read is the weighted sum of values.
Padding positions get exactly zero weight (their scores are set to -inf before the softmax).
"""

from __future__ import annotations

import math

import torch
from torch import nn

ATTENTIONS = (None, "dot", "additive")


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis where ``mask`` is True; exactly 0 where it is False.

    ``scores`` (B, T, S) or (B, S), ``mask`` (B, S) boolean (True = a real position). Every row
    needs at least one real position.

    >>> masked_softmax(torch.tensor([[1.0, 1.0, 5.0]]), torch.tensor([[True, True, False]]))
    tensor([[0.5000, 0.5000, 0.0000]])
    """
    if mask.dim() == scores.dim() - 1:
        mask = mask.unsqueeze(-2)  # (B, 1, S): the same mask for every query
    if not bool(mask.any(-1).all()):
        raise ValueError("every row of the mask needs at least one True (a real position)")
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def length_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B, max_len) boolean mask, True at the first ``lengths[b]`` positions of row ``b``.

    >>> length_mask(torch.tensor([2, 3]), 4).int().tolist()
    [[1, 1, 0, 0], [1, 1, 1, 0]]
    """
    return torch.arange(max_len, device=lengths.device) < lengths[:, None]  # (B, S)


class _Attention(nn.Module):
    """Shared read: weights = masked softmax of scores, context = weights @ values."""

    def scores(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """queries (B, T, Q) or (B, Q); keys (B, S, K); values (B, S, D); mask (B, S).

        Returns the context (B, T, D) or (B, D) and the weights (B, T, S) or (B, S).
        """
        single = queries.dim() == 2
        if single:
            queries = queries.unsqueeze(1)  # (B, 1, Q)
        weights = masked_softmax(self.scores(queries, keys), mask)  # (B, T, S)
        context = weights @ values  # (B, T, D)
        if single:
            return context.squeeze(1), weights.squeeze(1)
        return context, weights


class DotAttention(_Attention):
    """Scaled dot-product attention (Vaswani et al., 2017): score(q, k) = q . k / sqrt(d). No parameters.

    Queries and keys need the same size ``d``. Luong et al.'s (2015) "dot" score is ``q . k``,
    unscaled; the division by sqrt(d) keeps the scores of long vectors from saturating the softmax.
    """

    def scores(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        if queries.shape[-1] != keys.shape[-1]:
            raise ValueError(f"dot-product attention needs queries and keys of one size, got "
                             f"{queries.shape[-1]} and {keys.shape[-1]}: use AdditiveAttention")
        return queries @ keys.transpose(1, 2) / math.sqrt(keys.shape[-1])  # (B, T, S)


class AdditiveAttention(_Attention):
    """Additive attention (Bahdanau et al., 2015): score(q, k) = v . tanh(W_q q + W_k k)."""

    def __init__(self, query_size: int, key_size: int, attention_size: int) -> None:
        super().__init__()
        self.W_q = nn.Linear(query_size, attention_size, bias=False)
        self.W_k = nn.Linear(key_size, attention_size, bias=False)
        self.v = nn.Linear(attention_size, 1, bias=False)

    def scores(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        features = self.W_q(queries).unsqueeze(2) + self.W_k(keys).unsqueeze(1)  # (B, T, S, A)
        return self.v(torch.tanh(features)).squeeze(-1)  # (B, T, S)


def make_attention(kind: str | None, hidden_size: int) -> _Attention | None:
    """``None``, ``"dot"`` or ``"additive"`` attention between states of size ``hidden_size``."""
    if kind not in ATTENTIONS:
        raise ValueError(f"attention must be one of {ATTENTIONS}, got {kind!r}")
    if kind == "dot":
        return DotAttention()
    if kind == "additive":
        return AdditiveAttention(hidden_size, hidden_size, hidden_size)
    return None
