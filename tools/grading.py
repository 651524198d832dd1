"""Grade a folder of submitted notebooks: one row per submission, marks decided outside the kernel.

    python -m tools.grading submissions/ scores.csv [--jobs 2]

Grading follows nbgrader's autograder without its database, and trusts nothing a submission
holds or does:

1. ``tools.submissions`` finds every ``*.ipynb`` under ``submissions/`` and reads it
   defensively; a symbolic link, a duplicate, a notebook of no assignment or an unreadable file
   gets its row with a ``status`` and ``reason`` and is not run.
2. ``tools.restore`` puts every instructor test cell back where it belongs, to mark when each
   question is judged.
3. ``tools.kernel`` runs the student's code cells one by one in a fresh kernel inside a
   ``tools.sandbox`` (bubblewrap: no network, own PID namespace, read-only system, writable only
   size-capped in-memory folders, resource limits; no instructor notebook, other submission or
   score is visible). In place of each test cell it sends the judging cell of ``tools.judge``:
   the question's inputs (``tools.specs``, drawn from a secret seed) go in as data, the student's
   outputs come back as data, and the grader compares them, here, with references computed by
   the course's tested implementations. Nothing else the kernel says decides a mark.
4. Each row is written to the CSV as soon as its submission is graded; points reached before a
   timeout or a dead kernel are kept. ``flags`` lists what the student's cells use that an honest
   answer does not need (the course's reference implementations, the checks module,
   ``get_ipython``, exception handling, dynamic code, system access), for the instructor to read.

Without bubblewrap the grader refuses to run unless given ``--unsandboxed``; the CSV then says
so in its ``sandbox`` column. Written answers (markdown answer cells) are read by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools import judge, kernel, restore, sandbox, specs, submissions
from tools.restore import Question, questions  # noqa: F401 - the public names of the grader

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebooks" / "assignments"


@dataclass
class Result:
    """The grade of one submission: points per question, and what went wrong where."""

    student: str
    assignment: str
    scores: dict[str, float]
    max_points: dict[str, float]
    status: str = "ok"  # ok, timeout, kernel died, unreadable, refused, error
    reason: str = ""
    failed: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    sandbox: str = "bwrap"
    path: str = ""

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def load_sources(source: Path = SOURCES) -> dict[str, nbformat.NotebookNode]:
    """The instructor's notebooks: ``source`` itself or every ``*.ipynb`` in it, by name."""
    source = Path(source)
    paths = sorted(source.glob("*.ipynb")) if source.is_dir() else [source]
    if not paths:
        raise FileNotFoundError(f"no instructor notebooks (*.ipynb) found in {source}")
    return {p.stem: nbformat.read(p, as_version=4) for p in paths}


@dataclass
class Settings:
    """How each submission is run."""

    mode: str = "smoke"
    cell_timeout: float = 300
    total_timeout: float = 900
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    sandboxed: bool = True
    specs: dict | None = None  # {assignment: {grade_id: Spec}}; default: tools/specs/<assignment>.py


def grade(sub: submissions.Submission, source, settings: Settings) -> Result:
    """Grade one submission; whatever it does, a ``Result`` comes back (never an exception)."""
    qs = questions(source) if source is not None else []
    result = Result(sub.student, sub.assignment, {q.grade_id: 0.0 for q in qs},
                    {q.grade_id: q.points for q in qs}, path=sub.name,
                    sandbox="bwrap" if settings.sandboxed else "none (--unsandboxed)")
    if sub.status:
        result.status, result.reason = sub.status, sub.reason
        return result
    folder = sandbox.workdir()
    try:
        declared = (settings.specs or {}).get(sub.assignment) or specs.load(sub.assignment)
        graded, where = restore.restore(sub.notebook, source)
        result.flags = restore.flags(graded, source)
        tasks = {where[q.grade_id]: judge.task(declared[q.grade_id]) for q in qs if q.grade_id in declared}
        run = kernel.run(graded, {i: (t.code, t.expressions) for i, t in tasks.items()}, folder,
                         settings.mode, settings.cell_timeout, settings.total_timeout, settings.limits,
                         settings.sandboxed)
        for q in qs:
            index = where[q.grade_id]
            verdict = _decide(tasks.get(index), run, index)
            if verdict:
                result.failed[q.grade_id] = verdict
            else:
                result.scores[q.grade_id] = q.points
        result.status, result.reason = run.status, run.reason
    except Exception as error:  # noqa: BLE001 - confined to this submission's row
        result.status, result.reason = "error", f"the grader failed on it: {type(error).__name__}: {error}"[:300]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def _decide(task: judge.Task | None, run: kernel.Run, index: int) -> str:
    """``""`` when the question scores, else why not: judged here, from the arrays only."""
    if task is None:
        return "no declared spec (tools/specs)"
    verdict = run.verdicts.get(index, "not run")
    if not run.replies.get(index) and verdict != "ok":
        return verdict  # not run, timeout, kernel died, or the judge's cell failed as a whole
    passed, why = task.decide(run.replies[index])
    return "" if passed else why


