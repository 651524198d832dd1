# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,colab
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 05 · Long short-term memory
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/student/05_lstm.ipynb)
#
# *Student version: each exercise raises `NotImplementedError` until you write its body; run the check cell after it to see PASS or what is wrong.*
#
# A vanilla RNN forgets: the gradient that reaches back $k$ steps is a product of $k$ Jacobians
# $\operatorname{diag}(\tanh') W_{hh}$ and shrinks geometrically (notebook 04). The **long
# short-term memory** (LSTM; Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al.,
# 2000) adds a second state, the **cell state** $C_t$, that is changed only by elementwise
# multiplication and addition, under the control of three **gates**.
#
# **Learning goals**
#
# - Write the LSTM cell from its equations, one gate at a time, and prove it equal to
#   `torch.nn.LSTM`: the same outputs and the same gradients (minding PyTorch's gate order).
# - Derive, and check with autograd, that along the cell state the gradient
#   $\partial C_T / \partial C_t$ is a product of forget gates, with no matrix in it; measure the
#   gradient against distance for an RNN and an LSTM.
# - Explain why the forget-gate bias is initialised to a large positive value, and see it decide
#   whether an LSTM can learn at all on a task whose answer lies 60 steps back.
# - Look inside a trained LSTM: what its forget, input and output gates do, and what its cell
#   state remembers.
# - Read the lecture's LSTM diagram, and test its *he*/*she* walk-through (forget the old
#   subject's gender, add the new one's) on a trained LSTM.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn
from course_utils.claims import claim
from course_utils import (cells, config, experiments, gradients, metrics, models, plotting, results, tasks,
                          training)
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · A memory cell with three gates
#
# At step $t$ an LSTM reads the input $x_t$ ($D$ numbers) and its previous **hidden state**
# $h_{t-1}$ ($H$ numbers), stacked into one vector $[h_{t-1}, x_t]$ of $H + D$ numbers. From it,
# four affine maps compute three gates and one candidate, each a vector of $H$ numbers, one per
# memory unit:
#
# | piece | equation | values | what it decides |
# |---|---|---|---|
# | forget gate | $f_t = \sigma(W_f [h_{t-1}, x_t] + b_f)$ | $(0, 1)$ | how much of the old memory $C_{t-1}$ to keep |
# | input gate | $i_t = \sigma(W_i [h_{t-1}, x_t] + b_i)$ | $(0, 1)$ | how much of the candidate to write |
# | candidate | $\tilde C_t = \tanh(W_C [h_{t-1}, x_t] + b_C)$ | $(-1, 1)$ | what to write |
# | **cell state** | $C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t$ | any | the memory |
# | output gate | $o_t = \sigma(W_o [h_{t-1}, x_t] + b_o)$ | $(0, 1)$ | how much of the memory to show |
# | hidden state | $h_t = o_t \odot \tanh(C_t)$ | $(-1, 1)$ | what the next step and the readout see |
#
# ($\sigma$ is the logistic sigmoid, $\odot$ the elementwise product.) The gates are soft
# switches: $f_t = 1, i_t = 0$ copies the memory unchanged, $f_t = 0, i_t = 1$ overwrites it,
# $f_t = i_t = 1$ adds to it. Read the cell-state line again: $C_{t-1}$ is never multiplied by a
# matrix and never passed through a squashing function. That one line is the whole trick, and
# section 3 measures what it does to the gradient.
#
# The lecture draws the same cell as a picture: "LSTMs maintain a cell state $c_t$ where it's
# easy for information to flow" (the line along the top), and "Information is added or removed
# to cell state through structures called gates". How do LSTMs work? 1) Forget 2) Update
# 3) Output, from left to right:

# %% slideshow={"slide_type": "subslide"}
fig = plotting.lstm_cell()

# %% [markdown] slideshow={"slide_type": "slide"}
# **Where the slides slip.** The slide on the forget gate writes
# $f_t = \sigma(\mathbf{W}_i[h_{t-1}, x_t] + b_f)$, with the input gate's matrix $W_i$. The forget
# gate has its own weights, $W_f$, as in the table: with $W_i$ in both, the forget and input gates
# would differ only by their biases. The cell below, and `torch.nn.LSTM`, have four separate
# blocks of weights.
#
# ## 2 · The cell, step by step
#
# We write each row of the table as its own small function. Tensors are batch-first: $x_t$ is
# $(B, D)$, every state and gate $(B, H)$, and `hx` is $[h_{t-1}, x_t]$, $(B, H + D)$. Each
# `nn.Linear(H + D, H)` holds one $W$ and its $b$.

# %% slideshow={"slide_type": "subslide"}
def forget_gate(W_f, hx):
    """f_t = sigma(W_f [h_{t-1}, x_t] + b_f): how much of each memory unit to keep."""
    return torch.sigmoid(W_f(hx))  # (B, H), every entry in (0, 1)


def input_gate_and_candidate(W_i, W_C, hx):
    """i_t = sigma(W_i [h, x] + b_i): how much to write;  C~_t = tanh(W_C [h, x] + b_C): what."""
    i_t = torch.sigmoid(W_i(hx))  # (B, H), in (0, 1)
    C_tilde = torch.tanh(W_C(hx))  # (B, H), in (-1, 1)
    return i_t, C_tilde


# %% [markdown] slideshow={"slide_type": "-"}
# The cell update is the only line that touches the old memory, and it does so elementwise. With
# the gates set by hand, the three soft switches of the table:

# %% slideshow={"slide_type": "subslide"}
def update_cell(f_t, C_prev, i_t, C_tilde):
    """C_t = f_t * C_{t-1} + i_t * C~_t: keep part of the old memory, add part of the new."""
    return f_t * C_prev + i_t * C_tilde  # (B, H): no matrix, no squashing of C_{t-1}


C_old, C_new = torch.tensor([[0.7, -1.5]]), torch.tensor([[0.5, 0.9]])  # (B=1, H=2)
one, zero = torch.ones(1, 2), torch.zeros(1, 2)
for name, f, i in [("keep (f=1, i=0)", one, zero), ("overwrite (f=0, i=1)", zero, one),
                   ("add (f=1, i=1)", one, one)]:
    print(f"{name:22s} C_t = {update_cell(f, C_old, i, C_new)}")
assert torch.equal(update_cell(one, C_old, zero, C_new), C_old)  # closed input gate: an exact copy
assert torch.equal(update_cell(zero, C_old, one, C_new), C_new)


# %% [markdown] slideshow={"slide_type": "-"}
# The output gate decides how much of the (squashed) memory the rest of the network sees:

