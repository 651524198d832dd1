"""Training a tune model and choosing its temperature: the carried state, and the dev runs.

    loss_fn = CarriedStateLoss()          # loss_fn(model, (X, Y)) for training.fit: truncated BPTT
    rows = dev_runs(recipe)               # what scripts/music_dev.py measured for this recipe
    table = by_temperature(rows)          # {temperature: {"strict": [one value per dev seed], ...}}
    temperature = choose_temperature(table, guard=0.8)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

DEV_RUNS = Path(__file__).with_name("music_dev_runs.jsonl")  # package data, written by scripts/music_dev.py
DEV_METRICS = ("strict", "in_time", "valid_in_time")


class CarriedStateLoss:
    """``loss_fn(model, (X, Y))`` for ``training.fit``: truncated BPTT with the state carried between windows.

    Each call starts ``model`` from the state the previous call ended in, detached, so that the
    gradient stops at the window's edge while the state still knows what came before. Call
    ``reset()`` where the stream is cut anew (a new epoch): the next window starts from zeros.
    """

    def __init__(self) -> None:
        self.state = None

    def reset(self) -> None:
        self.state = None

    def __call__(self, model: torch.nn.Module, batch) -> torch.Tensor:
        X, Y = batch  # (B, T), (B, T)
        logits, state = model(X, self.state)  # (B, T, V)
        if isinstance(state, tuple):  # LSTM: (h, c)
            self.state = tuple(s.detach() for s in state)
        else:
            self.state = state.detach()
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))


def load_dev_runs(path: str | Path | None = None) -> list[dict]:
    """Every run ``scripts/music_dev.py`` appended to its JSON-lines file (one dict per seed and temperature).

    Read from ``path``, else from the copy the package ships (:data:`DEV_RUNS`)."""
    lines = Path(path if path is not None else DEV_RUNS).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def dev_runs(recipe: Mapping[str, float], rows: Sequence[dict] | None = None, context: str = "tune") -> list[dict]:
    """The runs of ``recipe`` (every key given must match), sampled after reading ``context``.

    ``context="tune"``: one training tune read before the tunes are written, as notebook 07 does
    (older rows wrote ``True`` for it). Runs of tunes with an ``S:`` source line are left out."""
    rows = load_dev_runs() if rows is None else rows
    aliases = {"tune": ("tune", True), "none": ("none", False, None)}.get(context, (context,))
    return [r for r in rows
            if r.get("context") in aliases and not r["recipe"].get("source", False)
            and all(r["recipe"].get(k) == v for k, v in recipe.items())]


def by_temperature(rows: Sequence[dict], metrics: Sequence[str] = DEV_METRICS) -> dict[float, dict[str, list]]:
    """``{temperature: {metric: [value per run, by seed], "seeds": [...]}}``, temperatures in increasing order."""
    table: dict[float, dict[str, list]] = {}
    for r in sorted(rows, key=lambda r: (r["temperature"], r["seed"])):
        entry = table.setdefault(r["temperature"], {"seeds": [], **{m: [] for m in metrics}})
        entry["seeds"].append(r["seed"])
        for m in metrics:
            entry[m].append(r[m])
    return table


def choose_temperature(table: Mapping[float, Mapping[str, Sequence[float]]], guard: float = 0.8) -> float:
    """The temperature with the highest mean ``in_time`` among those whose ``valid_in_time`` is at
    least ``guard`` for every seed."""
    kept = [t for t, m in table.items() if min(m["valid_in_time"]) >= guard]
    if not kept:
        raise ValueError(f"no temperature keeps valid_in_time >= {guard} for every seed: lower the guard "
                         f"or measure more temperatures (lowest per temperature: "
                         f"{ {t: min(m['valid_in_time']) for t, m in table.items()} })")
    return max(kept, key=lambda t: sum(table[t]["in_time"]) / len(table[t]["in_time"]))
