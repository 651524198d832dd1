"""Run a graded notebook in a sandboxed kernel; at each graded question, the judge's cell.

The grader starts ``ipykernel`` itself (inside ``tools.grading.sandbox``) and talks to it with
``jupyter_client``'s message-level API over Unix sockets that live in a small, size-limited
in-memory folder *inside* the sandbox (``sandbox.SOCKETS``); the grader reaches them through
``/proc/<pid>/root`` of the sandbox's first process, so nothing the kernel writes lands on the
host's disk. The code cells are sent one ``execute_request`` at a time. In place of each
restored test cell the grader sends the judge's cell (``tools.grading.judge``) with ``user_expressions``
that hand its outputs back as data; the student's visible checks are not run.

Everything read from the kernel is treated as untrusted data: messages that fail to parse are
dropped, message size is capped, the kernel's own stdout and stderr are read through a pipe and
only their first ``output_kb`` kept, undecodable bytes replaced. A cell that runs past its time
is interrupted; if it still runs, or the whole notebook runs past its time, the sandbox is killed
(and with it every process it started); what came back before that is kept.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from tools.grading import sandbox

PRELUDE = "import numpy, torch"  # what the judge's cells use, imported before the student's time runs
GRADER_ERROR = "grader-error"  # the grader failed (sandbox, kernel, environment): not the student's mark
MAX_MESSAGE = 16 * 1024 * 1024  # bytes: a larger message from the kernel is dropped


@dataclass
class Run:
    """What happened: each reached code cell's verdict, and how the run ended."""

    verdicts: dict[int, str] = field(default_factory=dict)  # "ok", "error: Name", "timeout", ...
    replies: dict[int, dict] = field(default_factory=dict)  # a judged cell's user_expressions
    status: str = "ok"  # ok, timeout, kernel died, grader-error
    reason: str = ""
    log: str = ""  # the kernel process's own stdout and stderr, capped


