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