# %% slideshow={"slide_type": "-"}
def output(W_o, hx, C_t):
    """o_t = sigma(W_o [h, x] + b_o);  h_t = o_t * tanh(C_t): the part of the memory shown."""
    o_t = torch.sigmoid(W_o(hx))  # (B, H)
    return o_t, o_t * torch.tanh(C_t)  # (B, H), (B, H)


# %% [markdown] slideshow={"slide_type": "subslide"}
# One time step chains the four pieces. It also returns the gates, so that section 5 can look at
# them. The cell itself only holds the parameters, the four affine maps; its `forward` follows
# the interface of the course's cells, `cell(x_t, state) -> (h_t, (h_t, C_t))`, so that the
# course's loop `cells.Unrolled` can run it too (checked below).

# %% slideshow={"slide_type": "subslide"}
def lstm_step(cell, x_t, state):
    """One step: (x_t (B, D), (h_{t-1}, C_{t-1})) -> h_t, C_t and the gates, each (B, H)."""
    h_prev, C_prev = state  # (B, H), (B, H)
    hx = torch.cat([h_prev, x_t], dim=1)  # (B, H + D)
    f_t = forget_gate(cell.W_f, hx)  # (B, H)
    i_t, C_tilde = input_gate_and_candidate(cell.W_i, cell.W_C, hx)  # (B, H), (B, H)
    C_t = update_cell(f_t, C_prev, i_t, C_tilde)  # (B, H)
    o_t, h_t = output(cell.W_o, hx, C_t)  # (B, H), (B, H)
    return h_t, C_t, {"f": f_t, "i": i_t, "C~": C_tilde, "o": o_t}


