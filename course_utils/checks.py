"""Checks that students run right after an exercise: PASS, or exactly what is wrong.

Each ``check_*`` function returns a one-line ``"PASS: ..."`` string when the answer is right and
raises ``CheckFailed`` (an ``AssertionError``) when it is not, saying what was compared, what was
expected, what was received, and the relative error against its threshold::

    print(checks.check_close("h_t", h_t, expected, rtol=1e-10))
    # PASS: h_t, shape (4, 6), relative error 2.1e-17 <= 1e-10

The *relative error* of ``got`` against ``expected`` is the largest absolute difference divided
by the largest absolute entry of ``expected``: 0 for an exact answer, about 1e-16 for float64
round-off, of order 1 for a wrong formula. ``numeric_gradient`` estimates a gradient by central
finite differences, the reference that any backward pass written by hand is checked against.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from . import cells


class CheckFailed(AssertionError):
    """A check found a wrong answer; the message says what, where and by how much."""


def rel_error(got: torch.Tensor, expected: torch.Tensor) -> float:
    """Largest ``|got - expected|`` divided by the largest ``|expected|`` (0 when both are 0).

    >>> rel_error(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.2]))  # doctest: +ELLIPSIS
    0.0909...
    """
    got, expected = torch.as_tensor(got).double(), torch.as_tensor(expected).double()
    scale = expected.abs().max().item() if expected.numel() else 0.0
    diff = (got - expected).abs().max().item() if expected.numel() else 0.0
    return diff / scale if scale > 0 else diff


def _describe(value) -> str:
    """What a value is, in the words of a message: 'a Python float', 'a tuple', 'None'."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "a Python bool"
    if isinstance(value, (int, float)):
        return f"a Python {type(value).__name__}"
    if isinstance(value, torch.Tensor):
        return f"a {value.dim()}-dim tensor of {str(value.dtype).replace('torch.', '')}"
    return f"a {type(value).__name__}"


def check_shape(name: str, got: torch.Tensor, expected_shape: tuple, hint: str = "") -> str:
    """PASS if ``got`` is a tensor of ``expected_shape``; otherwise say both shapes (or what came back)."""
    if not isinstance(got, torch.Tensor):
        what = ("a 0-dim tensor (e.g. the loss itself, not loss.item())" if tuple(expected_shape) == ()
                else f"a tensor of shape {tuple(expected_shape)}")
        raise CheckFailed(f"{name}: returned {_describe(got)}, expected {what}. Does the function return "
                          f"what its docstring says?")
    if tuple(got.shape) != tuple(expected_shape):
        raise CheckFailed(f"{name}: wrong shape: expected {tuple(expected_shape)}, got "
                          f"{tuple(got.shape)}. {hint}".rstrip())
    return f"PASS: {name}, shape {tuple(got.shape)}"


def _where(index: tuple, dims: tuple | None) -> str:
    """An index with its axes named: ``(batch 2, step 0, unit 3)``; plain ``(2, 0, 3)`` without names."""
    if dims and len(dims) == len(index):
        return "(" + ", ".join(f"{d} {i}" for d, i in zip(dims, index)) + ")"
    return str(tuple(index))


def _difference(got: torch.Tensor, expected: torch.Tensor, dims: tuple | None) -> tuple[float, str]:
    """The relative error and where the two differ most, with both values there."""
    err = rel_error(got, expected)
    diff = (got.double() - expected.double()).abs()
    where = tuple(int(i) for i in torch.unravel_index(diff.argmax(), diff.shape)) if diff.numel() else ()
    at = (f"; the largest difference is at index {_where(where, dims)}: expected "
          f"{expected[where].item():.6g}, got {got[where].item():.6g}") if diff.numel() else ""
    return err, at


def check_close(name: str, got: torch.Tensor, expected: torch.Tensor, rtol: float = 1e-6,
                hint: str = "", dims: tuple[str, ...] | None = None, check_dtype: bool = True,
                mistakes: dict[str, torch.Tensor] | None = None) -> str:
    """PASS if ``got`` has ``expected``'s shape and dtype and ``rel_error(got, expected) <= rtol``.

    On failure the message gives the relative error, the threshold, and the entry where the two
    differ most, with both values there; ``dims`` names the axes of that index (e.g.
    ``("batch", "step", "unit")``). A wrong type or dtype is named as such. ``mistakes`` maps a
    description of a common mistake to what it would give: when ``got`` matches one, the message
    says which (in place of ``hint``).

    >>> check_close("y", torch.ones(2), torch.ones(2))
    'PASS: y, shape (2,), relative error 0.0e+00 <= 1e-06'
    """
    check_shape(name, got, tuple(expected.shape), hint)
    if check_dtype and got.dtype != expected.dtype:
        raise CheckFailed(f"{name}: returned a tensor of {str(got.dtype).replace('torch.', '')}, expected "
                          f"{str(expected.dtype).replace('torch.', '')} (the dtype of the inputs): a tensor "
                          f"made without dtype= is float32.")
    if not torch.isfinite(got).all():
        raise CheckFailed(f"{name}: contains NaN or inf values. {hint}".rstrip())
    err, at = _difference(got, expected, dims)
    if not err <= rtol:
        for mistake, value in (mistakes or {}).items():
            if tuple(value.shape) == tuple(got.shape) and rel_error(got, value) <= max(rtol, 1e-12):
                hint = f"Your answer equals what {mistake} gives."
                break
        raise CheckFailed(f"{name}: wrong values: relative error {err:.1e} > threshold {rtol:.0e}{at}. "
                          f"{hint}".rstrip())
    return f"PASS: {name}, shape {tuple(got.shape)}, relative error {err:.1e} <= {rtol:.0e}"


