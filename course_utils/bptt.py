"""Backpropagation through time written out by hand for the vanilla RNN (notebook 04).

    params = init_params(input_size=3, hidden_size=8, output_size=2)
    cache = rnn_forward(params, X)               # X (B, T, D) -> cache["Y"] (B, T, O)
    grads = rnn_backward(params, cache, dY)      # dY = dL/dY (B, T, O) -> same keys as params

The model, with row vectors (batch first) and weights shaped like ``torch.nn.Linear``'s::

    a_t = W_xh x_t + W_hh h_{t-1} + b          pre-activation        (B, H)
    h_t = f(a_t)                               f = tanh (or relu)    (B, H)
    y_t = W_hy h_t + b_y                       output                (B, O)

and a loss summed over the steps, ``L = sum_t l_t(y_t)``. The backward pass walks the steps in
reverse; the only quantity carried from step ``t + 1`` back to step ``t`` is the gradient that
reaches ``h_t`` through the recurrence::

    dL/dh_t = W_hy^T dL/dy_t + W_hh^T (f'(a_{t+1}) * dL/dh_{t+1})

and every weight gradient is a sum over time steps, because the same weights act at every step.
Nothing here uses autograd; ``tests/test_bptt.py`` holds it to autograd and to finite differences.

``stream_loss`` and ``stream_position_loss`` evaluate a language model over a long token stream in
chunks, with or without carrying the hidden state across chunks (truncated BPTT's evaluation).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .text import sequential_batches
from .training import eval_mode

PARAM_NAMES = ("W_xh", "W_hh", "b", "W_hy", "b_y")
NONLINEARITIES = ("tanh", "relu")


def init_params(input_size: int, hidden_size: int, output_size: int, scale: float = 0.5,
                generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64
                ) -> dict[str, torch.Tensor]:
    """Random parameters for ``rnn_forward``, every entry ``scale * N(0, 1) / sqrt(fan_in)``.

    Returns
    -------
    dict with ``W_xh`` (H, D), ``W_hh`` (H, H), ``b`` (H,), ``W_hy`` (O, H) and ``b_y`` (O,).

    >>> p = init_params(3, 8, 2)
    >>> {k: tuple(v.shape) for k, v in p.items()}
    {'W_xh': (8, 3), 'W_hh': (8, 8), 'b': (8,), 'W_hy': (2, 8), 'b_y': (2,)}
    """
    shapes = {"W_xh": (hidden_size, input_size), "W_hh": (hidden_size, hidden_size),
              "b": (hidden_size,), "W_hy": (output_size, hidden_size), "b_y": (output_size,)}
    fan_in = {"W_xh": input_size, "W_hh": hidden_size, "b": 1, "W_hy": hidden_size, "b_y": 1}
    return {k: scale * torch.randn(s, generator=generator, dtype=dtype) / math.sqrt(fan_in[k])
            for k, s in shapes.items()}


def _check(params: dict, X: torch.Tensor) -> None:
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise KeyError(f"params is missing {missing}; expected the keys {PARAM_NAMES} "
                       f"(see init_params)")
    if X.dim() != 3:
        raise ValueError(f"expected X of shape (batch, steps, features), got {tuple(X.shape)}")
    if X.shape[2] != params["W_xh"].shape[1]:
        raise ValueError(f"X has {X.shape[2]} features but W_xh {tuple(params['W_xh'].shape)} "
                         f"expects {params['W_xh'].shape[1]}")


def rnn_forward(params: dict[str, torch.Tensor], X: torch.Tensor, h0: torch.Tensor | None = None,
                nonlinearity: str = "tanh") -> dict:
    """Run the vanilla RNN over ``X`` and keep what the backward pass needs.

    Parameters
    ----------
    params: ``W_xh`` (H, D), ``W_hh`` (H, H), ``b`` (H,), ``W_hy`` (O, H), ``b_y`` (O,).
    X: inputs (B, T, D).
    h0: initial state (B, H); default zeros.
    nonlinearity: ``"tanh"`` or ``"relu"``.

    Returns
    -------
    cache: dict with ``X`` (B, T, D), ``h0`` (B, H), ``A`` the pre-activations (B, T, H),
    ``H`` the hidden states (B, T, H), ``Y`` the outputs (B, T, O) and ``nonlinearity``.
    """
    _check(params, X)
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")
    f = torch.tanh if nonlinearity == "tanh" else torch.relu
    B, T, _ = X.shape
    hidden = params["W_hh"].shape[0]
    h = torch.zeros(B, hidden, dtype=X.dtype, device=X.device) if h0 is None else h0  # (B, H)
    h_init, A, Hs = h, [], []
    for t in range(T):
        a = X[:, t] @ params["W_xh"].T + h @ params["W_hh"].T + params["b"]  # (B, H)
        h = f(a)  # (B, H)
        A.append(a)
        Hs.append(h)
    H = torch.stack(Hs, dim=1)  # (B, T, H)
    Y = H @ params["W_hy"].T + params["b_y"]  # (B, T, O)
    return {"X": X, "h0": h_init, "A": torch.stack(A, dim=1), "H": H, "Y": Y,
            "nonlinearity": nonlinearity}


def activation_derivative(cache: dict) -> torch.Tensor:
    """``f'(a_t)`` at every step, (B, T, H): ``1 - h_t^2`` for tanh, ``[a_t > 0]`` for relu."""
    if cache["nonlinearity"] == "tanh":
        return 1 - cache["H"] ** 2
    return (cache["A"] > 0).to(cache["A"].dtype)


