"""devicecheck counts where models ran and fails a run whose models never reached the accelerator."""

from collections import Counter

import pytest
import torch
from torch import nn

from course_utils import costs, devicecheck, results


@pytest.fixture
def fresh_counts(monkeypatch):
    monkeypatch.setattr(devicecheck, "counts", {"forward": Counter(), "step": Counter()})
    devicecheck.install()


def test_forward_calls_and_optimizer_steps_are_counted_by_device(fresh_counts):
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))  # Tanh holds no parameters
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.zeros(4, 2)).sum().backward()
    optimizer.step()
    assert devicecheck.summary() == {"forward": {"cpu": 2}, "step": {"cpu": 1}}


def test_finish_fails_a_run_that_trained_only_on_the_cpu(fresh_counts):
    nn.Linear(2, 1)(torch.zeros(1, 2))
    with pytest.raises(devicecheck.DeviceNotUsed, match="only on the CPU.*cuda device.*to\\(cfg.device\\)"):
        devicecheck.finish(expected="cuda")
    assert devicecheck.finish(expected="cpu")["forward"] == {"cpu": 1}  # asked for the CPU: fine


def test_finish_passes_a_notebook_without_models(fresh_counts):
    assert devicecheck.finish(expected="cuda") == {"forward": {}, "step": {}}


def test_finish_records_steps_and_the_peak_gpu_memory(fresh_counts, monkeypatch, tmp_path):
    monkeypatch.setenv(results.RESULTS_ENV, str(tmp_path / "r.jsonl"))
    monkeypatch.setattr(devicecheck, "peak_memory_mib", lambda: 1234.5)
    devicecheck.counts["step"]["cuda"] += 7
    monkeypatch.setattr(costs, "ledger", [])
    monkeypatch.setattr(costs, "peak_host_memory_mib", lambda: 2000.0)
    devicecheck.finish(expected="cuda")
    recorded = {r["name"]: r["value"] for r in results.read(tmp_path / "r.jsonl")}
    assert recorded == {"optimizer steps on cuda": 7, "peak GPU memory": 1234.5,
                        "peak host memory of the kernel": 2000.0}


def test_finish_records_the_t4_estimate_of_what_fit_logged(fresh_counts, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(results.RESULTS_ENV, str(tmp_path / "r.jsonl"))
    monkeypatch.setattr(costs, "ledger", [])
    costs.log("a", 1000, costs.Step(flops=int(costs.T4_FLOPS) // 1000, ops=0))  # 1 s of FLOPs in all
    costs.log("b", 10, costs.Step(flops=0, ops=1000))  # 10 x 1000 launches
    devicecheck.finish(expected="cpu")
    recorded = {r["name"]: r["value"] for r in results.numbers_only(results.read(tmp_path / "r.jsonl"))}
    assert recorded["T4 estimate of the training steps in fit"] == pytest.approx(1 + 10 * 1000 * costs.LAUNCH_SECONDS)
    assert "T4 estimate" in capsys.readouterr().out


def test_installed_only_when_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(devicecheck, "install", lambda: calls.append(1))
    monkeypatch.delenv(devicecheck.CHECK_ENV, raising=False)
    devicecheck.install_if_asked()
    monkeypatch.setenv(devicecheck.CHECK_ENV, "0")
    devicecheck.install_if_asked()
    monkeypatch.setenv(devicecheck.CHECK_ENV, "1")
    devicecheck.install_if_asked()
    assert calls == [1]
