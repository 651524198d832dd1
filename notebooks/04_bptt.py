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
# writes BPTT out by hand, then measures what goes wrong with it over long spans, and what helps.
#
# **Learning goals**
#
# - Derive the backward pass of a vanilla RNN step by step, implement it without autograd, and
#   check it against autograd to rounding error.
# - Explain vanishing and exploding gradients as a product of per-step factors
#   $\operatorname{diag}(f'(a_t))\,W_{hh}$, and measure the rate: $\sigma^k$ for a recurrent matrix
#   whose singular values are all $\sigma$, faster still with $\tanh$.
# - Watch a training run diverge without gradient clipping and train with it, same seed, same
#   learning rate.
# - Measure, on the lecture's two sentences, that an RNN fills in a blank decided four words
#   back but not one decided more than 50 words back.
# - Measure how far back three fixes let a network remember: ReLU units, identity
#   initialisation, and gated cells (notebooks 05 and 06), and draw it for gaps up to 200 steps.
# - Train on a long text with truncated BPTT: carry the hidden state forward, cut the gradient.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn
from tqdm.auto import tqdm
from course_utils.claims import claim
from course_utils import (baselines, bptt, cells, config, data, experiments, gradients, metrics,
                          models, plotting, text, training)
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Backpropagation through time, by hand
#
# The vanilla RNN of notebook 03, with an output at every step. For $t = 1, \dots, T$, starting
# from $h_0 = 0$:
#
# $$a_t = W_{xh} x_t + W_{hh} h_{t-1} + b, \qquad h_t = f(a_t) = \tanh(a_t), \qquad
#   y_t = W_{hy} h_t + b_y,$$
#
# and a loss summed over the steps, $L = \sum_t \ell_t(y_t)$; here the squared error
# $\ell_t = \tfrac12 \lVert y_t - \text{target}_t \rVert^2$, so $\partial L / \partial y_t = y_t - \text{target}_t$.
#
# Unrolled, the network is an ordinary feed-forward graph, one layer per step, with the *same*
# weights in every layer:

# %% slideshow={"slide_type": "subslide"}
fig = plotting.unrolled_rnn(num_steps=4)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Backpropagation on that graph, read from the last step to the first. The hidden state $h_t$
# influences the loss along two paths: through its own output $y_t$, and through the next state
# $h_{t+1}$ (and everything after it). Adding the two:
#
# $$\frac{\partial L}{\partial h_t} = W_{hy}^\top \frac{\partial L}{\partial y_t}
#   + W_{hh}^\top \Big( f'(a_{t+1}) \odot \frac{\partial L}{\partial h_{t+1}} \Big),
#   \qquad \frac{\partial L}{\partial h_{T+1}} = 0 .$$
#
# With $\delta_t = \partial L / \partial a_t = f'(a_t) \odot \partial L / \partial h_t$ (for tanh,
# $f'(a_t) = 1 - h_t^2$), each weight gets one contribution per step, **summed over time** because
# the same weight acts at every step:
#
# $$\frac{\partial L}{\partial W_{hy}} = \sum_t \frac{\partial L}{\partial y_t} h_t^\top, \quad
#   \frac{\partial L}{\partial W_{xh}} = \sum_t \delta_t x_t^\top, \quad
#   \frac{\partial L}{\partial W_{hh}} = \sum_t \delta_t h_{t-1}^\top, \quad
#   \frac{\partial L}{\partial b} = \sum_t \delta_t .$$
#
# In code a batch holds row vectors, one sequence per row, so $W^\top v$ becomes `v @ W` and
# $\delta_t x_t^\top$ summed over the batch becomes `delta.T @ x`. We work in float64 so that rounding
# cannot hide a mistake. First the forward pass, keeping every $h_t$: the backward pass needs them.

# %% slideshow={"slide_type": "subslide"}
g = torch.Generator().manual_seed(cfg.seed)
B, T, D, H, O = 4, 6, 3, 5, 2  # batch, steps, inputs, hidden units, outputs
params = bptt.init_params(D, H, O, scale=1.0, generator=g)  # float64 weights, shapes as nn.Linear
W_xh, W_hh, b, W_hy, b_y = (params[k] for k in bptt.PARAM_NAMES)  # (H, D) (H, H) (H,) (O, H) (O,)
X = torch.randn(B, T, D, generator=g, dtype=torch.float64)  # (B, T, D)
target = torch.randn(B, T, O, generator=g, dtype=torch.float64)  # (B, T, O)

hs, ys = [torch.zeros(B, H, dtype=torch.float64)], []  # hs[t] is h_t; hs[0] = h_0 = 0
for t in range(1, T + 1):
    a = X[:, t - 1] @ W_xh.T + hs[t - 1] @ W_hh.T + b  # a_t (B, H); X[:, t-1] is x_t
    hs.append(torch.tanh(a))  # h_t (B, H)
    ys.append(hs[t] @ W_hy.T + b_y)  # y_t (B, O)
Y = torch.stack(ys, dim=1)  # (B, T, O)
loss = 0.5 * ((Y - target) ** 2).sum()  # L = sum over steps (and sequences)
print(f"loss L = {loss:.4f}")

# %% [markdown] slideshow={"slide_type": "-"}
# Now the backward pass, one line per equation above. The only thing handed from step $t$ to step
# $t - 1$ is `dh_next`, the gradient that reaches $h_{t-1}$ through the recurrence.

