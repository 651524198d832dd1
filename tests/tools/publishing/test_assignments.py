"""Student versions, built with nbgrader's preprocessors (the grader: test_grading*.py).

The slow part runs each assignment's student version in smoke mode up to its first stub.
"""

import ast
import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from course_utils import REPOSITORY
from tools.grading import grader
from tools.publishing import assignments

ROOT = Path(__file__).resolve().parents[3]
ASSIGNMENTS = sorted((ROOT / "notebooks" / "assignments").glob("*.py"))
SOURCES = assignments.default_sources()
SYNC_HINT = "Sync the pair with:  jupytext --sync {path}   (edit the .py, then sync)"
NAMES = [p.stem for p in ASSIGNMENTS]


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """Student versions of every lecture notebook and assignment, built once: {name: notebook}."""
    out = tmp_path_factory.mktemp("student")
    return {p.stem: nbformat.read(p, as_version=4) for p in assignments.build(SOURCES, out)}


def _regions(source: str, begin: str, end: str) -> list[str]:
    """The lines between each begin and end marker of a cell."""
    lines, inside, found = source.split("\n"), False, []
    for line in lines:
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line.strip())
    return found


def test_hints_come_from_the_hint_line_or_the_function():
    cell = ("def f(x):\n    # HINT: double it\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
            "def g(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
            "### BEGIN SOLUTION\ny = 1\n### END SOLUTION")
    assert assignments.hints(cell) == ["Exercise: double it", "Exercise: write the body of g()",
                                       "Exercise: write your solution here, in place of this line"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    out = assignments.student_notebook(nb).cells[0].source
    assert out.count("raise NotImplementedError") == 3 and "return 2 * x" not in out
    assert '    # HINT: double it\n    raise NotImplementedError("Exercise: double it")' in out
    ast.parse(out)


def test_unbalanced_markers_are_reported():
    for source, message in [("### BEGIN SOLUTION\nx = 1", "never closed"),
                            ("### END SOLUTION", "line 1: '### END SOLUTION' does not pair"),
                            ("### BEGIN HIDDEN TESTS\nassert 1", "never closed")]:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        with pytest.raises(ValueError, match=message):
            assignments.student_notebook(nb, "nb.ipynb")


def test_answer_cells_and_mark_schemes_are_replaced():
    answer = nbformat.v4.new_markdown_cell("The gradient vanishes because ...")
    answer.metadata["nbgrader"] = {"solution": True, "grade": True, "grade_id": "q", "points": 1}
    scheme = nbformat.v4.new_markdown_cell("Say why.\n=== BEGIN MARK SCHEME ===\nfull marks if\n"
                                           "=== END MARK SCHEME ===")
    scheme.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "s", "points": 1}
    out = assignments.student_notebook(nbformat.v4.new_notebook(cells=[answer, scheme])).cells
    assert out[0].source == assignments.TEXT_STUB
    assert out[1].source.strip() == "Say why."


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_student_versions_hide_solutions_hidden_tests_and_answers(path, student):
    source, nb = assignments.read_notebook(path), student[path.stem]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for text in code:
        ast.parse(text)  # every cell parses
    everything = "\n".join(c.source for c in nb.cells)
    for marker in (assignments.BEGIN, assignments.BEGIN_HIDDEN, "BEGIN MARK SCHEME"):
        assert marker not in everything
    source_code = "\n".join(c.source for c in source.cells if c.cell_type == "code")
    assert everything.count("raise NotImplementedError(\"Exercise") == source_code.count(assignments.BEGIN) >= 1
    # no line of a solution or of a hidden test survives, unless the source shows it elsewhere too
    hidden = set()
    for cell in source.cells:
        hidden |= set(_regions(cell.source, assignments.BEGIN, assignments.END))
        hidden |= set(_regions(cell.source, assignments.BEGIN_HIDDEN, assignments.END_HIDDEN))
    shown = set()
    for cell in source.cells:
        kept = nbformat.from_dict(json.loads(json.dumps(cell)))
        shown |= {l.strip() for l in assignments.student_notebook(
            nbformat.v4.new_notebook(cells=[kept])).cells[0].source.split("\n")}
    student_lines = {l.strip() for l in everything.split("\n")}
    leaked = {l for l in hidden - shown if len(l) > 3 and not l.startswith("#")} & student_lines
    assert not leaked, f"solution or hidden-test lines in the student version: {sorted(leaked)}"
    for cell, out in zip(source.cells, nb.cells):  # written answers
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            assert out.source == assignments.TEXT_STUB
        if cell.cell_type == "code":
            assert not out.outputs and out.execution_count is None
    badge = rf"https://colab\.research\.google\.com/github/{REPOSITORY}/blob/[^/]+/notebooks/student/{path.stem}\.ipynb\)"
    assert re.search(badge, nb.cells[0].source), "the student version's Colab badge must open the student version"


