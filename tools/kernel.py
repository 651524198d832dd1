"""Run a graded notebook in a sandboxed kernel and read each cell's verdict from the kernel.

The grader starts ``ipykernel`` itself (inside ``tools.sandbox``), talks to it over Unix sockets
in the submission's folder (the only thing shared with the sandbox) with ``jupyter_client``'s
message-level API, and sends the code cells one ``execute_request`` at a time. A cell's verdict
is the ``status`` of its ``execute_reply``: never an output, a printed line or an exception's
name. Before the first cell the grader installs ``tools/kernel_guard.py`` in the kernel; before
each restored test cell it runs the guard's reset, and after one that passed, its verify.

Everything read from the kernel is treated as untrusted data: messages that fail to parse are
dropped, message size is capped, the kernel's own stdout and stderr are read from a capped file
with undecodable bytes replaced. A cell that runs past its time is interrupted; if it still
runs, or the whole notebook runs past its time, the sandbox is killed (and with it every process
it started); verdicts reached before that are kept.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from tools import sandbox

GUARD = Path(__file__).with_name("kernel_guard.py")
RESET = "__import__('sys').modules['__course_grader_guard__'].reset()"
VERIFY = "__import__('sys').modules['__course_grader_guard__'].verify()"
MAX_MESSAGE = 16 * 1024 * 1024  # bytes: a larger message from the kernel is dropped


@dataclass
class Run:
    """What happened: each reached code cell's verdict, and how the run ended."""

    verdicts: dict[int, str] = field(default_factory=dict)  # "ok", "error: Name", "timeout", ...
    status: str = "ok"  # ok, timeout, kernel died
    reason: str = ""
    log: str = ""  # the kernel process's own stdout and stderr, capped


class Kernel:
    """One sandboxed ipykernel and the grader's sockets to it; a context manager that cleans up."""

    def __init__(self, folder: Path, mode: str, limits: sandbox.Limits, sandboxed: bool = True):
        self.folder, self.limits = folder, limits
        data = sandbox.data_mirror()
        env = sandbox.kernel_env(Path(sandbox.HOME) if sandboxed else folder, mode, data)
        self.connection = folder / "kernel.json"
        self.info = _write_connection(self.connection, folder)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(self.connection),
                "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
        wrap = sandbox.command if sandboxed else sandbox.unsandboxed
        if not sandboxed:
            env = {**os.environ, **env}
        self.command, self.env = wrap(argv, folder, env, limits, data), env
        self.cgroup = sandbox.pids_cgroup(folder.name, limits.processes)
        self.command = sandbox.in_cgroup(self.command, self.cgroup)
        self.namespace = None
        self.log_path = folder.parent / f"{folder.name}.log"
        self.process = None
        self.context = None

    def __enter__(self) -> Self:
        import zmq
        from jupyter_client.session import Session

        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            env=self.env, cwd=self.folder)
        self.session = Session(key=self.info["key"].encode(), signature_scheme=self.info["signature_scheme"])
        self.context = zmq.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)  # a larger message is cut off
        self.context.setsockopt(zmq.LINGER, 0)
        self.shell = self._socket(zmq.DEALER, "shell_port")
        self.control = self._socket(zmq.DEALER, "control_port")
        self.iopub = self._socket(zmq.SUB, "iopub_port")
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        return self

    def _socket(self, kind: int, port: str):
        socket = self.context.socket(kind)
        socket.connect(f"ipc://{self.info['ip']}-{self.info[port]}")
        return socket

    def alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            return False
        if self.namespace is None:
            self.namespace = sandbox.namespace_of_child(self.process.pid)
        return True

    def __exit__(self, *exc) -> None:
        if self.context is not None:
            self.context.destroy(linger=0)
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # bwrap, and the namespace with it
            except ProcessLookupError:
                pass
            self.process.wait()
        sandbox.kill_all(self.cgroup, self.namespace)

    def log(self) -> str:
        """The kernel process's stdout and stderr, capped, undecodable bytes replaced."""
        with open(self.log_path, "rb") as f:
            raw = f.read(self.limits.output_kb * 1024)
        return raw.decode("utf-8", "replace")

    def execute(self, code: str, timeout: float, silent: bool = False) -> str:
        """Run ``code``; its verdict: ``ok``, ``error: <ename>``, ``timeout`` or ``kernel died``."""
        content = {"code": code, "silent": silent, "store_history": not silent,
                   "user_expressions": {}, "allow_stdin": False, "stop_on_error": False}
        msg_id = self.session.send(self.shell, "execute_request", content)["header"]["msg_id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return "kernel died"
            self._drain()
            reply = self._reply(min(0.2, max(deadline - time.monotonic(), 0.01)))
            if reply is None or reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if reply.get("msg_type") != "execute_reply":
                continue
            content = reply.get("content") if isinstance(reply.get("content"), dict) else {}
            if content.get("status") == "ok":
                return "ok"
            return f"error: {str(content.get('ename', '?'))[:80]}"
        return "timeout"

    def _reply(self, timeout: float) -> dict | None:
        """The next message on the shell socket, or ``None`` (nothing, or it did not parse)."""
        import zmq

        if not self.shell.poll(int(timeout * 1000)):
            return None
        try:
            frames = self.shell.recv_multipart(zmq.NOBLOCK)
            _, frames = self.session.feed_identities(frames)
            msg = self.session.deserialize(frames)
        except Exception:  # noqa: BLE001 - malformed, badly signed or undecodable: dropped
            return None
        return msg if isinstance(msg, dict) else None

    def _drain(self, most: int = 10_000) -> None:
        """Discard what the kernel published: outputs are not evidence, they only fill memory."""
        import zmq

        for _ in range(most):
            try:
                self.iopub.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            except zmq.ZMQError:
                return

    def interrupt(self, grace: float = 5.0) -> bool:
        """Ask the kernel to stop its cell; ``True`` when it is idle again within ``grace`` s."""
        try:
            self.session.send(self.control, "interrupt_request", {})
        except Exception:  # noqa: BLE001
            return False
        return self.execute("pass", grace, silent=True) == "ok"


def _write_connection(path: Path, folder: Path) -> dict:
    """A connection file for Unix-socket transport: sockets in ``folder``, a fresh key."""
    from jupyter_client.connect import write_connection_file

    write_connection_file(str(path), transport="ipc", ip=str(folder / "k"), key=os.urandom(32).hex().encode())
    return json.loads(path.read_text())


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
            if index in test_cells and verdict not in ("timeout", "kernel died"):
                check = kernel.execute(VERIFY, 60, silent=True)  # also turns garbage collection back on
                if verdict == "ok" and check != "ok":
                    verdict = f"grader check after the cell failed ({check})"
            result.verdicts[index] = verdict
            if verdict == "kernel died":
                result.status, result.reason = "kernel died", f"in cell {index}"
                break
            if verdict == "timeout":
                if not kernel.interrupt():
                    result.status = "timeout"
                    limit = min(cell_timeout, remaining)
                    result.reason = f"cell {index} ran past {limit:g} s and ignored the interrupt"
                    break
                result.status, result.reason = "timeout", f"cell {index} ran past {cell_timeout:g} s"
        result.log = kernel.log()
    return result

