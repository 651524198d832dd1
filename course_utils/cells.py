"""Recurrent cells written from the lecture's equations, and the loop that unrolls them.

A *cell* computes one time step, ``(x_t, state) -> (h_t, new_state)``; ``Unrolled`` applies the
same cell, with the same weights, at every step. All tensors are batch-first:
``x_t`` is ``(B, D)``, ``h_t`` is ``(B, H)``, a sequence ``X`` is ``(B, T, D)``.

Every weight and bias starts uniform in ``[-1/sqrt(H), 1/sqrt(H)]``, as in PyTorch's recurrent
layers (``reset_parameters``), so a model built from these cells trains like one built from
``torch.nn.RNN`` / ``LSTM`` / ``GRU``; the LSTM cell's one bias per gate stands for PyTorch's two
and is the sum of two such draws, so it lies in ``[-2/sqrt(H), 2/sqrt(H)]``.

``copy_from_torch`` loads the weights of ``torch.nn.RNN`` / ``LSTM`` / ``GRU`` into these cells so
that tests (``tests/test_cells.py``) can hold them to PyTorch's outputs and gradients.
"""

from __future__ import annotations

import math

import torch
from torch import nn

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


@torch.no_grad()
def reset_parameters(cell: nn.Module) -> nn.Module:
    """Initialise ``cell`` as PyTorch initialises ``nn.RNN`` / ``LSTM`` / ``GRU``.

    Every weight and bias is drawn from U(-1/sqrt(H), 1/sqrt(H)). The LSTM cell's one bias per
    gate stands for PyTorch's two, ``b_ih + b_hh`` (see ``copy_from_torch``), so it is drawn as the
    sum of two such draws. ``nn.Linear``'s own default would scale by the number of inputs instead,
    which differs from PyTorch's recurrent layers whenever the input size is not the hidden size.
    """
    bound = 1 / math.sqrt(cell.hidden_size)
    for name, p in cell.named_parameters():
        p.uniform_(-bound, bound)
        if isinstance(cell, LSTMCell) and name.endswith("bias"):
            p.add_(torch.empty_like(p).uniform_(-bound, bound))  # b_ih + b_hh
    return cell


