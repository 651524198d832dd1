"""Grade a folder of submitted notebooks: one row per submission, marks decided outside the kernel.

    python -m tools.grading --selftest                        # the instructor's notebooks get full marks?
    python -m tools.grading submissions/ scores.csv [--class-list ids.txt] [--jobs 2]
    python -m tools.grading answers submissions/ --out answers.md --marks marks.csv
    python -m tools.grading merge scores.csv marks.csv --out final.csv

Grading a class starts with the self-test (``--skip-selftest`` to leave it out): the
instructor's own notebooks are graded through the same sandboxed path, and when they do not get
full marks the grading environment cannot be trusted and no submission is graded (exit 3).
Grading follows nbgrader's autograder without its database, and trusts nothing a submission
holds or does:

1. ``tools.grading.submissions`` finds every ``*.ipynb`` under ``submissions/`` and reads it
   defensively; a symbolic link, a duplicate, a notebook of no assignment or an unreadable file
   gets its row with a ``status`` and ``reason`` and is not run. With ``--class-list``, every
   listed student gets a row per assignment (``missing``, 0 points, where nothing was handed
   in), and a submission of a student not on the list is flagged ``not on the class list``.
2. ``tools.grading.restore`` puts every instructor test cell back where it belongs, to mark when each
   question is judged.
3. ``tools.grading.kernel`` runs the student's code cells one by one in a fresh kernel inside a
   ``tools.grading.sandbox`` (bubblewrap: no network, own PID namespace, read-only system, writable only
   size-capped in-memory folders, resource limits; no instructor notebook, other submission or
   score is visible). In place of each test cell it sends the judging cell of ``tools.grading.judge``:
   the question's inputs (``tools.grading.specs``, drawn from a secret seed) go in as data, the student's
   outputs come back as data, and the grader compares them, here, with references computed by
   the course's tested implementations. Nothing else the kernel says decides a mark.
4. Each row is written to the CSV as soon as its submission is graded; points reached before a
   timeout or a dead kernel are kept. ``failed`` gives each lost question's message (the judge's
   reason, at most ``MESSAGE`` characters), ``flags`` what the student's cells use that an honest
   answer does not need (the course's reference implementations, the checks module,
   ``get_ipython``, exception handling, dynamic code, system access), for the instructor to read.
5. A failure of the grader itself (the sandbox or kernel not starting, the kernel unable to
   import numpy and torch, an exception in the grader) records no mark: the row's status is
   ``grader-error`` with the reason, and the command exits 4.

Written questions (markdown answer cells) have their column, blank until marked, and count in
``max``. ``answers`` gathers them into one Markdown file by question (and a marks sheet to
fill in); ``merge`` adds the hand marks to the scores and recomputes the totals.

Without bubblewrap the grader refuses to run unless given ``--unsandboxed``; the CSV then says
so in its ``sandbox`` column.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools.grading import judge, kernel, restore, sandbox, specs, submissions
from tools.grading.kernel import GRADER_ERROR
from tools.grading.restore import Question, Written, questions, written  # noqa: F401 - the grader's public names

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "notebooks" / "assignments"
STUDENTS = ROOT / "notebooks" / "student"
MESSAGE = 160  # characters kept of each question's message in ``failed``
SOLUTIONS = "(solutions)"  # the student name of the instructor's notebooks in the self-test


@dataclass
class Result:
    """The grade of one submission: points per question, and what went wrong where."""

    student: str
    assignment: str
    scores: dict[str, float]
    max_points: dict[str, float]
    status: str = "ok"  # ok, timeout, kernel died, unreadable, refused, missing, grader-error
    reason: str = ""
    failed: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    sandbox: str = "bwrap"
    path: str = ""

    @property
    def total(self) -> float:
        return sum(self.scores.values())

    @property
    def possible(self) -> float:
        """Every question's points, the written ones included."""
        return sum(self.max_points.values())


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
    specs: dict | None = None  # {assignment: {grade_id: Spec}}; default: tools/grading/specs/<assignment>.py


