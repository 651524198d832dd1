"""Run a graded notebook in a sandboxed kernel and read each cell's verdict from the kernel.

The grader starts ``ipykernel`` itself (inside ``tools.sandbox``), talks to it over Unix sockets
in the submission's folder (the only thing shared with the sandbox) with ``jupyter_client``'s
message-level API, and sends the code cells one ``execute_request`` at a time. A cell's verdict
is the ``status`` of its ``execute_reply``: never an output, a printed line or an exception's
name. Before the first cell the grader installs ``tools/kernel_guard.py`` in the kernel, and
before each restored test cell it runs the guard's reset.

Everything read from the kernel is treated as untrusted data: messages that fail to parse are
dropped, message size is capped, the kernel's own stdout and stderr are read from a capped file
with undecodable bytes replaced. A cell that runs past its time is interrupted; if it still
runs, or the whole notebook runs past its time, the sandbox is killed (and with it every process
it started); verdicts reached before that are kept.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools import sandbox

GUARD = Path(__file__).with_name("kernel_guard.py")
RESET = "__import__('sys').modules['__course_grader_guard__'].reset()"
MAX_MESSAGE = 16 * 1024 * 1024  # bytes: a larger message from the kernel is dropped


@dataclass
class Run:
    """What happened: each reached code cell's verdict, and how the run ended."""

    verdicts: dict[int, str] = field(default_factory=dict)  # "ok", "error: Name", "timeout", ...
    status: str = "ok"  # ok, timeout, kernel died
    reason: str = ""
    log: str = ""  # the kernel process's own stdout and stderr, capped


class Kernel:
    """One sandboxed ipykernel and a client for it; a context manager that always cleans up."""

    def __init__(self, folder: Path, mode: str, limits: sandbox.Limits, sandboxed: bool = True):
        self.folder, self.limits = folder, limits
        data = sandbox.data_mirror()
        env = sandbox.kernel_env(folder, mode, data)
        self.connection = folder / "kernel.json"
        _write_connection(self.connection, folder)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(self.connection),
                "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
        wrap = sandbox.command if sandboxed else sandbox.unsandboxed
        if not sandboxed:
            env = {**os.environ, **env}
        self.command, self.env = wrap(argv, folder, env, limits, data), env
        self.process = None
        self.client = None

    def __enter__(self) -> "Kernel":
        self.log_file = open(self.folder.parent / f"{self.folder.name}.log", "wb")
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        env=self.env, cwd=self.folder)
        self.client = _client(self.connection)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            try:
                self.client.stop_channels()
                self.client.context.destroy(linger=0)
            except Exception:  # noqa: BLE001 - cleanup goes on whatever the client did
                pass
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # bwrap, and the namespace with it
            except ProcessLookupError:
                pass
            self.process.wait()
        self.log_file.close()

    def log(self) -> str:
        """The kernel process's stdout and stderr, capped, undecodable bytes replaced."""
        path = self.folder.parent / f"{self.folder.name}.log"
        with open(path, "rb") as f:
            raw = f.read(self.limits.output_kb * 1024)
        return raw.decode("utf-8", "replace")

    def execute(self, code: str, timeout: float, silent: bool = False) -> str:
        """Run ``code``; its verdict: ``ok``, ``error: <ename>``, ``timeout`` or ``kernel died``."""
        client = self.client
        msg_id = client.execute(code, silent=silent, store_history=not silent, allow_stdin=False,
                                stop_on_error=False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return "kernel died"
            _drain(client)
            reply = _message(client.get_shell_msg, min(0.2, max(deadline - time.monotonic(), 0.01)))
            if reply is None or reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if reply.get("msg_type") != "execute_reply":
                continue
            content = reply.get("content") if isinstance(reply.get("content"), dict) else {}
            if content.get("status") == "ok":
                return "ok"
            return f"error: {str(content.get('ename', '?'))[:80]}"
        return "timeout"

    def interrupt(self, grace: float = 5.0) -> bool:
        """Ask the kernel to stop its cell; ``True`` when it is idle again within ``grace`` s."""
        try:
            self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))
        except Exception:  # noqa: BLE001
            return False
        return self.execute("pass", grace, silent=True) == "ok"


def _write_connection(path: Path, folder: Path) -> None:
    """A connection file for Unix-socket transport: sockets in ``folder``, a fresh key."""
    from jupyter_client.connect import write_connection_file

    write_connection_file(str(path), transport="ipc", ip=str(folder / "k"), key=os.urandom(32).hex().encode())


def _client(connection: Path):
    import zmq
    from jupyter_client import BlockingKernelClient

    context = zmq.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)  # a flood of huge messages is cut off
    client = BlockingKernelClient(connection_file=str(connection), context=context)
    client.load_connection_file()
    client.start_channels()
    return client


def _message(get, timeout: float) -> dict | None:
    """The next message, or ``None`` (nothing came, or what came did not parse)."""
    try:
        msg = get(timeout=timeout)
    except Exception:  # noqa: BLE001 - queue.Empty, or a malformed or badly signed message
        return None
    return msg if isinstance(msg, dict) else None


def _drain(client, most: int = 1000) -> None:
    """Discard what the kernel published (outputs are not evidence; they only fill memory)."""
    for _ in range(most):
        try:
            if not client.iopub_channel.msg_ready():
                return
            client.get_iopub_msg(timeout=0)
        except Exception:  # noqa: BLE001
            continue


def wait_ready(kernel: Kernel, timeout: float) -> bool:
    """``True`` once the kernel answers; ``False`` when it died or never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and kernel.alive():
        if kernel.execute("pass", min(10.0, deadline - time.monotonic()), silent=True) == "ok":
            return True
    return False


def run(nb, test_cells: set[int], folder: Path, mode: str, cell_timeout: float,
        total_timeout: float, limits: sandbox.Limits, sandboxed: bool = True) -> Run:
    """Run every code cell of ``nb`` in order in a fresh sandboxed kernel; see the module doc."""
    result = Run()
    deadline = time.monotonic() + total_timeout
    with Kernel(folder, mode, limits, sandboxed) as kernel:
        if not wait_ready(kernel, min(120.0, total_timeout)):
            result.status, result.reason = "kernel died", "the kernel did not start"
            result.log = kernel.log()
            return result
        guard = kernel.execute(GUARD.read_text(encoding="utf-8"), 120, silent=True)
        if guard != "ok":
            result.status, result.reason = "kernel died", f"the grader's guard did not install: {guard}"
            result.log = kernel.log()
            return result
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                result.status, result.reason = "timeout", f"the notebook ran past {total_timeout:g} s"
                break
            if index in test_cells:
                reset = kernel.execute(RESET, min(60.0, remaining), silent=True)
                if reset != "ok":
                    result.verdicts[index] = f"grader reset failed ({reset})"
                    if reset in ("timeout", "kernel died"):
                        result.status, result.reason = reset, f"before cell {index}"
                        break
                    continue
            verdict = kernel.execute(cell.source, min(cell_timeout, remaining))
            result.verdicts[index] = verdict
            if verdict == "kernel died":
                result.status, result.reason = "kernel died", f"in cell {index}"
                break
            if verdict == "timeout":
                if not kernel.interrupt():
                    result.status = "timeout"
                    result.reason = f"cell {index} ran past {min(cell_timeout, remaining):g} s and ignored the interrupt"
                    break
                result.status, result.reason = "timeout", f"cell {index} ran past {cell_timeout:g} s"
        result.log = kernel.log()
    return result