def check_gradient(name: str, analytic: torch.Tensor, reference: torch.Tensor,
                   threshold: float = 1e-6, against: str = "finite differences",
                   dims: tuple[str, ...] | None = None) -> str:
    """``check_close`` for a gradient: the message names it as one and what it was checked against."""
    try:
        err = check_close(f"gradient {name}", analytic, reference, threshold, dims=dims)
    except CheckFailed as failure:
        raise CheckFailed(f"{failure} (checked against {against})") from None
    return f"{err} (against {against})"


# the axes of each gradient's index, for the messages (A1's RNN and A2's LSTM)
DIMS = {"W_xh": ("unit", "input"), "W_hh": ("unit", "unit of h_prev"), "b": ("unit",),
        "W_hy": ("output", "unit"), "b_y": ("output",), "x": ("batch", "input"),
        "h_prev": ("batch", "unit"), "c_prev": ("batch", "unit"), "h0": ("batch", "unit"),
        "c0": ("batch", "unit"), "H": ("batch", "step", "unit"), "X": ("batch", "step", "input"),
        "logits": ("batch", "step", "class"),
        **{f"W_{g}": ("unit", "column of [h_prev, x]") for g in "fiCo"},
        **{f"b_{g}": ("unit",) for g in "fiCo"}}


def check_gradients(grads, references: dict[str, torch.Tensor], threshold: float,
                    against: str = "autograd", hint: Callable[[set, set], str] | None = None) -> str:
    """Check EVERY gradient in ``references`` before failing: one line each, right or wrong.

    ``grads`` is what the student's function returned (a dict); each entry is compared with its
    reference (type, shape, dtype, relative error and the labelled index of the largest
    difference). When any is wrong the whole report is raised, followed by ``hint(right, wrong)``,
    a hint that follows from which gradients are right.
    """
    if not isinstance(grads, dict):
        raise CheckFailed(f"expected a dict of gradients with the keys {sorted(references)}, got "
                          f"{_describe(grads)}")
    lines, right, wrong = [], set(), set()
    for name, ref in references.items():
        if name not in grads:
            lines.append(f"WRONG: gradient {name}: missing (the dict has {sorted(grads)})")
            wrong.add(name)
            continue
        try:
            lines.append(check_gradient(name, grads[name], ref, threshold, against, DIMS.get(name)))
            right.add(name)
        except CheckFailed as failure:
            lines.append(f"WRONG: {failure}")
            wrong.add(name)
    if wrong:
        advice = hint(right, wrong) if hint else ""
        raise CheckFailed(f"{len(wrong)} of {len(references)} gradients wrong "
                          f"({', '.join(sorted(wrong))}; right: {', '.join(sorted(right)) or 'none'}):\n"
                          + "\n".join(lines) + (f"\nHint: {advice}" if advice else ""))
    return "\n".join(lines)


def rnn_hint(right: set, wrong: set) -> str:
    """What to look at in a vanilla RNN's backward pass, from which gradients are right."""
    if wrong & {"W_hy", "b_y"}:
        return ("the output layer's gradients are wrong: dL/dW_hy sums dL/dy_t h_t^T over batch and steps, "
                "dL/db_y sums dL/dy_t.")
    if "b" in right and wrong & {"W_xh", "W_hh"}:
        return ("b is right, so dL/da_t is right at every step; each weight's gradient multiplies it by its "
                "own input: x_t for W_xh (as da.T @ x_t), h_{t-1} for W_hh (h0 at the first step).")
    if wrong & {"W_xh", "W_hh", "b", "h0", "H", "h_prev"} and right & {"W_hy", "b_y"}:
        return ("W_hy and b_y are right, so dL/dy_t reaches each h_t; check what you carry from step t+1 "
                "(dL/dh_{t+1} goes back through W_hh and the factor 1 - h_t^2) and that dL/dh_t adds both paths.")
    if wrong == {"x"} or wrong == {"h_prev"}:
        return "dL/da_t is right (the weights are): the input's gradient is dL/da_t @ W, on rows."
    if wrong and wrong <= {"W_xh", "W_hh", "b", "x", "h_prev"}:
        return "start from dL/da_t = dL/dh_t * (1 - h_t^2): the cache's h is h_t, the step's output."
    return ""


