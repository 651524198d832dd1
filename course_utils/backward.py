"""Backward passes written by hand: the course's reference for the assignments' step functions.

The assignments (A1, A2) ask students for these functions one at a time; their checks and the
grader call the student's function for the exercise being marked and these references for
everything else, so that each answer is marked on its own. Every function here is tested
against autograd and finite differences in tests/test_backward.py.

A1 (vanilla RNN, batch-first rows, weights shaped like ``nn.Linear``'s)::

    h_t, cache = rnn_step_forward(x_t, h_prev, params)      # cache: {"x", "h_prev", "h"}
    grads = rnn_step_backward(dh_t, cache, params)          # "x", "h_prev", "W_xh", "W_hh", "b"
    loss, dlogits = softmax_cross_entropy(logits, targets)  # mean over every prediction
    ids = sample(params, prefix_ids, num_chars, temperature, generator)

A2 (LSTM, the parameters of ``cells.LSTMCell`` as a dict)::

    h_t, c_t, cache = lstm_step_forward(x_t, h_prev, c_prev, params)
    grads = lstm_step_backward(dh_t, dc_t, cache, params)   # "x", "h_prev", "c_prev", weights
    H, caches = lstm_forward(params, X, h0, c0)
    grads = lstm_backward(dH, caches, params)               # weights, "X", "h0", "c0"
"""

from __future__ import annotations

import torch

RNN_STEP_PARAMS = ("W_xh", "W_hh", "b")
LSTM_GATES = ("f", "i", "C", "o")  # forget, input, candidate, output (cells.LSTMCell's order)
LSTM_PARAMS = tuple(p for g in LSTM_GATES for p in (f"W_{g}", f"b_{g}"))


# ---------------------------------------------------------------------------------------- A1
def rnn_step_forward(x_t: torch.Tensor, h_prev: torch.Tensor, params: dict) -> tuple[torch.Tensor, dict]:
    """``h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)`` on rows; x_t (B, D), h_prev (B, H) -> h_t (B, H).

    The cache holds ``"x"`` (B, D), ``"h_prev"`` (B, H) and ``"h"`` (B, H): all the backward pass needs.
    """
    h_t = torch.tanh(x_t @ params["W_xh"].T + h_prev @ params["W_hh"].T + params["b"])  # (B, H)
    return h_t, {"x": x_t, "h_prev": h_prev, "h": h_t}


def rnn_step_backward(dh_t: torch.Tensor, cache: dict, params: dict) -> dict[str, torch.Tensor]:
    """Gradients of one step, given ``dh_t = dL/dh_t`` (B, H) and the step's cache.

    Returns ``"x"`` (B, D), ``"h_prev"`` (B, H), ``"W_xh"`` (H, D), ``"W_hh"`` (H, H), ``"b"`` (H,).
    """
    da = dh_t * (1 - cache["h"] ** 2)  # dL/da_t (B, H)
    return {"x": da @ params["W_xh"], "h_prev": da @ params["W_hh"],
            "W_xh": da.T @ cache["x"], "W_hh": da.T @ cache["h_prev"], "b": da.sum(dim=0)}


