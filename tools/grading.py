"""Grade a folder of submitted notebooks with the hidden tests: one score per student and question.

    python -m tools.grading submissions/ scores.csv

Every ``*.ipynb`` under ``submissions/`` is a submission; the student is the name of its first
folder below ``submissions/`` (``submissions/ada/A1_rnns_by_hand.ipynb``) or, for a file directly
inside it, the file's name. Its assignment is the instructor's notebook (in
``notebooks/assignments/`` unless ``--source`` says otherwise) that shares its question ids.

Grading follows nbgrader's autograder without its database. Each question is one *test cell*
of the instructor's notebook, marked in its metadata as nbgrader marks it
(``{"grade": true, "grade_id": "a1_rnn_step", "points": 2}``). In the submission every test cell
is overwritten by the instructor's version, which holds the hidden tests as well as the visible
checks (a student cannot edit a test into passing); the notebook is run top to bottom with
``nbclient`` in a process of its own, with a time limit per cell and per notebook, errors
allowed; a question scores its points if its test cell ran without an error, else 0. A broken,
endless or crashing notebook scores what it scored before it broke and never stops the others.

Written answers (markdown answer cells) are read by hand; they are not scored here.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebooks" / "assignments"


@dataclass
class Question:
    """One autograded question: its id, its points and the instructor's test cell."""

    grade_id: str
    points: float
    source: str


@dataclass
class Result:
    """The grade of one submission: points per question, and what went wrong where."""

    student: str
    assignment: str
    scores: dict[str, float]
    max_points: dict[str, float]
    status: str = "ok"
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def questions(nb) -> list[Question]:
    """The autograded questions of an instructor's notebook, in order (test cells, not answers)."""
    found = []
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            if "grade_id" not in meta or "points" not in meta:
                raise ValueError(f"a grade cell needs a grade_id and points in its nbgrader metadata, "
                                 f"got {meta} in the cell starting {cell.source[:60]!r}")
            found.append(Question(meta["grade_id"], float(meta["points"]), cell.source))
    return found


def load_sources(source: Path = SOURCES) -> dict[str, nbformat.NotebookNode]:
    """The instructor's notebooks: ``source`` itself or every ``*.ipynb`` in it, by name."""
    source = Path(source)
    paths = sorted(source.glob("*.ipynb")) if source.is_dir() else [source]
    if not paths:
        raise FileNotFoundError(f"no instructor notebooks (*.ipynb) found in {source}")
    return {p.stem: nbformat.read(p, as_version=4) for p in paths}


def match_assignment(submission, sources: dict) -> str:
    """The name of the instructor's notebook that shares most question ids with ``submission``."""
    ids = {_meta(c).get("grade_id") for c in submission.cells} - {None}
    overlap = {name: len(ids & {q.grade_id for q in questions(nb)}) for name, nb in sources.items()}
    best = max(overlap, key=overlap.get)
    if overlap[best] == 0:
        raise ValueError(f"the submission has none of the question ids of {sorted(sources)}: "
                         f"was its cell metadata removed? (found ids {sorted(ids)})")
    return best


def prepare(submission, source) -> tuple[nbformat.NotebookNode, dict[str, int]]:
    """Restore the instructor's test cells in ``submission``; return it and each question's cell."""
    by_id = {q.grade_id: q for q in questions(source)}
    cells = {}
    for index, cell in enumerate(submission.cells):
        grade_id = _meta(cell).get("grade_id")
        if grade_id in by_id and cell.cell_type == "code":
            cell.source = by_id[grade_id].source  # the hidden tests come back
            cells[grade_id] = index
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return submission, cells


