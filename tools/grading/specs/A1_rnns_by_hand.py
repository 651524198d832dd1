"""A1 · RNNs by hand: the four autograded exercises, judged outside the kernel.

Shapes follow the notebook's check cells (visible and hidden); the values are drawn from the
grader's secret seed. References come from ``course_utils.bptt`` (tested in tests/test_bptt.py)
and from autograd.
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils import bptt
from tools.grading.specs.spec import Spec

PARAMS = bptt.PARAM_NAMES  # W_xh, W_hh, b, W_hy, b_y
PARAMS_CALL = "params = {k: inputs[k] for k in ('W_xh', 'W_hh', 'b', 'W_hy', 'b_y')}\n"


def _params(D: int, H: int, O: int, gen: torch.Generator) -> dict:
    return bptt.init_params(D, H, O, generator=gen)


def _randn(*shape, gen: torch.Generator) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def step_cases(gen: torch.Generator) -> list[dict]:
    """(D, H, B): the visible check's shapes, then non-square ones that expose a missing transpose."""
    return [{**_params(D, H, 2, gen), "x": _randn(B, D, gen=gen), "h": _randn(B, H, gen=gen)}
            for D, H, B in [(3, 5, 4), (7, 2, 1), (1, 6, 3)]]


def step_reference(case: dict) -> dict:
    params = {k: case[k] for k in PARAMS}
    return {"h": bptt.rnn_forward(params, case["x"][:, None], case["h"])["H"][:, 0]}


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
    return {"H": cache["H"], "Y": cache["Y"]}


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


SPECS = [
    Spec("a1_rnn_step", 2, "rnn_step", step_cases,
         PARAMS_CALL + "return {'h': rnn_step(inputs['x'], inputs['h'], params)}",
         step_reference),
    Spec("a1_rnn_forward", 2, "rnn_forward", forward_cases,
         PARAMS_CALL + "cache = rnn_forward(params, inputs['X'], inputs['h0']) if 'h0' in inputs "
         "else rnn_forward(params, inputs['X'])\nreturn {'H': cache['H'], 'Y': cache['Y']}",
         forward_reference),
    Spec("a1_rnn_backward", 4, "rnn_backward", backward_cases,
         PARAMS_CALL + "cache = {k: inputs['cache_' + k] for k in ('X', 'h0', 'A', 'H', 'Y')}\n"
         "cache['nonlinearity'] = 'tanh'\ngrads = rnn_backward(params, cache, inputs['dY'])\n"
         f"return {{k: grads[k] for k in {GRADIENTS!r}}}",
         backward_reference),
    Spec("a1_lm", 2, "lm_loss_and_grads", lm_cases,
         PARAMS_CALL + "loss, grads = lm_loss_and_grads(params, inputs['X_ids'], inputs['Y_ids'], "
         "int(inputs['V']))\n"
         f"return {{'loss': torch.as_tensor(loss).reshape(()), **{{k: grads[k] for k in {PARAMS!r}}}}}",
         lm_reference),
]