class Kernel:
    """One sandboxed ipykernel and the grader's sockets to it; a context manager that cleans up."""

    def __init__(self, folder: Path, mode: str, limits: sandbox.Limits, sandboxed: bool = True):
        self.folder, self.limits = folder, limits
        data = sandbox.data_mirror()
        env = sandbox.kernel_env(Path(sandbox.HOME) if sandboxed else folder, mode, data)
        self.connection = folder / "kernel.json"
        self.sandboxed = sandboxed
        self.info = _write_connection(self.connection, sandbox.SOCKETS if sandboxed else str(folder))
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(self.connection),
                "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
        wrap = sandbox.command if sandboxed else sandbox.unsandboxed
        if not sandboxed:
            env = {**os.environ, **env}
        self.command, self.env = wrap(argv, folder, env, limits, data), env
        self.cgroup = sandbox.pids_cgroup(folder.name, limits.processes)
        self.command = sandbox.in_cgroup(self.command, self.cgroup)
        self.namespace = None
        self.init = None  # the sandbox's first process, whose root holds the sockets
        self.output = bytearray()
        self.process = None
        self.context = None

    def __enter__(self) -> Self:
        import zmq
        from jupyter_client.session import Session

        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        env=self.env, cwd=self.folder)
        self.reader = threading.Thread(target=self._read_output, daemon=True)
        self.reader.start()
        self.root = self._sandbox_root() if self.sandboxed else ""
        self._wait_for_sockets()
        self.session = Session(key=self.info["key"].encode(), signature_scheme=self.info["signature_scheme"])
        self.context = zmq.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)  # a larger message is cut off
        self.context.setsockopt(zmq.LINGER, 0)
        # connected once, to the sockets ipykernel made before any student code ran: never again
        # to whatever a notebook later puts at those paths (a link to a socket of the host's)
        self.context.setsockopt(zmq.RECONNECT_IVL, -1)
        self.shell = self._socket(zmq.DEALER, "shell_port")
        self.control = self._socket(zmq.DEALER, "control_port")
        self.iopub = self._socket(zmq.SUB, "iopub_port")
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        return self

    def _socket(self, kind: int, port: str):
        socket = self.context.socket(kind)
        socket.connect(f"ipc://{self.root}{self.info['ip']}-{self.info[port]}")
        return socket

    def _wait_for_sockets(self, wait: float = 120.0) -> None:
        """Return once the kernel's three sockets exist (or it died, or ``wait`` s passed)."""
        paths = [f"{self.root}{self.info['ip']}-{self.info[port]}"
                 for port in ("shell_port", "control_port", "iopub_port")]
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if all(stat.S_ISSOCK(os.lstat(path).st_mode) for path in paths):
                    return
            except OSError:
                pass
            time.sleep(0.05)

    def _sandbox_root(self, wait: float = 30.0) -> str:
        """``/proc/<pid>/root`` of the sandbox's first process (bwrap's, not the student's)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.process.poll() is None:
            self.namespace = sandbox.namespace_of_child(self.process.pid)
            self.init = sandbox.first_child(self.process.pid)
            if self.namespace is not None and self.init is not None:
                return f"/proc/{self.init}/root"
            time.sleep(0.02)
        return "/nonexistent"  # the kernel never started: wait_ready says so

    def _read_output(self) -> None:
        """Keep the first ``output_kb`` of the kernel's stdout and stderr; discard the rest."""
        cap = self.limits.output_kb * 1024
        while True:
            chunk = self.process.stdout.read1(65536)
            if not chunk:
                return
            if len(self.output) < cap:
                self.output += chunk[:cap - len(self.output)]

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
        if self.process is not None:
            self.reader.join(timeout=5)
            self.process.stdout.close()

    def log(self) -> str:
        """The kernel process's stdout and stderr, capped, undecodable bytes replaced."""
        return bytes(self.output).decode("utf-8", "replace")

    def execute(self, code: str, timeout: float, silent: bool = False) -> str:
        """Run ``code``; its verdict: ``ok``, ``error: <ename>``, ``timeout`` or ``kernel died``."""
        return self.evaluate(code, timeout, silent)[0]

    def evaluate(self, code: str, timeout: float, silent: bool = False,
                 expressions: dict[str, str] | None = None) -> tuple[str, dict]:
        """Run ``code``, then ``expressions``: the verdict and the reply's ``user_expressions``."""
        content = {"code": code, "silent": silent, "store_history": not silent,
                   "user_expressions": expressions or {}, "allow_stdin": False, "stop_on_error": False}
        msg_id = self.session.send(self.shell, "execute_request", content)["header"]["msg_id"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return "kernel died", {}
            self._drain()
            reply = self._reply(min(0.2, max(deadline - time.monotonic(), 0.01)))
            parent = reply.get("parent_header") if reply is not None else None
            if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
                continue
            if reply.get("msg_type") != "execute_reply":
                continue
            content = reply.get("content") if isinstance(reply.get("content"), dict) else {}
            found = content.get("user_expressions")
            found = found if isinstance(found, dict) else {}
            if content.get("status") == "ok":
                return "ok", found
            return f"error: {str(content.get('ename', '?'))[:80]}", found
        return "timeout", {}

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


def _write_connection(path: Path, folder: str) -> dict:
    """A connection file for Unix-socket transport: sockets in ``folder``, a fresh key."""
    from jupyter_client.connect import write_connection_file

    write_connection_file(str(path), transport="ipc", ip=f"{folder}/k", key=os.urandom(32).hex().encode())
    return json.loads(path.read_text())


def wait_ready(kernel: Kernel, timeout: float) -> bool:
    """``True`` once the kernel answers; ``False`` when it died or never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and kernel.alive():
        if kernel.execute("pass", min(10.0, deadline - time.monotonic()), silent=True) == "ok":
            return True
    return False


def run(nb, judged: dict[int, tuple[str, dict]], folder: Path, mode: str, cell_timeout: float,
        total_timeout: float, limits: sandbox.Limits, sandboxed: bool = True) -> Run:
    """Run the code cells of ``nb`` in order in a fresh sandboxed kernel; see the module doc.

    ``judged`` maps the index of each restored test cell to the judge's code and expressions,
    sent in its place; their ``user_expressions`` go to ``Run.replies``.
    """
    result = Run()
    deadline = time.monotonic() + total_timeout
    with Kernel(folder, mode, limits, sandboxed) as kernel:
        # no student code has run yet: a failure here is the grader's, never the student's
        if not wait_ready(kernel, min(120.0, total_timeout)):
            result.log = kernel.log()
            result.status = GRADER_ERROR
            result.reason = "the sandbox or kernel did not start: " + _tail(result.log)
            return result
        prelude = kernel.execute(PRELUDE, min(120.0, deadline - time.monotonic()), silent=True)
        if prelude != "ok":
            result.log = kernel.log()
            result.status = GRADER_ERROR
            result.reason = f"the kernel could not import numpy and torch ({prelude}): " + _tail(result.log)
            return result
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                result.status, result.reason = "timeout", f"the notebook ran past {total_timeout:g} s"
                break
            code, expressions = judged.get(index, (cell.source, None))
            verdict, found = kernel.evaluate(code, min(cell_timeout, remaining), expressions=expressions)
            result.verdicts[index] = verdict
            if index in judged:
                result.replies[index] = found
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


def _tail(log: str, most: int = 160) -> str:
    """The last non-empty line of the kernel's log, shortened (for a reason)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    return (lines[-1][-most:] if lines else "no output")
