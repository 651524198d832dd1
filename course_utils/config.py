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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import costs

MODES = ("smoke", "class", "full")
MODE_ENV = "COURSE_MODE"
THREADS_ENV = "COURSE_THREADS"
SEED_ENV = "COURSE_SEED"
DEVICE_ENV = "COURSE_DEVICE"
FAKE_DEVICES = ("fake", "fakegpu")  # the simulated accelerator of course_utils.fakedevice


@dataclass(frozen=True)
class Config:
    """What ``setup`` decided: read it, pass it on; it is never changed behind your back."""

    mode: str
    seed: int
    device: torch.device
    threads: int
    data_dir: Path
    note: str = ""  # what setup wants you to know, e.g. that a GPU is idle in class mode

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

    def steps(self, smoke=None, class_=None, full=None, **kwargs) -> int:
        """The number of training steps given for the current mode, like ``pick``.

        A training loop written by hand takes its length from here, so that a dry run at full
        scale (``COURSE_DRY_STEPS=2``: ``course_utils.costs``) runs it for that many steps only,
        as ``training.fit`` does.

        >>> Config("full", 0, torch.device("cpu"), 1, Path(".")).steps(smoke=2, class_=20, full=200)
        200
        """
        value = int(self.pick(smoke, class_, full, **kwargs))
        dry = costs.dry_steps()
        return min(value, dry) if dry else value

    def __str__(self) -> str:
        text = (f"mode={self.mode} device={self.device.type} threads={self.threads} "
                f"seed={self.seed} data_dir={shown_path(self.data_dir)}")
        return f"{text}\n{self.note}" if self.note else text

    def _repr_pretty_(self, printer, cycle) -> None:
        """How a notebook shows ``cfg`` as a cell's last line: as ``print(cfg)`` does, no full path."""
        printer.text(str(self))


COURSE_FOLDER = Path(__file__).resolve().parents[1]


def shown_path(path: Path, course: Path = COURSE_FOLDER, home: Path | None = None) -> str:
    """``path`` as a printout shows it: relative to the course folder (``data``) or to the home
    folder (``~/.cache/rnn-course``), never the machine's full path, so that a notebook's output
    says where the data is without naming the folders of whoever ran it.

    >>> shown_path(Path("/srv/course/data"), course=Path("/srv/course"))
    'data'
    >>> shown_path(Path("/home/ana/.cache/rnn-course"), course=Path("/srv/course"), home=Path("/home/ana"))
    '~/.cache/rnn-course'
    """
    path = Path(path)
    for base, prefix in ((course, ""), (home or Path.home(), "~/")):
        try:
            relative = path.resolve().relative_to(Path(base).resolve())
        except (ValueError, OSError):
            continue
        return prefix + relative.as_posix() if relative.parts else prefix.rstrip("/") or "."
    return str(path)


def configure_gpu(device: torch.device, mode: str) -> str:
    """PyTorch's GPU settings for the course, and a note saying what they are.

    On CUDA, matrix products may use TF32 (faster on recent GPUs, about 3 significant digits:
    notebooks compare with tolerances that allow it) and, in ``full`` mode, cuDNN picks its
    fastest algorithms (``cudnn.benchmark``). Neither is bit-deterministic, so a GPU run differs
    slightly from run to run; every asserted claim has a margin for that. Elsewhere: no change.
    """
    if device.type != "cuda":
        return ""
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = mode == "full"
    torch.backends.cudnn.deterministic = False
    note = "GPU: TF32 matmuls on, cuDNN not bit-deterministic (asserts have margins)."
    if mode != "full":
        note += (f" A GPU is present but the mode is {mode!r}: set {MODE_ENV}=full (or "
                 f"setup(mode='full')) for the larger experiments.")
    return note


@contextmanager
def full_precision():
    """Inside the block, float32 matrix products use full float32 precision (TF32 off), then back.

    ``configure_gpu`` lets CUDA use TF32 (about 3 significant digits) for speed; a comparison of
    two implementations down to float32 rounding (1e-4 and below) needs it off. On the CPU this
    changes nothing.

    >>> with full_precision():
    ...     torch.backends.cuda.matmul.allow_tf32
    False
    """
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def get_mode(mode: str | None = None) -> str:
    """The size mode: the argument, else ``$COURSE_MODE``, else ``class``."""
    mode = (mode or os.environ.get(MODE_ENV) or "class").strip().lower()
    if mode not in MODES:
        raise ValueError(f"Unknown size mode {mode!r}: expected one of {MODES}. "
                         f"Set {MODE_ENV}=class (or smoke / full) or pass setup(mode='class').")
    return mode


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def available_devices() -> list[str]:
    """The device types this machine can use, best first: some of ``cuda``, ``mps``, and ``cpu``."""
    found = ["cuda"] if torch.cuda.is_available() else []
    found += ["mps"] if _mps_available() else []
    return found + ["cpu"]


