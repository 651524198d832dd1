"""The reference backward passes of course_utils.backward against autograd and finite differences."""

import pytest
import torch
from torch import nn

from course_utils import backward, bptt, cells, checks


def _rnn_case(B=3, D=4, H=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    params = bptt.init_params(D, H, 2, generator=gen)
    x = torch.randn(B, D, generator=gen, dtype=torch.float64)
    h = torch.randn(B, H, generator=gen, dtype=torch.float64)
    return params, x, h, gen


def test_rnn_step_forward_is_the_course_rnn_and_its_cache():
    params, x, h, _ = _rnn_case()
    h_t, cache = backward.rnn_step_forward(x, h, params)
    torch.testing.assert_close(h_t, bptt.rnn_forward(params, x[:, None], h)["H"][:, 0])
    assert set(cache) == {"x", "h_prev", "h"} and cache["h"] is h_t


def test_rnn_step_backward_matches_autograd_and_finite_differences():
    params, x, h, gen = _rnn_case()
    G = torch.randn(3, 5, generator=gen, dtype=torch.float64)
    _, cache = backward.rnn_step_forward(x, h, params)
    grads = backward.rnn_step_backward(G, cache, params)
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    xl, hl = x.clone().requires_grad_(), h.clone().requires_grad_()
    (G * backward.rnn_step_forward(xl, hl, leaves)[0]).sum().backward()
    for k in backward.RNN_STEP_PARAMS:
        torch.testing.assert_close(grads[k], leaves[k].grad)
    torch.testing.assert_close(grads["x"], xl.grad)
    torch.testing.assert_close(grads["h_prev"], hl.grad)
    numeric = checks.numeric_gradient(lambda: (G * backward.rnn_step_forward(x, h, params)[0]).sum(), params["W_hh"])
    assert checks.rel_error(grads["W_hh"], numeric) < 1e-8


def test_softmax_cross_entropy_matches_torch():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 3, 7, generator=gen, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, 7, (2, 3), generator=gen)
    loss, dlogits = backward.softmax_cross_entropy(logits.detach(), targets)
    ref = nn.functional.cross_entropy(logits.reshape(-1, 7), targets.reshape(-1))
    ref.backward()
    assert loss.dim() == 0 and loss.dtype == torch.float64
    torch.testing.assert_close(loss, ref.detach())
    torch.testing.assert_close(dlogits, logits.grad)


def test_sample_is_seeded_and_uses_the_prefix():
    params = bptt.init_params(6, 4, 6, generator=torch.Generator().manual_seed(2))
    a = backward.sample(params, [1, 2], 10, 0.8, torch.Generator().manual_seed(3))
    b = backward.sample(params, [1, 2], 10, 0.8, torch.Generator().manual_seed(3))
    c = backward.sample(params, [2, 2], 10, 0.8, torch.Generator().manual_seed(3))
    assert a == b and len(a) == 10 and all(0 <= i < 6 for i in a) and a != c
    cold = backward.sample(params, [1], 5, 1e-4, torch.Generator().manual_seed(0))
    h = torch.zeros(1, 4, dtype=torch.float64)  # near zero temperature: the argmax
    x = torch.zeros(1, 6, dtype=torch.float64)
    x[0, 1] = 1
    h, _ = backward.rnn_step_forward(x, h, params)
    assert cold[0] == int((h @ params["W_hy"].T + params["b_y"]).argmax())


def _lstm_case(B=3, D=4, H=5, T=6, seed=0):
    torch.manual_seed(seed)
    cell = cells.LSTMCell(D, H).double()
    params = {k: v.detach().clone() for k, v in backward.lstm_params(cell).items()}
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(B, T, D, generator=gen, dtype=torch.float64)
    h0, c0 = (torch.randn(B, H, generator=gen, dtype=torch.float64) for _ in range(2))
    return cell, params, X, h0, c0, gen


def test_lstm_step_forward_is_the_course_cell():
    cell, params, X, h0, c0, _ = _lstm_case()
    h, c, cache = backward.lstm_step_forward(X[:, 0], h0, c0, params)
    h_ref, (_, c_ref) = cell(X[:, 0], (h0, c0))
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(c, c_ref)
    assert set(cache) == {"hx", "c_prev", "f", "i", "g", "o", "c"}


@pytest.mark.parametrize("T", [1, 6])
def test_lstm_backward_matches_autograd_and_finite_differences(T):
    _, params, X, h0, c0, gen = _lstm_case(T=T)
    G = torch.randn(3, T, 5, generator=gen, dtype=torch.float64)
    H, caches = backward.lstm_forward(params, X, h0, c0)
    grads = backward.lstm_backward(G, caches, params)
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    Xl, hl, cl = (v.clone().requires_grad_() for v in (X, h0, c0))
    (G * backward.lstm_forward(leaves, Xl, hl, cl)[0]).sum().backward()
    for k in backward.LSTM_PARAMS:
        torch.testing.assert_close(grads[k], leaves[k].grad)
    for k, leaf in (("X", Xl), ("h0", hl), ("c0", cl)):
        torch.testing.assert_close(grads[k], leaf.grad)
    numeric = checks.numeric_gradient(lambda: (G * backward.lstm_forward(params, X, h0, c0)[0]).sum(), params["W_f"])
    assert checks.rel_error(grads["W_f"], numeric) < 1e-7


def test_lstm_step_backward_takes_the_cell_gradient_from_later_steps():
    _, params, X, h0, c0, gen = _lstm_case(T=1)
    dh, dc = (torch.randn(3, 5, generator=gen, dtype=torch.float64) for _ in range(2))
    _, _, cache = backward.lstm_step_forward(X[:, 0], h0, c0, params)
    grads = backward.lstm_step_backward(dh, dc, cache, params)
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    cl = c0.clone().requires_grad_()
    h, c, _ = backward.lstm_step_forward(X[:, 0], h0, cl, leaves)
    ((dh * h).sum() + (dc * c).sum()).backward()
    torch.testing.assert_close(grads["c_prev"], cl.grad)
    torch.testing.assert_close(grads["W_o"], leaves["W_o"].grad)
