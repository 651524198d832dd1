"""Gradient norms through time, the global gradient norm, and spectral rescaling."""

import pytest
import torch
from torch import nn

from course_utils import cells, gradients


def _linear_rnn(H=6, D=3, sigma=1.0, seed=0):
    torch.manual_seed(seed)
    cell = cells.RNNCell(D, H)
    nn.init.orthogonal_(cell.W_hh.weight)
    gradients.scale_spectral_norm(cell.W_hh.weight, sigma)
    cell.f = lambda a: a  # a linear RNN: every step multiplies the gradient by W_hh^T
    return cell


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.5])
def test_linear_rnn_gradient_scales_as_sigma_to_the_k(sigma):
    """With W_hh = sigma * Q (Q orthogonal) and no nonlinearity, ||dL/dh_{T-1-k}|| = sigma^k ||dL/dh_{T-1}||."""
    cell = _linear_rnn(sigma=sigma)
    X = torch.randn(4, 20, 3)
    norms = gradients.state_gradient_norms(cell, X)
    assert norms.shape == (20,)
    expected = norms[0] * sigma ** torch.arange(20.0)
    torch.testing.assert_close(norms, expected, rtol=1e-4, atol=0.0)
    assert norms[0].item() == pytest.approx(6 ** 0.5, rel=1e-5)  # d(sum h)/dh = ones(H)


def test_matches_autograd_by_hand_for_lstm_cell_state():
    torch.manual_seed(1)
    cell = cells.LSTMCell(3, 5)
    X = torch.randn(2, 7, 3)
    norms_h = gradients.state_gradient_norms(cell, X, component=0)
    norms_c = gradients.state_gradient_norms(cell, X, component=1)
    # by hand: keep every state, take the gradient of the last h (or C) summed
    for component, norms in [(0, norms_h), (1, norms_c)]:
        state, kept = cell.init_state(2), []
        for t in range(7):
            _, state = cell(X[:, t], state)
            kept.append(state[component])
        grads = torch.autograd.grad(kept[-1].sum(), kept)
        ref = torch.stack([g.norm(dim=-1).mean() for g in grads]).flip(0)
        torch.testing.assert_close(norms, ref)


def test_readout_is_used():
    cell = _linear_rnn(sigma=0.9)
    X = torch.randn(3, 5, 3)
    plain = gradients.state_gradient_norms(cell, X)
    doubled = gradients.state_gradient_norms(cell, X, readout=lambda h: 2 * h.sum())
    torch.testing.assert_close(doubled, 2 * plain)


def test_rejects_wrong_shape():
    with pytest.raises(ValueError, match="batch, steps, features"):
        gradients.state_gradient_norms(cells.RNNCell(3, 4), torch.randn(5, 3))


def test_global_grad_norm_is_what_clipping_measures():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    assert gradients.global_grad_norm(model) == 0.0  # no gradients yet
    model(torch.randn(16, 4)).pow(2).sum().backward()
    ours = gradients.global_grad_norm(model)
    ref = nn.utils.clip_grad_norm_(model.parameters(), float("inf")).item()
    assert ours == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
def test_scale_spectral_norm_in_place(sigma):
    W = torch.randn(7, 5)
    out = gradients.scale_spectral_norm(W, sigma)
    assert out is W
    assert torch.linalg.svdvals(W)[0].item() == pytest.approx(sigma, rel=1e-5)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_measuring_leaves_no_gradients_behind(kind):
    """The measurement must not accumulate into .grad: a later optimiser step would use it."""
    torch.manual_seed(0)
    cell = cells.make_cell(kind, 3, 5)
    X = torch.randn(2, 6, 3, requires_grad=True)
    gradients.state_gradient_norms(cell, X)
    assert all(p.grad is None for p in cell.parameters()) and X.grad is None
