import ast
import doctest
from pathlib import Path

import pytest

from course_utils import assignments

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_doctests():
    assert doctest.testmod(assignments).failed == 0


def test_unbalanced_markers_are_reported():
    with pytest.raises(ValueError, match="never closed"):
        assignments.strip_solutions("### BEGIN SOLUTION\nx = 1")
    with pytest.raises(ValueError, match="line 1: ### END SOLUTION without"):
        assignments.strip_solutions("### END SOLUTION")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_versions_parse_and_hide_every_solution(path, tmp_path):
    (target,) = [t for t in assignments.main(str(path.parent), str(tmp_path)) if t.name == path.name]
    nb = assignments.student_notebook(path)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for source in code:
        ast.parse(source)  # every stub still parses
    stubs = sum(s.count("NotImplementedError(\"Exercise") for s in code)
    assert stubs == path.with_suffix(".py").read_text().count(assignments.BEGIN) >= 1
    assert assignments.BEGIN not in target.read_text()
