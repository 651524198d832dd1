"""The data behind the sequence-free baselines: fixed windows, bags of words, and two probes.

    X, y = window_dataset(ids, window=2)               # (N, 2) contexts, (N,) next tokens
    counts = bag_of_words(tokens, vocab)               # (V,) how often each word occurs
    sentences, labels = probe_sentences(100, num_fillers=8)   # "i grew up in france ... i speak fluent french"
    X, y, where = cue_position_batch(64, length=12, positions=range(6))

The models these feed (the window MLP, logistic regression on counts) are written inline in
notebooks 01 and 02, because they are what those notebooks are about.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .text import Vocab

# Country / language pairs for the long-range probe: the language is fixed by the country alone.
PROBE_PAIRS: tuple[tuple[str, str], ...] = (
    ("france", "french"), ("germany", "german"), ("spain", "spanish"), ("italy", "italian"),
    ("japan", "japanese"), ("china", "chinese"), ("russia", "russian"), ("greece", "greek"),
)

# Words that fill the gap between the country and the blank; none of them is a country or language.
PROBE_FILLERS: tuple[str, ...] = (
    "we", "moved", "often", "later", "lived", "near", "the", "sea", "with", "my", "family",
    "then", "went", "to", "school", "and", "worked", "for", "many", "years", "in", "a", "small",
    "town", "friends", "visited", "every", "summer", "after", "that", "travelled", "far", "now",
    "so", "when", "people", "ask", "me", "say", "home", "was", "long", "ago",
)

PROBE_PREFIX = ("i", "grew", "up", "in")
PROBE_CUE = ("i", "speak", "fluent")


def window_dataset(ids: Sequence[int] | torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every run of ``window`` consecutive tokens, paired with the token that follows it.

    Returns ``X`` (N, window) and ``y`` (N,) with ``N = len(ids) - window`` and
    ``X[i] == ids[i : i + window]``, ``y[i] == ids[i + window]``.

    >>> X, y = window_dataset([5, 6, 7, 8], window=2)
    >>> X.tolist(), y.tolist()
    ([[5, 6], [6, 7]], [7, 8])
    """
    ids = torch.as_tensor(ids)
    if ids.dim() != 1:
        raise ValueError(f"ids must be a 1-D stream of token ids, got shape {tuple(ids.shape)}")
    if window < 1 or len(ids) <= window:
        raise ValueError(f"need window >= 1 and more than window = {window} tokens, got {len(ids)}")
    n = len(ids) - window
    X = torch.stack([ids[i:i + n] for i in range(window)], dim=1)  # (N, window)
    return X, ids[window:].clone()  # (N, window), (N,)


def bag_of_words(tokens: Sequence[str], vocab: Vocab, binary: bool = False) -> torch.Tensor:
    """How often each vocabulary word occurs in ``tokens``: a ``(len(vocab),)`` float tensor.

    Order is thrown away: any reordering of ``tokens`` gives the same vector. Unknown words count
    towards ``<unk>`` (id ``vocab.unk``). ``binary=True`` records presence (0 or 1) instead of counts.

    >>> v = Vocab("the cat saw the dog".split())
    >>> dog_first = bag_of_words("the dog saw the cat".split(), v)
    >>> dog_first.tolist() == bag_of_words("the cat saw the dog".split(), v).tolist()
    True
    >>> bag_of_words(["the", "the", "emu"], v)[[0, v.token_to_idx["the"]]].tolist()
    [1.0, 2.0]
    """
    ids = torch.tensor(vocab.encode(tokens), dtype=torch.long)
    counts = torch.bincount(ids, minlength=len(vocab)).float()  # (V,)
    return counts.clamp(max=1.0) if binary else counts


def bag_of_words_batch(ids: torch.Tensor, vocab_size: int, pad_id: int = -1,
                       binary: bool = False) -> torch.Tensor:
    """``bag_of_words`` for a padded batch of id rows ``(B, T)``: returns ``(B, vocab_size)`` floats.

    Entries equal to ``pad_id`` are ignored. Row ``b`` equals ``bag_of_words`` of the tokens of row b.

    >>> bag_of_words_batch(torch.tensor([[1, 1, 2], [0, -1, -1]]), vocab_size=3).tolist()
    [[0.0, 2.0, 1.0], [1.0, 0.0, 0.0]]
    """
    if ids.dim() != 2:
        raise ValueError(f"ids must be a padded batch (B, T), got shape {tuple(ids.shape)}")
    real = ids != pad_id  # (B, T)
    if real.any() and (ids[real].min() < 0 or ids[real].max() >= vocab_size):
        raise ValueError(f"ids must lie in [0, {vocab_size}) apart from pad_id={pad_id}")
    counts = torch.zeros(ids.shape[0], vocab_size, device=ids.device)  # (B, V)
    counts.scatter_add_(1, torch.where(real, ids, 0), real.float())
    return counts.clamp(max=1.0) if binary else counts


