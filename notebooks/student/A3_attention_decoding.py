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
# # A3 · Attention and decoding
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/student/A3_attention_decoding.ipynb)
#
# *Student version: each exercise raises `NotImplementedError` until you write its body; run the check cell after it to see PASS or what is wrong.*
#
# In this assignment you write the pieces between an encoder and a translation: attention over a
# padded batch, one decoder step that uses it, and the two ways of turning the decoder's
# next-token scores into an output, greedy decoding and beam search. Then you train a small
# encoder-decoder built from your functions to reverse sequences. It follows notebook 09.
#
# **Learning goals**
#
# - Write masked scaled dot-product attention and show that padding changes nothing.
# - Write one step of an attention decoder (embed, recur, attend, combine, score).
# - Write greedy decoding and beam search, and find a model on which they disagree.
# - Explain exposure bias and what BLEU measures and misses.
#
# **How the assignment works.** As in A1 and A2: write each function's body in place of
# `raise NotImplementedError(...)` (its message is a hint), run the check cell after it (PASS, or
# what is wrong: the type, the dtype, the shape axis by axis, or the first wrong entry with its
# indices named, e.g. *batch 1, query 0, key 3*), and answer the written question in the cell
# that says *Your answer here*. When you hand it in, each function is called again on inputs you
# have not seen, with the course's implementations for everything else, so each question is
# marked on its own. Keep the names and the cells.
#
# **Points and time.** Exercises 1-4: 3 + 3 + 2 + 4 points, the written question 4 points
# (16 in all). Plan on about 3 hours; running the whole notebook takes a few minutes on a laptop CPU.

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
from course_utils import attention, checks, config, decoding, seq2seq, training
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg


# %% [markdown]
# The checks below compare a tensor with the course's answer and name what is wrong; you do not
# need to read this cell.

# %% tags=["hide-input"]
def check_tensor(name, got, expected, axes, rtol=1e-10, hint=""):
    """PASS, or the first thing wrong with ``got``: its type, dtype, shape (axis by axis) or values.

    ``axes`` names the axes (e.g. ``("batch", "query", "key")``), so that a wrong entry is reported
    as ``batch 1, query 0, key 3``.
    """
    if not isinstance(got, torch.Tensor):
        raise checks.CheckFailed(f"{name}: expected a torch.Tensor ({', '.join(axes)}), got "
                                 f"{type(got).__name__}. {hint}".rstrip())
    if got.dtype != expected.dtype:
        raise checks.CheckFailed(f"{name}: expected dtype {expected.dtype}, got {got.dtype} (the "
                                 f"inputs are {expected.dtype}: keep their dtype). {hint}".rstrip())
    if tuple(got.shape) != tuple(expected.shape):
        want = ", ".join(f"{a}={n}" for a, n in zip(axes, expected.shape))
        raise checks.CheckFailed(f"{name}: expected shape ({want}), got {tuple(got.shape)}. "
                                 f"{hint}".rstrip())
    bad = ~torch.isfinite(got)
    diff = torch.where(bad, torch.inf, (got - expected).abs())
    err = checks.rel_error(torch.where(bad, 0.0, got), expected) if not bad.any() else math.inf
    if not err <= rtol:
        where = [int(i) for i in torch.unravel_index(diff.argmax(), diff.shape)]
        at = ", ".join(f"{a} {i}" for a, i in zip(axes, where))
        raise checks.CheckFailed(
            f"{name}: wrong values (relative error {err:.1e} > {rtol:.0e}); the largest difference "
            f"is at ({at}): expected {expected[tuple(where)].item():.6g}, got "
            f"{got[tuple(where)].item():.6g}. {hint}".rstrip())
    return f"PASS: {name} ({', '.join(axes)}) {tuple(got.shape)}, relative error {err:.1e} <= {rtol:.0e}"


