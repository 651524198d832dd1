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
# # 03 · Recurrent neural networks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/03_rnn.ipynb)
#
# **Learning goals**
#
# - State the recurrence $h_t = f_W(h_{t-1}, x_t)$: one function, with one set of parameters,
#   applied at every time step.
# - Write a vanilla RNN from scratch as a *cell* (one step) and a *loop* (all steps), and prove
#   that it computes exactly what `torch.nn.RNN` computes: the same outputs and the same gradients.
# - Read the tensor shapes of one-to-one, many-to-one and many-to-many models off real data.
# - Write a character-level language model, its training loop and its sampler; train it on
#   Shakespeare and judge it by held-out perplexity against a uniform and a unigram baseline.
# - Sample text from it, and measure what the sampling *temperature* does.
# - Set the result beside a published curve: Dive into Deep Learning's RNN on The Time Machine.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import copy
import itertools
import math
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn
from course_utils import cells, config, data, metrics, models, plotting, results, tasks, text, training
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · One function, applied at every step
#
# Notebook 02 asked four things of a sequence model: handle any length, keep the order, share
# parameters across positions, and carry information from far back. A recurrent network answers
# with one idea. Reading $x_1, x_2, \dots, x_T$ one element at a time, it keeps a **hidden
# state** $h_t$, a vector that summarises what it has read so far, and updates it with each new
# input:
#
# $$h_t = f_W(h_{t-1}, x_t).$$
#
# The lecture: "Apply a recurrence relation at every time step to process a sequence", and
# "Note: the same function and set of parameters are used at every time step". (Where the slide
# labels $h_t$ "cell state", read *hidden state*: in this course, as in the LSTM of notebook 05,
# the cell state is a second vector, $C_t$, that only gated cells have.)
#
# The key word is *same*: the same function $f$ with the same parameters $W$ is used at step 1,
# step 2 and step 1,000. So the number of parameters does not grow with the length of the
# sequence, and whatever the network learns about reading a character at one position it can use
# at every position. The **vanilla** (Elman) RNN picks the simplest such $f$, an affine map and a
# $\tanh$, and reads an output off the state with one more matrix:
#
# $$h_t = \tanh(W_{hh}\, h_{t-1} + W_{xh}\, x_t + b), \qquad y_t = W_{hy}\, h_t .$$
#
# Drawn *folded*, it is one box with a loop; *unrolled* across time, it is a deep feed-forward
# network with one layer per time step, every layer sharing the weights $W_{xh}, W_{hh}, W_{hy}$.

# %% slideshow={"slide_type": "subslide"}
plotting.unrolled_rnn(num_steps=4);

# %% [markdown] slideshow={"slide_type": "-"}
# We split the code the way the picture splits: a **cell** computes one step, and a separate
# **loop** applies it over time. The equations are written for one column vector; a batch holds
# $B$ of them as *rows*, so $W h$ becomes `h @ W.T`. Shapes: inputs $d$, hidden state $n_h$,
# outputs $O$.

# %% slideshow={"slide_type": "subslide"}
class RNNCell(nn.Module):
    """One time step h_t = tanh(W_hh h_{t-1} + W_xh x_t + b), and the readout y_t = W_hy h_t.

    ``cell(x_t, state) -> (h_t, new_state)``, the interface of every cell in the course; for the
    vanilla RNN the state is h_t itself. ``cell.readout(h_t)`` gives y_t.
    """

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = hidden_size ** -0.5  # PyTorch's initialisation: uniform in (-1/sqrt(n_h), 1/sqrt(n_h))
        self.W_xh = nn.Parameter(torch.empty(hidden_size, input_size).uniform_(-k, k))  # (n_h, d)
        self.W_hh = nn.Parameter(torch.empty(hidden_size, hidden_size).uniform_(-k, k))  # (n_h, n_h)
        self.b = nn.Parameter(torch.zeros(hidden_size))  # (n_h,)
        self.W_hy = nn.Parameter(torch.empty(output_size, hidden_size).uniform_(-k, k))  # (O, n_h)

    def forward(self, x_t, state):  # x_t (B, d), state = h_{t-1} (B, n_h)
        h_t = torch.tanh(state @ self.W_hh.T + x_t @ self.W_xh.T + self.b)  # (B, n_h)
        return h_t, h_t  # the step's output and the new state: both h_t here

    def readout(self, h_t):  # h_t (B, n_h)
        return h_t @ self.W_hy.T  # y_t (B, O)


# %% [markdown] slideshow={"slide_type": "subslide"}
# The loop starts from $h_0 = 0$ (or a state it is given), feeds each step's state into the next
# step, and collects what every step produced.

# %% slideshow={"slide_type": "-"}
def unroll(cell, X, h=None):
    """Apply `cell` at every step of X (B, T, d); return outputs (B, T, O) and states (B, T, n_h)."""
    B, T, _ = X.shape
    if h is None:
        h = torch.zeros(B, cell.hidden_size, dtype=X.dtype, device=X.device)  # h_0: (B, n_h)
    ys, hs = [], []
    for t in range(T):  # the same cell, with the same weights, at every step
        h_t, h = cell(X[:, t], h)  # (B, n_h), (B, n_h)
        hs.append(h_t)
        ys.append(cell.readout(h_t))  # (B, O)
    return torch.stack(ys, dim=1), torch.stack(hs, dim=1)  # (B, T, O), (B, T, n_h)


# %% [markdown] slideshow={"slide_type": "-"}
# The same five-input, eight-unit cell reads a sequence of 6 steps or of 600: the parameter count
# is fixed by $d$, $n_h$ and $O$ alone.

