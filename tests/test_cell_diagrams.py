"""The gated cells' diagrams: every path can be highlighted, the rest is greyed out."""

import matplotlib
import pytest
from matplotlib.colors import to_hex

from course_utils import cell_diagrams

matplotlib.use("Agg")


def _line_colors(fig):
    return {to_hex(line.get_color()) for line in fig.axes[0].lines}


def test_full_cell_shows_every_label_of_the_equations():
    fig = cell_diagrams.lstm_step_figure()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for label in ("$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$x_t$", "$h_t$", "$f_t$", "$i_t$",
                  "$\\tilde c_t$", "$o_t$", "×", "+", "tanh", "$\\sigma$"):
        assert label in texts, f"the diagram should show {label}"
    assert "c_t = f_t" in fig.axes[0].get_title()
    assert _line_colors(fig) == {to_hex(cell_diagrams.LINE_COLOR)}, "no path is greyed out"


@pytest.mark.parametrize("path", cell_diagrams.LSTM_PATHS)
def test_a_highlighted_path_is_in_its_colour_and_the_rest_grey(path):
    fig = cell_diagrams.lstm_step_figure(highlight=path)
    colors = _line_colors(fig)
    assert to_hex(cell_diagrams.GATE_COLORS[path]) in colors, f"the {path} path should be coloured"
    assert to_hex(cell_diagrams.DIM_COLOR) in colors, "the other paths should be greyed out"
    assert to_hex(cell_diagrams.LINE_COLOR) not in colors
    assert to_hex(fig.axes[0].title.get_color()) == to_hex(cell_diagrams.GATE_COLORS[path])


def test_each_gate_highlights_its_own_layer_box():
    for path, symbol in [("forget", "$\\sigma$"), ("input", "tanh"), ("output", "$\\sigma$")]:
        fig = cell_diagrams.lstm_step_figure(highlight=path)
        lit = [t for t in fig.axes[0].texts if t.get_text() == symbol and t.get_bbox_patch() is not None
               and to_hex(t.get_bbox_patch().get_facecolor()) == to_hex(cell_diagrams.LAYER_FACE)]
        assert lit, f"the {path} figure should draw its layer {symbol} in the layer colour"


def test_an_unknown_path_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="forget"):
        cell_diagrams.lstm_step_figure(highlight="reset")
