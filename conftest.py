"""Test-suite set-up, shared by the unit tests and the notebooks that nbval executes.

The tests never touch the network: if ``COURSE_DATA_MIRROR`` is not set and the offline copy of
the datasets that sits beside the checkout (``../shared/data``) exists, the data layer is pointed
at it. The notebooks' kernels inherit this environment.
"""

import os
from pathlib import Path

# --doctest-modules imports every .py under the test paths to look for examples; the notebooks'
# .py halves are jupytext scripts that nbval runs through their .ipynb, never to be imported.
collect_ignore_glob = ["notebooks/*.py"]

_shared = Path(__file__).resolve().parent.parent / "shared" / "data"
if "COURSE_DATA_MIRROR" not in os.environ and _shared.is_dir():
    os.environ["COURSE_DATA_MIRROR"] = str(_shared)
os.environ.setdefault("MPLBACKEND", "Agg")
# nbval reads a kernel's messages only after each cell finishes; a long cell redrawing progress
# bars many times a second can overflow the message queue and lose the end-of-cell message.
# Under test, bars redraw every 10 s: tqdm (>= 4.66.1) takes TQDM_* variables as its defaults
# when it is imported, which is after this line, and training.fit leaves the interval to it.
os.environ.setdefault("TQDM_MININTERVAL", "10")

# The unit tests run in this process: give PyTorch the same thread count a notebook gets
# (see course_utils.config), not one thread per core, which is far slower on a busy 2-core machine.
import torch  # noqa: E402

from course_utils.config import default_threads  # noqa: E402

torch.set_num_threads(default_threads())


# How long each notebook took, printed at the end of a run ("notebook times"): the sum of its
# cells' setup, run and teardown as pytest measured them, so kernel start and shutdown included.
# README's timing table is read from this summary of a `python -m pytest` run, CI's command.
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