# %% slideshow={"slide_type": "subslide"}
dY = Y - target  # dL/dy_t at every step (B, T, O)
grads = {k: torch.zeros_like(v) for k, v in params.items()}
dh_next = torch.zeros(B, H, dtype=torch.float64)  # nothing arrives from beyond step T
for t in range(T, 0, -1):  # t = T, T-1, ..., 1
    dy = dY[:, t - 1]  # dL/dy_t (B, O)
    grads["W_hy"] += dy.T @ hs[t]  # (O, H)
    grads["b_y"] += dy.sum(dim=0)  # (O,)
    dh = dy @ W_hy + dh_next  # dL/dh_t = W_hy^T dL/dy_t + (from step t+1)  (B, H)
    delta = (1 - hs[t] ** 2) * dh  # dL/da_t = f'(a_t) * dL/dh_t  (B, H)
    grads["W_xh"] += delta.T @ X[:, t - 1]  # (H, D)
    grads["W_hh"] += delta.T @ hs[t - 1]  # (H, H)
    grads["b"] += delta.sum(dim=0)  # (H,)
    dh_next = delta @ W_hh  # W_hh^T (f'(a_t) * dL/dh_t): what reaches h_{t-1}  (B, H)

# %% [markdown] slideshow={"slide_type": "-"}
# Is it right? Two references: the tested copy in `course_utils.bptt` (later notebooks use it), and
# PyTorch's autograd, which knows nothing of our derivation.

