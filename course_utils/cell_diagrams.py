"""Diagrams of gated cells, drawn one path at a time (Colah's style). Every function returns a Figure.

The look is set by the module constants below, so that diagrams of other cells (a GRU, say)
drawn in another module share it: import them rather than repeating the values.

- :data:`CELL_FACE`, :data:`CELL_EDGE`: the grey box around one time step.
- :data:`LAYER_FACE`, :data:`LAYER_BOX`: a learned layer (a sigmoid or tanh of an affine map), a
  yellow square.
- :data:`OP_FACE`, :data:`OP_BOX`, :data:`OP_BOX_WIDE`: a pointwise operation (×, +, tanh), a pink
  circle (a rounded box for a word).
- :data:`LINE_COLOR`, :data:`LINE_WIDTH`, :data:`ARROW_SCALE`: the wires; :data:`DIM_COLOR`: a wire,
  box or label outside the highlighted path; :data:`HIGHLIGHT_WIDTH`: a wire on it.
- :data:`GATE_COLORS`: one colour per gate or path, shared by every figure of a gate (its wires,
  its label, its equation), with the GRU's gates named too.
- :data:`FONT_STATE`, :data:`FONT_LAYER`, :data:`FONT_LABEL`, :data:`FONT_TITLE`: font sizes of the
  state names, the symbols in the boxes, the gates' names, the title.

>>> fig = lstm_step_figure(highlight="forget")
>>> "Forget gate" in fig.axes[0].get_title()
True
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

CELL_FACE = "#f4f4f4"
CELL_EDGE = "gray"
LAYER_FACE = "#ffe9a8"
LAYER_BOX = "square,pad=0.35"
OP_FACE = "#ffd9d9"
OP_BOX = "circle,pad=0.25"
OP_BOX_WIDE = "round,pad=0.3"
LINE_COLOR = "black"
LINE_WIDTH = 1.5
HIGHLIGHT_WIDTH = 3.0
ARROW_SCALE = 14
DIM_COLOR = "#c8c8c8"
DIM_FACE = "#f0f0f0"
GATE_COLORS = {
    "cell": "#9467bd",  # the cell state's highway (purple)
    "forget": "#d62728",  # red
    "input": "#1f77b4",  # blue: input gate and candidate
    "output": "#2ca02c",  # green
    "update": "#d62728",  # a GRU's update gate: the forget gate's role
    "reset": "#ff7f0e",  # a GRU's reset gate (orange)
    "candidate": "#1f77b4",  # a GRU's candidate
}
FONT_STATE = 13
FONT_LAYER = 12
FONT_OP = 11
FONT_LABEL = 9
FONT_TITLE = 12

LSTM_PATHS = ("cell", "forget", "input", "output")
_TITLES = {
    None: "The LSTM cell: $c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde c_t$,  "
          "$h_t = o_t \\odot \\tanh(c_t)$",
    "cell": "The cell state: $c_{t-1} \\to c_t$ by one product and one sum, no matrix",
    "forget": "Forget gate: $f_t = \\sigma(W_f\\,[h_{t-1}, x_t] + b_f)$, then $f_t \\odot c_{t-1}$",
    "input": "Input gate and candidate: $i_t \\odot \\tilde c_t$ is added to the cell state",
    "output": "Output gate: $h_t = o_t \\odot \\tanh(c_t)$",
}


def _style(group, highlight):
    """Colour and width of an element of `group` (a set of path names) for the highlighted path."""
    if highlight is None:
        return LINE_COLOR, LINE_WIDTH, True
    if highlight in group:
        return GATE_COLORS[highlight], HIGHLIGHT_WIDTH, True
    return DIM_COLOR, LINE_WIDTH, False


def wire(ax, points, group=(), highlight=None, arrow=True):
    """A polyline through `points` in the style of the path groups it belongs to; arrow at the end."""
    color, width, _ = _style(set(group), highlight)
    xs, ys = zip(*points)
    ax.plot(xs[:-1], ys[:-1], color=color, lw=width, zorder=1, solid_capstyle="butt")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>" if arrow else "-",
                                 mutation_scale=ARROW_SCALE, color=color, lw=width, zorder=1))


def layer(ax, xy, symbol, group=(), highlight=None):
    """A learned layer (sigmoid or tanh of an affine map): a square box."""
    color, _, on = _style(set(group), highlight)
    ax.text(*xy, symbol, ha="center", va="center", fontsize=FONT_LAYER, zorder=3,
            color=LINE_COLOR if on else DIM_COLOR,
            bbox=dict(boxstyle=LAYER_BOX, fc=LAYER_FACE if on else DIM_FACE,
                      ec=color if highlight is not None and on else (LINE_COLOR if on else DIM_COLOR),
                      lw=HIGHLIGHT_WIDTH if highlight is not None and on else 1.0))


def op(ax, xy, symbol, group=(), highlight=None):
    """A pointwise operation (×, +, tanh): a circle, or a rounded box for a word."""
    color, _, on = _style(set(group), highlight)
    ax.text(*xy, symbol, ha="center", va="center", fontsize=FONT_OP, zorder=3,
            color=LINE_COLOR if on else DIM_COLOR,
            bbox=dict(boxstyle=OP_BOX if len(symbol) == 1 else OP_BOX_WIDE,
                      fc=OP_FACE if on else DIM_FACE,
                      ec=color if highlight is not None and on else (LINE_COLOR if on else DIM_COLOR),
                      lw=HIGHLIGHT_WIDTH if highlight is not None and on else 1.0))


def label(ax, xy, text, group=(), highlight=None, fontsize=FONT_STATE, color=LINE_COLOR, **kwargs):
    """A text label, dimmed when its path is not highlighted."""
    _, _, on = _style(set(group), highlight)
    ax.text(*xy, text, fontsize=fontsize, color=color if on else DIM_COLOR, **kwargs)


def lstm_step_figure(highlight: str | None = None) -> Figure:
    """One LSTM step, with one path through it drawn in colour and the rest greyed out.

    Parameters
    ----------
    highlight : None, "cell", "forget", "input" or "output"
        ``None`` draws the whole cell in black. ``"cell"``: the cell state's highway
        ``c_{t-1} -> c_t``. ``"forget"``: ``[h_{t-1}, x_t] -> f_t -> f_t * c_{t-1}``. ``"input"``:
        ``i_t`` and the candidate ``c~_t`` to the sum. ``"output"``: ``c_t -> tanh -> * o_t -> h_t``.

    Returns
    -------
    Figure with one axes; its title states the highlighted equation.
    """
    if highlight not in (None, *LSTM_PATHS):
        raise ValueError(f"highlight must be None or one of {LSTM_PATHS}, got {highlight!r}")
    hl = highlight
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.set(xlim=(-0.4, 10.6), ylim=(-0.3, 6.6))
    ax.axis("off")
    ax.add_patch(Rectangle((1.2, 0.5), 7.6, 5.1, fc=CELL_FACE, ec=CELL_EDGE, zorder=0))
    gate_y, bus_y, top_y = 2.7, 1.2, 5.0
    everything = set(LSTM_PATHS)
    # the cell state: c_{t-1} -> x (forget) -> + (add) -> c_t
    wire(ax, [(-0.2, top_y), (2.35, top_y)], {"cell", "forget"}, hl, arrow=False)
    wire(ax, [(2.85, top_y), (4.75, top_y)], {"cell"}, hl, arrow=False)
    wire(ax, [(5.25, top_y), (7.6, top_y)], {"cell", "input", "output"}, hl, arrow=False)
    wire(ax, [(7.6, top_y), (10.3, top_y)], {"cell", "input"}, hl)
    label(ax, (-0.2, top_y + 0.25), "$c_{t-1}$", {"cell", "forget"}, hl)
    label(ax, (9.9, top_y + 0.25), "$c_t$", {"cell", "input"}, hl)
    # [h_{t-1}, x_t] feeds every gate
    wire(ax, [(-0.2, bus_y), (2.6, bus_y)], everything - {"cell"}, hl, arrow=False)
    wire(ax, [(2.6, bus_y), (5.0, bus_y)], {"input", "output"}, hl, arrow=False)
    wire(ax, [(5.0, bus_y), (6.4, bus_y)], {"output"}, hl, arrow=False)
    wire(ax, [(1.6, -0.2), (1.6, bus_y)], everything - {"cell"}, hl, arrow=False)
    label(ax, (-0.2, bus_y - 0.45), "$h_{t-1}$", everything - {"cell"}, hl)
    label(ax, (1.75, -0.15), "$x_t$", everything - {"cell"}, hl)
    label(ax, (2.0, bus_y - 0.4), "$[h_{t-1}, x_t]$", everything - {"cell"}, hl, fontsize=10,
          color="dimgray")
    gates = {"forget": (2.6, "$\\sigma$", "forget gate\n$f_t$"),
             "input": (3.8, "$\\sigma$", "input gate\n$i_t$"),
             "candidate": (5.0, "tanh", "candidate\n$\\tilde c_t$"),
             "output": (6.4, "$\\sigma$", "output gate\n$o_t$")}
    for name, (x, symbol, text) in gates.items():
        path = "input" if name == "candidate" else name
        wire(ax, [(x, bus_y), (x, gate_y - 0.3)], {path}, hl)
        layer(ax, (x, gate_y), symbol, {path}, hl)
        where = (x + 0.3, bus_y + 0.3) if name == "output" else (x + 0.3, gate_y + 0.55)
        label(ax, where, text, {path}, hl, fontsize=FONT_LABEL, va="bottom",
              color=GATE_COLORS[path])
    # 1) forget: f_t * c_{t-1}
    wire(ax, [(2.6, gate_y + 0.3), (2.6, top_y - 0.25)], {"forget"}, hl)
    op(ax, (2.6, top_y), "×", {"cell", "forget"}, hl)
    # 2) update: + i_t * c~_t
    wire(ax, [(3.8, gate_y + 0.3), (3.8, 3.9), (4.75, 3.9)], {"input"}, hl)
    wire(ax, [(5.0, gate_y + 0.3), (5.0, 3.65)], {"input"}, hl)
    op(ax, (5.0, 3.9), "×", {"input"}, hl)
    wire(ax, [(5.0, 4.15), (5.0, top_y - 0.25)], {"input"}, hl)
    op(ax, (5.0, top_y), "+", {"cell", "input"}, hl)
    # 3) output: h_t = o_t * tanh(c_t)
    wire(ax, [(7.6, top_y), (7.6, 4.1)], {"output"}, hl)
    op(ax, (7.6, 3.85), "tanh", {"output"}, hl)
    wire(ax, [(7.6, 3.55), (7.6, 2.95)], {"output"}, hl)
    wire(ax, [(6.4, gate_y + 0.3), (6.4, gate_y + 0.5), (7.0, gate_y + 0.5), (7.38, gate_y + 0.1)],
         {"output"}, hl)
    op(ax, (7.6, gate_y), "×", {"output"}, hl)
    wire(ax, [(7.6, gate_y - 0.25), (7.6, bus_y), (10.3, bus_y)], {"output"}, hl)
    label(ax, (9.9, bus_y - 0.45), "$h_t$", {"output"}, hl)
    wire(ax, [(8.4, bus_y), (8.4, 6.4)], {"output"}, hl)
    label(ax, (8.55, 6.2), "$h_t$ (output)", {"output"}, hl, fontsize=11)
    ax.set_title(_TITLES[hl], fontsize=FONT_TITLE,
                 color=LINE_COLOR if hl is None else GATE_COLORS[hl])
    fig.tight_layout()
    return fig
