"""The grader's parts: restoring test cells, flags, finding submissions, the score sheet, refusals.

Fast tests first (no kernel). The slow ones run a toy assignment in a kernel: a cell past its
time, points kept, and the run without a sandbox that only an explicit flag allows. The
adversarial class is graded in test_grading_adversarial.py.
"""

from __future__ import annotations

import csv
import doctest
import shutil
import subprocess

import nbformat
import pytest
import torch

from tools.grading import grader, restore, sandbox, submissions
from tools.grading.specs import Spec
from tools.grading.restore import _cell as cell


def toy_source() -> nbformat.NotebookNode:
    """A two-question assignment: an exercise and its check, then a free check."""
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Toy"),
        cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", "double_code",
             solution=True),
        cell("assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(-1) == -2\n### END HIDDEN TESTS",
             "double", points=2),
        cell("def triple(x):\n    ### BEGIN SOLUTION\n    return 3 * x\n    ### END SOLUTION", "triple_code",
             solution=True),
        cell("assert triple(1) == 3", "triple", points=1)])


def toy_specs() -> dict:
    """The toy's questions declared for the judge: double and triple, on a random vector."""
    def cases(gen):
        return [{"x": torch.randn(5, generator=gen, dtype=torch.float64)}]

    return {"toy": {"double": Spec("double", 2, "double", cases, "return {'y': double(inputs['x'])}",
                                   lambda case: {"y": 2 * case["x"]}),
                    "triple": Spec("triple", 1, "triple", cases, "return {'y': triple(inputs['x'])}",
                                   lambda case: {"y": 3 * case["x"]})}}


def test_doctests():
    assert doctest.testmod(restore).failed == 0


def test_edited_retagged_moved_and_deleted_test_cells_come_back_as_written():
    source = toy_source()
    sub = nbformat.from_dict(nbformat.reads(nbformat.writes(source), as_version=4))
    sub.cells[2].source = "pass"  # edited
    sub.cells[2].metadata["tags"] = ["skip-execution", "raises-exception"]
    sub.cells[2].metadata["nbgrader"]["points"] = 100
    del sub.cells[4]  # deleted
    sub.cells.insert(0, sub.cells.pop(2))  # moved first
    graded, where = restore.restore(sub, source)
    ids = [restore.nbgrader_meta(c).get("grade_id") for c in graded.cells]
    assert ids == [None, "double_code", "double", "triple_code", "triple"]
    assert where == {"double": 2, "triple": 4}
    for grade_id, index in where.items():
        original = next(c for c in source.cells if restore.nbgrader_meta(c).get("grade_id") == grade_id)
        assert graded.cells[index].source == original.source
        assert graded.cells[index].metadata == original.metadata
    assert sub.cells[0].source == "pass"  # the submission itself is not changed


def test_duplicate_ids_keep_their_code_without_their_id_and_tests_go_last_without_ids():
    source = toy_source()
    sub = nbformat.v4.new_notebook(cells=[cell("def double(x):\n    return 2 * x", "double_code", solution=True),
                                          cell("def double(x):\n    return 0", "double_code", solution=True),
                                          cell("double = double", "double", points=5)])
    graded, where = restore.restore(sub, source)
    assert [restore.nbgrader_meta(c).get("grade_id") for c in graded.cells] == [
        "double_code", "double", "triple", None]
    assert graded.cells[3].source == "def double(x):\n    return 0"
    stripped = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def double(x):\n    return 2 * x")])
    graded, where = restore.restore(stripped, source)
    assert where == {"double": 1, "triple": 2}


@pytest.mark.parametrize("code, flag", [
    ("from course_utils import bptt\nrnn_step = lambda x, h, p: bptt.rnn_forward(p, x, h)", "reference implementation"),
    ("from course_utils.cells import LSTMCell", "reference implementation"),
    ("from course_utils import backward\ndef rnn_step_backward(dh, c, p):\n"
     "    return backward.rnn_step_backward(dh, c, p)", "reference implementation"),
    ("from course_utils import checks\nchecks.check_close = print", "checks module"),
    ("get_ipython().set_custom_exc((Exception,), None)", "get_ipython"),
    ("import sys\nsys.excepthook = None", "exception handling"),
    ("NotImplementedError = ValueError", "exception handling"),
    ("getattr(__builtins__, 'ex' + 'ec')('x = 1')", "dynamic code"),
    ("import subprocess", "system access"),
    ("%load_ext autoreload", "get_ipython"),
])
def test_flags_name_what_an_honest_answer_does_not_need(code, flag):
    source = toy_source()
    graded, _ = restore.restore(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), source)
    assert flag in restore.flags(graded, source)


def test_an_honest_answer_and_the_given_cells_raise_no_flag():
    source = toy_source()
    graded, _ = restore.restore(source, source)
    assert restore.flags(graded, source) == []
    honest = nbformat.v4.new_notebook(cells=[cell("def double(x):\n    return x + x", "double_code", solution=True)])
    assert restore.flags(restore.restore(honest, source)[0], source) == []


def _sources():
    return {"toy": toy_source(), "other": nbformat.v4.new_notebook(cells=[cell("assert True", "o", points=1)])}


