"""The benchmark runs each notebook in a fresh kernel, in the mode asked, never waits for ever,
keeps what notebooks record, and writes README's table; gpucheck is its full-mode front."""

import json
import os
import subprocess
import time

import nbformat
import pytest

from tools.measuring import benchmark, gpucheck


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_runs_in_the_mode_seed_and_threads_asked_and_keeps_recorded_results(tmp_path):
    good = _notebook(tmp_path / "good.ipynb",
                     "import os\nassert os.environ['COURSE_MODE'] == 'smoke'\n"
                     "assert os.environ['COURSE_SEED'] == '3' and os.environ['COURSE_THREADS'] == '1'",
                     "from course_utils import results\nresults.record('dev accuracy', 0.875)\n"
                     "results.record('perplexity', 5.1, better='lower', unit='per char')")
    run = benchmark.run_notebook(good, mode="smoke", seed=3, threads=1, cell_timeout=60)
    assert run["ok"], run["error"]
    assert run["results"] == [{"name": "dev accuracy", "value": 0.875, "better": "higher", "unit": ""},
                              {"name": "perplexity", "value": 5.1, "better": "lower", "unit": "per char"}]


def test_a_dry_run_trains_only_the_dry_steps_and_reports_the_t4_estimate_of_the_planned_ones(tmp_path):
    nb = _notebook(tmp_path / "dry.ipynb",
                   "import torch\nfrom torch import nn\nfrom course_utils import training\n"
                   "model = nn.Linear(10, 3)\nbatch = (torch.randn(64, 10), torch.randint(0, 3, (64,)))\n"
                   "loss = lambda m, b: nn.functional.cross_entropy(m(b[0]), b[1])\n"
                   "history = training.fit(model, [batch], loss, steps=5000, progress=False, desc='probe')\n"
                   "assert len(history.steps) == 2, len(history.steps)")
    run = benchmark.run_notebook(nb, mode="full", cell_timeout=120, device="fake", dry_steps=2)
    assert run["ok"], run["error"]
    assert run["dry_steps"] == 2
    estimate = benchmark.estimate(run)
    assert estimate["fits"] == 1 and estimate["steps"] == 5000 and estimate["seconds"] > 0
    assert estimate["largest"]["desc"] == "probe" and estimate["host_mib"] > 0
    report = {"mode": "full", "seeds": [0], "jobs": 1, "device": "fake", "dry_steps": 2, "commit": "abc",
              "date": "today", "machine": {"cpu": "Test CPU", "cores": 2, "gpu": None, "torch": "2.13.0"},
              "runs": [run]}
    text = benchmark.markdown(report)
    assert "T4 estimate of the training steps in `fit`" in text
    minutes = f"{estimate['seconds'] / 60:.1f} min"
    assert f"| dry | {minutes} | 5000 | 1 | probe: 5000 steps, {minutes} |" in text


def test_a_dry_run_refuses_the_site_cache(capsys):
    with pytest.raises(SystemExit):
        benchmark.main(["--dry-steps", "2", "--site-cache"])
    assert "drop --site-cache" in capsys.readouterr().err


def test_an_error_is_reported_with_the_cell_that_raised(tmp_path):
    bad = _notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('wrong gate')")
    run = benchmark.run_notebook(bad, mode="smoke", cell_timeout=60)
    assert not run["ok"]
    assert run["error"].startswith("ValueError in cell 1 (\"raise ValueError") and "wrong gate" in run["error"]


def test_a_stuck_cell_ends_with_a_timeout_naming_it(tmp_path):
    stuck = _notebook(tmp_path / "stuck.ipynb", "x = 1", "import time\nwhile True:\n    time.sleep(1)")
    run = benchmark.run_notebook(stuck, mode="smoke", cell_timeout=3)
    assert not run["ok"] and "in cell 1 ('import time')" in run["error"]
    assert "Timeout" in run["error"] and run["seconds"] < 60


