import matplotlib

matplotlib.use("Agg")

from course_utils import plotting  # noqa: E402
from course_utils.training import History  # noqa: E402


def _history():
    return History(steps=[1, 2, 3], train_loss=[3.0, 2.0, 1.5], grad_norm=[1, 1, 1],
                   eval_steps=[3], evals=[{"perplexity": 5.0}])


def test_loss_curves_label_axes():
    fig = plotting.loss_curves({"rnn": _history(), "lstm": _history()}, metric="perplexity")
    left, right = fig.axes
    assert left.get_xlabel() == "step" and "perplexity" in right.get_ylabel()
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["rnn", "lstm"]


def test_gradient_norms_is_log_scale():
    fig = plotting.gradient_norms({"0.5": [1, 0.5, 0.25], "1.5": [1, 1.5, 2.25]})
    assert fig.axes[0].get_yscale() == "log"


def test_unrolled_and_bars_return_figures():
    assert plotting.unrolled_rnn(3).axes[0].get_title()
    fig = plotting.comparison_bars({"rnn": 0.1, "lstm": 0.9}, "accuracy", "memory", reference=0.125)
    assert fig.axes[0].get_ylabel() == "accuracy"


def test_loss_curves_loss_unit_in_the_label():
    fig = plotting.loss_curves({"rnn": _history()}, loss_unit="nats/char")
    assert fig.axes[0].get_ylabel() == "training loss (nats/char)"


def test_gradient_norms_legend_is_outside_the_axes():
    fig = plotting.gradient_norms({"a": [1, 0.5], "b": [1, 2.0]})
    fig.canvas.draw()
    legend = fig.axes[0].get_legend().get_window_extent()
    assert legend.x0 >= fig.axes[0].get_window_extent().x1  # right of the curves, not over them


def test_lstm_cell_diagram_labels_match_the_equations():
    fig = plotting.lstm_cell()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for label in ("$C_{t-1}$", "$C_t$", "$h_{t-1}$", "$x_t$", "$h_t$", "$f_t$", "$i_t$",
                  "$\\tilde C_t$", "$o_t$", "×", "+", "tanh", "$\\sigma$"):
        assert label in texts, f"the diagram should show {label}"
    assert "C_t = f_t" in fig.axes[0].get_title()
