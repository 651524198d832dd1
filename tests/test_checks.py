
import pytest
import torch
from torch import nn

from course_utils import cells, checks


def test_check_close_passes_and_reports_error_and_threshold():
    x = torch.randn(3, 4, dtype=torch.float64)
    assert checks.check_close("x", x, x.clone()).startswith("PASS: x, shape (3, 4), relative error 0.0e+00")
    wrong = x.clone()
    wrong[1, 2] += 1.0
    with pytest.raises(checks.CheckFailed, match=r"x: wrong values: relative error .* > threshold 1e-06; "
                                                 r"the largest difference is at index \(1, 2\)"):
        checks.check_close("x", wrong, x)


def test_check_close_reports_shapes_and_non_finite_values():
    with pytest.raises(checks.CheckFailed, match=r"h_t: wrong shape: expected \(4, 6\), got \(4, 3\)\. Transpose\?"):
        checks.check_close("h_t", torch.zeros(4, 3), torch.zeros(4, 6), hint="Transpose?")
    with pytest.raises(checks.CheckFailed, match="expected a tensor of shape"):
        checks.check_shape("h_t", None, (4, 6))
    with pytest.raises(checks.CheckFailed, match="NaN or inf"):
        checks.check_close("h_t", torch.full((2,), float("nan")), torch.zeros(2))


def test_check_gradient_names_what_it_was_checked_against():
    g = torch.ones(3)
    assert "against autograd" in checks.check_gradient("W", g, g, against="autograd")
    with pytest.raises(checks.CheckFailed, match=r"gradient W: wrong values.*\(checked against finite differences\)"):
        checks.check_gradient("W", 2 * g, g)


def test_numeric_gradient_matches_autograd_and_restores_its_input():
    torch.manual_seed(0)
    W = torch.randn(4, 3, dtype=torch.float64)
    x = torch.randn(5, 3, dtype=torch.float64)
    original = W.clone()
    f = lambda: torch.tanh(x @ W.T).pow(2).sum()  # noqa: E731
    numeric = checks.numeric_gradient(f, W)
    assert torch.equal(W, original)
    leaf = W.clone().requires_grad_()
    torch.tanh(x @ leaf.T).pow(2).sum().backward()
    assert checks.rel_error(numeric, leaf.grad) < 1e-8
    with pytest.raises(TypeError, match="float64"):
        checks.numeric_gradient(f, W.float())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_cell_check_passes_the_course_cells(kind):
    cls = {"lstm": cells.LSTMCell, "gru": cells.GRUCell}[kind]
    report = checks.check_cell_against_torch(cls, kind)
    assert report.startswith(f"PASS: {cls.__name__} equals torch.nn.{kind.upper()}")


class SwappedGates(cells.LSTMCell):
    """The forget and input gates exchanged: shapes all agree, numbers do not."""

    def forward(self, x_t, state):
        h_prev, C_prev = state
        hx = torch.cat([h_prev, x_t], dim=1)
        f_t, i_t = torch.sigmoid(self.W_i(hx)), torch.sigmoid(self.W_f(hx))
        C_t = f_t * C_prev + i_t * torch.tanh(self.W_C(hx))
        h_t = torch.sigmoid(self.W_o(hx)) * torch.tanh(C_t)
        return h_t, (h_t, C_t)


class Renamed(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.gates = nn.Linear(input_size + hidden_size, 4 * hidden_size)


def test_cell_check_reports_a_wrong_gate_and_wrong_parameters():
    with pytest.raises(checks.CheckFailed, match=r"SwappedGates outputs vs torch.nn.LSTM: wrong values: "
                                                 r"relative error .* > threshold 1e-09"):
        checks.check_cell_against_torch(SwappedGates, "lstm")
    with pytest.raises(checks.CheckFailed, match="keep the parameters that __init__ creates"):
        checks.check_cell_against_torch(Renamed, "lstm")
    with pytest.raises(ValueError, match="kind must be one of"):
        checks.check_cell_against_torch(cells.LSTMCell, "rnn")