def grade(sub: submissions.Submission, source, settings: Settings) -> Result:
    """Grade one submission; whatever it does, a ``Result`` comes back (never an exception)."""
    qs = questions(source) if source is not None else []
    points = _points(source) if source is not None else {}
    result = Result(sub.student, sub.assignment, {q.grade_id: 0.0 for q in qs},
                    points, path=sub.name,
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
        if run.status == GRADER_ERROR:  # no mark was decided: none is recorded
            result.scores, result.status, result.reason = {}, run.status, run.reason
            return result
        for q in qs:
            index = where[q.grade_id]
            verdict = _decide(tasks.get(index), run, index)
            if verdict:
                result.failed[q.grade_id] = _cap(verdict)
            else:
                result.scores[q.grade_id] = q.points
        result.status, result.reason = run.status, run.reason
    except Exception as error:  # noqa: BLE001 - confined to this submission's row
        result.scores, result.failed = {}, {}
        result.status = GRADER_ERROR
        result.reason = f"the grader failed on it: {type(error).__name__}: {error}"[:300]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def _decide(task: judge.Task | None, run: kernel.Run, index: int) -> str:
    """``""`` when the question scores, else why not: judged here, from the arrays only."""
    if task is None:
        return "no declared spec (tools/grading/specs)"
    verdict = run.verdicts.get(index, "not run")
    if not run.replies.get(index) and verdict != "ok":
        return verdict  # not run, timeout, kernel died, or the judge's cell failed as a whole
    passed, why = task.decide(run.replies[index])
    return "" if passed else why


class ScoreSheet:
    """The CSV, one row per submission, each written (and flushed) as soon as it is graded."""

    def __init__(self, path: Path, sources: dict):
        self.columns = [grade_id for nb in sources.values() for grade_id in graded_ids(nb)]
        self.header = ["student", "assignment", *self.columns, "total", "max", "status", "reason",
                       "failed", "flags", "sandbox", "file"]
        self.lock = threading.Lock()
        self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - open while grading
        self.writer = csv.writer(self.file)
        self.writer.writerow(self.header)
        self.file.flush()

    def write(self, r: Result) -> None:
        row = [r.student, r.assignment, *[_fmt(r.scores[q]) if q in r.scores else "" for q in self.columns],
               _fmt(r.total), _fmt(r.possible), r.status, r.reason,
               "; ".join(f"{q}: {s}" for q, s in r.failed.items()), "; ".join(r.flags), r.sandbox, r.path]
        with self.lock:
            self.writer.writerow(row)
            self.file.flush()
            os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()


def graded_ids(nb) -> list[str]:
    """The ids of every question of an instructor's notebook, autograded and written, in order."""
    auto = {q.grade_id for q in questions(nb)}
    by_hand = {w.grade_id for w in written(nb)}
    ids = [restore.nbgrader_meta(c).get("grade_id") for c in nb.cells]
    return [i for i in ids if isinstance(i, str) and (i in auto or i in by_hand)]


def read_class_list(path: Path) -> list[str]:
    """The student ids of a class list: one per line, or a CSV with an id column.

    An id is what names a submission: the first folder under the submissions folder
    (``submissions/<id>/A1_rnns_by_hand.ipynb``), or the file's name for a file directly in it.
    A CSV (a first line with a comma) needs a column named ``id``, ``student``, ``student_id``,
    ``username`` or ``login``. Blank lines and lines starting with ``#`` are skipped.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and "," in lines[0]:
        reader = csv.DictReader(lines)
        names = {name.strip().lower(): name for name in reader.fieldnames or []}
        column = next((names[c] for c in ID_COLUMNS if c in names), None)
        if column is None:
            raise ValueError(f"class list {path}: a CSV needs a column named one of {list(ID_COLUMNS)}, "
                             f"found {reader.fieldnames}; or give one student id per line")
        ids = [(row.get(column) or "").strip() for row in reader]
    else:
        ids = lines
    ids = [i for i in ids if i]
    if not ids:
        raise ValueError(f"class list {path} names no student: give one student id per line")
    return list(dict.fromkeys(ids))  # in order, each once


ID_COLUMNS = ("id", "student", "student_id", "username", "login")


def missing(class_list: list[str], found: list[submissions.Submission], sources: dict) -> list[Result]:
    """A ``missing`` row (0 points of every question) per listed student and assignment not handed in."""
    handed = {(s.student, s.assignment) for s in found}
    rows = []
    for student in class_list:
        for name, nb in sources.items():
            if (student, name) in handed:
                continue
            points = _points(nb)
            rows.append(Result(student, name, dict.fromkeys(points, 0.0), points, status="missing",
                               reason="no submission of this assignment was found", sandbox=""))
    return rows


def _points(nb) -> dict[str, float]:
    """Every question's points, autograded and written, by id, in the notebook's order."""
    points = {q.grade_id: q.points for q in [*questions(nb), *written(nb)]}
    return {i: points[i] for i in graded_ids(nb)}


def grade_folder(submitted: Path, source: Path = SOURCES, scores: Path | None = None,
                 settings: Settings | None = None, jobs: int = 1,
                 class_list: list[str] | None = None) -> list[Result]:
    """Grade every submission under ``submitted``, ``jobs`` sandboxes at a time; one row each.

    Rows go to ``scores`` (a CSV) as they are graded, when given. With a ``class_list``, every
    listed student gets a row per assignment (``missing`` where nothing was handed in), and a
    submission of a student not on it is flagged ``not on the class list``. Where bubblewrap
    cannot run, raises ``RuntimeError`` unless ``settings.sandboxed`` is false
    (``--unsandboxed``); where it can, every kernel is sandboxed whatever the setting.
    """
    settings = _check_sandbox(settings or Settings())
    sources = load_sources(source)
    found = submissions.find(Path(submitted), sources)
    sheet = ScoreSheet(scores, sources) if scores is not None else None
    listed = set(class_list or [])

    def one(sub: submissions.Submission) -> Result:
        result = grade(sub, sources.get(sub.assignment), settings)
        if class_list is not None and sub.student not in listed:
            result.flags.insert(0, "not on the class list")
        if sheet is not None:
            sheet.write(result)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
            results = list(pool.map(one, found))
        for row in missing(class_list or [], found, sources):
            if sheet is not None:
                sheet.write(row)
            results.append(row)
        return results
    finally:
        if sheet is not None:
            sheet.close()


def _check_sandbox(settings: Settings) -> Settings:
    """``settings``, sandboxed where bubblewrap runs; ``RuntimeError`` where it does not, unless told."""
    missing_sandbox = sandbox.available()
    if missing_sandbox and settings.sandboxed:
        raise RuntimeError(f"no sandbox: {missing_sandbox}. Install bubblewrap, or pass --unsandboxed "
                           "to run student code with the grader's own rights (not recommended)")
    settings.sandboxed = missing_sandbox is None  # --unsandboxed only matters where bwrap is missing
    return settings


def selftest(source: Path = SOURCES, settings: Settings | None = None, jobs: int = 1) -> list[str]:
    """Grade the instructor's own notebooks like submissions; what kept them from full marks.

    An empty list means every autograded question of every notebook in ``source`` scored, in
    the same sandboxed path the students' notebooks take. Anything else (a question that lost,
    a missing spec, a sandbox or kernel that did not start) means the grader cannot be trusted
    here: the class is not graded.
    """
    settings = _check_sandbox(settings or Settings())
    sources = load_sources(source)
    folder = Path(source) if Path(source).is_dir() else Path(source).parent
    subs = [submissions.Submission(folder / f"{name}.ipynb", SOLUTIONS, name=f"{name}.ipynb",
                                   assignment=name, notebook=nb) for name, nb in sources.items()]
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        results = list(pool.map(lambda sub: grade(sub, sources[sub.assignment], settings), subs))
    problems = []
    for r in results:
        auto = {q.grade_id: q.points for q in questions(sources[r.assignment])}
        if r.status != "ok":
            problems.append(f"{r.assignment}: {r.status}: {r.reason}")
            if r.status == GRADER_ERROR:
                continue  # no question was judged
        problems += [f"{r.assignment}: {q}: {r.failed.get(q, 'not scored')}"
                     for q in auto if r.scores.get(q) != auto[q]]
    return problems


def gather_answers(submitted: Path, source: Path = SOURCES, class_list: list[str] | None = None) -> str:
    """Every student's written answers as Markdown, to mark beside the rubric.

    Grouped by assignment and question: the question's text and points, the instructor's
    answer, then each student's answer (quoted) under their id. Nothing is run.
    """
    sources = load_sources(source)
    found = submissions.find(Path(submitted), sources)
    lines = ["# Written answers", "",
             f"From `{Path(submitted).name}/`; each answer is quoted as handed in. "
             "Mark it in the `--marks` sheet and merge it into the scores "
             "(`python -m tools.grading merge`).", ""]
    for name, nb in sources.items():
        by_hand = written(nb)
        if not by_hand:
            continue
        given = _student_version(name)
        subs = {s.student: s for s in found if s.assignment == name}
        students = list(dict.fromkeys([*(class_list or []), *sorted(subs)]))
        for w in by_hand:
            lines += [f"## {name} · {w.grade_id} ({_fmt(w.points)} points)", "", w.prompt.strip(), "",
                      "**Instructor's answer:**", "", _quote(w.model), ""]
            for student in students:
                unlisted = class_list is not None and student not in class_list
                lines += [f"### {student}" + (" (not on the class list)" if unlisted else ""), "",
                          _answer_text(subs.get(student), w, given), ""]
    return "\n".join(lines).rstrip() + "\n"


def _student_version(name: str) -> dict[str, str]:
    """The answer cells as students receive them (to tell an untouched answer), by id."""
    path = STUDENTS / f"{name}.ipynb"
    if not path.exists():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {w.grade_id: restore.answer(nb, w.grade_id) or "" for w in written(nb)}


def _answer_text(sub: submissions.Submission | None, w: Written, given: dict[str, str]) -> str:
    """One student's answer to ``w``, quoted, or why there is none."""
    if sub is None:
        return "*missing: no submission of this assignment*"
    if sub.status:
        return f"*{sub.status}: {sub.reason}*"
    text = restore.answer(sub.notebook, w.grade_id)
    if text is None:
        return "*no answer: the answer cell (or its nbgrader metadata) was removed*"
    if not text.strip() or text.strip() == given.get(w.grade_id, "").strip():
        return "*no answer: the cell is as handed out*"
    return _quote(text)