# %% [markdown]
# ## 1 · Attention over a padded batch
#
# A batch of $B$ source sentences of different lengths is padded to the longest, $T_k$ steps; a
# boolean `mask` $(B, T_k)$ is True at the real positions. Each of $T_q$ queries $q_i$ scores every
# key $k_j$, a softmax over the keys turns the scores into weights, and the context is the
# weighted sum of the values:
#
# $$e_{ij} = \frac{q_i \cdot k_j}{\sqrt d}, \qquad
# \alpha_{ij} = \frac{\exp e_{ij}}{\sum_{j' \text{ real}} \exp e_{ij'}} \ (0 \text{ at padding}), \qquad
# c_i = \sum_j \alpha_{ij} v_j .$$
#
# Padding keys must get weight exactly 0: set their scores to $-\infty$ before the softmax.
#
# **Exercise 1 (3 points).** Write `masked_attention`.

# %% nbgrader={"grade": false, "grade_id": "a3_attention_code", "locked": false, "solution": true}
def masked_attention(queries, keys, values, mask):
    """Scaled dot-product attention over a padded batch.

    queries (B, T_q, d), keys (B, T_k, d), values (B, T_k, d_v); mask (B, T_k) bool, True at real
    keys. Returns context (B, T_q, d_v) and weights (B, T_q, T_k): each row of weights sums to 1
    over the real keys and is exactly 0 at padding keys.
    """
    # HINT: scores = queries @ keys.transpose(1, 2) / sqrt(d); masked_fill(~mask[:, None, :], -inf); softmax over the keys
    raise NotImplementedError("Exercise: scores = queries @ keys.transpose(1, 2) / sqrt(d); masked_fill(~mask[:, None, :], -inf); softmax over the keys")


# %% [markdown]
# The check runs your function and the course's `attention.DotAttention` on a batch of three
# sentences of lengths 5, 2 and 3, in float64; then it overwrites the padding keys and values with
# large random numbers: a correct answer does not move.

# %% nbgrader={"grade": true, "grade_id": "a3_attention", "locked": true, "points": 3, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from course_utils import attention


def check_attention(B=3, T_q=4, T_k=5, d=6, d_v=2, lengths=(5, 2, 3), seed=0):
    gen = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, n, m, generator=gen, dtype=torch.float64)
               for n, m in [(T_q, d), (T_k, d), (T_k, d_v)])
    mask = attention.length_mask(torch.tensor(lengths), T_k)  # (B, T_k)
    want_c, want_w = attention.DotAttention()(q, k, v, mask)
    got = masked_attention(q, k, v, mask)
    assert isinstance(got, tuple) and len(got) == 2, "return (context, weights)"
    print(check_tensor("weights", got[1], want_w, ("batch", "query", "key"),
                       hint="Padding keys need weight 0 (mask) and each row sums to 1 over the keys."))
    print(check_tensor("context", got[0], want_c, ("batch", "query", "value feature")))
    pad = ~mask[:, :, None]  # (B, T_k, 1): True at padding keys
    noisy_k = torch.where(pad, 1e3 * torch.randn(B, T_k, d, generator=gen, dtype=torch.float64), k)
    noisy_v = torch.where(pad, 1e3 * torch.randn(B, T_k, d_v, generator=gen, dtype=torch.float64), v)
    moved = masked_attention(q, noisy_k, noisy_v, mask)
    print(check_tensor("context with other padding", moved[0], want_c, ("batch", "query", "value feature"),
                       hint="Padding keys and values must not change the answer."))


check_attention()


# %% [markdown]
# ## 2 · One decoder step with attention
#
# The decoder of notebook 09 (Luong's): at step $t$ it embeds the previous output token $y_{t-1}$,
# runs a GRU cell, uses the new state $h_t$ as the query over the encoder's states $s_j$ (keys
# and values both), and predicts the next token from the state and the context:
#
# $$h_t = \mathrm{GRU}(E\,y_{t-1}, h_{t-1}), \quad (c_t, \alpha_t) = \mathrm{attend}(h_t; s_{1..S}), \quad
# o_t = \tanh(W_c [h_t; c_t] + b_c), \quad \text{logits}_t = W_o o_t + b_o .$$
#
# The pieces are the modules of `AttnDecoder` below; `attend` is an attention function with the
# signature of `masked_attention` (yours, or the course's when your step is checked).
#
# **Exercise 2 (3 points).** Write `decoder_step`. The state it returns is $h_t$, not $o_t$.

