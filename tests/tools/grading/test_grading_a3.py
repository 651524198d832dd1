"""A3 · Attention and decoding: its declared questions, judged on honest and on typical wrong answers.

Fast: no kernel (the judge's cell runs with ``exec`` on the instructor's solutions, as in
test_judge.py). Each typical mistake must lose exactly its own question's points: every
question calls only the function it marks, with the course's implementations for the rest.
The visible check cells must name what is wrong: the type, the dtype, the shape, or the entry
with its indices labelled (batch, query, key, ...).
"""

from __future__ import annotations

import nbformat
import pytest
import torch

from tools.grading import grader, judge, restore, specs

ASSIGNMENT = "A3_attention_decoding"
SOURCE = grader.SOURCES / f"{ASSIGNMENT}.ipynb"
POINTS = {"a3_attention": 3, "a3_decoder_step": 3, "a3_greedy": 2, "a3_beam": 4}


def _nb():
    return nbformat.read(SOURCE, as_version=4)


def _solutions() -> dict:
    """A namespace with the instructor's answers defined, as the kernel would hold them."""
    namespace: dict = {}
    exec("import math\nimport torch\nfrom torch import nn\n", namespace)  # noqa: S102
    for cell in _nb().cells:
        if cell.cell_type == "code" and restore.nbgrader_meta(cell).get("solution"):
            exec(cell.source, namespace)  # noqa: S102 - the instructor's code
    return namespace


def _reply(namespace: dict, task: judge.Task) -> dict:
    exec(task.code, namespace)  # noqa: S102
    return {key: {"status": "ok", "data": {"text/plain": repr(namespace[name])}}
            for key, name in task.expressions.items()}


# Typical wrong answers: (the question they answer, code that replaces the function).
MISTAKES = {
    "mask ignored": ("a3_attention", """
def masked_attention(queries, keys, values, mask):
    weights = torch.softmax(queries @ keys.transpose(1, 2) / math.sqrt(keys.shape[-1]), dim=-1)
    return weights @ values, weights
"""),
    "softmax over the queries": ("a3_attention", """
def masked_attention(queries, keys, values, mask):
    scores = queries @ keys.transpose(1, 2) / math.sqrt(keys.shape[-1])
    weights = torch.softmax(scores.masked_fill(~mask[:, None, :], float("-inf")), dim=1)
    return torch.nan_to_num(weights) @ values, torch.nan_to_num(weights)
"""),
    "not scaled": ("a3_attention", """
def masked_attention(queries, keys, values, mask):
    scores = (queries @ keys.transpose(1, 2)).masked_fill(~mask[:, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ values, weights
"""),
    "returns o_t as the state": ("a3_decoder_step", """
def decoder_step(dec, tokens, h_prev, enc_states, mask, attend):
    h_t = dec.cell(dec.embedding(tokens), h_prev)
    context, weights = attend(h_t[:, None], enc_states, enc_states, mask)
    o_t = torch.tanh(dec.combine(torch.cat([h_t, context[:, 0]], dim=-1)))
    return dec.out(o_t), o_t, weights[:, 0]
"""),
    "queries with the previous state": ("a3_decoder_step", """
def decoder_step(dec, tokens, h_prev, enc_states, mask, attend):
    h_t = dec.cell(dec.embedding(tokens), h_prev)
    context, weights = attend(h_prev[:, None], enc_states, enc_states, mask)
    o_t = torch.tanh(dec.combine(torch.cat([h_t, context[:, 0]], dim=-1)))
    return dec.out(o_t), h_t, weights[:, 0]
"""),
    "greedy does not stop at <eos>": ("a3_greedy", """
def greedy_decode(step, state, bos, eos, max_len):
    tokens, ids, log_prob = torch.tensor([bos]), [], 0.0
    for _ in range(max_len):
        logits, state = step(tokens, state)
        logp = torch.log_softmax(logits, dim=-1)[0]
        best = int(logp.argmax())
        log_prob += float(logp[best])
        if best != eos:
            ids.append(best)
        tokens = torch.tensor([best])
    return ids, log_prob
"""),
    "greedy leaves out the <eos> log-probability": ("a3_greedy", """
def greedy_decode(step, state, bos, eos, max_len):
    tokens, ids, log_prob = torch.tensor([bos]), [], 0.0
    for _ in range(max_len):
        logits, state = step(tokens, state)
        logp = torch.log_softmax(logits, dim=-1)[0]
        best = int(logp.argmax())
        if best == eos:
            break
        log_prob += float(logp[best])
        ids.append(best)
        tokens = torch.tensor([best])
    return ids, log_prob
"""),
    "beam keeps one hypothesis": ("a3_beam", """
_honest_beam = beam_search
def beam_search(step, state, bos, eos, max_len, beam_size):
    return _honest_beam(step, state, bos, eos, max_len, 1)
"""),
    "beam forgets the outputs still live at max_len": ("a3_beam", """
def beam_search(step, state, bos, eos, max_len, beam_size):
    paths, scores, tokens, finished = [[]], [0.0], torch.tensor([bos]), []
    for _ in range(max_len):
        logits, state = step(tokens, state)
        logp = torch.log_softmax(logits, dim=-1)
        V = logp.shape[1]
        total = (torch.tensor(scores, dtype=logp.dtype)[:, None] + logp).flatten()
        order = sorted(range(total.numel()), key=lambda i: (-float(total[i]), i))
        keep, new_paths, new_scores = [], [], []
        for rank, i in enumerate(order):
            if len(keep) == beam_size:
                break
            b, token = divmod(i, V)
            if token == eos:
                if rank < beam_size:
                    finished.append((float(total[i]), paths[b]))
                continue
            keep.append(b)
            new_paths.append(paths[b] + [token])
            new_scores.append(float(total[i]))
        paths, scores = new_paths, new_scores
        state = state[keep]
        tokens = torch.tensor([p[-1] for p in paths])
    log_prob, ids = max(finished or [(0.0, [])], key=lambda f: f[0])
    return ids, log_prob
"""),
}


