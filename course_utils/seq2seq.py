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

Attention (``DotAttention``, ``AdditiveAttention``) is a soft dictionary lookup: a query is scored
against keys, a softmax turns the scores into weights, the read is the weighted sum of values.
Padding positions get exactly zero weight (their scores are set to -inf before the softmax).

The decoder follows Luong et al. (2015): its recurrent layer runs over the previous output tokens,
then every output state queries the encoder's states, and ``tanh(W [h_t; context_t])`` predicts
the next token; teacher-forced training runs the whole target in one call of the fused layer.
Without attention the decoder sees the encoder's final state only: as its initial state and,
as in Dive into Deep Learning, concatenated to its input at every step.

Decoding takes any model with ``encode(src, lengths) -> (memory, state)`` and
``step(tokens (B,), state, memory) -> (logits (B, V), state, weights (B, S) or None)``, where
memory and state are tensors (or tuples of tensors) with the batch first. Tokens listed in
``forbid`` (for translation: ``<unk>``, ``<pad>``, ``<bos>``) are never produced.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .models import RecurrentLayer

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
    """Scaled dot-product attention: score(q, k) = q . k / sqrt(d). No parameters.

    Queries and keys need the same size ``d``.
    """

    def scores(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        if queries.shape[-1] != keys.shape[-1]:
            raise ValueError(f"dot-product attention needs queries and keys of one size, got "
                             f"{queries.shape[-1]} and {keys.shape[-1]}: use AdditiveAttention")
        return queries @ keys.transpose(1, 2) / math.sqrt(keys.shape[-1])  # (B, T, S)


class AdditiveAttention(_Attention):
    """Additive (Bahdanau) attention: score(q, k) = v . tanh(W_q q + W_k k)."""

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


def _select(x, index: torch.Tensor):
    """Rows ``index`` of a tensor, or of every tensor in a (nested) tuple."""
    if isinstance(x, tuple):
        return tuple(_select(v, index) for v in x)
    return x.index_select(0, index)


def _forbid(logits: torch.Tensor, forbid) -> torch.Tensor:
    if forbid:
        logits = logits.clone()
        logits[:, list(forbid)] = float("-inf")
    return logits


@torch.no_grad()
def greedy_decode(model, src: torch.Tensor, src_lengths: torch.Tensor, bos: int, eos: int,
                  max_len: int, forbid=()) -> tuple[list[list[int]], list[torch.Tensor | None]]:
    """The most likely next token at every step, for a whole batch at once.

    Returns, per sentence, the output ids (without ``<eos>``) and its attention weights
    (len(output) + 1 if it ended with ``<eos>``, S) (the ``<eos>`` step last), or None without
    attention. ``forbid``: ids never produced.
    """
    memory, state = model.encode(src, src_lengths)
    tokens = torch.full((src.shape[0],), bos, dtype=torch.long, device=src.device)  # (B,)
    done = torch.zeros_like(tokens, dtype=torch.bool)
    outputs, weights = [], []
    for _ in range(max_len):
        logits, state, w = model.step(tokens, state, memory)  # (B, V), state, (B, S)
        tokens = F.log_softmax(_forbid(logits, forbid), dim=-1).argmax(-1)  # (B,) as beam search ranks
        outputs.append(tokens)
        weights.append(w)
        done |= tokens == eos
        if bool(done.all()):
            break
    ids = torch.stack(outputs, 1).tolist()  # (B, T)
    hyps, maps = [], []
    for b, row in enumerate(ids):
        n = row.index(eos) if eos in row else len(row)
        hyps.append(row[:n])
        rows = min(n + 1, len(row))
        maps.append(None if weights[0] is None else
                    torch.stack([w[b] for w in weights[:rows]])[:, :int(src_lengths[b])].cpu())
    return hyps, maps


def _beam_bound(live_scores: list[float], max_len: int, length_penalty: float) -> float:
    """The best score any live beam can still reach: its log-probability only falls as it grows,
    and the largest divisor it can get is ``max_len ** length_penalty``."""
    return max(live_scores) / max_len ** length_penalty


class _Beams:
    """The search of one sentence: its live outputs (ids, attention rows, log-probabilities) and
    the outputs that have finished, as ``(score, ids, attention rows)``."""

    def __init__(self, length: int) -> None:
        self.length = length  # source length: the attention rows are cut to it
        self.paths: list[list[int]] = [[]]
        self.maps: list[list[torch.Tensor]] = [[]]
        self.scores: list[float] = [0.0]
        self.finished: list[tuple[float, list[int], list[torch.Tensor]]] = []
        self.done = False

    def advance(self, logp: torch.Tensor, w: torch.Tensor | None, t: int, beam_size: int, eos: int,
                max_len: int, length_penalty: float) -> list[int]:
        """Step ``t`` for the live outputs' next-token log-probabilities ``logp`` (k, V) and
        attention ``w`` (k, S) or None; returns which of the k rows live on (empty once done)."""
        total = (torch.tensor(self.scores, device=logp.device)[:, None] + logp).view(-1)  # (k * V,)
        best = total.topk(min(2 * beam_size, total.numel()))  # k <eos> at most, so k others remain
        ranked = sorted(zip(best.values.tolist(), best.indices.tolist()), key=lambda c: (-c[0], c[1]))
        keep, new_paths, new_maps, new_scores = [], [], [], []
        for rank, (score, flat) in enumerate(ranked):  # ties: the lower beam, then the lower id
            if score == float("-inf") or len(keep) == beam_size:
                break
            b, token = divmod(flat, logp.shape[1])
            row = self.maps[b] + ([] if w is None else [w[b]])
            if token == eos:
                if rank < beam_size:  # only a candidate within the beam may finish
                    self.finished.append((score / t ** length_penalty, self.paths[b], row))
                continue
            keep.append(b)
            new_paths.append(self.paths[b] + [token])
            new_maps.append(row)
            new_scores.append(score)
        self.paths, self.maps, self.scores = new_paths, new_maps, new_scores
        best_finished = max((f[0] for f in self.finished), default=float("-inf"))
        if t == max_len:  # out of steps: the live outputs end here, without <eos>
            self.finished.extend((s / t ** length_penalty, p, m)
                                 for s, p, m in zip(new_scores, new_paths, new_maps))
            self.done = True
        elif not keep or best_finished >= _beam_bound(new_scores, max_len, length_penalty):
            self.done = True
        return [] if self.done else keep

    def best(self) -> tuple[list[int], torch.Tensor | None]:
        if not self.finished:
            raise ValueError("every token is forbidden: beam search found no output")
        _, ids, rows = max(self.finished, key=lambda f: f[0])  # the first of equals: found earliest
        return ids, (torch.stack(rows).cpu() if rows else None)


@torch.no_grad()
def beam_search(model, src: torch.Tensor, bos: int, eos: int, max_len: int, beam_size: int = 4,
                forbid=(), length_penalty: float = 0.0) -> tuple[list[int], torch.Tensor | None]:
    """The most likely output of one source sentence ``src`` (S,) found by beam search.

    The search space is every output that ends with ``<eos>`` within ``max_len`` steps, and every
    output that runs ``max_len`` steps without one (what greedy decoding returns then). An output
    of ``n`` steps (``<eos>`` counted) with log-probability ``log p`` scores
    ``log p / n ** length_penalty``: 0 ranks by the plain log-probability, larger values favour
    longer outputs.

    At every step each of the (at most) ``beam_size`` live beams is extended by every token, the
    beams running as one batch. The candidates are ranked by log-probability; an ``<eos>``
    candidate ranked within the first ``beam_size`` finishes, and the best ``beam_size``
    candidates that do not end stay live. The search stops when no live beam can reach the score
    of the best finished output (log-probabilities only fall as an output grows), or after
    ``max_len`` steps, when the live beams count as finished. With ``beam_size=1`` this is
    exactly greedy decoding.

    Returns the ids (without ``<eos>``) and the attention weights (steps, S), one row per step
    (the ``<eos>`` step included), or None for a model without attention.
    """
    if src.dim() != 1:
        raise ValueError(f"beam_search decodes one sentence: src of shape (S,), got {tuple(src.shape)}")
    return beam_search_batch(model, [src], bos, eos, max_len, beam_size, forbid, length_penalty)[0]


@torch.no_grad()
def beam_search_batch(model, sources: list[torch.Tensor], bos: int, eos: int, max_len: int,
                      beam_size: int = 4, forbid=(), length_penalty: float = 0.0
                      ) -> list[tuple[list[int], torch.Tensor | None]]:
    """``beam_search`` of several source sentences (each (S_i,)) at once: the same search for
    each, the live outputs of all of them running through the model as one batch.

    Returns ``(ids, attention weights (steps, S_i) or None)`` per sentence, as ``beam_search``.
    """
    if beam_size < 1 or length_penalty < 0:
        raise ValueError(f"need beam_size >= 1 and length_penalty >= 0, got {beam_size} and "
                         f"{length_penalty}")
    if not sources or any(s.dim() != 1 or len(s) == 0 for s in sources):
        raise ValueError("beam_search_batch needs a list of non-empty source sentences of shape (S,)")
    device = sources[0].device
    lengths = torch.tensor([len(s) for s in sources], device=device)  # (B,)
    src = nn.utils.rnn.pad_sequence(list(sources), batch_first=True)  # (B, S)
    memory, state = model.encode(src, lengths)
    searches = [_Beams(len(s)) for s in sources]
    rows = torch.arange(len(sources), device=device)  # (k_total,) the sentence of each live output
    tokens = torch.full((len(sources),), bos, device=device)  # (k_total,) the last token of each
    for t in range(1, max_len + 1):
        logits, state, w = model.step(tokens, state, _select(memory, rows))  # (k_total, V)
        logp = F.log_softmax(_forbid(logits, forbid), dim=-1)  # (k_total, V)
        keep, start = [], 0
        for search in searches:
            if search.done:
                continue
            k = len(search.paths)
            rows_w = None if w is None else w[start:start + k, :search.length]  # (k, S_i)
            kept = search.advance(logp[start:start + k], rows_w, t, beam_size, eos, max_len, length_penalty)
            keep.extend(start + b for b in kept)
            start += k
        if not keep:
            break
        index = torch.tensor(keep, device=device)
        state = _select(state, index)
        rows = rows.index_select(0, index)
        tokens = torch.tensor([p[-1] for s in searches if not s.done for p in s.paths], device=device)
    return [search.best() for search in searches]


@torch.no_grad()
def output_log_prob(model, src: torch.Tensor, ids: list[int], bos: int, eos: int,
                    ended: bool = True, forbid=()) -> float:
    """Log-probability the model gives output ``ids`` (without ``<eos>``) for source ``src`` (S,).

    ``ended=True`` counts the final ``<eos>`` (an output that ended); ``False`` scores an output
    cut at ``max_len`` steps. ``forbid`` as in decoding (the forbidden tokens' probability shared
    out over the others), so that greedy and beam outputs are scored as the decoders see them.
    """
    return output_log_probs(model, [src], [ids], bos, eos, [ended], forbid)[0]


@torch.no_grad()
def output_log_probs(model, sources: list[torch.Tensor], outputs: list[list[int]], bos: int, eos: int,
                     ended: list[bool] | None = None, forbid=()) -> list[float]:
    """``output_log_prob`` of many (source (S_i,), output ids) pairs, run through the model as one
    batch; ``ended[i]`` (default all True) says whether output ``i`` counts a final ``<eos>``."""
    ended = [True] * len(outputs) if ended is None else list(ended)
    if not len(sources) == len(outputs) == len(ended):
        raise ValueError(f"need one output and one ended flag per source, got {len(sources)} sources, "
                         f"{len(outputs)} outputs and {len(ended)} flags")
    if not sources:
        return []
    device = sources[0].device
    steps = [list(ids) + ([eos] if e else []) for ids, e in zip(outputs, ended)]
    longest = max(len(s) for s in steps)
    if longest == 0:
        return [0.0] * len(steps)
    targets = torch.tensor([s + [eos] * (longest - len(s)) for s in steps], device=device)  # (B, T)
    real = length_mask(torch.tensor([len(s) for s in steps], device=device), longest)  # (B, T)
    src = nn.utils.rnn.pad_sequence(list(sources), batch_first=True)  # (B, S)
    memory, state = model.encode(src, torch.tensor([len(s) for s in sources], device=device))
    tokens = torch.full((len(steps),), bos, device=device)  # (B,)
    total = torch.zeros(len(steps), dtype=torch.float64, device=device)  # summed as Python floats are
    for t in range(longest):
        logits, state, _ = model.step(tokens, state, memory)  # (B, V)
        picked = F.log_softmax(_forbid(logits, forbid), dim=-1).gather(1, targets[:, t:t + 1])[:, 0]  # (B,)
        total += torch.where(real[:, t], picked.double(), 0.0)
        tokens = targets[:, t]
    return total.tolist()
