"""Writing tunes: sampling a character model until it ends a tune, and the n-gram floors.

    texts, ended = sample_tunes(lm, vocab, 50, temperature=0.8)   # 50 tunes (str) in one batch, and which ended
    contexts = tune_tails(train, 50)                  # the last 100 characters of 50 training tunes, to read first
    floor = CharNgram(ids, len(vocab), order=2)       # a bigram floor: log-probabilities (B, T, V) like LanguageModel
    texts, ended = sample_after_headers(floor, vocab, headers)   # real headers, bodies sampled from the floor
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .models import sample
from .music_corpus import END, MIN_BODY


@torch.no_grad()
def sample_tunes(model: torch.nn.Module, vocab, num_tunes: int = 1, temperature: float = 1.0,
                 max_chars: int = 1000, generator: torch.Generator | None = None,
                 prefix: str = "X:1\n", context: str | Sequence[str] = "") -> tuple[list[str], list[bool]]:
    """Sample ``num_tunes`` tunes at once, each from ``END`` + ``prefix`` until the model writes ``END``.

    Every normalised tune starts with ``X:1`` (the tunes are renumbered), so the sampler writes
    that line itself and the model goes on from the title; the prefix is part of each returned
    tune. A longer prefix asks for more (e.g. ``"X:1\nT:Reel\nR:reel\n"``).

    ``context`` is read first, before ``END`` + ``prefix``, and is not returned: one text for
    every tune, or one per tune, all of the same length (e.g. the last 100 characters of
    ``num_tunes`` training tunes, so that the tunes are written independently). A model trained
    by truncated BPTT with the state carried from window to window has almost never started
    from a zero state: reading the end of a tune first puts its state where training leaves it
    at a tune boundary.

    ``model(X, state)`` maps ids (B, T) to logits (B, T, V) and a state. ``temperature`` divides
    the logits (0: always the most likely character). ``<unk>`` is never sampled. A tune that
    has not ended after ``max_chars`` characters is cut there. Returns the texts and, for each,
    whether it ended at the boundary.
    """
    if END not in vocab:
        raise KeyError(f"the vocabulary has no {END!r}: build it with Vocab(tokens, reserved=[music.END])")
    end_id = vocab.token_to_idx[END]
    contexts = [context] * num_tunes if isinstance(context, str) else list(context)
    if len(contexts) != num_tunes or len({len(c) for c in contexts}) > 1:
        raise ValueError(f"context: one text, or {num_tunes} texts of one length; got {len(contexts)} texts "
                         f"of lengths {sorted({len(c) for c in contexts})}")
    start = torch.tensor([([end_id] + vocab.encode(list(c)) if c else []) + [end_id] + vocab.encode(list(prefix))
                          for c in contexts])  # (B, C + 1 + P)
    ids, lengths = sample(model, start, max_chars, temperature, stop_id=end_id, forbid=[vocab.unk],
                          generator=generator)  # (B, max_chars), (B,)
    texts = [prefix + "".join(vocab.decode(row[:n].tolist())) for row, n in zip(ids, lengths.tolist())]
    ended = [n < max_chars for n in lengths.tolist()]
    return texts, ended


def tune_tails(tunes: Sequence[str], num: int, length: int = 100,
               generator: torch.Generator | None = None) -> list[str]:
    """The last ``length`` characters of ``num`` tunes drawn at random (with replacement): contexts
    for ``sample_tunes``, one per tune written. Every normalised body is at least ``MIN_BODY`` long."""
    if length > MIN_BODY:
        raise ValueError(f"length {length} is longer than the shortest body ({MIN_BODY} characters)")
    picks = torch.randint(len(tunes), (num,), generator=generator).tolist()
    return [tunes[i][-length:] for i in picks]


class CharNgram(torch.nn.Module):
    """A unigram (``order=1``) or bigram (``order=2``) character model, a floor for the LSTM.

    Counts from ``ids`` with add-``alpha`` smoothing; ``forward(X, state)`` gives the log
    probabilities of the next token (B, T, V) like ``LanguageModel``, so ``models.sample`` and
    ``sample_tunes`` sample it. It reads only the last token (bigram) or nothing (unigram).
    """

    def __init__(self, ids: torch.Tensor, vocab_size: int, order: int = 2, alpha: float = 0.01) -> None:
        super().__init__()
        if order not in (1, 2):
            raise ValueError(f"order must be 1 (unigram) or 2 (bigram), got {order}")
        self.order = order
        if order == 1:
            counts = torch.bincount(ids, minlength=vocab_size).float().expand(vocab_size, -1)  # (V, V)
        else:
            pairs = ids[:-1] * vocab_size + ids[1:]  # (N - 1,)
            counts = torch.bincount(pairs, minlength=vocab_size ** 2).float().view(vocab_size, vocab_size)
        table = (counts + alpha).log() - (counts + alpha).sum(1, keepdim=True).log()  # (V, V): row = previous
        self.register_buffer("table", table)
        self.dummy = torch.nn.Parameter(torch.zeros(()))  # so that models.sample finds a device

    def forward(self, X: torch.Tensor, state=None):  # (B, T) -> (B, T, V)
        return self.table[X], state


def sample_after_headers(model: CharNgram, vocab, headers: Sequence[str], temperature: float = 1.0,
                         max_chars: int = 1000, generator: torch.Generator | None = None
                         ) -> tuple[list[str], list[bool]]:
    """One tune per header: the header as given, then a body sampled from ``model``.

    Only for models that read at most the last character (``CharNgram``): every header ends
    with a newline, so the bodies are sampled in one batch from ``"\n"`` and put after them.
    """
    if getattr(model, "order", None) not in (1, 2):
        raise ValueError("sample_after_headers needs a model that reads only the last character (CharNgram)")
    if not all(h.endswith("\n") for h in headers):
        raise ValueError("every header must end with a newline (the line after K:)")
    bodies, ended = sample_tunes(model, vocab, len(headers), temperature, max_chars, generator, prefix="\n")
    return [h + b[1:] for h, b in zip(headers, bodies)], ended