class LSTMCell(nn.Module):
    """The parameters of one LSTM cell: four affine maps of [h_{t-1}, x_t], one per gate."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        n = hidden_size + input_size  # [h_{t-1}, x_t]
        self.W_f, self.W_i = nn.Linear(n, hidden_size), nn.Linear(n, hidden_size)  # W (H, H+D), b (H,)
        self.W_C, self.W_o = nn.Linear(n, hidden_size), nn.Linear(n, hidden_size)

    def init_state(self, batch_size, device=None, dtype=None):
        zeros = torch.zeros(batch_size, self.hidden_size, device=device, dtype=dtype)  # (B, H)
        return zeros, zeros.clone()  # (h_0, C_0)

    def forward(self, x_t, state):
        h_t, C_t, _ = lstm_step(self, x_t, state)
        return h_t, (h_t, C_t)


# %% [markdown] slideshow={"slide_type": "subslide"}
# The loop applies the same cell at every step, carrying both states, and stacks what each step
# produced (the gates too):

# %% slideshow={"slide_type": "-"}
def run_lstm(cell, X, state=None):
    """Unroll over X (B, T, D): states h (B, T, H), the final (h, C), gates {name: (B, T, H)}."""
    if state is None:
        state = cell.init_state(X.shape[0], X.device, X.dtype)  # (h_0, C_0) = 0
    hs, gates = [], []
    for t in range(X.shape[1]):
        h_t, C_t, g = lstm_step(cell, X[:, t], state)  # (B, H) each
        state = (h_t, C_t)
        hs.append(h_t)
        gates.append(g)
    gates = {k: torch.stack([g[k] for g in gates], dim=1) for k in gates[0]}  # each (B, T, H)
    return torch.stack(hs, dim=1), state, gates  # (B, T, H), ((B, H), (B, H)), gates


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Check: exactly what `torch.nn.LSTM` computes
#
# `nn.LSTM` stores all four blocks stacked in one matrix per input: `weight_ih_l0` $(4H, D)$
# multiplies $x_t$ and `weight_hh_l0` $(4H, H)$ multiplies $h_{t-1}$, with rows in the order
# **i, f, g, o** (input gate, forget gate, candidate, which PyTorch calls $g$, output gate), and two
# bias vectors whose sum is our $b$. Our $W_f$ acts on $[h_{t-1}, x_t]$, so its matrix is the
# forget rows of `weight_hh_l0` followed, column-wise, by those of `weight_ih_l0`. A mix-up in
# that order would go unnoticed in the shapes, which all agree, but not in the numbers below.

# %% slideshow={"slide_type": "subslide"}
PYTORCH_ORDER = ("W_i", "W_f", "W_C", "W_o")  # rows of weight_ih_l0 / weight_hh_l0: i, f, g, o


@torch.no_grad()
def load_from_torch(cell, ref):
    """Copy the weights of a one-layer torch.nn.LSTM `ref` into our `cell`."""
    H = cell.hidden_size
    for g, name in enumerate(PYTORCH_ORDER):
        rows = slice(g * H, (g + 1) * H)  # this gate's block of 4H rows
        lin = getattr(cell, name)
        lin.weight.copy_(torch.cat([ref.weight_hh_l0[rows], ref.weight_ih_l0[rows]], dim=1))  # (H, H + D)
        lin.bias.copy_(ref.bias_ih_l0[rows] + ref.bias_hh_l0[rows])  # (H,): only the sum matters
    return cell


# %% [markdown] slideshow={"slide_type": "-"}
# We run both on the same inputs from the same non-zero initial state, in double precision, and
# compare every hidden state, the final cell state, and the gradients of a random scalar loss
# with respect to the inputs, the initial state and every weight.

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
B, T, D, H = 4, 9, 5, 6
ref = nn.LSTM(D, H, batch_first=True).double()
ours = load_from_torch(LSTMCell(D, H).double(), ref)
X = torch.randn(B, T, D, dtype=torch.float64)  # (B, T, D)
h0, C0 = torch.randn(B, H, dtype=torch.float64), torch.randn(B, H, dtype=torch.float64)  # (B, H)
weights = torch.randn(B, T, H, dtype=torch.float64)  # a random scalar loss: sum(weights * h)
X_ours, X_ref, C0_ours, C0_ref = (t.clone().requires_grad_() for t in (X, X, C0, C0))

hs_ours, (h_ours, C_ours), _ = run_lstm(ours, X_ours, (h0, C0_ours))  # (B, T, H)
hs_ref, (h_ref, C_ref) = ref(X_ref, (h0.unsqueeze(0), C0_ref.unsqueeze(0)))  # (B, T, H), (1, B, H)
((weights * hs_ours).sum() + C_ours.sum()).backward()
((weights * hs_ref).sum() + C_ref.sum()).backward()

# %% slideshow={"slide_type": "subslide"}
tight = dict(rtol=1e-10, atol=1e-12)
torch.testing.assert_close(hs_ours, hs_ref, **tight)  # every h_t
torch.testing.assert_close(C_ours, C_ref[0], **tight)  # the final cell state
torch.testing.assert_close(X_ours.grad, X_ref.grad, **tight)  # dL/dx_t
torch.testing.assert_close(C0_ours.grad, C0_ref.grad, **tight)  # dL/dC_0
for g, name in enumerate(PYTORCH_ORDER):
    rows, lin = slice(g * H, (g + 1) * H), getattr(ours, name)
    for part, ref_grad in [(lin.weight.grad[:, :H], ref.weight_hh_l0.grad[rows]),  # acts on h
                           (lin.weight.grad[:, H:], ref.weight_ih_l0.grad[rows]),  # acts on x
                           (lin.bias.grad, ref.bias_ih_l0.grad[rows])]:
        torch.testing.assert_close(part, ref_grad, **tight, msg=f"gradient of {name} differs")
gap = (hs_ours - hs_ref).abs().max().item()
print(f"outputs and gradients (inputs, C_0, all four gates) agree with torch.nn.LSTM; "
      f"largest output difference {gap:.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Later notebooks use the tested copy of this cell, `course_utils.cells.LSTMCell`, with the loop
# `cells.Unrolled` and the loader `cells.copy_from_torch`. Loaded with the same weights it must
# compute what ours computes, values and gradients; and our cell run by the course's loop must
# give what our loop gives.

# %% slideshow={"slide_type": "subslide"}
lib = cells.copy_from_torch(cells.LSTMCell(D, H).double(), ref)
X_lib, C0_lib = X.clone().requires_grad_(), C0.clone().requires_grad_()
hs_lib, (h_lib, C_lib) = cells.Unrolled(lib)(X_lib, (h0, C0_lib))  # (B, T, H)
((weights * hs_lib).sum() + C_lib.sum()).backward()
torch.testing.assert_close(hs_lib, hs_ours, **tight)
torch.testing.assert_close(C_lib, C_ours, **tight)
torch.testing.assert_close(X_lib.grad, X_ours.grad, **tight)
for name in PYTORCH_ORDER:
    torch.testing.assert_close(getattr(lib, name).weight.grad, getattr(ours, name).weight.grad,
                               **tight)
with torch.no_grad():
    hs_loop, _ = cells.Unrolled(ours)(X, (h0, C0))  # our cell, the course's loop
torch.testing.assert_close(hs_loop, hs_ours, **tight)
print("course_utils.cells.LSTMCell + Unrolled agree with the cell written above")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Why the gradient survives: products of forget gates
#
# Follow the gradient backwards along the cell state. From $C_t = f_t \odot C_{t-1} + i_t \odot
# \tilde C_t$, holding the gates fixed,
#
# $$\frac{\partial C_t}{\partial C_{t-1}} = \operatorname{diag}(f_t)
# \quad\Longrightarrow\quad
# \frac{\partial C_T}{\partial C_t} = \operatorname{diag}\big(f_T \odot f_{T-1} \odot \dots
# \odot f_{t+1}\big).$$
#
# Each memory unit carries its own gradient back, multiplied at every step by one number, its
# forget gate. Compare the vanilla RNN, where $\partial h_t / \partial h_{t-1} =
# \operatorname{diag}(1 - h_t^2)\, W_{hh}$: a matrix product at every step, which mixes the units.
# With PyTorch's initialisation one such factor can stretch some directions (its largest singular
# value can exceed 1), but the product over many steps shrinks every direction. Measured on a fresh
# `cells.RNNCell` with $H = 64$:

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
rnn_probe = cells.RNNCell(16, 64).double()
X_factors = torch.randn(8, 50, 16, dtype=torch.float64)  # (B, T, D)
with torch.no_grad():
    h, factors = torch.zeros(8, 64, dtype=torch.float64), []
    for t in range(X_factors.shape[1]):
        h, _ = rnn_probe(X_factors[:, t], h)  # (B, H)
        factors.append(torch.diag_embed(1 - h ** 2) @ rnn_probe.W_hh.weight)  # (B, H, H): dh_t/dh_{t-1}
    product = torch.eye(64, dtype=torch.float64).expand(8, 64, 64)
    for J_t in reversed(factors):
        product = product @ J_t  # dh_T / dh_{t-1}, (B, H, H)
one_factor = torch.stack([torch.linalg.matrix_norm(J_t, ord=2) for J_t in factors])  # (T, B)
print(f"one factor: largest singular value up to {one_factor.max():.2f} "
      f"(above 1 in {(one_factor > 1).float().mean():.0%} of steps and sequences)")
print(f"product of 50 factors: largest singular value at most "
      f"{torch.linalg.matrix_norm(product, ord=2).max():.1e}")
claim("some single factor stretches a direction (largest singular value)", one_factor.max(), ">", 1)
claim("50 factors shrink every direction (largest singular value of the product)",
      torch.linalg.matrix_norm(product, ord=2).max(), "<", 1e-3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The LSTM's cell-state path has no such matrix.
#
# "Holding the gates fixed" is not the whole story: the gates read $h_{t-1} = o_{t-1} \odot
# \tanh(C_{t-1})$, so there are further paths from $C_{t-1}$ to $C_t$ through $h_{t-1}$ and the
# gates' matrices. To check the formula, we cut those paths: the cell gets $h_{t-1}$ as a
# constant (`detach`), so its only route back in time is the cell state. Then autograd must
# return exactly the product of forget gates, for every unit and every distance.

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
probe = LSTMCell(16, 64)
X_probe = torch.randn(8, 60, 16)  # (B, T, D)
h, C = probe.init_state(8)
C_path, f_path = [], []
for t in range(X_probe.shape[1]):
    h, C, g = lstm_step(probe, X_probe[:, t], (h.detach(), C))  # the cut: gates see h as data
    C.retain_grad()
    C_path.append(C)
    f_path.append(g["f"].detach())  # (B, H) each
C_path[-1].sum().backward()  # L = sum of C_T, so dL/dC_T = 1 in every unit

for k in (1, 10, 50):  # k steps before the last
    t = len(C_path) - 1 - k
    prod_f = torch.stack(f_path[t + 1:]).prod(dim=0)  # (B, H): f_{t+1} * ... * f_T
    torch.testing.assert_close(C_path[t].grad, prod_f, rtol=1e-4, atol=0)  # relative: tiny values
    print(f"k = {k:2d}: dC_T/dC_t = product of {k} forget gates, mean {prod_f.mean():.2e} "
          f"(autograd agrees to {((C_path[t].grad - prod_f).abs() / prod_f).max():.0e} relative)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The identity holds, and it also shows the catch: at this fresh initialisation the product is
# tiny. A forget gate starts near $\sigma(0) = 0.5$, and $0.5^{50} \approx 10^{-15}$. An LSTM
# does not remember by default; it remembers when its forget gates are near 1. The forget gate's
# bias $b_f$ sets where it starts: with $b_f = +4$ the gate starts near $\sigma(4) = 0.982$, and a
# product of 50 such gates is still $0.982^{50} \approx 0.4$.

# %% slideshow={"slide_type": "-"}
for b in (0.0, 1.0, 2.0, 4.0):
    f0 = torch.sigmoid(torch.tensor(b)).item()
    print(f"b_f = {b:+.0f}: sigma(b_f) = {f0:.3f}, left after 10 steps {f0 ** 10:.1e}, "
          f"after 50 steps {f0 ** 50:.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now the whole gradient, every path included. `gradients.state_gradient_norms` unrolls a cell
# on an input and returns $\lVert \partial L / \partial s_{T-k} \rVert$ for every distance $k$,
# where $L$ sums the last state: for the vanilla RNN the state $s$ is $h$, for the LSTM it is the
# cell state $C$ (`component=1`). Same input, same width $H = 64$, and for the LSTM three
# initialisations of the forget-gate bias. We compute in double precision, so that rounding cannot
# hide how small the gradient gets. One more LSTM curve follows the slider; it starts at +1, a
# general default recommended by Jozefowicz et al. (2015).

# %% slideshow={"slide_type": "subslide"}
X_grad = torch.randn(32, 100, 16, dtype=torch.float64)  # (B, T, D): one input for every cell


def lstm_curve(bias=None):
    """||dL/dC_{T-k}|| for a fresh LSTM cell; `bias` overrides the forget gate's b_f."""
    torch.manual_seed(cfg.seed)
    cell = cells.LSTMCell(16, 64).double()
    if bias is not None:
        with torch.no_grad():
            cell.W_f.bias.fill_(bias)
    return gradients.state_gradient_norms(cell, X_grad, component=1)  # (T,)


