"""Encoder-decoder models with and without attention, their loss, greedy decoding and beam search.

    model = Seq2Seq(src_vocab_size, tgt_vocab_size, attention="dot")   # or "additive", or None
    model = Seq2Seq(..., cutoffs=[1000])   # an adaptive softmax: cheaper for large vocabularies
    logits, weights = model(src, src_lengths, tgt_in)   # (B, T, V), (B, T, S) attention weights
    loss = masked_cross_entropy(logits, tgt_out, pad_id=0)   # padding positions count for nothing
    loss = seq2seq_loss(model, (src, src_lengths, tgt_in, tgt_out))   # the same, computed faster
    hyps, weights = greedy_decode(model, src, src_lengths, bos=2, eos=3, max_len=20, forbid=[1])
    tokens, weights = beam_search(model, src[0, :n], bos=2, eos=3, max_len=20, beam_size=4)
    found = beam_search_batch(model, [src[0, :n], src[1, :m]], bos=2, eos=3, max_len=20)  # (ids, weights) each
    output_log_prob(model, src[0, :n], tokens, bos=2, eos=3)   # how likely the model finds it
    output_log_probs(model, [src[0, :n], src[1, :m]], [tokens, other], bos=2, eos=3)   # many at once

The model, its loss and its batches are here; ``seq2seq.NAME`` also reaches the names of
``attention`` (dot-product and additive attention, masks) and of ``decoding`` (greedy decoding,
beam search and scoring, for any model with ``encode`` and ``step`` as ``Seq2Seq`` has them).

The decoder's layout follows Luong et al. (2015): its recurrent layer runs over the previous output
tokens, then every output state queries the encoder's states, and ``tanh(W [h_t; context_t])``
predicts the next token; teacher-forced training runs the whole target in one call of the fused
layer. With ``attention="dot"`` the score is scaled dot-product attention, ``q . k / sqrt(d)``
(Vaswani et al., 2017); Luong et al.'s own "dot" score has no ``sqrt(d)``.
Without attention the decoder sees the encoder's final state only: as its initial state and,
as in Dive into Deep Learning, concatenated to its input at every step.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .attention import (
    ATTENTIONS,
    AdditiveAttention,
    DotAttention,
    length_mask,
    make_attention,
    masked_softmax,
)
from .decoding import beam_search, beam_search_batch, greedy_decode, output_log_prob, output_log_probs
from .models import RecurrentLayer

__all__ = [
    "Encoder", "Decoder", "Seq2Seq", "masked_cross_entropy", "seq2seq_loss", "make_batch", "make_batches",
    # attention
    "ATTENTIONS", "AdditiveAttention", "DotAttention", "length_mask", "make_attention", "masked_softmax",
    # decoding
    "beam_search", "beam_search_batch", "greedy_decode", "output_log_prob", "output_log_probs",
]


def _last_hidden(state) -> torch.Tensor:
    """h (B, H) of a one-layer state: ``h`` itself, or the ``h`` of an LSTM's ``(h, c)``."""
    return state[0] if isinstance(state, tuple) else state


class Encoder(nn.Module):
    """Embedding and a recurrent layer: ``src`` (B, S) ids -> states (B, S, H) and final state."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, kind: str = "gru",
                 pad_id: int = 0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=pad_id)
        self.rnn = RecurrentLayer(kind, embed_size, hidden_size)

    def forward(self, src: torch.Tensor, lengths: torch.Tensor):
        x = self.embedding(src)  # (B, S, E)
        if bool((lengths == src.shape[1]).all()):  # no padding, as in batches bucketed by length:
            return self.rnn(x)  # the same result without packing, which is faster on a CPU
        return self.rnn(x, lengths=lengths)  # (B, S, H), state (B, H)


class Decoder(nn.Module):
    """Predicts each next target token from the previous ones and the encoder's memory.

    ``forward(tokens (B, T), state, memory) -> logits (B, T, V), state, weights (B, T, S) | None``.
    ``memory`` is ``(encoder states (B, S, H), mask (B, S), final encoder state (B, H))``.
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, kind: str = "gru",
                 attention: str | None = None, pad_id: int = 0, cutoffs: list[int] | None = None) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=pad_id)
        self.attention = make_attention(attention, hidden_size)
        summary_size = 0 if self.attention else hidden_size  # the fixed-size context, fed each step
        self.rnn = RecurrentLayer(kind, embed_size + summary_size, hidden_size)
        self.combine = nn.Linear(2 * hidden_size, hidden_size) if self.attention else None
        if cutoffs:  # frequent words in a small softmax, rare ones in clusters (ids by frequency)
            self.out = nn.AdaptiveLogSoftmaxWithLoss(hidden_size, vocab_size, cutoffs, div_value=4.0)
        else:
            self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: torch.Tensor, state, memory):
        h, state, weights = self.features(tokens, state, memory)  # (B, T, H)
        return self.logits(h), state, weights  # (B, T, V)

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        """Scores of every next token (..., V) from features (..., H); log-probabilities if adaptive."""
        if isinstance(self.out, nn.AdaptiveLogSoftmaxWithLoss):
            return self.out.log_prob(h.reshape(-1, h.shape[-1])).view(*h.shape[:-1], -1)
        return self.out(h)

    def loss(self, h: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of targets (N,) given features (N, H)."""
        if isinstance(self.out, nn.AdaptiveLogSoftmaxWithLoss):
            return self.out(h, targets).loss
        return F.cross_entropy(self.out(h), targets)

    def features(self, tokens: torch.Tensor, state, memory):
        """What the output layer reads: (B, T, H), the new state and the attention weights."""
        enc_states, mask, summary = memory  # (B, S, H), (B, S), (B, H)
        x = self.embedding(tokens)  # (B, T, E)
        if self.attention is None:
            x = torch.cat([x, summary.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)  # (B, T, E+H)
        h, state = self.rnn(x, state)  # (B, T, H)
        weights = None
        if self.attention is not None:
            context, weights = self.attention(h, enc_states, enc_states, mask)  # (B, T, H), (B, T, S)
            h = torch.tanh(self.combine(torch.cat([h, context], dim=-1)))  # (B, T, H)
        return h, state, weights


class Seq2Seq(nn.Module):
    """An encoder-decoder translator; ``attention`` is ``None``, ``"dot"`` or ``"additive"``.

    ``forward(src (B, S), src_lengths (B,), tgt_in (B, T)) -> logits (B, T, V), weights``: teacher
    forcing, ``tgt_in`` is ``<bos>`` followed by the target without its last token.
    ``cutoffs`` (e.g. ``[2000]``) replaces the output layer by ``nn.AdaptiveLogSoftmaxWithLoss``:
    target ids below the first cutoff (the most frequent words, as ``text.Vocab`` orders them) get
    a full softmax, the rarer ones a cheaper one; the logits are then log-probabilities.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, embed_size: int = 128,
                 hidden_size: int = 256, kind: str = "gru", attention: str | None = None,
                 pad_id: int = 0, cutoffs: list[int] | None = None) -> None:
        super().__init__()
        self.pad_id = pad_id
        self.encoder = Encoder(src_vocab_size, embed_size, hidden_size, kind, pad_id)
        self.decoder = Decoder(tgt_vocab_size, embed_size, hidden_size, kind, attention, pad_id, cutoffs)

    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor):
        """-> memory ``(states (B, S, H), mask (B, S), final h (B, H))``, initial decoder state."""
        enc_states, state = self.encoder(src, src_lengths)  # (B, S, H)
        mask = length_mask(src_lengths.to(src.device), src.shape[1])  # (B, S)
        return (enc_states, mask, _last_hidden(state)), state

    def step(self, tokens: torch.Tensor, state, memory):
        """One decoding step: tokens (B,) -> logits (B, V), state, weights (B, S) or None."""
        logits, state, weights = self.decoder(tokens.unsqueeze(1), state, memory)
        return logits.squeeze(1), state, None if weights is None else weights.squeeze(1)

    def forward(self, src: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor):
        memory, state = self.encode(src, src_lengths)
        logits, _, weights = self.decoder(tgt_in, state, memory)
        return logits, weights  # (B, T, V), (B, T, S) or None


