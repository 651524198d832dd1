"""RESULTS.md is written from the benchmark's report: numbers over the seeds that passed, times,
the anchors beside each notebook, the cell timings; and the anchors say where they come from."""

import json

import pytest

from tools.measuring import anchors, report


def _report(mode="class"):
    def run(notebook, seed, seconds, ok=True, results=()):
        return {"notebook": notebook, "path": f"notebooks/{notebook}.ipynb", "seed": seed, "seconds": seconds,
                "ok": ok, "error": "" if ok else "ValueError in cell 2 ('x'): no", "results": list(results)}

    ppl = lambda v: {"name": "held-out perplexity, LSTM", "value": v, "better": "lower", "unit": ""}  # noqa: E731
    return {"mode": mode, "seeds": [0, 1, 2], "jobs": 2, "threads": 1, "commit": "abc1234",
            "date": "2026-12-01 12:00 UTC",
            "machine": {"cpu": "Test CPU", "cores": 2, "gpu": None, "torch": "2.13.0", "python": "3.12",
                        "load_at_start": 0.1},
            "runs": [run("06_gru", 0, 50.0, results=[ppl(5.0)]), run("06_gru", 1, 58.0, results=[ppl(6.0)]),
                     run("06_gru", 2, 70.0, ok=False, results=[ppl(99.0)]),
                     run("09_translation", 0, 150.0)]}


def test_numbers_are_summarised_over_the_seeds_that_passed_only():
    rows = report.metrics(_report(), "06_gru")
    assert rows == [{"name": "held-out perplexity, LSTM", "unit": "", "better": "lower", "seeds": 2,
                     "mean": 5.5, "sd": pytest.approx(0.7071, abs=1e-4), "min": 5.0, "max": 6.0}]


def test_results_md_names_machine_times_failures_and_anchors():
    text = report.render(_report(), source="benchmarks/class.json")
    assert "from `benchmarks/class.json`" in text and "Test CPU, 2 cores" in text and "commit `abc1234`" in text
    assert "| held-out perplexity, LSTM | 5.5 ± 0.71 | 5 | 6 | 2 | lower |" in text
    assert "**failed** for seeds [2]" in text and "06_gru: 70 s > 60 s" in text  # over budget, listed
    assert "Dive into Deep Learning, section 10.1" in text and "| 6.7 |" in text  # 06's anchors
    assert "none reported" in text  # 09: a course that reports no corpus BLEU says so
    assert "Not measured yet: `python -m tools.measuring.cellbench" in text and "gpucheck" in text


def test_cell_timings_and_a_gpu_run_are_included_when_given():
    cells = {"device": "cpu", "threads": 1, "torch": "2.13.0",
             "cells": [{"kind": "lstm", "course_s": 0.046, "pytorch_s": 0.02, "ratio": 2.3}]}
    gpu = dict(_report("full"), machine=dict(_report()["machine"], gpu="Test GPU"))
    text = report.render(_report(), cells=cells, gpu=gpu)
    assert "| lstm | 46.0 ms | 20.0 ms | 2.30x |" in text and "GPU Test GPU" in text


def test_the_dry_run_section_gives_each_notebooks_t4_estimate_or_says_how_to_measure_it():
    missing = report.render(_report())
    assert "Not measured yet: `python -m tools.measuring.benchmark --mode full --dry-steps 2" in missing
    cost = {"kind": "cost", "desc": "LSTM", "steps": 6000, "flops_per_step": 10**9, "ops_per_step": 100,
            "seconds": 1200.0}
    memory = {"name": "peak host memory of the kernel", "value": 2310.0, "better": "lower", "unit": "MiB"}
    dry = dict(_report("full"), dry_steps=2)
    dry["runs"] = [dict(dry["runs"][0], notebook="07_music", results=[cost, memory])]
    text = report.render(_report(), dry=dry)
    assert "stopped after 2 steps" in text
    assert "| 07_music | 20.0 min (over budget) | 6000 | 1 | LSTM: 6000 steps, 20.0 min | 2310 MiB | passed |" in text


def test_the_command_writes_results_md_and_explains_a_missing_report(tmp_path, capsys):
    (tmp_path / "class.json").write_text(json.dumps(_report()))
    out = tmp_path / "RESULTS.md"
    assert report.main(["--report", str(tmp_path / "class.json"), "--cells", str(tmp_path / "none.json"),
                        "--gpu", str(tmp_path / "none.json"), "--out", str(out)]) == 0
    assert out.read_text().startswith("# Results")
    with pytest.raises(SystemExit):
        report.main(["--report", str(tmp_path / "missing.json"), "--out", str(out)])
    assert "run `python -m tools.measuring.benchmark` first" in capsys.readouterr().err


def test_every_anchor_names_a_source_a_link_and_what_differs():
    assert {a.notebook for a in anchors.ANCHORS} >= {"03", "06", "07", "08", "09"}
    for a in anchors.ANCHORS:
        assert a.source and a.url.startswith("https://") and len(a.comparable) > 20, a
    assert [a.what for a in anchors.for_notebook("06_gru")] == [
        "validation perplexity, LSTM, The Time Machine", "validation perplexity, GRU, The Time Machine"]
