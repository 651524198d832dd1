"""Backpropagation through time by hand, held to autograd and to finite differences (float64)."""

import pytest
import torch
from torch import nn

from course_utils import bptt, models, text

SHAPES = [  # (B, T, D, H, O)
    (1, 1, 1, 1, 1),
    (3, 5, 4, 6, 2),
    (2, 12, 3, 8, 5),
    (4, 30, 2, 16, 3),
]


def _problem(shape, seed=0, nonlinearity="tanh", with_h0=False):
    B, T, D, H, O = shape
    g = torch.Generator().manual_seed(seed)
    params = bptt.init_params(D, H, O, scale=1.0, generator=g)
    X = torch.randn(B, T, D, generator=g, dtype=torch.float64)
    h0 = torch.randn(B, H, generator=g, dtype=torch.float64) if with_h0 else None
    target = torch.randn(B, T, O, generator=g, dtype=torch.float64)
    return params, X, h0, target


def _loss(params, X, h0, target, nonlinearity):
    """A loss summed over steps: 0.5 * sum_t ||y_t - target_t||^2, so dL/dY = Y - target."""
    Y = bptt.rnn_forward(params, X, h0, nonlinearity)["Y"]
    return 0.5 * ((Y - target) ** 2).sum()


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("with_h0", [False, True])
def test_backward_matches_autograd(shape, nonlinearity, with_h0):
    params, X, h0, target = _problem(shape, nonlinearity=nonlinearity, with_h0=with_h0)
    cache = bptt.rnn_forward(params, X, h0, nonlinearity)
    ours = bptt.rnn_backward(params, cache, cache["Y"] - target)

    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    X_ = X.clone().requires_grad_()
    h0_ = (h0 if with_h0 else torch.zeros(shape[0], shape[3], dtype=torch.float64)).clone()
    h0_.requires_grad_()
    loss = _loss(leaves, X_, h0_, target, nonlinearity)
    auto = torch.autograd.grad(loss, [*leaves.values(), X_, h0_])
    for name, ref in zip([*leaves, "X", "h0"], auto):
        assert ours[name].shape == ref.shape, name
        torch.testing.assert_close(ours[name], ref, rtol=1e-10, atol=1e-12, msg=name)


def test_state_gradients_are_dL_dh():
    """grads["H"][:, t] is the total gradient of the loss with respect to h_t."""
    params, X, _, target = _problem((2, 7, 3, 5, 2))
    cache = bptt.rnn_forward(params, X)
    ours = bptt.rnn_backward(params, cache, cache["Y"] - target)
    # autograd: perturb every h_t through an additive zero that is a leaf
    B, T, H = cache["H"].shape
    zeros = torch.zeros(B, T, H, dtype=torch.float64, requires_grad=True)
    h, Hs = torch.zeros(B, H, dtype=torch.float64), []
    for t in range(T):
        h = torch.tanh(X[:, t] @ params["W_xh"].T + h @ params["W_hh"].T + params["b"]) + zeros[:, t]
        Hs.append(h)
    Y = torch.stack(Hs, 1) @ params["W_hy"].T + params["b_y"]
    (grad,) = torch.autograd.grad(0.5 * ((Y - target) ** 2).sum(), zeros)
    torch.testing.assert_close(ours["H"], grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1, 1), (3, 5, 4, 6, 2), (2, 8, 2, 4, 3)], ids=str)
def test_backward_passes_gradcheck(shape, nonlinearity):
    """Wrap the hand-written backward in an autograd Function and let gradcheck compare it with
    central finite differences for every input, weight and bias."""

    class HandRNN(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X, h0, *weights):
            params = dict(zip(bptt.PARAM_NAMES, weights))
            ctx.params, ctx.cache = params, bptt.rnn_forward(params, X, h0, nonlinearity)
            return ctx.cache["Y"]

        @staticmethod
        def backward(ctx, dY):
            g = bptt.rnn_backward(ctx.params, ctx.cache, dY)
            return (g["X"], g["h0"], *(g[k] for k in bptt.PARAM_NAMES))

    params, X, _, _ = _problem(shape, seed=1)
    h0 = torch.randn(shape[0], shape[3], dtype=torch.float64) * 0.5
    inputs = [t.clone().requires_grad_() for t in (X, h0, *params.values())]
    assert torch.autograd.gradcheck(HandRNN.apply, inputs, eps=1e-6, atol=1e-7, rtol=1e-6)


def test_dh_last_continues_the_chain():
    """A gradient handed in at the last state (from a later chunk) flows back like any other."""
    params, X, _, target = _problem((2, 6, 3, 4, 2))
    cache = bptt.rnn_forward(params, X)
    g = torch.Generator().manual_seed(3)
    dh_last = torch.randn(2, 4, generator=g, dtype=torch.float64)
    ours = bptt.rnn_backward(params, cache, cache["Y"] - target, dh_last=dh_last)
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    cache_ = bptt.rnn_forward(leaves, X)
    loss = 0.5 * ((cache_["Y"] - target) ** 2).sum() + (cache_["H"][:, -1] * dh_last).sum()
    auto = torch.autograd.grad(loss, list(leaves.values()))
    for name, ref in zip(leaves, auto):
        torch.testing.assert_close(ours[name], ref, rtol=1e-10, atol=1e-12, msg=name)


