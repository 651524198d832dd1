"""Text as sequences: tokenisation, a vocabulary, padded batches and language-model batches.

    tokens = tokenize(text, level="char")
    vocab = Vocab(tokens)
    ids = vocab.encode(tokens)                       # list[int]
    X, Y = lm_windows(torch.tensor(ids), num_steps=32)   # (N, 32) each, Y is X shifted by one

Sentences of different lengths (classification, translation)::

    sentences = [tokenize(s, "word") for s in raw]   # Unicode-aware words, SST-style clitics
    vocab = Vocab((w for s in sentences for w in s), min_freq=2, reserved=SPECIALS)
    X, lengths = pad_batch([vocab.encode(s) for s in sentences], vocab.pad)   # (B, T), (B,)
    for idx in length_buckets(lengths, batch_size=64): ...   # batches of similar lengths
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import torch

UNK = "<unk>"
PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
"""Reserved tokens for padded batches and decoders; ``Vocab(..., reserved=SPECIALS)`` gives them ids 0-3."""

# Words: Unicode letters and digits. English clitics are split off as SST (the Penn Treebank)
# does: "wouldn't" -> "would n't", "it's" -> "it 's"; a French elision keeps its apostrophe:
# "j'ai" -> "j' ai"; hyphenated words stay whole ("est-ce", "well-made"). Every other
# non-space character is a token of its own ("..." stays whole).
_CLITIC = r"(?:s|re|ve|ll|d|m|t)\b"
_WORD_PATTERN = re.compile(
    r"[^\W\d_]+(?=n't\b)"           # "would" in "wouldn't"
    r"|n't\b"                         # "n't"
    r"|'" + _CLITIC +                  # "'s", "'re", ...
    r"|[^\W_]+'(?!" + _CLITIC + r")(?=[^\W_])"  # "j'" in "j'ai", "l'" in "l'homme"
    r"|[^\W_]+(?:-[^\W_]+)*"           # a word or a number, hyphenated words whole
    r"|\.\.\.|[^\w\s]|_"              # punctuation, one mark at a time
)
_NO_SPACE_BEFORE = {".", ",", ")", "n't", "...", "%"}
_NO_SPACE_AFTER = {"(", "$"}


def preprocess_d2l(text: str) -> str:
    """Dive into Deep Learning's cleaning: letters lower-cased, every other run of characters a space.

    >>> preprocess_d2l("The Time-Machine, by H. G. Wells")
    'the time machine by h g wells'
    """
    return re.sub("[^A-Za-z]+", " ", text).lower().strip()


def normalize(text: str) -> str:
    """Unicode NFC, typographic apostrophes to ``'``, no-break spaces (U+00A0, U+202F) to spaces.

    >>> normalize("Va\u202f!  C\u2019est l\u00e0")
    "Va ! C'est là"
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()  # U+00A0 and U+202F count as whitespace


def tokenize(text: str, level: str = "char", lower: bool = True) -> list[str]:
    """Split text into characters (``level="char"``) or words (``level="word"``).

    Words are runs of Unicode letters and digits, lower-cased unless ``lower=False``; English
    clitics split off as in SST (``"n't"``, ``"'s"``), French elisions keep their apostrophe
    (``"j'"``); each punctuation mark is a token. Characters are returned exactly as they are.

    >>> tokenize("Hi, you!", "word")
    ['hi', ',', 'you', '!']
    >>> tokenize("I wouldn't mind, it's fine.", "word")
    ['i', 'would', "n't", 'mind', ',', 'it', "'s", 'fine', '.']
    >>> tokenize("J'ai été là, garçon\u202f!", "word")
    ["j'", 'ai', 'été', 'là', ',', 'garçon', '!']
    >>> tokenize("Hi!", "char")
    ['H', 'i', '!']
    """
    if level == "char":
        return list(text)
    if level == "word":
        text = normalize(text)
        return _WORD_PATTERN.findall(text.lower() if lower else text)
    raise ValueError(f"level must be 'char' or 'word', got {level!r}")


def detokenize(tokens: Sequence[str], lang: str = "en") -> str:
    """Join word tokens back into text: the inverse of ``tokenize(..., "word", lower=False)``.

    No space before ``. , )`` and English clitics, none after an elided ``j'`` or ``(``. French
    typography keeps a space before ``! ? : ;``; English does not.

    >>> detokenize(tokenize("J'ai été là, garçon !", "word", lower=False), lang="fr")
    "J'ai été là, garçon !"
    >>> detokenize(["i", "would", "n't", "mind", ",", "it", "'s", "fine", "."])
    "i wouldn't mind, it's fine."
    """
    if lang not in ("en", "fr"):
        raise ValueError(f"lang must be 'en' or 'fr', got {lang!r}")
    no_space_before = _NO_SPACE_BEFORE | ({"!", "?", ":", ";"} if lang == "en" else set())
    out = ""
    for i, token in enumerate(tokens):
        glued = (i == 0 or token in no_space_before or re.fullmatch("'" + _CLITIC, token)
                 or out.endswith("'") and out[-2:-1].isalnum() or tokens[i - 1] in _NO_SPACE_AFTER)
        out += token if glued else " " + token
    return out


