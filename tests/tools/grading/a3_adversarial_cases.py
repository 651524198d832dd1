"""A3 through the real grader: a small class of A3 submissions graded in the sandbox (collected by
test_grading_adversarial.py, which runs it after the A1/A2 class, never beside it).

Each submission is the student version with some exercises answered (the instructor's answer,
or a typical mistake from test_grading_a3.py) and sometimes a cell that tries to change what
the checks see. Each must get exactly the points of the questions it answered correctly: a
mistake in one function costs that question only, since every question calls only the function
it marks. Needs bubblewrap (skipped without it); about 2 minutes on two busy cores.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from test_grading_a3 import MISTAKES, POINTS

from tools.grading import grader, restore, sandbox

ROOT = Path(__file__).resolve().parents[3]
ASSIGNMENT = "A3_attention_decoding"
SOURCE = ROOT / "notebooks" / "assignments" / f"{ASSIGNMENT}.ipynb"
STUDENT = ROOT / "notebooks" / "student" / f"{ASSIGNMENT}.ipynb"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox.available() is not None,
                                 reason=f"no sandbox here: {sandbox.available()}")]
ALL = tuple(POINTS)


@dataclass(frozen=True)
class Sub:
    """A submission: the questions answered honestly, a mistake, a cell after the setup."""

    name: str
    solved: tuple[str, ...] = ALL
    mistake: str | None = None
    setup: str = ""
    earned: tuple[str, ...] | None = None  # default: solved, less the mistake's question
    flags: tuple[str, ...] = ()


SUBS = [
    Sub("honest"),
    Sub("nothing", solved=()),
    *[Sub(name.replace(" ", "_").replace("<", "").replace(">", ""), mistake=name) for name in (
        "mask ignored", "softmax over the queries", "greedy does not stop at <eos>", "beam keeps one hypothesis")],
    # the course's attention replaced in the kernel by one that ignores the mask: an honest
    # decoder step called with it answers wrongly, and loses; nothing else changes
    Sub("patched_attention", setup="""
import course_utils.attention as _a
class _Wrong(_a.DotAttention):
    def forward(self, q, k, v, mask):
        return super().forward(q, k, v, torch.ones_like(mask))
_a.DotAttention = _Wrong
""", earned=("a3_attention", "a3_greedy", "a3_beam")),
    # a wrong attention, and every softmax in the kernel made to ignore -inf: the attention is
    # still wrong, and the course's attention that the decoder step is called with goes wrong too
    Sub("patched_softmax", mistake="mask ignored", setup="""
_softmax = torch.softmax
torch.softmax = lambda x, dim=-1: _softmax(torch.nan_to_num(x, neginf=0.0), dim=dim)
""", earned=("a3_greedy", "a3_beam")),
]
KNOWN = [  # known gaps (README, grading): an answer that calls the course's implementation scores
    Sub("course_attention", solved=("a3_decoder_step", "a3_greedy", "a3_beam"), setup="""
from course_utils.attention import DotAttention
def masked_attention(queries, keys, values, mask):
    return DotAttention()(queries, keys, values, mask)
""", earned=("a3_decoder_step", "a3_greedy", "a3_beam"), flags=("reference implementation",)),
]


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if restore.nbgrader_meta(c).get("grade_id") == grade_id)


def build(sub: Sub) -> str:
    nb = nbformat.read(STUDENT, as_version=4)
    source = nbformat.read(SOURCE, as_version=4)
    for grade_id in sub.solved:
        exercise = f"{grade_id}_code"
        nb.cells[_index(nb, exercise)].source = source.cells[_index(source, exercise)].source
    if sub.mistake:
        question, code = MISTAKES[sub.mistake]
        honest = source.cells[_index(source, f"{question}_code")].source
        nb.cells[_index(nb, f"{question}_code")].source = honest + "\n\n" + code.strip() + "\n"
    if sub.setup:
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(first + 1, nbformat.v4.new_code_cell(sub.setup.strip() + "\n"))
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def a3_rows(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("a3class")
    subs, scores = tmp / "submissions", tmp / "scores.csv"
    for sub in SUBS + KNOWN:
        (subs / sub.name).mkdir(parents=True)
        (subs / sub.name / f"{ASSIGNMENT}.ipynb").write_text(build(sub), encoding="utf-8")
    code = grader.main([str(subs), str(scores), "--source", str(SOURCE), "--jobs", "2",
                        "--cell-timeout", "60", "--timeout", "300", "--skip-selftest"])
    assert code == 0
    with scores.open(encoding="utf-8") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def _expect(row: dict, sub: Sub) -> None:
    lost = {MISTAKES[sub.mistake][0]} if sub.mistake else set()
    earned = set(sub.earned if sub.earned is not None else set(sub.solved) - lost)
    assert {g: float(row[g]) for g in POINTS} == {g: float(POINTS[g] if g in earned else 0) for g in POINTS}, row
    assert row["status"] == "ok" and row["max"] == "16", row
    assert set(sub.flags) <= set(filter(None, row["flags"].split("; "))), row


@pytest.mark.parametrize("sub", SUBS, ids=lambda s: s.name)
def test_a3_each_submission_gets_exactly_the_marks_it_earned(a3_rows, sub):
    _expect(a3_rows[sub.name], sub)


@pytest.mark.parametrize("sub", KNOWN, ids=lambda s: s.name)
def test_a3_known_gaps(a3_rows, sub):
    _expect(a3_rows[sub.name], sub)


def test_a3_a_mistake_says_where_it_went_wrong(a3_rows):
    assert re.search(r"a3_attention: case \d+: context relative error", a3_rows["mask_ignored"]["failed"])
    # the grader draws its cases afresh for each class: which case and output fails first varies
    assert re.search(r"a3_greedy: case \d+: (ids|log_prob)", a3_rows["greedy_does_not_stop_at_eos"]["failed"])
    assert re.search(r"a3_beam: case \d+: ids", a3_rows["beam_keeps_one_hypothesis"]["failed"])
    assert "NotImplementedError" in a3_rows["nothing"]["failed"]
