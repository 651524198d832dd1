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

# %% [markdown]
# # A1 · RNNs by hand
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/student/A1_rnns_by_hand.ipynb)
#
# *Student version: each exercise raises `NotImplementedError` until you write its body; run the check cell after it to see PASS or what is wrong.*
#
# **Time: about 5 hours. Points: 22** (16 for seven coded exercises, 6 for three written questions).
#
# In this assignment you write a vanilla recurrent network with no help from autograd: one step
# and its backward pass, the loop over a sequence and backpropagation through time built on
# them, the gradient of softmax with cross-entropy (derived, then coded), and a sampler. You check
# each backward pass against finite differences and against autograd, train a character language
# model on *The Time Machine* with your own gradients, and measure how the gradient vanishes or
# explodes with distance. It follows notebooks 03 and 04.
#
# **Learning goals**
#
# - Write the RNN step $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + b)$ and its backward pass from
#   a cache, with batch-first tensors, minding which side each matrix multiplies from.
# - Build backpropagation through time from the step's backward pass; verify a hand-written
#   gradient with a numeric gradient check and with autograd, and read a relative error against
#   its threshold.
# - Derive the gradient of softmax with cross-entropy; train a language model with gradients you
#   computed yourself, beat the unigram baseline, and sample from it.
# - Explain, from the chain rule, why gradients vanish or explode over many steps.
#
# **How the assignment works.** Each exercise is a function whose signature and docstring (with
# the shapes) are given; you write its body in place of `raise NotImplementedError(...)`, whose
# message is a hint. The cell after each exercise checks it and prints `PASS`, or says what is
# wrong: a type, a shape, a value or a gradient (every gradient, each with its relative error and
# where it differs most). Each check calls **only** the function it marks: every other function it
# needs is the course's tested one, so a mistake costs the points of one exercise only. When you
# hand the notebook in, the same questions are asked again on fresh inputs. Written questions are
# answered in the markdown cells that say *Your answer here*. Do not rename the functions or delete
# cells.

# %%
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import math
import matplotlib.pyplot as plt
import torch
from torch import nn
from course_utils import bptt, checks, config, data, text
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg

# %% [markdown]
# ## 1 · One step and its cache
#
# The parameters are a dict of tensors shaped like `torch.nn.Linear`'s weights: `W_xh`
# $(n_h, d)$, `W_hh` $(n_h, n_h)$, `b` $(n_h,)$, and for the output layer `W_hy` $(V, n_h)$ and
# `b_y` $(V,)$ (`bptt.init_params` draws them). Tensors are batch-first: a row is one example,
# so the column-vector formula $W x$ becomes `x @ W.T` on a batch.
#
# ### Exercise 1 · The step forward, with its cache (★☆☆)
#
# **2 points.** Write one step of the RNN and return, beside $h_t$, the *cache*: what the
# backward pass of this step will need, in a dict with exactly the keys the docstring names.

# %% nbgrader={"grade": false, "grade_id": "a1_rnn_step_code", "locked": false, "solution": true}
def rnn_step_forward(x_t, h_prev, params):
    """One RNN step: h_t = tanh(W_xh x_t + W_hh h_{t-1} + b).

    x_t (B, d), h_prev (B, n_h); params["W_xh"] (n_h, d), params["W_hh"] (n_h, n_h), params["b"] (n_h,).
    Returns h_t (B, n_h) and the cache {"x": x_t, "h_prev": h_prev, "h": h_t}.
    """
    # HINT: two matrix products, the bias, then torch.tanh; rows are examples, so W x is x @ W.T
    raise NotImplementedError("Exercise: two matrix products, the bias, then torch.tanh; rows are examples, so W x is x @ W.T")


# %% nbgrader={"grade": true, "grade_id": "a1_rnn_step", "locked": true, "points": 2, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from course_utils import backward, bptt, checks