def rnn_backward(params: dict[str, torch.Tensor], cache: dict, dY: torch.Tensor,
                 dh_last: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Backpropagation through time: the gradients of a loss summed over steps, by hand.

    Parameters
    ----------
    params: as for ``rnn_forward``.
    cache: what ``rnn_forward`` returned.
    dY: ``dL/dy_t`` for every step (B, T, O), e.g. ``Y - target`` for ``L = sum 0.5 (Y - target)^2``
        or ``softmax(Y) - onehot(target)`` for cross-entropy summed over steps.
    dh_last: an extra gradient arriving at the last hidden state (B, H) from beyond the sequence
        (e.g. from the next chunk); default none.

    Returns
    -------
    grads: ``W_xh``, ``W_hh``, ``b``, ``W_hy``, ``b_y`` (each shaped like the parameter), ``X``
    (B, T, D), ``h0`` (B, H), and ``H`` (B, T, H): the total gradient ``dL/dh_t`` at every step.
    """
    X, H, h0 = cache["X"], cache["H"], cache["h0"]
    B, T, _ = X.shape
    if dY.shape != cache["Y"].shape:
        raise ValueError(f"dY must have the outputs' shape {tuple(cache['Y'].shape)}, "
                         f"got {tuple(dY.shape)}")
    fprime = activation_derivative(cache)  # (B, T, H)
    grads = {k: torch.zeros_like(v) for k, v in params.items()}
    grads["W_hy"] = torch.einsum("bto,bth->oh", dY, H)  # sum over batch and time, (O, H)
    grads["b_y"] = dY.sum(dim=(0, 1))  # (O,)
    dX, dH = torch.zeros_like(X), torch.zeros_like(H)
    dh_next = torch.zeros_like(h0) if dh_last is None else dh_last  # (B, H), from step t + 1
    for t in reversed(range(T)):
        dh = dY[:, t] @ params["W_hy"] + dh_next  # dL/dh_t (B, H)
        da = dh * fprime[:, t]  # dL/da_t (B, H)
        h_prev = H[:, t - 1] if t > 0 else h0  # (B, H)
        grads["W_xh"] += da.T @ X[:, t]  # (H, D)
        grads["W_hh"] += da.T @ h_prev  # (H, H)
        grads["b"] += da.sum(dim=0)  # (H,)
        dX[:, t] = da @ params["W_xh"]  # (B, D)
        dH[:, t] = dh
        dh_next = da @ params["W_hh"]  # dL/dh_{t-1} through the recurrence (B, H)
    grads.update(X=dX, h0=dh_next, H=dH)
    return grads


def step_jacobians(params: dict[str, torch.Tensor], cache: dict) -> torch.Tensor:
    """The factors of the chain rule through time: ``dh_t / dh_{t-1} = diag(f'(a_t)) W_hh``.

    Returns a tensor (B, T, H, H) whose entry ``[b, t]`` is the Jacobian of ``h_t`` with respect
    to ``h_{t-1}`` for sequence ``b``. The gradient that reaches ``h_k`` from ``h_t`` is the
    product of the factors for steps ``k + 1 .. t``.
    """
    fprime = activation_derivative(cache)  # (B, T, H)
    return fprime[..., :, None] * params["W_hh"]  # (B, T, H, H)


@torch.no_grad()
def stream_position_loss(model: nn.Module, ids: torch.Tensor, batch_size: int, num_steps: int,
                         carry: bool = True) -> torch.Tensor:
    """Mean next-token cross-entropy at each position of a chunk, over a whole token stream.

    The stream is cut as ``text.sequential_batches`` cuts it (``batch_size`` rows, chunks of
    ``num_steps``). With ``carry=True`` each chunk starts from the state the previous chunk ended
    in, so every prediction sees the whole row before it; with ``carry=False`` each chunk starts
    from a zero state, so the first tokens of each chunk are predicted with little context.

    Parameters
    ----------
    model: ``model(X, state) -> (logits (B, T, V), state)``, e.g. ``models.LanguageModel``.
    ids: the token stream (N,).

    Returns
    -------
    A tensor (num_steps,): entry ``t`` is the mean loss (nats) of the predictions made at
    position ``t`` of the chunks.
    """
    device = next(model.parameters()).device
    state, total, chunks = None, torch.zeros(num_steps), 0
    with eval_mode(model):
        for X, Y in sequential_batches(ids, batch_size, num_steps):  # (B, T) each
            logits, state = model(X.to(device), state if carry else None)  # (B, T, V)
            nll = nn.functional.cross_entropy(logits.transpose(1, 2), Y.to(device),
                                              reduction="none")  # (B, T)
            total += nll.mean(dim=0).cpu()
            chunks += 1
    return total / chunks


def stream_loss(model: nn.Module, ids: torch.Tensor, batch_size: int, num_steps: int,
                carry: bool = True) -> float:
    """Mean next-token cross-entropy (nats) over a token stream read in chunks.

    See ``stream_position_loss``; every chunk has ``num_steps`` tokens, so this is its mean.
    """
    return stream_position_loss(model, ids, batch_size, num_steps, carry).mean().item()