class Vocab:
    """A mapping between tokens and integer ids, with ``<unk>`` for anything unseen.

    Tokens are ordered by decreasing frequency (ties alphabetically), so ids are reproducible.
    Tokens seen fewer than ``min_freq`` times become ``<unk>``. The ``reserved`` tokens come
    first, in the order given; ``<unk>`` is id 0 unless ``reserved`` places it elsewhere, so
    ``Vocab(tokens, reserved=SPECIALS)`` has ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3.
    Build it from the training data only.

    >>> v = Vocab(list("abracadabra"))
    >>> v.encode("cab"), v.decode(v.encode("cabz"))
    ([4, 1, 2], ['c', 'a', 'b', '<unk>'])
    >>> w = Vocab("the cat saw the dog".split(), min_freq=2, reserved=SPECIALS)
    >>> w.idx_to_token, w.pad, w.unk, w.encode(["the", "cat"])
    (['<pad>', '<unk>', '<bos>', '<eos>', 'the'], 0, 1, [4, 1])
    """

    def __init__(self, tokens: Iterable[str] = (), min_freq: int = 1,
                 reserved: Sequence[str] = ()) -> None:
        if isinstance(reserved, str):
            raise TypeError(f"reserved must be a sequence of tokens such as SPECIALS, got the string {reserved!r}")
        self.counts = Counter(tokens)
        specials = list(dict.fromkeys(reserved if UNK in reserved else [UNK, *reserved]))
        kept = sorted((t for t, n in self.counts.items() if n >= min_freq and t not in specials),
                      key=lambda t: (-self.counts[t], t))
        self.idx_to_token: list[str] = specials + kept
        self.num_reserved = len(specials)  # <unk> and the reserved tokens come first
        self.token_to_idx: dict[str, int] = {t: i for i, t in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_idx

    def _special(self, token: str) -> int:
        if token not in self.token_to_idx:
            raise KeyError(f"this vocabulary has no {token!r}; build it with Vocab(..., reserved=SPECIALS)")
        return self.token_to_idx[token]

    @property
    def unk(self) -> int:
        return self.token_to_idx[UNK]

    @property
    def pad(self) -> int:
        return self._special(PAD)

    @property
    def bos(self) -> int:
        return self._special(BOS)

    @property
    def eos(self) -> int:
        return self._special(EOS)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        unk = self.unk
        return [self.token_to_idx.get(t, unk) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.idx_to_token[int(i)] for i in ids]

    def __repr__(self) -> str:
        """The size, the reserved tokens and the most common others.

        >>> Vocab("b a b c b a".split(), reserved=SPECIALS)
        Vocab(size=7, reserved=['<pad>', '<unk>', '<bos>', '<eos>'], most common=['b', 'a', 'c'])
        """
        common = self.idx_to_token[self.num_reserved:self.num_reserved + 5]
        return f"Vocab(size={len(self)}, reserved={self.idx_to_token[:self.num_reserved]}, most common={common})"


def pad_batch(sequences: Sequence[Sequence[int] | torch.Tensor], pad_id: int
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad sequences of ids into one batch: ``X`` (B, T_max) and ``lengths`` (B,).

    Tensors go through ``torch.nn.utils.rnn.pad_sequence``; lists of ids are padded as lists and
    become one tensor, which is faster for many short lists. Pass the vocabulary's ``pad`` id, which
    ``nn.Embedding(..., padding_idx=vocab.pad)`` and the models' ``lengths`` argument expect.

    >>> X, lengths = pad_batch([[5, 6, 7], [8]], pad_id=0)
    >>> X.tolist(), lengths.tolist()
    ([[5, 6, 7], [8, 0, 0]], [3, 1])
    """
    if len(sequences) == 0:
        raise ValueError("pad_batch needs at least one sequence")
    if any(isinstance(s, torch.Tensor) for s in sequences):
        tensors = [torch.as_tensor(s, dtype=torch.long) for s in sequences]
        lengths = torch.tensor([t.shape[0] for t in tensors])  # (B,); shape[0]: len() of a tensor is slow
        _check_not_empty(lengths)
        return torch.nn.utils.rnn.pad_sequence(tensors, batch_first=True, padding_value=pad_id), lengths
    lengths = torch.tensor([len(s) for s in sequences])  # (B,)
    _check_not_empty(lengths)
    longest = int(lengths.max())
    rows = [[*s, *[pad_id] * (longest - len(s))] for s in sequences]  # lists: padded here, one tensor
    return torch.tensor(rows, dtype=torch.long), lengths  # (B, T), (B,)


def _check_not_empty(lengths: torch.Tensor) -> None:
    if not lengths.all():
        empty = (lengths == 0).nonzero().flatten().tolist()
        raise ValueError(f"sequences {empty[:5]} are empty; drop them or add an <eos> token first")


def length_buckets(lengths: Sequence[int] | torch.Tensor, batch_size: int, shuffle: bool = True,
                   generator: torch.Generator | None = None, pool: int = 50) -> list[torch.Tensor]:
    """Batches of indices whose sequences have similar lengths, so that padding stays small.

    The data are shuffled, cut into pools of ``pool * batch_size``, each pool sorted by length
    and cut into batches; the batches are then shuffled. ``shuffle=False`` sorts everything by
    length (for evaluation). Every index appears in exactly one batch.

    >>> [b.tolist() for b in length_buckets([3, 1, 2, 1], batch_size=2, shuffle=False)]
    [[1, 3], [2, 0]]
    """
    lengths = torch.as_tensor(lengths)
    if not shuffle:
        order = torch.sort(lengths, stable=True).indices
        return list(order.split(batch_size))
    order = torch.randperm(len(lengths), generator=generator)
    batches = []
    for chunk in order.split(pool * batch_size):
        chunk = chunk[torch.sort(lengths[chunk], stable=True).indices]
        batches.extend(chunk.split(batch_size))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator)]


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
    set beside the validation perplexities of d2l's RNN, LSTM and GRU (Dive into Deep Learning,
    sections 9.5, 10.1 and 10.2; notebooks 03 and 06 print them with their recipe and budget).

    Returns ``vocab, (X_train, Y_train), (X_valid, Y_valid)``, the tensors ``(N, num_steps)``.
    """
    chars = tokenize(preprocess_d2l(text), "char")
    vocab = Vocab(chars)
    ids = torch.tensor(vocab.encode(chars))
    train = ids[:train_chars]
    valid = ids[train_chars:train_chars + valid_chars]
    return vocab, lm_windows(train, num_steps, stride=1), lm_windows(valid, num_steps)


def _grams(codes: np.ndarray, k: int) -> np.ndarray:
    """Every k-byte window of ``codes`` (N,) packed exactly into one integer (N - k + 1,), k <= 8."""
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    packed = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        packed = (packed << np.uint64(8)) | codes[i:i + n].astype(np.uint64)
    return packed


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8)


class CopyIndex:
    """Find what a new text copies from a set of training texts: the whole text, or a long stretch.

    ``longest_shared(text)`` is the length of the longest substring of ``text`` that occurs in
    some training text (notebook 07 indexes the bodies of the training tunes). The index keeps
    the sorted set of all substrings of length 1 to ``k`` = 8 (each packed exactly into a 64-bit
    integer): a stretch up to 8 characters is looked up directly, and a longer one can only occur
    if every 8-character window in it does, so Python's substring search runs only on the few
    candidates that pass that filter.

    >>> index = CopyIndex(["abcabd", "xyz"])
    >>> index.longest_shared("zzabdq"), index.is_copy("xyz"), index.is_copy("xy")
    (3, True, False)
    """

    def __init__(self, texts: Iterable[str], k: int = 8) -> None:
        if not 1 <= k <= 8:
            raise ValueError(f"k must lie in 1..8 (k bytes are packed into 64 bits), got {k}")
        texts = list(texts)
        if any("\x00" in t for t in texts):
            raise ValueError("a text contains the index's separator character \\x00")
        self.k = k
        self.texts = set(texts)
        self.text = "\x00".join(texts)  # a separator no text contains: no match spans two texts
        codes = _codes(self.text)
        self.grams = {m: np.unique(_grams(codes, m)) for m in range(1, k + 1)}

    def is_copy(self, text: str) -> bool:
        """Whether ``text`` equals a training text."""
        return text in self.texts

    def _hits(self, codes: np.ndarray, m: int) -> np.ndarray:
        hits = np.zeros(len(codes), dtype=bool)  # hits[i]: text[i:i+m] occurs in training
        grams = _grams(codes, m)
        if len(grams):
            pos = np.searchsorted(self.grams[m], grams).clip(max=len(self.grams[m]) - 1)
            hits[:len(grams)] = self.grams[m][pos] == grams
        return hits

    def longest_shared(self, text: str) -> int:
        """Length of the longest substring of ``text`` found in a training text."""
        if "\x00" in text:
            raise ValueError("text contains the index's separator character \\x00")
        codes = _codes(text)
        hits = [None] + [self._hits(codes, m) for m in range(1, self.k + 1)]
        ahead = np.zeros(len(text) + 1, dtype=np.int64)  # consecutive k-gram hits from i on
        for i in range(len(text) - 1, -1, -1):
            ahead[i] = ahead[i + 1] + 1 if hits[self.k][i] else 0
        best = 0
        for i in range(len(text)):
            while i + best < len(text):
                length = best + 1
                if length <= self.k:
                    found = bool(hits[length][i])
                else:  # all (length - k + 1) windows must occur before a search is worth it
                    found = (ahead[i] >= length - self.k + 1
                             and text[i:i + length] in self.text)
                if not found:
                    break
                best = length
        return best