# %%
class AttnDecoder(nn.Module):
    """The modules of an attention decoder with vocabulary V, embeddings E and hidden size n_h."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)  # (V, E)
        self.cell = nn.GRUCell(embed_size, hidden_size)  # E -> n_h
        self.combine = nn.Linear(2 * hidden_size, hidden_size)  # [h_t; c_t] -> o_t
        self.out = nn.Linear(hidden_size, vocab_size)  # o_t -> logits


# %% nbgrader={"grade": false, "grade_id": "a3_decoder_step_code", "locked": false, "solution": true}
def decoder_step(dec, tokens, h_prev, enc_states, mask, attend):
    """One decoding step of ``dec`` (an AttnDecoder) for a batch.

    tokens (B,) ids of the previous output tokens; h_prev (B, n_h); enc_states (B, S, n_h);
    mask (B, S) True at real source positions; attend(queries, keys, values, mask) as
    masked_attention. Returns logits (B, V), h_t (B, n_h) and the attention weights (B, S).
    """
    # HINT: dec.embedding, then dec.cell; attend with h_t[:, None] as the one query; tanh(dec.combine(cat)); dec.out
    raise NotImplementedError("Exercise: dec.embedding, then dec.cell; attend with h_t[:, None] as the one query; tanh(dec.combine(cat)); dec.out")


# %% [markdown]
# The check copies the weights of the course's `seq2seq.Decoder` (with dot-product attention) into
# an `AttnDecoder`, passes the course's attention as `attend` (so a mistake in exercise 1 does not
# count here), and compares one step of each on a padded batch.

# %% nbgrader={"grade": true, "grade_id": "a3_decoder_step", "locked": true, "points": 3, "solution": false}
import torch  # a check cell imports and builds all it uses: it runs on its own
from course_utils import attention, seq2seq


def check_decoder_step(V=7, E=3, n_h=4, B=3, S=5, lengths=(5, 2, 4), seed=0):
    torch.manual_seed(seed)
    course = seq2seq.Decoder(V, E, n_h, "gru", attention="dot").double()
    dec = AttnDecoder(V, E, n_h).double()
    gru = course.rnn.impl  # torch.nn.GRU: the same weights as a GRUCell, named with _l0
    with torch.no_grad():
        dec.embedding.weight.copy_(course.embedding.weight)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(dec.cell, name).copy_(getattr(gru, name + "_l0"))
        dec.combine.load_state_dict(course.combine.state_dict())
        dec.out.load_state_dict(course.out.state_dict())
    gen = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, V, (B,), generator=gen)
    h_prev = torch.randn(B, n_h, generator=gen, dtype=torch.float64)
    enc = torch.randn(B, S, n_h, generator=gen, dtype=torch.float64)
    mask = attention.length_mask(torch.tensor(lengths), S)
    with torch.no_grad():
        logits, h_t, weights = course(tokens[:, None], h_prev, (enc, mask, enc[:, -1]))
        got = decoder_step(dec, tokens, h_prev, enc, mask, attention.DotAttention())
    assert isinstance(got, tuple) and len(got) == 3, "return (logits, h_t, weights)"
    print(check_tensor("h_t", got[1], h_t, ("batch", "unit"), hint="h_t is the GRU cell's new state."))
    print(check_tensor("weights", got[2], weights[:, 0], ("batch", "source step"),
                       hint="The query is h_t, the keys and values the encoder's states."))
    print(check_tensor("logits", got[0], logits[:, 0], ("batch", "token"),
                       hint="o_t = tanh(combine([h_t, context])), then out."))


check_decoder_step()


# %% [markdown]
# ## 3 · Greedy decoding
#
# Decoding sees the model through one function, `step(tokens, state) -> (logits, state)`:
# `tokens` $(k,)$ holds the last token of each of $k$ partial outputs, `state` $(k, n_h)$ their
# states, and `logits` $(k, V)$ scores every next token. An output starts from `<bos>` and one
# start state $(1, n_h)$; it ends when the model produces `<eos>`, or after `max_len` tokens.
# Greedy decoding takes the most likely token at every step.
#
# **Exercise 3 (2 points).** Write `greedy_decode`. It returns the output ids (without `<eos>`)
# and their log-probability: the sum of the chosen tokens' log-probabilities (log-softmax of the
# logits), the `<eos>` included when it was produced.

# %% nbgrader={"grade": false, "grade_id": "a3_greedy_code", "locked": false, "solution": true}
def greedy_decode(step, state, bos, eos, max_len):
    """Greedy decoding of one output from the start state ``state`` (1, n_h).

    Returns (ids, log_prob): a list of ints without <eos>, and a float.
    """
    # HINT: tokens = torch.tensor([bos], device=state.device); loop max_len times: log_softmax, argmax, stop at eos
    raise NotImplementedError("Exercise: tokens = torch.tensor([bos], device=state.device); loop max_len times: log_softmax, argmax, stop at eos")


# %% [markdown]
# A hand-made model to check with: its next-token probabilities depend on the previous token only
# (a table; the state is not used). From `<bos>` it prefers *the* (0.5) to *a* (0.4); after *the*
# it hesitates between *cat* (0.4) and *dog* (0.3); after *a* it is sure of *cat* (0.9); after a
# noun it ends. After `<eos>` the table goes on (*the*, 0.9): a decoder that does not stop there
# runs to `max_len`.

# %%
WORDS = ["<bos>", "<eos>", "the", "a", "cat", "dog"]
TABLE = torch.tensor([  # row: the previous token; column: the next token's probability
    # <bos> <eos> the   a    cat   dog
    [0.00, 0.00, 0.50, 0.40, 0.05, 0.05],  # after <bos>
    [0.00, 0.00, 0.90, 0.10, 0.00, 0.00],  # after <eos>
    [0.00, 0.10, 0.10, 0.10, 0.40, 0.30],  # after "the"
    [0.00, 0.05, 0.00, 0.00, 0.90, 0.05],  # after "a"
    [0.00, 0.80, 0.10, 0.00, 0.00, 0.10],  # after "cat"
    [0.00, 0.80, 0.10, 0.00, 0.10, 0.00],  # after "dog"
], dtype=torch.float64)


def table_step(tokens, state):
    """tokens (k,) -> logits (k, V) = log of the table's rows; the state (k, 1) is passed through."""
    return TABLE[tokens].log(), state


