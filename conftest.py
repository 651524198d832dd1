"""Test-suite set-up, shared by the unit tests and the notebooks that nbval executes.

The tests never touch the network: if ``COURSE_DATA_MIRROR`` is not set and the offline copy of
the datasets that sits beside the checkout (``../shared/data``) exists, the data layer is pointed
at it. The notebooks' kernels inherit this environment.
"""

import os
from pathlib import Path

# --doctest-modules imports every .py under the test paths to look for examples; the notebooks'
# .py halves are jupytext scripts that nbval runs through their .ipynb, never to be imported.
# The student versions (python -m tools.publishing.assignments) stop at their first exercise by design:
# nbval does not run them; tests/tools/publishing/test_assignments.py checks that they are up to date and
# that each fails exactly at its first stub.
collect_ignore_glob = ["notebooks/*.py", "notebooks/assignments/*.py", "notebooks/student/*"]

_shared = Path(__file__).resolve().parent.parent / "shared" / "data"
if "COURSE_DATA_MIRROR" not in os.environ and _shared.is_dir():
    os.environ["COURSE_DATA_MIRROR"] = str(_shared)
os.environ.setdefault("MPLBACKEND", "Agg")
# nbval reads a kernel's messages only after each cell finishes; a long cell redrawing progress
# bars many times a second can overflow the message queue and lose the end-of-cell message.
# Under test, bars redraw every 10 s: tqdm (>= 4.66.1) takes TQDM_* variables as its defaults
# when it is imported, which is after this line, and training.fit leaves the interval to it.
os.environ.setdefault("TQDM_MININTERVAL", "10")

# Under pytest-xdist every worker runs notebooks of its own: one PyTorch thread each, in the
# workers and in the kernels they start, so that N workers use N cores and never oversubscribe.
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("COURSE_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")

# The unit tests run in this process: give PyTorch the same thread count a notebook gets
# (see course_utils.config), not one thread per core, which is far slower on a busy 2-core machine.
import torch  # noqa: E402

from course_utils.config import default_threads  # noqa: E402

torch.set_num_threads(default_threads())


def _start_rank(item) -> int:
    """Longest work first, so that no worker is left alone with a long notebook at the end:
    the applications (09, 08, 07), then the other notebooks from the highest number down, then the
    assignments, then the unit tests. Cells of one notebook keep their order (the sort is stable)."""
    path = item.nodeid.split("::")[0]
    if not path.endswith(".ipynb"):
        return 1000
    name = path.rsplit("/", 1)[-1]
    return -int(name[:2]) if name[:2].isdigit() else 100


def pytest_collection_modifyitems(items):
    items.sort(key=_start_rank)


# How long each notebook took in this run, printed at the end ("notebook times"): the sum of its
# cells' setup, run and teardown as pytest measured them, kernel start and shutdown included. The
# suite runs notebooks side by side, so these times include sharing the CPU: README's per-notebook
# times come from `python -m tools.measuring.benchmark` (each notebook alone), not from here.
_notebook_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] = _notebook_seconds.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if _notebook_seconds:
        terminalreporter.section("notebook times")
        for path, seconds in sorted(_notebook_seconds.items()):
            terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