torch.manual_seed(cfg.seed)
rnn_cell = cells.RNNCell(16, 64).double()
curves = {"vanilla RNN, dL/dh": gradients.state_gradient_norms(rnn_cell, X_grad),
          "LSTM, default init, dL/dC": lstm_curve()}
curves.update({f"LSTM, forget bias {b:+.0f}, dL/dC": lstm_curve(b) for b in (2.0, 4.0)})


def plot_gradients(bias=1.0):
    shown = dict(curves, **{f"LSTM, forget bias {bias:+.1f} (slider)": lstm_curve(bias)})
    fig = plotting.gradient_norms(shown, title="Gradient of the last state w.r.t. earlier states",
                                  ylabel="gradient norm")
    fig.axes[0].axvline(50, ls=":", color="gray")
    return fig


plot_gradients(1.0);

# %% slideshow={"slide_type": "subslide"}
widgets.interact(plot_gradients, bias=widgets.FloatSlider(value=1.0, min=-2.0, max=8.0, step=0.5,
                                                          description="forget bias",
                                                          style={"description_width": "initial"}));

# %% slideshow={"slide_type": "-"}
at_50 = {name: norms[50].item() for name, norms in curves.items()}
for name, value in at_50.items():
    print(f"{name:28s} at distance 50: {value:.1e}")
rnn_50, lstm_50 = at_50["vanilla RNN, dL/dh"], at_50["LSTM, default init, dL/dC"]
lstm4_50 = at_50["LSTM, forget bias +4, dL/dC"]
print(f"default LSTM / vanilla RNN at distance 50: {lstm_50 / rnn_50:.0f}x")
claim("the default LSTM's cell state keeps more gradient than the RNN 50 steps back (ratio)",
      lstm_50 / rnn_50, ">", 10)
claim("forget bias +4 keeps a million times more than the default LSTM (ratio)", lstm4_50 / lstm_50, ">", 1e6)
claim("with forget bias +4 the gradient 50 steps back stays near 1 (relative norm)", lstm4_50, ">", 0.1)

# %% [markdown] slideshow={"slide_type": "slide"}
# On a log scale the story is in the slopes. The vanilla RNN's gradient falls by an order of
# magnitude every few steps and is negligible at distance 50: nothing the loss says there can
# change what the network did 50 steps earlier. The default LSTM's falls more slowly (a product
# of forget gates spread around 0.5, in which the units with the largest gates dominate), ending
# above the RNN's (by the factor printed), but still far too small to learn from. With the
# forget bias at +1 it falls much more slowly, at +2 the slope is gentle, and at +4 the curve is
# flat: the gradient arrives 50 steps back undiminished. (It can even exceed its value at the
# last step: the other paths, through $h$ and the gates, add to the direct one.) Training can move
# the gates anywhere, so this is a statement about the *start* of training; the next section
# shows that the start decides what can be learned.
#
# ## 4 · Remembering the first symbol
#
# The task: a sequence of $T$ random symbols out of 8 (`tasks.first_symbol_batch`); the label is
# the **first** symbol. Everything after step 0 is a distraction, so a model that does not carry
# that one symbol across all $T$ steps can do no better than chance, $1/8$. Every model reads the
# symbols through an embedding (16 numbers), runs a recurrent layer with $H = 64$ (PyTorch's fused
# `nn.RNN` / `nn.LSTM`, which compute what our cells compute, faster) and classifies its last hidden
# state. All three get the same budget: the same number of Adam steps at $3 \cdot 10^{-3}$, each on
# 64 freshly drawn sequences, gradient clipping at 1; accuracy is measured on a fixed held-out
# batch of 1,000 sequences.
#
# - **vanilla RNN**, PyTorch's default initialisation;
# - **LSTM, default initialisation**: forget gates start near 0.5;
# - **LSTM, forget bias +4** (`models.init_gate_bias`): forget gates start near 0.98, so the
#   cell state *remembers by default*, and at the start of training the gradient from the label
#   reaches step 0 (along the cell state $0.98^{60} \approx 0.3$ of it, against
#   $0.5^{60} \approx 10^{-18}$). The network then has to learn what to store, not how to keep
#   it. The general default of +1 would still leave only $0.73^{60} \approx 10^{-8}$ over 60
#   steps, so for spans this long we start the gates much closer to 1.

# %% slideshow={"slide_type": "subslide"}
num_symbols = 8
T_mem = cfg.pick(smoke=20, class_=60, full=100)
mem_steps = cfg.pick(smoke=30, class_=400, full=1500)
X_held, y_held = tasks.first_symbol_batch(1000, T_mem, num_symbols,
                                          generator=torch.Generator().manual_seed(10_000 + cfg.seed))
print(f"T = {T_mem}, {mem_steps} training steps each, held-out {tuple(X_held.shape)}, "
      f"chance {1 / num_symbols:.3f}")


def train_memory(kind, forget_bias=None):
    """Train one model on the first-symbol task; return the model and its History."""
    torch.manual_seed(cfg.seed)
    model = experiments.memory_model(kind, num_symbols, gate_bias=forget_bias)  # b_f = forget_bias
    history = experiments.fit_first_symbol(model.to(cfg.device), T_mem, mem_steps, (X_held, y_held),
                                           num_symbols=num_symbols, seed=cfg.seed,  # same batches for all
                                           eval_every=cfg.pick(smoke=10, class_=50, full=100), desc=kind)
    return model, history