# %% slideshow={"slide_type": "subslide"}
cache = bptt.rnn_forward(params, X)  # the course's copy: forward ...
ours_lib = bptt.rnn_backward(params, cache, cache["Y"] - target)  # ... and backward, no autograd
leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
auto_loss = 0.5 * ((bptt.rnn_forward(leaves, X)["Y"] - target) ** 2).sum()
auto = dict(zip(leaves, torch.autograd.grad(auto_loss, list(leaves.values()))))
torch.testing.assert_close(cache["Y"], Y, rtol=1e-12, atol=1e-12)
for name in bptt.PARAM_NAMES:
    torch.testing.assert_close(grads[name], ours_lib[name], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grads[name], auto[name], rtol=1e-10, atol=1e-12)
    print(f"dL/d{name:5s} {str(tuple(grads[name].shape)):7s} "
          f"max |by hand - autograd| = {(grads[name] - auto[name]).abs().max():.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# All five gradients agree with autograd to rounding error (the course's tests repeat this for
# several shapes, for ReLU units, and against finite differences).
#
# Two costs are visible in the code. **Memory**: the backward pass needs every $h_t$, so BPTT
# stores $T$ states per sequence. **Time**: the backward loop is as long as the forward one, and
# strictly sequential. Section 5 shows how to bound both on long texts.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Why gradients vanish or explode
#
# Unroll the recursion for `dh_next`. The gradient of the loss at the last step, $\ell_T$, with
# respect to a state $k$ steps earlier is a product of $k$ per-step factors, the Jacobians
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
x_1, h_0 = torch.randn(1, 4), torch.randn(1, 8)  # (1, D), (1, H)
h_1, _ = cell(x_1, h_0)  # (1, H)
J_formula = torch.diag(1 - h_1[0] ** 2) @ cell.W_hh.weight  # diag(f'(a_1)) W_hh  (H, H)
J_autograd = torch.autograd.functional.jacobian(lambda h: cell(x_1, h)[0][0], h_0)[:, 0]  # (H, H)
torch.testing.assert_close(J_formula, J_autograd)
print(f"one factor: largest singular value {torch.linalg.matrix_norm(J_formula, ord=2):.3f}, "
      f"W_hh's {torch.linalg.matrix_norm(cell.W_hh.weight, ord=2):.3f}, "
      f"mean f'(a) = {(1 - h_1 ** 2).mean():.3f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now the measurement. `gradients.state_gradient_norms` runs a cell over a sequence and returns
# $\lVert \partial \ell_T / \partial h_{T-k} \rVert$ for every distance $k$. We give $W_{hh}$ every
# singular value equal to $\sigma$ (an orthogonal matrix $Q$, rescaled by
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
    X = torch.randn(16, num_steps, 4, dtype=torch.float64)  # (B, T, D)
    norms = gradients.state_gradient_norms(cell, X)  # (T,): entry k is k steps back
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
J = bptt.step_jacobians(p, run)[0]  # (T, H, H): J[t] = dh_t / dh_{t-1}
product, product_norms = torch.eye(32, dtype=torch.float64), [1.0]
for t in reversed(range(1, NUM_STEPS)):
    product = product @ J[t]  # dh_T / dh_{t-1}  (H, H)
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
# These curves are computed in float64, but float32 would hold them too: even at the slider's
# smallest $\sigma$, 0.3, the tanh network's ratio at the last step is many orders of magnitude
# above float32's smallest normal number (both printed below). A vanishing gradient is too small
# to teach anything long before it is too small to store; only over far longer spans would
# $0.3^k$ itself underflow (the step where it would is printed too).

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
# ## 3 · Exploding gradients and clipping
#
# An exploding gradient does not only slow training down: one huge step throws the weights so far
# that the next forward pass overflows, and the loss becomes `inf` or `nan` for good. The standard
# remedy is **gradient-norm clipping** (Pascanu et al., 2013): before each update, if the norm of
# all gradients together exceeds a threshold $\theta$, rescale them to norm $\theta$,
#
# $$g \leftarrow g \cdot \min\Big(1, \frac{\theta}{\lVert g \rVert}\Big).$$
#
# The direction is kept, only the step length is capped. The experiment: a character language model
# on H. G. Wells' *The Time Machine*, with ReLU units and a recurrent matrix a little above the edge
# ($W_{hh} = 1.25\,Q$), trained with plain SGD at learning rate 1. Twice, from the same seed with the
# same batches: once as is, once with `fit(clip=1.0)`.

# %% slideshow={"slide_type": "subslide"}
book = text.preprocess_d2l(data.load_time_machine())  # letters lower-cased, the rest spaces
vocab = text.Vocab(text.tokenize(book, "char"))
ids = torch.tensor(vocab.encode(book))  # (N,)
train_ids, valid_ids = text.split_ids(ids, valid_fraction=0.1)
X_train, Y_train = text.lm_windows(train_ids, num_steps=32)  # (N, 32) each
print(f"{len(vocab)} tokens in the vocabulary; {len(train_ids):,} training and "
      f"{len(valid_ids):,} held-out characters; {len(X_train):,} windows of 32")


def relu_lm(sigma, seed=cfg.seed, hidden_size=128):
    """A one-hot character RNN language model with ReLU units and W_hh = sigma * Q."""
    torch.manual_seed(seed)
    lm = models.LanguageModel(len(vocab), "rnn", hidden_size, embed_size=None, nonlinearity="relu")
    nn.init.orthogonal_(lm.rnn.impl.weight_hh_l0)
    gradients.scale_spectral_norm(lm.rnn.impl.weight_hh_l0, sigma)
    return lm.to(cfg.device)


# %% slideshow={"slide_type": "subslide"}
clip_steps = cfg.pick(smoke=20, class_=150, full=1000)
clip_runs = {}
for clip in (None, 1.0):
    lm = relu_lm(sigma=1.25)
    g = torch.Generator().manual_seed(cfg.seed)  # the same batches for both runs
    clip_runs[clip] = training.fit(
        lm, lambda g=g: text.random_batches(X_train, Y_train, 32, generator=g), models.lm_loss,
        steps=clip_steps, optimizer=torch.optim.SGD(lm.parameters(), lr=1.0), clip=clip,
        desc=f"SGD lr 1, clip={clip}", progress=clip is not None)  # the unclipped run stops early
unclipped, clipped = clip_runs[None], clip_runs[1.0]
if unclipped.diverged:  # fit stops at the first loss that is not a number: a planned stop
    print(f"no clipping: stopped at step {unclipped.steps[-1]} of {clip_steps}, "
          f"the loss is {unclipped.train_loss[-1]}")

# %% slideshow={"slide_type": "subslide"}
fig, (ax_loss, ax_norm) = plt.subplots(1, 2, figsize=(11, 3.6))
for label, h, style in [("clipped at norm 1", clipped, dict(color="tab:orange")),
                        ("no clipping", unclipped, dict(color="tab:blue", lw=2, marker="o", ms=4))]:
    ax_loss.plot(h.steps, h.train_loss, label=label, **style)
    ax_norm.semilogy(h.steps, h.grad_norm, label=label, **style)
if unclipped.diverged:
    for ax in (ax_loss, ax_norm):
        ax.axvline(unclipped.steps[-1], color="tab:red", ls=":", label="no clipping: loss nan / inf")
ax_loss.set(xlabel="step", ylabel="training loss (nats/char)", ylim=(0, 2 * clipped.train_loss[0]),
            title="Same seed, same learning rate")
ax_norm.axhline(1.0, color="gray", ls="--", label="clipping threshold θ = 1")
ax_norm.set(xlabel="step", ylabel="gradient norm before clipping",
            title="The gradient explodes in both runs")
for ax in (ax_loss, ax_norm):
    ax.legend()
    ax.grid(alpha=0.3)
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Without clipping the gradient norm multiplies within a few steps, one update overshoots, and the
# loss is no longer a number. The clipped run sees the same explosive gradients (right) but every
# step is capped at length `lr × θ`, so the spikes cost little and the loss falls.

# %% slideshow={"slide_type": "-"}
tail_steps = max(1, min(20, len(clipped.train_loss) // 4))  # the end of the run, not the whole of a short one
clipped_final = sum(clipped.train_loss[-tail_steps:]) / tail_steps
fate = (f"diverged (loss {unclipped.train_loss[-1]}) at step {unclipped.steps[-1]}"
        if unclipped.diverged else f"ended at loss {unclipped.train_loss[-1]:.3g}")
print(f"no clipping: {fate}; largest gradient norm {max(unclipped.grad_norm):.2e}")
print(f"clipped:     loss {clipped.train_loss[0]:.3f} -> {clipped_final:.3f} (mean of the last {tail_steps} "
      f"steps) in {clipped.seconds:.1f} s; largest gradient norm {max(clipped.grad_norm):.2e}")
unclipped_final = math.inf if unclipped.diverged else unclipped.train_loss[-1]
claim("without clipping the run blows up (its final loss over the clipped run's)", unclipped_final / clipped_final,
      ">", 10)
claim("with clipping the loss falls (drop from the first step, nats/char)",
      clipped.train_loss[0] - clipped_final if not clipped.diverged else -math.inf, ">", 0.5)

# %% [markdown] slideshow={"slide_type": "slide"}
# Clipping treats the symptom of exploding gradients well. It can do nothing for *vanishing*
# gradients: a gradient that is already tiny is never rescaled upwards.
#
# ## 4 · Vanishing gradients and three fixes
#
# A vanishing gradient is silent: the loss simply does not improve on anything that needs memory
# further back than the gradient reaches. Three fixes, each aimed at a term of the factor
# $\operatorname{diag}(f'(a_t))\,W_{hh}$:
#
# 1. **Activation.** ReLU has $f' = 1$ wherever a unit is active, instead of $\tanh' < 1$.
# 2. **Initialisation.** Start from $W_{hh} = I$ with zero biases (Le et al., 2015: the *IRNN*,
#    with ReLU): every factor starts as the identity on the active units, so the gradient is
#    copied back unchanged until training moves the weights.
# 3. **Gates.** An LSTM (notebook 05) carries a cell state $C_t = f_t \odot C_{t-1} + \dots$ whose
#    factor is the forget gate $f_t$, which the network itself controls. Initialising the
#    forget-gate bias to $+4$ makes $f_t \approx 0.98$ from the start (`models.init_gate_bias`).
#
# These are the lecture's three remedies: "1. Activation function 2. Weight initialization
# 3. Network architecture". One slip on its slides: the identity initialisation "helps prevent
# the weights from shrinking to zero"; what it prevents from shrinking is the *gradient*, the
# product of factors above. The weights themselves do not shrink with the number of steps.
#
# Before any training, how far back does the gradient reach in each? Same inputs, 60 steps:

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
X_probe = torch.randn(32, 60, 16)  # (B, T, D)
tanh_cell = cells.RNNCell(16, 64)  # default initialisation
irnn_cell = cells.RNNCell(16, 64, nonlinearity="relu")
nn.init.eye_(irnn_cell.W_hh.weight)
nn.init.zeros_(irnn_cell.W_hh.bias)
nn.init.zeros_(irnn_cell.W_xh.bias)
lstm_cell = cells.LSTMCell(16, 64)
nn.init.constant_(lstm_cell.W_f.bias, 4.0)  # forget gate starts near sigmoid(4) = 0.98
reach = {"tanh RNN (default init)": gradients.state_gradient_norms(tanh_cell, X_probe),
         "ReLU RNN, W_hh = I (IRNN)": gradients.state_gradient_norms(irnn_cell, X_probe),
         "LSTM cell state, forget bias +4": gradients.state_gradient_norms(lstm_cell, X_probe, component=1)}
reach = {name: n / n[0] for name, n in reach.items()}
fig = plotting.gradient_norms(reach, title="Gradient through time at initialisation",
                              ylabel=r"$\|\partial \ell_T / \partial s_{T-k}\| \,/\, \|\partial \ell_T / \partial s_T\|$")
for name, n in reach.items():
    print(f"{name:32s} 50 steps back: {n[50]:.1e}")
claim("at initialisation the tanh RNN's gradient 50 steps back has vanished (relative norm)",
      reach["tanh RNN (default init)"][50], "<", 1e-6)
claim("the IRNN keeps a tenth of its gradient 50 steps back", reach["ReLU RNN, W_hh = I (IRNN)"][50], ">", 0.1)
claim("the LSTM's cell state (forget bias +4) keeps a tenth of its gradient 50 steps back",
      reach["LSTM cell state, forget bias +4"][50], ">", 0.1)

# %% [markdown] slideshow={"slide_type": "subslide"}
# At initialisation the tanh RNN's gradient has vanished by a factor of more than a million
# within 50 steps; the IRNN and the LSTM's cell state still carry it at full strength.
#
# ### The lecture's two sentences
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
# more than 50 words: its state is there at every step. What stops it is training: the signal
# that should teach it to keep that word arrives through a product of as many factors
# $\operatorname{diag}(f'(a_t))\,W_{hh}$ and has vanished on the way, while the signal from the
# words next to the blank arrives intact. The lecture's words: "Errors due to further back time
# steps have smaller and smaller gradients", which will "Bias network to capture short-term
# dependencies". Measured.
#
# Does the same hold in a cleaner task, and at which distance does it set in? The task: read a
# sequence of $T$ random symbols (8 kinds) and output the **first** one. Everything after step 1
# is a distractor, so a model that cannot carry information $T$ steps back is stuck at chance,
# 1/8. Each run trains on fresh batches at every step (`tasks.first_symbol_batch`) and is scored
# on 1,000 held-out sequences.

# %% slideshow={"slide_type": "subslide"}
MEMORY_MODELS = {"tanh": dict(kind="rnn"), "relu": dict(kind="rnn", nonlinearity="relu"),
            "tanh + I": dict(kind="rnn", identity=True), "IRNN": dict(kind="irnn"),
            "LSTM": dict(kind="lstm", gate_bias=4.0)}  # W_hh = I for the two "+ I"; forget bias +4


def memory_model(variant):
    """One of MEMORY_MODELS, built by experiments.memory_model (embedding 16, hidden 64, 8 symbols)."""
    return experiments.memory_model(**MEMORY_MODELS[variant]).to(cfg.device)


def memory_accuracy(variant, length, steps, seed=None):
    """Train on first-symbol recall at one length; return held-out accuracy.

    ``seed`` (default the notebook's) picks the initial weights, the batches and the held-out set.
    """
    seed = cfg.seed if seed is None else seed
    torch.manual_seed(seed)
    model = memory_model(variant)
    held_out = experiments.held_out_sets([length], seed=seed)[length]  # 1,000 sequences
    history = experiments.fit_first_symbol(model, length, steps, held_out, seed=seed,
                                           desc=f"{variant}, T = {length}")  # fresh batches every step
    return history.last("accuracy")


# %% [markdown] slideshow={"slide_type": "subslide"}
# Three variants, three lengths, the same short budget each (Adam; the number of steps is in the
# figure's title):

# %% slideshow={"slide_type": "subslide"}
memory_steps = cfg.pick(smoke=30, class_=250, full=2000)
lengths = cfg.pick(smoke=[5, 10], class_=[5, 20, 50], full=[5, 10, 20, 50, 100])
VARIANTS = ["tanh", "IRNN", "LSTM"]
accuracy = {(v, T): memory_accuracy(v, T, memory_steps) for v in VARIANTS for T in lengths}
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for v, label in zip(VARIANTS, ["tanh RNN (default init)", "IRNN (ReLU, W_hh = I)", "LSTM (forget bias +4)"]):
    ax.plot(lengths, [accuracy[v, T] for T in lengths], marker="o", label=label)
ax.axhline(1 / 8, color="gray", ls="--", label="chance")
ax.set(xlabel="sequence length T (steps between the symbol and the answer)", ylabel="held-out accuracy",
       title=f"How far back can each model learn? ({memory_steps} steps each)")
ax.set_xticks(lengths)
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()

# %% slideshow={"slide_type": "subslide"}
for v in VARIANTS:
    print(f"{v:5s}", "  ".join(f"T={T}: {accuracy[v, T]:.2f}" for T in lengths))
claim("every variant learns at T = 5 (lowest accuracy)", min(accuracy[v, 5] for v in VARIANTS), ">", 0.9)
if 50 in lengths:
    claim("the tanh RNN is near chance (0.125) at T = 50", accuracy["tanh", 50], "<", 0.25)
    claim("the LSTM with forget bias +4 bridges 50 steps", accuracy["LSTM", 50], ">", 0.9)
if 20 in lengths:
    claim("the IRNN bridges 20 steps", accuracy["IRNN", 20], ">", 0.9)

# %% [markdown] slideshow={"slide_type": "-"}
# A staircase: every model learns when the gap is short; the tanh RNN's reach ends first (at 50
# it is at chance); the IRNN bridges 20 steps; the LSTM with its forget gate open bridges 50
# steps, in the same budget. (Where exactly each step of the staircase falls varies from seed
# to seed: read the printed numbers.)
#
# Which of the IRNN's two changes does the work, the ReLU or the identity? Take them apart at
# $T = 20$:

# %% slideshow={"slide_type": "subslide"}
T_ablation = cfg.pick(smoke=10, class_=20, full=20)
ablation_seeds = [cfg.seed, cfg.seed + 100, cfg.seed + 200]  # three runs each: tanh + I varies a lot by run
runs = {variant: [memory_accuracy(variant, T_ablation, memory_steps, seed=s) for s in ablation_seeds]
        for variant in ("relu", "tanh + I")}
ablation = {"tanh": accuracy["tanh", T_ablation],
            "ReLU": sum(runs["relu"]) / len(ablation_seeds),
            "tanh, W_hh = I": sum(runs["tanh + I"]) / len(ablation_seeds),
            "ReLU, W_hh = I\n(IRNN)": accuracy["IRNN", T_ablation]}
fig = plotting.comparison_bars(ablation, ylabel="held-out accuracy", reference=1 / 8,
                               title=f"Activation vs initialisation, first-symbol recall at T = {T_ablation}")
print("  ".join(f"{name.splitlines()[0]}: {acc:.2f}" for name, acc in ablation.items()))
for variant, accs in runs.items():
    print(f"{variant:8s} three runs: " + ", ".join(f"{a:.2f}" for a in accs))
claim("ReLU alone (default init) does not bridge 20 steps (mean of three runs)", ablation["ReLU"], "<", 0.3)
claim("the identity init helps on its own: tanh + I over ReLU alone (mean of three runs)",
      ablation["tanh, W_hh = I"] - ablation["ReLU"], ">", 0.2)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ReLU alone does nothing here: with the default (small, random) $W_{hh}$ the factors still shrink
# the gradient. The identity initialisation helps on its own, even with tanh (how much varies from
# seed to seed); ReLU and the identity together are best. The lesson generalises: **what the network computes at
# initialisation decides which gradients it ever sees.** Gated cells build that lesson into the
# architecture; notebook 05 takes the LSTM apart, notebook 06 the GRU.
#
# ### How far back can each cell remember?
#
# So far each model was trained and tested at one gap. Now the question of this notebook, up to
# 200 steps, for four cells: the tanh RNN, the IRNN, and the two gated cells with their keep
# gate biased to +4 (`models.init_gate_bias`): the LSTM (forget gate, notebook 05) and the GRU
# (update gate, notebook 06).
#
# Training at $T = 200$ alone is hard to get started: the answer hides among 200 distractors, and
# at the start the cell has not yet learned what to store, so the little gradient that reaches
# step 0 says little. Short gaps teach *what* to store quickly; long gaps then teach the cell to
# *keep* it. So we train each cell once, on gaps drawn at random between 5 and 200 for every
# batch, log-uniformly: as many gaps between 5 and 10 as between 100 and 200
# (`experiments.sample_gap`). Then we test each trained model at every gap, on 1,000 held-out
# sequences per gap. One budget for all four, 300 steps of 64 sequences, the same batches
# (`experiments.memory_sweep`).

# %% slideshow={"slide_type": "subslide"}
sweep_lengths = cfg.pick(smoke=[5, 10, 20], class_=[5, 10, 20, 50, 100, 200], full=[5, 10, 20, 50, 100, 200])
sweep_steps = cfg.pick(smoke=20, class_=300, full=1000)
train_gap = (min(sweep_lengths), max(sweep_lengths))
sweep, sweep_hist = experiments.memory_sweep(experiments.CELLS, sweep_lengths, sweep_steps, train_gap,
                                             seed=cfg.seed, device=cfg.device)
CELL_LABELS = {"rnn": "tanh RNN", "irnn": "IRNN (ReLU, $W_{hh} = I$)",
               "lstm": "LSTM (forget bias +4)", "gru": "GRU (update bias +4)"}
for cell, acc in sweep.items():
    print(f"{CELL_LABELS[cell]:22s}", "  ".join(f"T={T}: {a:.2f}" for T, a in acc.items()),
          f"  ({sweep_hist[cell].seconds:.1f} s)")

# %% slideshow={"slide_type": "subslide"}
CELL_STYLES = {"rnn": dict(marker="o"), "irnn": dict(marker="^"),
               "lstm": dict(marker="s", lw=4, ms=9, alpha=0.5), "gru": dict(marker="D", ls="--")}
fig, ax = plt.subplots(figsize=(8.5, 4))
for cell, acc in sweep.items():  # the LSTM drawn thick and pale: where it and the GRU overlap, both show
    ax.semilogx(list(acc), list(acc.values()), label=CELL_LABELS[cell], **CELL_STYLES[cell])
ax.axhline(1 / 8, color="gray", ls="--", label="chance (1/8)")
ax.set_xticks(sweep_lengths, [str(T) for T in sweep_lengths], minor=False)
ax.set_xticks([], minor=True)
ax.set(xlabel="gap $T$: steps between the symbol and the answer (log scale)", ylabel="held-out accuracy",
       ylim=(0, 1.05), title=f"How far back can each cell remember? (gaps {train_gap[0]}-{train_gap[1]}, "
                             f"{sweep_steps} steps each)")
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
ax.grid(alpha=0.3)
fig.tight_layout()

# %% slideshow={"slide_type": "subslide"}
long_gaps = [T for T in sweep_lengths if T >= 50]  # none in smoke mode
if long_gaps:
    for cell in ("lstm", "gru"):
        claim(f"the {cell.upper()} recalls the first of 100 symbols", sweep[cell][100], ">=", 0.95)
        claim(f"the {cell.upper()} recalls the first of 200 symbols", sweep[cell][200], ">=", 0.9)
    claim("the tanh RNN stays near chance from T = 50 on (highest accuracy)",
          max(sweep["rnn"][T] for T in long_gaps), "<", 0.3)
claim("the IRNN bridges 20 steps on the mixed-gap training", sweep["irnn"][20], ">", 0.9)

# %% [markdown] slideshow={"slide_type": "slide"}
# This is the figure to remember. The two gated cells hold at every gap, up to 200 steps,
# within a few seconds of training each. The tanh RNN stays near chance at every gap from 50 on
# (at 20 it sometimes starts to learn a little: read the printed numbers), and, trained on this mix, it does not even learn the short gaps that it learns on its own
# (the staircase above): the long gaps, which it cannot fit, pull its weights away from what the
# short ones need. The IRNN gets much further than the tanh RNN, but how far varies from seed to
# seed (run it with `COURSE_SEED=1, 2, 3`).
#
# What it took to reach $T = 200$ in a class's budget was the mix of gaps, not a bigger model or
# a larger bias. Trained only at $T = 200$, with the same 300 steps, do the gated cells get
# there? Exercise 3(e) asks you to find out. The mix is a *curriculum* in disguise: the easy cases
# are always there, and what they teach carries over to the hard ones. Notebooks 05 and 06 look inside the two gated cells to see *how* they keep
# one symbol for 200 steps.
#
# ## 5 · Truncated BPTT for long streams
#
# A language model should read a book as one sequence, but full BPTT over the whole book (its
# training characters are counted in section 3) would store one hidden state per character and
# make one update per pass. **Truncated BPTT** reads the stream in
# chunks of `num_steps`:
#
# - cut the stream into `batch_size` long rows; batch $k + 1$ is the next `num_steps` characters of
#   every row (`text.sequential_batches`), so row $b$ of batch $k+1$ continues row $b$ of batch $k$;
# - **carry** the final hidden state of batch $k$ into batch $k + 1$: the forward pass sees the
#   whole text;
# - **detach** it (`models.detach_state`): the backward pass stops at the chunk boundary, so memory
#   and time per update are those of `num_steps` steps.
#
# The first 72 characters of the book, as 3 rows and chunks of 6:

# %% slideshow={"slide_type": "subslide"}
def draw_chunks(stream, batch_size=3, num_steps=6):
    """Each coloured block is one batch; the state crosses the dashed lines, the gradient does not."""
    batches = list(text.sequential_batches(stream, batch_size, num_steps))
    fig, ax = plt.subplots(figsize=(12, 0.75 * batch_size + 1))
    for k, (X, _) in enumerate(batches):  # X (batch_size, num_steps)
        for r in range(batch_size):
            for t, token in enumerate(vocab.decode(X[r])):
                x = k * num_steps + t
                ax.add_patch(plt.Rectangle((x, -r), 1, 0.8, fc=plt.cm.Pastel1(k), ec="white"))
                ax.text(x + 0.5, -r + 0.4, token.replace(" ", "_"), ha="center", va="center", family="monospace")
            if k:  # the state enters this chunk from the previous one
                ax.annotate("", xy=(k * num_steps + 0.4, -r + 0.4), xytext=(k * num_steps - 0.4, -r + 0.4),
                            arrowprops=dict(arrowstyle="->", color="tab:green", lw=2))
        ax.text((k + 0.5) * num_steps, 1.0, f"batch {k}", ha="center")
        if k:
            ax.axvline(k * num_steps, color="tab:red", ls="--")
    for r in range(batch_size):
        ax.text(-0.3, -r + 0.4, f"row {r}", ha="right", va="center")
    ax.set(xlim=(-2.5, len(batches) * num_steps), ylim=(-batch_size + 0.8, 1.3), title=(
        "batch k = the next num_steps characters of every row;  green: state carried;  red: gradient stops"))
    ax.axis("off")
    return fig


fig = draw_chunks(train_ids[:73])

# %% [markdown] slideshow={"slide_type": "subslide"}
# Carrying the state changes nothing in the forward pass: reading a row chunk by chunk gives
# exactly the predictions of reading it in one go.

# %% slideshow={"slide_type": "-"}
torch.manual_seed(cfg.seed)
lm = models.LanguageModel(len(vocab), "rnn", hidden_size=32, embed_size=16)
row = train_ids[:64].unsqueeze(0)  # (1, 64)
logits_whole, _ = lm(row)  # (1, 64, V)
state, pieces = None, []
for chunk in row.split(16, dim=1):  # four chunks (1, 16)
    logits, state = lm(chunk, state)  # (1, 16, V)
    pieces.append(logits)
    state = models.detach_state(state)
torch.testing.assert_close(torch.cat(pieces, dim=1), logits_whole)
print("chunked with carried state == one pass:", tuple(torch.cat(pieces, dim=1).shape))

# %% [markdown] slideshow={"slide_type": "-"}
# Why detach? Without it, the second chunk's backward pass would follow the state into the first
# chunk's graph, which the first `backward()` has already freed. PyTorch says so:

# %% slideshow={"slide_type": "subslide"}
state, error = None, None
for X, Y in list(text.sequential_batches(train_ids, 4, 16))[:2]:
    logits, state = lm(X, state)  # the state is NOT detached
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), Y.reshape(-1))
    try:
        loss.backward()
    except RuntimeError as err:
        error = err
assert error is not None, "the second chunk's backward() should fail when the state is not detached"
print(f"second chunk without detach: RuntimeError: {str(error).split('.')[0]}")

# %% [markdown] slideshow={"slide_type": "-"}
# The training loop, written out: it is `fit` with one extra line, the state carried and detached.
# With `carry=False` every chunk starts from zeros instead, as if the chunks were unrelated texts.

# %% slideshow={"slide_type": "subslide"}
def train_tbptt(carry, steps, batch_size=32, num_steps=16, hidden_size=128):
    """A character RNN trained by truncated BPTT on the book; returns the model and its losses."""
    torch.manual_seed(cfg.seed)
    lm = models.LanguageModel(len(vocab), "rnn", hidden_size, embed_size=32).to(cfg.device)
    optimizer, losses = torch.optim.Adam(lm.parameters(), lr=3e-3), []
    bar = tqdm(total=steps, desc=f"truncated BPTT, carry={carry}", leave=False)
    while len(losses) < steps:
        state = None  # each pass over the book starts from zeros
        for X, Y in text.sequential_batches(train_ids, batch_size, num_steps):  # (B, T) each
            state = models.detach_state(state) if carry and state is not None else None
            logits, state = lm(X.to(cfg.device), state)  # (B, T, V)
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), Y.to(cfg.device).reshape(-1))
            optimizer.zero_grad()
            loss.backward()  # back to the start of this chunk only
            nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
            bar.update()
            if len(losses) == steps:
                break
    bar.close()
    return lm, losses


