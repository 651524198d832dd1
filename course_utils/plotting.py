"""Figures the notebooks share. Every function returns a matplotlib Figure and prints nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from .style import colours
from .training import History


def loss_curves(histories: Mapping[str, History], metric: str | None = None,
                title: str = "Training", loss_unit: str | None = None) -> Figure:
    """Training loss per step for each run (left) and, if given, an evaluated ``metric`` (right).

    ``loss_unit`` (e.g. ``"nats/char"``) is added to the loss axis label.
    """
    fig, axes = plt.subplots(1, 2 if metric else 1, figsize=(11 if metric else 6, 3.6), squeeze=False)
    for (label, h), color in zip(histories.items(), colours(histories)):
        axes[0, 0].plot(h.steps, h.train_loss, label=label, alpha=0.85, color=color)
        if metric:
            axes[0, 1].plot(h.eval_steps, h.metric(metric), marker="o", label=label, color=color)
    loss_label = f"training loss ({loss_unit})" if loss_unit else "training loss"
    axes[0, 0].set(xlabel="step", ylabel=loss_label, title=title)
    if metric:
        axes[0, 1].set(xlabel="step", ylabel=f"held-out {metric}", title=f"Held-out {metric}")
    for ax in axes[0]:
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def gradient_norms(curves: Mapping[str, Sequence[float]], title: str = "Gradient through time",
                   ylabel: str = r"$\|\partial L / \partial h_{T-k}\|$") -> Figure:
    """Gradient norm vs distance back in time, one line per setting, log scale.

    Labels may use matplotlib's mathtext (``"$\\sigma^k$"``). The legend sits right of the axes,
    off the curves.
    """
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    for (label, norms), color in zip(curves.items(), colours(curves)):
        ax.semilogy(range(len(norms)), [float(n) for n in norms], label=label, color=color)
    ax.set(xlabel="steps back from the last step, $k$", ylabel=ylabel, title=title)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def _node(ax, xy, text, color):
    ax.text(*xy, text, ha="center", va="center", fontsize=11,
            bbox=dict(boxstyle="round,pad=0.4", fc=color, ec="black"))


def _arrow(ax, start, end, label=None):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="black"))
    if label:
        ax.text((start[0] + end[0]) / 2 + 0.05, (start[1] + end[1]) / 2 + 0.08, label, fontsize=9,
                color="tab:red")


def unrolled_rnn(num_steps: int = 4) -> Figure:
    """The recurrence drawn folded (left) and unrolled across time (right), weights labelled."""
    fig, ax = plt.subplots(figsize=(2.2 * (num_steps + 2), 3.6))
    ax.set(xlim=(-0.8, num_steps + 1.2), ylim=(-0.6, 2.6))
    ax.axis("off")
    _node(ax, (-0.2, 0), "$x_t$", "#cde")
    _node(ax, (-0.2, 1), "$h_t$", "#fdb")
    _node(ax, (-0.2, 2), "$\\hat y_t$", "#cfc")
    _arrow(ax, (-0.2, 0.2), (-0.2, 0.8), "$W_{xh}$")
    _arrow(ax, (-0.2, 1.2), (-0.2, 1.8), "$W_{hy}$")
    ax.add_patch(FancyArrowPatch((-0.07, 0.82), (-0.07, 1.18), connectionstyle="arc3,rad=1.6",
                                 arrowstyle="-|>", mutation_scale=12, color="black"))
    ax.text(0.12, 1.0, "$W_{hh}$", color="tab:red", fontsize=9, va="center")
    ax.text(0.45, 1, "=", fontsize=20, ha="center", va="center")
    for t in range(num_steps):
        x = t + 1
        _node(ax, (x, 0), f"$x_{t}$", "#cde")
        _node(ax, (x, 1), f"$h_{t}$", "#fdb")
        _node(ax, (x, 2), f"$\\hat y_{t}$", "#cfc")
        _arrow(ax, (x, 0.2), (x, 0.8), "$W_{xh}$")
        _arrow(ax, (x, 1.2), (x, 1.8), "$W_{hy}$")
        if t + 1 < num_steps:
            _arrow(ax, (x + 0.2, 1), (x + 0.8, 1), "$W_{hh}$")
    ax.set_title("One cell, the same weights at every step: folded (left) and unrolled across time")
    fig.tight_layout()
    return fig


def comparison_bars(values: Mapping[str, float], ylabel: str, title: str,
                    reference: float | None = None, reference_label: str = "chance") -> Figure:
    """A bar per model, with an optional dashed reference line (chance, a baseline)."""
    fig, ax = plt.subplots(figsize=(1.4 * len(values) + 2.5, 3.4))
    ax.bar(list(values), list(values.values()), color="tab:blue")
    if reference is not None:
        ax.axhline(reference, ls="--", color="gray", label=reference_label)
        ax.legend()
    ax.set(ylabel=ylabel, title=title)
    fig.tight_layout()
    return fig


def _op(ax, xy, text, color="#ffd9d9"):
    """A pointwise operation (x, +, tanh) drawn as a small circle on a line of the diagram."""
    ax.text(*xy, text, ha="center", va="center", fontsize=11, zorder=3,
            bbox=dict(boxstyle="circle,pad=0.25" if len(text) == 1 else "round,pad=0.3", fc=color, ec="black"))


def _line(ax, points, arrow=True, color="black"):
    """A polyline through ``points``; its last segment ends in an arrow head."""
    (xs, ys) = zip(*points)
    ax.plot(xs[:-1], ys[:-1], color=color, lw=1.5, zorder=1)
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>" if arrow else "-",
                                 mutation_scale=14, color=color, lw=1.5, zorder=1))


def lstm_cell() -> Figure:
    """The LSTM cell, the lecture's main picture: gates, cell-state highway, labelled as in the equations.

    ``f_t``, ``i_t``, ``o_t`` are sigmoid layers of ``[h_{t-1}, x_t]``; ``C~_t`` a tanh layer; the
    cell state runs along the top, changed only by one elementwise product and one sum.
    """
    fig, ax = plt.subplots(figsize=(10, 5.6))
    ax.set(xlim=(-0.4, 10.6), ylim=(-0.3, 6.6))
    ax.axis("off")
    ax.add_patch(plt.Rectangle((1.2, 0.5), 7.6, 5.1, fc="#f4f4f4", ec="gray", zorder=0))
    gate_y, bus_y, top_y = 2.7, 1.2, 5.0
    gates = {"f": (2.6, "$\\sigma$", "forget gate\n$f_t$"), "i": (3.8, "$\\sigma$", "input gate\n$i_t$"),
             "C": (5.0, "tanh", "candidate\n$\\tilde C_t$"), "o": (6.4, "$\\sigma$", "output gate\n$o_t$")}
    # the cell state: C_{t-1} -> x (forget) -> + (add) -> C_t
    _line(ax, [(-0.2, top_y), (10.3, top_y)])
    ax.text(-0.2, top_y + 0.25, "$C_{t-1}$", fontsize=13)
    ax.text(9.9, top_y + 0.25, "$C_t$", fontsize=13)
    # [h_{t-1}, x_t] feeds every gate
    _line(ax, [(-0.2, bus_y), (6.4, bus_y)], arrow=False)
    ax.text(-0.2, bus_y - 0.45, "$h_{t-1}$", fontsize=13)
    _line(ax, [(1.6, -0.2), (1.6, bus_y)], arrow=False)
    ax.text(1.75, -0.15, "$x_t$", fontsize=13)
    ax.text(2.0, bus_y - 0.4, "$[h_{t-1}, x_t]$", fontsize=10, color="dimgray")
    for x, symbol, name in gates.values():
        _line(ax, [(x, bus_y), (x, gate_y - 0.3)])
        ax.text(x, gate_y, symbol, ha="center", va="center", fontsize=12, zorder=3,
                bbox=dict(boxstyle="square,pad=0.35", fc="#ffe9a8", ec="black"))
        ax.text(x + 0.3, gate_y + 0.55, name, fontsize=9, va="bottom", color="tab:red")
    # 1) forget: f_t * C_{t-1}
    _line(ax, [(2.6, gate_y + 0.3), (2.6, top_y - 0.25)])
    _op(ax, (2.6, top_y), "×")
    # 2) update: + i_t * C~_t
    _line(ax, [(3.8, gate_y + 0.3), (3.8, 3.9), (4.75, 3.9)])
    _line(ax, [(5.0, gate_y + 0.3), (5.0, 3.65)])
    _op(ax, (5.0, 3.9), "×")
    _line(ax, [(5.0, 4.15), (5.0, top_y - 0.25)])
    _op(ax, (5.0, top_y), "+")
    # 3) output: h_t = o_t * tanh(C_t)
    _line(ax, [(7.6, top_y), (7.6, 4.1)])
    _op(ax, (7.6, 3.85), "tanh")
    _line(ax, [(7.6, 3.55), (7.6, 2.95)])
    _line(ax, [(6.4, gate_y + 0.3), (6.4, gate_y + 0.5), (7.0, gate_y + 0.5), (7.38, gate_y + 0.1)])
    _op(ax, (7.6, gate_y), "×")
    _line(ax, [(7.6, gate_y - 0.25), (7.6, bus_y), (10.3, bus_y)])
    ax.text(9.9, bus_y - 0.45, "$h_t$", fontsize=13)
    _line(ax, [(8.4, bus_y), (8.4, 6.4)])
    ax.text(8.55, 6.2, "$h_t$ (output)", fontsize=11)
    ax.set_title("The LSTM cell: $C_t = f_t \\odot C_{t-1} + i_t \\odot \\tilde C_t$,  "
                 "$h_t = o_t \\odot \\tanh(C_t)$", fontsize=12)
    fig.tight_layout()
    return fig
