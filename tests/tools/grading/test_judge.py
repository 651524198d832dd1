"""The judge outside the kernel (tools/grading/judge.py) and the declared questions (tools/grading/specs).

Fast: no kernel. The kernel's side is played here by running the judge's cell with ``exec``
on the instructor's solutions (honest) or on forged answers, and by handing ``decide`` replies
that no honest kernel would send: pickles, archives that are not arrays, huge or nested ones,
wrong dtypes and shapes, NaN. Each must score 0 for its question and never raise.
"""

from __future__ import annotations

import base64
import io
import pickle
import zipfile

import nbformat
import numpy as np
import pytest

from tools.grading import grader, judge, restore, specs

ASSIGNMENTS = grader.SOURCES


def _solutions(assignment: str) -> dict:
    """A namespace with the instructor's answers defined, as the kernel would hold them."""
    nb = nbformat.read(ASSIGNMENTS / f"{assignment}.ipynb", as_version=4)
    namespace: dict = {}
    exec("import math\nimport torch\nfrom torch import nn\n", namespace)  # noqa: S102 - the instructor's code
    for cell in nb.cells:
        if cell.cell_type == "code" and restore.nbgrader_meta(cell).get("solution"):
            exec(cell.source, namespace)  # noqa: S102
    return namespace


def _reply(namespace: dict, task: judge.Task) -> dict:
    """Run the judge's cell in ``namespace``; the user_expressions an IPython kernel would send."""
    exec(task.code, namespace)  # noqa: S102
    return {key: {"status": "ok", "data": {"text/plain": repr(namespace[name])}}
            for key, name in task.expressions.items()}


def _npz(arrays: dict, **kwargs) -> dict:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, **kwargs)
    return _raw(buffer.getvalue())


def _raw(data: bytes) -> dict:
    return {"npz": {"status": "ok", "data": {"text/plain": repr(base64.b64encode(data).decode())}}}


@pytest.mark.parametrize("assignment", ["A1_rnns_by_hand", "A2_gated_cells", "A3_attention_decoding"])
def test_every_question_is_declared_once_with_the_notebooks_points(assignment):
    source = nbformat.read(ASSIGNMENTS / f"{assignment}.ipynb", as_version=4)
    declared = specs.load(assignment)
    assert {q.grade_id: q.points for q in grader.questions(source)} == \
           {g: s.points for g, s in declared.items()}


@pytest.mark.parametrize("assignment", ["A1_rnns_by_hand", "A2_gated_cells"])
def test_the_instructors_answers_score_and_the_stubs_do_not(assignment):
    honest = _solutions(assignment)
    for spec in specs.load(assignment).values():
        task = judge.task(spec)
        assert task.decide(_reply(honest, task)) == (True, ""), spec.grade_id
        stub = {**honest, spec.function: None}  # not callable: every case fails in the kernel
        passed, why = task.decide(_reply(stub, task))
        assert not passed and "TypeError" in why, (spec.grade_id, why)


def test_inputs_differ_per_submission_and_a_known_seed_repeats():
    spec = specs.load("A1_rnns_by_hand")["a1_rnn_step"]
    assert judge.task(spec, seed=3).code == judge.task(spec, seed=3).code
    assert judge.task(spec).code != judge.task(spec).code


def test_a_buggy_answer_scores_nothing_and_says_how_far_off():
    namespace = _solutions("A1_rnns_by_hand")
    exec("def rnn_step_forward(x_t, h_prev, params):\n"  # noqa: S102 - the missing transpose
         "    h = torch.tanh(x_t @ params['W_xh'] + h_prev @ params['W_hh'] + params['b'])\n"
         "    return h, {'x': x_t, 'h_prev': h_prev, 'h': h}\n", namespace)
    task = judge.task(specs.load("A1_rnns_by_hand")["a1_rnn_step"])
    passed, why = task.decide(_reply(namespace, task))
    assert not passed and ("relative error" in why or "RuntimeError" in why), why


def test_lying_objects_and_modes_in_the_kernel_change_only_the_data():
    namespace = _solutions("A1_rnns_by_hand")
    exec('''
class Liar:
    def __array__(self, dtype=None, copy=None):
        return __import__("numpy").zeros((1,))
    def __torch_function__(self, *args, **kwargs):
        return 0.0
def rnn_step_forward(x_t, h_prev, params):
    return Liar(), {"x": Liar(), "h_prev": Liar(), "h": Liar()}
''', namespace)  # noqa: S102
    task = judge.task(specs.load("A1_rnns_by_hand")["a1_rnn_step"])
    passed, why = task.decide(_reply(namespace, task))
    assert not passed and "shape" in why, why


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("0/h.npy", b"\0" * (50 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize("reply, reason", [
    ({}, "no outputs"),
    (None, "no outputs"),
    ({"npz": {"status": "error", "ename": "NameError"}}, "NameError"),
    ({"npz": {"data": {"text/plain": "'not base64!'"}}}, "not an archive"),
    ({"npz": {"data": {"text/plain": ["a", "list"]}}}, "no outputs"),
    ({"npz": {"data": {"text/plain": "'" + "A" * (judge.MAX_REPLY + 8) + "'"}}}, "larger"),
    (_raw(pickle.dumps({"h": np.zeros((4, 5))})), "not an .npz"),
    (_raw(b"PK\x03\x04 truncated"), "not an .npz"),
    (_raw(_bomb()), "too large"),
    (_npz({"0/h": np.array([object()] * 20, dtype=object).reshape(4, 5)}), "not a plain array"),
    (_npz({"0/h": np.zeros((4, 5), dtype=np.int64)}), "not an array of floats"),
    (_npz({"0/h": np.zeros((4, 5), dtype=np.complex128)}), "not an array of floats"),
    (_npz({"0/h": np.zeros((5, 4))}), "shape"),
    (_npz({"0/h": np.full((4, 5), np.nan)}), "NaN"),
    (_npz({"0/h": np.zeros((4, 5)), "0/extra": np.zeros(1)}), "unexpected"),
    (_npz({f"0/{k}": np.zeros((4, 5)) for k in ("h", "cache_h_prev", "cache_h")} | {"0/cache_x": np.zeros((4, 3))}),
     "no 'h'"),  # the other cases are missing
    (_npz({f"{i}/h{j}": np.zeros(1) for i in range(3) for j in range(9)}), "arrays came back"),
])
def test_outputs_that_are_not_the_arrays_asked_for_score_zero_and_say_why(reply, reason):
    task = judge.task(specs.load("A1_rnns_by_hand")["a1_rnn_step"], seed=0)
    passed, why = task.decide(reply)
    assert not passed and reason in why, why


def test_a_pickled_member_is_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        member = io.BytesIO()
        np.save(member, np.array([Boom()], dtype=object), allow_pickle=True)
        archive.writestr("0/h.npy", member.getvalue())
    task = judge.task(specs.load("A1_rnns_by_hand")["a1_rnn_step"], seed=0)
    assert task.decide(_raw(buffer.getvalue()))[0] is False
    assert not marker.exists()
