"""A1 · RNNs by hand: the seven autograded exercises, judged outside the kernel.

Shapes follow the notebook's check cells (visible and hidden); the values are drawn from the
grader's secret seed. References come from ``course_utils.bptt`` (tested in tests/test_bptt.py),
``course_utils.backward`` (tests/test_backward.py) and autograd. Each question calls only the
function it marks: inside the kernel, the functions that one calls (the step inside the loop, the
loop inside the language model's loss) are bound to the course's for the duration of the call,
so that one mistake costs one question's points.
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils import backward, bptt
from tools.grading.specs.spec import Spec

PARAMS = bptt.PARAM_NAMES  # W_xh, W_hh, b, W_hy, b_y
STEP_PARAMS = backward.RNN_STEP_PARAMS  # W_xh, W_hh, b
PARAMS_CALL = "params = {k: inputs[k] for k in ('W_xh', 'W_hh', 'b', 'W_hy', 'b_y')}\n"
REFERENCES = {"rnn_step_forward": "course_utils.backward", "rnn_step_backward": "course_utils.backward",
              "softmax_cross_entropy": "course_utils.backward", "rnn_forward": "course_utils.bptt",
              "rnn_backward": "course_utils.bptt", "lstm_step_backward": "course_utils.backward"}


def with_references(names: tuple[str, ...], body: str) -> str:
    """Kernel code: run ``body`` with ``names`` bound to the course's functions, then put the student's back."""
    binds = ", ".join(f"{n!r}: __import__({REFERENCES[n]!r}, fromlist=['x']).{n}" for n in names)
    return (f"__g = globals()\n__saved = {{n: __g[n] for n in {names!r} if n in __g}}\n"
            f"__g.update({{{binds}}})\ntry:\n" + "".join(f"    {line}\n" for line in body.splitlines())
            + f"finally:\n    for __n in {names!r}:\n        __g.pop(__n, None)\n    __g.update(__saved)\n")


def _params(D: int, H: int, O: int, gen: torch.Generator, scale: float = 0.5) -> dict:
    return bptt.init_params(D, H, O, scale=scale, generator=gen)


def _randn(*shape, gen: torch.Generator) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def step_cases(gen: torch.Generator) -> list[dict]:
    """(D, H, B): the visible check's shapes, then non-square ones that expose a missing transpose."""
    return [{**_params(D, H, 2, gen), "x": _randn(B, D, gen=gen), "h": _randn(B, H, gen=gen)}
            for D, H, B in [(3, 5, 4), (7, 2, 1), (1, 6, 3)]]


def step_reference(case: dict) -> dict:
    h, cache = backward.rnn_step_forward(case["x"], case["h"], case)
    return {"h": h, "cache_x": cache["x"], "cache_h_prev": cache["h_prev"], "cache_h": cache["h"]}


STEP_CALL = PARAMS_CALL + """h, cache = rnn_step_forward(inputs['x'], inputs['h'], params)
return {'h': h, 'cache_x': cache['x'], 'cache_h_prev': cache['h_prev'], 'cache_h': cache['h']}"""


def step_backward_cases(gen: torch.Generator) -> list[dict]:
    """(D, H, B): the course's cache sent as data, and dL/dh_t."""
    cases = []
    for D, H, B in [(3, 5, 4), (7, 2, 1), (2, 6, 3)]:
        params = _params(D, H, 2, gen)
        _, cache = backward.rnn_step_forward(_randn(B, D, gen=gen), _randn(B, H, gen=gen), params)
        cases.append({**params, **{f"cache_{k}": v for k, v in cache.items()}, "dh": _randn(B, H, gen=gen)})
    return cases


STEP_GRADIENTS = ("x", "h_prev", *STEP_PARAMS)


def step_backward_reference(case: dict) -> dict:
    cache = {k: case[f"cache_{k}"] for k in ("x", "h_prev", "h")}
    grads = backward.rnn_step_backward(case["dh"], cache, case)
    return {k: grads[k] for k in STEP_GRADIENTS}


