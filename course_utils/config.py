"""One call at the top of every notebook: seeds, device, threads, size mode and data folder.

    from course_utils import config
    cfg = config.setup(seed=0)
    num_steps = cfg.pick(smoke=20, class_=400, full=4000)

Size modes (environment variable ``COURSE_MODE``, or ``setup(mode=...)``):

- ``smoke``: seconds; for quick checks while developing the course.
- ``class``: the default; a laptop CPU, about a minute or two per notebook.
- ``full``: GPU / Colab scale.

Threads. On a 2-core machine PyTorch's default of one intra-op thread per core was measured
(small LSTM language-model step, batch 32 x 32 steps, hidden 128) at 0.009 s per step alone but
0.104 s when a second process was busy, against 0.014 s and 0.038 s with one thread. A notebook
in class shares the CPU with a browser and the Jupyter server, so the default is half the cores
(one thread on 2 cores), which loses a little when the machine is idle and avoids the 3-10x
collapse when it is not. ``COURSE_THREADS`` or ``setup(threads=...)`` overrides it.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

MODES = ("smoke", "class", "full")
MODE_ENV = "COURSE_MODE"
THREADS_ENV = "COURSE_THREADS"
SEED_ENV = "COURSE_SEED"


@dataclass(frozen=True)
class Config:
    """What ``setup`` decided: read it, pass it on; it is never changed behind your back."""

    mode: str
    seed: int
    device: torch.device
    threads: int
    data_dir: Path

    def pick(self, smoke=None, class_=None, full=None, **kwargs):
        """Return the value given for the current mode.

        >>> Config("class", 0, torch.device("cpu"), 1, Path(".")).pick(smoke=2, class_=20, full=200)
        20
        """
        values = {"smoke": smoke, "class": kwargs.pop("class", class_), "full": full}
        if kwargs:
            raise TypeError(f"pick() takes smoke=, class_= and full=; got {sorted(kwargs)}")
        value = values[self.mode]
        if value is None:
            raise ValueError(f"pick() was given no value for the current mode {self.mode!r}")
        return value

    def __str__(self) -> str:
        return (f"mode={self.mode} device={self.device.type} threads={self.threads} "
                f"seed={self.seed} data_dir={self.data_dir}")


def get_mode(mode: str | None = None) -> str:
    """The size mode: the argument, else ``$COURSE_MODE``, else ``class``."""
    mode = (mode or os.environ.get(MODE_ENV) or "class").strip().lower()
    if mode not in MODES:
        raise ValueError(f"Unknown size mode {mode!r}: expected one of {MODES}. "
                         f"Set {MODE_ENV}=class (or smoke / full) or pass setup(mode='class').")
    return mode


def pick_device(prefer: str | None = None) -> torch.device:
    """cuda if available, then Apple's mps, then cpu (or the device named by ``prefer``)."""
    if prefer:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def available_cores() -> int:
    """Cores this process may run on (respects CPU pinning, unlike ``os.cpu_count()``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 2


def default_threads() -> int:
    """Half the usable cores, at least one (see the module docstring for the measurement)."""
    env = os.environ.get(THREADS_ENV)
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a whole number of threads, got {env!r}") from None
    return max(1, available_cores() // 2)


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's (CPU and GPU) random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def setup(seed: int = 0, mode: str | None = None, threads: int | None = None,
          device: str | None = None) -> Config:
    """Seed everything, pick the device, set threads and read the size mode.

    Parameters
    ----------
    seed: seed for ``random``, NumPy and PyTorch; ``$COURSE_SEED`` overrides it, so the
        notebooks' asserted claims can be re-checked with other seeds without editing them.
    mode: ``"smoke"``, ``"class"`` or ``"full"``; default ``$COURSE_MODE`` or ``"class"``.
    threads: PyTorch intra-op threads; default ``$COURSE_THREADS`` or half the cores.
    device: force a device (``"cpu"``, ``"cuda"``, ``"mps"``); default the best available.
    """
    from . import data  # local import: data imports nothing from here, keep it that way

    mode = get_mode(mode)
    seed = int(os.environ.get(SEED_ENV, seed))
    threads = threads or default_threads()
    torch.set_num_threads(threads)
    seed_everything(seed)
    return Config(mode=mode, seed=seed, device=pick_device(device), threads=threads,
                  data_dir=data.cache_dir())
