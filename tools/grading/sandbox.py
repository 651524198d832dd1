"""A throwaway folder and a bubblewrap sandbox for one submission's kernel.

The kernel runs under Debian's ``bwrap`` (package ``bubblewrap``):

- no network (its own network namespace, loopback only), its own PID namespace (every process
  it starts dies with it), its own user namespace with no capabilities;
- a read-only view of the system folders, of Python and of the installed package, and of the
  data mirror; an empty ``/tmp``; nothing else of the machine: not the checkout, not the
  instructor's notebooks, not the other submissions, not the scores;
- writable, each a size-limited in-memory folder that is gone with it: its home and working
  folder, ``/tmp``, ``/dev/shm`` and the folder of its kernel sockets (``SOCKETS``; the grader
  reaches the sockets through ``/proc/<pid>/root`` of the sandbox's first process); its root,
  ``/dev`` and everything else are read-only. Nothing it writes reaches the host's disk: the
  submission's own folder (its connection file) is shown read-only, and its stdout and stderr
  go through a pipe of which the grader keeps the first ``output_kb``;
- resource limits: address space, CPU time, file size and open files per process
  (``prlimit``), and a cap on the processes and threads of the whole sandbox (a ``pids``
  cgroup, where the grader may create one: as root on most machines);
- when it ends, every process in its PID namespace (and its cgroup) is killed and waited for.

Where ``bwrap`` is missing or cannot create namespaces, ``available()`` says why; the grader
then refuses to run unless the instructor passes ``--unsandboxed``, and the CSV says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
HOME = "/home/student"  # the kernel's home and working folder, a size-limited tmpfs
SOCKETS = "/kernel"  # the kernel's sockets, a small tmpfs inside the sandbox


@dataclass
class Limits:
    """What one submission's kernel may use."""

    memory_mb: int = 6000  # address space per process (PyTorch reserves much it never touches)
    processes: int = 128  # tasks (processes and threads) of the whole sandbox, where a cgroup can cap them
    cpu_seconds: int = 3600  # CPU time per process
    file_mb: int = 100  # size of any one file it writes
    open_files: int = 512
    output_kb: int = 256  # of the kernel's own stdout and stderr that the grader reads
    scratch_mb: int = 512  # each of the kernel's writable folders, home and /tmp (in memory)
    shm_mb: int = 64  # /dev/shm (in memory)
    sockets_kb: int = 256  # the folder of the kernel's sockets (in memory)


def available() -> str | None:
    """``None`` when bubblewrap can sandbox a process here, else the reason it cannot."""
    if shutil.which("bwrap") is None:
        return "bwrap not found (Debian/Ubuntu: apt-get install bubblewrap)"
    if shutil.which("prlimit") is None:
        return "prlimit not found (util-linux)"
    try:
        run = subprocess.run(["bwrap", *_namespaces(), "--ro-bind", "/", "/", "--", "true"],
                             capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap failed to start: {error}"
    if run.returncode != 0:
        return "bwrap cannot create namespaces here: " + run.stderr.decode("utf-8", "replace").strip()
    return None


def _namespaces() -> list[str]:
    return ["--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000",
            "--cap-drop", "ALL", "--die-with-parent", "--new-session"]


WORKDIR_ENV = "COURSE_GRADE_TMPDIR"


def workdir() -> Path:
    """A fresh folder for one submission, with a short path, under ``$COURSE_GRADE_TMPDIR`` or /tmp."""
    return Path(tempfile.mkdtemp(prefix="grade-", dir=os.environ.get(WORKDIR_ENV) or "/tmp"))


def readable_paths() -> list[Path]:
    """What the kernel needs to read: Python, its packages and the course package."""
    import course_utils

    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(course_utils.__file__).parent}
    for entry in sys.path:
        if entry and Path(entry).is_dir() and not Path(entry).resolve().is_relative_to(_checkout().resolve()):
            paths.add(Path(entry))
    return sorted(p.resolve() for p in paths if p.exists())


def _checkout() -> Path:
    return Path(__file__).resolve().parents[2]