# %% slideshow={"slide_type": "subslide"}
runs = {"vanilla RNN": ("rnn", None), "LSTM, default init": ("lstm", None),
        "LSTM, forget bias +4": ("lstm", 4.0)}
mem_models, mem_hist = {}, {}
for name, (kind, bias) in runs.items():
    mem_models[name], mem_hist[name] = train_memory(kind, bias)
    print(f"{name:21s} held-out accuracy {mem_hist[name].last('accuracy'):.3f}  "
          f"({mem_hist[name].seconds:.1f} s, {1e3 * mem_hist[name].seconds / mem_steps:.0f} ms/step)")

# %% slideshow={"slide_type": "subslide"}
mem_acc = {name: h.last("accuracy") for name, h in mem_hist.items()}
plotting.comparison_bars(mem_acc, "held-out accuracy",
                         f"Recall the first of {T_mem} symbols ({mem_steps} steps each)",
                         reference=1 / num_symbols, reference_label="chance");
plotting.loss_curves(mem_hist, metric="accuracy", title=f"First-symbol task, T = {T_mem}", loss_unit="nats");

# %% slideshow={"slide_type": "subslide"}
lstm_acc, rnn_acc = mem_acc["LSTM, forget bias +4"], mem_acc["vanilla RNN"]
default_acc = mem_acc["LSTM, default init"]
for name, acc in mem_acc.items():
    results.record(f"first-symbol recall at T = {T_mem}, {name}", 100 * acc, unit="%")
reached = next((s for s, e in zip(mem_hist["LSTM, forget bias +4"].eval_steps,
                                  mem_hist["LSTM, forget bias +4"].evals) if e["accuracy"] >= 0.9), None)
print(f"LSTM (+4) {lstm_acc:.3f}, first >= 0.9 at step {reached}; "
      f"LSTM (default) {default_acc:.3f}; vanilla RNN {rnn_acc:.3f}")
claim("the LSTM with forget bias +4 recalls the first symbol", lstm_acc, ">", 0.9)
claim("the vanilla RNN stays near chance", rnn_acc, "<", 0.3)
claim("the default LSTM stays near chance in this budget", default_acc, "<", 0.3)

# %% [markdown] slideshow={"slide_type": "slide"}
# The LSTM with its forget bias at +4 solves the task, while the vanilla RNN never leaves
# chance, as its vanishing gradient predicts. Now look at the middle bar: the *same* LSTM
# architecture with PyTorch's default initialisation also stays at chance in this budget. Gates
# make long memory possible; the forget-gate bias makes it the starting point, and at this
# length that is the difference between learning and not. (On short sequences the default LSTM,
# and even the vanilla RNN, do learn this task: try it in Exercise 3.) Notebook 04's figure "How
# far back can each cell remember?" takes the same LSTM, trained on gaps mixed from 5 to 200
# steps, to the first of 200 symbols.
#
# ## 5 · What the gates do
#
# To look inside the trained LSTM we load its weights into *our* cell (`load_from_torch`, checked
# in section 2), run it on the 1,000 held-out sequences and keep every gate. Replaying the cell
# update from the recorded gates gives the cell state at every step. Two checks that we are
# looking at the right thing: the replay ends where the cell ended, and the classifier's head
# applied to our cell's last hidden state gives the trained model's own logits.

# %% slideshow={"slide_type": "subslide"}
lstm_model = mem_models["LSTM, forget bias +4"]
mem_cell = load_from_torch(LSTMCell(16, 64), lstm_model.rnn.impl)  # a CPU copy of the trained cell
with torch.no_grad():
    E_held = lstm_model.embedding(X_held.to(cfg.device)).cpu()  # (N, T, 16)
    _, (h_T, C_T), gates = run_lstm(mem_cell, E_held)  # (N, H) each; gates {name: (N, T, H)}
    C_t, C_steps = torch.zeros_like(C_T), []
    for t in range(T_mem):  # replay C_t = f_t * C_{t-1} + i_t * C~_t
        C_t = update_cell(gates["f"][:, t], C_t, gates["i"][:, t], gates["C~"][:, t])  # (N, H)
        C_steps.append(C_t)
    C_steps = torch.stack(C_steps, dim=1)  # (N, T, H)
    model_logits = lstm_model(X_held.to(cfg.device)).cpu()  # (N, 8)
    head_logits = lstm_model.head(h_T.to(cfg.device)).cpu()  # (N, 8)
torch.testing.assert_close(C_steps[:, -1], C_T)
tol = 1e-4 if cfg.device.type == "cpu" else 2e-2  # a GPU's cuDNN LSTM may compute in TF32
torch.testing.assert_close(head_logits, model_logits, rtol=tol, atol=tol)
print("gates: " + ", ".join(f"{k} {tuple(v.shape)}" for k, v in gates.items())
      + f"; cell states {tuple(C_steps.shape)}")


# %% [markdown] slideshow={"slide_type": "subslide"}
# **What does the memory hold?** Group the sequences by a symbol and ask what share of a unit's
# variance lies *between* the groups (the correlation ratio $\eta^2$): 1 if the unit's value is a
# function of that symbol, 0 if it is unrelated to it. We ask it at every step $t$, about two
# symbols: the **first** one, which the task needs, and the **current** one, $x_t$, which has just
# been read. For comparison, the same question about the hidden state of the trained vanilla RNN.

# %% slideshow={"slide_type": "subslide"}
def explained(Z, labels, num_classes=num_symbols):
    """Share of each unit's variance explained by `labels` (eta^2). Z (N, H), labels (N,) -> (H,)."""
    means = torch.stack([Z[labels == k].mean(0) for k in range(num_classes)])  # (K, H)
    within = (Z - means[labels]).pow(2).mean(0)  # (H,)
    return 1 - within / Z.var(0, unbiased=False).clamp_min(1e-12)  # (H,)


def explained_over_time(states):
    """Mean eta^2 of states (N, T, H) at every step: by the first symbol, and by the current one."""
    first = [explained(states[:, t], X_held[:, 0]).mean().item() for t in range(T_mem)]
    current = [explained(states[:, t], X_held[:, t]).mean().item() for t in range(T_mem)]
    return first, current


rnn_model = mem_models["vanilla RNN"]
with torch.no_grad():
    rnn_states = rnn_model.rnn(rnn_model.embedding(X_held.to(cfg.device)))[0].cpu()  # (N, T, H)
