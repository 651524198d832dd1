import math

import pytest
import torch
from torch import nn

from course_utils.training import History, fit


def _regression(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g)
    y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
    return [(X[i:i + 16], y[i:i + 16]) for i in range(0, n, 16)]


def mse(model, batch):
    X, y = batch
    return nn.functional.mse_loss(model(X).squeeze(-1), y)


def test_fit_learns_and_records_history():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    batches = _regression()
    h = fit(model, batches, mse, steps=300, lr=0.05, progress=False, eval_every=100,
            evaluate=lambda m: {"mse": sum(mse(m, b).item() for b in batches) / len(batches)})
    assert h.steps == list(range(1, 301)) and len(h.grad_norm) == 300
    assert h.eval_steps == [100, 200, 300]
    assert h.last("mse") < 1e-3 < h.train_loss[0]
    assert h.best("mse") <= h.last("mse") and h.seconds > 0 and not h.diverged


def test_clip_bounds_the_update_not_the_recorded_norm():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    before = model.weight.detach().clone()
    big = [(torch.full((4, 3), 100.0), torch.full((4,), -1e4))]
    h = fit(model, big, mse, steps=1, lr=1.0, clip=1.0, progress=False,
            optimizer=torch.optim.SGD(model.parameters(), lr=1.0))
    step = torch.cat([(model.weight - before).flatten()]).norm()
    assert h.grad_norm[0] > 1e3  # recorded before clipping
    assert step <= 1.0 + 1e-5  # SGD step with lr 1 equals the clipped gradient


def test_divergence_stops_training():
    model = nn.Linear(3, 1)
    batches = [(torch.randn(4, 3), torch.full((4,), float("inf")))]
    h = fit(model, batches, mse, steps=10, progress=False)
    assert h.diverged and len(h.steps) == 1 and not math.isfinite(h.train_loss[-1])


def test_callable_data_gives_fresh_batches_and_cycles():
    seen = []

    def batches():
        seen.append(1)
        return _regression(32)  # 2 batches per pass

    fit(nn.Linear(3, 1), batches, mse, steps=5, progress=False)
    assert len(seen) == 3


def test_empty_data_and_unknown_metric_are_explained():
    with pytest.raises(ValueError, match="no batches"):
        fit(nn.Linear(3, 1), [], mse, steps=1, progress=False)
    with pytest.raises(KeyError, match="no evaluated metric 'bleu'"):
        History().metric("bleu")


def test_cosine_schedule_ends_near_zero():
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    fit(model, _regression(), mse, steps=20, optimizer=opt, schedule="cosine", progress=False)
    assert opt.param_groups[0]["lr"] < 1e-6
