"""The GPU check runs each notebook in the requested mode, survives failures and reports numbers."""

import os

import nbformat

from tools import gpucheck


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_runs_in_the_mode_asked_and_reports_headline_numbers(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    good = _notebook(tmp_path / "good.ipynb",
                     "import os, torch\nassert os.environ['COURSE_MODE'] == 'smoke'",
                     "dev_accuracy = 0.875\ntest_bleu = torch.tensor(23.5)\nhidden_size = 64\nlabel = 'x'")
    bad = _notebook(tmp_path / "bad.ipynb", "raise ValueError('wrong gate')")
    results = [gpucheck.run_notebook(p, mode="smoke", timeout=60) for p in (good, bad)]
    assert results[0].ok and results[0].metrics == {"dev_accuracy": 0.875, "test_bleu": 23.5}
    assert not results[1].ok and "ValueError: wrong gate" in results[1].error
    assert "COURSE_MODE" not in os.environ  # later tests and notebooks keep their own mode
    table = gpucheck.markdown_table(results, "smoke", "a test machine")
    assert "| good |" in table and "dev_accuracy 0.875" in table and "failed (ValueError" in table
