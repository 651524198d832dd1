"""Slide metadata for the lecture notebooks, written from their structure, never by hand.

Each lecture notebook (``notebooks/NN_*.ipynb`` and its jupytext twin ``.py``) can be presented
as reveal.js slides: with ``jupyter nbconvert --to slides`` (what ``python -m tools.publishing.site`` builds)
or live in JupyterLab with RISE (``pip install jupyterlab-rise``). Both read each cell's
``slideshow.slide_type``. This tool writes it, from rules a maintainer can predict:

- the title cell, and every markdown cell with a ``## `` section heading, starts a **slide**;
- a markdown cell that opens with a ``### `` heading starts a **sub-slide** (below its section);
- a cell that would overflow the screen, counted in lines at a lecture hall's font size
  (:data:`SCREEN_LINES`, with a figure counted as :data:`FIGURE_LINES`), starts a sub-slide;
- a code cell that draws a figure, on a slide with room for it, appears as a **fragment**
  (the code first, then the figure on the next key press);
- every other cell continues the slide it is on (``-``);
- a **folded** cell is left out of the slides (``skip``): a markdown cell that is one
  ``<details>`` block (provenance, recipe choices, engineering, timing: what a student may skip),
  or a code cell tagged ``hide-cell`` / ``remove-cell``. A code cell tagged ``hide-input`` (code
  that only draws a figure or sets up) keeps its figure on the slide; the site's slide exporter
  drops its source (:func:`tools.publishing.site.slides`).

The same tags fold the cells in JupyterLab: this tool writes ``jupyter.source_hidden`` (and, for
``hide-cell``, ``jupyter.outputs_hidden``) from them, and the website renders them as closed
dropdowns (myst-nb reads the tags; ``<details>`` blocks are HTML).

A cell longer than a screen on its own stays one sub-slide; the slides scroll
(``--SlidesExporter.reveal_scroll=True``). Run it after any change to a notebook::

    python -m tools.publishing.slides            # write the metadata into every lecture notebook pair
    python -m tools.publishing.slides --check    # exit 1, naming each notebook whose metadata differs (CI)

Both files of each pair are written through jupytext, so the pair stays in sync.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import jupytext

from tools.publishing import pairs

ROOT = Path(__file__).resolve().parents[2]
SCREEN_LINES = 20  # what a 16:9 screen holds at a lecture hall's font size, heading included
FIGURE_LINES = 12  # a figure at the slides' width
LINE_WIDTH = 90  # characters of prose per line on a slide
_FIGURE = re.compile(r"\bplotting\.|\bplt\.|\bfig\b|\.imshow\(|\.plot\(|\bshow_\w+\(")
_PRINT = re.compile(r"\bprint\(|\bdisplay\(")
_DETAILS = re.compile(r"^<details\b.*</details>$", re.S | re.I)
FOLDED_TAGS = {"hide-cell", "remove-cell"}  # cells left out of the slides, collapsed in JupyterLab
HIDDEN_INPUT_TAGS = {"hide-input"}  # cells whose source is collapsed; their output stays


def lecture_notebooks(root: Path = ROOT) -> list[Path]:
    """The lecture notebooks 00-09 (their ``.ipynb`` halves), in course order."""
    return sorted((root / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def draws_figure(source: str) -> bool:
    """Whether a code cell draws a figure (calls the course's plotting or matplotlib).

    >>> draws_figure("fig = plotting.lstm_cell()")
    True
    >>> draws_figure("x = torch.zeros(3)")
    False
    """
    code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
    return bool(_FIGURE.search(code))


def folded(cell) -> bool:
    """Whether a cell is folded away from the reading path: a ``<details>`` block or a folding tag.

    >>> import nbformat
    >>> folded(nbformat.v4.new_markdown_cell("<details>\\n<summary>Why</summary>\\n\\nBecause.\\n\\n</details>"))
    True
    >>> folded(nbformat.v4.new_markdown_cell("## 1 · Title"))
    False
    """
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & FOLDED_TAGS:
        return True
    return cell.cell_type == "markdown" and bool(_DETAILS.match(cell.source.strip()))


def jupyter_view(cell) -> dict:
    """The ``jupyter`` cell metadata that collapses a folded cell in JupyterLab ({} for the others)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    if cell.cell_type != "code":
        return {}
    if tags & FOLDED_TAGS:
        return {"outputs_hidden": True, "source_hidden": True}
    if tags & HIDDEN_INPUT_TAGS:
        return {"source_hidden": True}
    return {}


def lines(cell) -> float:
    """How many screen lines a cell takes: wrapped prose, or code plus an estimate of its output.

    >>> import nbformat
    >>> lines(nbformat.v4.new_markdown_cell("## A title\\n\\nOne short line."))
    2.5
    >>> lines(nbformat.v4.new_code_cell("x = 1\\nprint(x)"))
    3
    """
    text = cell.source.strip("\n")
    if cell.cell_type != "code":
        return sum(math.ceil(len(line) / LINE_WIDTH) if line.strip() else 0.5 for line in text.split("\n"))
    count = len(text.split("\n")) if text else 0
    if draws_figure(text):
        count += FIGURE_LINES
    count += len(_PRINT.findall(text))
    last = text.split("\n")[-1] if text else ""
    shown = re.match(r"^[\w.\[\]()'\", ]+$", last) and "=" not in last and not _PRINT.match(last)
    if last and not last.startswith((" ", "#")) and shown:
        count += 2  # a bare expression at the end shows its value
    return count


def _heading(source: str) -> int:
    """The level of the first markdown heading that opens a cell or a section inside it (0: none)."""
    levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,3}) \S", source, re.M)]
    first = source.lstrip().split("\n", 1)[0]
    opening = re.match(r"^(#{1,3}) \S", first)
    if any(level <= 2 for level in levels):
        return min(levels)
    return len(opening.group(1)) if opening else 0


