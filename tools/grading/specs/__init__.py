"""The graded questions of each assignment, declared once: what the grader calls and how it judges.

One module per assignment (``tools/specs/<assignment>.py``) holds a ``SPECS`` list of ``Spec``:
for each autograded question (the ``grade_id`` of its test cell), the student's function it
calls, how its inputs are made, the code that calls it inside the kernel, how the reference is
computed outside, the tolerance and the points. ``tools.judge`` makes the inputs with a seed the
submission never sees, has the kernel run ``call`` on them and hand back arrays only, and
compares those with ``reference`` in the grader's own process. The notebook's visible check
cells stay as they are (feedback while the student works); they decide no mark.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import torch

Arrays = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Spec:
    """One autograded question.

    ``cases(generator)`` makes the inputs (a list of named tensors per case, from the grader's
    secret seed); ``call`` is the body of ``def call(inputs):`` run in the kernel (``inputs`` the
    case's tensors, ``torch`` imported; it returns named tensors); ``reference(case)`` gives the
    expected named tensors with the course's tested implementations; ``view``, when given, maps
    both the student's outputs and the reference before they are compared (for answers that
    may differ in a way that does not matter). A question scores ``points`` when every output of
    every case has the reference's shape and a relative error of at most ``rtol``.
    """

    grade_id: str
    points: float
    function: str
    cases: Callable[[torch.Generator], list[Arrays]]
    call: str
    reference: Callable[[Arrays], Arrays]
    rtol: float = 1e-10
    view: Callable[[Arrays, Arrays], Arrays] | None = None


def load(assignment: str) -> dict[str, Spec]:
    """The specs of ``assignment`` by ``grade_id``; ``{}`` when it declares none."""
    if not assignment.isidentifier():
        return {}
    try:
        module = importlib.import_module(f"tools.grading.specs.{assignment}")
    except ModuleNotFoundError as error:
        if error.name != f"tools.grading.specs.{assignment}":
            raise
        return {}
    return {spec.grade_id: spec for spec in module.SPECS}