# %% slideshow={"slide_type": "subslide"}
tbptt_steps = cfg.steps(smoke=20, class_=250, full=3000)
lm_carry, losses_carry = train_tbptt(carry=True, steps=tbptt_steps)
lm_reset, losses_reset = train_tbptt(carry=False, steps=tbptt_steps)
# held-out loss at each position of a 16-step chunk, each model read the way it was trained
pos_carry = bptt.stream_position_loss(lm_carry, valid_ids, batch_size=8, num_steps=16, carry=True)
pos_reset = bptt.stream_position_loss(lm_reset, valid_ids, batch_size=8, num_steps=16, carry=False)

fig, (ax_train, ax_pos) = plt.subplots(1, 2, figsize=(11, 3.6))
ax_train.plot(losses_carry, label="state carried", alpha=0.8)
ax_train.plot(losses_reset, label="state reset to zero", alpha=0.8)
ax_train.set(xlabel="step", ylabel="training loss (nats/char)", title="Training")
ax_pos.plot(pos_carry, marker="o", label="state carried")
ax_pos.plot(pos_reset, marker="o", label="state reset to zero")
ax_pos.set(xlabel="position in the 16-character chunk", ylabel="held-out loss (nats/char)",
           title="Held-out loss by position in the chunk")
for ax in (ax_train, ax_pos):
    ax.legend()
    ax.grid(alpha=0.3)
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# A model that starts every chunk from zeros must guess its first characters with no context at all;
# its loss at position 0 is far above the rest. The carried state removes that cost: the first
# character of a chunk is predicted from everything read before it. Measured on the held-out tenth of
# the book (and, for comparison, each model read the other way too):

