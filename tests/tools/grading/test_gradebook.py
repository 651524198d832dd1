"""The gradebook: written-question columns, messages, the class list, written answers, hand marks,
the self-test and grader failures.

Fast tests use a toy assignment with a written question and a fake kernel (no sandbox, no
PyTorch start); one test runs the real self-test of A1 in the sandbox.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from tools.grading import grader, kernel, restore, sandbox
from test_grading import toy_specs  # the toy's questions declared for the judge, shared

from tools.grading.restore import _cell as cell


def written_cell(source: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    meta = {"grade": True, "solution": True, "grade_id": grade_id, "locked": False, "points": points}
    return nbformat.v4.new_markdown_cell(source, metadata={"nbgrader": meta})


def toy_source() -> nbformat.NotebookNode:
    """Two autograded questions (2 and 1 points) and a written one (4 points) between them."""
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Toy"),
        cell("def double(x):\n    return 2 * x", "double_code", solution=True),
        cell("assert double(2) == 4", "double", points=2),
        nbformat.v4.new_markdown_cell("**Question.** Why double?"),
        written_cell("Because twice is two times.", "why", 4),
        cell("def triple(x):\n    return 3 * x", "triple_code", solution=True),
        cell("assert triple(1) == 3", "triple", points=1)])


def handed_out() -> nbformat.NotebookNode:
    nb = toy_source()
    nb.cells[4].source = "*Your answer here.*"
    return nb


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """The toy's instructor notebook, its student version, and a folder of submissions."""
    (tmp_path / "src").mkdir()
    (tmp_path / "student").mkdir()
    nbformat.write(toy_source(), tmp_path / "src" / "toy.ipynb")
    nbformat.write(handed_out(), tmp_path / "student" / "toy.ipynb")
    monkeypatch.setattr(grader, "STUDENTS", tmp_path / "student")
    subs = tmp_path / "subs"
    for student, answer in [("ada", "Doubling is adding *x* to itself.\n\n# my heading"), ("bob", None),
                            ("zed", "I am not on the list.")]:
        nb = handed_out()
        if answer is not None:
            nb.cells[4].source = answer
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / "toy.ipynb")
    (tmp_path / "ids.txt").write_text("# class of 2026\nada\nbob\ncy\n\n")
    return tmp_path


def fake_run(status: str = "ok", reason: str = ""):
    """A ``kernel.run`` that runs nothing: every judged cell is ``ok``, ``double`` hands back a reply."""
    def run(nb, judged, *args, **kwargs):
        replies = {}
        for index, (code, _) in judged.items():
            replies[index] = "double" if "double(" in code else {}
        return kernel.Run(verdicts={i: "ok" for i in judged}, replies=replies, status=status, reason=reason)
    return run


@pytest.fixture
def fake_kernel(monkeypatch):
    """No sandbox needed; the judge says ``double`` passed and ``triple`` failed with a long reason."""
    monkeypatch.setattr(sandbox, "available", lambda: None)
    monkeypatch.setattr(kernel, "run", fake_run())

    def decide(self, reply):
        if reply == "double":
            return True, ""
        return False, "case 0: y relative error 1.0e+00 > 1e-10 " + "and more " * 40

    monkeypatch.setattr(grader.judge.Task, "decide", decide)


def _settings() -> grader.Settings:
    return grader.Settings(specs=toy_specs())


