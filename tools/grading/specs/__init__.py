"""The graded questions of each assignment, declared once: what the grader calls and how it judges.

One module per assignment (``tools/grading/specs/<assignment>.py``) holds a ``SPECS`` list of
``Spec`` (declared in :mod:`tools.grading.specs.spec`): for each autograded question (the
``grade_id`` of its test cell), the student's function it calls, how its inputs are made, the
code that calls it inside the kernel, how the reference is computed outside, the tolerance and
the points. ``tools.grading.judge`` makes the inputs with a seed the submission never sees, has
the kernel run ``call`` on them and hand back arrays only, and compares those with
``reference`` in the grader's own process. The notebook's visible check
cells stay as they are (feedback while the student works); they decide no mark.
"""

from __future__ import annotations

import importlib

from tools.grading.specs.spec import Arrays, Spec

__all__ = ["Arrays", "Spec", "load"]


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
    return {spec.grade_id: spec for spec in getattr(module, "SPECS", ())}  # spec.py declares none