def _report(mode="class"):
    runs = [{"notebook": "00_a", "path": "notebooks/00_a.ipynb", "seed": s, "seconds": t, "ok": True,
             "error": "", "results": []} for s, t in ((0, 50.0), (1, 70.0))]
    runs.append({"notebook": "07_b", "path": "notebooks/07_b.ipynb", "seed": 0, "seconds": 120.0, "ok": False,
                 "error": "ValueError in cell 3 ('x'): no", "results": []})
    return {"mode": mode, "seeds": [0, 1], "jobs": 1, "threads": 1, "commit": "abc1234", "date": "2026-12-01",
            "machine": {"cpu": "Test CPU", "cores": 2, "gpu": None, "torch": "2.13.0", "python": "3.11",
                        "load_at_start": 0.0}, "runs": runs}


def test_recorded_results_are_summarised_over_the_seeds_that_passed():
    report = _report()
    report["runs"][0]["results"] = [{"name": "ppl", "value": 5.0, "better": "lower", "unit": ""}]
    report["runs"][1]["results"] = [{"name": "ppl", "value": 6.0, "better": "lower", "unit": ""}]
    report["runs"][2]["results"] = [{"name": "bleu", "value": 1.0, "better": "higher", "unit": ""}]  # failed run
    rows = benchmark.results_table(report)
    assert rows[2] == "| 00_a | ppl | 5.5 ± 0.707  | 5 - 6 | 2 | lower |"
    assert len(rows) == 3  # the failed run's number is left out
    assert "| 00_a | ppl |" in benchmark.markdown(report)


def test_budgets_are_listed_only_in_class_mode_and_never_fail_anything():
    assert benchmark.over_budget(_report()) == ["00_a: 70 s > 60 s"]  # the slowest seed counts
    assert benchmark.over_budget(_report("smoke")) == []
    table = benchmark.markdown(_report())
    assert "| 00_a | 60 ± 14 s | 60 s | passed |" in table
    assert "| 07_b | 120 s | 180 s | failed for seeds [0] |" in table and "cell 3" in table


def test_readme_table_takes_its_times_from_the_report_and_keeps_the_prose():
    readme = (f"intro\n{benchmark.README_START}\n| # | Notebook | What | Time |\n|---|---|---|---|\n"
              "| 00 | [A](notebooks/00_a.ipynb) | words, a | b | 999 s |\n"
              "| 07 | [B](notebooks/07_b.ipynb) | music | 1 s |\n"
              f"| A1 | [C](notebooks/assignments/A1_c.ipynb) | kept | 5 s |\n{benchmark.README_END}\nrest\n")
    new = benchmark.readme_table(_report(), readme)
    assert "| 00 | [A](notebooks/00_a.ipynb) | words, a | b | 60 s (over budget) |" in new
    assert "| 07 | [B](notebooks/07_b.ipynb) | music | 120 s |" in new
    assert "| A1 | [C](notebooks/assignments/A1_c.ipynb) | kept | 5 s |" in new  # not in the report: as it was
    assert "commit abc1234" in new and new.startswith("intro\n") and new.endswith("rest\n")
    assert benchmark.readme_table(_report(), new) == new  # idempotent


def test_readme_table_is_the_committed_benchmark_output():
    report = benchmark.ROOT / "benchmarks" / "class.json"
    if not report.exists():
        pytest.skip("no class-mode benchmark committed yet")
    readme = (benchmark.ROOT / "README.md").read_text()
    assert benchmark.readme_table(json.loads(report.read_text()), readme) == readme, (
        "README's notebook table differs from benchmarks/class.json: run  "
        "python -m tools.measuring.benchmark --update-readme")


def test_every_notebook_has_a_budget_in_course_order():
    paths = benchmark.notebooks()
    names = [p.stem.split("_")[0] for p in paths]
    assert names == ["00", "01", "02", "03", "04", "04b", "05", "06", "07", "08", "09", "A1", "A2", "A3"]
    assert [benchmark.budget(p) for p in paths].count(180.0) == 3


def test_gpucheck_writes_the_markdown_table(tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "tiny.ipynb", "x = 1")
    monkeypatch.setattr(benchmark, "ROOT", tmp_path)
    out = tmp_path / "gpu.md"
    assert gpucheck.main([str(nb), "--mode", "smoke", "--device", "fake", "--out", str(out)]) == 0
    assert "| tiny |" in out.read_text() and "Mode `smoke`" in out.read_text()
    assert json.loads((tmp_path / "benchmarks" / "gpu-smoke.json").read_text())["runs"][0]["ok"]


