"""metrics.corpus_bleu: a thin wrapper that must give exactly what sacrebleu gives."""

import math

import pytest
import sacrebleu

from course_utils import metrics

HYPS = ["le chat est sur le tapis .", "il fait beau aujourd'hui !", "je ne sais pas ."]
REFS = [["le chat est sur le tapis .", "un chat est sur le tapis ."],
        ["Il fait beau aujourd'hui\u202f!"],
        ["Je ne le sais pas.", "Je l'ignore.", "Je ne sais pas."]]


def test_matches_sacrebleu_called_directly():
    streams = [[r[j] if j < len(r) else None for r in REFS] for j in range(3)]
    for lowercase in (False, True):
        expected = sacrebleu.corpus_bleu(HYPS, streams, lowercase=lowercase).score
        score, signature = metrics.corpus_bleu(HYPS, REFS, lowercase=lowercase)
        assert score == pytest.approx(expected, abs=1e-9)
        assert "nrefs:var" in signature and ("case:lc" in signature) == lowercase


def test_single_reference_and_perfect_match():
    assert metrics.corpus_bleu(["a b c d e"], [["a b c d e"]])[0] == pytest.approx(100.0)
    score, _ = metrics.corpus_bleu(["x y z w"], [["a b c d"]])
    assert score == pytest.approx(0.0, abs=1e-6)


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match="one list of references per hypothesis"):
        metrics.corpus_bleu(["a"], [["a"], ["b"]])
    with pytest.raises(ValueError, match="no reference"):
        metrics.corpus_bleu(["a"], [[]])


def test_known_answer_by_hand_with_unequal_numbers_of_references():
    """Two sentences, one reference for the first and three for the second, computed by hand.

    1: "the cat is on the mat" vs "the cat sat on the red mat" (7 words)
       1-grams the, cat, on, the, mat match: 5/6; 2-grams "the cat", "on the": 2/5; 3-grams 0/4;
       4-grams 0/3.
    2: "there is a cat" vs "there is a cat here", "a cat is there", "the cat"
       every n-gram is in the first reference: 4/4, 3/3, 2/2, 1/1; closest reference length 4.
    Corpus: precisions 9/10, 5/8, 2/6, 1/4; hypothesis length c = 10, reference length r = 7 + 4
    = 11, brevity penalty exp(1 - r / c) = exp(-0.1).
    """
    hyps = ["the cat is on the mat", "there is a cat"]
    refs = [["the cat sat on the red mat"], ["there is a cat here", "a cat is there", "the cat"]]
    precisions = [9 / 10, 5 / 8, 2 / 6, 1 / 4]
    by_hand = 100 * math.exp(1 - 11 / 10) * math.exp(sum(math.log(p) for p in precisions) / 4)
    assert by_hand == pytest.approx(42.10, abs=0.005)
    score, signature = metrics.corpus_bleu(hyps, refs)
    assert score == pytest.approx(by_hand, abs=1e-9)
    assert "nrefs:var" in signature
    reordered = [refs[0], refs[1][::-1]]  # which reference comes first must not matter
    assert metrics.corpus_bleu(hyps, reordered)[0] == pytest.approx(by_hand, abs=1e-9)