def lstm_hint(right: set, wrong: set) -> str:
    """What to look at in an LSTM's backward pass, from which gradients are right."""
    gates = {g: {f"W_{g}", f"b_{g}"} for g in "fiCo"}
    bad = [g for g, names in gates.items() if names & wrong]
    if bad == ["o"]:
        return "only the output gate is wrong: dL/do_t = dL/dh_t * tanh(c_t), then the sigmoid's o(1 - o)."
    if bad and "o" not in bad:
        return ("the output gate is right, so dL/dh_t is; the other gates all go through dL/dc_t = dc_next + "
                "dL/dh_t * o_t * (1 - tanh(c_t)^2): check that sum, then each gate's factor "
                "(c_prev for f, the candidate for i, i for the candidate).")
    if not bad and wrong & {"h_prev", "x", "h0", "X"}:
        return ("every weight is right, so each gate's pre-activation gradient is: dL/d[h_prev, x] is their "
                "sum through the four W's, split into its first H columns (h_prev) and the rest (x).")
    if not bad and wrong & {"c_prev", "c0"}:
        return "dL/dc_{t-1} = dL/dc_t * f_t, with dL/dc_t the total (from h_t and from step t+1)."
    if bad and wrong & {"h0", "c0"} and not (wrong - {"h0", "c0", "X"} - set().union(*gates.values())):
        return "check what you carry from step t+1: dh_prev is added to dL/dh_t, dc_prev passed as dc_next."
    return ""


class references:
    """Run a check with the course's implementations in place of some of the student's functions.

    ``with checks.references(globals(), "rnn_step_forward"):`` binds the name to
    ``course_utils.backward``'s (or ``bptt``'s) function for the duration and then restores the
    student's, so that an exercise is marked on its own, not on the functions it calls.
    """

    def __init__(self, namespace: dict, *names: str):
        from . import backward, bptt
        found = {"rnn_forward": bptt.rnn_forward, "rnn_backward": bptt.rnn_backward,
                 "rnn_step_forward": backward.rnn_step_forward, "rnn_step_backward": backward.rnn_step_backward,
                 "softmax_cross_entropy": backward.softmax_cross_entropy,
                 "lstm_step_forward": backward.lstm_step_forward, "lstm_step_backward": backward.lstm_step_backward,
                 "lstm_forward": backward.lstm_forward, "lstm_backward": backward.lstm_backward}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise ValueError(f"no reference for {unknown}; known: {sorted(found)}")
        self.namespace, self.swap = namespace, {n: found[n] for n in names}

    def __enter__(self):
        self.saved = {n: self.namespace.get(n, _MISSING) for n in self.swap}
        self.namespace.update(self.swap)
        return self

    def __exit__(self, *exc):
        for n, v in self.saved.items():
            if v is _MISSING:
                self.namespace.pop(n, None)
            else:
                self.namespace[n] = v
        return False


_MISSING = object()


