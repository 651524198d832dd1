"""Words of markdown on each notebook's reading path: what a student reads without opening a fold.

    python -m tools.publishing.words                 # every lecture notebook, with the budget
    python -m tools.publishing.words notebooks/05_lstm.ipynb

Counted: markdown cells that are not folded (:func:`tools.publishing.slides.folded`), with any
``<details>`` block inside a cell removed; a formula (``$...$`` or ``$$...$$``) counts as one
word. A lecture is one class of 60-75 minutes at about :data:`BUDGET` words.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext

from tools.publishing import slides

BUDGET = 2500  # words of markdown on a lecture's reading path
_DETAILS = re.compile(r"<details.*?</details>", re.S | re.I)
_FORMULA = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def words(source: str) -> int:
    """Words in one markdown cell's text, a formula counted as one word.

    >>> words("The state $h_t = \\\\tanh(a_t)$ carries the past.")
    6
    >>> words("Prose. <details><summary>Why</summary>Long story.</details>")
    1
    """
    text = _FORMULA.sub(" x ", _DETAILS.sub(" ", source))
    return len(_WORD.findall(text))


def reading_path(path: Path) -> int:
    """Words of markdown on the reading path of the notebook at ``path``."""
    nb = jupytext.read(path)
    return sum(words(c.source) for c in nb.cells if c.cell_type == "markdown" and not slides.folded(c))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publishing.words", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks (default: the lecture notebooks)")
    args = parser.parse_args(argv)
    for path in [Path(p) for p in args.notebooks] or slides.lecture_notebooks():
        count = reading_path(path)
        over = f"  (over the budget of about {BUDGET})" if count > BUDGET else ""
        print(f"{count:5d}  {path.stem}{over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
