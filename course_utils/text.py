"""Text as sequences: tokenisation, a vocabulary, and language-model batches.

    tokens = tokenize(text, level="char")
    vocab = Vocab(tokens)
    ids = vocab.encode(tokens)                       # list[int]
    X, Y = lm_windows(torch.tensor(ids), num_steps=32)   # (N, 32) each, Y is X shifted by one
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import torch

UNK = "<unk>"


def preprocess_d2l(text: str) -> str:
    """Dive into Deep Learning's cleaning: letters lower-cased, every other run of characters a space.

    >>> preprocess_d2l("The Time-Machine, by H. G. Wells")
    'the time machine by h g wells'
    """
    return re.sub("[^A-Za-z]+", " ", text).lower().strip()


def tokenize(text: str, level: str = "char") -> list[str]:
    """Split text into characters (``level="char"``) or words (``level="word"``).

    Words are runs of letters, digits and apostrophes, lower-cased; punctuation marks are tokens.

    >>> tokenize("Hi, you!", "word")
    ['hi', ',', 'you', '!']
    >>> tokenize("Hi!", "char")
    ['H', 'i', '!']
    """
    if level == "char":
        return list(text)
    if level == "word":
        return re.findall(r"[a-z0-9']+|[^\sa-z0-9']", text.lower())
    raise ValueError(f"level must be 'char' or 'word', got {level!r}")


class Vocab:
    """A mapping between tokens and integer ids, with ``<unk>`` (id 0) for anything unseen.

    Tokens are ordered by decreasing frequency (ties alphabetically), so ids are reproducible.

    >>> v = Vocab(list("abracadabra"))
    >>> v.encode("cab"), v.decode(v.encode("cabz"))
    ([4, 1, 2], ['c', 'a', 'b', '<unk>'])
    """

    def __init__(self, tokens: Iterable[str] = (), min_freq: int = 1,
                 reserved: Sequence[str] = ()) -> None:
        self.counts = Counter(tokens)
        kept = sorted((t for t, n in self.counts.items() if n >= min_freq and t != UNK),
                      key=lambda t: (-self.counts[t], t))
        specials = [UNK] + [t for t in reserved if t != UNK]
        self.idx_to_token: list[str] = specials + [t for t in kept if t not in specials]
        self.token_to_idx: dict[str, int] = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_idx

    @property
    def unk(self) -> int:
        return 0

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.token_to_idx.get(t, 0) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.idx_to_token[int(i)] for i in ids]

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, most common={self.idx_to_token[1:6]})"


def split_ids(ids: torch.Tensor, valid_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a token stream into a training head and a held-out tail (no shuffling: no leakage)."""
    cut = int(len(ids) * (1 - valid_fraction))
    return ids[:cut], ids[cut:]


def lm_windows(ids: torch.Tensor, num_steps: int, stride: int | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """All windows of a token stream as language-model pairs.

    Returns ``X, Y``, each ``(num_windows, num_steps)``, with ``Y[:, t] == ids[start + t + 1]``:
    the target at every step is the next token. ``stride`` defaults to ``num_steps`` (disjoint
    windows).

    >>> X, Y = lm_windows(torch.arange(10), num_steps=3)
    >>> X.tolist(), Y.tolist()
    ([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    """
    ids = torch.as_tensor(ids)
    if ids.dim() != 1:
        raise ValueError(f"ids must be a 1-D stream of token ids, got shape {tuple(ids.shape)}")
    if len(ids) < num_steps + 1:
        raise ValueError(f"need at least num_steps + 1 = {num_steps + 1} tokens, got {len(ids)}")
    stride = stride or num_steps
    starts = torch.arange(0, len(ids) - num_steps, stride)  # (N,)
    offsets = torch.arange(num_steps)  # (T,)
    X = ids[starts[:, None] + offsets]  # (N, T)
    Y = ids[starts[:, None] + offsets + 1]  # (N, T)
    return X, Y


def random_batches(X: torch.Tensor, Y: torch.Tensor, batch_size: int,
                   generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch of shuffled minibatches ``(batch_size, ...)`` from paired tensors."""
    order = torch.randperm(len(X), generator=generator)
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], Y[idx]


def sequential_batches(ids: torch.Tensor, batch_size: int, num_steps: int
                       ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Batches for truncated BPTT: row ``b`` of batch ``k+1`` continues row ``b`` of batch ``k``.

    The stream is cut into ``batch_size`` contiguous rows; each batch is the next ``num_steps``
    columns of every row, so a hidden state carried from one batch to the next is the state of
    the text just before. Yields ``X, Y`` of shape ``(batch_size, num_steps)``.

    >>> [x.tolist() for x, _ in sequential_batches(torch.arange(13), batch_size=2, num_steps=3)]
    [[[0, 1, 2], [6, 7, 8]], [[3, 4, 5], [9, 10, 11]]]
    """
    ids = torch.as_tensor(ids)
    row_len = (len(ids) - 1) // batch_size
    if row_len < num_steps:
        raise ValueError(f"{len(ids)} tokens are too few for {batch_size} rows of {num_steps} steps")
    Xs = ids[:batch_size * row_len].reshape(batch_size, row_len)  # (B, L)
    Ys = ids[1:batch_size * row_len + 1].reshape(batch_size, row_len)  # (B, L)
    for start in range(0, row_len - num_steps + 1, num_steps):
        yield Xs[:, start:start + num_steps], Ys[:, start:start + num_steps]


def d2l_time_machine(text: str, num_steps: int = 32, train_chars: int = 10_000,
                     valid_chars: int = 5_000) -> tuple[Vocab, tuple, tuple]:
    """The Time Machine split as Dive into Deep Learning's RNN chapters use it.

    Letters lower-cased, everything else a space (``preprocess_d2l``); characters
    ``0 .. train_chars - 1`` train, the next ``valid_chars`` validate; disjoint windows of
    ``num_steps`` characters, each evaluated from a zero state. Perplexities on this split can be
    set beside d2l's (about 7.2 for its RNN, 6.7 LSTM, 6.6 GRU).

    Returns ``vocab, (X_train, Y_train), (X_valid, Y_valid)``, the tensors ``(N, num_steps)``.
    """
    chars = tokenize(preprocess_d2l(text), "char")
    vocab = Vocab(chars)
    ids = torch.tensor(vocab.encode(chars))
    train = ids[:train_chars]
    valid = ids[train_chars:train_chars + valid_chars]
    return vocab, lm_windows(train, num_steps, stride=1), lm_windows(valid, num_steps)
