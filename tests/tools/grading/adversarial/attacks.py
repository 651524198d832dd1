"""Adversarial submissions: what a student might hand in to get marks without the work, or to harm.

Each ``Attack`` starts from the committed student version of an assignment (every exercise a
stub), answers some exercises honestly with the instructor's solution (``solved``: the marks it
really earned) and adds cells that attack the grader. ``tests/tools/grading/test_grading_adversarial.py``
grades them all in one class and checks that each gets exactly the marks it earned.

Code placed in a cell may use ``{ROOT}``, ``{SCORES}``, ``{VICTIM}`` and ``{SUBMISSIONS}``: the
checkout, the scores CSV, another student's submission and the submissions folder, as the
grader's machine sees them (an attacker who guesses paths knows as much).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SETUP = "setup"  # insert right after the setup cell (the first code cell)
END = "end"  # append at the end of the notebook


@dataclass
class Attack:
    """One adversarial submission and what grading it must give."""

    name: str
    # (where, code): where is SETUP, END, an exercise's grade_id (its cell's code is replaced) or
    # a test cell's grade_id (a cell is inserted after it)
    cells: list[tuple[str, str]] = field(default_factory=list)
    assignment: str = "A2_gated_cells"
    solved: tuple[str, ...] = ()  # exercises answered honestly (their test cell's grade_id)
    marks: tuple[str, ...] | None = None  # questions that must score (default: the solved ones)
    status: str = "ok"
    flags: tuple[str, ...] = ()  # flags the row must carry (others may appear too)
    edit: str = ""  # a named edit of the notebook's structure (see the test module)


# Forged marks on A1 with every exercise a stub: each must leave the marks at 0.
A1_FORGERIES = '''
import sys
import types
import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from course_utils import checks

checks.rel_error.__code__ = (lambda got, expected: 0.0).__code__  # the function keeps its identity
fake_guard = types.ModuleType("__course_grader_guard__")
fake_guard.reset = fake_guard.verify = lambda: None
sys.modules["__course_grader_guard__"] = fake_guard


class ZeroMax(TorchFunctionMode):  # every .max() reads 0, so every relative error is 0
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("max", "amax"):
            return torch.zeros(())
        return func(*args, **(kwargs or {}))


class Quiet(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))


ZeroMax().__enter__()
Quiet().__enter__()
get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])  # every later cell: pass
'''

BAD_OUTPUTS = [  # A1 with rnn_step honest and every other answer handing back what is not an array
    ("a1_rnn_forward_code", '''
class Liar:
    def __array__(self, dtype=None, copy=None):
        return __import__("numpy").array(["0"] * 4, dtype=object)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return 0.0


def rnn_forward(params, X, h0=None):
    return {"H": torch.full((X.shape[0], X.shape[1], params["W_hh"].shape[0]), float("nan"),
                            dtype=torch.float64),
            "Y": Liar()}
'''),
    ("a1_rnn_backward_code", '''
def rnn_backward(params, cache, dY):
    grads = {k: torch.zeros_like(v).long() for k, v in params.items()}  # integers
    grads["W_xh"] = torch.zeros(4000, 4000, dtype=torch.float64)  # huge, and the wrong shape
    grads["h0"], grads["H"] = "h0", [[0.0]]
    return grads
'''),
    ("a1_rnn_backward", '''
import io
import pickle
import zipfile
import numpy


def savez(file, **arrays):  # every later archive: a pickle, a bomb and a non-array
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in arrays:
            archive.writestr(name + ".npy", pickle.dumps(numpy.zeros(3)))
        archive.writestr("0/loss.npy", bytes(200 * 1024 * 1024))


numpy.savez = savez
'''),
]

DISK_FILLER = '''
import os
import sys

connection = sys.argv[sys.argv.index("-f") + 1] if "-f" in sys.argv else "/x/x"  # the grader's folder
for folder in (os.path.expanduser("~"), "/tmp", "/dev/shm", "/kernel", os.getcwd(), "/", "/dev",
               r"{SUBMISSIONS}", os.path.dirname(connection)):
    for n in range(64):  # 64 files of up to 100 MB each, until refused
        try:
            with open(os.path.join(folder, f"fill{n}"), "wb") as f:
                for _ in range(100):
                    f.write(bytes(1024 * 1024))
        except OSError:
            break
for _ in range(50):
    try:
        os.write(1, bytes(1024 * 1024))  # 50 MB on the kernel's own stdout
    except OSError:
        break
'''

FORGERIES = [
    Attack("renamed_exceptions", [(SETUP, """