def softmax_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy of ``logits`` (..., V) against integer ``targets`` (...), and dL/dlogits.

    ``dL/dlogits = (softmax(logits) - onehot(targets)) / N`` with N the number of predictions.
    The loss is a 0-dim tensor in the logits' dtype.
    """
    V = logits.shape[-1]
    flat = logits.reshape(-1, V)  # (N, V)
    log_probs = torch.log_softmax(flat, dim=-1)  # (N, V)
    N = flat.shape[0]
    loss = -log_probs[torch.arange(N, device=flat.device), targets.reshape(-1)].mean()  # ()
    dlogits = log_probs.exp()  # (N, V)
    dlogits[torch.arange(N, device=flat.device), targets.reshape(-1)] -= 1
    return loss, (dlogits / N).reshape(logits.shape)


def sample(params: dict, prefix_ids: list[int], num_chars: int, temperature: float = 1.0,
           generator: torch.Generator | None = None) -> list[int]:
    """Feed ``prefix_ids`` through the RNN from a zero state, then draw ``num_chars`` ids.

    Each new id is ``torch.multinomial(probs, 1, generator=generator)`` with
    ``probs = softmax(y_t / temperature)`` of the output after the last fed id, a (V,) vector
    moved to the CPU beside the CPU ``generator`` (so a seed draws the same ids on any device);
    it is fed back in on the parameters' device. Returns the ``num_chars`` drawn ids.
    """
    W_hh = params["W_hh"]
    V = params["W_xh"].shape[1]
    h = torch.zeros(1, W_hh.shape[0], dtype=W_hh.dtype, device=W_hh.device)  # (1, H)
    drawn, feed = [], list(prefix_ids)
    with torch.no_grad():
        for i in range(len(feed) + num_chars - 1):
            x = torch.zeros(1, V, dtype=W_hh.dtype, device=W_hh.device)  # (1, V) one-hot
            x[0, feed[i]] = 1
            h, _ = rnn_step_forward(x, h, params)  # (1, H)
            if i >= len(prefix_ids) - 1:
                logits = h[0] @ params["W_hy"].T + params["b_y"]  # (V,)
                probs = torch.softmax(logits / temperature, dim=-1).cpu()  # (V,), beside the generator
                feed.append(int(torch.multinomial(probs, 1, generator=generator).item()))
                drawn.append(feed[-1])
    return drawn


# ---------------------------------------------------------------------------------------- A2
def lstm_params(cell) -> dict[str, torch.Tensor]:
    """A ``cells.LSTMCell``'s (or the assignment's) parameters as a dict: ``W_f`` (H, H + D), ``b_f`` (H,), ..."""
    return {f"{kind}_{g}": getattr(cell, f"W_{g}").weight if kind == "W" else getattr(cell, f"W_{g}").bias
            for g in LSTM_GATES for kind in ("W", "b")}


def lstm_step_forward(x_t: torch.Tensor, h_prev: torch.Tensor, c_prev: torch.Tensor,
                      params: dict) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """One LSTM step on rows, as ``cells.LSTMCell``: x_t (B, D), h_prev, c_prev (B, H) -> h_t, c_t, cache.

    The cache: ``"hx"`` = [h_prev, x_t] (B, H + D), ``"c_prev"``, the gates ``"f"``, ``"i"``,
    ``"g"`` (the candidate C~_t), ``"o"``, and ``"c"`` = c_t, each (B, H).
    """
    hx = torch.cat([h_prev, x_t], dim=1)  # (B, H + D)
    f = torch.sigmoid(hx @ params["W_f"].T + params["b_f"])  # (B, H)
    i = torch.sigmoid(hx @ params["W_i"].T + params["b_i"])  # (B, H)
    g = torch.tanh(hx @ params["W_C"].T + params["b_C"])  # (B, H)
    o = torch.sigmoid(hx @ params["W_o"].T + params["b_o"])  # (B, H)
    c = f * c_prev + i * g  # (B, H)
    h = o * torch.tanh(c)  # (B, H)
    return h, c, {"hx": hx, "c_prev": c_prev, "f": f, "i": i, "g": g, "o": o, "c": c}


def lstm_step_backward(dh_t: torch.Tensor, dc_t: torch.Tensor, cache: dict,
                       params: dict) -> dict[str, torch.Tensor]:
    """Gradients of one LSTM step, given ``dL/dh_t`` and the gradient ``dL/dc_t`` from later steps.

    Returns ``"x"`` (B, D), ``"h_prev"`` (B, H), ``"c_prev"`` (B, H) and every parameter's gradient
    (``W_f`` (H, H + D), ``b_f`` (H,), ... for f, i, C, o).
    """
    H = cache["c"].shape[1]
    tanh_c = torch.tanh(cache["c"])  # (B, H)
    dc = dc_t + dh_t * cache["o"] * (1 - tanh_c ** 2)  # total dL/dc_t (B, H)
    pre = {"f": dc * cache["c_prev"] * cache["f"] * (1 - cache["f"]),  # dL/d(pre-activation) (B, H)
           "i": dc * cache["g"] * cache["i"] * (1 - cache["i"]),
           "C": dc * cache["i"] * (1 - cache["g"] ** 2),
           "o": dh_t * tanh_c * cache["o"] * (1 - cache["o"])}
    grads = {}
    dhx = torch.zeros_like(cache["hx"])  # (B, H + D)
    for gate, da in pre.items():
        grads[f"W_{gate}"] = da.T @ cache["hx"]  # (H, H + D)
        grads[f"b_{gate}"] = da.sum(dim=0)  # (H,)
        dhx = dhx + da @ params[f"W_{gate}"]  # (B, H + D)
    grads.update(x=dhx[:, H:], h_prev=dhx[:, :H], c_prev=dc * cache["f"])
    return grads


def lstm_forward(params: dict, X: torch.Tensor, h0: torch.Tensor | None = None,
                 c0: torch.Tensor | None = None) -> tuple[torch.Tensor, list[dict]]:
    """Unroll ``lstm_step_forward`` over X (B, T, D) from (h0, c0) (zeros if None): H (B, T, H), caches."""
    B, T, _ = X.shape
    n_h = params["W_f"].shape[0]
    zeros = torch.zeros(B, n_h, dtype=X.dtype, device=X.device)  # (B, H)
    h = zeros if h0 is None else h0
    c = zeros.clone() if c0 is None else c0
    states, caches = [], []
    for t in range(T):
        h, c, cache = lstm_step_forward(X[:, t], h, c, params)
        states.append(h)
        caches.append(cache)
    return torch.stack(states, dim=1), caches


def lstm_backward(dH: torch.Tensor, caches: list[dict], params: dict) -> dict[str, torch.Tensor]:
    """Backpropagation through time for ``lstm_forward``: dH = dL/dh_t from outside (B, T, H).

    Returns every parameter's gradient, ``"X"`` (B, T, D), ``"h0"`` and ``"c0"`` (B, H).
    """
    grads = {k: torch.zeros_like(v) for k, v in params.items()}
    dh_next = torch.zeros_like(dH[:, 0])  # (B, H): nothing from beyond the last step
    dc_next = torch.zeros_like(dH[:, 0])
    dX = []
    for t in reversed(range(dH.shape[1])):
        step = lstm_step_backward(dH[:, t] + dh_next, dc_next, caches[t], params)
        for k in grads:
            grads[k] = grads[k] + step[k]
        dh_next, dc_next = step["h_prev"], step["c_prev"]
        dX.append(step["x"])
    grads.update(X=torch.stack(dX[::-1], dim=1), h0=dh_next, c0=dc_next)
    return grads
