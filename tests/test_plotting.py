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