import builtins
from course_utils import checks


class NotImplementedError(Exception):
    pass


NotImplementedError.__name__ = NotImplementedError.__qualname__ = "ok"
builtins.NotImplementedError = NotImplementedError
checks.CheckFailed.__name__ = "ok"
builtins.AssertionError = type("ok", (Exception,), {})
""")], flags=("exception handling",)),
    Attack("skip_tags", edit="tag_tests"),
    Attack("custom_exception_handler", [(SETUP, """
import sys
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
sys.excepthook = lambda *args: None
""")], flags=("get_ipython", "exception handling")),
    Attack("code_transformers", [(SETUP, """
import ast


def _neuter(lines):
    return ["pass\\n"] if any("checks" in line for line in lines) else lines


class Empty(ast.NodeTransformer):
    def visit_Module(self, node):
        if "checks" in ast.unparse(node):
            node.body = [ast.Pass()]
        return node


get_ipython().input_transformers_cleanup.append(_neuter)
get_ipython().input_transformers_post.append(_neuter)
get_ipython().ast_transformers.append(Empty())
""")], flags=("get_ipython",)),
    Attack("replaced_checks", [(SETUP, """
import sys
import types
from course_utils import checks

checks.check_cell_against_torch = lambda *args, **kwargs: "PASS"
checks.check_close = lambda *args, **kwargs: "PASS"
checks.check_gradient = lambda *args, **kwargs: "PASS"
fake = types.ModuleType("course_utils.checks")
fake.__dict__.update(vars(checks))
sys.modules["course_utils.checks"] = fake
"""), ("a2_init_code", """
def init_remember(cell, value):
    return cell
""")], flags=("checks module",)),
    Attack("event_callback", [(SETUP, """
from course_utils import checks


def _patch(*args):
    checks.check_cell_against_torch = lambda *a, **k: "PASS"
    checks.check_close = lambda *a, **k: "PASS"


get_ipython().events.register("pre_run_cell", _patch)
get_ipython().events.register("post_execute", _patch)
"""), ("a2_init_code", "def init_remember(cell, value):\n    return cell\n")],
        flags=("get_ipython",)),
    Attack("patched_run_cell", [(SETUP, """
shell_class = type(get_ipython())
_run_cell, _run_cell_async = shell_class.run_cell, shell_class.run_cell_async


def run_cell(self, raw_cell, *args, **kwargs):
    return _run_cell(self, "pass" if "checks" in raw_cell else raw_cell, *args, **kwargs)


async def run_cell_async(self, raw_cell, *args, **kwargs):
    return await _run_cell_async(self, "pass" if "checks" in raw_cell else raw_cell, *args, **kwargs)


shell_class.run_cell, shell_class.run_cell_async = run_cell, run_cell_async
get_ipython().run_cell, get_ipython().run_cell_async = (run_cell.__get__(get_ipython()),
                                                         run_cell_async.__get__(get_ipython()))
""")], flags=("get_ipython",)),
    Attack("patched_torch", [(SETUP, """
torch.Tensor.item = lambda self: 0.0
torch.isfinite = lambda t: torch.ones((), dtype=torch.bool)
"""), ("a2_lstm_code", """
class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        n = hidden_size + input_size
        self.W_f, self.W_i = nn.Linear(n, hidden_size), nn.Linear(n, hidden_size)
        self.W_C, self.W_o = nn.Linear(n, hidden_size), nn.Linear(n, hidden_size)

    def forward(self, x_t, state):
        h = state[0] * 0 + self.W_f.bias * 0 + x_t.sum() * 0
        return h, (h, h)
""")]),
    Attack("background_thread", [(SETUP, """
import threading
import time
from course_utils import checks


def _keep_patching():
    while True:
        checks.check_cell_against_torch = lambda *a, **k: "PASS"
        time.sleep(0.0005)