def check_step(D, n_h, B, gen):
    p = bptt.init_params(D, n_h, 2, generator=gen)
    x = torch.randn(B, D, generator=gen, dtype=torch.float64)  # (B, d)
    h = torch.randn(B, n_h, generator=gen, dtype=torch.float64)  # (B, n_h)
    h_t, cache = rnn_step_forward(x, h, p)
    expected, _ = backward.rnn_step_forward(x, h, p)  # the course's tested step
    a = x @ p["W_xh"].T + h @ p["W_hh"].T  # the pre-activation without the bias
    mistakes = {"leaving out the bias b": torch.tanh(a), "leaving out tanh": a + p["b"]}
    report = [checks.check_close("h_t", h_t, expected, rtol=1e-10, dims=("batch", "unit"), mistakes=mistakes,
                                 hint="Which side does each matrix multiply from? The docstring gives every shape.")]
    if not isinstance(cache, dict) or set(cache) != {"x", "h_prev", "h"}:
        raise checks.CheckFailed(f"the cache must be a dict with the keys ['h', 'h_prev', 'x'], got "
                                 f"{sorted(cache) if isinstance(cache, dict) else type(cache).__name__}")
    for key, value in (("x", x), ("h_prev", h), ("h", expected)):
        report.append(checks.check_close(f"cache['{key}']", cache[key], value, rtol=1e-10))
    return "\n".join(report)


gen = torch.Generator().manual_seed(1)
print(check_step(D=3, n_h=5, B=4, gen=gen))


# %% [markdown]
# ### Exercise 2 · The step backward (★★☆)
#
# **3 points.** Given $\partial L / \partial h_t$ from above and the step's cache, return the
# gradient with respect to everything the step read: $x_t$, $h_{t-1}$, $W_{xh}$, $W_{hh}$, $b$.
# Name the pre-activation $a_t = W_{xh} x_t + W_{hh} h_{t-1} + b$ and go back through
# $h_t = \tanh(a_t)$ first; then each of the three terms of $a_t$. On a batch, a weight's gradient
# sums over the rows. Check every shape against the docstring before you run.

# %% nbgrader={"grade": false, "grade_id": "a1_rnn_step_backward_code", "locked": false, "solution": true}
def rnn_step_backward(dh_t, cache, params):
    """Gradients of one step, given dh_t = dL/dh_t (B, n_h) and the cache of rnn_step_forward.

    Returns a dict: "x" (B, d), "h_prev" (B, n_h), "W_xh" (n_h, d), "W_hh" (n_h, n_h), "b" (n_h,).
    """
    # HINT: tanh'(a_t) = 1 - h_t**2 is in the cache; then one product per term of a_t, on rows
    raise NotImplementedError("Exercise: tanh'(a_t) = 1 - h_t**2 is in the cache; then one product per term of a_t, on rows")


# %% [markdown]
# ### Check: finite differences, then autograd
#
# A **numeric gradient check** perturbs one entry by $\pm\varepsilon$ and measures the change of
# the loss: $(L(\theta + \varepsilon e_i) - L(\theta - \varepsilon e_i)) / 2\varepsilon$
# (`checks.numeric_gradient`). In float64 with $\varepsilon = 10^{-6}$ it is accurate to about
# $10^{-9}$ relative, so a correct backward pass gives a relative error below the threshold
# $10^{-7}$, and a wrong one an error of order 1. Autograd, which differentiates the same forward
# pass exactly, must agree to round-off ($10^{-10}$). The loss is $L = \sum G \odot h_t$ for a
# fixed random $G$, so that $\partial L / \partial h_t = G$. Every gradient is reported, right or
# wrong, before the check fails.

# %% nbgrader={"grade": true, "grade_id": "a1_rnn_step_backward", "locked": true, "points": 3, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from course_utils import backward, bptt, checks


