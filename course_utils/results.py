"""Headline numbers a notebook records, for the benchmark that runs every notebook.

    from course_utils import results
    results.record("held-out perplexity, LSTM", ppl_lstm, better="lower")
    results.record("dev accuracy", accuracy, better="higher", unit="%")

Recording does nothing unless a run asks for it: ``python -m tools.measuring.benchmark`` sets
``COURSE_RESULTS_FILE`` for each notebook it executes, and ``record`` appends one JSON line per
number to that file. In a student's notebook the call is free and silent, and it returns the
value, so it can wrap an expression that is printed anyway.
"""

from __future__ import annotations

import json
import math
import numbers
import os

RESULTS_ENV = "COURSE_RESULTS_FILE"
DIRECTIONS = ("higher", "lower")


def record(name: str, value, better: str = "higher", unit: str = ""):
    """Record ``value`` under ``name`` if this run collects results; return ``value`` unchanged.

    Parameters
    ----------
    name : what the number is, as a reader of a results table needs it ("test BLEU, greedy").
    value : a real number, or a one-element tensor or array.
    better : ``"higher"`` or ``"lower"``: which direction is an improvement.
    unit : shown beside the number ("%", "nats/char", "s"); empty for none.

    >>> record("dev accuracy", 0.84, better="higher")
    0.84
    """
    if better not in DIRECTIONS:
        raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")
    number = float(value.item() if hasattr(value, "item") else value)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a result needs a non-empty name, got {name!r}")
    if not isinstance(value, numbers.Real) and not hasattr(value, "item"):
        raise TypeError(f"a result is a real number, got {type(value).__name__}")
    path = os.environ.get(RESULTS_ENV)
    if path:
        entry = {"name": name, "value": number if math.isfinite(number) else None,
                 "better": better, "unit": unit}
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")
    return value


def record_claim(statement: str, value: float, op: str, threshold: float, margin: float,
                 holds: bool, mode: str) -> None:
    """Record one checked claim (``course_utils.claims.claim`` calls this) if this run collects results.

    The entry has ``"kind": "claim"``; the benchmark's margins table reads these, and the
    results tables leave them out.
    """
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    finite = lambda x: x if math.isfinite(x) else None  # noqa: E731
    entry = {"kind": "claim", "name": statement, "value": finite(value), "op": op,
             "threshold": finite(threshold), "margin": finite(margin), "holds": bool(holds), "mode": mode}
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


def record_cost(entry: dict) -> None:
    """Record one training run's counted work (``course_utils.costs.log`` calls this), ``"kind": "cost"``."""
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps({"kind": "cost", **entry}) + "\n")


def numbers_only(entries: list[dict]) -> list[dict]:
    """The recorded numbers among ``entries``, without the claims and costs (entries of another kind)."""
    return [e for e in entries if e.get("kind", "result") == "result"]


def costs_only(entries: list[dict]) -> list[dict]:
    """The training runs' counted work among ``entries`` (``course_utils.costs``)."""
    return [e for e in entries if e.get("kind") == "cost"]


def claims_only(entries: list[dict]) -> list[dict]:
    """The checked claims among ``entries``."""
    return [e for e in entries if e.get("kind") == "claim"]


def read(path) -> list[dict]:
    """The results recorded in ``path`` (one JSON object per line), in order; [] if none."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as file:
        return [json.loads(line) for line in file if line.strip()]
