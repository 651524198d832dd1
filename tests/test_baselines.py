import random

import pytest
import torch

from course_utils.baselines import (PROBE_PAIRS, bag_of_words, bag_of_words_batch,
                                    cue_position_batch, probe_sentences, window_dataset)
from course_utils.text import Vocab, pad_batch


def test_window_dataset_pairs_each_context_with_the_next_token():
    ids = torch.arange(10) * 3
    X, y = window_dataset(ids, window=4)
    assert X.shape == (6, 4) and y.shape == (6,)
    for i in range(6):
        assert X[i].tolist() == ids[i:i + 4].tolist() and y[i] == ids[i + 4]


@pytest.mark.parametrize("window", [0, 5])
def test_window_dataset_rejects_impossible_windows(window):
    with pytest.raises(ValueError, match="window"):
        window_dataset([1, 2, 3, 4, 5], window)


def test_bag_of_words_ignores_order_and_counts_unknowns():
    vocab = Vocab("the food was good not bad at all".split())
    a = "the food was good , not bad at all".split()
    b = "the food was bad , not good at all".split()
    assert torch.equal(bag_of_words(a, vocab), bag_of_words(b, vocab))
    bag = bag_of_words(a, vocab)
    assert bag.shape == (len(vocab),) and bag.sum() == len(a)
    assert bag[vocab.unk] == 1  # the comma is not in the vocabulary
    shuffled = a[:]
    random.Random(0).shuffle(shuffled)
    assert torch.equal(bag_of_words(shuffled, vocab), bag)
    assert bag_of_words(["the", "the"], vocab, binary=True)[vocab.token_to_idx["the"]] == 1


def test_bag_of_words_batch_matches_one_at_a_time():
    vocab = Vocab("a b c d e".split())
    sentences = [["a", "b", "a"], ["e"], ["c", "zz", "d", "d"]]
    ids, _ = pad_batch([vocab.encode(s) for s in sentences], pad_id=-1)
    assert ids.shape == (3, 4) and (ids[1, 1:] == -1).all()
    batch = bag_of_words_batch(ids, len(vocab))
    for row, s in zip(batch, sentences):
        assert torch.equal(row, bag_of_words(s, vocab))
    assert bag_of_words_batch(ids, len(vocab), binary=True).max() == 1
    with pytest.raises(ValueError, match="lie in"):
        bag_of_words_batch(ids, vocab_size=2)


def test_probe_sentences_are_balanced_and_put_the_country_far_back():
    gen = torch.Generator().manual_seed(1)
    sentences, labels = probe_sentences(80, num_fillers=(6, 10), generator=gen)
    assert torch.bincount(labels, minlength=len(PROBE_PAIRS)).tolist() == [10] * len(PROBE_PAIRS)
    for s, label in zip(sentences, labels.tolist()):
        country, language = PROBE_PAIRS[label]
        assert s[:5] == ["i", "grew", "up", "in", country] and s[-4:] == ["i", "speak", "fluent", language]
        gap = len(s) - 1 - s.index(country)
        assert 6 + 5 <= gap <= 10 + 5
        assert not ({w for pair in PROBE_PAIRS for w in pair} & set(s[5:-1]))
    assert {len(s) for s in sentences} == set(range(6 + 10, 10 + 10 + 1))


def test_probe_sentences_are_reproducible_and_reject_bad_fillers():
    a = probe_sentences(16, generator=torch.Generator().manual_seed(3))
    b = probe_sentences(16, generator=torch.Generator().manual_seed(3))
    assert a[0] == b[0] and torch.equal(a[1], b[1])
    with pytest.raises(ValueError, match="filler"):
        probe_sentences(4, fillers=("the", "france"))
    with pytest.raises(ValueError, match="num_fillers"):
        probe_sentences(4, num_fillers=(5, 2))


def test_cue_position_batch_places_one_cue_at_an_allowed_position():
    gen = torch.Generator().manual_seed(0)
    X, y, where = cue_position_batch(500, 12, positions=[2, 7], num_cues=4, num_noise=10, generator=gen)
    assert X.shape == (500, 12) and y.shape == where.shape == (500,)
    assert set(where.tolist()) == {2, 7} and set(y.tolist()) == {0, 1, 2, 3}
    assert torch.equal(X[torch.arange(500), where], y)
    is_cue = X < 4
    assert (is_cue.sum(1) == 1).all(), "exactly one cue word per window"
    assert X.max() < 4 + 10
    with pytest.raises(ValueError, match="positions"):
        cue_position_batch(4, 5, positions=[5])