@pytest.fixture(scope="module")
def tasks() -> dict:
    """Each question's task, from two seeds (the cases differ with the seed)."""
    declared = specs.load(ASSIGNMENT)
    return {seed: {g: judge.task(spec, seed=seed) for g, spec in declared.items()} for seed in (0, 1)}


def _marks(namespace: dict, tasks: dict) -> dict:
    return {g: task.decide(_reply(dict(namespace), task)) for g, task in tasks.items()}


def test_every_question_is_declared_once_with_the_notebooks_points():
    assert {q.grade_id: q.points for q in grader.questions(_nb())} == POINTS
    assert {g: s.points for g, s in specs.load(ASSIGNMENT).items()} == POINTS
    assert [w.grade_id for w in restore.written(_nb())] == ["a3_q_exposure_bleu"]
    assert sum(grader._points(_nb()).values()) == 16


def test_the_instructors_answers_get_full_marks_and_the_stubs_none(tasks):
    honest = _solutions()
    for seed in tasks:
        assert _marks(honest, tasks[seed]) == {g: (True, "") for g in POINTS}, seed
    for grade_id, task in tasks[0].items():
        stub = {**honest, task.spec.function: None}
        passed, why = task.decide(_reply(stub, task))
        assert not passed and "TypeError" in why, (grade_id, why)


@pytest.mark.parametrize("mistake", MISTAKES, ids=str)
def test_a_typical_mistake_loses_exactly_its_questions_points(tasks, mistake):
    question, code = MISTAKES[mistake]
    namespace = _solutions()
    exec(code, namespace)  # noqa: S102
    for seed in tasks:
        marks = _marks(namespace, tasks[seed])
        lost = {g for g, (passed, _) in marks.items() if not passed}
        assert lost == {question}, (mistake, seed, marks)


