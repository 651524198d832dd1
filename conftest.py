"""Test-suite set-up, shared by the unit tests and the notebooks that nbval executes.

The tests never touch the network: if ``COURSE_DATA_MIRROR`` is not set and the offline copy of
the datasets that sits beside the checkout (``../shared/data``) exists, the data layer is pointed
at it. The notebooks' kernels inherit this environment.
"""

import os
from pathlib import Path

_shared = Path(__file__).resolve().parent.parent / "shared" / "data"
if "COURSE_DATA_MIRROR" not in os.environ and _shared.is_dir():
    os.environ["COURSE_DATA_MIRROR"] = str(_shared)
os.environ.setdefault("MPLBACKEND", "Agg")
# nbval reads a kernel's messages only after each cell finishes; a long cell redrawing progress
# bars many times a second can overflow the message queue and lose the end-of-cell message.
# Under test, bars redraw every 10 s (tqdm reads TQDM_* variables as its defaults).
os.environ.setdefault("TQDM_MININTERVAL", "10")

# The unit tests run in this process: give PyTorch the same thread count a notebook gets
# (see course_utils.config), not one thread per core, which is far slower on a busy 2-core machine.
import torch  # noqa: E402

from course_utils.config import default_threads  # noqa: E402

torch.set_num_threads(default_threads())