class ScoreSheet:
    """The CSV, one row per submission, each written (and flushed) as soon as it is graded."""

    def __init__(self, path: Path, sources: dict):
        self.columns = [q.grade_id for nb in sources.values() for q in questions(nb)]
        self.header = ["student", "assignment", *self.columns, "total", "max", "status", "reason",
                       "failed", "flags", "sandbox", "file"]
        self.lock = threading.Lock()
        self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - open while grading
        self.writer = csv.writer(self.file)
        self.writer.writerow(self.header)
        self.file.flush()

    def write(self, r: Result) -> None:
        row = [r.student, r.assignment, *[_fmt(r.scores[q]) if q in r.scores else "" for q in self.columns],
               _fmt(r.total), _fmt(sum(r.max_points.values())), r.status, r.reason,
               "; ".join(f"{q}: {s}" for q, s in r.failed.items()), "; ".join(r.flags), r.sandbox, r.path]
        with self.lock:
            self.writer.writerow(row)
            self.file.flush()
            os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()


def grade_folder(submitted: Path, source: Path = SOURCES, scores: Path | None = None,
                 settings: Settings | None = None, jobs: int = 1) -> list[Result]:
    """Grade every submission under ``submitted``, ``jobs`` sandboxes at a time; one row each.

    Rows go to ``scores`` (a CSV) as they are graded, when given. Where bubblewrap cannot run,
    raises ``RuntimeError`` unless ``settings.sandboxed`` is false (``--unsandboxed``); where it
    can, every kernel is sandboxed whatever the setting.
    """
    settings = settings or Settings()
    missing = sandbox.available()
    if missing and settings.sandboxed:
        raise RuntimeError(f"no sandbox: {missing}. Install bubblewrap, or pass --unsandboxed "
                           "to run student code with the grader's own rights (not recommended)")
    settings.sandboxed = missing is None  # --unsandboxed only matters where bwrap is missing
    sources = load_sources(source)
    found = submissions.find(Path(submitted), sources)
    sheet = ScoreSheet(scores, sources) if scores is not None else None

    def one(sub: submissions.Submission) -> Result:
        result = grade(sub, sources.get(sub.assignment), settings)
        if sheet is not None:
            sheet.write(result)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
            return list(pool.map(one, found))
    finally:
        if sheet is not None:
            sheet.close()


def _fmt(x: float) -> str:
    return f"{x:g}"


def table(results: list[Result]) -> str:
    """The scores as a Markdown table, for the terminal and the README."""
    columns = []
    for r in results:
        columns += [q for q in r.max_points if q not in columns]
    lines = ["| student | assignment | " + " | ".join(columns) + " | total | status | flags |",
             "|---" * (len(columns) + 5) + "|"]
    for r in sorted(results, key=lambda r: (r.student, r.assignment)):
        cells = [_fmt(r.scores[q]) + "/" + _fmt(r.max_points[q]) if q in r.scores else ""
                 for q in columns]
        status = r.status + (f": {r.reason}" if r.reason else "")
        lines.append(f"| {r.student} | {r.assignment} | " + " | ".join(cells)
                     + f" | {_fmt(r.total)}/{_fmt(sum(r.max_points.values()))} | {status} | "
                     + ", ".join(r.flags) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grading",
                                     description="Grade submitted notebooks with the hidden tests.")
    parser.add_argument("submissions", help="folder of submitted notebooks")
    parser.add_argument("scores", help="CSV file to write (one row per submission, as graded)")
    parser.add_argument("--source", default=str(SOURCES),
                        help="instructor notebook or folder (default notebooks/assignments)")
    parser.add_argument("--mode", default="smoke", choices=["smoke", "class", "full"],
                        help="COURSE_MODE to run the submissions in (default smoke: the tests "
                             "check code, not training results)")
    parser.add_argument("--cell-timeout", type=float, default=300, help="seconds per cell")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per notebook")
    parser.add_argument("--memory-mb", type=int, default=sandbox.Limits.memory_mb,
                        help="address space per kernel process, MB")
    parser.add_argument("--jobs", type=int, default=1, help="sandboxes run side by side")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="run without bubblewrap where it is unavailable (student code then runs "
                             "with your rights; the CSV says so)")
    args = parser.parse_args(argv)
    settings = Settings(args.mode, args.cell_timeout, args.timeout,
                        sandbox.Limits(memory_mb=args.memory_mb), sandboxed=not args.unsandboxed)
    start = time.monotonic()
    try:
        results = grade_folder(Path(args.submissions), Path(args.source), Path(args.scores),
                               settings, args.jobs)
    except (RuntimeError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(table(results))
    print(f"{len(results)} submissions graded in {time.monotonic() - start:.0f} s; scores in {args.scores}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
