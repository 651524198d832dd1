"""The student release: the course as students see it, in a folder to publish on its own.

The instructor's repository holds the solutions, the hidden tests and the model answers
(``notebooks/``, ``notebooks/assignments/``), like nbgrader's ``source/``; the students' repository
holds only what ``release`` writes, like nbgrader's ``release/``::

    python -m tools.publishing.release ../course-student     # for the repository course.toml names, tag v<version>

Where it is published comes from one place, :mod:`tools.publishing.target` (``course.toml`` and the package
version), never from a command-line flag, so a second run cannot silently name another
repository. What it writes:

- ``notebooks/``: the student version of every lecture notebook and assignment (built fresh
  with ``tools.publishing.assignments``: stubs for solutions, no hidden test, answer or output), whose Colab
  badge and install cell point at the student repository and tag;
- ``course_utils/`` (its ``REPOSITORY`` set to the student repository), a student
  ``pyproject.toml`` (the package and its ``lab`` extra; no instructor extra, no test
  configuration), ``LICENSE``, ``environment.yml`` and ``data/README.md``;
- ``README.md``, a guide for students, and a ``.gitignore`` for what the notebooks write
  (downloaded datasets, caches, checkpoints);
- ``.course-release.json``: the repository, the tag and the list of files written.

It **updates in place**: the files it wrote last time (that list) are replaced or, when a new
release no longer has them, removed; ``.git`` and every other file it did not write stay. The
release is first written to a temporary folder and checked there, so a refused release leaves
the folder as it was. ``leaks`` checks for solution, hidden-test and mark-scheme markers,
instructor paths and tools, and the instructor's repository name; ``release`` refuses while it
finds any. The instructor's guide (``instructor/``: model answers and marking rubrics) is never
written, and ``leaks`` also refuses any file under ``instructor/`` and any text holding
:data:`GUIDE_MARKER`, the line every guide file starts with.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import nbformat

from course_utils import REPOSITORY
from tools.publishing import assignments, colab, pairs, target

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ".course-release.json"
FILES = ("LICENSE", "data/README.md")
MARKERS = (assignments.BEGIN, assignments.END, assignments.BEGIN_HIDDEN, assignments.END_HIDDEN,
           "BEGIN MARK SCHEME", "notebooks/assignments", "notebooks/student")
INSTRUCTOR_TOOLS = ("python -m tools.", "tests/test_", ".[instructor]", ".[dev]", ".[site]")
"""What students are never told to run or read: checked everywhere but in the package's docstrings,
which name the tests and tools that hold it (for whoever maintains it)."""
GUIDE_DIR = "instructor"
"""The instructor's guide (model answers, marking rubrics): never part of the release."""
GUIDE_MARKER = "<!-- instructor-only -->"
"""The first line of every file of the guide; a release holding it anywhere is refused."""
STUDENT_EXTRAS = ("lab",)
STUDENT_TABLES = ("build-system", "project", "project.optional-dependencies", "tool.setuptools",
                  "tool.setuptools.dynamic")

GITIGNORE = """\
# what running the notebooks writes: keep it out of your commits
/data/*
!/data/README.md
*.pt
*.ckpt
checkpoints/
__pycache__/
*.egg-info/
.ipynb_checkpoints/
.venv/
"""

README = """\
# {title} (student edition)

The lecture notebooks and graded assignments of the course, and the package `course_utils` they
import. Course page: <https://github.com/{repository}> (tag `{tag}`).

## On Colab

Open a notebook in `notebooks/` on GitHub and press its *Open in Colab* badge. **Before you
start, use *File → Save a copy in Drive***: the notebook Colab opens from GitHub is not saved
anywhere, and your work in it is lost when the tab closes. The first code cell installs the
course package (this repository at tag `{tag}`); for a GPU, use *Runtime → Change runtime
type → GPU*. Hand in an assignment as its `.ipynb` file (*File → Download → Download .ipynb*).

## On your machine

Python {python} is required. From a clone of this repository:

```bash
# 0. no NVIDIA GPU (most laptops)? Take PyTorch's CPU build first; otherwise step 1 would
#    download the multi-GB CUDA build. With an NVIDIA GPU, skip this line.
pip install torch --index-url https://download.pytorch.org/whl/cpu

# 1. the package, JupyterLab and its kernel; then open the notebooks
pip install -e ".[lab]"
jupyter lab notebooks/
```

With conda instead: `conda env create -f environment.yml && conda activate rnn-course` (PyTorch's
CPU build; see the file's comments for a GPU). A lecture notebook runs in about a minute on a
laptop CPU and the applications (07-09) in about three; `COURSE_MODE=smoke` gives a quick pass.

## Exercises and assignments

Exercises raise `NotImplementedError("Exercise: <hint>")` until you write their body; the check
cell after each one prints `PASS` or says what is wrong. The assignments
(`notebooks/A1_*.ipynb`, `notebooks/A2_*.ipynb`) are graded by running them again with further,
hidden tests: keep the function names and the cells, and hand in the `.ipynb` file.

Datasets download on first use into `data/` (or `~/.cache/rnn-course` on Colab) and are checked
against their SHA-256 (`data/README.md`); `.gitignore` keeps them out of your commits. Code: MIT
licence (`LICENSE`).
"""