def words(ids):
    return " ".join(WORDS[i] for i in ids)


start = torch.zeros(1, 1, dtype=torch.float64)  # the table's (unused) start state


# %% [markdown]
# The check decodes the table and random small GRU models (float64) with your function and with
# the course's `decoding.greedy_decode` (the log-probability from `decoding.output_log_prob`);
# the next cell holds what the checks of exercises 3 and 4 use (you need not read it).

# %% tags=["hide-input"]
from course_utils import decoding


class AsSeq2Seq(nn.Module):
    """A ``step`` function and a start state seen as the course's decoders see a model."""

    def __init__(self, step, state):
        super().__init__()
        self.step_fn, self.state = step, state

    def encode(self, src, lengths):
        return torch.zeros(len(src), 1), self.state.expand(len(src), -1)

    def step(self, tokens, state, memory):
        logits, state = self.step_fn(tokens, state)
        return logits, state, None


def tiny_gru(V, n_h, seed, eos=1, eos_bias=0.0):
    """A random GRU language model in float64: step(tokens (k,), state (k, n_h)) and a start state."""
    gen = torch.Generator().manual_seed(seed)
    cell = nn.GRUCell(V, n_h).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    W_out = 2 * torch.randn(V, n_h, generator=gen, dtype=torch.float64)
    b_out = torch.randn(V, generator=gen, dtype=torch.float64)
    b_out[eos] += eos_bias

    @torch.no_grad()
    def step(tokens, state):
        h = cell(nn.functional.one_hot(tokens, V).double(), state)  # (k, n_h)
        return h @ W_out.T + b_out, h  # (k, V), (k, n_h)
    return step, torch.randn(1, n_h, generator=gen, dtype=torch.float64)


