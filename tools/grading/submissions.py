"""Find the submissions in a folder, read them defensively, and say which can be graded.

Every ``*.ipynb`` under the folder is a submission; the student is the name of its first folder
below it (``submissions/ada/A1_rnns_by_hand.ipynb``) or, for a file directly inside it, the
file's name. Nothing here runs student code. Each submission ends up either ready to grade (its
assignment known, its notebook parsed) or with a ``status`` and ``reason`` that go in its row:

- ``unreadable``: not UTF-8 JSON in the notebook format, or too large (a byte-order mark is fine);
- ``refused``: a symbolic link (file or folder; never followed), a second submission of the
  same assignment by the same student (every copy is refused: the instructor decides), or a
  notebook that is not one of the assignments (its name and its cells disagree, or neither
  matches one).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools.grading.restore import nbgrader_meta

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Submission:
    """One submitted file: who, which assignment, its notebook, or why it is not graded."""

    path: Path
    student: str
    name: str = ""  # the path relative to the submissions folder, for the CSV
    assignment: str = "?"
    notebook: nbformat.NotebookNode | None = None
    status: str = ""  # "" when it can be graded
    reason: str = ""


def find(root: Path, sources: dict) -> list[Submission]:
    """Every submission under ``root``, in path order, with its assignment or its problem."""
    root = Path(root)
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints" and not d.startswith("."))
        for name in list(dirs):
            if os.path.islink(os.path.join(folder, name)):
                path = Path(folder, name)
                found.append(Submission(path, _student(path, root), status="refused",
                                        reason="a symbolic link to a folder (not followed)"))
                dirs.remove(name)
        for name in sorted(files):
            if name.endswith(".ipynb"):
                found.append(_read_safely(Path(folder, name), root, sources))
    _refuse_duplicates(found)
    for sub in found:
        sub.name = sub.path.relative_to(root).as_posix()
    return sorted(found, key=lambda s: s.name)


def _student(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else Path(parts[0]).stem


def _read_safely(path: Path, root: Path, sources: dict) -> Submission:
    """``_read``, and whatever it raises becomes this submission's ``unreadable`` row."""
    try:
        return _read(path, root, sources)
    except Exception as error:  # noqa: BLE001 - one file never stops the class
        sub = Submission(path, _student(path, root))
        sub.status, sub.reason = "unreadable", _short(f"{type(error).__name__}: {error}")
        return sub


def _read(path: Path, root: Path, sources: dict) -> Submission:
    sub = Submission(path, _student(path, root))
    if path.stem in sources:
        sub.assignment = path.stem
    if path.is_symlink():
        sub.status, sub.reason = "refused", "a symbolic link (not followed)"
        return sub
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        nb = nbformat.reads(raw.decode("utf-8-sig"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise TypeError("no list of cells")
    except (OSError, ValueError, TypeError, KeyError, AttributeError, json.JSONDecodeError) as error:
        sub.status, sub.reason = "unreadable", _short(f"{type(error).__name__}: {error}")
        return sub
    except Exception as error:  # noqa: BLE001 - nbformat's validators raise many kinds
        sub.status, sub.reason = "unreadable", _short(f"{type(error).__name__}: {error}")
        return sub
    sub.notebook = nb
    _match(sub, sources)
    return sub


def _match(sub: Submission, sources: dict) -> None:
    """The assignment a notebook belongs to, from its cells' ids and its file name."""
    ids = {_text_id(c) for c in sub.notebook.cells}
    overlap = {name: len(ids & {_text_id(c) for c in nb.cells} - {None})
               for name, nb in sources.items()}
    best = max(overlap, key=overlap.get) if overlap else None
    named = sub.path.stem if sub.path.stem in sources else None
    if best is not None and overlap[best] > 0:
        if named is not None and named != best:
            sub.status, sub.reason = "refused", f"wrong assignment: named {named} but holds {best}'s cells"
        sub.assignment = best if named is None else named
    elif named is None:
        sub.status = "refused"
        sub.reason = f"wrong assignment: neither its name nor its cells match one of {sorted(sources)}"


def _text_id(cell) -> str | None:
    """A cell's ``grade_id`` when it is a string; anything else (a list, a number) is no id."""
    grade_id = nbgrader_meta(cell).get("grade_id") if isinstance(cell, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _refuse_duplicates(found: list[Submission]) -> None:
    groups: dict[tuple, list[Submission]] = {}
    for sub in found:
        if sub.assignment != "?" and sub.status != "refused":
            groups.setdefault((sub.student, sub.assignment), []).append(sub)
    for (student, assignment), subs in groups.items():
        if len(subs) > 1:
            names = ", ".join("/".join(s.path.parts[-2:]) for s in subs)
            for sub in subs:
                sub.status = "refused"
                sub.reason = f"duplicate: {student} handed in {assignment} {len(subs)} times ({names}); keep one"


def _short(text: str, most: int = 200) -> str:
    return text if len(text) <= most else text[:most] + "..."