def _quote(text: str) -> str:
    """``text`` as a Markdown block quote (its headings and rules stay inside the quote)."""
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines())


def marks_template(submitted: Path, source: Path = SOURCES, class_list: list[str] | None = None) -> str:
    """A CSV to fill in by hand: one row per student and assignment, a blank column per written question."""
    sources = load_sources(source)
    found = submissions.find(Path(submitted), sources)
    ids = [w.grade_id for nb in sources.values() for w in written(nb)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "assignment", *ids])
    for name, nb in sources.items():
        mine = {w.grade_id for w in written(nb)}
        if not mine:
            continue
        students = dict.fromkeys([*(class_list or []), *sorted(s.student for s in found if s.assignment == name)])
        for student in students:
            writer.writerow([student, name, *["" if i in mine else "-" for i in ids]])
    return buffer.getvalue()


def merge(scores: Path, marks: Path, out: Path, source: Path = SOURCES) -> int:
    """Write ``out``: ``scores`` with the hand marks of ``marks`` filled in and totals recomputed.

    ``marks`` is a CSV with ``student``, ``assignment`` and a column per written question (as
    ``--marks`` writes it); a blank or ``-`` cell is left unmarked. Every mark must be a number
    from 0 to the question's points, and every marked row must match a row of ``scores``.
    Returns the number of marks merged; raises ``ValueError`` saying what is wrong.
    """
    sources = load_sources(source)
    points = {name: _points(nb) for name, nb in sources.items()}
    hand = {w.grade_id for nb in sources.values() for w in written(nb)}
    with open(scores, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames or []), list(reader)
    with open(marks, encoding="utf-8-sig", newline="") as f:
        given = list(csv.DictReader(f))
    index = {(r["student"], r["assignment"]): r for r in rows}
    merged = 0
    for line, mark in enumerate(given, start=2):
        key = ((mark.get("student") or "").strip(), (mark.get("assignment") or "").strip())
        row = index.get(key)
        for grade_id, value in mark.items():
            value = (value or "").strip()
            if grade_id in ("student", "assignment") or value in ("", "-"):
                continue
            if grade_id not in hand or grade_id not in points.get(key[1], {}):
                raise ValueError(f"{marks}, line {line}: {grade_id!r} is not a written question of "
                                 f"{key[1]!r}; expected one of {sorted(hand)}")
            if row is None:
                raise ValueError(f"{marks}, line {line}: no row of {scores} for student {key[0]!r} "
                                 f"and assignment {key[1]!r}; check the spelling")
            score = _mark(value, points[key[1]][grade_id], f"{marks}, line {line}, {grade_id}")
            row[grade_id] = _fmt(score)
            merged += 1
    for row in rows:
        ids = points.get(row["assignment"], {})
        row["total"] = _fmt(sum(float(row[i]) for i in ids if row.get(i) not in (None, "")))
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header)
        writer.writeheader()
        writer.writerows(rows)
    return merged