memory = {"LSTM cell state C_t": explained_over_time(C_steps),
          "vanilla RNN state h_t": explained_over_time(rnn_states)}

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7.5, 3.8))
for (name, (first, current)), color in zip(memory.items(), ["tab:blue", "tab:orange"]):
    ax.plot(first, color=color, label=f"{name}: first symbol")
    ax.plot(current, color=color, ls="--", label=f"{name}: current symbol")
ax.set(xlabel="step t", ylabel="share of variance explained",
       title="What the state holds: the first symbol or the latest one?", ylim=(-0.02, 1.02))
ax.legend(fontsize=8)
ax.grid(alpha=0.3);

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The gates of one sequence.** Next, the forget, input and output gates of one held-out
# sequence, for the 16 memory units whose final cell state depends most on the first symbol,
# and, in the last panel, the cell state of the unit that depends on it most, for one sequence
# per first symbol.

# %% slideshow={"slide_type": "subslide"}
units = explained(C_T, X_held[:, 0]).argsort(descending=True)[:16]  # the 16 most informative units
fig, axes = plt.subplots(2, 2, figsize=(12, 6.5), layout="constrained")
for ax, (key, title) in zip(axes.flat, [("f", "forget gate $f_t$"), ("i", "input gate $i_t$"),
                                        ("o", "output gate $o_t$")]):
    im = ax.imshow(gates[key][0][:, units].T.numpy(), aspect="auto", vmin=0, vmax=1, cmap="viridis")
    ax.set(xlabel="step t", ylabel="unit (16 most informative)", title=f"{title}, one sequence")
fig.colorbar(im, ax=axes[:, 0], label="gate value")
ax = axes[1, 1]
for k in range(num_symbols):
    n = int((X_held[:, 0] == k).nonzero()[0, 0])  # the first held-out sequence starting with k
    ax.plot(C_steps[n, :, int(units[0])].numpy(), color=plt.cm.tab10(k), label=f"first symbol {k}")
ax.set(xlabel="step t", ylabel=f"$C_t$ of unit {units[0].item()}",
       title="One memory unit, one sequence per first symbol")
ax.legend(fontsize=7, ncol=2);

# %% [markdown] slideshow={"slide_type": "subslide"}
# The numbers behind the pictures: the gates averaged over all held-out sequences and units, and
# what the **writes** $i_t \odot \tilde C_t$ after step 10 depend on.

# %% slideshow={"slide_type": "subslide"}
f_later = gates["f"][:, 1:].mean().item()  # every step after the first
i_first, i_later = gates["i"][:, 0].mean().item(), gates["i"][:, 1:].mean().item()
writes = gates["i"] * gates["C~"]  # (N, T, H): what each step adds to the memory
w_first = torch.stack([explained(writes[:, t], X_held[:, 0]) for t in range(10, T_mem)]).mean()
w_current = torch.stack([explained(writes[:, t], X_held[:, t]) for t in range(10, T_mem)]).mean()
(lstm_first, lstm_current), (rnn_first, rnn_current) = [(m[0][-1], m[1][-1])
                                                         for m in memory.values()]
