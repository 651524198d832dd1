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
# # 04 · Backpropagation through time and the gradient problem
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/04_bptt.ipynb)
#
# A recurrent network applies the same weights at every step, so training it means following the
# gradient backwards through every step too: *backpropagation through time* (BPTT). This notebook
# works BPTT out by hand on the smallest RNN there is, writes the general formulas, and measures
# why the gradient vanishes or explodes over long spans. Notebook 04b treats the remedies.
#
# **Learning goals**
#
# - Compute BPTT by hand for a scalar RNN over three steps, read each partial derivative off its
#   computation graph, and check every number against autograd.
# - State the backward pass of a vanilla RNN in matrix form: the two paths into $h_t$, and weight
#   gradients summed over time.
# - Explain vanishing and exploding gradients as a product of per-step factors
#   $\operatorname{diag}(f'(a_t))\,W_{hh}$, and measure the rate: $\sigma^k$ for a recurrent matrix
#   whose singular values are all $\sigma$, faster still with $\tanh$.
# - Measure, on the lecture's two sentences, that an RNN fills in a blank decided four words
#   back but not one decided more than 50 words back, and say what that does and does not prove.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import math

import ipywidgets as widgets
import torch
from torch import nn
from course_utils.claims import claim
from course_utils import (baselines, bptt, bptt_graph, cells, config, gradients, metrics, models,
                          plotting, text, training)
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Backpropagation through time, by hand
#
# ### A scalar RNN over three steps
#
# Start with the smallest RNN there is: one hidden unit, one input, two weights $w$ and $u$.
# From $h_0 = 0$, for $t = 1, 2, 3$:
#
# $$a_t = w\,h_{t-1} + u\,x_t, \qquad h_t = \tanh(a_t), \qquad
#   L = \sum_{t=1}^{3} \ell_t, \quad \ell_t = \tfrac12 (h_t - y_t)^2 ,$$
#
# with a target $y_t$ at every step. Unrolled, it is an ordinary feed-forward graph with the *same*
# $w$ on every recurrent edge and the same $u$ on every input edge. Backpropagation walks this graph
# from $L$ back to the weights, multiplying by the local derivative of each edge it crosses (red):
# $\partial \ell_t / \partial h_t = h_t - y_t$ on the way down from a loss, and
# $\partial h_t / \partial h_{t-1} = w\,(1 - h_t^2)$ on the way back along the chain, because
# $\tanh'(a_t) = 1 - h_t^2$.

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = bptt_graph.scalar_rnn_graph(num_steps=3, loss="each")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Read the graph from the right. $h_3$ reaches $L$ by one path, through $\ell_3$. $h_2$ reaches it by
# two: through its own loss $\ell_2$, and through $h_3$. Adding the paths, from the last step back:
#
# $$\frac{\partial L}{\partial h_3} = h_3 - y_3, \qquad
#   \frac{\partial L}{\partial h_t} = (h_t - y_t) + w\,(1 - h_{t+1}^2)\,\frac{\partial L}{\partial h_{t+1}} .$$
#
# With $\delta_t = \partial L / \partial a_t = (1 - h_t^2)\,\partial L / \partial h_t$, the weight
# $w$ acts at every step, so its gradient collects one term per step, and so does $u$'s:
#
# $$\frac{\partial L}{\partial w} = \sum_{t=1}^{3} \delta_t\, h_{t-1}, \qquad
#   \frac{\partial L}{\partial u} = \sum_{t=1}^{3} \delta_t\, x_t .$$
#
# The numbers, forward and then backward, one line per step:

# %% slideshow={"slide_type": "subslide"}
w, u = 0.9, 0.7  # the two weights
xs = [1.0, -0.5, 2.0]  # x_1, x_2, x_3
ys = [0.5, 0.0, 0.9]  # targets y_1, y_2, y_3
T = len(xs)

h = [0.0]  # h[t] is h_t; h_0 = 0
for t in range(1, T + 1):
    h.append(math.tanh(w * h[t - 1] + u * xs[t - 1]))  # h_t = tanh(a_t)
