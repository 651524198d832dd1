"""A2 · Gated cells: the LSTM and GRU cells, the LSTM's backward pass and the keep-gate bias, judged outside.

The cells are judged as ``checks.check_cell_against_torch`` judges them: the same weights, a
random sequence from a random state in float64, the outputs, the final state and the gradients
of a random loss with respect to the inputs, the initial state and every parameter. The
function ``unroll`` below runs on both sides: in the kernel on the student's cell, in the
grader on ``course_utils.cells``' (tested against ``torch.nn.LSTM``/``GRU`` in tests/test_cells.py).
The LSTM's backward pass is judged against ``course_utils.backward`` (tested against autograd and
finite differences in tests/test_backward.py): the course's caches go in as data, and the
through-time question runs with the course's step backward bound in place of the student's.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import torch

from course_utils import backward, cells
from tools.grading.specs.A1_rnns_by_hand import with_references
from tools.grading.specs.spec import Spec


def unroll(cell, inputs):
    """Run ``cell`` over ``inputs['X']`` from ``inputs['s0']`` (and ``'s1'``): values and gradients."""
    params = {k[2:]: v for k, v in inputs.items() if k.startswith("p:")}
    cell.load_state_dict(params)
    X = inputs["X"].clone().requires_grad_()
    start = [inputs[k].clone().requires_grad_() for k in ("s0", "s1") if k in inputs]
    state = tuple(start) if len(start) == 2 else start[0]
    outputs = []
    for t in range(X.shape[1]):
        h_t, state = cell(X[:, t], state)
        outputs.append(h_t)
    out = torch.stack(outputs, dim=1)  # (B, T, H)
    final = tuple(state) if isinstance(state, (tuple, list)) else (state,)
    loss = (inputs["w"] * out).sum() + sum(f.sum() for f in final)
    loss.backward()
    found = {"out": out, "dX": X.grad, **{f"final{i}": f for i, f in enumerate(final)},
             **{f"ds{i}": s.grad for i, s in enumerate(start)}}
    found.update({f"d:{name}": p.grad for name, p in cell.named_parameters()})
    return found


def _cell_cases(kind: str, gen: torch.Generator) -> list[dict]:
    """(D, H, B, T): the visible check's shapes and the hidden ones."""
    cases = []
    for D, H, B, T in [(5, 7, 3, 4), (1, 9, 1, 6), (11, 2, 5, 1)]:
        lib = cells.make_cell(kind, D, H).double()
        case = {f"p:{k}": torch.randn(v.shape, generator=gen, dtype=torch.float64) * 0.5
                for k, v in lib.state_dict().items()}
        case["X"] = torch.randn(B, T, D, generator=gen, dtype=torch.float64)
        for i in range(2 if kind == "lstm" else 1):
            case[f"s{i}"] = torch.randn(B, H, generator=gen, dtype=torch.float64)
        case["w"] = torch.randn(B, T, H, generator=gen, dtype=torch.float64)
        cases.append(case)
    return cases


def _sizes(case: dict) -> tuple[int, int]:
    return case["X"].shape[2], case["s0"].shape[1]


def _cell_reference(kind: str):
    def reference(case: dict) -> dict:
        return {k: v.detach() for k, v in unroll(cells.make_cell(kind, *_sizes(case)).double(), case).items()}
    return reference


def _cell_call(name: str) -> str:
    return (inspect.getsource(unroll) + f"D, H = inputs['X'].shape[2], inputs['s0'].shape[1]\n"
            f"return unroll({name}(D, H).double(), inputs)")


KEEP_GATE = {"lstm": ("W_f.bias",), "gru": ("W_xz.bias", "W_hz.bias")}


def init_cases(gen: torch.Generator) -> list[dict]:
    """Random weights in a (3, 5) cell of each kind, the bias value asked for, and a keep_bias question."""
    cases = []
    for kind, value, keep, steps in [("lstm", 4.0, 0.5, 40), ("gru", 4.0, 0.9, 5), ("lstm", -1.5, 0.2, 3),
                                     ("gru", 2.5, 0.75, 100)]:
        lib = cells.make_cell(kind, 3, 5).double()
        case = {f"p:{k}": torch.randn(v.shape, generator=gen, dtype=torch.float64) * 0.5
                for k, v in lib.state_dict().items()}
        cases.append({**case, "lstm": torch.tensor(int(kind == "lstm")), "value": torch.tensor(value),
                      "keep": torch.tensor(keep), "steps": torch.tensor(steps)})
    return cases


def init_reference(case: dict) -> dict:
    """The weights unchanged but the keep gate's bias: ``value`` (LSTM), ``value`` and 0 (GRU)."""
    found = {k[2:]: v for k, v in case.items() if k.startswith("p:")}
    gate = KEEP_GATE["lstm" if int(case["lstm"]) else "gru"]
    found[gate[0]] = torch.full_like(found[gate[0]], float(case["value"]))
    for name in gate[1:]:
        found[name] = torch.zeros_like(found[name])
    q = float(case["keep"]) ** (1 / int(case["steps"]))
    found["bias"] = torch.tensor(math.log(q / (1 - q)), dtype=torch.float64)
    return found


