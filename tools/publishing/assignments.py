"""Student versions of the notebooks, built with nbgrader's preprocessors (no database needed).

The instructor's notebooks hold the solutions, marked as nbgrader marks them:

- code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (only a function's *body*: its
  signature and docstring stay visible). A comment line ``# HINT: ...`` right before the begin
  marker becomes the message of the stub that replaces the solution::

      def rnn_step(x_t, h_prev, params):
          \"\"\"One step ... (B, H).\"\"\"
          # HINT: one matrix product per input, then tanh
          raise NotImplementedError("Exercise: one matrix product per input, then tanh")

  Without a hint line the message names the function whose body is missing.
- hidden tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` (removed);
- written answers in markdown cells whose metadata says ``nbgrader.solution = true`` (replaced
  by a prompt), or between ``=== BEGIN MARK SCHEME ===`` / ``=== END MARK SCHEME ===`` (removed).

``build`` runs nbgrader's ``ClearSolutions``, ``ClearHiddenTests`` and ``ClearMarkScheme`` and
nbconvert's ``ClearOutputPreprocessor`` over each notebook, points its Colab badge at the
student copy and writes it::

    python -m tools.publishing.assignments                 # every notebook -> notebooks/student/
    python -m tools.publishing.assignments --check         # fail if notebooks/student/ is out of date

nbgrader is an instructor-only dependency: ``pip install -e ".[instructor]"``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import jupytext
import nbformat

from tools.publishing import pairs

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
STUDENT_DIR = NOTEBOOKS / "student"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HINT = "# HINT:"
TEXT_STUB = "*Your answer here (a few sentences; replace this line).*"
STUDENT_NOTE = ("*Student version: each exercise raises `NotImplementedError` until you write its "
                "body; run the check cell after it to see PASS or what is wrong.*")
_PLACEHOLDER = "__COURSE_HINT__"
_BADGE = re.compile(r"(https://colab\.research\.google\.com/github/[^/\s)]+/[^/\s)]+/blob/[^/\s)]+/)"
                    r"[^\s)]*?([^/\s)]+\.ipynb)")


def default_sources() -> list[Path]:
    """The lecture notebooks ``notebooks/NN_*.ipynb`` and the assignments ``notebooks/assignments/``."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb")) + sorted((NOTEBOOKS / "assignments").glob("*.ipynb"))


def hints(source: str) -> list[str]:
    """The stub message for each solution region of a code cell, in order.

    >>> hints("def f(x):\\n    # HINT: double it\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION")
    ['Exercise: double it']
    >>> hints("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION")
    ['Exercise: write the body of f()']
    """
    lines, found = source.split("\n"), []
    for i, line in enumerate(lines):
        if BEGIN not in line:
            continue
        before = [l.strip() for l in lines[:i] if l.strip()]
        if before and before[-1].startswith(HINT):
            found.append("Exercise: " + before[-1][len(HINT):].strip())
            continue
        indent = len(line) - len(line.lstrip())
        defs = [re.match(r"\s*(?:async\s+)?def\s+(\w+)", l) for l in lines[:i]
                if len(l) - len(l.lstrip()) < indent]
        names = [m.group(1) for m in defs if m]
        found.append(f"Exercise: write the body of {names[-1]}()"
                     if names else "Exercise: write your solution here, in place of this line")
    return found


def _preprocessors():
    """nbgrader's and nbconvert's preprocessors, configured for use without nbgrader's database."""
    from nbconvert.preprocessors import ClearOutputPreprocessor
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearSolutions

    stub = f"raise NotImplementedError({_PLACEHOLDER})"
    return [ClearSolutions(code_stub={"python": stub}, text_stub=TEXT_STUB, enforce_metadata=False),
            ClearHiddenTests(enforce_metadata=False),
            ClearMarkScheme(enforce_metadata=False),
            ClearOutputPreprocessor()]


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """A notebook from ``.ipynb`` or from a jupytext ``.py`` (its paired ``.ipynb`` when present)."""
    path = Path(path)
    if path.suffix == ".py" and path.with_suffix(".ipynb").exists():
        path = path.with_suffix(".ipynb")
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    import jupytext

    return jupytext.read(path)


def _check_markers(nb, name: str) -> None:
    for index, cell in enumerate(nb.cells):
        for begin, end in [(BEGIN, END), (BEGIN_HIDDEN, END_HIDDEN)]:
            depth = 0
            for number, line in enumerate(cell.source.split("\n"), start=1):
                depth += (begin in line) - (end in line)
                if depth not in (0, 1):
                    raise ValueError(f"{name}, cell {index}, line {number}: '{line.strip()}' does not "
                                     f"pair with a '{begin}' / '{end}' (nested or unopened)")
            if depth:
                raise ValueError(f"{name}, cell {index}: '{begin}' is never closed by '{end}'")