def release(out: Path, where: target.Target | None = None) -> list[Path]:
    """Write the student release for ``where`` (default: :func:`tools.publishing.target.load`) to ``out``.

    Updates ``out`` in place (see the module's documentation) and returns the files written.
    """
    out, where = Path(out), where or target.load()
    if out.resolve().is_relative_to(ROOT.resolve()):
        raise ValueError(f"{out} is inside the instructor's repository; write the release outside it")
    earlier = _earlier(out, where)
    pairs.require_in_sync(assignments.default_sources(), "python -m tools.publishing.release")
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        _write(staging, where)
        problems = leaks(staging)
        if problems:
            raise RuntimeError("the release would leak instructor material:\n" + "\n".join(problems))
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        _install(staging, out, written, earlier)
    manifest = {"repository": where.repository, "tag": where.tag, "files": written}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return [out / name for name in written]


def _earlier(out: Path, where: target.Target) -> list[str]:
    """The files the release wrote to ``out`` last time; refuses a folder of something else."""
    if not out.exists() or not any(out.iterdir()):
        return []
    manifest = out / MANIFEST
    if manifest.exists():
        earlier = json.loads(manifest.read_text(encoding="utf-8"))
        if earlier.get("repository") != where.repository:
            raise ValueError(f"{out} holds the release of {earlier.get('repository')}, but course.toml names "
                             f"{where.repository}: fix course.toml, or release to another folder")
        return list(earlier.get("files", []))
    if (out / "course_utils").is_dir():  # a release written before the manifest existed
        return []
    if not [p for p in out.iterdir() if p.name != ".git"]:  # a fresh clone of an empty repository
        return []
    raise FileExistsError(f"{out} is not empty and holds no earlier release ({MANIFEST}); choose an empty "
                          f"folder or a clone of the student repository")


def _install(staging: Path, out: Path, written: list[str], earlier: list[str]) -> None:
    """Replace in ``out`` the files of the earlier release with those in ``staging``; keep the rest."""
    for name in sorted(set(earlier) - set(written)):
        path = out / name
        if path.resolve().is_relative_to(out.resolve()) and path.is_file():
            path.unlink()
            _prune(path.parent, out)
    for name in written:
        destination = out / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(staging / name, destination)