def execute(nb, workdir: Path, cell_timeout: float, total_timeout: float) -> dict[int, str]:
    """Run ``nb`` in place with nbclient; return the status of each code cell it reached.

    A status is ``"ok"``, the name of the exception a cell raised, or ``"timeout"``. After a
    cell timeout the kernel is interrupted and the next cell runs; past ``total_timeout`` nothing
    more runs.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(workdir)}})
    status, deadline = {}, time.monotonic() + total_timeout
    with client.setup_kernel():
        client.reset_execution_trackers()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                break
            client.timeout = int(min(cell_timeout, remaining))
            start = time.monotonic()
            try:
                client.execute_cell(cell, index, execution_count=index)
            except DeadKernelError:
                status[index] = "kernel died"
                break
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            if time.monotonic() - start >= client.timeout:
                status[index] = "timeout"
            else:
                status[index] = errors[0].get("ename", "error") if errors else "ok"
    return status


def grade_one(submission_path: Path, source_path: Path, mode: str = "smoke",
              cell_timeout: float = 300, total_timeout: float = 900) -> dict:
    """Grade one submission in this process: {question: [points, max_points, status]}."""
    source = nbformat.read(source_path, as_version=4)
    submission, cells = prepare(nbformat.read(submission_path, as_version=4), source)
    os.environ["COURSE_MODE"] = mode  # the kernel inherits it
    with tempfile.TemporaryDirectory() as workdir:
        status = execute(submission, Path(workdir), cell_timeout, total_timeout)
    graded = {}
    for q in questions(source):
        index = cells.get(q.grade_id)
        state = "cell missing" if index is None else status.get(index, "not run")
        graded[q.grade_id] = [q.points if state == "ok" else 0.0, q.points, state]
    return graded


def _student(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else path.stem


def grade_folder(submissions: Path, source: Path = SOURCES, mode: str = "smoke",
                 cell_timeout: float = 300, total_timeout: float = 900, jobs: int = 1) -> list[Result]:
    """Grade every ``*.ipynb`` under ``submissions``, each in a child process of its own.

    ``jobs`` submissions are graded at the same time (one kernel each).
    """
    from concurrent.futures import ThreadPoolExecutor

    submissions = Path(submissions)
    sources = load_sources(source)
    paths = sorted(p for p in submissions.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not paths:
        raise FileNotFoundError(f"no submitted notebooks (*.ipynb) found under {submissions}")

    def grade(path: Path) -> Result:
        return _grade_path(path, _student(path, submissions), sources, Path(source), mode,
                           cell_timeout, total_timeout)

    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        return list(pool.map(grade, paths))


def _grade_path(path: Path, student: str, sources: dict, source: Path, mode: str,
                cell_timeout: float, total_timeout: float) -> Result:
    """Grade one submission in a child process; a crash or a timeout there is reported, not raised."""
    try:
        name = match_assignment(nbformat.read(path, as_version=4), sources)
    except Exception as error:  # unreadable, or not one of the assignments
        return Result(student, "?", {}, {}, status=f"not graded: {error}")
    qs = questions(sources[name])
    result = Result(student, name, {q.grade_id: 0.0 for q in qs}, {q.grade_id: q.points for q in qs})
    source_path = source / f"{name}.ipynb" if source.is_dir() else source
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "grades.json"
        command = [sys.executable, "-m", "tools.grading", "--one", str(path),
                   str(source_path), str(report), "--mode", mode,
                   "--cell-timeout", str(cell_timeout), "--timeout", str(total_timeout)]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=total_timeout + 120,
                                 cwd=ROOT)  # tools/ is found from the checkout
            if run.returncode != 0 or not report.exists():
                result.status = f"grader failed: {run.stderr.strip().splitlines()[-1:]}"
            else:
                for grade_id, (points, _, state) in json.loads(report.read_text()).items():
                    result.scores[grade_id] = points
                    if state != "ok":
                        result.failed[grade_id] = state
        except subprocess.TimeoutExpired:
            result.status = "timeout"
    if "timeout" in result.failed.values():
        result.status = "timeout"
    return result


def write_csv(results: list[Result], path: Path) -> list[str]:
    """One row per student and assignment, one column per question; returns the header."""
    columns = []
    for r in results:
        columns += [q for q in r.max_points if q not in columns]
    header = ["student", "assignment", *columns, "total", "max", "status", "failed"]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for r in results:
            writer.writerow([r.student, r.assignment,
                             *[_fmt(r.scores[q]) if q in r.scores else "" for q in columns],
                             _fmt(r.total), _fmt(sum(r.max_points.values())), r.status,
                             "; ".join(f"{q}: {s}" for q, s in r.failed.items())])
    return header


def _fmt(x: float) -> str:
    return f"{x:g}"


def table(results: list[Result]) -> str:
    """The scores as a Markdown table, for the terminal and the README."""
    columns = []
    for r in results:
        columns += [q for q in r.max_points if q not in columns]
    lines = ["| student | assignment | " + " | ".join(columns) + " | total |",
             "|---" * (len(columns) + 3) + "|"]
    for r in results:
        cells = [_fmt(r.scores[q]) + "/" + _fmt(r.max_points[q]) if q in r.scores else ""
                 for q in columns]
        lines.append(f"| {r.student} | {r.assignment} | " + " | ".join(cells)
                     + f" | {_fmt(r.total)}/{_fmt(sum(r.max_points.values()))} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grading",
                                     description="Grade submitted notebooks with the hidden tests.")
    parser.add_argument("submissions", help="folder of submitted notebooks")
    parser.add_argument("scores", help="CSV file to write")
    parser.add_argument("--source", default=str(SOURCES),
                        help="instructor notebook or folder (default notebooks/assignments)")
    parser.add_argument("--mode", default="smoke", choices=["smoke", "class", "full"],
                        help="COURSE_MODE to run the submissions in (default smoke: the tests "
                             "check code, not training results)")
    parser.add_argument("--cell-timeout", type=float, default=300, help="seconds per cell")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per notebook")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("report", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # python -m tools.grading --one SUBMISSION SOURCE REPORT
        graded = grade_one(Path(args.submissions), Path(args.scores), args.mode,
                           args.cell_timeout, args.timeout)
        Path(args.report).write_text(json.dumps(graded))
        return 0
    results = grade_folder(Path(args.submissions), Path(args.source), args.mode,
                           args.cell_timeout, args.timeout, args.jobs)
    write_csv(results, Path(args.scores))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
