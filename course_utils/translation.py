"""English-French sentence pairs for translation: filtering, a split by English sentence, floors.

    pairs = data.load_fra_eng()                                # (english, french) strings
    examples = prepare_pairs(pairs, max_src_tokens=6, max_tgt_tokens=14)
    train, dev, test = split_train_dev_test(examples, dev_size=1000, test_size=1000, seed=0)
    check_disjoint(train, dev, test)                           # no English sentence in two splits
    table = word_by_word_table(train)                          # English word -> French word

A held-out (dev or test) item groups one English sentence with **all** its French translations,
which are the references it is scored against; the training set holds none of those English
sentences, nor any that differ from them only in case, punctuation or contractions
(``source_key``).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from . import text


@dataclass(frozen=True)
class Example:
    """One pair: tokens (lower-cased words) and the French as written (Unicode-normalised)."""

    src: tuple[str, ...]
    tgt: tuple[str, ...]
    french: str


@dataclass(frozen=True)
class TestItem:
    """One English sentence with all its translations: ``references`` as written, ``targets`` tokenised."""

    src: tuple[str, ...]
    references: tuple[str, ...]
    targets: tuple[tuple[str, ...], ...]


def prepare_pairs(pairs, max_src_tokens: int, max_tgt_tokens: int) -> list[Example]:
    """Tokenise (``text.tokenize(..., "word")``: lower case, punctuation split, accents kept) and
    keep pairs with at most ``max_src_tokens`` English and ``max_tgt_tokens`` French tokens."""
    examples = []
    for english, french in pairs:
        src = tuple(text.tokenize(english, "word"))
        if not 0 < len(src) <= max_src_tokens:
            continue
        tgt = tuple(text.tokenize(french, "word"))
        if 0 < len(tgt) <= max_tgt_tokens:
            examples.append(Example(src, tgt, text.normalize(french)))
    return examples


# English contractions, expanded for the comparison key (one reading each: "'s" may also be "has"
# or a possessive, "'d" "had"; the key only has to bring near-duplicates together).
_EXPANSIONS = {"'re": ("are",), "'m": ("am",), "'ve": ("have",), "'ll": ("will",), "'d": ("would",),
               "'s": ("is",), "n't": ("not",), "cannot": ("can", "not")}
_NEGATED = {"ca": "can", "wo": "will", "sha": "shall"}  # "can't" -> "ca n't" -> "can not"


def source_key(src: tuple[str, ...]) -> tuple[str, ...]:
    """The English sentence as compared across splits: lower case, no punctuation, contractions
    expanded, so that near-duplicates get one key.

    >>> source_key(("we", "'re", "out", "of", "danger", "."))
    ('we', 'are', 'out', 'of', 'danger')
    >>> source_key(("We", "ca", "n't", "go", "!")) == source_key(("we", "cannot", "go", "."))
    True
    >>> source_key(("let", "'s", "go", "."))
    ('let', 'us', 'go')
    """
    words = [w.lower() for w in src if any(ch.isalnum() for ch in w)]  # punctuation dropped
    key: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else None
        if following == "n't" and word in _NEGATED:
            key.append(_NEGATED[word])
        elif word == "'s" and key[-1:] == ["let"]:
            key.append("us")
        else:
            key.extend(_EXPANSIONS.get(word, (word,)))
    return tuple(key)


def _held_out_item(group: list[Example]) -> TestItem:
    """One held-out item for the examples of one key: the most common English form (ties: the first
    in sorted order) and every distinct translation of every form."""
    forms = Counter(ex.src for ex in group)
    src = min(forms, key=lambda f: (-forms[f], f))
    firsts = {}  # distinct references in order, with their tokens
    for ex in group:
        firsts.setdefault(ex.french, ex.tgt)
    return TestItem(src, tuple(firsts), tuple(firsts.values()))


def split_train_dev_test(examples: list[Example], dev_size: int, test_size: int, seed: int = 0
                         ) -> tuple[list[Example], list[TestItem], list[TestItem]]:
    """Hold out ``dev_size`` and ``test_size`` English sentences, each with all its translations.

    Sentences are grouped by ``source_key`` (case, punctuation, contractions), and a group falls
    wholly in one split: "we 're out of danger ." is never tested while "we are out of danger ."
    trains. Each held-out group is one item, scored against every translation in the group.
    Returns the training pairs, the dev items and the test items.
    """
    groups: dict[tuple[str, ...], list[Example]] = defaultdict(list)
    for ex in examples:
        groups[source_key(ex.src)].append(ex)
    if dev_size + test_size >= len(groups):
        raise ValueError(f"dev_size={dev_size} and test_size={test_size} leave nothing to train on: "
                         f"there are only {len(groups)} distinct English sentences (by source_key)")
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    test_keys, dev_keys = keys[:test_size], keys[test_size:test_size + dev_size]
    held_out = set(test_keys) | set(dev_keys)
    train = [ex for ex in examples if source_key(ex.src) not in held_out]
    dev = [_held_out_item(groups[k]) for k in dev_keys]
    test = [_held_out_item(groups[k]) for k in test_keys]
    return train, dev, test


def split_by_source(examples: list[Example], test_size: int, seed: int = 0
                    ) -> tuple[list[Example], list[TestItem]]:
    """``split_train_dev_test`` without a dev split: the training pairs and ``test_size`` items."""
    train, _, test = split_train_dev_test(examples, 0, test_size, seed)
    return train, test


def check_disjoint(train: list[Example], *held_out: list[TestItem]) -> None:
    """Raise if an English sentence (by ``source_key``) is in two of the splits given."""
    seen = {source_key(ex.src) for ex in train}
    for items in held_out:
        keys = {source_key(item.src) for item in items}
        shared = seen & keys
        if shared:
            example = " ".join(next(iter(shared)))
            raise AssertionError(f"{len(shared)} English sentences are in two splits (by source_key), "
                                 f"e.g. {example!r}: split with split_train_dev_test")
        seen |= keys


def unseen_target_items(train: list[Example], items: list[TestItem]) -> list[int]:
    """Indices of the ``items`` none of whose references is the target of a training pair.

    A test sentence can differ from every training sentence and still have a translation seen in
    training ("I'm calm." / "I am calm."); these items measure translation, not recall.
    """
    seen = {ex.tgt for ex in train}
    return [i for i, item in enumerate(items) if not any(t in seen for t in item.targets)]


def word_by_word_table(train: list[Example]) -> dict[str, str]:
    """Each English word -> the French word it co-occurs with most, relative to how common both are.

    Co-occurrence counts pairs where both words appear; the Dice coefficient
    2 c(e, f) / (c(e) + c(f)) keeps ``le`` and ``.`` from winning for every English word.
    """
    src_count, tgt_count, joint = Counter(), Counter(), Counter()
    for ex in train:
        src_words, tgt_words = set(ex.src), set(ex.tgt)
        src_count.update(src_words)
        tgt_count.update(tgt_words)
        joint.update((e, f) for e in src_words for f in tgt_words)
    best: dict[str, tuple[float, str]] = {}
    for (e, f), n in joint.items():
        dice = 2 * n / (src_count[e] + tgt_count[f])
        if e not in best or (dice, f) > best[e]:
            best[e] = (dice, f)
    return {e: f for e, (_, f) in best.items()}


def word_by_word(src: tuple[str, ...], table: dict[str, str]) -> list[str]:
    """Translate word by word with ``table``; unknown words are copied (names often survive)."""
    return [table.get(w, w) for w in src]


def most_common_translation(train: list[Example]) -> tuple[str, ...]:
    """The French sentence (tokens) most frequent in training: the constant-output floor."""
    return Counter(ex.tgt for ex in train).most_common(1)[0][0]


def source_length_bins(test: list[TestItem]) -> dict[int, list[int]]:
    """Indices of the test items grouped by English length in tokens."""
    bins: dict[int, list[int]] = defaultdict(list)
    for i, item in enumerate(test):
        bins[len(item.src)].append(i)
    return dict(sorted(bins.items()))


def translate(model, sources, src_vocab: text.Vocab, tgt_vocab: text.Vocab, max_len: int,
              beam_size: int | None = None, batch_size: int = 250, length_penalty: float = 0.0,
              forbid_unk: bool = True):
    """Translate tokenised English ``sources``: French tokens and attention weights per sentence.

    Greedy decoding or beam search (``beam_size``), ``batch_size`` sentences at a time. Output
    never contains ``<pad>`` or ``<bos>``, nor ``<unk>`` unless ``forbid_unk=False``. Attention
    weights: (steps, len(source)) per sentence, or None for a model without attention.
    """
    import torch

    from . import decoding

    device = next(model.parameters()).device
    forbid = (tgt_vocab.unk, tgt_vocab.pad, tgt_vocab.bos) if forbid_unk else (tgt_vocab.pad, tgt_vocab.bos)
    outputs, maps = [], []
    for start in range(0, len(sources), batch_size):
        chunk = [src_vocab.encode(s) for s in sources[start:start + batch_size]]
        if beam_size is None:
            src, lengths = text.pad_batch(chunk, src_vocab.pad)
            ids, weights = decoding.greedy_decode(model, src.to(device), lengths.to(device),
                                                  tgt_vocab.bos, tgt_vocab.eos, max_len, forbid)
        else:
            found = decoding.beam_search_batch(model, [torch.tensor(s, device=device) for s in chunk],
                                               tgt_vocab.bos, tgt_vocab.eos, max_len, beam_size, forbid,
                                               length_penalty)
            ids, weights = [f[0] for f in found], [f[1] for f in found]
        outputs.extend(tgt_vocab.decode(i) for i in ids)
        maps.extend(weights)
    return outputs, maps
