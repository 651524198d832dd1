"""Figures the notebooks share. Every function returns a matplotlib Figure and prints nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from .training import History


def loss_curves(histories: Mapping[str, History], metric: str | None = None,
                title: str = "Training") -> Figure:
    """Training loss per step for each run (left) and, if given, an evaluated ``metric`` (right)."""
    fig, axes = plt.subplots(1, 2 if metric else 1, figsize=(11 if metric else 6, 3.6), squeeze=False)
    for label, h in histories.items():
        axes[0, 0].plot(h.steps, h.train_loss, label=label, alpha=0.85)
        if metric:
            axes[0, 1].plot(h.eval_steps, h.metric(metric), marker="o", label=label)
    axes[0, 0].set(xlabel="step", ylabel="training loss", title=title)
    if metric:
        axes[0, 1].set(xlabel="step", ylabel=f"held-out {metric}", title=f"Held-out {metric}")
    for ax in axes[0]:
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def gradient_norms(curves: Mapping[str, Sequence[float]], title: str = "Gradient through time",
                   ylabel: str = "||dL / dh||") -> Figure:
    """Gradient norm vs distance back in time, one line per setting, log scale."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for label, norms in curves.items():
        ax.semilogy(range(len(norms)), [float(n) for n in norms], label=label)
    ax.set(xlabel="steps back from the last step", ylabel=ylabel, title=title)
    ax.legend()
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
    _node(ax, (-0.2, 0), "$x_t$", "#cde"), _node(ax, (-0.2, 1), "$h_t$", "#fdb")
    _node(ax, (-0.2, 2), "$\\hat y_t$", "#cfc")
    _arrow(ax, (-0.2, 0.2), (-0.2, 0.8), "$W_{xh}$"), _arrow(ax, (-0.2, 1.2), (-0.2, 1.8), "$W_{hy}$")
    ax.add_patch(FancyArrowPatch((-0.07, 0.82), (-0.07, 1.18), connectionstyle="arc3,rad=1.6",
                                 arrowstyle="-|>", mutation_scale=12, color="black"))
    ax.text(0.12, 1.0, "$W_{hh}$", color="tab:red", fontsize=9, va="center")
    ax.text(0.45, 1, "=", fontsize=20, ha="center", va="center")
    for t in range(num_steps):
        x = t + 1
        _node(ax, (x, 0), f"$x_{t}$", "#cde"), _node(ax, (x, 1), f"$h_{t}$", "#fdb")
        _node(ax, (x, 2), f"$\\hat y_{t}$", "#cfc")
        _arrow(ax, (x, 0.2), (x, 0.8), "$W_{xh}$"), _arrow(ax, (x, 1.2), (x, 1.8), "$W_{hy}$")
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
