"""Decoding an encoder-decoder: greedy decoding, beam search, and the log-probability of an output.

    hyps, weights = greedy_decode(model, src, src_lengths, bos=2, eos=3, max_len=20, forbid=[1])
    tokens, weights = beam_search(model, src[0, :n], bos=2, eos=3, max_len=20, beam_size=4)
    found = beam_search_batch(model, [src[0, :n], src[1, :m]], bos=2, eos=3, max_len=20)  # (ids, weights) each
    output_log_prob(model, src[0, :n], tokens, bos=2, eos=3)   # how likely the model finds it
    output_log_probs(model, [src[0, :n], src[1, :m]], [tokens, other], bos=2, eos=3)   # many at once

Decoding takes any model with ``encode(src, lengths) -> (memory, state)`` and
``step(tokens (B,), state, memory) -> (logits (B, V), state, weights (B, S) or None)``, where
memory and state are tensors (or tuples of tensors) with the batch first. Tokens listed in
``forbid`` (for translation: ``<unk>``, ``<pad>``, ``<bos>``) are never produced.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .attention import length_mask


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
