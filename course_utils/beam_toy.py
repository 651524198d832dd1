"""A hand-made table of next-token probabilities, run as a decoder: where greedy decoding loses.

    table = {(): {"A": 0.5, ...}, ("A",): {...}, ...}    # prefix -> next-token probabilities
    model = TableModel(table, tokens=["A", "B", "C"])      # <pad> 0, <bos> 1, <eos> 2, then tokens
    seq2seq.beam_search(model, torch.tensor([3]), bos=1, eos=2, max_len=4, beam_size=2)

``TableModel`` has the ``encode`` / ``step`` interface of ``seq2seq.Seq2Seq``, so the package's
greedy decoding and beam search run on the table unchanged; the source is ignored. A prefix
missing from the table continues uniformly over the tokens and ``<eos>``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

PAD, BOS, EOS = 0, 1, 2
EOS_TOKEN = "<eos>"


def sequence_probability(table: dict, sequence) -> float:
    """Probability of ``sequence`` (tokens, ``<eos>`` included) under the table: the product of
    each token's probability given the tokens before it."""
    p = 1.0
    for t, token in enumerate(sequence):
        p *= table[tuple(sequence[:t])][token]
    return p


class TableModel(nn.Module):
    """Next-token probabilities read from ``table`` (prefix tuple -> {token: probability}).

    Ids: ``<pad>`` 0, ``<bos>`` 1, ``<eos>`` 2, then ``tokens`` in order. The state is the prefix
    written so far, (B, t) ids; the memory a dummy (B, 1). ``step`` returns log-probabilities as
    logits, ``-inf`` for ``<pad>`` and ``<bos>``.
    """

    def __init__(self, table: dict, tokens: list[str]) -> None:
        super().__init__()
        self.table, self.tokens = table, list(tokens)
        self.names = ["<pad>", "<bos>", EOS_TOKEN, *self.tokens]
        for prefix, probs in table.items():
            if abs(sum(probs.values()) - 1) > 1e-9 or not set(probs) <= set(self.names[2:]):
                raise ValueError(f"row {prefix}: expected probabilities over {self.names[2:]} summing "
                                 f"to 1, got {probs}")

    def decode_ids(self, ids) -> list[str]:
        """Token names of ids."""
        return [self.names[i] for i in ids]

    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor):
        batch = src.shape[0]
        return torch.zeros(batch, 1, device=src.device), torch.zeros(batch, 0, dtype=torch.long,
                                                                     device=src.device)

    def _row(self, prefix: tuple[str, ...]) -> list[float]:
        uniform = {name: 1 / (len(self.tokens) + 1) for name in self.names[2:]}
        probs = self.table.get(prefix, uniform)  # <pad> and <bos> are never in a row
        return [math.log(probs[name]) if probs.get(name, 0) > 0 else float("-inf") for name in self.names]

    def step(self, tokens: torch.Tensor, state: torch.Tensor, memory: torch.Tensor):
        """tokens (B,) -> log-probabilities (B, V), the longer prefix (B, t + 1), no attention."""
        if not bool((tokens == BOS).all()):
            state = torch.cat([state, tokens[:, None]], dim=1)  # (B, t + 1)
        rows = [self._row(tuple(self.decode_ids(ids))) for ids in state.tolist()]
        return torch.tensor(rows, device=tokens.device), state, None
