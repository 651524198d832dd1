"""The course's figure style (course_utils.style): applied by setup, one colour per model."""

import matplotlib as mpl

from course_utils import config, style


def test_setup_applies_the_style():
    mpl.rcParams["axes.spines.top"] = True
    config.setup(seed=0, mode="smoke", device="cpu")
    assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.grid"] is True


def test_each_model_keeps_its_colour():
    assert style.colour("LSTM (forget bias +4)") == style.colour("lstm") == "tab:orange"
    assert style.colour("GRU") != style.colour("RNN")
    assert style.colour("a tanh cell", default="black") == "black"


def test_curves_in_one_figure_never_share_a_colour():
    labels = ["RNN", "LSTM", "LSTM, forget bias +4", "GRU", "ReLU RNN", "a", "b", "c", "d", "e", "f"]
    chosen = style.colours(labels)
    assert chosen[:2] == ["tab:blue", "tab:orange"] and chosen[3] == "tab:green"
    assert len(set(chosen[:10])) == 10
