"""metrics.corpus_bleu: a thin wrapper that must give exactly what sacrebleu gives."""

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
