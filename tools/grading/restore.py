"""The notebook that is graded: a submission with the instructor's test cells put back.

nbgrader's ``OverwriteCells`` and ``DeduplicateIds`` without its database. Every *test cell* of
the instructor's notebook (``{"grade": true, "solution": false}`` in its ``nbgrader`` metadata)
comes back exactly as the instructor wrote it (source, metadata, tags), wherever the student
moved, edited, retagged, duplicated or deleted it:

- the student's copies of a test cell (any cell that carries its ``grade_id``) are removed;
- each test cell is re-inserted after the last student cell that carries the id of an
  instructor cell that precedes it (its exercise, normally), and never before the test cell
  before it, so a deleted cell comes back where it belongs; with no such cell at all (every id
  removed), the test cells go at the end, in order;
- a solution id used by several cells is kept on the first; the others keep their code as
  plain cells (only their metadata goes).

The student's own code cells all stay, in their order. ``flags`` reads those cells for the
instructor: what they use that an honest answer does not need.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import nbformat


@dataclass
class Question:
    """One autograded question: its id, its points and the instructor's test cell."""

    grade_id: str
    points: float
    source: str


def nbgrader_meta(cell) -> dict:
    """A cell's ``nbgrader`` metadata, or ``{}`` (also when it is malformed)."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    found = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return found if isinstance(found, dict) else {}


def _grade_id(cell) -> str | None:
    grade_id = nbgrader_meta(cell).get("grade_id")
    return grade_id if isinstance(grade_id, str) else None


def is_test_cell(cell) -> bool:
    """An autograded check: a code cell marked ``grade`` and not ``solution``."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def questions(nb) -> list[Question]:
    """The autograded questions of an instructor's notebook, in order (test cells, not answers)."""
    found = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        meta = nbgrader_meta(cell)
        if "grade_id" not in meta or "points" not in meta:
            raise ValueError(f"a grade cell needs a grade_id and points in its nbgrader metadata, "
                             f"got {meta} in the cell starting {cell.source[:60]!r}")
        found.append(Question(meta["grade_id"], float(meta["points"]), cell.source))
    return found


@dataclass
class Written:
    """One written question: a markdown answer cell marked by hand, its points and its prompt."""

    grade_id: str
    points: float
    prompt: str  # the markdown cell just above the answer cell (the question's text)
    model: str  # the instructor's answer (the answer cell of the instructor's notebook)


def is_written_cell(cell) -> bool:
    """A written answer: a markdown cell marked ``solution`` and ``grade`` (read by hand)."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution"))


def written(nb) -> list[Written]:
    """The written questions of an instructor's notebook, in order, with their points and prompt."""
    found = []
    for index, cell in enumerate(nb.cells):
        if not is_written_cell(cell):
            continue
        meta = nbgrader_meta(cell)
        if not isinstance(meta.get("grade_id"), str) or "points" not in meta:
            raise ValueError(f"a written answer cell needs a grade_id and points in its nbgrader "
                             f"metadata, got {meta} in the cell starting {cell.source[:60]!r}")
        prompt = nb.cells[index - 1].source if index and nb.cells[index - 1].cell_type == "markdown" else ""
        found.append(Written(meta["grade_id"], float(meta["points"]), prompt, cell.source))
    return found


def answer(submission, grade_id: str) -> str | None:
    """The student's answer to a written question: the first markdown cell carrying its id.

    ``None`` when no cell carries it (the student deleted the cell or its metadata).
    """
    for cell in submission.cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown" and _grade_id(cell) == grade_id:
            source = cell.get("source", "")
            return "".join(map(str, source)) if isinstance(source, list) else str(source)
    return None


def restore(submission, source) -> tuple[nbformat.NotebookNode, dict[str, int]]:
    """The graded notebook: the student's cells with ``source``'s test cells put back.

    Returns the notebook (a new one; neither argument changes) and the index of each
    question's test cell in it.

    >>> src = nbformat.v4.new_notebook(cells=[_cell("x = 1", "ex", solution=True),
    ...                                       _cell("assert x == 1", "q", points=1)])
    >>> sub = nbformat.v4.new_notebook(cells=[_cell("x = 1", "ex", solution=True)])
    >>> nb, where = restore(sub, src)
    >>> [c.source for c in nb.cells], where
    (['x = 1', 'assert x == 1'], {'q': 1})
    """
    tests = [c for c in source.cells if is_test_cell(c)]
    test_ids = {_grade_id(c) for c in tests}
    cells, seen = [], set()
    for cell in submission.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        grade_id = _grade_id(cell)
        if grade_id in test_ids:
            continue  # the student's copy of a test cell: the instructor's comes back below
        cell = _plain(cell)
        if grade_id is not None and grade_id in seen:
            cell.metadata.pop("nbgrader", None)  # a duplicate id keeps its code, not its id
        elif grade_id is not None:
            seen.add(grade_id)
        cells.append(cell)
    return _insert_tests(cells, source, tests)


