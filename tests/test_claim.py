"""claim(): checked in class mode, printed in smoke mode, full mode only when verified; recorded."""

import math

import pytest
import torch

from course_utils import claims, results
from course_utils.claims import ClaimNotSupported, claim


def test_a_claim_that_holds_prints_its_margin_and_returns_it(capsys):
    room = claim("the LSTM recalls the first symbol", torch.tensor(0.97), ">", 0.9, mode="class")
    assert room == pytest.approx(0.07)
    assert "✔ the LSTM recalls the first symbol: 0.97 > 0.9 (margin 0.07)" in capsys.readouterr().out


def test_a_failing_claim_stops_class_mode_and_names_its_numbers():
    with pytest.raises(ClaimNotSupported, match=r"'the RNN forgets'.*measured 0\.5.*needs < 0\.3"):
        claim("the RNN forgets", 0.5, "<", 0.3, mode="class")
    assert issubclass(ClaimNotSupported, AssertionError)


def test_smoke_mode_prints_and_never_stops(capsys):
    assert claim("the RNN forgets", 0.5, "<", 0.3, mode="smoke") == pytest.approx(-0.2)
    assert "smoke mode: not checked" in capsys.readouterr().out


def test_full_mode_checks_only_verified_claims(capsys):
    claim("unverified at full scale", 0.5, "<", 0.3, mode="full")
    assert "not yet verified at full scale" in capsys.readouterr().out
    with pytest.raises(ClaimNotSupported):
        claim("verified at full scale", 0.5, "<", 0.3, mode="full", verified_full=True)


def test_nan_never_holds():
    with pytest.raises(ClaimNotSupported):
        claim("a finite loss", math.nan, "<", 1.0, mode="class")


@pytest.mark.parametrize("op, value, expected", [(">", 1.0, 0.5), (">=", 0.5, 0.0), ("<", 0.2, 0.3),
                                                 ("<=", 0.5, 0.0)])
def test_margin_is_positive_on_the_claims_side(op, value, expected):
    assert claims.margin(value, op, 0.5) == pytest.approx(expected)


@pytest.mark.parametrize("bad, match", [(("x", 1, "==", 1), "one of"), (("", 1, ">", 0), "sentence"),
                                        (("x", "high", ">", 0), "real number"),
                                        (("x", torch.ones(3), ">", 0), "one number")])
def test_bad_input_says_what_was_expected(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        claim(*bad, mode="class")


def test_claims_are_recorded_beside_numbers_and_kept_apart(tmp_path, monkeypatch):
    path = tmp_path / "results.jsonl"
    monkeypatch.setenv(results.RESULTS_ENV, str(path))
    results.record("dev accuracy", 0.8)
    claim("beats chance", 0.8, ">", 0.5, mode="class")
    with pytest.raises(ClaimNotSupported):
        claim("beats a lot", 0.8, ">", 0.9, mode="class")  # recorded before it stops the notebook
    entries = results.read(path)
    assert [e["name"] for e in results.numbers_only(entries)] == ["dev accuracy"]
    recorded = results.claims_only(entries)
    assert [(c["name"], c["holds"]) for c in recorded] == [("beats chance", True), ("beats a lot", False)]
    assert recorded[1]["margin"] == pytest.approx(-0.1) and recorded[1]["threshold"] == 0.9