def numeric_gradient(f: Callable[[], torch.Tensor], x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Central finite differences: ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry.

    ``f`` takes no arguments and returns a scalar computed from ``x``, which is changed in place
    one entry at a time and restored. Use float64: the estimate's error is about
    ``eps**2`` (truncation) plus ``1e-16 / eps`` (round-off), so about 1e-10 relative at eps=1e-6.

    >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    >>> numeric_gradient(lambda: (x ** 3).sum(), x)  # 3 x^2  # doctest: +ELLIPSIS
    tensor([ 3.0000, 12.0000], dtype=torch.float64)
    """
    if x.dtype != torch.float64:
        raise TypeError(f"numeric_gradient needs a float64 tensor for accurate differences, got "
                        f"{x.dtype}: call it on x.double() and compute f in float64")
    grad = torch.zeros_like(x)
    flat, flat_grad = x.view(-1), grad.view(-1)
    with torch.no_grad():
        for i in range(flat.numel()):
            old = flat[i].item()
            flat[i] = old + eps
            plus = float(f())
            flat[i] = old - eps
            minus = float(f())
            flat[i] = old
            flat_grad[i] = (plus - minus) / (2 * eps)
    return grad


def _as_tuple(state) -> tuple[torch.Tensor, ...]:
    return tuple(state) if isinstance(state, (tuple, list)) else (state,)


def _unroll(cell: nn.Module, X: torch.Tensor, state):
    """Run ``cell(x_t, state) -> (h_t, state)`` over X (B, T, D): outputs (B, T, H), final state."""
    outputs = []
    for t in range(X.shape[1]):
        h_t, state = cell(X[:, t], state)  # (B, H)
        outputs.append(h_t)
    return torch.stack(outputs, dim=1), state


def check_cell_against_torch(cell_class: type, kind: str, input_size: int = 5, hidden_size: int = 7,
                             batch_size: int = 3, steps: int = 4, seed: int = 0,
                             rtol: float = 1e-9) -> str:
    """Hold a cell written from the equations to ``torch.nn.LSTM`` / ``GRU``: values and gradients.

    ``cell_class(input_size, hidden_size)`` must have the parameters of ``course_utils.cells``'s
    cell of the same ``kind`` (``"lstm"``: ``W_f``, ``W_i``, ``W_C``, ``W_o``; ``"gru"``: ``W_xr``,
    ``W_hr``, ``W_xz``, ``W_hz``, ``W_xh``, ``W_hh``) and the interface
    ``cell(x_t, state) -> (h_t, new_state)``. PyTorch's weights are loaded into it; it is
    unrolled over a random float64 sequence from a random initial state; its outputs and final
    state are compared with PyTorch's, and the gradients of a random scalar loss with respect to
    the inputs, the initial state and every parameter with those of the course's tested cell.
    """
    torches = {"lstm": nn.LSTM, "gru": nn.GRU}
    if kind not in torches:
        raise ValueError(f"kind must be one of {sorted(torches)}, got {kind!r}")
    D, H, B, T = input_size, hidden_size, batch_size, steps
    gen = torch.Generator().manual_seed(seed)
    ref = torches[kind](D, H, batch_first=True).double()
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.5)
    lib = cells.copy_from_torch(cells.make_cell(kind, D, H).double(), ref)
    ours = cell_class(D, H).double()
    missing = set(lib.state_dict()) ^ set(ours.state_dict())
    if missing:
        raise CheckFailed(f"{cell_class.__name__}: parameters {sorted(missing)} differ from the expected "
                          f"{sorted(lib.state_dict())}; keep the parameters that __init__ creates")
    ours.load_state_dict(lib.state_dict())
    X = torch.randn(B, T, D, generator=gen, dtype=torch.float64)  # (B, T, D)
    n_state = 2 if kind == "lstm" else 1
    state0 = [torch.randn(B, H, generator=gen, dtype=torch.float64) for _ in range(n_state)]
    weights = torch.randn(B, T, H, generator=gen, dtype=torch.float64)  # loss = sum(weights * h)

    def run(cell):
        Xg = X.clone().requires_grad_()
        s0 = [s.clone().requires_grad_() for s in state0]
        out, final = _unroll(cell, Xg, tuple(s0) if kind == "lstm" else s0[0])  # (B, T, H)
        check_shape(f"{cell_class.__name__} outputs h_1..h_T", out, (B, T, H),
                    "Each step must return h_t of shape (batch, hidden_size).")
        final = _as_tuple(final)
        loss = (weights * out).sum() + sum(f.sum() for f in final)
        loss.backward()
        return out, final, Xg.grad, [s.grad for s in s0]

    out, final, dX, dstate = run(ours)
    out_lib, final_lib, dX_lib, dstate_lib = run(lib)
    with torch.no_grad():
        s_ref = (state0[0][None], state0[1][None]) if kind == "lstm" else state0[0][None]
        out_ref, _ = ref(X, s_ref)  # (B, T, H)
    name = cell_class.__name__
    report = [check_close(f"{name} outputs vs torch.nn.{kind.upper()}", out, out_ref, rtol)]
    for i, (got, exp) in enumerate(zip(final, final_lib)):
        report.append(check_close(f"{name} final state[{i}]", got, exp, rtol))
    report.append(check_gradient("dL/dX", dX, dX_lib, rtol, "autograd through the reference cell"))
    for i, (got, exp) in enumerate(zip(dstate, dstate_lib)):
        report.append(check_gradient(f"dL/dstate_0[{i}]", got, exp, rtol, "autograd, reference cell"))
    lib_params = dict(lib.named_parameters())
    for pname, p in ours.named_parameters():
        if p.grad is None:
            raise CheckFailed(f"{name}: parameter {pname} received no gradient: is it used in forward?")
        report.append(check_gradient(f"dL/d{pname}", p.grad, lib_params[pname].grad, rtol,
                                     "autograd, reference cell"))
    worst = max(float(line.split("relative error ")[1].split()[0]) for line in report
                if "relative error" in line)
    return (f"PASS: {name} equals torch.nn.{kind.upper()} (D={D}, H={H}, B={B}, T={T}): outputs, "
            f"final state and the gradients of inputs, initial state and {len(lib_params)} "
            f"parameters, largest relative error {worst:.1e} <= {rtol:.0e}")