def slide_types(nb) -> list[str]:
    """The ``slideshow.slide_type`` of each cell of ``nb``, by the rules of this module."""
    types, used = [], 0.0
    for index, cell in enumerate(nb.cells):
        if index and folded(cell):
            types.append("skip")
            continue
        cost = lines(cell)
        level = _heading(cell.source) if cell.cell_type == "markdown" else 0
        if index == 0 or level in (1, 2):
            kind = "slide"
        elif level == 3 or used + cost > SCREEN_LINES:
            kind = "subslide"
        elif cell.cell_type == "code" and draws_figure(cell.source):
            kind = "fragment"
        else:
            kind = "-"
        used = cost if kind in ("slide", "subslide") else used + cost
        types.append(kind)
    return types


def with_slides(nb):
    """``nb`` with every cell's ``slideshow.slide_type`` and folding set (in place; also returned)."""
    for cell, kind in zip(nb.cells, slide_types(nb)):
        cell.metadata["slideshow"] = {"slide_type": kind}
        view = jupyter_view(cell)
        if view:
            cell.metadata["jupyter"] = view
        else:
            cell.metadata.pop("jupyter", None)
    return nb


def _pair(path: Path) -> tuple[Path, Path]:
    path = Path(path)
    return path.with_suffix(".ipynb"), path.with_suffix(".py")


def _cell_metadata(nb) -> list[dict]:
    return [dict(c.metadata.get("slideshow", {})) for c in nb.cells]


def write(path: Path) -> None:
    """Write the slide metadata into the pair of ``path`` (``.ipynb`` and ``.py``) via jupytext."""
    ipynb, script = _pair(path)
    nb = with_slides(jupytext.read(ipynb))
    jupytext.write(nb, ipynb)
    jupytext.write(nb, script, fmt="py:percent")


def stale(path: Path) -> list[str]:
    """What differs between the pair's slide metadata and what :func:`write` would write."""
    problems = []
    for half in _pair(path):
        if not half.exists():
            problems.append(f"{half} is missing")
            continue
        nb = jupytext.read(half)
        expected = slide_types(nb)
        found = [m.get("slide_type") for m in _cell_metadata(nb)]
        if found != expected:
            wrong = [i for i, (a, b) in enumerate(zip(found, expected)) if a != b]
            problems.append(f"{half}: slide metadata out of date (cells {wrong[:8] or 'count'})")
        unfolded = [i for i, c in enumerate(nb.cells) if c.metadata.get("jupyter", {}) != jupyter_view(c)]
        if unfolded:
            problems.append(f"{half}: folding metadata (jupyter.source_hidden) out of date (cells {unfolded[:8]})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publishing.slides", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks (default: the lecture notebooks 00-09)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any is out of date")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or lecture_notebooks()
    try:  # write() reads the .ipynb and rewrites the .py: an unsynced edit of the .py would be lost
        pairs.require_in_sync(paths, "python -m tools.publishing.slides")
    except pairs.OutOfSync as err:
        print(err, file=sys.stderr)
        return 1
    if args.check:
        problems = [p for path in paths for p in stale(path)]
        for problem in problems:
            print(problem)
        if problems:
            print("Rewrite with:  python -m tools.publishing.slides")
        return 1 if problems else 0
    for path in paths:
        write(path)
        print(_pair(path)[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