def _prune(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to ``top`` while they are empty."""
    while (folder != top and folder.resolve().is_relative_to(top.resolve()) and folder.is_dir()
           and not any(folder.iterdir())):
        folder.rmdir()
        folder = folder.parent


def _write(out: Path, where: target.Target) -> None:
    """Every file of the release, written to the empty folder ``out``."""
    (out / "notebooks").mkdir(parents=True)
    _notebooks(out / "notebooks", where)
    shutil.copytree(ROOT / "course_utils", out / "course_utils",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    init = out / "course_utils" / "__init__.py"
    init.write_text(student_init(init.read_text(encoding="utf-8"), where.repository), encoding="utf-8")
    for name in FILES:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, out / name)
    for extra in sorted((ROOT / "notebooks").glob("*.json")):  # data tables the notebooks read
        shutil.copy2(extra, out / "notebooks" / extra.name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (out / "pyproject.toml").write_text(student_pyproject(pyproject), encoding="utf-8")
    environment = (ROOT / "environment.yml").read_text(encoding="utf-8")
    (out / "environment.yml").write_text(environment.replace("-e .[dev]", "-e .[lab]"), encoding="utf-8")
    title = re.search(r"^# (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.MULTILINE)
    python = tomllib.loads(pyproject)["project"]["requires-python"].replace(">=", "") + " or newer"
    (out / "README.md").write_text(README.format(title=title.group(1) if title else "Course", python=python,
                                                 repository=where.repository, tag=where.tag), encoding="utf-8")
    (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")


def student_init(text: str, repository: str) -> str:
    """``course_utils/__init__.py`` with ``REPOSITORY`` set to the student repository.

    >>> student_init('REPOSITORY = "a/b"\\n', "myuni/rnn-course")
    'REPOSITORY = "myuni/rnn-course"\\n'
    """
    new, count = re.subn(r'^REPOSITORY = "[^"]*"', f'REPOSITORY = "{repository}"', text, flags=re.M)
    if count != 1:
        raise ValueError('course_utils/__init__.py must set REPOSITORY = "owner/name" on one line of its own')
    return new


def student_pyproject(text: str) -> str:
    """The instructor's ``pyproject.toml`` cut to what a student installs.

    Keeps the tables in :data:`STUDENT_TABLES` and the extras in :data:`STUDENT_EXTRAS` (each with
    the comment lines just above it); drops the instructor, site and test extras and every tool's
    configuration (pytest, ruff, jupytext).
    """
    kept, table, block = [], None, []
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\[([^\]]+)\]\s*$", line)
        if header:
            table, block = header.group(1), []
        if table not in STUDENT_TABLES:
            continue
        if table == "project.optional-dependencies" and not header:
            block.append(line)
            if line.startswith("#") or not line.strip() or not _entry_done(block):
                continue
            name = next(b for b in block if not b.startswith("#")).split("=")[0].strip()
            if name in STUDENT_EXTRAS:
                kept += block
            block = []
            continue
        kept.append(line)
    result = re.sub(r"([^\n])\n\[", r"\1\n\n[", "".join(kept))  # a blank line before each table
    result = re.sub(r"\n{3,}", "\n\n", result).rstrip() + "\n"
    parsed = tomllib.loads(result)
    extras = set(parsed["project"].get("optional-dependencies", {}))
    if extras != set(STUDENT_EXTRAS) or "tool" in parsed and set(parsed["tool"]) != {"setuptools"}:
        raise ValueError(f"the student pyproject.toml came out with extras {sorted(extras)}; expected "
                         f"{list(STUDENT_EXTRAS)}: keep each extra in pyproject.toml as `name = [...]`")
    return result


def _entry_done(block: list[str]) -> bool:
    """Whether ``block`` (comment lines, then ``name = [``...) holds a whole ``name = [...]`` entry."""
    code = "".join(line.split("#", 1)[0] for line in block if not line.startswith("#"))
    return "=" in code and code.count("[") == code.count("]")


def _notebooks(out: Path, where: target.Target) -> None:
    """The student version of every notebook, its badge and install cell on the student repository."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in assignments.build(assignments.default_sources(), Path(tmp)):
            nb = nbformat.read(path, as_version=4)
            badge = colab.badge(f"notebooks/{path.name}", where.repository, where.tag)
            install = colab.install_code(where.repository, where.tag)
            for cell in nb.cells:
                cell.source = colab._BADGE.sub(lambda _, text=badge: text, cell.source)
                cell.source = colab._INSTALL.sub(lambda _, text=install: text, cell.source)
            nb.metadata.get("jupytext", {}).pop("formats", None)  # no .py twin in the release
            nbformat.write(nb, out / path.name)


def leaks(folder: Path, instructor: str = REPOSITORY) -> list[str]:
    """Files in ``folder`` that hold a solution, hidden-test or mark-scheme marker, an instructor path
    or tool, or the name of the instructor's repository ``instructor``; every file under
    :data:`GUIDE_DIR` and every file holding :data:`GUIDE_MARKER` (the instructor's guide)."""
    named = re.compile(re.escape(instructor) + r"(?![\w.-])")
    problems = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        if path.relative_to(folder).parts[0] == GUIDE_DIR:
            problems.append(f"{path.relative_to(folder)}: the instructor's guide ({GUIDE_DIR}/)")
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if GUIDE_MARKER in text:
            problems.append(f"{path.relative_to(folder)}: the instructor's guide marker {GUIDE_MARKER!r}")
        if path.suffix not in (".ipynb", ".py", ".md", ".toml", ".yml", ".json", ""):
            continue
        markers = MARKERS if path.relative_to(folder).parts[0] == "course_utils" else MARKERS + INSTRUCTOR_TOOLS
        problems += [f"{path.relative_to(folder)}: {m!r}" for m in markers if m in text]
        if named.search(text):
            problems.append(f"{path.relative_to(folder)}: the instructor's repository {instructor!r}")
    return problems


def _retagging(out: Path, tag: str) -> bool:
    """Whether ``out`` is a git repository that already has ``tag`` and now holds uncommitted changes."""
    if not (out / ".git").exists() or not shutil.which("git"):
        return False
    found = subprocess.run(["git", "-C", str(out), "tag", "--list", tag], capture_output=True, text=True)
    changed = subprocess.run(["git", "-C", str(out), "status", "--porcelain"], capture_output=True, text=True)
    return bool(found.stdout.strip()) and bool(changed.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.publishing.release", description=__doc__.split("\n")[0],
        epilog="The student repository is course.toml's [students] repository; the tag is v + "
               "course_utils.__version__ (python -m tools.publishing.target shows both).")
    parser.add_argument("out", help="folder to write the release to (outside this repository): empty, "
                                    "a clone of the student repository, or an earlier release")
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        where = target.load()
        written = release(out, where)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"release refused: {err}", file=sys.stderr)
        return 1
    print(f"{len(written)} files written to {out}; publish it as {where.repository} and tag it {where.tag}")
    if _retagging(out, where.tag):
        print(f"note: {out} already has the tag {where.tag}, which students' links open: to publish these "
              f"changes, bump __version__ in course_utils/__init__.py and release again", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
