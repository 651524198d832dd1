"""Student versions of the notebooks: worked solutions replaced by stubs.

Each exercise's solution sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the
nbgrader convention). ``strip_solutions`` replaces every such block with a
``raise NotImplementedError`` at the same indentation, so the stub still parses and the check
cell that follows fails with a clear message until the student writes a solution::

    python -m course_utils.assignments notebooks/ student/
"""

from __future__ import annotations

import sys
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = 'raise NotImplementedError("Exercise: replace this line with your solution")'


def strip_solutions(source: str) -> str:
    """Replace each marked solution block in ``source`` with a stub at the block's indentation.

    >>> print(strip_solutions("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION"))
    def f(x):
        raise NotImplementedError("Exercise: replace this line with your solution")
    """
    out, inside = [], False
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"line {number}: {BEGIN} inside another solution block")
            inside = True
            out.append(line[:len(line) - len(line.lstrip())] + STUB)
        elif marker == END:
            if not inside:
                raise ValueError(f"line {number}: {END} without a {BEGIN} before it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} is never closed by {END}")
    return "\n".join(out)


def student_notebook(path: Path):
    """The notebook at ``path`` (.ipynb or paired .py) with its solutions stripped and no outputs."""
    import jupytext

    nb = jupytext.read(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs, cell.execution_count = [], None
    return nb


def main(source_dir: str, target_dir: str) -> list[Path]:
    """Write the student version of every ``NN_topic.ipynb`` in ``source_dir`` to ``target_dir``."""
    import jupytext

    written = []
    Path(target_dir).mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(source_dir).glob("[0-9][0-9]_*.ipynb")):
        target = Path(target_dir) / path.name
        jupytext.write(student_notebook(path), target)
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m course_utils.assignments NOTEBOOK_DIR OUTPUT_DIR")
    for p in main(sys.argv[1], sys.argv[2]):
        print(p)