STEP_BACKWARD_CALL = PARAMS_CALL + f"""cache = {{k: inputs['cache_' + k] for k in ('x', 'h_prev', 'h')}}
grads = rnn_step_backward(inputs['dh'], cache, params)
return {{k: grads[k] for k in {STEP_GRADIENTS!r}}}"""


def forward_cases(gen: torch.Generator) -> list[dict]:
    """(B, T, D, H, O, with h0): from a given state, from zeros, and other shapes."""
    cases = []
    for B, T, D, H, O, given in [(4, 6, 3, 5, 2, True), (4, 6, 3, 5, 2, False), (1, 9, 7, 2, 5, False)]:
        case = {**_params(D, H, O, gen), "X": _randn(B, T, D, gen=gen)}
        if given:
            case["h0"] = _randn(B, H, gen=gen)
        cases.append(case)
    return cases


def forward_reference(case: dict) -> dict:
    cache = bptt.rnn_forward({k: case[k] for k in PARAMS}, case["X"], case.get("h0"))
    return {"H": cache["H"], "Y": cache["Y"], "h0": cache["h0"], "h0_dtype_ok": torch.tensor(1.0)}


FORWARD_CALL = PARAMS_CALL + with_references(("rnn_step_forward",), """\
cache = rnn_forward(params, inputs['X'], inputs['h0']) if 'h0' in inputs else rnn_forward(params, inputs['X'])
ok = float(isinstance(cache['h0'], torch.Tensor) and cache['h0'].dtype == inputs['X'].dtype)
return {'H': cache['H'], 'Y': cache['Y'], 'h0': cache['h0'], 'h0_dtype_ok': torch.tensor(ok)}""")


def backward_cases(gen: torch.Generator) -> list[dict]:
    """(B, T, D, H, O): the cache is the course's forward pass, sent as data."""
    cases = []
    for B, T, D, H, O in [(4, 6, 3, 5, 2), (3, 7, 2, 4, 3)]:
        params = _params(D, H, O, gen)
        cache = bptt.rnn_forward(params, _randn(B, T, D, gen=gen), _randn(B, H, gen=gen))
        cases.append({**params, **{f"cache_{k}": cache[k] for k in ("X", "h0", "A", "H", "Y")},
                      "dY": _randn(B, T, O, gen=gen)})
    return cases


GRADIENTS = (*PARAMS, "h0", "H")


def backward_reference(case: dict) -> dict:
    cache = {k: case[f"cache_{k}"] for k in ("X", "h0", "A", "H", "Y")}
    grads = bptt.rnn_backward({k: case[k] for k in PARAMS}, {**cache, "nonlinearity": "tanh"}, case["dY"])
    return {k: grads[k] for k in GRADIENTS}


BACKWARD_CALL = PARAMS_CALL + with_references(("rnn_step_backward",), f"""\
cache = {{k: inputs['cache_' + k] for k in ('X', 'h0', 'A', 'H', 'Y')}}
cache['nonlinearity'] = 'tanh'
grads = rnn_backward(params, cache, inputs['dY'])
return {{k: grads[k] for k in {GRADIENTS!r}}}""")


def softmax_cases(gen: torch.Generator) -> list[dict]:
    """(B, T, V, shift): logits and targets; the last case's logits would overflow exp."""
    return [{"logits": _randn(B, T, V, gen=gen) * 3 + shift, "targets": torch.randint(0, V, (B, T), generator=gen)}
            for B, T, V, shift in [(3, 4, 6, 0.0), (1, 7, 9, 800.0), (2, 1, 3, -50.0)]]


def softmax_reference(case: dict) -> dict:
    logits = case["logits"].clone().requires_grad_()
    V = logits.shape[-1]
    loss = nn.functional.cross_entropy(logits.reshape(-1, V), case["targets"].reshape(-1))
    loss.backward()
    return {"loss": loss.detach(), "dlogits": logits.grad}


SOFTMAX_CALL = """loss, dlogits = softmax_cross_entropy(inputs['logits'], inputs['targets'])
if not (isinstance(loss, torch.Tensor) and loss.dim() == 0 and loss.dtype == inputs['logits'].dtype):
    raise TypeError('the loss must be a 0-dim tensor in the logits dtype')
return {'loss': loss, 'dlogits': dlogits}"""