# %% slideshow={"slide_type": "subslide"}
cell = RNNCell(input_size=5, hidden_size=8, output_size=3)
num_params = sum(p.numel() for p in cell.parameters())  # n_h*d + n_h*n_h + n_h + O*n_h
for T in (6, 600):
    ys, hs = unroll(cell, torch.randn(2, T, 5))  # X: (B=2, T, d=5)
    print(f"T = {T:3d}: outputs {tuple(ys.shape)}, states {tuple(hs.shape)}, parameters {num_params}")
assert num_params == 8 * 5 + 8 * 8 + 8 + 3 * 8, num_params

# %% [markdown] slideshow={"slide_type": "-"}
# And unlike notebook 02's bag of words, the state depends on the order. *"good, not bad"* and
# *"bad, not good"* contain exactly the same characters, so any bag (of characters or of words)
# gives them the same vector; read one character at a time, they leave the cell in different
# states, even before any training.

# %% slideshow={"slide_type": "subslide"}
pair = ["good, not bad", "bad, not good"]
pair_vocab = text.Vocab(text.tokenize(pair[0], "char"))
pair_ids = torch.tensor([pair_vocab.encode(s) for s in pair])  # (2, 13)
X_pair = nn.functional.one_hot(pair_ids, len(pair_vocab)).float()  # (2, 13, V)
_, hs = unroll(RNNCell(len(pair_vocab), 8, 3), X_pair)  # (2, 13, 8)
state_gap = (hs[0, -1] - hs[1, -1]).norm().item()
print(f"same bag of characters: {X_pair[0].sum(0).equal(X_pair[1].sum(0))}; "
      f"distance between the final states: {state_gap:.3f}")