def _mark(value: str, most: float, where: str) -> float:
    """A hand mark as a number from 0 to ``most``, or a ``ValueError`` saying what was expected."""
    try:
        score = float(value)
    except ValueError:
        score = float("nan")
    if not 0 <= score <= most:
        raise ValueError(f"{where}: {value!r} is not a mark from 0 to {_fmt(most)}")
    return score


def _fmt(x: float) -> str:
    return f"{x:g}"


def _cap(message: str, most: int = MESSAGE) -> str:
    """A question's message, at most ``most`` characters (it goes to the student)."""
    message = " ".join(str(message).split())
    return message if len(message) <= most else message[:most - 3] + "..."


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
    """The command line: grade a class (default), ``answers`` or ``merge``; see the module doc."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["answers"]:
        return answers_main(argv[1:])
    if argv[:1] == ["merge"]:
        return merge_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tools.grading",
                                     description="Grade submitted notebooks with the hidden tests. "
                                                 "Also: 'answers' (gather written answers), 'merge' "
                                                 "(add hand marks); see README.")
    parser.add_argument("submissions", nargs="?", help="folder of submitted notebooks")
    parser.add_argument("scores", nargs="?", help="CSV file to write (one row per submission, as graded)")
    parser.add_argument("--source", default=str(SOURCES),
                        help="instructor notebook or folder (default notebooks/assignments)")
    parser.add_argument("--class-list", help="student ids, one per line (or a CSV with an id column): "
                                             "a row for each, 'missing' where nothing was handed in")
    parser.add_argument("--selftest", action="store_true",
                        help="only grade the instructor's notebooks and exit non-zero unless they get full marks")
    parser.add_argument("--skip-selftest", action="store_true",
                        help="grade without the self-test that otherwise runs first (for quick trials)")
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
    if not args.selftest and (args.submissions is None or args.scores is None):
        parser.error("give a folder of submissions and a CSV to write (or --selftest alone)")
    settings = Settings(args.mode, args.cell_timeout, args.timeout,
                        sandbox.Limits(memory_mb=args.memory_mb), sandboxed=not args.unsandboxed)
    start = time.monotonic()
    try:
        class_list = read_class_list(Path(args.class_list)) if args.class_list else None
        if args.selftest or not args.skip_selftest:
            problems = selftest(Path(args.source), settings, args.jobs)
            if problems:
                print("error: the self-test failed: the instructor's own notebooks do not get full "
                      "marks, so no submission is graded. Fix the grading environment (or the specs) "
                      "and run `python -m tools.grading --selftest` again:\n  "
                      + "\n  ".join(problems), file=sys.stderr)
                return 3
            print(f"self-test passed: the instructor's notebooks get full marks "
                  f"({time.monotonic() - start:.0f} s)")
            if args.selftest:
                return 0
        results = grade_folder(Path(args.submissions), Path(args.source), Path(args.scores),
                               settings, args.jobs, class_list)
    except (RuntimeError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(table(results))
    print(f"{len(results)} rows in {time.monotonic() - start:.0f} s; scores in {args.scores}")
    failures = [r for r in results if r.status == GRADER_ERROR]
    if failures:
        print(f"error: the grader itself failed on {len(failures)} submission(s) (status {GRADER_ERROR}; "
              f"no mark recorded), e.g. {failures[0].student}: {failures[0].reason}. Run "
              "`python -m tools.grading --selftest`, fix the environment and grade again.", file=sys.stderr)
        return 4
    return 0


def answers_main(argv: list[str]) -> int:
    """``answers SUBMISSIONS --out answers.md [--marks marks.csv]``: gather the written answers."""
    parser = argparse.ArgumentParser(prog="python -m tools.grading answers",
                                     description="Gather every student's written answers into one "
                                                 "Markdown file, grouped by question.")
    parser.add_argument("submissions", help="folder of submitted notebooks")
    parser.add_argument("--out", required=True, help="Markdown file to write")
    parser.add_argument("--marks", help="also write a CSV to fill in with the hand marks (for 'merge')")
    parser.add_argument("--source", default=str(SOURCES), help="instructor notebook or folder")
    parser.add_argument("--class-list", help="student ids (as for grading): missing hand-ins are listed")
    args = parser.parse_args(argv)
    try:
        class_list = read_class_list(Path(args.class_list)) if args.class_list else None
        Path(args.out).write_text(gather_answers(Path(args.submissions), Path(args.source), class_list),
                                  encoding="utf-8")
        if args.marks:
            Path(args.marks).write_text(marks_template(Path(args.submissions), Path(args.source), class_list),
                                        encoding="utf-8")
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"written answers in {args.out}" + (f"; marks to fill in {args.marks}" if args.marks else ""))
    return 0


def merge_main(argv: list[str]) -> int:
    """``merge SCORES MARKS --out FINAL``: the scores with the hand marks added."""
    parser = argparse.ArgumentParser(prog="python -m tools.grading merge",
                                     description="Fill the written questions' columns of a scores CSV "
                                                 "from a marks CSV and recompute the totals.")
    parser.add_argument("scores", help="the CSV the grader wrote")
    parser.add_argument("marks", help="the marks CSV (from 'answers --marks'), filled in")
    parser.add_argument("--out", required=True, help="CSV to write (may be SCORES itself)")
    parser.add_argument("--source", default=str(SOURCES), help="instructor notebook or folder")
    args = parser.parse_args(argv)
    try:
        count = merge(Path(args.scores), Path(args.marks), Path(args.out), Path(args.source))
    except (FileNotFoundError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{count} hand marks merged into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