def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, pad_id: int) -> torch.Tensor:
    """Mean cross-entropy over the real target tokens; positions holding ``pad_id`` count for nothing.

    ``logits`` (B, T, V), ``targets`` (B, T).
    """
    if logits.shape[:-1] != targets.shape:
        raise ValueError(f"logits {tuple(logits.shape)} and targets {tuple(targets.shape)} do not "
                         f"line up: expected logits of shape targets.shape + (vocab_size,)")
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=pad_id)


def seq2seq_loss(model: Seq2Seq, batch) -> torch.Tensor:
    """``training.fit`` loss for batches ``(src, src_lengths, tgt_in, tgt_out)`` from ``make_batches``.

    Teacher forcing: the decoder reads the true previous tokens ``tgt_in``. The output layer (the
    costliest part, ``vocab_size`` outputs per position) runs at the real target positions only;
    the loss equals ``masked_cross_entropy`` of the full logits.
    """
    src, src_lengths, tgt_in, tgt_out = batch
    memory, state = model.encode(src, src_lengths)
    h, _, _ = model.decoder.features(tgt_in, state, memory)  # (B, T, H)
    real = tgt_out != model.pad_id  # (B, T)
    return model.decoder.loss(h[real], tgt_out[real])  # N real target tokens: (N, H), (N,)


def make_batch(src_seqs, tgt_seqs, pad_id: int, bos: int, eos: int):
    """Padded tensors ``(src (B, S), src_lengths (B,), tgt_in (B, T), tgt_out (B, T))``.

    ``tgt_in`` is ``<bos> y_1 .. y_n``, ``tgt_out`` is ``y_1 .. y_n <eos>``, both right-padded.

    >>> src, n, tgt_in, tgt_out = make_batch([[5, 6], [7]], [[8], [9, 10]], pad_id=0, bos=2, eos=3)
    >>> src.tolist(), n.tolist(), tgt_in.tolist(), tgt_out.tolist()
    ([[5, 6], [7, 0]], [2, 1], [[2, 8, 0], [2, 9, 10]], [[8, 3, 0], [9, 10, 3]])
    """
    from .text import pad_batch

    src, src_lengths = pad_batch(src_seqs, pad_id)
    tgt_in, _ = pad_batch([[bos, *y] for y in tgt_seqs], pad_id)
    tgt_out, _ = pad_batch([[*y, eos] for y in tgt_seqs], pad_id)
    return src, src_lengths, tgt_in, tgt_out


def make_batches(src_seqs, tgt_seqs, batch_size: int, pad_id: int, bos: int, eos: int,
                 shuffle: bool = True, generator: torch.Generator | None = None) -> list[tuple]:
    """One epoch of batches of pairs with similar source and target lengths (``text.length_buckets``
    sorts by source length, then target length), so that little of a batch is padding."""
    from .text import length_buckets

    longest = max(len(t) for t in tgt_seqs) + 1
    lengths = [len(s) * longest + len(t) for s, t in zip(src_seqs, tgt_seqs)]  # source first
    return [make_batch([src_seqs[i] for i in idx], [tgt_seqs[i] for i in idx], pad_id, bos, eos)
            for idx in length_buckets(lengths, batch_size, shuffle=shuffle, generator=generator)]
