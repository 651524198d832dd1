"""The GRU cell drawn in the style of ``plotting.lstm_cell`` (notebook 06)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .plotting import _line, _op


def _gate(ax, x, y, symbol, name):
    """A learned layer (sigmoid or tanh of a linear map) as a yellow box, its name in red beside it."""
    ax.text(x, y, symbol, ha="center", va="center", fontsize=12, zorder=3,
            bbox=dict(boxstyle="square,pad=0.35", fc="#ffe9a8", ec="black"))
    ax.text(x + 0.3, y + 0.55, name, fontsize=9, va="bottom", color="tab:red")


def gru_cell() -> Figure:
    """The GRU cell: reset and update gates, candidate, one state ``h_t`` running along the top.

    ``r_t`` and ``z_t`` are sigmoid layers of ``[h_{t-1}, x_t]``; the candidate ``h~_t`` a tanh
    layer of ``[r_t * h_{t-1}, x_t]``; the state changes by ``z_t * h_{t-1} + (1 - z_t) * h~_t``.
    """
    fig, ax = plt.subplots(figsize=(10, 5.6))
    ax.set(xlim=(-0.4, 10.6), ylim=(-0.3, 6.6))
    ax.axis("off")
    ax.add_patch(plt.Rectangle((0.5, 0.2), 8.3, 5.4, fc="#f4f4f4", ec="gray", zorder=0))
    gate_y, bus_y, top_y, reset_y = 2.7, 1.2, 5.0, 3.9
    x_r, x_z, x_c, x_in = 2.3, 3.5, 6.6, 1.5
    # the state: h_{t-1} -> x (keep z_t of it) -> + (add (1 - z_t) of the candidate) -> h_t
    _line(ax, [(-0.2, top_y), (10.3, top_y)])
    ax.text(-0.2, top_y + 0.25, "$h_{t-1}$", fontsize=13)
    ax.text(9.9, top_y + 0.25, "$h_t$", fontsize=13)
    # h_{t-1} drops to the bus [h_{t-1}, x_t] that feeds both gates
    _line(ax, [(0.9, top_y), (0.9, bus_y), (x_z, bus_y)], arrow=False)
    _line(ax, [(x_in, -0.2), (x_in, bus_y)], arrow=False)
    ax.text(x_in + 0.15, -0.15, "$x_t$", fontsize=13)
    ax.text(x_in + 0.1, bus_y - 0.4, "$[h_{t-1}, x_t]$", fontsize=10, color="dimgray")
    for x, name in [(x_r, "reset gate\n$r_t$"), (x_z, "update gate\n$z_t$")]:
        _line(ax, [(x, bus_y), (x, gate_y - 0.3)])
        _gate(ax, x, gate_y, "$\\sigma$", name)
    # 1) reset: r_t * h_{t-1}, what the candidate may read of the past
    _line(ax, [(0.9, reset_y), (x_r - 0.25, reset_y)])
    _line(ax, [(x_r, gate_y + 0.3), (x_r, reset_y - 0.25)])
    _op(ax, (x_r, reset_y), "×")
    # 2) candidate: tanh of [r_t * h_{t-1}, x_t]
    _line(ax, [(x_r + 0.25, reset_y), (5.6, reset_y), (5.6, 1.7), (x_c, 1.7)], arrow=False)
    _line(ax, [(x_in, 0.6), (x_c, 0.6), (x_c, gate_y - 0.3)])
    ax.text(x_c + 0.15, 1.2, "$[r_t \\odot h_{t-1}, x_t]$", fontsize=10, color="dimgray")
    _gate(ax, x_c, gate_y, "tanh", "candidate\n$\\tilde h_t$")
    # 3) update: keep z_t * h_{t-1}, add (1 - z_t) * h~_t
    _line(ax, [(x_z, gate_y + 0.3), (x_z, top_y - 0.25)])
    _op(ax, (x_z, top_y), "×")
    _line(ax, [(x_z, 4.35), (4.55, 4.35)])
    _op(ax, (4.9, 4.35), "1−")
    _line(ax, [(5.25, 4.35), (x_c - 0.25, 4.35)])
    _line(ax, [(x_c, gate_y + 0.3), (x_c, 4.1)])
    _op(ax, (x_c, 4.35), "×")
    _line(ax, [(x_c, 4.6), (x_c, top_y - 0.25)])
    _op(ax, (x_c, top_y), "+")
    _line(ax, [(8.2, top_y), (8.2, 6.4)])
    ax.text(8.35, 6.2, "$h_t$ (output)", fontsize=11)
    ax.set_title("The GRU cell: $h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde h_t$,  "
                 "$\\tilde h_t = \\tanh(W_{xh} x_t + W_{hh} (r_t \\odot h_{t-1}) + b_h)$", fontsize=12)
    fig.tight_layout()
    return fig
