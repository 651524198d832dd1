"""Computation graphs of backpropagation through time, drawn for the lectures.

Every function returns a matplotlib Figure and prints nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

FORWARD = "black"
BACKWARD = "tab:red"


def _node(ax, xy, text, color):
    ax.text(*xy, text, ha="center", va="center", fontsize=12, zorder=3,
            bbox=dict(boxstyle="round,pad=0.45", fc=color, ec="black"))


def _edge(ax, start, end, label=None, color=FORWARD, offset=(0.0, 0.1), rad=0.0, ls="-"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color=color, lw=1.5,
                                 linestyle=ls, connectionstyle=f"arc3,rad={rad}", zorder=2))
    if label:
        ax.text((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1], label,
                fontsize=10, color=color, ha="center", va="center",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85), zorder=4)


def scalar_rnn_graph(num_steps: int = 3, loss: str = "each", backward: bool = True) -> Figure:
    """The scalar RNN ``h_t = tanh(w h_{t-1} + u x_t)`` unrolled over ``num_steps`` steps.

    Forward edges (black) carry the weights ``w`` and ``u``; a loss ``l_t`` sits on every state
    (``loss="each"``) or on the last one only (``loss="last"``), and ``L`` adds them up. With
    ``backward=True`` the dashed red edges run the other way, each labelled with the local
    derivative that BPTT multiplies by when it crosses that edge.
    """
    if loss not in ("each", "last"):
        raise ValueError(f"loss must be 'each' or 'last', got {loss!r}")
    if num_steps < 1:
        raise ValueError(f"num_steps must be at least 1, got {num_steps}")
    fig, ax = plt.subplots(figsize=(2.9 * (num_steps + 1) + 1.0, 4.6))
    ax.set(xlim=(-0.6, 2 * num_steps + 1.4), ylim=(-0.4, 3.4))
    ax.axis("off")
    losses = range(1, num_steps + 1) if loss == "each" else [num_steps]
    _node(ax, (0, 1), "$h_0$", "#fdb")
    for t in range(1, num_steps + 1):
        x = 2 * t
        _node(ax, (x, 0), f"$x_{t}$", "#cde")
        _node(ax, (x, 1), f"$h_{t}$", "#fdb")
        _edge(ax, (x, 0.22), (x, 0.78), "$u$", offset=(-0.18, 0.0))
        _edge(ax, (x - 1.78, 1), (x - 0.25, 1), "$w$", offset=(0.0, 0.14))
        if backward:
            _edge(ax, (x - 0.25, 0.93), (x - 1.78, 0.93), f"$w\\,(1 - h_{t}^2)$", color=BACKWARD,
                  offset=(0.0, -0.42), ls="--", rad=-0.25)
        if t in losses:
            _node(ax, (x, 2), f"$\\ell_{t}$", "#cfc")
            _edge(ax, (x, 1.22), (x, 1.78))
            if backward:
                _edge(ax, (x + 0.12, 1.78), (x + 0.12, 1.22), f"$h_{t} - y_{t}$", color=BACKWARD,
                      offset=(0.42, 0.0), ls="--")
    _node(ax, (num_steps + 1, 3), "$L = " + " + ".join(f"\\ell_{t}" for t in losses) + "$", "#eee")
    for t in losses:
        _edge(ax, (2 * t, 2.22), (num_steps + 1 + 0.25 * (t - (num_steps + 1) / 2), 2.78))
    title = "Scalar RNN over three steps" if num_steps == 3 else f"Scalar RNN over {num_steps} steps"
    if backward:
        title += ": forward (black), and the local derivatives BPTT multiplies backwards (red)"
    ax.set_title(title)
    fig.tight_layout()
    return fig


def truncated_chunks(batches: Sequence[Sequence[Sequence[str]]]) -> Figure:
    """How truncated BPTT reads a stream: each coloured block is one batch of chunks.

    ``batches[k][r]`` is the list of tokens (strings) of row ``r`` in batch ``k``, as
    ``text.sequential_batches`` cuts them: row ``r`` of batch ``k + 1`` continues row ``r`` of
    batch ``k``. Green arrows: the hidden state carried into the next chunk; red dashed lines:
    where the gradient stops.
    """
    if not batches or not batches[0]:
        raise ValueError("expected at least one batch with at least one row of tokens")
    batch_size, num_steps = len(batches[0]), len(batches[0][0])
    fig, ax = plt.subplots(figsize=(12, 0.75 * batch_size + 1))
    for k, rows in enumerate(batches):
        for r, tokens in enumerate(rows):
            for t, token in enumerate(tokens):
                x = k * num_steps + t
                ax.add_patch(plt.Rectangle((x, -r), 1, 0.8, fc=plt.cm.Pastel1(k % 9), ec="white"))
                ax.text(x + 0.5, -r + 0.4, token.replace(" ", "_"), ha="center", va="center",
                        family="monospace")
            if k:  # the state enters this chunk from the previous one
                ax.annotate("", xy=(k * num_steps + 0.4, -r + 0.4), xytext=(k * num_steps - 0.4, -r + 0.4),
                            arrowprops=dict(arrowstyle="->", color="tab:green", lw=2))
        ax.text((k + 0.5) * num_steps, 1.0, f"batch {k}", ha="center")
        if k:
            ax.axvline(k * num_steps, color=BACKWARD, ls="--")
    for r in range(batch_size):
        ax.text(-0.3, -r + 0.4, f"row {r}", ha="right", va="center")
    ax.set(xlim=(-2.5, len(batches) * num_steps), ylim=(-batch_size + 0.8, 1.3), title=(
        "batch k = the next num_steps characters of every row;  green: state carried;  red: gradient stops"))
    ax.axis("off")
    return fig