def test_committed_student_versions_are_up_to_date():
    problems = assignments.stale()
    assert not problems, ("\n".join(problems) + "\nRebuild them with:  python -m tools.publishing.assignments")


@pytest.mark.parametrize("script", ASSIGNMENTS, ids=lambda p: p.stem)
def test_assignment_pairs_follow_the_course_shape(script):
    ipynb = script.with_suffix(".ipynb")
    hint = SYNC_HINT.format(path=script.relative_to(ROOT))
    assert ipynb.exists(), f"{ipynb.name} is missing. {hint}"
    sources = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]  # noqa: E731
    assert sources(jupytext.read(script)) == sources(jupytext.read(ipynb)), f"{script.name} differs. {hint}"
    raw = json.loads(ipynb.read_text(encoding="utf-8"))
    assert not [c for c in raw["cells"] if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    nb = jupytext.read(script)
    badge = rf"https://colab\.research\.google\.com/github/{REPOSITORY}/blob/[^/]+/notebooks/assignments/{script.stem}\.ipynb\)"
    assert nb.cells[0].source.startswith("# ") and re.search(badge, nb.cells[0].source)
    assert re.search("learning goals", nb.cells[0].source, re.I)
    assert "config.setup(seed=0)" in next(c for c in nb.cells if c.cell_type == "code").source
    assert re.search(r"^## Summary", "\n".join(c.source for c in nb.cells), re.M)
    questions = grader.questions(nbformat.read(ipynb, as_version=4))
    assert len(questions) >= 3 and all(assignments.BEGIN_HIDDEN in q.source for q in questions)


@pytest.mark.parametrize("name", NAMES)
def test_student_version_fails_exactly_at_the_first_stub(name, student, tmp_path, monkeypatch):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("COURSE_MODE", "smoke")
    nb = student[name]
    first_stub = next(i for i, c in enumerate(nb.cells)
                      if c.cell_type == "code" and "raise NotImplementedError" in c.source)
    hint = assignments.hints(assignments.read_notebook(ROOT / "notebooks" / "assignments" / f"{name}.ipynb")
                             .cells[first_stub].source)[0]
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    failed = [i for i, c in enumerate(nb.cells)
              if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    check_cell = next(i for i in range(first_stub + 1, len(nb.cells)) if nb.cells[i].cell_type == "code")
    assert failed == [check_cell], f"expected the first error in cell {check_cell}, got {failed}"
    error = next(o for o in nb.cells[check_cell].outputs if o.output_type == "error")
    assert error.ename == "NotImplementedError" and error.evalue == hint, (error.ename, error.evalue)
    assert "NotImplementedError" in str(failure.value)


def test_student_twins_compare_cells_not_the_jupytext_release(tmp_path):
    """A newer jupytext writes its own version into the .py header; that alone is not stale."""
    committed = assignments.STUDENT_DIR / "A1_rnns_by_hand.py"
    text = committed.read_text(encoding="utf-8")
    newer = re.sub(r"jupytext_version: [0-9.]+", "jupytext_version: 99.0.0", text)
    assert newer != text
    assert assignments._script(newer) == assignments._script(text)
    assert assignments._script(text + "x = 1\n") != assignments._script(text)