def lm_cases(gen: torch.Generator) -> list[dict]:
    """(V, H, B, T): integer ids in, the loss and the five gradients out."""
    return [{**_params(V, H, V, gen), "X_ids": torch.randint(0, V, (B, T), generator=gen),
             "Y_ids": torch.randint(0, V, (B, T), generator=gen), "V": torch.tensor(V)}
            for V, H, B, T in [(6, 5, 3, 4), (9, 3, 1, 7)]]


def lm_reference(case: dict) -> dict:
    V = int(case["V"])
    leaves = {k: case[k].clone().requires_grad_() for k in PARAMS}
    logits = bptt.rnn_forward(leaves, nn.functional.one_hot(case["X_ids"], V).double())["Y"]
    loss = nn.functional.cross_entropy(logits.reshape(-1, V), case["Y_ids"].reshape(-1))
    loss.backward()
    return {"loss": loss.detach(), **{k: leaves[k].grad for k in PARAMS}}


LM_CALL = PARAMS_CALL + with_references(("rnn_forward", "rnn_backward", "softmax_cross_entropy"), f"""\
loss, grads = lm_loss_and_grads(params, inputs['X_ids'], inputs['Y_ids'], int(inputs['V']))
if not (isinstance(loss, torch.Tensor) and loss.dim() == 0):
    raise TypeError('the loss must be a 0-dim tensor')
return {{'loss': loss, **{{k: grads[k] for k in {PARAMS!r}}}}}""")


def sample_cases(gen: torch.Generator) -> list[dict]:
    """(V, H, prefix length, characters, temperature) and a seed for the draws."""
    cases = []
    for V, H, n_prefix, n, temperature in [(7, 6, 3, 20, 0.8), (11, 4, 1, 30, 1.3), (5, 3, 2, 1, 0.5)]:
        cases.append({**_params(V, H, V, gen, scale=2.0), "prefix": torch.randint(0, V, (n_prefix,), generator=gen),
                      "num_chars": torch.tensor(n), "temperature": torch.tensor(temperature),
                      "seed": torch.randint(0, 2 ** 31, (), generator=gen)})
    return cases


def sample_reference(case: dict) -> dict:
    ids = backward.sample(case, [int(i) for i in case["prefix"]], int(case["num_chars"]),
                          float(case["temperature"]), torch.Generator().manual_seed(int(case["seed"])))
    return {"ids": torch.tensor(ids, dtype=torch.float64)}


SAMPLE_CALL = PARAMS_CALL + with_references(("rnn_step_forward",), """\
with torch.no_grad():
    ids = sample(params, [int(i) for i in inputs['prefix']], int(inputs['num_chars']),
                 float(inputs['temperature']), torch.Generator().manual_seed(int(inputs['seed'])))
if not (isinstance(ids, list) and all(isinstance(i, int) for i in ids)):
    raise TypeError('sample must return a list of Python ints')
return {'ids': torch.tensor(ids, dtype=torch.float64)}""")

SPECS = [
    Spec("a1_rnn_step", 2, "rnn_step_forward", step_cases, STEP_CALL, step_reference),
    Spec("a1_rnn_step_backward", 3, "rnn_step_backward", step_backward_cases, STEP_BACKWARD_CALL,
         step_backward_reference),
    Spec("a1_rnn_forward", 2, "rnn_forward", forward_cases, FORWARD_CALL, forward_reference),
    Spec("a1_rnn_backward", 3, "rnn_backward", backward_cases, BACKWARD_CALL, backward_reference),
    Spec("a1_softmax", 2, "softmax_cross_entropy", softmax_cases, SOFTMAX_CALL, softmax_reference),
    Spec("a1_lm", 2, "lm_loss_and_grads", lm_cases, LM_CALL, lm_reference),
    Spec("a1_sample", 2, "sample", sample_cases, SAMPLE_CALL, sample_reference, rtol=0.0),
]