def _tasks_of_this_user() -> int:
    """Processes and threads running as this user: RLIMIT_NPROC counts them all."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def command(argv: list[str], folder: Path, env: dict[str, str], limits: Limits,
            data: Path | None = None) -> list[str]:
    """``argv`` wrapped in bwrap and prlimit: run in ``folder``, with ``env`` only."""
    wrap = ["bwrap", *_namespaces()]
    for path in SYSTEM_DIRS:
        if Path(path).exists():
            wrap += ["--ro-bind", path, path]
    # the empty /tmp and home first: Python, the package or the data may live under /tmp (a CI
    # virtual environment does), and a bind made after the tmpfs stays visible on top of it
    scratch = str(limits.scratch_mb * 1024 * 1024)
    wrap += ["--dev", "/dev", "--proc", "/proc", "--size", scratch, "--tmpfs", "/tmp",
             "--size", scratch, "--tmpfs", HOME, "--size", str(limits.shm_mb * 1024 * 1024),
             "--tmpfs", "/dev/shm", "--size", str(limits.sockets_kb * 1024), "--tmpfs", SOCKETS]
    for path in readable_paths():
        wrap += ["--ro-bind", str(path), str(path)]
    if data is not None and data.is_dir():
        wrap += ["--ro-bind", str(data), str(data)]
    wrap += ["--ro-bind", str(folder), str(folder), "--remount-ro", "/dev", "--remount-ro", "/",
             "--chdir", HOME, "--clearenv"]
    for key, value in env.items():
        wrap += ["--setenv", key, value]
    mb = 1024 * 1024
    return [*wrap, "--", "prlimit", f"--as={limits.memory_mb * mb}",
            f"--nproc={_tasks_of_this_user() + limits.processes}",  # counts where no user namespace hides it
            f"--cpu={limits.cpu_seconds}",
            f"--fsize={limits.file_mb * mb}", f"--nofile={limits.open_files}", "--core=0",
            "--", *argv]


def unsandboxed(argv: list[str], folder: Path, env: dict[str, str], limits: Limits,
                data: Path | None = None) -> list[str]:
    """``argv`` with the resource limits only (``--unsandboxed``: no namespaces, no hiding)."""
    mb = 1024 * 1024
    return ["prlimit", f"--as={limits.memory_mb * mb}", f"--cpu={limits.cpu_seconds}",
            f"--fsize={limits.file_mb * mb}", "--core=0", "--", *argv]


def kernel_env(home: Path, mode: str, data: Path | None) -> dict[str, str]:
    """The kernel's whole environment: nothing of the instructor's but what it needs.

    ``PYTHONPATH`` names the folder above the grader's own ``course_utils`` (only that package of
    it is shown in the sandbox), so the kernel imports the very package the grader uses, also
    where another checkout's editable install is on the path.
    """
    import course_utils

    env = {"HOME": str(home), "PYTHONPATH": str(Path(course_utils.__file__).resolve().parents[1]),
           "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "LANG": "C.UTF-8", "COURSE_MODE": mode, "COURSE_DATA_DIR": str(home / "data"),
           "COURSE_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(home / ".mpl"),
           "IPYTHONDIR": str(home / ".ipython"), "JUPYTER_RUNTIME_DIR": str(home / ".jupyter"),
           "PYTHONDONTWRITEBYTECODE": "1", "TQDM_MININTERVAL": "10", "TQDM_DISABLE": "1"}
    if data is not None:
        env["COURSE_DATA_MIRROR"] = str(data)
    return env


def data_mirror() -> Path | None:
    """The instructor's datasets, shown read-only to kernels: the mirror, else the cache."""
    from course_utils import data

    mirror = os.environ.get(data.MIRROR_ENV)
    path = Path(mirror) if mirror else data.cache_dir()
    return path.resolve() if path.is_dir() else None


PIDS_CGROUPS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))  # cgroup v1, then v2


def pids_cgroup(name: str, limit: int) -> Path | None:
    """A new cgroup that holds at most ``limit`` tasks, or ``None`` where none can be made."""
    for root in PIDS_CGROUPS:
        if not (root / "cgroup.procs").exists():
            continue
        group = root / name
        try:
            group.mkdir()
            (group / "pids.max").write_text(str(limit))
            return group
        except OSError:
            remove_cgroup(group)
    return None


def in_cgroup(argv: list[str], group: Path | None) -> list[str]:
    """``argv`` started inside ``group`` (its first process joins, so all its children do)."""
    if group is None:
        return argv
    return ["sh", "-c", 'echo $$ > "$1" && shift && exec "$@"', "sh", str(group / "cgroup.procs"), *argv]


def kill_all(group: Path | None, namespace: str | None, wait: float = 10.0) -> None:
    """SIGKILL every process in ``group`` or in the PID ``namespace``; return once none is left."""
    import signal
    import time

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        pids = _members(group, namespace)
        if not pids and _tasks(group) == 0:  # zombies still count until they are reaped
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
    while group is not None and group.exists() and time.monotonic() < deadline + 5:
        remove_cgroup(group)
        time.sleep(0.05)


def _tasks(group: Path | None) -> int:
    """The tasks a cgroup still holds (0 without one, or when it cannot be read)."""
    try:
        return int((group / "pids.current").read_text()) if group is not None else 0
    except (OSError, ValueError):
        return 0


def _members(group: Path | None, namespace: str | None) -> set[int]:
    pids = set()
    if group is not None:
        try:
            pids |= {int(p) for p in (group / "cgroup.procs").read_text().split()}
        except (OSError, ValueError):
            pass
    if namespace is not None:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    if os.readlink(f"/proc/{entry.name}/ns/pid") == namespace:
                        pids.add(int(entry.name))
                except OSError:
                    continue
    return pids


def remove_cgroup(group: Path | None) -> None:
    if group is not None:
        try:
            group.rmdir()
        except OSError:
            pass


def first_child(pid: int) -> int | None:
    """The first child of ``pid`` (bwrap's first process in the sandbox), or ``None``."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def namespace_of_child(pid: int) -> str | None:
    """The PID namespace of the first child of ``pid`` (bwrap's init in the sandbox)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        found = os.readlink(f"/proc/{children[0]}/ns/pid") if children else None
    except OSError:
        return None
    return None if found == os.readlink("/proc/self/ns/pid") else found  # never the grader's own
