"""The student release: the course as students see it, in a folder to publish on its own.

The instructor's repository holds the solutions, the hidden tests and the model answers
(``notebooks/``, ``notebooks/assignments/``), like nbgrader's ``source/``; the students' repository
holds only what ``release`` writes, like nbgrader's ``release/``::

    python -m tools.release ../course-student --repository owner/course-student --release v0.2.0

- ``notebooks/``: the student version of every lecture notebook and assignment (built fresh
  with ``tools.assignments``: stubs for solutions, no hidden test, answer or output), whose Colab
  badge and install cell point at the student repository and tag;
- ``course_utils/``, ``pyproject.toml``, ``LICENSE``, ``environment.yml`` and ``data/README.md``:
  the package the notebooks import and how to install it;
- ``README.md``: a short guide for students.

Nothing else: no instructor notebook, no ``tools/``, no tests. ``leaks`` checks the folder for
solution, hidden-test and mark-scheme markers and instructor paths; ``release`` refuses to finish
while it finds any.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from course_utils import RELEASE, REPOSITORY
from tools import assignments, colab

ROOT = Path(__file__).resolve().parents[1]
STUDENT_REPOSITORY = f"{REPOSITORY}-student"  # the default; pass --repository for yours
FILES = ("pyproject.toml", "LICENSE", "data/README.md")
MARKERS = (assignments.BEGIN, assignments.END, assignments.BEGIN_HIDDEN, assignments.END_HIDDEN,
           "BEGIN MARK SCHEME", "notebooks/assignments", "notebooks/student")

README = """# {title} (student edition)

The lecture notebooks and graded assignments of the course, and the package `course_utils` they
import. Open a notebook on Colab with its badge, or run it on your machine:

```bash
pip install -e ".[lab]"        # the package, JupyterLab and its kernel
jupyter lab notebooks/
```

Each notebook runs small on a laptop CPU (`COURSE_MODE=smoke` for a quick pass) and larger on a
GPU. Exercises raise `NotImplementedError("Exercise: <hint>")` until you write their body; the
check cell after each one prints `PASS` or says what is wrong. The assignments
(`notebooks/A1_*.ipynb`, `notebooks/A2_*.ipynb`) are graded by running them again with further,
hidden tests: keep the function names and the cells, and hand in the `.ipynb` file.

Datasets download on first use into a cache and are checked against their SHA-256
(`data/README.md`). Code: MIT licence (`LICENSE`).
"""


def release(out: Path, repository: str = STUDENT_REPOSITORY, tag: str = RELEASE) -> list[Path]:
    """Write the student release to ``out`` (emptied first); return the files written."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "course_utils").is_dir():
        raise FileExistsError(f"{out} is not empty and holds no earlier release; choose an empty folder")
    if _inside(out, ROOT):
        raise ValueError(f"{out} is inside the instructor's repository; write the release outside it")
    if out.exists():
        shutil.rmtree(out)
    (out / "notebooks").mkdir(parents=True)
    _notebooks(out / "notebooks", repository, tag)
    shutil.copytree(ROOT / "course_utils", out / "course_utils",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in FILES:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, out / name)
    for extra in sorted((ROOT / "notebooks").glob("*.json")):  # data tables the notebooks read
        shutil.copy2(extra, out / "notebooks" / extra.name)
    environment = (ROOT / "environment.yml").read_text(encoding="utf-8")
    (out / "environment.yml").write_text(environment.replace("-e .[dev]", "-e .[lab]"), encoding="utf-8")
    title = re.search(r"^# (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.MULTILINE)
    (out / "README.md").write_text(README.format(title=title.group(1) if title else "Course"), encoding="utf-8")
    problems = leaks(out)
    if problems:
        raise RuntimeError("the release would leak instructor material:\n" + "\n".join(problems))
    return sorted(p for p in out.rglob("*") if p.is_file())


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _notebooks(out: Path, repository: str, tag: str) -> None:
    """The student version of every notebook, its badge and install cell on the student repository."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in assignments.build(assignments.default_sources(), Path(tmp)):
            nb = nbformat.read(path, as_version=4)
            badge = colab.badge(f"notebooks/{path.name}", repository, tag)
            install = colab.install_code(repository, tag)
            for cell in nb.cells:
                cell.source = colab._BADGE.sub(lambda _, text=badge: text, cell.source)
                cell.source = colab._INSTALL.sub(lambda _, text=install: text, cell.source)
            nb.metadata.get("jupytext", {}).pop("formats", None)  # no .py twin in the release
            nbformat.write(nb, out / path.name)


def leaks(folder: Path) -> list[str]:
    """Files in ``folder`` that hold a solution, hidden-test or mark-scheme marker or an instructor path."""
    problems = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file() or path.suffix not in (".ipynb", ".py", ".md", ".toml", ".yml", ".json"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [f"{path.relative_to(folder)}: {m!r}" for m in MARKERS if m in text]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__.split("\n")[0])
    parser.add_argument("out", help="folder to write the release to (outside this repository)")
    parser.add_argument("--repository", default=STUDENT_REPOSITORY,
                        help=f"GitHub owner/name the release is published as (default {STUDENT_REPOSITORY})")
    parser.add_argument("--release", default=RELEASE, help=f"the tag the badges open (default {RELEASE})")
    args = parser.parse_args(argv)
    written = release(Path(args.out), args.repository, args.release)
    print(f"{len(written)} files written to {args.out}; publish it as {args.repository} and tag it {args.release}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
