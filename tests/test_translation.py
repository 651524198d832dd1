"""translation: French tokenisation round trip, the split by English sentence, the floors."""

import pytest

from course_utils import text, translation

PAIRS = [("Go.", "Va !"), ("Go.", "Marche."), ("Go.", "Bouge !"), ("Hi.", "Salut !"),
         ("Hi.", "Salut."), ("Run!", "Cours\u202f!"), ("I won!", "J'ai gagné !"),
         ("I won!", "Je l\u2019ai emporté !"), ("Be calm.", "Sois calme !"),
         ("I am calm.", "Je suis calme."), ("This sentence is far too long to keep.", "Non.")]


def test_french_round_trip():
    sentence = "J'ai été là, garçon !"
    tokens = text.tokenize(sentence, "word", lower=False)
    assert tokens == ["J'", "ai", "été", "là", ",", "garçon", "!"]
    assert text.detokenize(tokens, lang="fr") == sentence
    assert text.detokenize(text.tokenize("Cours\u202f!", "word", lower=False), "fr") == "Cours !"


def test_prepare_pairs_filters_by_length_and_normalises():
    examples = translation.prepare_pairs(PAIRS, max_src_tokens=4, max_tgt_tokens=6)
    assert len(examples) == len(PAIRS) - 1
    assert examples[5].src == ("run", "!") and examples[5].french == "Cours !"
    assert examples[7].tgt == ("je", "l'", "ai", "emporté", "!")


def test_split_keeps_every_translation_of_a_test_sentence_together():
    examples = translation.prepare_pairs(PAIRS, 4, 6)
    for seed in range(5):
        train, test = translation.split_by_source(examples, test_size=3, seed=seed)
        translation.check_disjoint(train, test)
        assert len(test) == 3 and len({item.src for item in test}) == 3
        refs = sum(len(item.references) for item in test)
        assert len(train) + refs == len(examples)  # nothing lost, nothing duplicated
        for item in test:
            assert len(item.references) == sum(ex.src == item.src for ex in examples)
    go = next(item for seed in range(20) for item in translation.split_by_source(examples, 3, seed)[1]
              if item.src == ("go", "."))
    assert set(go.references) == {"Va !", "Marche.", "Bouge !"}


def test_check_disjoint_catches_a_leak():
    examples = translation.prepare_pairs(PAIRS, 4, 6)
    train, test = translation.split_by_source(examples, 2, seed=0)
    with pytest.raises(AssertionError, match="in both train and test"):
        translation.check_disjoint(train + [examples[[e.src for e in examples].index(test[0].src)]], test)
    with pytest.raises(ValueError, match="nothing to train on"):
        translation.split_by_source(examples, 100)


def test_word_by_word_floor_and_constant_floor():
    examples = translation.prepare_pairs(PAIRS, 4, 6)
    table = translation.word_by_word_table(examples)
    assert table["calm"] == "calme" and table["."] == "."
    assert translation.word_by_word(("calm", "zebra"), table) == ["calme", "zebra"]
    assert translation.most_common_translation(examples) in {ex.tgt for ex in examples}
    bins = translation.source_length_bins(translation.split_by_source(examples, 4, 0)[1])
    assert sum(len(v) for v in bins.values()) == 4 and list(bins) == sorted(bins)