def check_step_backward(D, n_h, B, gen):
    p = bptt.init_params(D, n_h, 2, generator=gen)
    inputs = {"x": torch.randn(B, D, generator=gen, dtype=torch.float64),
              "h_prev": torch.randn(B, n_h, generator=gen, dtype=torch.float64)}
    G = torch.randn(B, n_h, generator=gen, dtype=torch.float64)  # dL/dh_t
    _, cache = backward.rnn_step_forward(inputs["x"], inputs["h_prev"], p)  # the course's cache
    grads = rnn_step_backward(G, cache, p)
    loss = lambda: (G * backward.rnn_step_forward(inputs["x"], inputs["h_prev"], p)[0]).sum()  # noqa: E731
    numeric = {**{k: checks.numeric_gradient(loss, p[k]) for k in ("W_xh", "W_hh", "b")},
               **{k: checks.numeric_gradient(loss, v) for k, v in inputs.items()}}
    report = checks.check_gradients(grads, numeric, 1e-7, "finite differences", checks.rnn_hint)
    leaves = {k: v.clone().requires_grad_() for k, v in {**p, **inputs}.items()}
    (G * backward.rnn_step_forward(leaves["x"], leaves["h_prev"], leaves)[0]).sum().backward()
    auto = {k: leaves[k].grad for k in numeric}
    return report + "\n" + checks.check_gradients(grads, auto, 1e-10, "autograd", checks.rnn_hint)


gen = torch.Generator().manual_seed(2)
print(check_step_backward(D=3, n_h=5, B=4, gen=gen))


# %% [markdown]
# ## 2 · The loop and backpropagation through time
#
# ### Exercise 3 · The forward loop (★☆☆)
#
# **2 points.** Run `rnn_step_forward` over every step of a sequence, from $h_0$ (zeros when none
# is given, in the dtype and on the device of `X`), and apply the output layer
# $y_t = W_{hy} h_t + b_y$ at every step.

# %% nbgrader={"grade": false, "grade_id": "a1_rnn_forward_code", "locked": false, "solution": true}
def rnn_forward(params, X, h0=None):
    """Unroll the RNN over X (B, T, d) from h0 (B, n_h), zeros if None.

    Returns a dict: "X" (B, T, d), "h0" (B, n_h) (the zeros when h0 is None), "H" the states
    h_1..h_T (B, T, n_h) and "Y" the outputs y_t = W_hy h_t + b_y (B, T, V).
    """
    # HINT: h0 defaults to zeros (B, n_h) in X's dtype, on X's device; rnn_step_forward at every step; torch.stack(states, dim=1)
    raise NotImplementedError("Exercise: h0 defaults to zeros (B, n_h) in X's dtype, on X's device; rnn_step_forward at every step; torch.stack(states, dim=1)")


# %% nbgrader={"grade": true, "grade_id": "a1_rnn_forward", "locked": true, "points": 2, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from course_utils import bptt, checks


def check_forward(B, T, D, n_h, O, gen, given=True):
    p = bptt.init_params(D, n_h, O, generator=gen)
    X = torch.randn(B, T, D, generator=gen, dtype=torch.float64)  # (B, T, d)
    h0 = torch.randn(B, n_h, generator=gen, dtype=torch.float64) if given else None  # (B, n_h)
    with checks.references(globals(), "rnn_step_forward"):  # the course's step: this loop is marked alone
        ours = rnn_forward(p, X, h0) if given else rnn_forward(p, X)
    ref = bptt.rnn_forward(p, X, h0)
    start = "cache['h0'], the given state" if given else "cache['h0'] when h0 is None (zeros in X's dtype)"
    return "\n".join([checks.check_close(start, ours["h0"], ref["h0"], rtol=0),
                      checks.check_close("cache['H'], the states", ours["H"], ref["H"], rtol=1e-10,
                                         dims=("batch", "step", "unit")),
                      checks.check_close("cache['Y'], the outputs", ours["Y"], ref["Y"], rtol=1e-10,
                                         dims=("batch", "step", "output"))])


gen = torch.Generator().manual_seed(3)
print(check_forward(4, 6, 3, 5, 2, gen))
print(check_forward(4, 6, 3, 5, 2, gen, given=False))


# %% [markdown]
# ### Exercise 4 · Backpropagation through time (★★★)
#
# Let the loss be summed over steps, $L = \sum_t \ell_t(y_t)$, and let `dY` hold
# $\partial L / \partial y_t$ for every step. State $h_t$ reaches the loss along two paths:
# through its output $y_t$ and through the next state $h_{t+1}$. Walk the steps backwards and
# carry the second path from step $t+1$ to step $t$; each weight is used at every step, so its
# gradient is a sum over steps.
#
# **3 points.** Write the backward pass with your `rnn_step_backward` (rebuild each step's cache
# from the forward cache). Return also $\partial L / \partial h_0$ and, for every step, the total
# $\partial L / \partial h_t$: section 3 reads it.