def course_answer(decode, step, state, max_len, **kwargs):
    """The course's output ids and their log-probability."""
    model, src = AsSeq2Seq(step, state), torch.zeros(1, dtype=torch.long)
    if decode == "greedy":
        ids = decoding.greedy_decode(model, src[None], torch.tensor([1]), 0, 1, max_len)[0][0]
    else:
        ids = decoding.beam_search(model, src, 0, 1, max_len, **kwargs)[0]
    return ids, decoding.output_log_prob(model, src, ids, 0, 1, ended=len(ids) < max_len)


def check_decoder(name, decode, step, state, max_len, **kwargs):
    want_ids, want_logp = course_answer(decode, step, state, max_len, **kwargs)
    fn = greedy_decode if decode == "greedy" else beam_search
    got = fn(step, state, 0, 1, max_len, **kwargs)
    assert isinstance(got, tuple) and len(got) == 2, "return (ids, log_prob)"
    ids, logp = got
    assert isinstance(ids, list) and all(isinstance(i, int) for i in ids), \
        f"{name}: ids must be a list of Python ints, got {type(ids).__name__} of " \
        f"{sorted({type(i).__name__ for i in ids})}"
    assert ids == want_ids, f"{name}: expected the ids {want_ids} (step by step), got {ids}" + (
        " (past <eos>: stop when it is produced)" if len(ids) > len(want_ids) else "")
    assert isinstance(logp, float), f"{name}: log_prob must be a Python float, got {type(logp).__name__}"
    assert abs(logp - want_logp) <= 1e-9 * max(1, abs(want_logp)), \
        f"{name}: log_prob {logp:.6g}, expected {want_logp:.6g} (the <eos> included when produced)"
    return f"PASS: {name}: {ids}, log-probability {logp:.4f}"



# %% nbgrader={"grade": true, "grade_id": "a3_greedy", "locked": true, "points": 2, "solution": false}
import torch  # the helpers are defined in the cell before the check

print(check_decoder("the table", "greedy", table_step, start, 10))
print(check_decoder("the table, max_len 1", "greedy", table_step, start, 1))
for seed in (1, 2, 3):
    print(check_decoder(f"tiny GRU {seed}", "greedy", *tiny_gru(6, 4, seed), 8))

# %%
ids, logp = greedy_decode(table_step, start, 0, 1, 10)
print(f"greedy: {words(ids)!r}, probability {math.exp(logp):.3f}")

# %% [markdown]
# ## 4 · Beam search
#
# Greedy decoding commits to *the* because it is the better first word, and never sees that
# *a cat* is the more likely sentence. Beam search keeps the `beam_size` best partial outputs.
# At every step:
#
# 1. every live output is extended by every token: $k \times V$ candidates, each scored by its
#    log-probability (the output's plus the new token's);
# 2. going down the candidates from the best: an `<eos>` candidate among the first `beam_size`
#    *finishes* (its score counts the `<eos>`), one further down is dropped; any other candidate
#    stays *live* until `beam_size` live outputs are found;
# 3. after `max_len` steps the live outputs finish as they are (no `<eos>`).
#
# The answer is the finished output with the highest log-probability (the first found of equals).
# Keep the live outputs' states in one batch: `state[keep]` picks rows, `keep` a list of row
# indices (a row can be picked twice).
#
# **Exercise 4 (4 points).** Write `beam_search`; it returns what `greedy_decode` returns. With
# `beam_size=1` it is greedy decoding.

# %% nbgrader={"grade": false, "grade_id": "a3_beam_code", "locked": false, "solution": true}
def beam_search(step, state, bos, eos, max_len, beam_size):
    """Beam search for one output from the start state ``state`` (1, n_h).

    Returns (ids, log_prob) of the best finished output: a list of ints without <eos>, a float.
    """
    # HINT: scores (k,) + log_softmax(logits) (k, V) -> flatten, sort descending; divmod(index, V) gives (row, token)
    raise NotImplementedError("Exercise: scores (k,) + log_softmax(logits) (k, V) -> flatten, sort descending; divmod(index, V) gives (row, token)")


# %% [markdown]
# The check decodes the table (where greedy's first choice loses) and random small GRU models
# with your function and with the course's `decoding.beam_search`, at several beam sizes.

