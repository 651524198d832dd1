"""course_utils.costs: the work of a step counted, the dry run's step limit, the T4 estimate."""

import pytest
import torch
from torch import nn

from course_utils import costs, results, training


@pytest.fixture(autouse=True)
def empty_ledger(monkeypatch):
    monkeypatch.setattr(costs, "ledger", [])
    monkeypatch.delenv(costs.DRY_ENV, raising=False)
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)


def _linear_fit(steps, **kwargs):
    torch.manual_seed(0)
    model = nn.Linear(10, 3)
    X, y = torch.randn(64, 10), torch.randint(0, 3, (64,))
    loss = lambda m, batch: nn.functional.cross_entropy(m(batch[0]), batch[1])  # noqa: E731
    return training.fit(model, [(X, y)], loss, steps=steps, progress=False, **kwargs)


def test_measure_counts_a_matmul_exactly():
    A, B = torch.randn(32, 16), torch.randn(16, 8)
    with costs.measure() as step:
        A @ B
    assert step.flops == 2 * 32 * 16 * 8  # one multiply-add per (i, k, j): 2 FLOPs
    assert step.ops >= 1


def test_a_normal_fit_trains_every_step_and_logs_nothing():
    history = _linear_fit(7)
    assert len(history.steps) == 7
    assert costs.ledger == []


def test_a_dry_fit_trains_only_the_dry_steps_and_logs_the_planned_ones(monkeypatch):
    monkeypatch.setenv(costs.DRY_ENV, "2")
    history = _linear_fit(500, desc="probe")
    assert len(history.steps) == 2
    (entry,) = costs.ledger
    assert entry["desc"] == "probe" and entry["steps"] == 500
    # forward 2*64*10*3; backward: the weight's gradient only (the input needs none)
    assert entry["flops_per_step"] == 2 * (2 * 64 * 10 * 3)
    step = costs.Step(entry["flops_per_step"], entry["ops_per_step"])
    assert entry["seconds"] == pytest.approx(costs.seconds(500, step))
    total = costs.estimate()
    assert total["steps"] == 500 and total["runs"] == 1 and total["seconds"] == pytest.approx(entry["seconds"])


def test_a_run_that_collects_results_logs_its_first_step(monkeypatch, tmp_path):
    monkeypatch.setenv(results.RESULTS_ENV, str(tmp_path / "results.jsonl"))
    history = _linear_fit(5)
    assert len(history.steps) == 5 and [e["steps"] for e in costs.ledger] == [5]
    recorded = results.read(tmp_path / "results.jsonl")
    assert [e["steps"] for e in results.costs_only(recorded)] == [5]
    assert results.numbers_only(recorded) == []  # costs are not headline numbers


@pytest.mark.parametrize("value", ["0", "-3", "two", "1.5"])
def test_a_bad_dry_step_count_says_what_is_expected(monkeypatch, value):
    monkeypatch.setenv(costs.DRY_ENV, value)
    with pytest.raises(ValueError, match="positive whole number"):
        costs.dry_steps()


def test_the_estimate_adds_flops_time_and_launch_time():
    step = costs.Step(flops=int(costs.T4_FLOPS), ops=10)  # one second of FLOPs per step
    assert costs.seconds(3, step) == pytest.approx(3 * (1 + 10 * costs.LAUNCH_SECONDS))


def test_peak_host_memory_is_a_plausible_size():
    peak = costs.peak_host_memory_mib()
    assert peak is None or 10 < peak < 10**6


def test_a_hand_written_loop_takes_its_length_from_cfg_steps_which_a_dry_run_caps(monkeypatch):
    from pathlib import Path

    from course_utils.config import Config
    cfg = Config("full", 0, torch.device("cpu"), 1, Path("."))
    assert cfg.steps(smoke=2, class_=20, full=3000) == 3000
    monkeypatch.setenv(costs.DRY_ENV, "2")
    assert cfg.steps(smoke=2, class_=20, full=3000) == 2
    assert cfg.pick(smoke=2, class_=20, full=3000) == 3000  # sizes are not steps: pick is never capped