def test_submissions_that_cannot_be_graded_say_why(tmp_path):
    text = nbformat.writes(toy_source())
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "toy.ipynb").write_bytes(b"\xef\xbb\xbf" + text.encode())  # a byte-order mark is fine
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "toy.ipynb").write_bytes(b"\xff\xfe{not json")
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve" / "toy.ipynb").symlink_to(tmp_path / "ada" / "toy.ipynb")
    (tmp_path / "mal").symlink_to(tmp_path / "ada")
    (tmp_path / "dup").mkdir()
    for name in ("toy.ipynb", "toy (1).ipynb"):
        (tmp_path / "dup" / name).write_text(text)
    (tmp_path / "mix").mkdir()
    (tmp_path / "mix" / "other.ipynb").write_text(text)
    (tmp_path / "zed.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    found = {s.name: s for s in submissions.find(tmp_path, _sources())}
    assert found["ada/toy.ipynb"].status == "" and found["ada/toy.ipynb"].assignment == "toy"
    assert found["bob/toy.ipynb"].status == "unreadable" and found["bob/toy.ipynb"].assignment == "toy"
    assert found["eve/toy.ipynb"].status == "refused" and "symbolic link" in found["eve/toy.ipynb"].reason
    assert found["mal"].status == "refused" and found["mal"].student == "mal"
    assert {found[f"dup/{n}"].status for n in ("toy.ipynb", "toy (1).ipynb")} == {"refused"}
    assert "duplicate" in found["dup/toy.ipynb"].reason
    assert found["mix/other.ipynb"].status == "refused" and "wrong assignment" in found["mix/other.ipynb"].reason
    assert found["zed.ipynb"].status == "refused" and found["zed.ipynb"].student == "zed"


def test_rows_are_written_as_graded_and_unreadable_files_count_towards_max(tmp_path):
    sources = _sources()
    sheet = grader.ScoreSheet(tmp_path / "scores.csv", sources)
    sub = submissions.Submission(tmp_path / "x.ipynb", "bob", name="bob/toy.ipynb", assignment="toy",
                                 status="unreadable", reason="bad")
    result = grader.grade(sub, sources["toy"], grader.Settings())
    sheet.write(result)
    with open(tmp_path / "scores.csv", encoding="utf-8") as f:  # before the sheet is closed
        rows = list(csv.DictReader(f))
    sheet.close()
    assert rows == [{"student": "bob", "assignment": "toy", "double": "0", "triple": "0", "o": "",
                     "total": "0", "max": "3", "status": "unreadable", "reason": "bad", "failed": "",
                     "flags": "", "sandbox": "bwrap", "file": "bob/toy.ipynb"}]


def test_without_a_sandbox_the_grader_refuses_unless_told(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "available", lambda: "bwrap not found")
    nbformat.write(toy_source(), tmp_path / "toy.ipynb")
    (tmp_path / "subs").mkdir()
    code = grader.main([str(tmp_path / "subs"), str(tmp_path / "s.csv"), "--source", str(tmp_path / "toy.ipynb")])
    assert code == 2 and "--unsandboxed" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.slow
def test_a_cell_past_its_time_keeps_earlier_points_and_unsandboxed_runs_say_so(tmp_path, monkeypatch):
    source = toy_source()
    nbformat.write(source, tmp_path / "toy.ipynb")
    subs = tmp_path / "subs"
    (subs / "ada").mkdir(parents=True)
    endless = nbformat.from_dict(nbformat.reads(nbformat.writes(source), as_version=4))
    endless.cells[3].source = "def triple(x):\n    while True:\n        pass"
    nbformat.write(endless, subs / "ada" / "toy.ipynb")
    settings = grader.Settings(cell_timeout=5, total_timeout=120, specs=toy_specs())
    if sandbox.available() is None:
        [result] = grader.grade_folder(subs, tmp_path / "toy.ipynb", tmp_path / "s.csv", settings)
        assert result.sandbox == "bwrap"
        assert result.scores == {"double": 2.0, "triple": 0.0}, result
        assert result.status == "timeout" and result.failed == {"triple": "timeout"}, result
    monkeypatch.setattr(sandbox, "available", lambda: "bwrap not found")
    settings.sandboxed = False  # --unsandboxed
    [result] = grader.grade_folder(subs, tmp_path / "toy.ipynb", tmp_path / "s.csv", settings)
    assert result.sandbox == "none (--unsandboxed)" and result.scores["double"] == 2.0, result
    with open(tmp_path / "s.csv", encoding="utf-8") as f:
        assert next(csv.DictReader(f))["sandbox"] == "none (--unsandboxed)"


@pytest.mark.skipif(sandbox.available() is not None, reason=f"no sandbox here: {sandbox.available()}")
def test_only_capped_in_memory_folders_are_writable_in_the_sandbox():
    """The root, /dev, the system and the submission's own folder refuse; the rest is capped."""
    folder = sandbox.workdir()
    try:
        script = ("for d in / /dev /dev/shm /kernel /tmp $HOME $0 /usr; do "
                  "if (echo x > $d/w) 2>/dev/null; then df -P -k $d | tail -1; fi; done")
        command = sandbox.command(["sh", "-c", script, str(folder)], folder, {"HOME": sandbox.HOME},
                                  sandbox.Limits(scratch_mb=64, shm_mb=8, sockets_kb=128))
        found = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sizes = {line.split()[-1]: int(line.split()[1]) for line in found.splitlines()}
    assert sizes == {"/dev/shm": 8 * 1024, "/kernel": 128, "/tmp": 64 * 1024, sandbox.HOME: 64 * 1024}, found