# %% nbgrader={"grade": false, "grade_id": "a1_rnn_backward_code", "locked": false, "solution": true}
def rnn_backward(params, cache, dY):
    """Gradients of L, given dY = dL/dy_t (B, T, V) and the cache of rnn_forward ("X", "h0", "H").

    Returns a dict with "W_xh" (n_h, d), "W_hh" (n_h, n_h), "b" (n_h,), "W_hy" (V, n_h), "b_y" (V,)
    (each shaped like its parameter), "h0" (B, n_h) = dL/dh_0, and "H" (B, T, n_h) = dL/dh_t,
    the total gradient reaching each state.
    """
    # HINT: t from T-1 down to 0; dL/dh_t = (from y_t) + (carried from t+1); step cache {"x": X[:, t], "h_prev": ..., "h": H[:, t]}
    raise NotImplementedError("Exercise: t from T-1 down to 0; dL/dh_t = (from y_t) + (carried from t+1); step cache {\"x\": X[:, t], \"h_prev\": ..., \"h\": H[:, t]}")


# %% nbgrader={"grade": true, "grade_id": "a1_rnn_backward", "locked": true, "points": 3, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from course_utils import bptt, checks


def check_bptt(B, T, D, n_h, O, gen):
    """rnn_backward alone (the course's forward pass and step backward) against finite differences and autograd."""
    p = bptt.init_params(D, n_h, O, generator=gen)
    X = torch.randn(B, T, D, generator=gen, dtype=torch.float64)  # (B, T, d)
    h0 = torch.randn(B, n_h, generator=gen, dtype=torch.float64)  # (B, n_h)
    G = torch.randn(B, T, O, generator=gen, dtype=torch.float64)  # dL/dY
    with checks.references(globals(), "rnn_step_backward"):
        grads = rnn_backward(p, bptt.rnn_forward(p, X, h0), G)
    loss = lambda: (G * bptt.rnn_forward(p, X, h0)["Y"]).sum()  # noqa: E731
    numeric = {k: checks.numeric_gradient(loss, p[k]) for k in bptt.PARAM_NAMES}
    report = checks.check_gradients(grads, numeric, 1e-7, "finite differences", checks.rnn_hint)
    leaves = {k: v.clone().requires_grad_() for k, v in p.items()}
    h0_leaf = h0.clone().requires_grad_()
    (G * bptt.rnn_forward(leaves, X, h0_leaf)["Y"]).sum().backward()
    auto = {**{k: leaves[k].grad for k in bptt.PARAM_NAMES}, "h0": h0_leaf.grad,
            "H": bptt.rnn_backward(p, bptt.rnn_forward(p, X, h0), G)["H"]}  # dL/dh_t: the course's tested BPTT
    return report + "\n" + checks.check_gradients(grads, auto, 1e-10, "autograd", checks.rnn_hint)


gen = torch.Generator().manual_seed(4)
print(check_bptt(4, 6, 3, 5, 2, gen))


# %% [markdown]
# ## 3 · Vanishing and exploding gradients
#
# How much of the loss at the last step reaches a state $k$ steps earlier? With the loss on the
# last output only, your `rnn_backward` returns $\partial L / \partial h_t$ for every $t$. We
# set $W_{hh} = s\,Q$ with $Q$ a random orthogonal matrix, so every direction is scaled by
# exactly $s$, and feed tiny inputs and no bias, so that over these 40 steps the state stays
# tiny and $\tanh$ in its linear range ($\tanh' \approx 1$), even for $s > 1$.