def _plain(cell) -> nbformat.NotebookNode:
    """A clean copy of a student's cell: its type, source and metadata, no outputs."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    kind = cell["cell_type"]
    maker = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
             "raw": nbformat.v4.new_raw_cell}[kind]
    return maker(source, metadata=copy.deepcopy(metadata))


def _insert_tests(cells: list, source, tests: list) -> tuple[nbformat.NotebookNode, dict[str, int]]:
    order = [_grade_id(c) for c in source.cells]  # instructor ids, in the instructor's order
    floor = -1  # a test cell never goes before the test cell before it
    placed = []
    for test in tests:
        before = set(order[:source.cells.index(test)]) - {None}
        anchors = [i for i, c in enumerate(cells) if _grade_id(c) in before]
        at = max([floor, *anchors]) + 1 if anchors or floor >= 0 else len(cells)  # no anchor: at the end
        cells.insert(at, nbformat.from_dict(copy.deepcopy(test)))
        cells[at].outputs, cells[at].execution_count = [], None
        placed = [p + 1 if p >= at else p for p in placed] + [at]
        floor = at
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source.metadata))
    return nb, {_grade_id(t): at for t, at in zip(tests, placed)}


def _cell(source: str, grade_id: str, solution: bool = False, points: float = 0):
    """A code cell with nbgrader metadata (for examples and tests)."""
    meta = {"grade": not solution, "solution": solution, "grade_id": grade_id, "locked": not solution}
    if not solution:
        meta["points"] = points
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


# What an honest answer does not need, for the instructor to read (never an automatic zero).
FLAGS = {
    "reference implementation": r"\bbptt\b|course_utils\s*\.\s*(cells|bptt|backward|attention|decoding|seq2seq)"
                                r"|\bcells\s*\.\s*(RNN|LSTM|GRU)"
                                r"|\bimport\b[^\n]*\b(cells|bptt|backward|attention|decoding|seq2seq)\b"
                                r"|\bcopy_from_torch\b|\bmake_cell\b|\bDotAttention\b|\bmasked_softmax\b"
                                r"|\bbackward\s*\.\s*(rnn_|lstm_|softmax_|sample\b)|\bchecks\s*\.\s*references\b",
    "checks module": r"\bchecks\b|\bCheckFailed\b",
    "get_ipython": r"\bget_ipython\b|\bIPython\b|\bipykernel\b|^\s*[%!]",
    "exception handling": r"\bexcepthook\b|\bset_custom_exc\b|\bcustom_exceptions\b"
                          r"|\b(NotImplementedError|AssertionError|Exception|BaseException)\s*=(?!=)"
                          r"|\bclass\s+(NotImplementedError|AssertionError|CheckFailed)\b"
                          r"|\bexcept\s*(BaseException\b|:)",
    "dynamic code": r"\b(exec|eval|compile|__import__|globals|setattr|getattr|delattr|vars)\s*\("
                    r"|\bimportlib\b|\bbuiltins\b|\b__builtins__\b|\b__\w+__\b(?<!__init__)"
                    r"(?<!__name__)",
    "system access": r"\bimport\s+(os|sys|subprocess|signal|ctypes|socket|shutil|threading"
                     r"|multiprocessing|gc|inspect|atexit|pathlib)\b"
                     r"|\bfrom\s+(os|sys|subprocess|signal|ctypes|socket|shutil|gc|inspect|pathlib)\b"
                     r"|\bopen\s*\(",
}


def flags(graded, source) -> list[str]:
    """What the student's code cells use that an honest answer does not need, by kind.

    A student cell is read when it is not one of the instructor's cells unchanged (the setup
    cell imports the checks module; that is not a flag).
    """
    given = {c.source for c in source.cells if c.cell_type == "code"}
    code = "\n".join(c.source for c in graded.cells
                     if c.cell_type == "code" and c.source not in given)
    return [name for name, pattern in FLAGS.items() if re.search(pattern, code, re.MULTILINE)]