# %% slideshow={"slide_type": "subslide"}
held_out = {(name, read): bptt.stream_loss(model, valid_ids, 8, 16, carry=read)
            for name, model in [("trained carrying", lm_carry), ("trained resetting", lm_reset)]
            for read in (True, False)}
for (name, read), value in held_out.items():
    print(f"{name:18s} read {'carrying' if read else 'resetting':9s}: {value:.3f} nats/char "
          f"(perplexity {metrics.perplexity(value):.2f})")
print(f"position 0: {pos_carry[0]:.2f} carried vs {pos_reset[0]:.2f} reset; "
      f"position 15: {pos_carry[-1]:.2f} vs {pos_reset[-1]:.2f}")
claim("carrying the state lowers the held-out loss (nats/char saved)",
      held_out["trained resetting", False] - held_out["trained carrying", True], ">", 0.03)
claim("a zero state costs most at the chunk's start (loss at position 0 over position 15, nats/char)",
      pos_reset[0] - pos_reset[-1], ">", 0.4)
claim("the carried state gives the first character context (nats/char saved at position 0)",
      pos_reset[0] - pos_carry[0], ">", 0.3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Two things to notice. The gap between the two models is almost entirely at the start of each
# chunk, where one has context and the other does not. And the model trained with carried state
# does *worse* than the other when read from zeros: it has learned to rely on the state it is
# normally given. Evaluate a model the way it was trained.
#
# Truncation has a price too: the gradient never crosses a chunk boundary, so no weight is ever
# adjusted to keep information for more than `num_steps` steps. The carried state helps anyway,
# because what the model learned to keep for the next few characters *within* a chunk is just as
# useful for the first characters of the next one.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - **BPTT** is backpropagation on the unrolled graph. The gradient reaching $h_t$ is
#   $W_{hy}^\top \partial L/\partial y_t + W_{hh}^\top(f'(a_{t+1}) \odot \partial L/\partial h_{t+1})$,
#   and every weight gradient is a sum over steps. Written by hand, it matches autograd to rounding
#   error; it costs memory for $T$ states and a sequential backward loop.
# - The gradient $k$ steps back is a product of $k$ factors $\operatorname{diag}(f'(a_t)) W_{hh}$.
#   In a linear RNN whose singular values are all $\sigma$ it scales exactly as $\sigma^k$: vanishing
#   below 1, exploding above. $\tanh' \le 1$ only makes it smaller.
# - **Exploding** gradients make training diverge; **clipping** the gradient norm caps each step and
#   lets the same run, at the same learning rate, train.
# - **Vanishing** gradients silently limit how far back a model can learn: the same tanh RNN
#   completed "The clouds are in the ___" and stayed at chance on "... I speak fluent ___" with
#   *France* more than 50 words back. The identity initialisation (with ReLU: the IRNN) extends the reach
#   of a vanilla RNN; gated cells with their keep gate biased open (LSTM, GRU) extend it much
#   further: trained on gaps mixed from 5 to 200, both recalled the first of 200 symbols, while
#   the tanh RNN stayed near chance.
# - **Truncated BPTT** carries the state across chunks of a long stream and detaches it: the
#   forward pass sees the whole text, the backward pass only `num_steps`. Carrying the state lowers
#   the held-out loss, mostly at the start of each chunk.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# **1. Clipping by hand.** Write `clip_by_global_norm(grads, max_norm)`: given a list of gradient
# tensors, compute their global norm $\lVert g \rVert = \sqrt{\sum_i \lVert g_i \rVert^2}$; if it
# exceeds `max_norm`, scale every tensor **in place** by `max_norm / norm`. Return the norm before
# clipping (as `torch.nn.utils.clip_grad_norm_` does).

# %% slideshow={"slide_type": "-"}
def clip_by_global_norm(grads, max_norm):
    """Rescale the tensors in ``grads`` in place to a global norm of at most ``max_norm``."""
    ### BEGIN SOLUTION
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    if norm > max_norm:
        for g in grads:
            g.mul_(max_norm / norm)
    return norm
    ### END SOLUTION


# %% slideshow={"slide_type": "subslide"}
gen = torch.Generator().manual_seed(cfg.seed)
for max_norm in (0.5, 100.0):  # one that clips, one that does not
    mine = [torch.randn(5, 3, generator=gen), torch.randn(7, generator=gen)]
    ref = [nn.Parameter(torch.zeros_like(t)) for t in mine]
    for r, t in zip(ref, mine):
        r.grad = t.clone()
    expected_norm = nn.utils.clip_grad_norm_(ref, max_norm)
    norm = clip_by_global_norm(mine, max_norm)
    assert torch.isclose(torch.as_tensor(norm), expected_norm), f"norm {norm} should be {expected_norm}"
    for t, r in zip(mine, ref):
        assert torch.allclose(t, r.grad, atol=1e-6), f"with max_norm={max_norm} the clipped tensors differ"
print("PASS: clip_by_global_norm matches torch.nn.utils.clip_grad_norm_")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. The gradient as a product of factors.** For a loss that depends on the last state only,
# $\partial \ell/\partial h_{t-1} = (\partial h_t/\partial h_{t-1})^\top\, \partial \ell/\partial h_t$.
# Write `backprop_through_factors(J, g_last)`: given the factors `J` (T, H, H) of one sequence, with
# `J[t]` $= \partial h_t / \partial h_{t-1}$ as `bptt.step_jacobians` returns them, and
# `g_last` $= \partial \ell / \partial h_{T-1}$ (H,), return $\partial \ell/\partial h_t$ for every
# $t = 0, \dots, T-1$ as a tensor (T, H).

# %% slideshow={"slide_type": "-"}
def backprop_through_factors(J, g_last):
    """dl/dh_t for every step of one sequence, from the factors J (T, H, H) and dl/dh_{T-1} (H,)."""
    ### BEGIN SOLUTION
    grads = [g_last]
    for t in range(len(J) - 1, 0, -1):
        grads.append(J[t].T @ grads[-1])  # dl/dh_{t-1} = (dh_t/dh_{t-1})^T dl/dh_t
    return torch.stack(grads[::-1])  # (T, H)
    ### END SOLUTION


# %% slideshow={"slide_type": "subslide"}
w = torch.randn(32, dtype=torch.float64, generator=torch.Generator().manual_seed(cfg.seed + 1))  # l = w . h_{T-1}
expected = bptt.rnn_backward(p, run, torch.zeros_like(run["Y"]), dh_last=w[None])["H"][0]  # (T, H)
got = backprop_through_factors(bptt.step_jacobians(p, run)[0], w)
assert got.shape == expected.shape, f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
assert torch.allclose(got, expected, rtol=1e-9, atol=1e-12), "the gradients differ from BPTT's"
print("PASS: the product of factors gives BPTT's state gradients; "
      f"||dl/dh_0|| / ||dl/dh_(T-1)|| = {got[0].norm() / got[-1].norm():.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **3. To think about.** (a) Clipping rescales large gradients down. Why would rescaling small
# gradients *up* not cure vanishing gradients? (Hint: what does the gradient of the loss at a late
# step say about an early input once it has passed through 50 factors of 0.5?) (b) In section 4,
# change the LSTM's forget-gate bias from +4 to 0 in `memory_model` and rerun $T = 50$. What do you
# expect, and why? (c) Give the tanh RNN ten times the training steps at $T = 20$ and $T = 50$:
# does its step of the staircase move? (d) In section 5, train both models with `num_steps=4`.
# Should the gap between carrying and resetting grow or shrink? (e) Train the LSTM and the GRU of
# the last figure at $T = 200$ only, for the same number of steps
# (`experiments.memory_sweep(["lstm", "gru"], [200], sweep_steps, 200, seed=cfg.seed)`), and then
# for twice as many. What does that say about the mix of gaps? (f) Give the tanh RNN a
# curriculum: train it on gaps from 5 to 10 first, then 5 to 20, 5 to 50, ... up to 5 to 200,
# continuing from the same model (call `experiments.fit_first_symbol` once per range), and test it
# with `experiments.accuracy_by_gap`. Does the vanilla RNN's memory end where the figure says it
# does? What, then, does a vanishing gradient limit: what a network can represent, or what
# training can find?
