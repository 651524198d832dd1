"""Every submission gets its row, whatever its files hold: each metadata field of a real
submission mutated in turn (another type, nesting, size), and the class graded.

Fast: the kernel is replaced by one that runs nothing (every question scores 0), so this tests
reading, matching, restoring and writing rows; the grading of what runs is tested elsewhere.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tools.grading import grader, kernel, sandbox

ROOT = Path(__file__).resolve().parents[3]
STUDENT = ROOT / "notebooks" / "student" / "A1_rnns_by_hand.ipynb"
DEEP = "[" * 100_000 + "]" * 100_000  # nesting deeper than any parser's recursion
VALUES = [["a", "list"], {"nested": {"deeper": [1, {"x": None}]}}, 12, None, True, -1.5, "",
          "x" * 200_000, "DEEP"]


def _fields(nb: dict) -> list[tuple]:
    """The path of every metadata field: the notebook's, each cell's, each nbgrader entry."""
    paths = [("metadata",), ("nbformat",), ("nbformat_minor",), ("cells",)]
    paths += [("metadata", key) for key in nb["metadata"]]
    for i, cell in enumerate(nb["cells"]):
        paths += [("cells", i, key) for key in cell]
        paths += [("cells", i, "metadata", key) for key in cell.get("metadata", {})]
        paths += [("cells", i, "metadata", "nbgrader", key)
                  for key in cell.get("metadata", {}).get("nbgrader", {})]
    return paths


def _mutated(nb: dict, path: tuple, value) -> str:
    copy = json.loads(json.dumps(nb))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "@DEEP@" if value == "DEEP" else value
    return json.dumps(copy).replace('"@DEEP@"', DEEP)


@pytest.fixture
def no_kernel(monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: None)
    monkeypatch.setattr(kernel, "run", lambda *args, **kwargs: kernel.Run())


def test_each_mutated_metadata_field_gets_its_row(tmp_path, no_kernel):
    nb = json.loads(STUDENT.read_text(encoding="utf-8"))
    subs = tmp_path / "subs"
    made = []
    grade_ids = [p for p in _fields(nb) if p[-1] == "grade_id"]
    cases = [(p, VALUES[i % len(VALUES)]) for i, p in enumerate(_fields(nb))]
    cases += [(p, v) for p in grade_ids[:2] for v in VALUES]  # every kind where an id is expected
    for n, (path, value) in enumerate(cases):
        folder = subs / f"s{n:04d}"
        folder.mkdir(parents=True)
        (folder / "A1_rnns_by_hand.ipynb").write_text(_mutated(nb, path, value), encoding="utf-8")
        made.append(f"s{n:04d}")
    results = grader.grade_folder(subs, grader.SOURCES, tmp_path / "scores.csv",
                                   grader.Settings(), jobs=1)
    with open(tmp_path / "scores.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == made == sorted(r.student for r in results)
    assert all(r["max"] == "22" and r["total"] == "0" for r in rows)  # 16 autograded + 6 written
    assert {r["status"] for r in rows} <= {"ok", "unreadable", "refused"}, {r["status"] for r in rows}
    listed = {r["student"]: r for r in rows}
    for n, (path, value) in enumerate(cases):  # a grade_id of another type is no id: graded as the file says
        if path[-1] == "grade_id" and value != "DEEP":
            assert listed[f"s{n:04d}"]["status"] == "ok", (path, value, listed[f"s{n:04d}"])