assert X_pair[0].sum(0).equal(X_pair[1].sum(0))
claim("an untrained cell ends in different states for 'good, not bad' and 'bad, not good' (distance)",
      state_gap, ">", 1e-3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Check: exactly what `torch.nn.RNN` computes
#
# PyTorch's `nn.RNN` computes $h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$. It
# has two bias vectors where we have one (only their sum $b = b_{ih} + b_{hh}$ matters, so one is
# redundant), and no output matrix: it returns the states $h_t$, and any readout is a separate
# layer. We copy its weights into our cell, add a bias-free `nn.Linear` as $W_{hy}$, and compare
# the two on the same inputs and a non-zero initial state. In double precision the two should agree
# to about $10^{-12}$: values **and** gradients with respect to the inputs and every weight. If
# our cell or loop had any mistake (a transposed matrix, a state passed one step late, the bias
# counted twice), these asserts would fail.

# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
B, T, d, n_h, O = 4, 7, 5, 8, 3
ref_rnn = nn.RNN(d, n_h, batch_first=True).double()
ref_head = nn.Linear(n_h, O, bias=False).double()  # plays W_hy
ours = RNNCell(d, n_h, O).double()
with torch.no_grad():
    ours.W_xh.copy_(ref_rnn.weight_ih_l0)
    ours.W_hh.copy_(ref_rnn.weight_hh_l0)
    ours.b.copy_(ref_rnn.bias_ih_l0 + ref_rnn.bias_hh_l0)
    ours.W_hy.copy_(ref_head.weight)

X = torch.randn(B, T, d, dtype=torch.float64)  # (B, T, d)
h0 = torch.randn(B, n_h, dtype=torch.float64)  # (B, n_h)
weights = torch.randn(B, T, O, dtype=torch.float64)  # a random scalar loss: sum(weights * y)
X_ours, X_ref = X.clone().requires_grad_(), X.clone().requires_grad_()

ys_ours, hs_ours = unroll(ours, X_ours, h0)  # (B, T, O), (B, T, n_h)
hs_ref, h_last_ref = ref_rnn(X_ref, h0.unsqueeze(0))  # (B, T, n_h), (1, B, n_h)
ys_ref = ref_head(hs_ref)  # (B, T, O)
(weights * ys_ours).sum().backward()
(weights * ys_ref).sum().backward()

# %% slideshow={"slide_type": "subslide"}
tight = dict(rtol=1e-12, atol=1e-12)
torch.testing.assert_close(hs_ours, hs_ref, **tight)  # every hidden state
torch.testing.assert_close(hs_ours[:, -1], h_last_ref[0], **tight)  # the final state
torch.testing.assert_close(ys_ours, ys_ref, **tight)  # every output
torch.testing.assert_close(X_ours.grad, X_ref.grad, **tight)  # dL/dx_t
for name, ours_grad, ref_grad in [("W_xh", ours.W_xh.grad, ref_rnn.weight_ih_l0.grad),
                                  ("W_hh", ours.W_hh.grad, ref_rnn.weight_hh_l0.grad),
                                  ("b", ours.b.grad, ref_rnn.bias_ih_l0.grad),
                                  ("W_hy", ours.W_hy.grad, ref_head.weight.grad)]:
    torch.testing.assert_close(ours_grad, ref_grad, **tight, msg=f"gradient of {name} differs")
gap = max((a - b).abs().max().item() for a, b in [(ys_ours, ys_ref), (X_ours.grad, X_ref.grad)])
print(f"outputs and gradients agree with torch.nn.RNN; largest difference {gap:.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The gradient of $b$ equals the gradient of PyTorch's $b_{ih}$ (and of $b_{hh}$): both enter the
# sum in the same place, which is why one bias would do.
#
# Later notebooks do not copy this cell around: they use the tested one in `course_utils.cells`
# (`cells.RNNCell`, one step, and `cells.Unrolled`, the loop shared by the RNN, LSTM and GRU
# cells). It returns the states; the readout $W_{hy}$ is the model's job. Loaded with the same
# weights, it must give the same states and the same gradients as the cell we just wrote.

# %% slideshow={"slide_type": "-"}
lib_cell = cells.copy_from_torch(cells.RNNCell(d, n_h).double(), ref_rnn)
X_lib = X.clone().requires_grad_()
hs_lib, h_last_lib = cells.Unrolled(lib_cell)(X_lib, h0)  # (B, T, n_h), (B, n_h)
(weights * ref_head(hs_lib)).sum().backward()
torch.testing.assert_close(hs_lib, hs_ours, **tight)
torch.testing.assert_close(h_last_lib, hs_ours[:, -1], **tight)
torch.testing.assert_close(X_lib.grad, X_ours.grad, **tight)
print("course_utils.cells.RNNCell + Unrolled agree with the cell and loop written above")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Shapes: one-to-one, many-to-one, many-to-many
#
# The same cell serves different tasks depending on which inputs we feed and which outputs we
# keep:
#
# | pattern | example | input | output |
# |---|---|---|---|
# | one-to-one | classify one item (no sequence at all) | $(B, 1, d)$ | $(B, O)$ |
# | many-to-one | sentiment of a review: read it all, answer once | $(B, T, d)$ | $(B, C)$: the last step's output |
# | many-to-many | predict the next character at every step | $(B, T, d)$ | $(B, T, O)$: every step's output |
#
# (One-to-many, generating a sequence from a start, appears in section 5; many-to-many with
# different input and output lengths, translation, needs an encoder and a decoder and comes later
# in the course.) Let us see the shapes on real data: the first 32 characters of four Yelp
# reviews, each character a one-hot vector.

# %% slideshow={"slide_type": "subslide"}
reviews = [(s, y) for s, y in data.load_sentiment_sentences("yelp") if len(s) >= 32][:4]
review_vocab = text.Vocab(text.tokenize("".join(s for s, _ in reviews), "char"))
V = len(review_vocab)
ids = torch.tensor([review_vocab.encode(s[:32]) for s, _ in reviews])  # (B, T) = (4, 32)
X_reviews = nn.functional.one_hot(ids, V).float()  # (B, T, V)
labels = torch.tensor([y for _, y in reviews])  # (B,): 1 positive, 0 negative
for s, y in reviews:
    print(f"{y}  {s[:32]!r}...")
print(f"token ids {tuple(ids.shape)} -> one-hot inputs {tuple(X_reviews.shape)}, labels {tuple(labels.shape)}")

# %% [markdown] slideshow={"slide_type": "-"}
# **Many-to-one** (sentiment-like): read all 32 characters and keep only the *last* output, two
# logits per review. Untrained, its cross-entropy is near $\ln 2 \approx 0.69$, a coin flip.
# **Many-to-many**: keep every step's output, $V$ logits per character, and score step $t$
# against the character at $t+1$ (the targets are the inputs shifted by one).

# %% slideshow={"slide_type": "subslide"}
sentiment_cell = RNNCell(V, 16, 2)
ys, hs = unroll(sentiment_cell, X_reviews)  # (B, T, 2), (B, T, 16)
logits = ys[:, -1]  # (B, 2): many-to-one reads out the last step
print(f"many-to-one:  states {tuple(hs.shape)} -> last output {tuple(logits.shape)}, "
      f"loss {nn.functional.cross_entropy(logits, labels):.3f}")

next_char_cell = RNNCell(V, 16, V)
ys, hs = unroll(next_char_cell, X_reviews)  # (B, T, V), (B, T, 16)
step_logits, targets = ys[:, :-1], ids[:, 1:]  # (B, T-1, V), (B, T-1): predict x_{t+1}
loss = nn.functional.cross_entropy(step_logits.reshape(-1, V), targets.reshape(-1))
print(f"many-to-many: states {tuple(hs.shape)} -> every output {tuple(ys.shape)}, "
      f"targets {tuple(targets.shape)}, loss {loss:.3f} (ln V = {torch.tensor(V).log():.3f})")

# %% [markdown] slideshow={"slide_type": "-"}
# **One-to-one** is a sequence of length 1. With $h_0 = 0$ the recurrent term vanishes, and the
# RNN is exactly a one-hidden-layer perceptron, $y = W_{hy} \tanh(W_{xh} x + b)$:

# %% slideshow={"slide_type": "subslide"}
x_first = X_reviews[:, :1]  # (B, 1, V): only the first character
ys, _ = unroll(sentiment_cell, x_first)  # (B, 1, 2)
mlp = torch.tanh(x_first[:, 0] @ sentiment_cell.W_xh.T + sentiment_cell.b) @ sentiment_cell.W_hy.T  # (B, 2)
torch.testing.assert_close(ys[:, 0], mlp)
print(f"one-to-one:   input {tuple(x_first.shape)} -> output {tuple(ys[:, 0].shape)}, "
      f"identical to a one-hidden-layer perceptron")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · A character-level language model on Tiny Shakespeare
#
# A **language model** gives a probability to every possible next character given all the
# previous ones, $p(x_{t+1} \mid x_1, \dots, x_t)$. It is the many-to-many pattern: at each step
# the output is a vector of $V$ logits, trained with cross-entropy against the character that
# actually comes next. Three units describe that loss, defined here once for the whole course:
#
# - **nats** per character: the mean cross-entropy $-\frac{1}{N}\sum \ln p(\text{true next char})$,
#   computed with the natural log, as PyTorch does;
# - **bits per character** (bpc): the same in base 2, nats divided by $\ln 2$;
# - **perplexity**: $e^{\text{nats}}$, the number of equally likely characters the model is, on
#   average, choosing between. A uniform guess over $V$ characters has perplexity $V$.
#
# The model is judged on text it never trained on, against two baselines: **uniform** (every
# character equally likely) and **unigram** (each character with its frequency in the training
# text, ignoring all context).
#
# Tiny Shakespeare is about 1.1 million characters of Shakespeare's plays. We train on the first
# 90% and hold out the last 10%, in one piece, so no held-out line was ever seen in training. The
# text is cut into windows of 64 characters; the target window is the input shifted by one.

# %% slideshow={"slide_type": "subslide"}
corpus = data.load_tiny_shakespeare()
chars = text.tokenize(corpus, "char")
vocab = text.Vocab(chars)  # <unk> + the 65 distinct characters
corpus_ids = torch.tensor(vocab.encode(chars))  # (N,)
train_ids, valid_ids = text.split_ids(corpus_ids, valid_fraction=0.1)  # first 90% / last 10%
num_steps, batch_size = 64, 32
X_train, Y_train = text.lm_windows(train_ids, num_steps)  # (N_train, 64) each
X_valid, Y_valid = text.lm_windows(valid_ids, num_steps)  # (N_valid, 64) each
print(f"{len(corpus):,} characters, vocabulary of {len(vocab)}; "
      f"{len(X_train):,} training and {len(X_valid):,} held-out windows of {num_steps}")
print("input :", repr("".join(vocab.decode(X_train[1, :40]))))
print("target:", repr("".join(vocab.decode(Y_train[1, :40]))))

# %% [markdown] slideshow={"slide_type": "-"}
# The baselines, scored on exactly the held-out targets the model will be scored on (the unigram
# counts get one extra count per character, so nothing has probability zero):

# %% slideshow={"slide_type": "subslide"}
uniform_ppl = len(vocab)
counts = torch.bincount(train_ids, minlength=len(vocab)).double() + 1  # (V,) add-one smoothing
unigram_logp = (counts / counts.sum()).log()  # (V,)
unigram_ppl = metrics.perplexity(-unigram_logp[Y_valid.reshape(-1)].mean().item())
print(f"held-out perplexity: uniform {uniform_ppl}, unigram {unigram_ppl:.1f}")

# %% [markdown] slideshow={"slide_type": "-"}
# The model, written out: an **embedding** (a learned vector per character; the same as a one-hot
# vector times a matrix, without building the one-hot), the vanilla RNN layer, and a linear layer
# that plays $W_{hy}$. The RNN layer is PyTorch's `nn.RNN`, which section 2 proved computes what
# our cell and loop compute, with the time loop in compiled code.

# %% slideshow={"slide_type": "subslide"}
class CharRNN(nn.Module):
    """Character ids (B, T) -> embedding (B, T, E) -> vanilla RNN (B, T, n_h) -> logits (B, T, V)."""

    def __init__(self, vocab_size, hidden_size, embed_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)  # (V, E): row i = one_hot(i) @ E
        self.rnn = nn.RNN(embed_size, hidden_size, batch_first=True)  # section 2's cell and loop
        self.head = nn.Linear(hidden_size, vocab_size)  # W_hy (with a bias): (V, n_h)

    def forward(self, X, h=None):  # X (B, T) ids; h (1, B, n_h), or None for h_0 = 0
        e = self.embedding(X)  # (B, T, E)
        hs, h = self.rnn(e, h)  # every state (B, T, n_h), the last one (1, B, n_h)
        return self.head(hs), h  # logits (B, T, V), the state to carry on from


# %% [markdown] slideshow={"slide_type": "-"}
# The course's tested version is `models.LanguageModel(kind="rnn")`. Loaded with the same weights,
# it must give the same logits. Before training, either should be about as unsure as the uniform
# guess; if it were much worse, something would be off (Karpathy's "check the loss at
# initialisation").

# %% slideshow={"slide_type": "subslide"}
hidden_size = cfg.pick(smoke=64, class_=256, full=512)
lm = models.LanguageModel(len(vocab), kind="rnn", hidden_size=hidden_size, embed_size=64).to(cfg.device)
char_rnn = CharRNN(len(vocab), hidden_size, embed_size=64).to(cfg.device)
char_rnn.load_state_dict({k.replace("rnn.impl.", "rnn."): v for k, v in lm.state_dict().items()})
X_check = X_valid[:4].to(cfg.device)  # (4, 64)
torch.testing.assert_close(char_rnn(X_check)[0], lm(X_check)[0])  # logits (4, 64, V)
initial_ppl = metrics.evaluate_lm(lm, X_valid[:256], Y_valid[:256])["perplexity"]
print(f"CharRNN and models.LanguageModel give the same logits; {sum(p.numel() for p in lm.parameters()):,} "
      f"parameters; untrained perplexity {initial_ppl:.1f} vs uniform {uniform_ppl}")
claim("before training, the perplexity is above 0.7x the uniform guess's (ratio)",
      initial_ppl / uniform_ppl, ">", 0.7)
claim("before training, the perplexity is below 1.5x the uniform guess's (ratio)",
      initial_ppl / uniform_ppl, "<", 1.5)

# %% [markdown] slideshow={"slide_type": "-"}
# The training loop, written out: take a batch of windows, run the model from a zero state,
# score every step's logits against the next character, backpropagate, **clip** the gradient's
# norm at 1 (notebook 04 shows why RNNs need this), and let Adam take a step. The learning rate
# decays along a cosine to zero over the run.

# %% slideshow={"slide_type": "subslide"}
def train(model, batches, steps, lr, clip=1.0):
    """Adam with a cosine-decaying learning rate and gradient clipping; returns the losses (nats/char)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)  # lr -> 0 at the end
    losses = []
    for X, Y in itertools.islice(batches, steps):  # X, Y (B, T): Y is X shifted by one
        X, Y = X.to(cfg.device), Y.to(cfg.device)
        logits, _ = model(X)  # (B, T, V), each window read from h_0 = 0
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)  # rescale the gradient if its norm > clip
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    return losses


# %% [markdown] slideshow={"slide_type": "-"}
# The long runs below use the tested `training.fit`, which does the same and also evaluates along
# the way. Same starting weights, same batches: the same losses, step by step.

# %% slideshow={"slide_type": "subslide"}
check_batches = list(itertools.islice(text.random_batches(
    X_train, Y_train, batch_size, generator=torch.Generator().manual_seed(cfg.seed)), 5))
fit_copy = copy.deepcopy(lm)  # the package's model, with char_rnn's starting weights
fit_losses = training.fit(fit_copy, check_batches, models.lm_loss, steps=5, lr=5e-3, clip=1.0,
                          schedule="cosine", progress=False).train_loss
# five steps (fit takes fewer in a dry run at full scale: the same number for both)
our_losses = train(char_rnn, iter(check_batches), steps=len(fit_losses), lr=5e-3)
torch.testing.assert_close(torch.tensor(our_losses), torch.tensor(fit_losses))
torch.testing.assert_close(char_rnn(X_check)[0], fit_copy(X_check)[0])  # and the same weights after
print("train() and training.fit agree:", " ".join(f"{loss:.4f}" for loss in our_losses))

# %% [markdown] slideshow={"slide_type": "-"}
# Now the real run: random batches of 32 windows, the held-out perplexity measured five times.

# %% slideshow={"slide_type": "subslide"}
steps = cfg.pick(smoke=30, class_=500, full=6000)
history = training.fit(
    lm, lambda: text.random_batches(X_train, Y_train, batch_size), models.lm_loss,
    steps=steps, lr=5e-3, clip=1.0, schedule="cosine",
    evaluate=lambda m: metrics.evaluate_lm(m, X_valid, Y_valid), eval_every=max(1, steps // 5),
    desc="char-RNN on Shakespeare")
rnn_ppl = history.last("perplexity")
rnn_bpc = history.last("loss") / math.log(2)
print(f"{steps} steps in {history.seconds:.0f} s; held-out loss {history.last('loss'):.3f} nats "
      f"= {rnn_bpc:.2f} bits per character, perplexity {rnn_ppl:.2f}")
print(f"  vs unigram {unigram_ppl:.1f} ({unigram_ppl / rnn_ppl:.1f}x higher) "
      f"and uniform {uniform_ppl} ({uniform_ppl / rnn_ppl:.1f}x higher)")
results.record("Tiny Shakespeare held-out loss, char-RNN", history.last("loss"), better="lower", unit="nats/char")
results.record("Tiny Shakespeare held-out perplexity, char-RNN", rnn_ppl, better="lower")
results.record("Tiny Shakespeare held-out perplexity, unigram (floor)", unigram_ppl, better="lower")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Context pays. Knowing only how common each character is, the unigram model is as unsure as a
# choice among as many equally likely characters as its perplexity; the RNN, having read what came
# before, narrows that to its own perplexity (both printed above). The claims below hold it to
# at least 4 times lower than the unigram model and 10 times lower than the uniform guess.

# %% slideshow={"slide_type": "-"}
claim("the char-RNN's perplexity is over 4x lower than the unigram model's (ratio)",
      rnn_ppl / unigram_ppl, "<", 0.25)
claim("the char-RNN's perplexity is over 10x lower than the uniform guess's (ratio)",
      rnn_ppl / uniform_ppl, "<", 0.1)

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.loss_curves({"vanilla RNN": history}, metric="perplexity",
                           title="Character-level RNN on Tiny Shakespeare", loss_unit="nats/char")
fig.axes[1].axhline(unigram_ppl, ls="--", color="gray", label="unigram baseline")
fig.axes[1].axhline(uniform_ppl, ls=":", color="black", label="uniform baseline")
fig.axes[1].set_yscale("log")
fig.axes[1].set_yticks([4, 8, 16, 32, 64], labels=["4", "8", "16", "32", "64"], minor=False)
fig.axes[1].minorticks_off()
fig.axes[1].legend();

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Sampling text, and what the temperature does
#
# To *generate* (one-to-many), give the model a prefix, sample a character from its predicted
# distribution, feed that character back in as the next input, and repeat.
#
# The **temperature** $\tau$ divides the logits before the softmax:
# $p_i(\tau) \propto \exp(z_i / \tau)$. At $\tau = 1$ we sample from the model's own distribution.
# Below 1 the distribution sharpens toward the most likely character (at $\tau \to 0$ it always
# takes the top one); above 1 it flattens toward uniform. Here is the model's distribution over
# the character after `"ROMEO:\nWhat is th"` at three temperatures:

# %% slideshow={"slide_type": "subslide"}
prompt = "ROMEO:\nWhat is th"
lm.eval()
with torch.no_grad():
    last_logits = lm(torch.tensor([vocab.encode(prompt)], device=cfg.device))[0][0, -1].cpu()  # (V,)
top = last_logits.topk(8).indices  # the 8 most likely next characters
fig, ax = plt.subplots(figsize=(7, 3.2))
for i, tau in enumerate((0.5, 1.0, 1.5)):
    probs = torch.softmax(last_logits / tau, dim=-1)  # (V,)
    ax.bar(torch.arange(8) + (i - 1) * 0.27, probs[top], width=0.27, label=f"τ = {tau}")
ax.set_xticks(range(8), [{" ": "space", "\n": "newline"}.get(c, c) for c in vocab.decode(top)])
ax.set(xlabel="next character", ylabel="probability",
       title=f"Next character after '{prompt.replace(chr(10), ' / ')}'  (/ is a newline)")
ax.legend();

# %% [markdown] slideshow={"slide_type": "subslide"}
# The sampling loop, written out: run the prefix through the model, then repeatedly divide the
# last logits by $\tau$, draw a character from the softmax, and feed it back in as the next
# input, carrying the state, so each step costs one cell update.

# %% slideshow={"slide_type": "-"}
@torch.no_grad()
def sample_text(model, prefix, num_chars, temperature=1.0, generator=None):
    """Continue `prefix` by `num_chars` characters, each sampled at `temperature` and fed back in."""
    model.eval()
    ids = torch.tensor([vocab.encode(list(prefix))], device=cfg.device)  # (1, P)
    logits, h = model(ids)  # (1, P, V); h has read the prefix
    chosen = []
    for _ in range(num_chars):
        probs = torch.softmax(logits[:, -1].cpu() / temperature, dim=-1)  # (1, V): tau divides the logits
        next_id = torch.multinomial(probs, 1, generator=generator)  # (1, 1), on the generator's CPU
        chosen.append(next_id.item())
        logits, h = model(next_id.to(cfg.device), h)  # (1, 1, V): one step on from the carried state
    return prefix + "".join(vocab.decode(chosen))


# %% [markdown] slideshow={"slide_type": "-"}
# The same generator seed gives the same characters as the tested `models.generate`. Then samples
# at three temperatures, each from the same prefix:

# %% slideshow={"slide_type": "subslide"}
ours_text = sample_text(lm, "ROMEO:\n", 200, temperature=0.8,
                        generator=torch.Generator().manual_seed(cfg.seed))
package_text = models.generate(lm, vocab, "ROMEO:\n", 200, temperature=0.8,
                               generator=torch.Generator().manual_seed(cfg.seed))
assert ours_text == package_text, "sample_text and models.generate drew different characters"
gen = torch.Generator().manual_seed(cfg.seed)
for tau in (0.5, 1.0, 1.5):
    sample = sample_text(lm, "ROMEO:\n", 250, temperature=tau, generator=gen)
    print(f"----- temperature {tau} -----\n{sample}\n")

# %% [markdown] slideshow={"slide_type": "-"}
# What the eye sees can be measured. For each temperature we sample 2,000 characters and count
# (1) the **diversity**: the fraction of 4-character snippets in the sample that are distinct
# (repetitive text reuses the same snippets), and (2) the **spelling**: the fraction of the
# sample's words that occur somewhere in the training text. Low temperature should give less
# diverse but better-spelled text; high temperature more diverse text with more invented words.

# %% slideshow={"slide_type": "subslide"}
train_words = set(re.findall(r"[a-z']+", corpus[:len(train_ids)].lower()))

def sample_stats(temperature, num_tokens=2000):
    sample = models.generate(lm, vocab, "\n", num_tokens, temperature=temperature,
                             generator=torch.Generator().manual_seed(cfg.seed))
    grams = [sample[i:i + 4] for i in range(len(sample) - 3)]
    words = re.findall(r"[a-z']+", sample.lower())
    return len(set(grams)) / len(grams), sum(w in train_words for w in words) / max(1, len(words))

stats = {tau: sample_stats(tau) for tau in (0.5, 1.0, 1.5)}
for tau, (diversity, spelled) in stats.items():
    print(f"τ = {tau}: {diversity:.0%} distinct 4-grams, {spelled:.0%} of words are real words")

# %% slideshow={"slide_type": "-"}
(div_lo, real_lo), (div_mid, real_mid), (div_hi, real_hi) = stats.values()
claim("diversity grows from temperature 0.5 to 1.0 (gain in distinct 4-grams)", div_mid - div_lo, ">", 0)
claim("diversity grows from temperature 1.0 to 1.5 (gain in distinct 4-grams)", div_hi - div_mid, ">", 0)
claim("temperature 0.5 spells more real words than 1.0 (gain in real-word share)", real_lo - real_mid, ">", 0)
claim("temperature 1.0 spells more real words than 1.5 (gain in real-word share)", real_mid - real_hi, ">", 0)
claim("temperature 0.5 spells over 30 points more real words than 1.5 (gain in real-word share)",
      real_lo - real_hi, ">", 0.3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Try it: the slider resamples 300 characters at the temperature you choose (the same random
# seed each time, so only the temperature changes).

# %% slideshow={"slide_type": "-"}
def sample_at(temperature=1.0, prefix="ROMEO:\n"):
    gen = torch.Generator().manual_seed(cfg.seed)
    print(models.generate(lm, vocab, prefix or "\n", num_tokens=300, temperature=temperature,
                          generator=gen))

sample_at(temperature=0.8)

# %% slideshow={"slide_type": "-"}
widgets.interact(sample_at, temperature=widgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.1,
                                                             description="temperature τ",
                                                             style={"description_width": "initial"}),
                 prefix=widgets.Textarea(value="ROMEO:\n", description="prefix",
                                         style={"description_width": "initial"}));

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Beside a published curve: Dive into Deep Learning's RNN
#
# Dive into Deep Learning (d2l, <https://d2l.ai>), section 9.5, trains a character RNN on The Time
# Machine (28 tokens: lower-case letters, space, unknown) and plots its validation perplexity.
# `text.d2l_time_machine` rebuilds d2l's split, so our run can be drawn **beside d2l's reported
# curve, with a different recipe**: the two numbers sit side by side; they do not rank two methods.
# We report our **final** value: keeping the best of ten evaluations would choose on the very
# characters we report.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>d2l's split and recipe, and ours</summary>
#
# d2l's split (section 9.3, the `TimeMachine` data) trains on the windows of 32 characters that
# start in characters 0-9,999 and validates on those that start in characters 10,000-14,999, each
# window read from a zero state; letters are lower-cased and everything else becomes a space. Our
# rebuild's validation windows do not overlap (the same characters, read fewer times). d2l's
# recipe: one-hot inputs, 32 hidden units, plain SGD at learning rate 1, gradient clipping at 1,
# batches of 1,024 windows, 100 epochs; the book shows only the plotted curve, and 7.2 is where it
# ends, read off the plot. Ours: an embedding of 32, 128 hidden units, Adam at $3 \cdot 10^{-3}$,
# and **dropout** of 0.3 on the embedding and the RNN's outputs, because 10,000 characters is very
# little text and a model this size can memorise it (exercise 3 lets you watch that happen).
#
# </details>

# %% slideshow={"slide_type": "subslide"}
d2l_rnn_ppl = 7.2  # d2l section 9.5: where its plotted validation perplexity ends (read off, about)
d2l_vocab, (X_tm, Y_tm), (X_tm_valid, Y_tm_valid) = text.d2l_time_machine(
    data.load_time_machine(), num_steps=32)
print(f"vocabulary {len(d2l_vocab)}; {len(X_tm):,} training windows, {len(X_tm_valid)} validation windows")
tm_lm = models.LanguageModel(len(d2l_vocab), kind="rnn", hidden_size=128, embed_size=32,
                             dropout=0.3).to(cfg.device)
tm_steps = cfg.pick(smoke=30, class_=400, full=4000)
tm_history = training.fit(
    tm_lm, lambda: text.random_batches(X_tm, Y_tm, 32), models.lm_loss, steps=tm_steps,
    lr=3e-3, clip=1.0, evaluate=lambda m: metrics.evaluate_lm(m, X_tm_valid, Y_tm_valid),
    eval_every=max(1, tm_steps // 10), desc="char-RNN on d2l's split")
course_ppl = tm_history.last("perplexity")
results.record("Time Machine (d2l split) final perplexity, char-RNN", course_ppl, better="lower")
print(f"final validation perplexity {course_ppl:.2f} after {tm_steps} steps ({tm_history.seconds:.0f} s; "
      f"best of the ten evaluations {tm_history.best('perplexity'):.2f}), beside d2l's reported "
      f"curve ending near {d2l_rnn_ppl} with a different recipe")

claim("on d2l's split the char-RNN ends under a third of the uniform guess's perplexity (ratio)",
      course_ppl / len(d2l_vocab), "<", 1 / 3)

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig = plotting.loss_curves({"vanilla RNN, dropout 0.3": tm_history}, metric="perplexity",
                           title="The Time Machine, d2l's split", loss_unit="nats/char")
fig.axes[1].axhline(d2l_rnn_ppl, ls="--", color="gray", label="where d2l's curve ends (its recipe)")
fig.axes[1].legend();

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A recurrent network applies **one function with one set of weights at every step**,
#   $h_t = f_W(h_{t-1}, x_t)$; the hidden state carries what it has read. The parameter count
#   does not depend on the length of the sequence.
# - Code mirrors the maths: a **cell** for one step, a **loop** that unrolls it. Our from-scratch
#   cell gives the same outputs and gradients as `torch.nn.RNN` to $10^{-12}$.
# - Which outputs we keep decides the task: the last one (**many-to-one**, classification), every
#   one (**many-to-many**, language modelling, tagging); a length-1 sequence (**one-to-one**) is a
#   plain perceptron.
# - A character language model is an embedding, an RNN and a linear head, trained by a ten-line
#   loop (forward, cross-entropy in nats, backward, clip, step) and sampled by feeding each drawn
#   character back in. Trained briefly on a CPU, it reaches a held-out perplexity several times
#   lower than a unigram model and an order of magnitude lower than a uniform guess.
# - **Temperature** trades spelling for diversity: low temperature repeats safe snippets, high
#   temperature invents words, as measured on samples.
#
# This run's numbers:

# %% slideshow={"slide_type": "subslide"}
print(f"Tiny Shakespeare, held out: {history.last('loss'):.2f} nats = {rnn_bpc:.2f} bits per character, "
      f"perplexity {rnn_ppl:.2f} (unigram {unigram_ppl:.1f}, uniform {uniform_ppl})")
print("temperature 0.5 / 1.0 / 1.5: real words " + " / ".join(f"{s:.0%}" for _, s in stats.values())
      + ", distinct 4-grams " + " / ".join(f"{d:.0%}" for d, _ in stats.values()))
print(f"The Time Machine, d2l's split: final perplexity {course_ppl:.2f}, beside d2l's reported "
      f"{d2l_rnn_ppl} (a different recipe)")

# %% [markdown] slideshow={"slide_type": "-"}
# Why not lower still? The next notebook shows how gradients through a vanilla RNN vanish or
# explode over long spans, and the LSTM and GRU notebooks fix that.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# ### Exercise 1 · ReLU cell (★☆☆)
#
# Write `ReLURNNCell`, our `RNNCell` with $\tanh$ replaced by
# $\mathrm{ReLU}$: $h_t = \max(0,\, W_{hh} h_{t-1} + W_{xh} x_t + b)$, $y_t = W_{hy} h_t$. The
# check loads the weights of `nn.RNN(..., nonlinearity="relu")` into it and compares states and
# gradients.

# %% slideshow={"slide_type": "-"}
class ReLURNNCell(RNNCell):
    """One time step h_t = relu(W_hh h_{t-1} + W_xh x_t + b); the readout y_t = W_hy h_t is inherited."""

    def forward(self, x_t, state):  # x_t (B, d), state = h_{t-1} (B, n_h)
        # HINT: RNNCell.forward with torch.relu in place of torch.tanh; return (h_t, new state)
        ### BEGIN SOLUTION
        h_t = torch.relu(state @ self.W_hh.T + x_t @ self.W_xh.T + self.b)  # (B, n_h)
        return h_t, h_t
        ### END SOLUTION

# %% slideshow={"slide_type": "subslide"}
relu_ref = nn.RNN(d, n_h, nonlinearity="relu", batch_first=True).double()
relu_ours = ReLURNNCell(d, n_h, O).double()
with torch.no_grad():
    relu_ours.W_xh.copy_(relu_ref.weight_ih_l0)
    relu_ours.W_hh.copy_(relu_ref.weight_hh_l0)
    relu_ours.b.copy_(relu_ref.bias_ih_l0 + relu_ref.bias_hh_l0)
X_ours, X_ref = X.clone().requires_grad_(), X.clone().requires_grad_()
_, hs_ours = unroll(relu_ours, X_ours, h0)  # (B, T, n_h)
hs_ref, _ = relu_ref(X_ref, h0.unsqueeze(0))  # (B, T, n_h)
(weights[..., :1] * hs_ours).sum().backward()
(weights[..., :1] * hs_ref).sum().backward()
torch.testing.assert_close(hs_ours, hs_ref, **tight,
                           msg="ReLURNNCell's states differ from nn.RNN(nonlinearity='relu')")
torch.testing.assert_close(relu_ours.W_hh.grad, relu_ref.weight_hh_l0.grad, **tight,
                           msg="the states agree but the gradient of W_hh does not")
print("PASS: ReLURNNCell matches nn.RNN(nonlinearity='relu'), values and gradients")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Many-to-one with the cell (★★☆)
#
# Train our `RNNCell` with `unroll` as a classifier
# that reads 5 random symbols (one-hot, 8 kinds) and must answer with the *first* one
# (`tasks.first_symbol_batch`). Read out the last step's output as the 8 class logits, train with
# Adam on fresh batches, and return the trained cell. Chance is 12.5%; the check wants 90%.

# %% slideshow={"slide_type": "subslide"}
def one_hot_symbols(X_ids, num_symbols=8):
    return nn.functional.one_hot(X_ids, num_symbols).float()  # (B, T) -> (B, T, 8)

def train_first_symbol(steps=300, length=5, hidden_size=32):
    """Train RNNCell(8, hidden_size, 8) on first-symbol recall over `length` steps; return the cell.

    Each step: a fresh batch X_ids (64, length), y (64,) from tasks.first_symbol_batch, one-hot
    inputs (64, length, 8), the last step's readout (64, 8) as the logits, Adam at 1e-2.
    """
    # HINT: loop: batch -> unroll(cell, one_hot_symbols(X_ids)) -> cross-entropy of ys[:, -1] -> step
    ### BEGIN SOLUTION
    cell = RNNCell(8, hidden_size, 8)
    optimizer = torch.optim.Adam(cell.parameters(), lr=1e-2)
    for _ in range(steps):
        X_ids, y = tasks.first_symbol_batch(64, length)  # (B, T), (B,)
        ys, _ = unroll(cell, one_hot_symbols(X_ids))  # (B, T, 8)
        loss = nn.functional.cross_entropy(ys[:, -1], y)  # many-to-one: the last output
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return cell
    ### END SOLUTION

# %% slideshow={"slide_type": "subslide"}
first_symbol_cell = train_first_symbol()
X_ids, y = tasks.first_symbol_batch(1000, 5)  # fresh test sequences
with torch.no_grad():
    acc = metrics.accuracy(unroll(first_symbol_cell, one_hot_symbols(X_ids))[0][:, -1], y)
print(f"accuracy on fresh sequences: {acc:.1%} (chance 12.5%)")
assert acc > 0.9, f"expected > 90% after training, got {acc:.1%}: check the readout is ys[:, -1]"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Overfitting, no solution given (★★☆)
#
# Retrain the Time Machine model of section 6
# with `dropout=0.0` and plot its validation perplexity. When is it best, and what happens after?
# Why does a 10,000-character training text make this so visible?
#
# ### Exercise 4 · Temperature 0 (★☆☆)
#
# `models.generate(..., temperature=0)` always takes the most
# likely character. Sample 300 characters from `lm` that way. What do you see, and why does the
# lowest temperature not give the "best" text?