threading.Thread(target=_keep_patching, daemon=True).start()
""")], flags=("system access",)),
    Attack("reads_hidden_tests", [(SETUP, """
import glob
import json
import os

paths = [r"{ROOT}/notebooks/assignments/A2_gated_cells.ipynb"]
for top in ("/work", "/root", "/home", "/srv", "/opt", "/tmp", "/mnt"):
    paths += glob.glob(top + "/**/A2_gated_cells.ipynb", recursive=True)
for path in paths:
    try:
        cells = json.load(open(path))["cells"]
    except Exception:
        continue
    for cell in cells:
        text = "".join(cell["source"])
        if "BEGIN SOLUTION" in text:
            exec(text, globals())
""")], flags=("dynamic code", "system access")),
    Attack("fake_kernel_reply", [(SETUP, """
kernel_class = type(get_ipython().kernel)


async def do_execute(self, code, silent, store_history=True, user_expressions=None,
                     allow_stdin=False, **kwargs):
    return {"status": "ok", "execution_count": self.execution_count, "user_expressions": {},
            "payload": []}


kernel_class.do_execute = do_execute
""")], flags=("get_ipython",)),
    Attack("a1_forgeries", [(SETUP, A1_FORGERIES)], assignment="A1_rnns_by_hand",
           flags=("checks module", "get_ipython", "dynamic code", "system access")),
    Attack("a1_bad_outputs", BAD_OUTPUTS, assignment="A1_rnns_by_hand", solved=("a1_rnn_step",)),
    Attack("modes_left_active_honest", [(SETUP, A1_FORGERIES.replace("ZeroMax().__enter__()", "")
                                         .replace("get_ipython().input", "# get_ipython().input"))],
           solved=("a2_lstm", "a2_gru", "a2_init"), flags=("checks module",)),
    Attack("lying_tensor", [("a1_rnn_step_code", """
class Zero(torch.Tensor):
    def __sub__(self, other):
        return torch.zeros_like(other)


def rnn_step_forward(x_t, h_prev, params):
    h = torch.zeros_like(h_prev).as_subclass(Zero)
    return h, {"x": x_t, "h_prev": h_prev, "h": h}
""")], assignment="A1_rnns_by_hand", flags=("dynamic code",)),
    Attack("lying_tensor_made_in_the_check", [("a1_rnn_step_code", """
def rnn_step_forward(x_t, h_prev, params):
    zero = type("Zero", (torch.Tensor,), {"__sub__": lambda self, other: torch.zeros_like(other)})
    h = torch.zeros_like(h_prev).as_subclass(zero)
    return h, {"x": x_t, "h_prev": h_prev, "h": h}
""")], assignment="A1_rnns_by_hand", flags=("dynamic code",)),
]

HARM = [
    Attack("vandal", [(SETUP, """
import os
import socket
import urllib.request

targets = [r"{ROOT}/notebooks/assignments/A2_gated_cells.ipynb", r"{VICTIM}", r"{SCORES}",
           r"{ROOT}/course_utils/checks.py", r"{ROOT}/tools/grading/grader.py", "/tmp/planted"]
for path in targets:
    try:
        with open(path, "w") as f:
            f.write("pass")
    except OSError:
        pass
for target in (r"{SUBMISSIONS}", r"{ROOT}"):
    try:
        for name in os.listdir(target):
            os.remove(os.path.join(target, name))
    except OSError:
        pass
try:
    urllib.request.urlopen("https://pypi.org/simple/", timeout=3)
    leaked = True
except Exception:
    leaked = False
try:
    socket.create_connection(("1.1.1.1", 53), timeout=3)
except OSError:
    pass
for folder in (os.path.expanduser("~"), "/tmp", os.getcwd()):  # 1 GB each: more than there is room for
    try:
        with open(os.path.join(folder, "fill"), "wb") as f:
            for _ in range(64):
                f.write(bytes(16 * 1024 * 1024))
    except OSError:
        pass
try:
    hog = bytearray(200 * 1024 ** 3)  # more memory than the sandbox allows
except MemoryError:
    hog = None
os.write(1, b"\\xff\\xfe\\xc3( not utf-8 \\x80")  # undecodable bytes on the kernel's own stdout and stderr
os.write(2, b"\\xff\\xfe\\xc3( not utf-8 \\x80")
print("x" * 40_000_000)  # a 40 MB output message
"""), (END, """
import subprocess
import sys