# %%
def gradient_by_distance(scale, input_scale=1e-6, T=40, n_h=32, D=4):
    """||dL/dh_{T-1-k}|| / ||dL/dh_{T-1}|| for k = 0..T-1, with W_hh = scale * orthogonal."""
    g = torch.Generator().manual_seed(cfg.seed)
    params = bptt.init_params(D, n_h, 1, generator=g)
    Q, _ = torch.linalg.qr(torch.randn(n_h, n_h, generator=g, dtype=torch.float64))  # orthogonal (n_h, n_h)
    params["W_hh"], params["b"] = scale * Q, torch.zeros(n_h, dtype=torch.float64)
    X = input_scale * torch.randn(8, T, D, generator=g, dtype=torch.float64)  # (B, T, d)
    cache = rnn_forward(params, X)
    dY = torch.zeros_like(cache["Y"])  # (B, T, 1)
    dY[:, -1] = 1.0  # the loss reads the last output only
    norms = rnn_backward(params, cache, dY)["H"].norm(dim=(0, 2))  # (T,): ||dL/dh_t||
    return (norms / norms[-1]).flip(0)  # index k: k steps before the last


curves = {s: gradient_by_distance(s) for s in (0.8, 1.0, 1.25)}
saturated = gradient_by_distance(1.25, input_scale=3.0)
fig, ax = plt.subplots(figsize=(7, 3.8))
for s, curve in curves.items():
    ax.semilogy(curve, label=f"s = {s}, small inputs")
ax.semilogy(saturated, ls="--", label="s = 1.25, large inputs (tanh saturates)")
ax.set(xlabel="distance k (steps before the last)", ylabel="relative gradient norm",
       title="The gradient that reaches k steps back")
ax.legend(fontsize=8);

# %%
k = 30
for s, curve in curves.items():
    print(f"s = {s}: gradient at distance {k} is {curve[k]:.2e} of the last step's (s^k = {s ** k:.2e})")
print(f"s = 1.25 with large inputs: {saturated[k]:.2e}")
for s, curve in curves.items():
    assert abs(curve[k] / s ** k - 1) < 0.01, f"expected about s^k = {s ** k:.2e}, got {curve[k]:.2e}"
assert saturated[k] < 1e-2, f"saturating tanh should make the gradient vanish, got {saturated[k]:.2e}"
long_run = gradient_by_distance(1.25, T=101)[100]  # 100 steps back, the same tiny inputs
print(f"s = 1.25 over 100 steps: measured {long_run:.1e}, linear prediction s^100 = {1.25 ** 100:.1e}")
claim("over 100 steps at s = 1.25 the measured gradient is far below the linear prediction s^100 (ratio)",
      long_run / 1.25 ** 100, "<", 0.01)

# %% [markdown]
# **Question 1 (2 points, read by hand).** Over these 40 steps the gradient at distance $k$
# follows $s^k$ closely. Explain why from the backward recursion you wrote. What does the same
# linear argument predict over 100 steps for $s = 0.8$ and for $s = 1.25$? The last line above
# measures the second: why is the measured value far below $1.25^{100}$?

# %% [markdown] nbgrader={"grade": true, "grade_id": "a1_q_vanishing", "locked": false, "points": 2, "solution": true}
# *Your answer here (a few sentences; replace this line).*

# %% [markdown]
# **Question 2 (2 points, read by hand).** With large inputs the same $s = 1.25$ no longer
# explodes. Why? Which remedy helps against an exploding gradient, which against a vanishing
# one, and why does gradient clipping not help with the second?

# %% [markdown] nbgrader={"grade": true, "grade_id": "a1_q_remedies", "locked": false, "points": 2, "solution": true}
# *Your answer here (a few sentences; replace this line).*

# %% [markdown]
# ## 4 · Softmax with cross-entropy
#
# The language model's outputs $y_t$ are the logits $z$ of the next character: one real number
# per character of the vocabulary, $V$ of them.
# With $p = \operatorname{softmax}(z)$, $p_j = e^{z_j} / \sum_k e^{z_k}$, one prediction of the
# target class $c$ costs $\ell = -\log p_c$, and the loss is the mean over all $N = B T$ predictions.
#
# **Question 3 (2 points, read by hand).** Derive $\partial \ell / \partial z_j$ for one
# prediction, for $j = c$ and for $j \ne c$, and write the result as one vector. Then give
# $\partial L / \partial z$ for the mean loss over $N$ predictions. Show the steps (start from
# $\log p_c = z_c - \log \sum_k e^{z_k}$).