def student_notebook(nb: nbformat.NotebookNode, name: str = "notebook",
                     target: str = "notebooks/student") -> nbformat.NotebookNode:
    """The student version of ``nb``: solutions stubbed, hidden tests, answers and outputs removed.

    ``target`` is the folder, relative to the repository, the copy is published in: the Colab
    badge is pointed there.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy
    _check_markers(nb, name)
    stubs = [hints(c.source) if c.cell_type == "code" else [] for c in nb.cells]
    resources = {}
    for preprocessor in _preprocessors():
        nb, resources = preprocessor.preprocess(nb, resources)
    for index, (cell, messages) in enumerate(zip(nb.cells, stubs)):
        for message in messages:
            cell.source = cell.source.replace(_PLACEHOLDER, json.dumps(message), 1)
        # a cell marked as a solution in its metadata, without markers, is replaced whole
        cell.source = cell.source.replace(_PLACEHOLDER, json.dumps(hints(BEGIN)[0]))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.setdefault("id", f"cell-{index}")
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.cell_type == "markdown" and _BADGE.search(first.source):
        first.source = _BADGE.sub(lambda m: f"{m.group(1)}{target}/{m.group(2)}", first.source, count=1)
        badge_end = first.source.index(")", _BADGE.search(first.source).end()) + 1
        first.source = f"{first.source[:badge_end]}\n\n{STUDENT_NOTE}{first.source[badge_end:]}"
    return nb


def build(sources: list[Path] | None = None, out_dir: Path = STUDENT_DIR) -> list[Path]:
    """Write the student version of every notebook in ``sources`` to ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        target = out_dir.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # outside the repository: the badge keeps the published folder
        target = STUDENT_DIR.relative_to(ROOT).as_posix()
    written = []
    for path in sources or default_sources():
        path = Path(path)
        nb = student_notebook(read_notebook(path), path.name, target)
        destination = out_dir / f"{path.stem}.ipynb"
        nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
        nbformat.write(nb, destination)
        jupytext.write(nb, destination.with_suffix(".py"), fmt="py:percent")  # the text twin to review
        written.append(destination)
    return written


def stale(sources: list[Path] | None = None, out_dir: Path = STUDENT_DIR) -> list[str]:
    """Student notebooks in ``out_dir`` that differ from a fresh build (or are missing)."""
    import tempfile

    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build(sources, Path(tmp))
        problems = []
        for path in fresh:
            committed = out_dir / path.name
            if not committed.exists():
                problems.append(f"{committed} is missing")
            elif _cells(committed) != _cells(path):
                problems.append(f"{committed} is out of date")
            twin = committed.with_suffix(".py")
            source = path.with_suffix(".py").read_text(encoding="utf-8")
            if not twin.exists() or _script(twin.read_text(encoding="utf-8")) != _script(source):
                problems.append(f"{twin} is missing or out of date")
    return problems


_TOOL_VERSION = re.compile(r"^#\s+(jupytext_version|format_version):.*$", re.M)


def _script(text: str) -> str:
    """A .py twin's text without the lines that name the jupytext release that wrote it.

    Those lines change with every jupytext release (1.19.6 and 1.19.7 write the same cells);
    what a student meets, the cells and their code, is everything else.

    >>> _script("#       jupytext_version: 1.19.7\\nx = 1\\n") == _script("#       jupytext_version: 1.19.6\\nx = 1\\n")
    True
    """
    return _TOOL_VERSION.sub("", text)


def _cells(path: Path) -> list[tuple]:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells]


def _expand(arguments: list[str]) -> list[Path]:
    paths = []
    for argument in arguments:
        path = Path(argument)
        paths += sorted(path.glob("*.ipynb")) if path.is_dir() else [path]
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publishing.assignments",
                                     description="Build the student versions of the notebooks.")
    parser.add_argument("sources", nargs="*", help="notebooks or folders (default: notebooks/NN_*.ipynb "
                                                   "and notebooks/assignments/*.ipynb)")
    parser.add_argument("--out", default=str(STUDENT_DIR), help="output folder (default notebooks/student)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the output folder is out of date")
    args = parser.parse_args(argv)
    sources = _expand(args.sources) or None
    try:
        pairs.require_in_sync(sources or default_sources(), "python -m tools.publishing.assignments")
    except pairs.OutOfSync as err:
        print(err, file=sys.stderr)
        return 1
    if args.check:
        problems = stale(sources, Path(args.out))
        for problem in problems:
            print(problem)
        if problems:
            print("Rebuild with:  python -m tools.publishing.assignments")
        return 1 if problems else 0
    for path in build(sources, Path(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
