"""State a lecture claim as the sentence it checks, and let the run decide it.

    from course_utils.claims import claim
    claim("the LSTM recalls the first of 50 symbols (accuracy)", acc_lstm, ">", 0.9)
    claim("ReLU alone stays near chance at T = 20 (accuracy)", acc_relu, "<", 0.3)

``claim`` compares a measured ``value`` with a ``threshold``, prints one line that reads as the
claim with its numbers and its **margin** (how far the value is on the right side of the
threshold), records value, threshold and margin for the benchmark (``course_utils.results``),
and then, depending on the size mode:

- ``class``: stops the notebook with :class:`ClaimNotSupported` when the run does not support
  the claim. Every claim's threshold was checked over several seeds and two CPU kernel paths
  (RESULTS.md, "Claims and their margins"): a training run on another machine follows another
  trajectory, as another seed would, and the margin says how much room the claim has.
- ``smoke``: prints and records only; the models are too small to support any claim.
- ``full``: asserts only the claims marked ``verified_full=True`` (checked at full scale);
  for the others it prints the numbers and a line saying the claim is not yet verified at
  full scale, instead of stopping a student's notebook.

The margin is ``value - threshold`` for ``>`` and ``>=``, ``threshold - value`` for ``<`` and
``<=``: positive when the claim holds.
"""

from __future__ import annotations

import math
import numbers
import operator

from . import config, results

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


class ClaimNotSupported(AssertionError):
    """A run measured a value on the wrong side of a claim's threshold."""


def margin(value: float, op: str, threshold: float) -> float:
    """How far ``value`` is on the claim's side of ``threshold`` (negative: the claim fails).

    >>> margin(0.95, ">", 0.9)
    0.04999999999999993
    >>> margin(0.4, "<", 0.3)
    -0.10000000000000003
    """
    _check_op(op)
    return value - threshold if op.startswith(">") else threshold - value


def _check_op(op) -> None:
    if op not in OPS:
        raise ValueError(f"a claim compares with one of {list(OPS)}, got {op!r}: "
                         f'write e.g. claim("...", value, ">", 0.9)')


def _number(value, what: str) -> float:
    """A float from a Python number, a NumPy scalar or a one-element tensor or array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    if hasattr(value, "item") and not isinstance(value, numbers.Real):
        if getattr(value, "size", 1) not in (1, None) and getattr(value, "numel", lambda: 1)() != 1:
            raise TypeError(f"a claim's {what} is one number; got an array of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"a claim's {what} is a real number, got {type(value).__name__} ({value!r})")
    return float(value)


def _mode(mode: str | None) -> str:
    if mode is not None:
        return config.get_mode(mode)
    active = config.active()
    return active.mode if active is not None else config.get_mode()


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.4g}"


def claim(statement: str, value, op: str, threshold, *, verified_full: bool = False,
          mode: str | None = None) -> float:
    """Check that ``value op threshold`` holds, say so in one line, record it; return the margin.

    Parameters
    ----------
    statement : the claim as a sentence a student reads ("the LSTM recalls the first of 50
        symbols (accuracy)"); also its name in the margins table.
    value : what this run measured: a number, a NumPy scalar or a one-element tensor.
    op : ``">"``, ``">="``, ``"<"`` or ``"<="``.
    threshold : the number the claim is measured against.
    verified_full : the claim was checked at full scale, so full mode asserts it too.
    mode : the size mode; default the one ``config.setup`` chose (else ``$COURSE_MODE``).

    Raises :class:`ClaimNotSupported` (an ``AssertionError``) in class mode, and in full mode
    when ``verified_full``, if the value is on the wrong side; a NaN value never holds.

    >>> claim("two is more than one", 2, ">", 1, mode="class")
    ✔ two is more than one: 2 > 1 (margin 1)
    1.0
    """
    if not isinstance(statement, str) or not statement.strip():
        raise ValueError(f"a claim needs its sentence, got {statement!r}")
    _check_op(op)
    value, threshold = _number(value, "value"), _number(threshold, "threshold")
    room = margin(value, op, threshold)
    holds = not math.isnan(value) and OPS[op](value, threshold)
    mode = _mode(mode)
    results.record_claim(statement, value, op, threshold, room, holds, mode)
    numbers_ = f"{_fmt(value)} {op} {_fmt(threshold)} (margin {_fmt(room)})"
    enforced = mode == "class" or (mode == "full" and verified_full)
    if holds:
        print(f"✔ {statement}: {numbers_}")
    elif enforced:
        raise ClaimNotSupported(
            f"this run does not support the claim {statement!r}: it measured {_fmt(value)}, and the "
            f"claim needs {op} {_fmt(threshold)} (margin {_fmt(room)}). Mode {mode}. A claim's "
            f"threshold leaves room for other seeds and CPUs (RESULTS.md lists the worst margins "
            f"measured); if it fails again with another COURSE_SEED, the claim or the experiment "
            f"needs changing, not the threshold alone.")
    elif mode == "smoke":
        print(f"· {statement}: {numbers_} (smoke mode: not checked)")
    else:
        print(f"✘ {statement}: {numbers_}")
    if mode == "full" and not verified_full:
        print("  (full mode: this claim is not yet verified at full scale; the numbers above are "
              "what this run measured, not a check)")
    return room
