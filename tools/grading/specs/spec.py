"""What one autograded question declares (:class:`Spec`); the assignments' modules beside this one
import it from here, and :func:`tools.grading.specs.load` imports those modules, so that the
package and its assignments never import each other."""

from __future__ import annotations

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