def probe_sentences(num_sentences: int, num_fillers: int | tuple[int, int] = 8,
                    pairs: Sequence[tuple[str, str]] = PROBE_PAIRS,
                    fillers: Sequence[str] = PROBE_FILLERS,
                    generator: torch.Generator | None = None) -> tuple[list[list[str]], torch.Tensor]:
    """Sentences whose last word depends only on a word far back: the long-range probe.

    Each sentence reads ``i grew up in <country> and <fillers> i speak fluent <language>``, where
    ``<fillers>`` are ``num_fillers`` random words from ``fillers`` (an int, or a ``(low, high)``
    range, both ends included, drawn per sentence). The pairs are used in turn, so every language
    occurs equally often (exactly, when ``num_sentences`` is a multiple of ``len(pairs)``); the
    order of the sentences is shuffled.

    Returns the sentences as token lists and ``labels`` (num_sentences,), the index of each
    sentence's pair in ``pairs``. The language is the sentence's last token; the country sits
    ``num_fillers + 5`` tokens before it.

    >>> s, y = probe_sentences(2, num_fillers=3, generator=torch.Generator().manual_seed(0))
    >>> len(s[0]), s[0][:4], s[0][-4:-1]
    (13, ['i', 'grew', 'up', 'in'], ['i', 'speak', 'fluent'])
    """
    low, high = (num_fillers, num_fillers) if isinstance(num_fillers, int) else num_fillers
    if not 0 <= low <= high:
        raise ValueError(f"num_fillers must be >= 0 or a range (low, high) with low <= high, "
                         f"got {num_fillers!r}")
    names = {w for pair in pairs for w in pair}
    if names & set(fillers):
        raise ValueError(f"filler words must not name a country or language: {sorted(names & set(fillers))}")
    labels = torch.arange(num_sentences) % len(pairs)
    labels = labels[torch.randperm(num_sentences, generator=generator)]  # (N,)
    lengths = torch.randint(low, high + 1, (num_sentences,), generator=generator)  # (N,)
    sentences = []
    for label, length in zip(labels.tolist(), lengths.tolist()):
        picks = torch.randint(0, len(fillers), (length,), generator=generator).tolist()
        country, language = pairs[label]
        sentences.append([*PROBE_PREFIX, country, "and", *(fillers[i] for i in picks),
                          *PROBE_CUE, language])
    return sentences, labels


def cue_position_batch(batch_size: int, length: int, positions: Sequence[int], num_cues: int = 4,
                       num_noise: int = 20, generator: torch.Generator | None = None
                       ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Which cue word is in the window? One cue at a position drawn from ``positions``, noise elsewhere.

    Token ids ``0 .. num_cues - 1`` are the cue words, ``num_cues .. num_cues + num_noise - 1``
    the noise words. Returns ``X`` (B, length) ids, ``y`` (B,) the cue's id (= its class, chance
    ``1 / num_cues``) and ``where`` (B,) its position. Training on some positions and testing on
    others asks whether what a model learnt at one position carries over to another.

    >>> X, y, where = cue_position_batch(3, 5, positions=[4], generator=torch.Generator().manual_seed(0))
    >>> (X[:, 4] == y).all().item(), (X[:, :4] >= 4).all().item()
    (True, True)
    """
    positions = torch.as_tensor(list(positions), dtype=torch.long)
    if len(positions) == 0 or positions.min() < 0 or positions.max() >= length:
        raise ValueError(f"positions must be a non-empty set of indices in [0, {length}), "
                         f"got {positions.tolist()}")
    if num_cues < 2 or num_noise < 1:
        raise ValueError(f"need num_cues >= 2 and num_noise >= 1, got {num_cues}, {num_noise}")
    X = torch.randint(num_cues, num_cues + num_noise, (batch_size, length), generator=generator)  # (B, T)
    y = torch.randint(0, num_cues, (batch_size,), generator=generator)  # (B,)
    where = positions[torch.randint(0, len(positions), (batch_size,), generator=generator)]  # (B,)
    X[torch.arange(batch_size), where] = y
    return X, y, where
