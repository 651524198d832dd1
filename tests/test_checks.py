
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


def test_a_wrong_type_or_dtype_is_named_as_such():
    with pytest.raises(checks.CheckFailed, match=r"loss: returned a Python float, expected a 0-dim tensor"):
        checks.check_close("loss", 1.98526, torch.tensor(1.98526, dtype=torch.float64))
    with pytest.raises(checks.CheckFailed, match=r"h0: returned a tensor of float32, expected float64"):
        checks.check_close("h0", torch.zeros(2), torch.zeros(2, dtype=torch.float64))
    assert checks.check_close("h0", torch.zeros(2), torch.zeros(2, dtype=torch.float64), check_dtype=False)


def test_a_known_mistake_is_named_and_indices_are_labelled():
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    wrong = expected.clone()
    wrong[1, 0] = 0.0
    with pytest.raises(checks.CheckFailed, match=r"index \(batch 1, unit 0\).*what leaving out the bias b gives"):
        checks.check_close("h_t", wrong, expected, dims=("batch", "unit"),
                           mistakes={"leaving out the bias b": wrong.clone()})


def test_every_gradient_is_reported_before_failing_with_a_hint_from_which_are_right():
    refs = {k: torch.ones(3, dtype=torch.float64) for k in ("W_xh", "W_hh", "b", "W_hy", "b_y")}
    grads = {**refs, "W_xh": 2 * refs["W_xh"], "W_hh": 2 * refs["W_hh"], "b": 2 * refs["b"]}
    with pytest.raises(checks.CheckFailed) as failure:
        checks.check_gradients(grads, refs, 1e-10, "autograd", checks.rnn_hint)
    message = str(failure.value)
    assert message.startswith("3 of 5 gradients wrong (W_hh, W_xh, b; right: W_hy, b_y)")
    assert message.count("PASS: gradient") == 2 and message.count("WRONG: gradient") == 3
    assert "W_hy and b_y are right" in message and "carry from step t+1" in message
    assert checks.check_gradients(refs, refs, 1e-10).count("PASS") == 5
    with pytest.raises(checks.CheckFailed, match="missing"):
        checks.check_gradients({}, refs, 1e-10)


def test_references_swap_in_the_course_functions_and_restore_the_students():
    namespace = {"rnn_step_forward": "mine"}
    with checks.references(namespace, "rnn_step_forward", "rnn_backward") as swap:
        assert namespace["rnn_step_forward"] is swap.swap["rnn_step_forward"]
        assert callable(namespace["rnn_backward"])
    assert namespace == {"rnn_step_forward": "mine"}
    with pytest.raises(ValueError, match="no reference"):
        checks.references(namespace, "nothing")