def _requested_device(prefer: str) -> torch.device:
    """``torch.device(prefer)``, checked to exist on this machine, with an error that says what to do."""
    options = available_devices()
    try:
        device = torch.device(prefer)
    except (RuntimeError, ValueError):
        device = None
    if device is None or device.type not in options or (
            device.type == "cuda" and device.index is not None
            and device.index >= torch.cuda.device_count()):
        raise ValueError(f"Device {prefer!r} was requested but is not available on this machine; "
                         f"available: {', '.join(options)}. Pass one of those, or leave the device "
                         f"out (setup(device=None)) to use the best available.")
    return device


def pick_device(prefer: str | None = None) -> torch.device:
    """cuda if available, then Apple's mps, then cpu; or the device named by ``prefer``.

    A ``prefer`` this machine does not have (``"cuda"`` without a GPU) is an error, not a silent
    fall-back, so that a notebook asked to run on a GPU never runs on the CPU unnoticed.
    ``"fake"`` is the simulated accelerator of ``course_utils.fakedevice`` (CPU values, CUDA's
    device errors), for checking on a machine without a GPU that a notebook would run on one.
    """
    if prefer and prefer.strip().lower() in FAKE_DEVICES:
        from . import fakedevice

        return fakedevice.enable()
    if prefer:
        return _requested_device(prefer)
    return torch.device(available_devices()[0])


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


def seed_from_env(seed: int) -> int:
    """``$COURSE_SEED`` if it is set, else ``seed``; a value that is not a whole number is an error."""
    env = os.environ.get(SEED_ENV)
    if env is None or not env.strip():
        return seed
    try:
        return int(env)
    except ValueError:
        raise ValueError(f"{SEED_ENV} must be a whole number, e.g. {SEED_ENV}=1, got {env!r}; "
                         f"unset it to use the notebook's own seed.") from None


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's (CPU and GPU) random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


_ACTIVE: Config | None = None


def active() -> Config | None:
    """The ``Config`` that the last ``setup`` call returned in this process, or None before one."""
    return _ACTIVE


def setup(seed: int = 0, mode: str | None = None, threads: int | None = None,
          device: str | None = None) -> Config:
    """Seed everything, pick the device, set threads and read the size mode.

    Parameters
    ----------
    seed: seed for ``random``, NumPy and PyTorch; ``$COURSE_SEED`` overrides it, so the
        notebooks' asserted claims can be re-checked with other seeds without editing them.
    mode: ``"smoke"``, ``"class"`` or ``"full"``; default ``$COURSE_MODE`` or ``"class"``.
    threads: PyTorch intra-op threads; default ``$COURSE_THREADS`` or half the cores.
    device: force a device (``"cpu"``, ``"cuda"``, ``"mps"``, or ``"fake"``, the simulated
        accelerator); default ``$COURSE_DEVICE``, else the best available. One this machine
        lacks is a ``ValueError`` naming those it has.

    On a GPU, ``configure_gpu`` sets TF32 and cuDNN's settings, and the returned ``Config``'s
    ``note`` says so, and says when a GPU sits idle because the mode is not ``full``.
    """
    from . import data  # local import: data imports nothing from here, keep it that way

    mode = get_mode(mode)
    seed = seed_from_env(seed)
    threads = threads or default_threads()
    torch.set_num_threads(threads)
    seed_everything(seed)
    chosen = pick_device(device or os.environ.get(DEVICE_ENV, "").strip() or None)
    from . import devicecheck

    devicecheck.install_if_asked()
    from . import style

    style.apply()  # one look for every figure of the course
    global _ACTIVE
    _ACTIVE = Config(mode=mode, seed=seed, device=chosen, threads=threads, data_dir=data.cache_dir(),
                     note=configure_gpu(chosen, mode))
    return _ACTIVE
