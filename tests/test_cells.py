"""The from-scratch cells and loop give PyTorch's numbers: outputs and gradients, in float64."""

import pytest
import torch
from torch import nn

from course_utils.cells import GRUCell, LSTMCell, RNNCell, Unrolled, copy_from_torch, make_cell

SHAPES = [  # (batch, steps, input_size, hidden_size)
    (1, 1, 1, 1),
    (3, 5, 4, 6),
    (8, 17, 10, 3),
    (2, 40, 7, 16),
]
TOL = dict(rtol=1e-10, atol=1e-10)


def _inputs(B, T, D, H, lstm=False):
    torch.manual_seed(B * 1000 + T)
    X = torch.randn(B, T, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    if lstm:
        return X, (h0, torch.randn(B, H, dtype=torch.float64, requires_grad=True))
    return X, h0


def _pair(kind, D, H, **kwargs):
    torch.manual_seed(0)
    ref = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind](D, H, batch_first=True, **kwargs)
    cell = make_cell(kind, D, H, **{k: v for k, v in kwargs.items() if k == "nonlinearity"})
    ref = ref.double()  # copy in float64: PyTorch's two biases are summed into our one
    return copy_from_torch(cell.double(), ref), ref


def _loss(outputs, state):
    """A scalar that depends on every output and the final state, with uneven weights."""
    w = torch.linspace(-1, 2, outputs.numel(), dtype=outputs.dtype).reshape(outputs.shape)
    states = state if isinstance(state, tuple) else (state,)
    return (w * outputs).sum() + sum((s ** 2).sum() for s in states)


def _grads(loss, tensors):
    return torch.autograd.grad(loss, tensors)


def _ref_state(kind, state):
    return tuple(s.unsqueeze(0) for s in state) if kind == "lstm" else state.unsqueeze(0)


def _squeeze(kind, state):
    return tuple(s.squeeze(0) for s in state) if kind == "lstm" else state.squeeze(0)


def _weight_grads_ours_to_torch(kind, cell, H):
    """Our parameter gradients rearranged into PyTorch's (weight_ih, weight_hh, bias_ih, bias_hh)."""
    if kind == "rnn":
        return (cell.W_xh.weight.grad, cell.W_hh.weight.grad, cell.W_xh.bias.grad, cell.W_hh.bias.grad)
    if kind == "lstm":
        gates = [cell.W_i, cell.W_f, cell.W_C, cell.W_o]  # PyTorch's order
        W = torch.cat([g.weight.grad for g in gates])  # (4H, H + D): acts on [h, x]
        b = torch.cat([g.bias.grad for g in gates])  # our one bias per gate is b_ih + b_hh:
        return W[:, H:], W[:, :H], b, b  # both of PyTorch's receive its gradient
    pairs = [(cell.W_xr, cell.W_hr), (cell.W_xz, cell.W_hz), (cell.W_xh, cell.W_hh)]
    return (torch.cat([x.weight.grad for x, _ in pairs]), torch.cat([h.weight.grad for _, h in pairs]),
            torch.cat([x.bias.grad for x, _ in pairs]), torch.cat([h.bias.grad for _, h in pairs]))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("B,T,D,H", SHAPES)
def test_unrolled_cell_matches_torch_outputs_and_gradients(kind, B, T, D, H):
    cell, ref = _pair(kind, D, H)
    X, state0 = _inputs(B, T, D, H, lstm=kind == "lstm")
    ours_out, ours_state = Unrolled(cell)(X, state0)
    ref_out, ref_state = ref(X, _ref_state(kind, state0))
    torch.testing.assert_close(ours_out, ref_out, **TOL)
    torch.testing.assert_close(ours_state, _squeeze(kind, ref_state), **TOL)

    leaves = [X, *(state0 if kind == "lstm" else (state0,))]
    g_ours = _grads(_loss(ours_out, ours_state), leaves)
    g_ref = _grads(_loss(ref_out, _squeeze(kind, ref_state)), leaves)
    for a, b in zip(g_ours, g_ref):
        torch.testing.assert_close(a, b, **TOL)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("B,T,D,H", SHAPES[1:3])
def test_weight_gradients_match_torch(kind, B, T, D, H):
    cell, ref = _pair(kind, D, H)
    X, state0 = _inputs(B, T, D, H, lstm=kind == "lstm")
    _loss(*Unrolled(cell)(X, state0)).backward()
    out, state = ref(X, _ref_state(kind, state0))
    _loss(out, _squeeze(kind, state)).backward()
    W_ih, W_hh, b_ih, b_hh = _weight_grads_ours_to_torch(kind, cell, H)
    torch.testing.assert_close(W_ih, ref.weight_ih_l0.grad, **TOL)
    torch.testing.assert_close(W_hh, ref.weight_hh_l0.grad, **TOL)
    torch.testing.assert_close(b_ih, ref.bias_ih_l0.grad, **TOL)
    # the GRU's hidden-side biases, the candidate's inside r * (W_hh h + b_hh) included
    torch.testing.assert_close(b_hh, ref.bias_hh_l0.grad, **TOL)


def test_gru_candidate_hidden_bias_gradient_is_scaled_by_the_reset_gate():
    """Reset after the product: d/d b_hh(candidate) differs from d/d b_ih(candidate), as in PyTorch."""
    cell, ref = _pair("gru", 4, 6)
    X, h0 = _inputs(3, 5, 4, 6)
    _loss(*Unrolled(cell)(X, h0)).backward()
    assert (cell.W_hh.bias.grad - cell.W_xh.bias.grad).abs().max() > 1e-3
    out, state = ref(X, h0.unsqueeze(0))
    _loss(out, state.squeeze(0)).backward()
    torch.testing.assert_close(cell.W_hh.bias.grad, ref.bias_hh_l0.grad[12:], **TOL)


