import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from course_utils import gru_diagram  # noqa: E402


def test_gru_cell_labels_every_gate_and_state():
    fig = gru_diagram.gru_cell()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for label in ("reset gate", "update gate", "candidate", "$r_t$", "$z_t$", "$\\tilde h_t$",
                  "$h_{t-1}$", "$h_t$", "$x_t$", "1−"):
        assert label in texts, f"the GRU diagram lacks the label {label!r}"
    assert "z_t \\odot h_{t-1}" in fig.axes[0].get_title()
    plt.close(fig)


def test_gru_cell_draws_inside_its_limits():
    fig = gru_diagram.gru_cell()
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for t in ax.texts:
        x, y = t.get_position()
        assert x0 <= x <= x1 and y0 <= y <= y1, f"{t.get_text()!r} at {(x, y)} is outside the axes"
    plt.close(fig)