class RNNCell(nn.Module):
    """One step of a vanilla RNN: ``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)`` (notebook 03).

    ``nonlinearity="relu"`` gives ``h_t = relu(...)`` (notebook 04's first trick).
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh") -> None:
        super().__init__()
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.hidden_size = hidden_size
        self.W_xh = nn.Linear(input_size, hidden_size)  # W_xh x_t + b_xh
        self.W_hh = nn.Linear(hidden_size, hidden_size)  # W_hh h_{t-1} + b_hh
        self.f = torch.tanh if nonlinearity == "tanh" else torch.relu
        reset_parameters(self)

    def init_state(self, batch_size: int, device=None, dtype=None) -> torch.Tensor:
        return torch.zeros(batch_size, self.hidden_size, device=device, dtype=dtype)  # (B, H)

    def forward(self, x_t: torch.Tensor, h_prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h_t = self.f(self.W_xh(x_t) + self.W_hh(h_prev))  # (B, H)
        return h_t, h_t


class LSTMCell(nn.Module):
    """One step of a long short-term memory cell (notebook 05), gate by gate.

    With ``[h, x]`` the concatenation of ``h_{t-1}`` and ``x_t``::

        f_t  = sigmoid(W_f [h, x] + b_f)        forget gate
        i_t  = sigmoid(W_i [h, x] + b_i)        input gate
        C~_t = tanh(W_C [h, x] + b_C)           candidate
        C_t  = f_t * C_{t-1} + i_t * C~_t       cell state
        o_t  = sigmoid(W_o [h, x] + b_o)        output gate
        h_t  = o_t * tanh(C_t)
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        n = hidden_size + input_size
        self.W_f = nn.Linear(n, hidden_size)
        self.W_i = nn.Linear(n, hidden_size)
        self.W_C = nn.Linear(n, hidden_size)
        self.W_o = nn.Linear(n, hidden_size)
        reset_parameters(self)

    def init_state(self, batch_size: int, device=None, dtype=None) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = torch.zeros(batch_size, self.hidden_size, device=device, dtype=dtype)  # (B, H)
        return zeros, zeros.clone()

    def forward(self, x_t: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        h_prev, C_prev = state  # (B, H), (B, H)
        hx = torch.cat([h_prev, x_t], dim=1)  # (B, H + D)
        f_t = torch.sigmoid(self.W_f(hx))  # (B, H)
        i_t = torch.sigmoid(self.W_i(hx))  # (B, H)
        C_tilde = torch.tanh(self.W_C(hx))  # (B, H)
        C_t = f_t * C_prev + i_t * C_tilde  # (B, H)
        o_t = torch.sigmoid(self.W_o(hx))  # (B, H)
        h_t = o_t * torch.tanh(C_t)  # (B, H)
        return h_t, (h_t, C_t)


class GRUCell(nn.Module):
    """One step of a gated recurrent unit (notebook 06), with the lecture's names::

        R_t  = sigmoid(W_xr x_t + W_hr H_{t-1} + b_r)               reset gate
        Z_t  = sigmoid(W_xz x_t + W_hz H_{t-1} + b_z)               update gate
        H~_t = tanh(W_xh x_t + W_hh (R_t * H_{t-1}) + b_h)          candidate (reset_after=False)
        H~_t = tanh(W_xh x_t + R_t * (W_hh H_{t-1} + b_hh) + b_xh)  candidate (reset_after=True)
        H_t  = Z_t * H_{t-1} + (1 - Z_t) * H~_t

    ``reset_after=True`` applies the reset gate after the recurrent matrix multiplication, as
    ``torch.nn.GRU`` and cuDNN do; ``False`` is the textbook form. The two are different functions
    of the same weights (notebook 06 measures it); only the first can be loaded from
    ``torch.nn.GRU``'s weights and give the same numbers. Which of them learns better is not
    settled here (notebook 06, exercise 4).
    """

    def __init__(self, input_size: int, hidden_size: int, reset_after: bool = True) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.reset_after = reset_after
        self.W_xr, self.W_hr = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size)
        self.W_xz, self.W_hz = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size)
        self.W_xh, self.W_hh = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size)
        reset_parameters(self)

    def init_state(self, batch_size: int, device=None, dtype=None) -> torch.Tensor:
        return torch.zeros(batch_size, self.hidden_size, device=device, dtype=dtype)  # (B, H)

    def forward(self, x_t: torch.Tensor, H_prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        R_t = torch.sigmoid(self.W_xr(x_t) + self.W_hr(H_prev))  # (B, H)
        Z_t = torch.sigmoid(self.W_xz(x_t) + self.W_hz(H_prev))  # (B, H)
        if self.reset_after:
            H_tilde = torch.tanh(self.W_xh(x_t) + R_t * self.W_hh(H_prev))  # (B, H)
        else:
            H_tilde = torch.tanh(self.W_xh(x_t) + self.W_hh(R_t * H_prev))  # (B, H)
        H_t = Z_t * H_prev + (1 - Z_t) * H_tilde  # (B, H)
        return H_t, H_t


class Unrolled(nn.Module):
    """The loop: apply one cell at every time step of ``X`` (B, T, D), the same weights each time.

    Returns ``outputs`` (B, T, H), the hidden state at every step, and the final state.
    """

    def __init__(self, cell: nn.Module) -> None:
        super().__init__()
        self.cell = cell

    def forward(self, X: torch.Tensor, state: State | None = None,
                lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, State]:
        """``lengths`` (B,): sequence ``b`` is real for its first ``lengths[b]`` steps, padding after.

        At a padding step the state is carried through unchanged and the output is zero, so each
        sequence ends in the state of its last real step, as with PyTorch's packed sequences.
        """
        if X.dim() != 3:
            raise ValueError(f"expected X of shape (batch, steps, features), got {tuple(X.shape)}")
        if state is None:
            state = self.cell.init_state(X.shape[0], X.device, X.dtype)
        outputs = []
        for t in range(X.shape[1]):
            h_t, new_state = self.cell(X[:, t], state)  # (B, H)
            if lengths is not None:
                real = (t < lengths).to(X.dtype)[:, None]  # (B, 1): 1 on a real step, 0 on padding
                h_t = h_t * real
                new_state = _blend(new_state, state, real)
            state = new_state
            outputs.append(h_t)
        return torch.stack(outputs, dim=1), state  # (B, T, H)


def _blend(new: State, old: State, keep_new: torch.Tensor) -> State:
    """``new`` where ``keep_new`` (B, 1) is 1, ``old`` where it is 0, for a tensor or an (h, c) pair."""
    if isinstance(new, tuple):
        return tuple(_blend(n, o, keep_new) for n, o in zip(new, old))
    return keep_new * new + (1 - keep_new) * old


def make_cell(kind: str, input_size: int, hidden_size: int, **kwargs) -> nn.Module:
    """``"rnn"``, ``"lstm"`` or ``"gru"`` (``kwargs`` go to the cell, e.g. ``nonlinearity="relu"``)."""
    cells = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}
    if kind not in cells:
        raise ValueError(f"kind must be one of {sorted(cells)}, got {kind!r}")
    return cells[kind](input_size, hidden_size, **kwargs)


