"""gpucheck's report: seeds, full-mode budgets, peak GPU memory, failures with their cell and
numbers, hangs noted, and a notebook whose models never reached the device failed. No GPU here:
its logic runs on the simulated device (course_utils.fakedevice) and on made-up reports."""

import json

import nbformat

from tools.measuring import benchmark, gpucheck


def _run(notebook, seed=0, seconds=300.0, ok=True, error="", results=(), hangs=()):
    return {"notebook": notebook, "path": f"notebooks/{notebook}.ipynb", "seed": seed, "seconds": seconds,
            "ok": ok, "error": error, "results": list(results), "hangs": list(hangs), "device": "cuda"}


def _result(name, value, unit="", better="higher"):
    return {"name": name, "value": value, "better": better, "unit": unit}


def _report(runs, mode="full"):
    return {"mode": mode, "seeds": [0, 1], "jobs": 1, "threads": 1, "device": "cuda", "commit": "abc1234",
            "date": "2026-12-07", "machine": {"cpu": "Test CPU", "cores": 2, "gpu": "Tesla T4",
                                              "torch": "2.13.0", "python": "3.12", "load_at_start": 0.0},
            "runs": runs}


def test_the_table_shows_seeds_full_budgets_and_peak_memory():
    table = gpucheck.markdown(_report([
        _run("07_music", 0, 540.0, results=[_result("test BLEU", 35.2), _result("peak GPU memory", 2048.4, "MiB")]),
        _run("07_music", 1, 700.0, results=[_result("peak GPU memory", 2100.0, "MiB")])]))
    assert "on Tesla T4" in table and "seeds [0, 1]" in table and "10 min per notebook" in table
    assert "| 07_music | 0 | 540 s | 600 s | 2048 MiB | passed | test BLEU 35.2 |" in table
    assert "| 07_music | 1 | 700 s (over budget) | 600 s | 2100 MiB | passed | - |" in table
    assert "Largest peak GPU memory: 2100 MiB" in table


def test_a_failed_run_keeps_its_numbers_and_names_its_cell():
    error = "AssertionError in cell 41 ('assert bleu > 30'): 28.1"
    table = gpucheck.markdown(_report([_run("09_translation", 2, ok=False, error=error,
                                            results=[_result("test BLEU, greedy", 28.1)])]))
    assert "| 09_translation | 2 |" in table and "| failed |" in table
    assert f"- 09_translation (seed 2, 300 s): {error}; recorded: test BLEU, greedy 28.1" in table


def test_a_hang_is_run_again_and_noted_never_silent():
    hang = "KernelHung in cell 12 ('interact(...)'): the kernel sat idle for 90 s"
    table = gpucheck.markdown(_report([_run("05_lstm", hangs=[hang])]))
    assert "passed after a hang (run again)" in table
    assert f"- 05_lstm (seed 0): {hang}" in table


def test_training_partly_on_the_cpu_is_listed():
    table = gpucheck.markdown(_report([_run("04_bptt", results=[_result("optimizer steps on cpu", 40),
                                                                 _result("optimizer steps on cuda", 400)])]))
    assert "04_bptt (seed 0): 40 optimizer steps on the CPU" in table


def test_class_budgets_outside_full_mode():
    assert gpucheck.budget("full", "notebooks/00_sequences.ipynb") == 600.0
    assert gpucheck.budget("smoke", "notebooks/07_music.ipynb") == 180.0


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


SETUP = "import torch\nfrom torch import nn\nfrom course_utils import config\ncfg = config.setup(seed=0)"
TRAIN = ("opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
         "loss = model(torch.randn(4, 3).to(cfg.device)).pow(2).mean()\nloss.backward()\nopt.step()")


def test_on_the_simulated_device_models_left_on_the_cpu_fail_the_notebook(tmp_path, monkeypatch):
    left = _notebook(tmp_path / "left.ipynb", SETUP, "model = nn.Linear(3, 2)",
                     "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
                     "model(torch.randn(4, 3)).sum().backward()\nopt.step()")
    moved = _notebook(tmp_path / "moved.ipynb", SETUP, "model = nn.Linear(3, 2).to(cfg.device)", TRAIN)
    numpy = _notebook(tmp_path / "numpy.ipynb", SETUP, "x = torch.ones(2).to(cfg.device)", "x.numpy()")
    monkeypatch.setattr(benchmark, "ROOT", tmp_path)
    out = tmp_path / "gpu.md"
    code = gpucheck.main([str(left), str(moved), str(numpy), "--mode", "smoke", "--device", "fake",
                          "--cell-timeout", "120", "--out", str(out)])
    runs = {r["notebook"]: r for r in json.loads((tmp_path / "benchmarks" / "gpu-smoke.json").read_text())["runs"]}
    assert code == 1
    assert runs["moved"]["ok"], runs["moved"]["error"]
    assert runs["left"]["error"].startswith("DeviceNotUsed in cell 3 ('from course_utils import devicecheck')")
    assert "only on the CPU" in runs["left"]["error"]
    assert runs["numpy"]["error"].startswith("TypeError in cell 2 ('x.numpy()')")
    assert "| moved | 0 |" in out.read_text()
