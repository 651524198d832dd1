"""Recording a result is silent unless a run collects them, and then keeps exactly what was said."""

import pytest
import torch

from course_utils import results


def test_record_does_nothing_without_a_results_file(monkeypatch, tmp_path):
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)
    assert results.record("bleu", 23.5) == 23.5
    assert list(tmp_path.iterdir()) == []


def test_record_appends_one_line_per_number(monkeypatch, tmp_path):
    path = tmp_path / "r.jsonl"
    monkeypatch.setenv(results.RESULTS_ENV, str(path))
    value = torch.tensor(4.25)
    assert results.record("perplexity", value, better="lower", unit="per char") is value
    results.record("accuracy", 0.5)
    results.record("diverged loss", float("nan"), better="lower")
    assert results.read(path) == [
        {"name": "perplexity", "value": 4.25, "better": "lower", "unit": "per char"},
        {"name": "accuracy", "value": 0.5, "better": "higher", "unit": ""},
        {"name": "diverged loss", "value": None, "better": "lower", "unit": ""}]


@pytest.mark.parametrize("kwargs, error", [
    ({"name": "x", "value": 1.0, "better": "up"}, "better must be 'higher' or 'lower'"),
    ({"name": "", "value": 1.0}, "non-empty name"),
    ({"name": "x", "value": "high"}, "could not convert|real number"),
])
def test_bad_records_are_named(kwargs, error):
    with pytest.raises((ValueError, TypeError), match=error):
        results.record(**kwargs)


def test_reading_a_missing_file_gives_nothing(tmp_path):
    assert results.read(tmp_path / "absent.jsonl") == []