@torch.no_grad()
def copy_from_torch(cell: nn.Module, ref: nn.Module, layer: int = 0, reverse: bool = False) -> nn.Module:
    """Load one layer of ``torch.nn.RNN`` / ``LSTM`` / ``GRU`` (or their ``*Cell``) into ``cell``.

    PyTorch stacks the gates in ``weight_ih`` (G*H, D) and ``weight_hh`` (G*H, H): for the LSTM in
    the order input, forget, candidate, output; for the GRU reset, update, candidate.
    ``reverse=True`` loads the backward direction of a bidirectional layer.
    """
    suffix = "" if isinstance(ref, (nn.RNNCell, nn.LSTMCell, nn.GRUCell)) else f"_l{layer}"
    suffix += "_reverse" if reverse else ""
    W_ih, W_hh = getattr(ref, "weight_ih" + suffix), getattr(ref, "weight_hh" + suffix)
    b_ih, b_hh = getattr(ref, "bias_ih" + suffix), getattr(ref, "bias_hh" + suffix)
    if isinstance(cell, RNNCell):
        for ours, theirs in [(cell.W_xh.weight, W_ih), (cell.W_xh.bias, b_ih),
                             (cell.W_hh.weight, W_hh), (cell.W_hh.bias, b_hh)]:
            ours.copy_(theirs)
    elif isinstance(cell, LSTMCell):
        H = cell.hidden_size
        for g, lin in enumerate([cell.W_i, cell.W_f, cell.W_C, cell.W_o]):
            rows = slice(g * H, (g + 1) * H)
            lin.weight.copy_(torch.cat([W_hh[rows], W_ih[rows]], dim=1))  # acts on [h, x]
            lin.bias.copy_(b_ih[rows] + b_hh[rows])
    elif isinstance(cell, GRUCell):
        H = cell.hidden_size
        pairs = [(cell.W_xr, cell.W_hr), (cell.W_xz, cell.W_hz), (cell.W_xh, cell.W_hh)]
        for g, (lin_x, lin_h) in enumerate(pairs):
            rows = slice(g * H, (g + 1) * H)
            lin_x.weight.copy_(W_ih[rows])
            lin_x.bias.copy_(b_ih[rows])
            lin_h.weight.copy_(W_hh[rows])
            lin_h.bias.copy_(b_hh[rows])
    else:
        raise TypeError(f"copy_from_torch expects an RNNCell, LSTMCell or GRUCell, got {type(cell).__name__}")
    return cell