# %% [markdown] nbgrader={"grade": true, "grade_id": "a1_q_softmax", "locked": false, "points": 2, "solution": true}
# *Your answer here (a few sentences; replace this line).*

# %% [markdown]
# ### Exercise 5 · The loss and its gradient (★★☆)
#
# **2 points.** Code your result. Compute the loss stably with `torch.log_softmax` (a large
# logit overflows `exp`); return it as a 0-dim tensor, not a Python number (`loss.item()` is for
# printing).

# %% nbgrader={"grade": false, "grade_id": "a1_softmax_code", "locked": false, "solution": true}
def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy of logits (..., V) against integer targets (...), and its gradient.

    Returns (loss, a 0-dim tensor in the logits' dtype; dlogits = dL/dlogits, logits' shape).
    """
    # HINT: flatten to (N, V); log_softmax; pick each row's target; dlogits from your derivation
    raise NotImplementedError("Exercise: flatten to (N, V); log_softmax; pick each row's target; dlogits from your derivation")


# %% nbgrader={"grade": true, "grade_id": "a1_softmax", "locked": true, "points": 2, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from torch import nn
from course_utils import checks


def check_softmax(B, T, V, gen, shift=0.0):
    logits = torch.randn(B, T, V, generator=gen, dtype=torch.float64) * 3 + shift  # (B, T, V)
    targets = torch.randint(0, V, (B, T), generator=gen)  # (B, T)
    loss, dlogits = softmax_cross_entropy(logits, targets)
    leaf = logits.clone().requires_grad_()
    ref = nn.functional.cross_entropy(leaf.reshape(-1, V), targets.reshape(-1))  # mean over B * T
    ref.backward()
    probs = torch.softmax(logits, dim=-1)
    mistakes = {"leaving out the mean's 1/N": leaf.grad * B * T,
                "leaving out the -1 at the target": probs / (B * T)}
    return "\n".join([checks.check_close("loss", loss, ref.detach(), rtol=1e-10),
                      checks.check_close("dL/dlogits", dlogits, leaf.grad, rtol=1e-10,
                                         dims=("batch", "step", "class"), mistakes=mistakes)])


gen = torch.Generator().manual_seed(5)
print(check_softmax(3, 4, 6, gen))


# %% [markdown]
# ## 5 · A character language model, trained with your gradients
#
# The model reads one-hot characters ($d = V$, the vocabulary size) and outputs the logits of the
# next character.
#
# ### Exercise 6 · Loss and gradients of the language model (★☆☆)
#
# **2 points.** Put your pieces together: one-hot inputs, `rnn_forward`, `softmax_cross_entropy`,
# `rnn_backward`. (The check runs it with the course's versions of those three, so it marks
# only how you join them.)

# %% nbgrader={"grade": false, "grade_id": "a1_lm_code", "locked": false, "solution": true}
def lm_loss_and_grads(params, X_ids, Y_ids, vocab_size):
    """Mean next-character cross-entropy and its gradients.

    X_ids, Y_ids (B, T) integer ids; params with W_xh (n_h, V) and W_hy (V, n_h).
    Returns (loss, a 0-dim tensor; grads, the dict of rnn_backward).
    """
    # HINT: one-hot inputs in the params' dtype, then the three functions you wrote, in order
    raise NotImplementedError("Exercise: one-hot inputs in the params' dtype, then the three functions you wrote, in order")


# %% nbgrader={"grade": true, "grade_id": "a1_lm", "locked": true, "points": 2, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from torch import nn
from course_utils import bptt, checks


def check_lm(V, n_h, B, T, gen, rtol=1e-10):
    p = bptt.init_params(V, n_h, V, generator=gen)
    X_ids = torch.randint(0, V, (B, T), generator=gen)
    Y_ids = torch.randint(0, V, (B, T), generator=gen)
    with checks.references(globals(), "rnn_forward", "rnn_backward", "softmax_cross_entropy"):
        loss, grads = lm_loss_and_grads(p, X_ids, Y_ids, V)
    leaves = {k: v.clone().requires_grad_() for k, v in p.items()}
    logits = bptt.rnn_forward(leaves, nn.functional.one_hot(X_ids, V).double())["Y"]
    ref = nn.functional.cross_entropy(logits.reshape(-1, V), Y_ids.reshape(-1))
    ref.backward()
    report = checks.check_close("loss", loss, ref.detach(), rtol)
    auto = {k: leaves[k].grad for k in bptt.PARAM_NAMES}
    return report + "\n" + checks.check_gradients(grads, auto, rtol, "autograd", checks.rnn_hint)


gen = torch.Generator().manual_seed(6)
print(check_lm(V=6, n_h=5, B=3, T=4, gen=gen))

# %% [markdown]
# Now train it on *The Time Machine*, split as Dive into Deep Learning splits it (characters
# 0-9,999 train, the next 5,000 are held out; windows of 32 characters from a zero state). The
# baseline is the **unigram** model, which predicts every character with its training frequency.

# %%
vocab, (X_train, Y_train), (X_valid, Y_valid) = text.d2l_time_machine(data.load_time_machine(),
                                                                      num_steps=32)
V = len(vocab)
counts = torch.bincount(Y_train[:, -1], minlength=V).double() + 1  # each training character once
unigram_ppl = math.exp(-counts.div(counts.sum()).log()[Y_valid.reshape(-1)].mean().item())
print(f"vocabulary {V} characters, {len(X_train)} training windows, {len(X_valid)} held out; "
      f"unigram perplexity {unigram_ppl:.2f}")

# %% [markdown]
# Before training, the whole chain you wrote (every function of sections 1-5 together) is held
# to autograd on four real training windows in float64: a gradient that does not flow through
# time fails here, whatever the perplexity below would say.

# %%
lm_gen = torch.Generator().manual_seed(cfg.seed)
lm_params = bptt.init_params(V, 64, V, scale=1.0, generator=lm_gen, dtype=torch.float32)
p64 = {k: v.double() for k, v in lm_params.items()}
_, chain_grads = lm_loss_and_grads(p64, X_train[:4], Y_train[:4], V)  # your functions only
leaves = {k: v.clone().requires_grad_() for k, v in p64.items()}
logits = bptt.rnn_forward(leaves, nn.functional.one_hot(X_train[:4], V).double())["Y"]
nn.functional.cross_entropy(logits.reshape(-1, V), Y_train[:4].reshape(-1)).backward()
print(checks.check_gradients(chain_grads, {k: leaves[k].grad for k in bptt.PARAM_NAMES}, 1e-8,
                             "autograd, on real windows", checks.rnn_hint))

# %% [markdown]
# The loop below is Adam on your gradients, with the gradient's global norm clipped at 1.

# %%
lm_params = {name: p.to(cfg.device) for name, p in lm_params.items()}
optimizer = torch.optim.Adam(list(lm_params.values()), lr=1e-2)
lm_steps = cfg.pick(smoke=10, class_=300, full=600)
batches = iter(())
for _ in range(lm_steps):
    X_b, Y_b = next(batches, (None, None))
    if X_b is None:  # a new epoch of shuffled windows
        batches = text.random_batches(X_train, Y_train, 32, generator=lm_gen)
        X_b, Y_b = next(batches)
    loss, grads = lm_loss_and_grads(lm_params, X_b.to(cfg.device), Y_b.to(cfg.device), V)
    for name, p in lm_params.items():
        p.grad = grads[name]
    nn.utils.clip_grad_norm_(list(lm_params.values()), 1.0)
    optimizer.step()
with torch.no_grad():
    valid_loss, _ = lm_loss_and_grads(lm_params, X_valid.to(cfg.device), Y_valid.to(cfg.device), V)
valid_ppl = math.exp(valid_loss.item())
print(f"after {lm_steps} steps: training loss {loss.item():.2f}, held-out perplexity "
      f"{valid_ppl:.2f} (unigram {unigram_ppl:.2f})")
claim("your model trained with your gradients beats the unigram model (held-out perplexity ratio)",
      valid_ppl / unigram_ppl, "<", 0.6)

# %% [markdown]
# ### Exercise 7 · A sampler (★★☆)
#
# **2 points.** Generate text one character at a time: feed the prefix through `rnn_step_forward`
# from a zero state, then repeatedly turn the last output into probabilities
# $\operatorname{softmax}(y_t / \tau)$ at temperature $\tau$, draw the next character, and feed it
# back in. So that a seed gives the same text on any machine and device, draw exactly as the
# docstring says: on the CPU, with the CPU generator you are given, feeding each draw back in on
# the parameters' device.

# %% nbgrader={"grade": false, "grade_id": "a1_sample_code", "locked": false, "solution": true}
def sample(params, prefix_ids, num_chars, temperature, generator):
    """Feed prefix_ids (a list of ids) from a zero state (1, n_h), then draw num_chars ids.

    Each id: torch.multinomial(probs, 1, generator=generator), probs = softmax(y / temperature)
    moved to the CPU (V,), beside the CPU generator; y the output after the last id fed. Returns
    the list of the num_chars drawn ids (Python ints).
    """
    # HINT: one-hot (1, V) inputs in the params' dtype, on their device; draw after the prefix's last id, then feed each draw
    raise NotImplementedError("Exercise: one-hot (1, V) inputs in the params' dtype, on their device; draw after the prefix's last id, then feed each draw")


# %% nbgrader={"grade": true, "grade_id": "a1_sample", "locked": true, "points": 2, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from course_utils import backward, bptt, checks


def check_sample(V, n_h, prefix, num_chars, temperature, seed):
    p = bptt.init_params(V, n_h, V, scale=2.0, generator=torch.Generator().manual_seed(seed))
    with checks.references(globals(), "rnn_step_forward"), torch.no_grad():
        ours = sample(p, prefix, num_chars, temperature, torch.Generator().manual_seed(seed))
    expected = backward.sample(p, prefix, num_chars, temperature, torch.Generator().manual_seed(seed))
    if not isinstance(ours, list) or not all(isinstance(i, int) for i in ours):
        raise checks.CheckFailed(f"sample: expected a list of Python ints, got {checks._describe(ours)}"
                                 + (f" of {sorted({type(i).__name__ for i in ours})}" if isinstance(ours, list) else ""))
    if ours != expected:
        first = next((i for i, (a, b) in enumerate(zip(ours, expected)) if a != b), min(len(ours), len(expected)))
        raise checks.CheckFailed(f"sample: {len(ours)} ids, expected {len(expected)}; they first differ at draw "
                                 f"{first}: expected {expected[first:first + 5]}, got {ours[first:first + 5]}. "
                                 f"Is the first draw made from the output after the prefix's LAST id, and "
                                 f"the temperature dividing the logits?")
    return f"PASS: sample, {len(ours)} ids equal the course's sampler's with the same seed"


print(check_sample(V=7, n_h=6, prefix=[1, 4, 2], num_chars=20, temperature=0.8, seed=7))

# %% [markdown]
# Your model, sampled with your sampler on `cfg.device`:

# %%
with torch.no_grad():
    prefix = "the time traveller "
    ids = sample(lm_params, vocab.encode(list(prefix)), 80, 0.8,
                 torch.Generator().manual_seed(cfg.seed))  # on the CPU, where the draws are made
print(prefix + "".join(vocab.idx_to_token[i] for i in ids))

# %% [markdown]
# ## Summary
#
# - One RNN step is two matrix products and a $\tanh$; its backward pass goes back through
#   $\tanh' = 1 - h_t^2$ (kept in the cache) to one product per term.
# - Backpropagation through time is the step's backward pass run from the last step to the first,
#   carrying $\partial L / \partial h_t$; every weight's gradient is a sum over steps. A numeric
#   gradient check (relative error below $10^{-7}$ in float64) and autograd (round-off) confirm it.
# - Softmax with cross-entropy has the gradient $(p - \operatorname{onehot}(c)) / N$; with it your
#   gradients train a character language model well below the unigram perplexity.
# - Each step back multiplies the gradient by $W_{hh}^\top \operatorname{diag}(\tanh')$: it
#   shrinks or grows geometrically with distance until tanh saturates. Clipping tames the growth;
#   the shrinking needs gates, which assignment A2 builds.
