import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course_utils import bptt_graph  # noqa: E402


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_scalar_graph_has_every_node_and_local_derivative():
    texts = _texts(bptt_graph.scalar_rnn_graph(3))
    for t in (1, 2, 3):
        assert f"$x_{t}$" in texts and f"$h_{t}$" in texts and f"$\\ell_{t}$" in texts
        assert f"$w\\,(1 - h_{t}^2)$" in texts and f"$h_{t} - y_{t}$" in texts
    assert "$h_0$" in texts and "$L = \\ell_1 + \\ell_2 + \\ell_3$" in texts


def test_loss_on_the_last_step_only_and_forward_only():
    texts = _texts(bptt_graph.scalar_rnn_graph(4, loss="last", backward=False))
    assert "$L = \\ell_4$" in texts and "$\\ell_1$" not in texts
    assert not any("1 - h" in t for t in texts)


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="'each' or 'last'"):
        bptt_graph.scalar_rnn_graph(loss="first")
    with pytest.raises(ValueError, match="at least 1"):
        bptt_graph.scalar_rnn_graph(0)


def test_truncated_chunks_draws_every_token_and_batch():
    batches = [[list("abc"), list("def")], [list("ghi"), list("jkl")]]
    texts = _texts(bptt_graph.truncated_chunks(batches))
    assert all(ch in texts for ch in "abcdefghijkl")
    assert "batch 0" in texts and "batch 1" in texts and "row 1" in texts
    with pytest.raises(ValueError, match="at least one batch"):
        bptt_graph.truncated_chunks([])