L = sum(0.5 * (h[t] - ys[t - 1]) ** 2 for t in range(1, T + 1))
print("h_1, h_2, h_3 =", ", ".join(f"{v:.4f}" for v in h[1:]), f"  L = {L:.4f}")

dh, dw, du = {}, 0.0, 0.0  # dh[t] = dL/dh_t
from_next = 0.0  # what reaches h_t through h_{t+1}: nothing beyond the last step
for t in range(T, 0, -1):  # t = 3, 2, 1
    dh[t] = (h[t] - ys[t - 1]) + from_next  # own loss + the path through h_{t+1}
    delta = (1 - h[t] ** 2) * dh[t]  # dL/da_t
    dw += delta * h[t - 1]  # this step's share of dL/dw
    du += delta * xs[t - 1]  # ... and of dL/du
    from_next = w * delta  # dL/dh_{t-1} through h_t: w (1 - h_t^2) dL/dh_t
    print(f"t = {t}: dL/dh_{t} = {dh[t]:+.4f}   delta_{t} = {delta:+.4f}   "
          f"adds {delta * h[t - 1]:+.4f} to dL/dw, {delta * xs[t - 1]:+.4f} to dL/du")
print(f"dL/dw = {dw:+.4f}   dL/du = {du:+.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Step 1 adds nothing to $\partial L / \partial w$: there $w$ multiplies $h_0 = 0$. Autograd, which
# knows nothing of our derivation, gets the same numbers (`retain_grad` asks it to keep the gradient
# of each intermediate $h_t$ too):

# %% slideshow={"slide_type": "-"}
w_, u_ = torch.tensor(w, dtype=torch.float64, requires_grad=True), torch.tensor(u, dtype=torch.float64, requires_grad=True)
h_auto = [torch.tensor(0.0, dtype=torch.float64)]
for t in range(1, T + 1):
    h_auto.append(torch.tanh(w_ * h_auto[t - 1] + u_ * xs[t - 1]))
    h_auto[t].retain_grad()
sum(0.5 * (h_auto[t] - ys[t - 1]) ** 2 for t in range(1, T + 1)).backward()
for t in range(1, T + 1):
    torch.testing.assert_close(h_auto[t].grad.item(), dh[t], rtol=1e-12, atol=1e-12)
torch.testing.assert_close((w_.grad.item(), u_.grad.item()), (dw, du), rtol=1e-12, atol=1e-12)
print("autograd:", ", ".join(f"dL/dh_{t} = {h_auto[t].grad:+.4f}" for t in range(1, T + 1)),
      f"  dL/dw = {w_.grad:+.4f}   dL/du = {u_.grad:+.4f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Look at how an early state feeds the last loss. Following only the chain from $\ell_3$:
#
# $$\frac{\partial \ell_3}{\partial h_1} = (h_3 - y_3)\; w\,(1 - h_3^2)\; w\,(1 - h_2^2) .$$
#
# One factor $w\,(1 - h_t^2)$ per step crossed. Section 2 is about what a long product of such
# factors does.
#
# ### The same in matrix form
#
# The vanilla RNN of notebook 03, with column vectors, $n_h$ hidden units and an output at every
# step. From $h_0 = 0$:
#
# $$a_t = W_{xh} x_t + W_{hh} h_{t-1} + b, \qquad h_t = \tanh(a_t), \qquad
#   y_t = W_{hy} h_t + b_y, \qquad L = \sum_t \ell_t(y_t).$$
#
# Every scalar rule above becomes a matrix one: $w$ becomes $W_{hh}^\top$, the product with
# $1 - h_t^2$ becomes an elementwise one ($\odot$), and the own-loss term passes through the readout:
#
# $$\frac{\partial L}{\partial h_t} = W_{hy}^\top \frac{\partial L}{\partial y_t}
#   + W_{hh}^\top \Big( f'(a_{t+1}) \odot \frac{\partial L}{\partial h_{t+1}} \Big),
#   \qquad \frac{\partial L}{\partial h_{T+1}} = 0 .$$
#
# With $\delta_t = \partial L / \partial a_t = f'(a_t) \odot \partial L / \partial h_t$, each weight
# gets one contribution per step, **summed over time**:
#
# $$\frac{\partial L}{\partial W_{hy}} = \sum_t \frac{\partial L}{\partial y_t} h_t^\top, \quad
#   \frac{\partial L}{\partial W_{xh}} = \sum_t \delta_t x_t^\top, \quad
#   \frac{\partial L}{\partial W_{hh}} = \sum_t \delta_t h_{t-1}^\top, \quad
#   \frac{\partial L}{\partial b} = \sum_t \delta_t .$$
#
# Two costs follow. **Memory**: the backward pass needs every $h_t$, so BPTT stores $T$ states per
# sequence. **Time**: the backward loop is as long as the forward one, and strictly sequential.
# Writing this loop for a batch is an exercise of assignment A1; the course's tested copy is
# `course_utils.bptt`, checked against autograd here (open the cell if you want to see the check).

# %% jupyter={"outputs_hidden": true, "source_hidden": true} slideshow={"slide_type": "skip"} tags=["hide-cell"]
g = torch.Generator().manual_seed(cfg.seed)
params = bptt.init_params(3, 5, 2, scale=1.0, generator=g)  # d = 3, n_h = 5, 2 outputs; float64
X = torch.randn(4, 6, 3, generator=g, dtype=torch.float64)  # (B, T, d)
target = torch.randn(4, 6, 2, generator=g, dtype=torch.float64)  # (B, T, 2)
cache = bptt.rnn_forward(params, X)
by_hand = bptt.rnn_backward(params, cache, cache["Y"] - target)  # the formulas above, no autograd
leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
auto_loss = 0.5 * ((bptt.rnn_forward(leaves, X)["Y"] - target) ** 2).sum()
auto = dict(zip(leaves, torch.autograd.grad(auto_loss, list(leaves.values()))))
for name in bptt.PARAM_NAMES:
    torch.testing.assert_close(by_hand[name], auto[name], rtol=1e-10, atol=1e-12)
    print(f"dL/d{name:5s} max |formulas - autograd| = {(by_hand[name] - auto[name]).abs().max():.1e}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Why gradients vanish or explode
#
# In the scalar RNN, every step crossed multiplied the gradient by $w\,(1 - h_t^2)$. In matrix form,
# the gradient of the loss at the last step, $\ell_T$, with respect to a state $k$ steps earlier
# is a product of $k$ per-step factors, the Jacobians
#
# $$\frac{\partial \ell_T}{\partial h_{T-k}}
#   = \Big(\prod_{t=T-k+1}^{T} \frac{\partial h_t}{\partial h_{t-1}}\Big)^{\!\top}
#     \frac{\partial \ell_T}{\partial h_T},
#   \qquad \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\big(f'(a_t)\big)\, W_{hh}.$$
#
# Each factor stretches a vector by at most $\max_i |f'(a_{t,i})| \cdot \sigma_{\max}(W_{hh})$,
# and $|\tanh'| \le 1$, so $\lVert \partial \ell_T / \partial h_{T-k} \rVert \le \sigma^k \,
# \lVert \partial \ell_T / \partial h_T \rVert$ with $\sigma$ the largest singular value of
# $W_{hh}$. A product of $k$ numbers below 1 shrinks exponentially (**vanishing**); above 1 it can
# grow exponentially (**exploding**).
#
# First, one factor, checked against autograd's Jacobian of one step of `cells.RNNCell`:

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
cell = cells.RNNCell(input_size=4, hidden_size=8)
x_1, h_0 = torch.randn(1, 4), torch.randn(1, 8)  # (1, d), (1, n_h)
h_1, _ = cell(x_1, h_0)  # (1, n_h)
J_formula = torch.diag(1 - h_1[0] ** 2) @ cell.W_hh.weight  # diag(f'(a_1)) W_hh  (n_h, n_h)
J_autograd = torch.autograd.functional.jacobian(lambda h: cell(x_1, h)[0][0], h_0)[:, 0]  # (n_h, n_h)
torch.testing.assert_close(J_formula, J_autograd)
print(f"one factor: largest singular value {torch.linalg.matrix_norm(J_formula, ord=2):.3f}, "
      f"W_hh's {torch.linalg.matrix_norm(cell.W_hh.weight, ord=2):.3f}, "
      f"mean f'(a) = {(1 - h_1 ** 2).mean():.3f}")

# %% [markdown] slideshow={"slide_type": "-"}
# Now the measurement: $\lVert \partial \ell_T / \partial h_{T-k} \rVert$ for every distance $k$,
# with $\ell_T$ the sum of the last state's units (any fixed readout of $h_T$ would do). Autograd
# computes it if we ask it to keep the gradient of every state, as for the scalar RNN:

# %% slideshow={"slide_type": "subslide"}
def state_gradient_norms(cell, X):
    """||d l_T / d h_{T-k}|| for k = 0 .. T-1, averaged over the batch; l_T = sum of h_T's units."""
    h = cell.init_state(X.shape[0], X.device, X.dtype)  # h_0 = 0  (B, n_h)
    hs = []
    for t in range(X.shape[1]):
        h, _ = cell(X[:, t], h)  # h_t  (B, n_h)
        h.retain_grad()  # keep d l_T / d h_t when backward() passes through it
        hs.append(h)
    hs[-1].sum().backward()  # l_T depends on the last state only
    return torch.stack([h.grad.norm(dim=-1).mean() for h in reversed(hs)])  # (T,): entry k is k steps back


# %% [markdown] slideshow={"slide_type": "-"}
# The course's tested copy, `gradients.state_gradient_norms`, gives the same numbers (it uses
# `torch.autograd.grad`, which leaves no gradient behind in the cell's weights):

# %% slideshow={"slide_type": "-"}
torch.manual_seed(cfg.seed)
probe_cell = cells.RNNCell(input_size=4, hidden_size=32).double()
X_probe = torch.randn(16, 20, 4, dtype=torch.float64)  # (B, T, d)
torch.testing.assert_close(state_gradient_norms(probe_cell, X_probe),
                           gradients.state_gradient_norms(probe_cell, X_probe), rtol=1e-12, atol=1e-15)
print("the same 20 norms as gradients.state_gradient_norms")

# %% [markdown] slideshow={"slide_type": "subslide"}
# We give $W_{hh}$ every singular value equal to $\sigma$ (an orthogonal matrix $Q$, rescaled by
# `gradients.scale_spectral_norm`), and look at two versions of the same network:
#
# - **linear** ($f(a) = a$, so $f' = 1$): every factor is $W_{hh} = \sigma Q$, which stretches every
#   vector by exactly $\sigma$; the theory predicts the ratio $\sigma^k$ exactly;
# - **tanh**: the same weights, but each factor is also multiplied by $f'(a_t) \le 1$.

# %% slideshow={"slide_type": "subslide"}
SIGMAS = [0.5, 0.9, 1.0, 1.1, 1.5]
NUM_STEPS = 40


def gradient_through_time(sigma, linear, num_steps=NUM_STEPS, seed=cfg.seed):
    """||d l_T / d h_{T-k}|| / ||d l_T / d h_T|| for k = 0 .. num_steps-1, W_hh = sigma * Q.

    In float64, so that rounding plays no part in the comparison with sigma^k."""
    torch.manual_seed(seed)  # the same Q and inputs for every sigma
    cell = cells.RNNCell(input_size=4, hidden_size=32).double()
    nn.init.orthogonal_(cell.W_hh.weight)  # Q: every singular value is 1
    gradients.scale_spectral_norm(cell.W_hh.weight, sigma)  # sigma * Q
    if linear:
        cell.f = lambda a: a  # identity activation: f' = 1
    X = torch.randn(16, num_steps, 4, dtype=torch.float64)  # (B, T, d)
    norms = state_gradient_norms(cell, X)  # (T,): entry k is k steps back
    return norms / norms[0]


linear_curves = {s: gradient_through_time(s, linear=True) for s in SIGMAS}
tanh_curves = {s: gradient_through_time(s, linear=False) for s in SIGMAS}
GRAD_RATIO = r"$\|\partial \ell_T / \partial h_{T-k}\| \,/\, \|\partial \ell_T / \partial h_T\|$"
fig = plotting.gradient_norms({f"$\\sigma$ = {s}": c for s, c in linear_curves.items()},
                              title=r"Linear RNN: the gradient scales as $\sigma^k$", ylabel=GRAD_RATIO)
fig = plotting.gradient_norms({f"$\\sigma$ = {s}": c for s, c in tanh_curves.items()},
                              title=r"tanh RNN, same weights: $f' < 1$ shrinks every factor",
                              ylabel=GRAD_RATIO)

# %% [markdown] slideshow={"slide_type": "subslide"}
# On a log scale an exponential is a straight line, and its slope is the per-step factor. The
# linear network follows $\sigma^k$ exactly: below 1 the gradient vanishes, above 1 it explodes,
# and only $\sigma = 1$ carries it unchanged. With tanh every curve lies below its linear twin:
# the factors $f'(a_t) < 1$ make vanishing stronger ($\sigma = 1$ now vanishes too), and they tame
# the explosion at $\sigma = 1.5$ by orders of magnitude, because a unit driven towards $\pm 1$
# saturates ($f' \to 0$). The claims, measured:

# %% slideshow={"slide_type": "subslide"}
k = 30
for s in SIGMAS:
    lin, tnh = linear_curves[s][k].item(), tanh_curves[s][k].item()
    print(f"σ = {s}: after {k} steps back, linear {lin:9.2e} (per step {lin ** (1 / k):.4f}),"
          f" tanh {tnh:9.2e}")
    assert abs(lin ** (1 / k) - s) < 1e-3 * s, "the linear RNN's per-step factor is σ"
    assert (tanh_curves[s] <= linear_curves[s] * (1 + 1e-4)).all(), "f' <= 1 can only shrink"
assert all(linear_curves[a][k] < linear_curves[c][k] for a, c in zip(SIGMAS, SIGMAS[1:]))
claim("below σ = 1 the linear RNN's gradient vanishes (σ = 0.5, 30 steps back)", linear_curves[0.5][k], "<", 1e-3)
claim("above σ = 1 it explodes (σ = 1.5, 30 steps back)", linear_curves[1.5][k], ">", 1e3)
claim("with tanh even σ = 1 vanishes (30 steps back)", tanh_curves[1.0][k], "<", 0.05)
claim("saturating tanh units tame the explosion (tanh over linear at σ = 1.5)",
      tanh_curves[1.5][k] / linear_curves[1.5][k], "<", 1e-3)

# %% [markdown] slideshow={"slide_type": "-"}
# The same story read off the factors themselves. `bptt.step_jacobians` returns every
# $\operatorname{diag}(f'(a_t)) W_{hh}$ of a tanh run (with $\sigma = 1.1$); multiplying them from
# the last step backwards gives $\partial h_T / \partial h_{T-k}$, whose largest singular value
# can never exceed the bound $\sigma^k$, and in practice falls far below it:

# %% slideshow={"slide_type": "subslide"}
p = bptt.init_params(4, 32, 1, scale=1.0, generator=torch.Generator().manual_seed(cfg.seed))
nn.init.orthogonal_(p["W_hh"])
gradients.scale_spectral_norm(p["W_hh"], 1.1)  # every singular value 1.1
run = bptt.rnn_forward(p, torch.randn(1, NUM_STEPS, 4, dtype=torch.float64))
J = bptt.step_jacobians(p, run)[0]  # (T, n_h, n_h): J[t] = dh_t / dh_{t-1}
product, product_norms = torch.eye(32, dtype=torch.float64), [1.0]
for t in reversed(range(1, NUM_STEPS)):
    product = product @ J[t]  # dh_T / dh_{t-1}  (n_h, n_h)
    product_norms.append(torch.linalg.matrix_norm(product, ord=2).item())
bound = [1.1 ** k for k in range(NUM_STEPS)]
fig = plotting.gradient_norms({"product of $k$ factors": product_norms, r"bound $\sigma^k$": bound},
                              title=r"Largest singular value of $\partial h_T / \partial h_{T-k}$, tanh, $\sigma = 1.1$",
                              ylabel="spectral norm")
assert all(n <= u * (1 + 1e-9) for n, u in zip(product_norms, bound)), "never above σ^k"
print(f"mean f'(a_t) = {bptt.activation_derivative(run).mean():.3f}; after 30 factors: "
      f"{product_norms[30]:.2e} against the bound {bound[30]:.2e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Explore.** Move the slider: the largest singular value of $W_{hh}$ sets the slope of the
# linear network's line exactly ($\sigma^k$, dotted), while the tanh network always sits below it.

# %% slideshow={"slide_type": "subslide"}
def show_sigma(sigma=1.1):
    """The linear and tanh networks' gradient through time for one sigma, with sigma^k."""
    curves = {"linear": gradient_through_time(sigma, linear=True),
              "tanh": gradient_through_time(sigma, linear=False),
              r"$\sigma^k$": sigma ** torch.arange(NUM_STEPS, dtype=torch.float64)}
    fig = plotting.gradient_norms(curves, title=f"Largest singular value of $W_{{hh}}$: $\\sigma$ = {sigma:.2f}",
                                  ylabel=GRAD_RATIO)
    ax = fig.axes[0]
    ax.lines[2].set(linestyle=":", linewidth=3, color="black")  # the prediction, drawn on top
    ax.legend()
    return fig


fig = show_sigma(1.1)

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Is a vanished gradient just float32 running out of digits?</summary>
#
# No. These curves are computed in float64, but float32 would hold them too: even at the slider's
# smallest $\sigma$, 0.3, the tanh network's ratio at the last step is many orders of magnitude
# above float32's smallest normal number (both printed by the next cell). A vanishing gradient is
# too small to teach anything long before it is too small to store; only over far longer spans
# would $0.3^k$ itself underflow (the step where it would is printed too).
#
# </details>

# %% jupyter={"outputs_hidden": true, "source_hidden": true} slideshow={"slide_type": "skip"} tags=["hide-cell"]
smallest = gradient_through_time(0.3, linear=False)[-1].item()  # the slider's lowest sigma, last step
tiny = torch.finfo(torch.float32).tiny  # float32's smallest normal number
underflow_k = math.ceil(math.log(tiny) / math.log(0.3))  # first k with 0.3^k below it
print(f"σ = 0.3, tanh, k = {NUM_STEPS - 1}: ratio {smallest:.1e}; float32's smallest normal number "
      f"{tiny:.1e}, {math.log10(smallest / tiny):.0f} orders of magnitude lower; 0.3^k passes it at k = {underflow_k}")
assert smallest > 1e6 * tiny, "the curves of the slider fit in float32 with room to spare"

# %% slideshow={"slide_type": "subslide"}
widgets.interact(lambda sigma: show_sigma(sigma) and None,
                 sigma=widgets.FloatSlider(value=1.0, min=0.3, max=1.7, step=0.05,
                                           description="σ of W_hh", style={"description_width": "initial"}));
# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The lecture's two sentences
#
# The lecture puts the problem in two sentences. **"The clouds are in the \_\_\_\_"**: the word
# that decides the blank is four words back. **"I grew up in France,... and I I [sic] speak
# fluent \_\_\_\_"**: it is dozens of words back. Notebook 01 showed that a fixed window cannot see
# *France* at all. An RNN reads the whole sentence, so in principle it can; the question is
# whether training can teach it to, when the gradient from the blank must travel back through
# every word in between. We write both as probes of **the same length** (printed below), with
# the same filler words and 8 possible answers each, so that only the distance differs, and
# train the same tanh RNN on each, with the same budget.

# %% slideshow={"slide_type": "subslide"}
PLACES = (("clouds", "sky"), ("fish", "river"), ("cows", "field"), ("stars", "night"),
          ("books", "shelf"), ("cars", "garage"), ("boats", "harbour"), ("birds", "trees"))


def clouds_sentences(num_sentences, num_fillers, generator):
    """'<fillers> the clouds are in the sky': the answer is decided four words before it."""
    labels = torch.randint(0, len(PLACES), (num_sentences,), generator=generator)  # (N,)
    sentences = []
    for label in labels.tolist():
        picks = torch.randint(0, len(baselines.PROBE_FILLERS), (num_fillers,), generator=generator)
        thing, place = PLACES[label]
        sentences.append([*(baselines.PROBE_FILLERS[i] for i in picks.tolist()),
                          "the", thing, "are", "in", "the", place])
    return sentences, labels


probe_gen = torch.Generator().manual_seed(cfg.seed)
num_fillers = cfg.pick(smoke=10, class_=50, full=50)
probes = {"The clouds are in the ___": clouds_sentences(2400, num_fillers + 4, probe_gen),
          "I grew up in France ... I speak fluent ___":
              baselines.probe_sentences(2400, num_fillers=num_fillers, generator=probe_gen)}
probe_vocab = text.Vocab(w for sentences, _ in probes.values() for s in sentences for w in s)
assert len({len(s) for sentences, _ in probes.values() for s in sentences}) == 1, "one length for both"
for (name, (sentences, _)), key in zip(probes.items(), [-5, len(baselines.PROBE_PREFIX)]):
    s = sentences[0]  # the deciding word is s[key]: the thing (clouds), or the country (France)
    print(f"{name}: {len(s) - 1} words before the blank, '{s[key]}' {len(s) - 1 - key % len(s)} "
          f"words back; e.g. '{' '.join(s[:7])} ... {' '.join(s[-7:])}'")


def train_probe(sentences, labels, steps, num_train=2000):
    """A tanh RNN reads each sentence up to the blank and names the answer; held-out accuracy."""
    X = torch.tensor([probe_vocab.encode(s[:-1]) for s in sentences])  # (N, L): all one length
    torch.manual_seed(cfg.seed)
    model = models.SequenceClassifier(len(probe_vocab), 8, "rnn", embed_size=16, hidden_size=64)
    gen = torch.Generator().manual_seed(cfg.seed)
    training.fit(model.to(cfg.device), lambda: text.random_batches(X[:num_train], labels[:num_train], 64, generator=gen),
                 models.classification_loss, steps=steps, lr=3e-3, clip=1.0, desc=" ".join(sentences[0][-4:-1]))
    return metrics.evaluate_classifier(model, X[num_train:].to(cfg.device), labels[num_train:].to(cfg.device))["accuracy"]


probe_steps = cfg.pick(smoke=20, class_=100, full=1000)
probe_accuracy = {name: train_probe(*probe, probe_steps) for name, probe in probes.items()}
for name, acc in probe_accuracy.items():
    print(f"{name:42s} held-out accuracy {acc:.1%} after {probe_steps} steps (chance 12.5%)")
short_acc, long_acc = probe_accuracy.values()
claim("the RNN fills in a blank decided four words back (held-out accuracy)", short_acc, ">", 0.95)
claim("the RNN stays near chance when the deciding word is far back (held-out accuracy)", long_acc, "<", 0.2)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same network, the same length of input, the same budget: the clouds are in the *sky* every
# time, while fluent *French* stays at chance. Nothing stops an RNN from carrying *France* across
# more than 50 words: its state is there at every step. The lecture's reading is that training
# cannot find it: "Errors due to further back time steps have smaller and smaller gradients",
# which will "Bias network to capture short-term dependencies".
#
# **What this shows, and what it does not.** It shows that the *distance* alone decides the
# outcome, within this budget: nothing else differs between the two probes. It is consistent with
# a vanished gradient: section 2 measured the signal from 30 steps back at a few percent at most
# with tanh, and the word *France* lies further back still. It does not prove that the vanished
# gradient is the cause rather than a short training run: a tiny gradient is still a gradient, and
# a longer run might find what this one did not. Telling the two apart takes another experiment
# (Exercise 2). Notebook 04b measures how far back each of the lecture's three fixes lets a
# network learn.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - **BPTT** is backpropagation on the unrolled graph. In a scalar RNN each step crossed
#   multiplies the gradient by $w\,(1 - h_t^2)$, and the gradient of $w$ is a sum of one term per
#   step; by hand and by autograd the numbers agree.
# - In matrix form the gradient reaching $h_t$ is
#   $W_{hy}^\top \partial L/\partial y_t + W_{hh}^\top(f'(a_{t+1}) \odot \partial L/\partial h_{t+1})$,
#   and every weight gradient is a sum over steps. BPTT stores $T$ states and runs a sequential
#   backward loop.
# - The gradient $k$ steps back is a product of $k$ factors $\operatorname{diag}(f'(a_t)) W_{hh}$.
#   In a linear RNN whose singular values are all $\sigma$ it scales exactly as $\sigma^k$: vanishing
#   below 1, exploding above. $\tanh' \le 1$ only makes it smaller.
# - On the lecture's two sentences, the same tanh RNN completed "The clouds are in the ___" and
#   stayed at chance on "... I speak fluent ___" with *France* more than 50 words back, in the same
#   budget. That fits a vanished gradient; it does not by itself rule out a short training run.
# - Notebook 04b: clipping for exploding gradients, three fixes for vanishing ones, how far back
#   each cell remembers, and truncated BPTT for long texts.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# ### Exercise 1 · The gradient as a product of factors (★★☆)
#
# For a loss that depends on the last state only,
# $\partial \ell/\partial h_{t-1} = (\partial h_t/\partial h_{t-1})^\top\, \partial \ell/\partial h_t$.
# Write `backprop_through_factors(J, g_last)`: given the factors `J` (T, n_h, n_h) of one sequence,
# with `J[t]` $= \partial h_t / \partial h_{t-1}$ as `bptt.step_jacobians` returns them, and
# `g_last` $= \partial \ell / \partial h_{T-1}$ (n_h,), return $\partial \ell/\partial h_t$ for every
# $t = 0, \dots, T-1$ as a tensor (T, n_h).

# %% slideshow={"slide_type": "-"}
def backprop_through_factors(J, g_last):
    """dl/dh_t for every step of one sequence, from the factors J (T, n_h, n_h) and dl/dh_{T-1} (n_h,)."""
    ### BEGIN SOLUTION
    grads = [g_last]
    for t in range(len(J) - 1, 0, -1):
        grads.append(J[t].T @ grads[-1])  # dl/dh_{t-1} = (dh_t/dh_{t-1})^T dl/dh_t
    return torch.stack(grads[::-1])  # (T, n_h)
    ### END SOLUTION


# %% slideshow={"slide_type": "subslide"}
w_read = torch.randn(32, dtype=torch.float64, generator=torch.Generator().manual_seed(cfg.seed + 1))  # l = w_read . h_{T-1}
expected = bptt.rnn_backward(p, run, torch.zeros_like(run["Y"]), dh_last=w_read[None])["H"][0]  # (T, n_h)
got = backprop_through_factors(bptt.step_jacobians(p, run)[0], w_read)
assert got.shape == expected.shape, f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
assert torch.allclose(got, expected, rtol=1e-9, atol=1e-12), "the gradients differ from BPTT's"
print("PASS: the product of factors gives BPTT's state gradients; "
      f"||dl/dh_0|| / ||dl/dh_(T-1)|| = {got[0].norm() / got[-1].norm():.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · A vanished gradient, or a short run? (★★☆)
#
# Section 3 left a question open. (a) Train the far probe for ten times the steps,
# `train_probe(*probes["I grew up in France ... I speak fluent ___"], 10 * probe_steps)`. Does the
# accuracy leave chance? (b) Which outcome would show that the budget was the limit, and which
# would *not* prove that the vanished gradient is? (c) Suggest a measurement that looks at the
# gradient itself rather than at the accuracy.
#
# ### Exercise 3 · The scalar factor (★☆☆)
#
# In the scalar RNN of section 1 every step back multiplies the gradient by $w\,(1 - h_t^2)$.
# (a) With $w = 0.9$, at most how large is $\partial h_{50} / \partial h_0$? (b) Could a larger
# $w$, say 1.5, keep it near 1 over 50 steps? What does a large $w$ do to $h_t$, and hence to
# $1 - h_t^2$?