def init_view(case: dict, found: dict) -> dict:
    """Only the sum of the GRU's two update-gate biases counts."""
    gate = KEEP_GATE["lstm" if int(case["lstm"]) else "gru"]
    view = {k: v for k, v in found.items() if k not in gate}
    view["gate"] = sum(np.asarray(found[k], dtype=np.float64) for k in gate)
    return view


INIT_CALL = """bias = keep_bias(float(inputs['keep']), int(inputs['steps']))
if not isinstance(bias, float):
    raise TypeError('keep_bias must return a Python float')
cell = (LSTMCell if int(inputs['lstm']) else GRUCell)(3, 5).double()
cell.load_state_dict({k[2:]: v for k, v in inputs.items() if k.startswith('p:')})
return {**init_remember(cell, float(inputs['value'])).state_dict(), 'bias': torch.tensor(bias, dtype=torch.float64)}"""

LSTM_GRADIENTS = (*backward.LSTM_PARAMS, "x", "h_prev", "c_prev")
LSTM_BPTT_GRADIENTS = (*backward.LSTM_PARAMS, "X", "h0", "c0")
CACHE_KEYS = ("hx", "c_prev", "f", "i", "g", "o", "c")


def _lstm_params(D: int, H: int, gen: torch.Generator) -> dict:
    return {k: torch.randn((H, H + D) if k[0] == "W" else (H,), generator=gen, dtype=torch.float64) * 0.5
            for k in backward.LSTM_PARAMS}


def lstm_step_cases(gen: torch.Generator) -> list[dict]:
    """(D, H, B): the course's cache as data, dL/dh_t and dL/dc_t."""
    cases = []
    for D, H, B in [(3, 4, 2), (1, 5, 3), (6, 2, 1)]:
        params = _lstm_params(D, H, gen)
        x, h, c, dh, dc = (torch.randn(B, n, generator=gen, dtype=torch.float64) for n in (D, H, H, H, H))
        _, _, cache = backward.lstm_step_forward(x, h, c, params)
        cases.append({**params, **{f"cache_{k}": cache[k] for k in CACHE_KEYS}, "dh": dh, "dc": dc})
    return cases


def lstm_step_reference(case: dict) -> dict:
    grads = backward.lstm_step_backward(case["dh"], case["dc"], {k: case[f"cache_{k}"] for k in CACHE_KEYS}, case)
    return {k: grads[k] for k in LSTM_GRADIENTS}


LSTM_STEP_CALL = f"""params = {{k: inputs[k] for k in {backward.LSTM_PARAMS!r}}}
grads = lstm_step_backward(inputs['dh'], inputs['dc'], {{k: inputs['cache_' + k] for k in {CACHE_KEYS!r}}}, params)
return {{k: grads[k] for k in {LSTM_GRADIENTS!r}}}"""


def lstm_bptt_cases(gen: torch.Generator) -> list[dict]:
    """(D, H, B, T): the course's T caches as data and dL/dh_t from outside."""
    cases = []
    for D, H, B, T in [(3, 4, 2, 5), (2, 3, 3, 1), (1, 2, 1, 8)]:
        params = _lstm_params(D, H, gen)
        X = torch.randn(B, T, D, generator=gen, dtype=torch.float64)
        h0, c0 = (torch.randn(B, H, generator=gen, dtype=torch.float64) for _ in range(2))
        _, caches = backward.lstm_forward(params, X, h0, c0)
        case = {**params, "dH": torch.randn(B, T, H, generator=gen, dtype=torch.float64)}
        case.update({f"cache{t}_{k}": cache[k] for t, cache in enumerate(caches) for k in CACHE_KEYS})
        cases.append(case)
    return cases


def _caches(case: dict) -> list[dict]:
    return [{k: case[f"cache{t}_{k}"] for k in CACHE_KEYS} for t in range(case["dH"].shape[1])]


def lstm_bptt_reference(case: dict) -> dict:
    grads = backward.lstm_backward(case["dH"], _caches(case), {k: case[k] for k in backward.LSTM_PARAMS})
    return {k: grads[k] for k in LSTM_BPTT_GRADIENTS}


LSTM_BPTT_CALL = with_references(("lstm_step_backward",), f"""\
params = {{k: inputs[k] for k in {backward.LSTM_PARAMS!r}}}
caches = [{{k: inputs[f'cache{{t}}_{{k}}'] for k in {CACHE_KEYS!r}}} for t in range(inputs['dH'].shape[1])]
grads = lstm_backward(inputs['dH'], caches, params)
return {{k: grads[k] for k in {LSTM_BPTT_GRADIENTS!r}}}""")

SPECS = [
    Spec("a2_lstm", 2, "LSTMCell", lambda gen: _cell_cases("lstm", gen), _cell_call("LSTMCell"),
         _cell_reference("lstm"), rtol=1e-9),
    Spec("a2_gru", 2, "GRUCell", lambda gen: _cell_cases("gru", gen), _cell_call("GRUCell"),
         _cell_reference("gru"), rtol=1e-9),
    Spec("a2_lstm_backward", 4, "lstm_step_backward", lstm_step_cases, LSTM_STEP_CALL, lstm_step_reference),
    Spec("a2_lstm_bptt", 3, "lstm_backward", lstm_bptt_cases, LSTM_BPTT_CALL, lstm_bptt_reference),
    Spec("a2_init", 2, "init_remember", init_cases, INIT_CALL, init_reference, rtol=1e-12, view=init_view),
]