# %% nbgrader={"grade": true, "grade_id": "a3_beam", "locked": true, "points": 4, "solution": false}
import torch  # the helpers are defined before exercise 3's check

print(check_decoder("the table, beam 2", "beam", table_step, start, 10, beam_size=2))
print(check_decoder("the table, beam 1", "beam", table_step, start, 10, beam_size=1))
for seed in (1, 2, 3):
    print(check_decoder(f"tiny GRU {seed}, beam 3", "beam", *tiny_gru(6, 4, seed), 8, beam_size=3))

# %%
for name, (ids, logp) in [("greedy", greedy_decode(table_step, start, 0, 1, 10)),
                          ("beam 2", beam_search(table_step, start, 0, 1, 10, beam_size=2))]:
    print(f"{name:7s} {words(ids)!r:14s} probability {math.exp(logp):.3f}")

# %% [markdown]
# ## 5 · Your decoder on a reversal task
#
# Now the pieces together: the course's encoder (`seq2seq.Encoder`: embedding and a GRU, padding
# handled) and an `AttnDecoder` run by **your** `decoder_step` with **your** `masked_attention`,
# trained with teacher forcing to reverse sequences of 3 to 8 symbols (10 symbols; the batches are
# padded, so the mask matters). Then your `greedy_decode` and `beam_search` decode held-out
# sequences. The floor: copying the source unchanged (right at the middle symbol and by chance).

# %%
PAD, BOS, EOS, N_SYMBOLS = 0, 1, 2, 10
V_rev = 3 + N_SYMBOLS


def reversal_pairs(n, generator):
    """n random sources of 3 to 8 symbols (ids 3..12) and their reversals."""
    lengths = torch.randint(3, 9, (n,), generator=generator).tolist()
    srcs = [torch.randint(3, V_rev, (L,), generator=generator).tolist() for L in lengths]
    return srcs, [s[::-1] for s in srcs]


class Reverser(nn.Module):
    def __init__(self, embed_size=32, hidden_size=64):
        super().__init__()
        self.encoder = seq2seq.Encoder(V_rev, embed_size, hidden_size, "gru", pad_id=PAD)
        self.decoder = AttnDecoder(V_rev, embed_size, hidden_size)


def reverser_loss(model, batch):
    """Teacher forcing: the decoder reads the true previous tokens, one decoder_step at a time."""
    src, src_lengths, tgt_in, tgt_out = batch  # (B, S), (B,), (B, T), (B, T)
    enc_states, h = model.encoder(src, src_lengths)  # (B, S, n_h), (B, n_h)
    mask = attention.length_mask(src_lengths, src.shape[1])  # (B, S)
    logits = []
    for t in range(tgt_in.shape[1]):
        step_logits, h, _ = decoder_step(model.decoder, tgt_in[:, t], h, enc_states, mask, masked_attention)
        logits.append(step_logits)  # (B, V)
    return seq2seq.masked_cross_entropy(torch.stack(logits, dim=1), tgt_out, pad_id=PAD)


rev_steps = cfg.pick(smoke=5, class_=300, full=1500)
gen = torch.Generator().manual_seed(cfg.seed)


def reversal_batch():
    return [seq2seq.make_batch(*reversal_pairs(64, gen), pad_id=PAD, bos=BOS, eos=EOS)]


torch.manual_seed(cfg.seed)
reverser = Reverser().to(cfg.device)
history = training.fit(reverser, reversal_batch, reverser_loss, steps=rev_steps, lr=3e-3, clip=1.0,
                       desc="reverser")


# %%
def source_step(model, src_ids):
    """``step`` and the start state for one source sentence (the encoder run once)."""
    src = torch.tensor([src_ids], device=cfg.device)  # (1, S)
    enc_states, h0 = model.encoder(src, torch.tensor([len(src_ids)], device=cfg.device))
    mask = torch.ones(1, len(src_ids), dtype=torch.bool, device=cfg.device)  # (1, S)

    def step(tokens, state):  # tokens (k,), state (k, n_h)
        k = tokens.shape[0]
        logits, h, _ = decoder_step(model.decoder, tokens, state, enc_states.expand(k, -1, -1),
                                    mask.expand(k, -1), masked_attention)
        return logits, h
    return step, h0


