"""One look for every figure of the course: sizes, fonts, grid, and a fixed colour per model.

:func:`course_utils.config.setup` applies :data:`RC` once per notebook, so the figures drawn by
the package (:mod:`course_utils.plotting`) and those drawn in a notebook look alike. A model keeps
its colour in every figure of every notebook (the RNN is always blue, the LSTM orange, ...):
:func:`colour` picks it from a curve's label.
"""

from __future__ import annotations

import matplotlib as mpl

# a curve whose label names one of these gets its colour, first match wins (case-insensitive)
MODEL_COLOURS = {
    "lstm": "tab:orange",
    "gru": "tab:green",
    "attention": "tab:purple",
    "rnn": "tab:blue",
    "window": "tab:brown",
    "bag": "tab:pink",
    "floor": "tab:gray",
    "baseline": "tab:gray",
    "unigram": "tab:gray",
    "bigram": "tab:olive",
}

RC = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.8,
}


def apply() -> None:
    """Set the course's figure style (matplotlib's rcParams) for this process."""
    mpl.rcParams.update(RC)


def colour(label: str, default: str | None = None) -> str | None:
    """The course's colour for a curve labelled ``label``, or ``default`` when no model is named.

    >>> colour("LSTM, forget bias +4")
    'tab:orange'
    >>> colour("vanilla RNN")
    'tab:blue'
    >>> colour("constant velocity") is None
    True
    """
    lowered = label.lower()
    for name, value in MODEL_COLOURS.items():
        if name in lowered:
            return value
    return default


_CYCLE = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink",
          "tab:gray", "tab:olive", "tab:cyan"]


def colours(labels) -> list[str]:
    """One distinct colour per label: a model's own colour for the first curve that names it,
    unused colours for the rest (two LSTM variants in one figure never share a colour).

    >>> colours(["RNN", "LSTM, bias 0", "LSTM, bias +4"])
    ['tab:blue', 'tab:orange', 'tab:green']
    """
    labels = list(labels)
    chosen: list[str | None] = [None] * len(labels)
    for i, label in enumerate(labels):
        wanted = colour(label)
        if wanted and wanted not in chosen:
            chosen[i] = wanted
    free = iter([c for c in _CYCLE if c not in chosen] + _CYCLE * len(labels))
    return [c if c is not None else next(free) for c in chosen]
