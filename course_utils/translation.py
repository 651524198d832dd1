"""English-French sentence pairs for translation: filtering, a split by English sentence, floors.

    pairs = data.load_fra_eng()                                # (english, french) strings
    examples = prepare_pairs(pairs, max_src_tokens=6, max_tgt_tokens=14)
    train, test = split_by_source(examples, test_size=1000, seed=0)
    check_disjoint(train, test)                                # no English sentence in both
    table = word_by_word_table(train)                          # English word -> French word

A test item groups one English sentence with **all** its French translations, which are the
references it is scored against; the training set holds none of those English sentences.
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


def split_by_source(examples: list[Example], test_size: int, seed: int = 0
                    ) -> tuple[list[Example], list[TestItem]]:
    """Hold out ``test_size`` English sentences (after tokenisation) with all their translations.

    Returns the training pairs and the test items; no English sentence is in both.
    """
    groups: dict[tuple[str, ...], list[Example]] = defaultdict(list)
    for ex in examples:
        groups[ex.src].append(ex)
    if test_size >= len(groups):
        raise ValueError(f"test_size={test_size} leaves nothing to train on: there are only "
                         f"{len(groups)} distinct English sentences")
    sources = sorted(groups)
    random.Random(seed).shuffle(sources)
    held_out = set(sources[:test_size])
    train = [ex for ex in examples if ex.src not in held_out]
    test = [TestItem(src, tuple(ex.french for ex in groups[src]), tuple(ex.tgt for ex in groups[src]))
            for src in sources[:test_size]]
    return train, test


def check_disjoint(train: list[Example], test: list[TestItem]) -> None:
    """Raise if any English sentence of the test set is also a training source."""
    shared = {ex.src for ex in train} & {item.src for item in test}
    if shared:
        example = " ".join(next(iter(shared)))
        raise AssertionError(f"{len(shared)} English sentences are in both train and test, e.g. "
                             f"{example!r}: split with split_by_source")


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
              beam_size: int | None = None, batch_size: int = 250, length_penalty: float = 0.0):
    """Translate tokenised English ``sources``: French tokens and attention weights per sentence.

    Greedy decoding in batches, or beam search (``beam_size``) one sentence at a time. Output
    never contains ``<unk>``: it is forbidden, with ``<pad>`` and ``<bos>``.
    """
    import torch

    from . import seq2seq

    device = next(model.parameters()).device
    forbid = (tgt_vocab.unk, tgt_vocab.pad, tgt_vocab.bos)
    outputs, maps = [], []
    for start in range(0, len(sources), batch_size):
        chunk = [src_vocab.encode(s) for s in sources[start:start + batch_size]]
        if beam_size is None:
            src, lengths = text.pad_batch(chunk, src_vocab.pad)
            ids, weights = seq2seq.greedy_decode(model, src.to(device), lengths.to(device),
                                                 tgt_vocab.bos, tgt_vocab.eos, max_len, forbid)
        else:
            found = [seq2seq.beam_search(model, torch.tensor(s, device=device), tgt_vocab.bos,
                                         tgt_vocab.eos, max_len, beam_size, forbid, length_penalty)
                     for s in chunk]
            ids, weights = [f[0] for f in found], [f[1] for f in found]
        outputs.extend(tgt_vocab.decode(i) for i in ids)
        maps.extend(weights)
    return outputs, maps