def test_cellbench_times_both_implementations_of_each_cell():
    from tools.measuring import cellbench
    row = cellbench.compare("gru", batch_size=2, num_steps=3, hidden_size=8, rounds=2)
    assert row["kind"] == "gru" and row["course_s"] > 0 and row["pytorch_s"] > 0
    assert row["ratio"] == pytest.approx(row["course_s"] / row["pytorch_s"])


def test_site_cache_lets_the_site_publish_the_benchmarks_run_without_executing_again(tmp_path, monkeypatch):
    from tools.measuring import cache
    from tools.publishing import site  # the test checks the site reads what the benchmark cached

    nb_path = _notebook(tmp_path / "cached.ipynb", "import os\nprint('seed', os.environ['COURSE_SEED'])")
    monkeypatch.setattr(cache, "cache_dir_for", lambda mode: tmp_path / "cache" / mode)
    assert benchmark.main([str(nb_path), "--mode", "smoke", "--seeds", "4", "5", "--site-cache",
                           "--out", str(tmp_path / "report.json")]) == 0
    said = []
    done, failures = site.execute([nb_path], "smoke", tmp_path / "cache" / "smoke", log=said.append)
    assert failures == [] and said == ["  cached.ipynb: from the cache"]
    assert done[nb_path].cells[0].outputs[0]["text"] == "seed 4\n"  # the first seed's run is the one kept


def test_a_kernel_that_sits_idle_while_a_cell_has_not_ended_is_killed_and_named(tmp_path):
    path = _notebook(tmp_path / "idle.ipynb", "x = 1", "import time\ntime.sleep(120)")
    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    with pytest.raises(benchmark.KernelHung, match="sat idle for 4 s"):
        benchmark.execute(nb, path, dict(os.environ), cell_timeout=300, idle_limit=4)
    assert time.monotonic() - start < 60


def test_a_run_whose_kernel_hung_is_run_again_and_says_so(tmp_path, monkeypatch):
    path = _notebook(tmp_path / "flaky.ipynb", "from course_utils import results\nresults.record('acc', 1.0)")
    real, calls = benchmark.execute, []

    def hangs_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise benchmark.KernelHung("the kernel sat idle for 90 s while the cell had not ended")
        return real(*args, **kwargs)

    monkeypatch.setattr(benchmark, "execute", hangs_once)
    run = benchmark.run_notebook(path, mode="smoke", cell_timeout=60)
    assert run["ok"] and len(calls) == 2 and run["results"][0]["name"] == "acc"
    assert run["hangs"] == ["KernelHung: the kernel sat idle for 90 s while the cell had not ended"]


def test_a_kernel_that_hangs_on_every_attempt_is_reported_not_retried_for_ever(tmp_path, monkeypatch):
    path = _notebook(tmp_path / "stuck.ipynb", "x = 1")
    calls = []

    def always_hangs(*args, **kwargs):
        calls.append(1)
        raise benchmark.KernelHung("the kernel sat idle for 90 s while the cell had not ended")

    monkeypatch.setattr(benchmark, "execute", always_hangs)
    run = benchmark.run_notebook(path, mode="smoke", cell_timeout=60, retries=2)
    assert not run["ok"] and len(calls) == 3 and len(run["hangs"]) == 3
    assert run["error"].startswith("KernelHung")


def test_the_commit_is_dirty_for_code_changes_but_not_for_prose(tmp_path, monkeypatch):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    for name in ("README.md", "RESULTS.md", "code.py"):
        (tmp_path / name).write_text("first\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    monkeypatch.setattr(benchmark, "ROOT", tmp_path)
    (tmp_path / "README.md").write_text("the table, regenerated\n")
    (tmp_path / "RESULTS.md").write_text("regenerated\n")
    assert not benchmark.commit().endswith("+dirty")
    (tmp_path / "code.py").write_text("changed\n")
    assert benchmark.commit().endswith("+dirty")