C_half, C_end = (C_steps[:, t][:, units].abs().mean().item() for t in (T_mem // 2, T_mem - 1))
print(f"final state explained by the first / the last symbol: LSTM C_T {lstm_first:.2f} / "
      f"{lstm_current:.2f}, vanilla RNN h_T {rnn_first:.2f} / {rnn_current:.2f}")
print(f"forget gate after step 0: mean {f_later:.3f} (sigma(4) = 0.982 at the start of training)")
print(f"input gate: mean {i_first:.2f} at step 0, {i_later:.2f} afterwards")
print(f"writes after step 10 explained by the first symbol {w_first:.2f}, "
      f"by the current one {w_current:.2f}")
print(f"|C_t| of the 16 most informative units: {C_half:.1f} at step {T_mem // 2}, "
      f"{C_end:.1f} at step {T_mem - 1}")
claim("the LSTM's final state is explained by the first symbol (share)", lstm_first, ">", 0.8)
claim("and hardly by the symbol just read (share)", lstm_current, "<", 0.2)
claim("the RNN's final state hardly reflects the first symbol (share)", rnn_first, "<", 0.1)
claim("the RNN's final state reflects the symbol just read more than the first (difference of shares)",
      rnn_current - rnn_first, ">", 0)
claim("the trained forget gates stay near 1 after the first step", f_later, ">", 0.95)
claim("the input gate opens wider at the first symbol than later (difference)", i_first - i_later, ">", 0.05)
claim("writes carry the first symbol more than the symbol just read (difference of shares)",
      w_first - w_current, ">", 0.4)
claim("the memory grows: |C_t| of the informative units at the end", C_end, ">", 3)
claim("the memory grows: |C_t| at the end over its value halfway (ratio)", C_end / C_half, ">", 1.5)

# %% [markdown] slideshow={"slide_type": "slide"}
# What the trained LSTM does, read off the numbers and figures above:
#
# - **It keeps.** The forget gates stay near 1 at every step (the forget-gate heatmap is
#   uniformly bright), on average about where the +4 bias started them, or a little higher.
#   Nothing in this task ever needs forgetting, and training did not learn to.
# - **It stores at the start.** The input gate is open wider at step 0 than afterwards. There the
#   gates see the initial state $h = 0$, an empty memory; later they see a memory that is
#   already written.
# - **It keeps adding the same thing.** The input gate does not close after step 0: a good part
#   of every candidate is still written at every step. But *what* is written after step 10
#   depends on the first symbol, not on the symbol just read. The candidate $\tilde C_t$ reads
#   $h_{t-1} = o_{t-1} \odot \tanh(C_{t-1})$, which shows the memory, so every step adds again
#   an amount set by what is stored. The memory unit in the last panel drifts almost linearly,
#   with a slope set by the first symbol, far beyond $\pm 1$ where $\tanh$ saturates (the
#   printed $|C_t|$ of the most informative units roughly doubles from mid-sequence to the end).
#   The cell state works like a counter, which a state squashed into $[-1, 1]$ at every step
#   cannot do (notebook 06 measures this against the GRU). The signal grows with every step while
#   the distractors' contributions, of varying sign, partly cancel; that is consistent with the
#   curve above, where the share explained by the first symbol dips at step 1, when the second
#   symbol is written too, and then climbs towards 1.
# - **The vanilla RNN is the mirror image.** Its final state depends on the most recent symbol and
#   not at all on the first one: it holds what it has just read, which is all its vanishing
#   gradient let it learn to hold.
#
# ## 6 · The lecture's example: *he* or *she*?
#
# The lecture walks through the gates with a sentence in mind. Forget: "*ex: Forget the gender
# pronoun of previous subject in sentence.*" Update: "*ex: Add gender of new subject to replace
# that of old subject.*" and "*ex: Actually drop old information and add new information about
# subject's gender.*" Output: "*ex: Having seen a subject, may output information relating to a
# verb.*" Does a trained LSTM do that? A small synthetic language makes it measurable
# (`experiments.pronoun_batch`): 30 words, among them one to three subjects (*king, father, boy,
# man* take *he*; *queen, mother, girl, woman* take *she*) at random places among filler words;
# the task is the pronoun that comes next, which depends on the **most recent** subject only. An
# earlier subject of the other gender must be forgotten, the new one stored, and kept across the
# fillers. We train an LSTM (embedding 16, $H = 32$, forget bias +2, so that by default it keeps)
# and then read its gates with our cell.

# %% slideshow={"slide_type": "subslide"}
pronoun_steps = cfg.pick(smoke=30, class_=300, full=1000)
T_pro = 30
pronoun_gen = torch.Generator().manual_seed(cfg.seed)
X_pro, y_pro, at_subject = experiments.pronoun_batch(1000, T_pro, generator=torch.Generator().manual_seed(
    10_000 + cfg.seed))  # held out: (N, T), (N,), (N, T)
torch.manual_seed(cfg.seed)
pronoun_model = models.SequenceClassifier(len(experiments.PRONOUN_TOKENS), 2, "lstm", embed_size=16,
                                          hidden_size=32)
models.init_gate_bias(pronoun_model.rnn, 2.0)
pronoun_hist = training.fit(
    pronoun_model.to(cfg.device), lambda: [experiments.pronoun_batch(64, T_pro, generator=pronoun_gen)[:2]],
    models.classification_loss, steps=pronoun_steps, lr=3e-3, clip=1.0, desc="he or she",
    evaluate=lambda m: metrics.evaluate_classifier(m, X_pro.to(cfg.device), y_pro.to(cfg.device)))
pronoun_acc = pronoun_hist.last("accuracy")
pro_cell = load_from_torch(LSTMCell(16, 32), pronoun_model.rnn.impl)  # a CPU copy of the trained cell
with torch.no_grad():
    _, (_, C_pro_T), pro_gates = run_lstm(pro_cell, pronoun_model.embedding(X_pro.to(cfg.device)).cpu())
gender_units = explained(C_pro_T, y_pro, num_classes=2).argsort(descending=True)[:8]  # (8,)
print(f"held-out accuracy {pronoun_acc:.1%} (chance 50%) after {pronoun_steps} steps, "
      f"{pronoun_hist.seconds:.1f} s; the 8 units whose final C_T depends most on the answer: "
      f"{gender_units.tolist()}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The forget gate $f_t$, the input gate $i_t$ and what is written, $|i_t \odot \tilde C_t|$,
# averaged over those 8 units, for one held-out sentence with subjects of both genders (the
# subjects are marked), and the cell state of the unit that depends most on the answer:

# %% slideshow={"slide_type": "subslide"}
first_subject = at_subject.float().argmax(1)  # (N,) step of each sentence's first subject
genders_differ = torch.tensor([len(set((X_pro[n][at_subject[n]] >= 4).tolist())) > 1
                               for n in range(len(X_pro))])  # (N,) he and she both occur
n = int((genders_differ & (at_subject.sum(1) >= 2)).nonzero()[0, 0])  # one such sentence
words = [experiments.PRONOUN_TOKENS[i] for i in X_pro[n]]
fig, (ax_g, ax_c) = plt.subplots(2, 1, figsize=(12, 5.5), sharex=True)
for key, label in [("f", "forget gate $f_t$"), ("i", "input gate $i_t$")]:
    ax_g.plot(pro_gates[key][n][:, gender_units].mean(1).numpy(), marker=".", label=label)
writes_pro = (pro_gates["i"] * pro_gates["C~"]).abs()  # (N, T, H): how much is written
ax_g.plot(writes_pro[n][:, gender_units].mean(1).numpy(), marker=".", label=r"write $|i_t \odot \tilde C_t|$")
C_t, C_trace = torch.zeros(32), []  # replay the cell state of sentence n
for t in range(T_pro):
    C_t = update_cell(pro_gates["f"][n, t], C_t, pro_gates["i"][n, t], pro_gates["C~"][n, t])  # (H,)
    C_trace.append(C_t[gender_units[0]].item())
ax_c.plot(C_trace, marker=".", color="tab:purple")
ax_c.axhline(0, color="gray", lw=0.8)
ax_g.set(ylabel="mean over the 8 gender units", ylim=(0, 1.05),
         title=f"One sentence: the next pronoun is '{['he', 'she'][int(y_pro[n])]}'")
ax_g.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
for ax in (ax_g, ax_c):
    for t in at_subject[n].nonzero().flatten().tolist():
        ax.axvspan(t - 0.4, t + 0.4, color="tab:orange", alpha=0.25)
ax_c.set_xticks(range(T_pro), words, rotation=60, fontsize=8)
ax_c.set(xlabel="word (subjects shaded)", ylabel=f"$C_t$ of unit {int(gender_units[0])}")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same reading over all 1,000 held-out sentences: the gates of the 8 gender units at a
# subject that replaces an earlier one, at any subject, and at the filler words.

# %% slideshow={"slide_type": "subslide"}
later_subject = at_subject.clone()
later_subject[torch.arange(len(X_pro)), first_subject] = False  # subjects after the first
fillers = ~at_subject
f_units = pro_gates["f"][..., gender_units]  # (N, T, 8)
i_units = pro_gates["i"][..., gender_units]
w_units = writes_pro[..., gender_units]
f_new, f_fill = f_units[later_subject].mean().item(), f_units[fillers].mean().item()
i_subj, i_fill = i_units[at_subject].mean().item(), i_units[fillers].mean().item()
w_subj, w_fill = w_units[at_subject].mean().item(), w_units[fillers].mean().item()
print(f"forget gate: {f_new:.2f} at a new subject, {f_fill:.2f} at fillers "
      f"(sigma(2) = {torch.sigmoid(torch.tensor(2.0)):.2f} before training)")
print(f"input gate:  {i_subj:.2f} at subjects, {i_fill:.2f} at fillers")
print(f"written |i * C~|: {w_subj:.2f} at subjects, {w_fill:.2f} at fillers")
positive = C_pro_T[:, gender_units[0]] > 0  # (N,) the sign of the most telling unit at the end
sign_acc = max((positive == (y_pro == 1)).float().mean().item(), (positive == (y_pro == 0)).float().mean().item())
print(f"the sign of unit {int(gender_units[0])}'s final C_T gives the pronoun in {sign_acc:.1%} of sentences")
claim("one unit's sign carries the last subject's gender (share of sentences)", sign_acc, ">", 0.9)
claim("the LSTM names the pronoun (held-out accuracy)", pronoun_acc, ">", 0.95)
claim("the forget gate drops at a new subject (below its value at fillers)", f_fill - f_new, ">", 0.15)
claim("subjects are written far more than fillers (ratio of writes)", w_subj / w_fill, ">", 1.5)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The lecture's reading holds, measured. At a new subject the forget gates of the gender units
# drop: the old gender is forgotten. At the same step much more is written into them than at a
# filler word: the new gender is added (mostly through the candidate $\tilde C_t$, which is large
# at a subject and small at a filler, rather than through the input gate alone: print `i_subj` and
# `i_fill` above). Between subjects the forget gates stay high and little is written, so the gender
# is kept across the fillers. One sentence is noisier than these averages: in the figure, see
# at each subject whether the forget gate drops, the write rises, or both. The cell state of the
# most telling unit (bottom panel) moves when a subject arrives, and its sign at the end names
# the pronoun (printed above). Our sentences have
# no verbs, so the lecture's third
# example, the output gate releasing "information relating to a verb", is not tested here.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - An LSTM adds a **cell state** $C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t$, controlled by
#   a forget gate, an input gate and an output gate ($h_t = o_t \odot \tanh C_t$), each a sigmoid of
#   an affine map of $[h_{t-1}, x_t]$. Our cell, written gate by gate, gives the same outputs and
#   gradients as `torch.nn.LSTM` once its weights are loaded in PyTorch's gate order
#   **i, f, g, o**, and agrees with the tested `course_utils.cells.LSTMCell`.
# - Along the cell state, $\partial C_T / \partial C_t$ is the **elementwise product of the forget
#   gates** in between, with no matrix (checked against autograd). The vanilla RNN multiplies by
#   $\operatorname{diag}(\tanh') W_{hh}$ at every step instead.
# - Measured at distance 50 on the same input (printed in section 3): the vanilla RNN's gradient
#   is negligible, a default LSTM's cell-state gradient larger (at least tenfold) but still
#   tiny; with the **forget-gate bias at +4** it does not vanish at all (above 0.1, asserted; it
#   can even exceed its value at the last step, as section 3 explains).
# - On recalling the first of 60 symbols, at the same budget, the LSTM with forget bias +4 is
#   (near) perfect while the vanilla RNN **and the default-initialised LSTM** stay at chance: gates
#   make long memory possible, and the bias makes it the starting point.
# - Inside the trained LSTM the forget gates stay near 1, the input gate opens wider at the first
#   step, and later writes keep adding an amount set by the stored symbol, so the cell state grows
#   like a counter; its final value depends on the first symbol, not the last. A vanilla RNN's
#   state is the reverse.
# - The lecture's *he*/*she* walk-through, measured on a small synthetic language: at a new
#   subject the forget gates of the gender units drop and much more is written than at a filler
#   word; between subjects they keep.
# - Where the slide writes the forget gate with $W_i$, read $W_f$: each gate has its own weights.
#
# Next, notebook 06: the GRU, which couples the forget and input gates and drops the separate
# cell state.
#
# ## Exercises
#
# **Exercise 1 (coupled gates).** Some LSTM variants drop the input gate's own weights and write
# exactly as much as they forget: $i_t = 1 - f_t$, so that
# $C_t = f_t \odot C_{t-1} + (1 - f_t) \odot \tilde C_t$. Write `coupled_step(cell, x_t, state)`,
# one step of this variant with the weights of our `LSTMCell` (ignoring `cell.W_i`), returning
# $h_t$ and $C_t$. Reuse the pieces of section 2.

# %% slideshow={"slide_type": "subslide"}
def coupled_step(cell, x_t, state):
    """One step of a coupled-gate LSTM (i_t = 1 - f_t): returns h_t, C_t, each (B, H)."""
    raise NotImplementedError("Exercise: write the body of coupled_step()")


# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
ex_cell = LSTMCell(5, 6)
x_ex, h_ex, C_ex = torch.randn(4, 5), torch.randn(4, 6), 3 * torch.randn(4, 6)  # (B, D), (B, H) x 2
with torch.no_grad():
    h_1, C_1 = coupled_step(ex_cell, x_ex, (h_ex, C_ex))
    assert h_1.shape == C_1.shape == (4, 6), (f"expected h_t and C_t of shape (4, 6), "
                                              f"got {tuple(h_1.shape)} and {tuple(C_1.shape)}")
    hx_ex = torch.cat([h_ex, x_ex], dim=1)
    f_ex, C_tilde_ex = forget_gate(ex_cell.W_f, hx_ex), torch.tanh(ex_cell.W_C(hx_ex))
    torch.testing.assert_close(C_1 - C_tilde_ex, f_ex * (C_ex - C_tilde_ex), msg=(
        "C_t should be f_t * C_{t-1} + (1 - f_t) * C~_t: a weighted average of memory and candidate"))
    torch.testing.assert_close(h_1, output(ex_cell.W_o, hx_ex, C_1)[1], msg="h_t = o_t * tanh(C_t)")
    ex_cell.W_i.weight.normal_()
    ex_cell.W_i.bias.fill_(5.0)
    torch.testing.assert_close(coupled_step(ex_cell, x_ex, (h_ex, C_ex))[1], C_1, msg=(
        "the coupled cell has no input gate of its own: changing W_i must not change C_t"))
print("Exercise 1: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 2 (peephole connections, no solution given).** Gers & Schmidhuber (2000) let the
# gates look at the memory itself: $f_t = \sigma(W_f [h_{t-1}, x_t] + w_f \odot C_{t-1} + b_f)$,
# the same for $i_t$ with its own $w_i$, and $o_t$ with $w_o \odot C_t$ (the new cell state). Each
# $w$ is a vector of $H$ parameters. Write a `PeepholeLSTMCell` by subclassing `LSTMCell`, check
# that it equals our cell when all three $w$ are zero, and train it on the memory task of
# section 4 (you need a small model around it: embedding, `cells.Unrolled`, a linear head).
# Does it learn faster? Does it need the forget-gate bias less?
#
# **Exercise 3 (shorter and longer memory, no solution given).** Rerun section 4 with
# `T_mem = 10`: which of the three models learn now, and why does the table of $\sigma(b_f)^k$ in
# section 3 make that plausible? Then set `T_mem = 100`. How many steps does the LSTM with forget
# bias +4 need now? Try +2 and +6 as well, and predict the order before you run it.
#
# **Exercise 4 (reading the slider).** Before moving the slider of section 3: at which forget bias
# do you expect the LSTM's gradient at distance 50 to be about $10^{-3}$ of its value at the last
# step? Compute $\sigma(b)^{50}$ for a few $b$, then check with the slider. Why can the measured
# curve sit above $\sigma(b)^{k}$?