def test_relu_rnn_matches_torch():
    cell, ref = _pair("rnn", 5, 7, nonlinearity="relu")
    X, h0 = _inputs(4, 9, 5, 7)
    torch.testing.assert_close(Unrolled(cell)(X, h0)[0], ref(X, h0.unsqueeze(0))[0], **TOL)


@pytest.mark.parametrize("cls,ref_cls", [(RNNCell, nn.RNNCell), (LSTMCell, nn.LSTMCell), (GRUCell, nn.GRUCell)])
def test_single_step_matches_torch_cell(cls, ref_cls):
    torch.manual_seed(1)
    ref = ref_cls(6, 5).double()
    cell = copy_from_torch(cls(6, 5).double(), ref)
    x = torch.randn(3, 6, dtype=torch.float64)
    if cls is LSTMCell:
        h, c = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 5, dtype=torch.float64)
        ours_h, (_, ours_c) = cell(x, (h, c))
        ref_h, ref_c = ref(x, (h, c))
        torch.testing.assert_close(ours_c, ref_c, **TOL)
    else:
        h = torch.randn(3, 5, dtype=torch.float64)
        ours_h, ref_h = cell(x, h)[0], ref(x, h)
    torch.testing.assert_close(ours_h, ref_h, **TOL)


def test_lecture_gru_differs_from_torch_but_agrees_when_reset_is_one():
    cell, ref = _pair("gru", 4, 6)
    lecture = GRUCell(4, 6, reset_after=False).double()
    lecture.load_state_dict(cell.state_dict())
    X, h0 = _inputs(2, 6, 4, 6)
    out_torch, out_lecture = Unrolled(cell)(X, h0)[0], Unrolled(lecture)(X, h0)[0]
    assert (out_torch - out_lecture).abs().max() > 1e-3  # the two forms are different functions
    with torch.no_grad():  # a reset gate saturated at 1 makes r * (W h + b) == W (r * h) + b
        for c in (cell, lecture):
            c.W_xr.bias.fill_(1e3)
    torch.testing.assert_close(Unrolled(cell)(X, h0)[0], Unrolled(lecture)(X, h0)[0], **TOL)


def test_zero_state_by_default_and_shapes():
    for kind in ["rnn", "lstm", "gru"]:
        loop = Unrolled(make_cell(kind, 3, 4))
        out, state = loop(torch.randn(2, 5, 3))
        assert out.shape == (2, 5, 4)
        last = state[0] if kind == "lstm" else state
        torch.testing.assert_close(out[:, -1], last)


def test_bad_input_shape_is_named():
    with pytest.raises(ValueError, match=r"\(batch, steps, features\).*\(5, 3\)"):
        Unrolled(RNNCell(3, 4))(torch.randn(5, 3))


def test_unknown_kind_and_nonlinearity():
    with pytest.raises(ValueError, match="kind must be one of"):
        make_cell("transformer", 2, 2)
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNCell(2, 2, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="RNNCell, LSTMCell or GRUCell"):
        copy_from_torch(nn.Linear(2, 2), nn.RNN(2, 2))


TORCH_LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("D,H", [(1, 64), (64, 64), (300, 16)])
def test_every_parameter_starts_uniform_like_torch(kind, D, H):
    """U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias, whatever the input size, as PyTorch's layers.

    The LSTM cell's one bias per gate is PyTorch's b_ih + b_hh: the sum of two such draws.
    """
    torch.manual_seed(0)
    for name, p in make_cell(kind, D, H).named_parameters():
        summed = kind == "lstm" and name.endswith("bias")
        bound = (2 if summed else 1) * H ** -0.5
        std = (2 / 3) ** 0.5 * H ** -0.5 if summed else bound / 3 ** 0.5
        assert p.abs().max().item() <= bound, f"{name} exceeds {bound:.3f}"
        if p.numel() >= 64:  # the spread of the uniform (or of the sum of two)
            assert p.std().item() == pytest.approx(std, rel=0.15), name
            if not summed:  # and the whole range is used
                assert p.abs().max().item() > 0.9 * bound, f"{name} is narrower than U(-1/sqrt(H), 1/sqrt(H))"


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_scratch_and_torch_layers_start_alike(kind):
    """At initialisation the unrolled cell and PyTorch's layer give outputs of the same spread.

    The input size (2) is far from the hidden size (64), where an nn.Linear-style initialisation
    (scaled by the number of inputs) would give inputs 5.7x larger weights than PyTorch's.
    """
    X = torch.randn(32, 30, 2, generator=torch.Generator().manual_seed(0))  # (B, T, D)
    spread = {"ours": [], "torch": []}
    for seed in range(10):  # the mean over 10 initialisations: within 6% here, measured
        torch.manual_seed(seed)
        spread["ours"].append(Unrolled(make_cell(kind, 2, 64))(X)[0].std().item())
        torch.manual_seed(100 + seed)
        spread["torch"].append(TORCH_LAYERS[kind](2, 64, batch_first=True)(X)[0].std().item())
    ours, ref = (sum(v) / len(v) for v in spread.values())
    assert ours == pytest.approx(ref, rel=0.12), spread