subprocess.Popen(["sh", "-c", "sleep 120; echo 'mallory,A2_gated_cells,3,3,1,7,7,ok' >> '{SCORES}'"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
subprocess.Popen([sys.executable, "-c", "import os, time\\nif os.fork() == 0:\\n    os.setsid()\\n"
                  "    time.sleep(120)"], start_new_session=True)
""")], solved=("a2_init",), flags=("system access",)),
    Attack("disk_filler", [(SETUP, DISK_FILLER)], solved=("a2_init",), flags=("system access",)),
    Attack("fork_storm", [(END, """
import os
import time

children = 0
for _ in range(5000):
    try:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        children += 1
    except OSError:
        break
print(children, "processes started")
""")], solved=("a2_init",), flags=("system access",)),
    Attack("ignores_interrupt", [("a2_lstm", """
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
""")], solved=("a2_lstm", "a2_gru"), marks=("a2_lstm",), status="timeout", flags=("system access",)),
    Attack("kernel_exits", [("a2_lstm", "import os\nos._exit(3)\n")], solved=("a2_lstm", "a2_init"),
           marks=("a2_lstm",), status="kernel died", flags=("system access",)),
]

A1_ALL = ("a1_rnn_step", "a1_rnn_step_backward", "a1_rnn_forward", "a1_rnn_backward", "a1_softmax", "a1_lm",
          "a1_sample")
A2_ALL = ("a2_lstm", "a2_gru", "a2_lstm_backward", "a2_lstm_bptt", "a2_init")

# Wrong answers a student handed in: each must lose its own question's points and no other's.
A1_WRONG = [
    ("a1_rnn_step_code", """
def rnn_step_forward(x_t, h_prev, params):  # the bias left out
    h_t = torch.tanh(x_t @ params["W_xh"].T + h_prev @ params["W_hh"].T)
    return h_t, {"x": x_t, "h_prev": h_prev, "h": h_t}
"""),
    ("a1_rnn_forward_code", """
def rnn_forward(params, X, h0=None):  # the default state in float32, whatever X's dtype
    B, T, _ = X.shape
    h0 = torch.zeros(B, params["W_hh"].shape[0]) if h0 is None else h0
    h, states = h0, []
    for t in range(T):
        h, _ = rnn_step_forward(X[:, t], h, params)
        states.append(h)
    H = torch.stack(states, dim=1)
    return {"X": X, "h0": h0, "H": H, "Y": H @ params["W_hy"].T + params["b_y"]}
"""),
    ("a1_rnn_backward_code", """
def rnn_backward(params, cache, dY):  # grads["H"] holds dL/da_t, not dL/dh_t
    X, H, h0 = cache["X"], cache["H"], cache["h0"]
    grads = {k: torch.zeros_like(params[k]) for k in ("W_xh", "W_hh", "b")}
    grads["W_hy"] = torch.einsum("bto,bth->oh", dY, H)
    grads["b_y"] = dY.sum(dim=(0, 1))
    dH, dh_next = torch.zeros_like(H), torch.zeros_like(h0)
    for t in reversed(range(X.shape[1])):
        dh = dY[:, t] @ params["W_hy"] + dh_next
        step = {"x": X[:, t], "h_prev": H[:, t - 1] if t > 0 else h0, "h": H[:, t]}
        g = rnn_step_backward(dh, step, params)
        for k in ("W_xh", "W_hh", "b"):
            grads[k] += g[k]
        dH[:, t] = dh * (1 - H[:, t] ** 2)
        dh_next = g["h_prev"]
    grads["h0"], grads["H"] = dh_next, dH
    return grads
"""),
    ("a1_softmax_code", """
def softmax_cross_entropy(logits, targets):  # the loss handed back as a Python float
    V = logits.shape[-1]
    log_p = torch.log_softmax(logits.reshape(-1, V), dim=-1)
    onehot = torch.nn.functional.one_hot(targets.reshape(-1), V).to(logits.dtype)
    N = log_p.shape[0]
    return (-(onehot * log_p).sum() / N).item(), ((log_p.exp() - onehot) / N).reshape(logits.shape)
"""),
]

A1_NO_BPTT = ("a1_rnn_backward_code", """
def rnn_backward(params, cache, dY):  # nothing carried from step t + 1
    X, H, h0 = cache["X"], cache["H"], cache["h0"]
    grads = {k: torch.zeros_like(params[k]) for k in ("W_xh", "W_hh", "b")}
    grads["W_hy"] = torch.einsum("bto,bth->oh", dY, H)
    grads["b_y"] = dY.sum(dim=(0, 1))
    dH = torch.zeros_like(H)
    for t in reversed(range(X.shape[1])):
        dH[:, t] = dY[:, t] @ params["W_hy"]
        step = {"x": X[:, t], "h_prev": H[:, t - 1] if t > 0 else h0, "h": H[:, t]}
        g = rnn_step_backward(dH[:, t], step, params)
        for k in ("W_xh", "W_hh", "b"):
            grads[k] += g[k]
    grads["h0"], grads["H"] = g["h_prev"], dH
    return grads
""")

A2_WRONG = [
    ("a2_lstm_backward_code", """
def lstm_step_backward(dh_t, dc_t, cache, params):  # dL/dc_t from later steps left out
    n_h = cache["c"].shape[1]
    tanh_c = torch.tanh(cache["c"])
    dc = dh_t * cache["o"] * (1 - tanh_c ** 2)
    pre = {"f": dc * cache["c_prev"] * cache["f"] * (1 - cache["f"]),
           "i": dc * cache["g"] * cache["i"] * (1 - cache["i"]),
           "C": dc * cache["i"] * (1 - cache["g"] ** 2),
           "o": dh_t * tanh_c * cache["o"] * (1 - cache["o"])}
    grads, dhx = {}, 0
    for gate, da in pre.items():
        grads[f"W_{gate}"], grads[f"b_{gate}"] = da.T @ cache["hx"], da.sum(dim=0)
        dhx = dhx + da @ params[f"W_{gate}"]
    grads.update(x=dhx[:, n_h:], h_prev=dhx[:, :n_h], c_prev=dc * cache["f"])
    return grads
"""),
    ("a2_init_code", """
def keep_bias(keep, steps):  # a tensor, not a float, and the sigmoid not inverted
    return torch.tensor(keep ** (1 / steps))


@torch.no_grad()
def init_remember(cell, value):
    if isinstance(cell, LSTMCell):
        cell.W_f.bias.fill_(value)
    else:
        cell.W_xz.bias.fill_(value)
        cell.W_hz.bias.zero_()
    return cell
"""),
]

HONEST = [
    Attack("honest_a1", assignment="A1_rnns_by_hand", solved=A1_ALL),
    Attack("honest_a2", solved=A2_ALL),
    Attack("a1_wrong_answers", A1_WRONG, assignment="A1_rnns_by_hand", solved=A1_ALL,
           marks=("a1_rnn_step_backward", "a1_lm", "a1_sample")),
    Attack("a1_no_gradient_through_time", [A1_NO_BPTT], assignment="A1_rnns_by_hand", solved=A1_ALL,
           marks=tuple(q for q in A1_ALL if q != "a1_rnn_backward")),
    Attack("a2_wrong_answers", A2_WRONG, solved=A2_ALL, marks=("a2_lstm", "a2_gru", "a2_lstm_bptt")),
    Attack("honest_partial", assignment="A1_rnns_by_hand", solved=("a1_rnn_step", "a1_rnn_backward")),
    Attack("reference_implementation", [("a1_rnn_step_code", """
def rnn_step_forward(x_t, h_prev, params):
    h = bptt.rnn_forward(params, x_t[:, None], h_prev)["H"][:, 0]
    return h, {"x": x_t, "h_prev": h_prev, "h": h}
""")], assignment="A1_rnns_by_hand", marks=("a1_rnn_step",), flags=("reference implementation",)),
]

STRUCTURE = [  # every test cell deleted, every id removed, and a byte-order mark
    Attack("restructured", solved=("a2_init",), edit="strip_ids"),
]

KNOWN: list[Attack] = []  # attacks that still work: the test marks them as expected failures

ATTACKS = FORGERIES + HARM + HONEST + STRUCTURE + KNOWN
