import math
import os

import pytest
import torch
from torch import nn

from course_utils import training
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


class FourHeads(nn.Module):
    """``x @ (w1 + w2 + w3 + w4)``: four parameter tensors that get the same gradient."""

    def __init__(self):
        super().__init__()
        self.ws = nn.ParameterList([nn.Parameter(0.1 * torch.randn(3)) for _ in range(4)])

    def forward(self, X):  # (B, 3) -> (B, 1)
        return (X @ sum(self.ws))[:, None]


def test_clip_bounds_the_global_norm_over_all_parameters():
    """Every tensor's gradient is below the limit, all of them together are far above it."""
    torch.manual_seed(0)
    model = FourHeads()
    batch = [(torch.randn(8, 3), torch.full((8,), 30.0))]
    mse(model, batch[0]).backward()
    grads = [p.grad.clone() for p in model.parameters()]
    global_norm = torch.cat([g.flatten() for g in grads]).norm().item()
    clip = 1.1 * max(g.norm().item() for g in grads)  # no single tensor needs clipping ...
    assert global_norm > 1.5 * clip  # ... but the gradient as a whole does
    model.zero_grad()
    before = [p.detach().clone() for p in model.parameters()]
    h = fit(model, batch, mse, steps=1, clip=clip, progress=False,
            optimizer=torch.optim.SGD(model.parameters(), lr=1.0))
    steps = [b - p.detach() for b, p in zip(before, model.parameters())]  # SGD, lr 1: the gradient
    assert h.grad_norm[0] == pytest.approx(global_norm, rel=1e-5)  # recorded before clipping
    assert torch.cat([s.flatten() for s in steps]).norm().item() == pytest.approx(clip, rel=1e-4)
    for s, g in zip(steps, grads):  # one common factor: the direction is kept
        torch.testing.assert_close(s, g * clip / global_norm, rtol=1e-4, atol=1e-6)


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


def test_unknown_schedule_is_an_error():
    with pytest.raises(ValueError, match=r"Unknown schedule 'cosin'.*'constant', 'cosine'"):
        fit(nn.Linear(3, 1), _regression(), mse, steps=2, schedule="cosin", progress=False)


def test_lr_beside_an_optimizer_is_an_error():
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="lr=0.1 and an optimizer"):
        fit(model, _regression(), mse, steps=2, lr=0.1, progress=False,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.01))


def test_default_is_adam_with_lr_1e3_and_lr_sets_it(monkeypatch):
    made = []

    class Recording(torch.optim.Adam):
        def __init__(self, params, lr):
            made.append(lr)
            super().__init__(params, lr=lr)

    monkeypatch.setattr(torch.optim, "Adam", Recording)
    fit(nn.Linear(3, 1), _regression(), mse, steps=1, progress=False)
    fit(nn.Linear(3, 1), _regression(), mse, steps=1, lr=0.05, progress=False)
    assert made == [1e-3, 0.05]


@pytest.mark.parametrize("one_shot", [lambda b: (x for x in b), iter, lambda b: map(tuple, b)],
                         ids=["generator", "iterator", "map"])
def test_one_shot_data_is_refused_with_the_fix(one_shot):
    with pytest.raises(TypeError, match=r"one-shot .*Pass a list of batches, or a function"):
        fit(nn.Linear(3, 1), one_shot(_regression()), mse, steps=2, progress=False)


def test_device_moves_the_model_and_the_batches(monkeypatch):
    """fit(device=...) trains there: the model is moved (before its optimiser is made)."""
    model, moved, seen = nn.Linear(3, 1), [], []
    original_to = model.to
    monkeypatch.setattr(model, "to", lambda *a, **k: moved.append(a) or original_to(*a, **k))

    def loss(m, batch):
        seen.append(batch[0].device)
        return mse(m, batch)

    fit(model, _regression(), loss, steps=2, device=torch.device("cpu"), progress=False)
    assert moved == [(torch.device("cpu"),)] and seen == [torch.device("cpu")] * 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_device_cuda_trains_a_cpu_model_on_the_gpu():
    model = nn.Linear(3, 1)
    h = fit(model, _regression(), mse, steps=5, device="cuda", progress=False)
    assert model.weight.device.type == "cuda" and len(h.steps) == 5


def test_evaluation_runs_in_eval_mode_and_restores_training_mode_on_error():
    model, modes = nn.Sequential(nn.Linear(3, 1), nn.Dropout(0.5)), []

    def evaluate(m):
        modes.append(m.training)
        raise RuntimeError("evaluation failed")

    with pytest.raises(RuntimeError, match="evaluation failed"):
        fit(model, _regression(), lambda m, b: mse(m, b), steps=2, evaluate=evaluate, progress=False)
    assert modes == [False] and model.training


def _record_bars(monkeypatch):
    bars = []

    class Recording(training.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(training, "tqdm", Recording)
    return bars


def test_progress_bar_keeps_tqdms_interval_from_the_environment(monkeypatch):
    """conftest sets TQDM_MININTERVAL before tqdm is imported; fit must not override it."""
    interval = os.environ.get(training.MININTERVAL_ENV)
    assert interval is not None, "conftest.py sets TQDM_MININTERVAL (to 10) before tqdm is imported"
    bars = _record_bars(monkeypatch)
    fit(nn.Linear(3, 1), _regression(), mse, steps=2)
    assert bars[0].mininterval == float(interval) != training.MININTERVAL


def test_progress_bar_interval_without_the_environment_variable(monkeypatch):
    monkeypatch.delenv(training.MININTERVAL_ENV)
    bars = _record_bars(monkeypatch)
    fit(nn.Linear(3, 1), _regression(), mse, steps=2)
    assert bars[0].mininterval == training.MININTERVAL


def test_a_diverged_run_closes_its_bar_as_a_complete_stop(monkeypatch):
    """tqdm's notebook bar turns red when closed short of its total: a divergence must not look like a crash."""
    from course_utils import training

    bars = []
    real = training._progress_bar
    monkeypatch.setattr(training, "_progress_bar", lambda *a: bars.append(real(*a)) or bars[-1])
    model = torch.nn.Linear(1, 1)
    losses = iter([1.0, 1.0, float("nan")])
    history = training.fit(model, [torch.zeros(1)], lambda m, b: m(b).sum() * 0 + next(losses),
                           steps=10, progress=True)
    assert history.diverged and history.steps == [1, 2, 3]
    bar = bars[0]
    assert bar.n == bar.total == 2  # two steps done, and the bar's total says two


def test_fit_trains_a_sparse_embedding_and_clips_only_dense_gradients():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Embedding(10, 4, sparse=True), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    sparse, dense = list(model[0].parameters()), list(model[2].parameters())
    optimizer = torch.optim.Adam(dense, lr=1e-2)
    sparse_opt = torch.optim.SparseAdam(sparse, lr=1e-2)

    class Both(torch.optim.Optimizer):  # one optimiser object for fit
        def __init__(self):
            super().__init__(sparse + dense, {})

        def step(self, closure=None):
            optimizer.step()
            sparse_opt.step()

    X, y = torch.randint(0, 10, (16, 2)), torch.randint(0, 2, (16,))
    before = model[0].weight.detach().clone()
    history = training.fit(model, [(X, y)], lambda m, b: torch.nn.functional.cross_entropy(m(b[0]), b[1]),
                           steps=5, optimizer=Both(), clip=1e-3, progress=False)
    assert not history.diverged and len(history.grad_norm) == 5
    assert not torch.equal(before, model[0].weight)  # the sparse rows were trained