def test_the_decoding_cases_include_one_where_greedys_first_choice_loses(tasks):
    from tools.grading.specs import A3_attention_decoding as a3
    for seed in tasks:
        cases = [{k: torch.from_numpy(v) for k, v in c.items()} for c in tasks[seed]["a3_beam"].cases]
        assert sum(a3._first_choice_loses(c) for c in cases) >= 2, seed
        assert all(a3.output(c) != a3.output(c, int(c["beam_size"])) for c in cases), seed
        greedy = [{k: torch.from_numpy(v) for k, v in c.items()} for c in tasks[seed]["a3_greedy"].cases]
        lengths = [len(a3.output(c)) for c in greedy]
        assert 2 <= lengths[0] < int(greedy[0]["max_len"]) and lengths[1] == int(greedy[1]["max_len"])


# --- the visible checks ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def notebook() -> dict:
    """The notebook's cells up to its training part run in one namespace (checks and helpers)."""
    namespace: dict = {}
    for cell in _nb().cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## 5"):
            break
        if cell.cell_type == "code" and not restore.is_test_cell(cell):
            exec(cell.source, namespace)  # noqa: S102
    for cell in _nb().cells:  # the check functions, without running the checks
        if restore.is_test_cell(cell) and "def check_" in cell.source:
            exec(cell.source.split("\ncheck_")[0].split("\nprint(")[0], namespace)  # noqa: S102
    return namespace


def _failure(namespace: dict, call: str, code: str = "") -> str:
    """What the check ``call`` says with ``code`` run first (the check functions read the
    notebook's namespace, so the answers are put back afterwards)."""
    from course_utils.checks import CheckFailed
    saved = {k: namespace[k] for k in ("masked_attention", "decoder_step", "greedy_decode", "beam_search")}
    try:
        exec(code, namespace)  # noqa: S102
        with pytest.raises((CheckFailed, AssertionError)) as info:
            exec(call, namespace)  # noqa: S102
    finally:
        namespace.update(saved)
    return str(info.value)


def test_the_visible_checks_pass_the_solutions(notebook, capsys):
    exec("check_attention()\ncheck_decoder_step()\n"  # noqa: S102
         "print(check_decoder('t', 'greedy', table_step, start, 10))\n"
         "print(check_decoder('t', 'beam', table_step, start, 10, beam_size=2))", notebook)
    assert capsys.readouterr().out.count("PASS") == 8


def test_the_visible_checks_name_the_wrong_entry_type_and_dtype(notebook):
    mask_ignored = MISTAKES["mask ignored"][1]
    message = _failure(notebook, "check_attention()", mask_ignored)
    assert "weights" in message and "(batch " in message and ", query " in message and ", key " in message
    assert "Padding keys need weight 0" in message
    wrap = "_m = masked_attention\ndef masked_attention(*a):\n    c, w = _m(*a)\n    return {}\n"
    assert "expected dtype torch.float64, got torch.float32" in _failure(
        notebook, "check_attention()", wrap.format("c.float(), w.float()"))
    assert "expected a torch.Tensor (batch, query, key), got ndarray" in _failure(
        notebook, "check_attention()", wrap.format("c, w.numpy()"))
    assert "expected shape (batch=3, query=4, key=5), got (3, 5, 4)" in _failure(
        notebook, "check_attention()", wrap.format("c, w.transpose(1, 2)"))
    message = _failure(notebook, "check_decoder_step()", MISTAKES["returns o_t as the state"][1])
    assert message.startswith("h_t: wrong values") and "(batch " in message and ", unit " in message
    message = _failure(notebook, "check_decoder('t', 'greedy', table_step, start, 10)",
                       MISTAKES["greedy does not stop at <eos>"][1])
    assert "past <eos>" in message
    message = _failure(notebook, "check_decoder('t', 'beam', table_step, start, 10, beam_size=2)",
                       MISTAKES["beam keeps one hypothesis"][1])
    assert "expected the ids [3, 4]" in message