def test_forward_matches_course_cell_and_torch_rnn():
    params, X, _, _ = _problem((3, 9, 4, 6, 2))
    rnn = nn.RNN(4, 6, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(params["W_xh"])
        rnn.weight_hh_l0.copy_(params["W_hh"])
        rnn.bias_ih_l0.copy_(params["b"])
        rnn.bias_hh_l0.zero_()
        out, _ = rnn(X)
    torch.testing.assert_close(bptt.rnn_forward(params, X)["H"], out, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_step_jacobians_match_autograd(nonlinearity):
    params, X, _, _ = _problem((2, 5, 3, 4, 2), seed=4)
    cache = bptt.rnn_forward(params, X, nonlinearity=nonlinearity)
    J = bptt.step_jacobians(params, cache)  # (B, T, H, H)
    assert J.shape == (2, 5, 4, 4)
    f = torch.tanh if nonlinearity == "tanh" else torch.relu
    for b in range(2):
        for t in range(1, 5):
            def step(h, b=b, t=t):
                return f(X[b, t] @ params["W_xh"].T + h @ params["W_hh"].T + params["b"])
            ref = torch.autograd.functional.jacobian(step, cache["H"][b, t - 1])
            torch.testing.assert_close(J[b, t], ref, rtol=1e-12, atol=1e-12)


def test_init_params_shapes_and_dtype():
    p = bptt.init_params(3, 8, 2, generator=torch.Generator().manual_seed(0))
    assert {k: tuple(v.shape) for k, v in p.items()} == {
        "W_xh": (8, 3), "W_hh": (8, 8), "b": (8,), "W_hy": (2, 8), "b_y": (2,)}
    assert all(v.dtype == torch.float64 for v in p.values())


def test_errors_say_what_was_expected():
    params, X, _, _ = _problem((2, 4, 3, 5, 2))
    with pytest.raises(ValueError, match="batch, steps, features"):
        bptt.rnn_forward(params, X[0])
    with pytest.raises(ValueError, match="features"):
        bptt.rnn_forward(params, X[..., :2])
    with pytest.raises(ValueError, match="nonlinearity"):
        bptt.rnn_forward(params, X, nonlinearity="sigmoid")
    with pytest.raises(KeyError, match="W_hy"):
        bptt.rnn_forward({k: v for k, v in params.items() if k != "W_hy"}, X)
    cache = bptt.rnn_forward(params, X)
    with pytest.raises(ValueError, match="dY"):
        bptt.rnn_backward(params, cache, cache["Y"][:, :-1])


def _tiny_lm(seed=0, vocab_size=7):
    torch.manual_seed(seed)
    return models.LanguageModel(vocab_size, "rnn", hidden_size=8, embed_size=4)


def test_stream_loss_without_carry_is_the_mean_over_zero_state_chunks():
    model = _tiny_lm()
    ids = torch.randint(0, 7, (203,), generator=torch.Generator().manual_seed(0))
    total, count = 0.0, 0
    for X, Y in text.sequential_batches(ids, batch_size=4, num_steps=5):
        logits, _ = model(X)
        total += nn.functional.cross_entropy(logits.reshape(-1, 7), Y.reshape(-1), reduction="sum").item()
        count += Y.numel()
    assert bptt.stream_loss(model, ids, 4, 5, carry=False) == pytest.approx(total / count, rel=1e-6)


def test_stream_loss_with_carry_equals_one_long_pass():
    """Carrying the state across chunks gives exactly the predictions of one unbroken pass."""
    model = _tiny_lm(1)
    ids = torch.randint(0, 7, (201,), generator=torch.Generator().manual_seed(1))
    B, T = 4, 5
    chunks = list(text.sequential_batches(ids, B, T))
    X = torch.cat([x for x, _ in chunks], dim=1)  # (B, n * T)
    Y = torch.cat([y for _, y in chunks], dim=1)
    with torch.no_grad():
        logits, _ = model.eval()(X)
    ref = nn.functional.cross_entropy(logits.reshape(-1, 7), Y.reshape(-1)).item()
    assert bptt.stream_loss(model, ids, B, T, carry=True) == pytest.approx(ref, rel=1e-5)


def test_stream_position_loss_shape_and_first_position():
    model = _tiny_lm(2)
    ids = torch.randint(0, 7, (300,), generator=torch.Generator().manual_seed(2))
    carried = bptt.stream_position_loss(model, ids, 3, 6, carry=True)
    reset = bptt.stream_position_loss(model, ids, 3, 6, carry=False)
    assert carried.shape == reset.shape == (6,)
    assert model.training, "evaluation must restore training mode"
    # the very first chunk starts from zeros either way; later chunks differ only if carried
    assert not torch.allclose(carried, reset)
    assert reset.mean().item() == pytest.approx(bptt.stream_loss(model, ids, 3, 6, carry=False), rel=1e-6)


def test_stream_loss_runs_in_eval_mode_and_restores_the_mode_on_error():
    modes = []

    class Failing(nn.Module):
        def __init__(self):
            super().__init__()
            self.dummy = nn.Parameter(torch.zeros(()))

        def forward(self, X, state):
            modes.append(self.training)
            raise RuntimeError("model failed")

    model = Failing().train()
    with pytest.raises(RuntimeError, match="model failed"):
        bptt.stream_loss(model, torch.arange(40), 2, 5)
    assert modes == [False] and model.training