def _rows(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_written_questions_are_found_with_their_points_prompt_and_model():
    [w] = restore.written(toy_source())
    assert (w.grade_id, w.points, w.prompt, w.model) == ("why", 4.0, "**Question.** Why double?",
                                                        "Because twice is two times.")
    assert grader.graded_ids(toy_source()) == ["double", "why", "triple"]


def test_the_real_assignments_count_their_written_questions_in_max():
    sources = grader.load_sources()
    assert {name: sum(grader._points(nb).values()) for name, nb in sources.items()} == {
        "A1_rnns_by_hand": 22, "A2_gated_cells": 16, "A3_attention_decoding": 16}


def test_the_sheet_has_every_question_blank_written_columns_and_capped_messages(toy, fake_kernel):
    results = grader.grade_folder(toy / "subs", toy / "src", toy / "scores.csv", _settings())
    rows = {r["student"]: r for r in _rows(toy / "scores.csv")}
    assert list(rows["ada"])[:7] == ["student", "assignment", "double", "why", "triple", "total", "max"]
    assert (rows["ada"]["double"], rows["ada"]["why"], rows["ada"]["triple"]) == ("2", "", "0")
    assert (rows["ada"]["total"], rows["ada"]["max"], rows["ada"]["status"]) == ("2", "7", "ok")
    message = rows["ada"]["failed"]
    assert message.startswith("triple: case 0: y relative error") and message.endswith("...")
    assert len(message) <= len("triple: ") + grader.MESSAGE
    assert all(r.possible == 7 for r in results)


def test_a_class_list_gives_every_student_a_row_and_flags_the_unlisted(toy, fake_kernel):
    ids = grader.read_class_list(toy / "ids.txt")
    assert ids == ["ada", "bob", "cy"]
    grader.grade_folder(toy / "subs", toy / "src", toy / "scores.csv", _settings(), class_list=ids)
    rows = {r["student"]: r for r in _rows(toy / "scores.csv")}
    assert sorted(rows) == ["ada", "bob", "cy", "zed"]
    cy = rows["cy"]
    assert (cy["status"], cy["double"], cy["why"], cy["triple"], cy["total"], cy["max"]) == (
        "missing", "0", "0", "0", "0", "7")
    assert rows["zed"]["flags"].startswith("not on the class list") and rows["zed"]["status"] == "ok"
    assert "not on the class list" not in rows["ada"]["flags"]


@pytest.mark.parametrize("text, expected", [
    ("id,name\ns1,Ada\ns2,Bob\n", ["s1", "s2"]),
    ("Name, Student \nAda,s1\nBob,s2\nAda,s1\n", ["s1", "s2"]),
    ("s1\ns2\ns1\n", ["s1", "s2"]),
])
def test_class_lists_are_plain_lines_or_a_csv_with_an_id_column(tmp_path, text, expected):
    (tmp_path / "list").write_text(text)
    assert grader.read_class_list(tmp_path / "list") == expected


def test_a_class_list_csv_without_an_id_column_says_what_it_needs(tmp_path):
    (tmp_path / "list.csv").write_text("name,email\nAda,a@x\n")
    with pytest.raises(ValueError, match="column named one of"):
        grader.read_class_list(tmp_path / "list.csv")


def test_written_answers_are_gathered_by_question_under_each_id(toy, capsys):
    out = toy / "answers.md"
    code = grader.main(["answers", str(toy / "subs"), "--out", str(out), "--marks", str(toy / "marks.csv"),
                         "--source", str(toy / "src"), "--class-list", str(toy / "ids.txt")])
    assert code == 0, capsys.readouterr().err
    text = out.read_text()
    assert "## toy · why (4 points)" in text and "**Question.** Why double?" in text
    assert "> Because twice is two times." in text  # the instructor's answer, beside the students'
    ada = text.split("### ada")[1].split("###")[0]
    assert "> Doubling is adding *x* to itself." in ada and "> # my heading" in ada  # quoted, not a heading
    assert "no answer: the cell is as handed out" in text.split("### bob")[1].split("###")[0]
    assert "missing" in text.split("### cy")[1].split("###")[0]
    assert "### zed (not on the class list)" in text
    assert _rows(toy / "marks.csv") == [{"student": s, "assignment": "toy", "why": ""}
                                        for s in ("ada", "bob", "cy", "zed")]


def test_hand_marks_merge_into_the_scores_and_totals(toy, fake_kernel, capsys):
    grader.grade_folder(toy / "subs", toy / "src", toy / "scores.csv", _settings())
    (toy / "marks.csv").write_text("student,assignment,why\nada,toy,3.5\nbob,toy,\n")
    args = ["merge", str(toy / "scores.csv"), str(toy / "marks.csv"), "--out", str(toy / "final.csv"),
            "--source", str(toy / "src")]
    assert grader.main(args) == 0
    rows = {r["student"]: r for r in _rows(toy / "final.csv")}
    assert (rows["ada"]["why"], rows["ada"]["total"], rows["ada"]["max"]) == ("3.5", "5.5", "7")
    assert (rows["bob"]["why"], rows["bob"]["total"]) == ("", "2")
    for bad, why in [("ada,toy,5", "from 0 to 4"), ("ada,toy,good", "from 0 to 4"), ("ann,toy,1", "no row")]:
        (toy / "marks.csv").write_text(f"student,assignment,why\n{bad}\n")
        assert grader.main(args) == 2
        assert why in capsys.readouterr().err


def test_a_failing_self_test_refuses_to_grade_anyone(toy, fake_kernel, monkeypatch, capsys):
    monkeypatch.setattr(kernel, "run", fake_run(status=kernel.GRADER_ERROR, reason="the sandbox did not start"))
    problems = grader.selftest(toy / "src", _settings())
    assert problems and "grader-error: the sandbox did not start" in problems[0]
    code = grader.main([str(toy / "subs"), str(toy / "scores.csv"), "--source", str(toy / "src")])
    err = capsys.readouterr().err
    assert code == 3 and "self-test failed" in err and "no submission is graded" in err
    assert not (toy / "scores.csv").exists()
    assert grader.main(["--selftest", "--source", str(toy / "src")]) == 3


def test_a_grader_failure_is_never_a_students_ok_with_zeros(toy, fake_kernel, monkeypatch, capsys):
    monkeypatch.setattr(kernel, "run", fake_run(status=kernel.GRADER_ERROR, reason="the sandbox did not start"))
    code = grader.main([str(toy / "subs"), str(toy / "scores.csv"), "--source", str(toy / "src"),
                         "--skip-selftest"])
    assert code == 4 and "grader itself failed" in capsys.readouterr().err
    rows = _rows(toy / "scores.csv")
    assert {r["status"] for r in rows} == {"grader-error"}
    assert all(r["double"] == r["triple"] == "" and r["reason"] == "the sandbox did not start" for r in rows)

    def broken(*args, **kwargs):
        raise RuntimeError("no kernel")

    monkeypatch.setattr(kernel, "run", broken)
    assert grader.main([str(toy / "subs"), str(toy / "scores.csv"), "--source", str(toy / "src"),
                         "--skip-selftest"]) == 4
    rows = _rows(toy / "scores.csv")
    assert {r["status"] for r in rows} == {"grader-error"} and "RuntimeError: no kernel" in rows[0]["reason"]


def test_a_kernel_that_does_not_start_is_a_grader_error(monkeypatch, tmp_path):
    """Before any student cell runs, a failure is the grader's (a broken sandbox or environment)."""
    monkeypatch.setattr(kernel, "Kernel", _DeadKernel)
    run = kernel.run(toy_source(), {}, tmp_path, "smoke", 5, 5, sandbox.Limits())
    assert run.status == kernel.GRADER_ERROR and "did not start" in run.reason and "bwrap: no" in run.reason


class _DeadKernel:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def alive(self):
        return False

    def log(self):
        return "bwrap: no permissions to create new namespace\n"


@pytest.mark.slow
@pytest.mark.skipif(sandbox.available() is not None, reason=f"no sandbox here: {sandbox.available()}")
def test_the_instructors_solution_passes_the_real_self_test():
    """A1 through the real sandboxed path: every autograded question scores."""
    problems = grader.selftest(grader.SOURCES / "A1_rnns_by_hand.ipynb", grader.Settings())
    assert problems == []