def token_accuracy(outputs, targets):
    """Mean over sentences of the share of target positions the output gets right."""
    return sum(sum(o == t for o, t in zip(out, tgt)) / len(tgt)
               for out, tgt in zip(outputs, targets)) / len(targets)


n_test = cfg.pick(smoke=20, class_=200, full=1000)
test_src, test_tgt = reversal_pairs(n_test, torch.Generator().manual_seed(10_000 + cfg.seed))
reverser.eval()
decoded = {"greedy": [], "beam 4": []}
with torch.no_grad():
    for src_ids in test_src:
        step, h0 = source_step(reverser, src_ids)
        decoded["greedy"].append(greedy_decode(step, h0, BOS, EOS, max_len=12))
        decoded["beam 4"].append(beam_search(step, h0, BOS, EOS, max_len=12, beam_size=4))
floor = token_accuracy(test_src, test_tgt)
scores = {name: token_accuracy([ids for ids, _ in found], test_tgt) for name, found in decoded.items()}
exact = {name: sum(ids == t for (ids, _), t in zip(found, test_tgt)) / n_test for name, found in decoded.items()}
changed = sum(g[0] != b[0] for g, b in zip(decoded["greedy"], decoded["beam 4"]))
better = sum(g[0] != b[0] and b[1] > g[1] for g, b in zip(decoded["greedy"], decoded["beam 4"]))
print(f"held-out token accuracy: copy the source {floor:.3f}, " +
      ", ".join(f"{k} {v:.3f} (exact {exact[k]:.3f})" for k, v in scores.items()))
print(f"beam search changed {changed} of {n_test} outputs, {better} of them to a more likely one "
      "(a model sure of every next token leaves beam search little to find)")
claim("your decoder, trained with your attention, reverses held-out sequences (greedy token accuracy)",
      scores["greedy"], ">", 0.7)
claim("copying the source is a low floor (token accuracy)", floor, "<", 0.35)

# %% tags=["hide-input"]
src_ids = test_src[0]
rows = []
with torch.no_grad():
    step, h = source_step(reverser, src_ids)
    ids, _ = greedy_decode(step, h, BOS, EOS, max_len=12)
    src_t = torch.tensor([src_ids], device=cfg.device)
    enc_states, _ = reverser.encoder(src_t, torch.tensor([len(src_ids)], device=cfg.device))
    for token in [BOS, *ids]:
        _, h, w = decoder_step(reverser.decoder, torch.tensor([token], device=cfg.device), h, enc_states,
                               torch.ones(1, len(src_ids), dtype=torch.bool, device=cfg.device), masked_attention)
        rows.append(w[0].cpu())
fig, ax = plt.subplots(figsize=(4, 3.6))
ax.imshow(torch.stack(rows).numpy(), cmap="viridis", vmin=0, vmax=1)
ax.set(xticks=range(len(src_ids)), xticklabels=src_ids, yticks=range(len(ids) + 1),
       yticklabels=[*ids, "<eos>"], xlabel="source symbol", ylabel="output symbol",
       title="Your attention while reversing");

# %% [markdown]
# **Question (4 points, read by hand).** (a) The reverser was trained with teacher forcing. What
# is *exposure bias*, when does it hurt, and what are two remedies? Is beam search one? (b) What
# does BLEU measure, and name two things a good translation can have that BLEU does not reward (or
# a bad one that it does not punish). A short paragraph for each.

# %% [markdown] nbgrader={"grade": true, "grade_id": "a3_q_exposure_bleu", "locked": false, "points": 4, "solution": true}
# *Your answer here (a few sentences; replace this line).*

# %% [markdown]
# ## Summary
#
# - Masked attention gives padding keys weight exactly zero, so a padded batch gives what each
#   sentence gives alone.
# - One attention-decoder step: embed, recur, attend with the new state as the query, combine,
#   score every next token.
# - Greedy decoding commits to each step's best token; beam search keeps several outputs and can
#   find a more likely one that starts with a worse first token.
