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
# # 09 · Encoder-decoders, attention and machine translation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/09_translation.ipynb)
#
# An **encoder** RNN reads a sentence into a fixed-size state, a **decoder** RNN writes the output
# word by word from that state: everything about the source must pass through $n_h$ numbers.
# **Attention**, in the lecture's words "learnable memory access", lets the decoder read every
# encoder state again at every step it writes.
#
# **Learning goals**
#
# - Write an encoder, one attention-decoder step and greedy decoding, and train the model with
#   **teacher forcing**; see what **exposure bias** does when the decoder reads its own outputs.
# - Measure the bottleneck on a task that needs the whole input (reversing random symbols), and
#   see attention remove it at the same training budget.
# - Train an English-French translator with settings chosen on a **dev split**, and score it once
#   on a **test split** with corpus BLEU, worked by hand first.
# - See on a four-token example why **beam search** can find a likelier output than greedy
#   decoding, then compare the two on real sentences.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import math
import time
from collections import Counter, defaultdict

import ipywidgets as widgets
import matplotlib.pyplot as plt
import sacrebleu
import torch
from course_utils import beam_toy, config, data, metrics, results, seq2seq, text, training, translation
from course_utils.claims import claim
from torch import nn
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The encoder-decoder
#
# Many tasks map a sequence to a sequence of another length. The **encoder**, an RNN (here a GRU),
# reads the source $x_1 \dots x_S$; its final state $h_S$ summarises the whole input. The
# **decoder**, a second RNN, starts from that state and the token `<bos>`; at each step it reads
# the previous token, updates its state and predicts the next token, until it writes `<eos>`.


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
def draw_encoder_decoder(source, target):
    """A picture of the encoder (left), the fixed-size state (middle) and the decoder (right)."""
    _, ax = plt.subplots(figsize=(9, 3.2))
    box = {"boxstyle": "round,pad=0.3", "fc": "#dbe9f6", "ec": "#3a6ea5"}
    arrow = {"arrowstyle": "->", "color": "0.3"}
    n, m = len(source), len(target) + 1
    for i, x in enumerate(source):  # encoder cells, inputs below
        ax.text(i, 1, "GRU", ha="center", va="center", bbox=box)
        ax.text(i, 0, x, ha="center", va="center", fontsize=11)
        ax.annotate("", (i, 0.8), (i, 0.2), arrowprops=arrow)
        if i:
            ax.annotate("", (i - 0.25, 1), (i - 0.75, 1), arrowprops=arrow)
    ax.text(n + 0.5, 1, "state\n$n_h$ numbers", ha="center", va="center",
            bbox={"boxstyle": "round,pad=0.4", "fc": "#fde7c9", "ec": "#c77c02"})
    ax.annotate("", (n - 0.1, 1), (n - 0.75, 1), arrowprops=arrow)
    inputs, outputs = ["<bos>", *target], [*target, "<eos>"]
    for j in range(m):  # decoder cells: previous token below, next token above
        x = n + 2 + j
        ax.text(x, 1, "GRU", ha="center", va="center", bbox={**box, "fc": "#e3f1dc", "ec": "#4b8b3b"})
        ax.text(x, 0, inputs[j], ha="center", va="center", fontsize=11)
        ax.text(x, 2, outputs[j], ha="center", va="center", fontsize=11)
        ax.annotate("", (x, 0.8), (x, 0.2), arrowprops=arrow)
        ax.annotate("", (x, 1.8), (x, 1.2), arrowprops=arrow)
        ax.annotate("", (x - 0.25, 1), (x - (0.75 if j else 1.05), 1), arrowprops=arrow)
    ax.text((n - 1) / 2, 2.3, "encoder: reads the source", ha="center", fontsize=11)
    ax.text(n + 2 + (m - 1) / 2, 2.6, "decoder: writes the output", ha="center", fontsize=11)
    ax.set(xlim=(-0.7, n + m + 1.5), ylim=(-0.5, 2.9), title="An encoder-decoder reversing 4 symbols")
    ax.axis("off")
    plt.show()


draw_encoder_decoder(["a", "b", "c", "d"], ["d", "c", "b", "a"])

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Teacher forcing.** Feeding the decoder its own predictions during training is slow (one step
# at a time) and, early on, feeds it nonsense. Instead it reads the **true** previous token: its
# input is `<bos>` followed by the target (`tgt_in`), and at each position it must predict the next
# true token (`tgt_out`, the target followed by `<eos>`). All positions run in one pass of the
# recurrent layer; the loss is the cross-entropy at every real (not padding) position:

# %% slideshow={"slide_type": "-"}
NUM_SYMBOLS, PAD, BOS, EOS = 10, 0, 1, 2  # symbols are ids 3 .. 12
src, src_lengths, tgt_in, tgt_out = seq2seq.make_batch([[5, 6, 7, 8], [9, 4]], [[8, 7, 6, 5], [4, 9]],
                                                       pad_id=PAD, bos=BOS, eos=EOS)
print("source  ", src.tolist())
print("tgt_in  ", tgt_in.tolist(), " <- what the decoder reads (1 = <bos>, 0 = padding)")
print("tgt_out ", tgt_out.tolist(), " <- what it must predict (2 = <eos>)")
assert tgt_in[0, 1:].tolist() == tgt_out[0, :-1].tolist()  # the input is the target, shifted right

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The encoder in code.** An embedding and a GRU. A batch pads its shorter sentences (id 0);
# PyTorch's *packed* sequences make the GRU stop at each sentence's last real word, so the final
# state of a padded sentence is the one it would have alone.


# %% slideshow={"slide_type": "-"}
class Encoder(nn.Module):
    """Embedding and a GRU: source ids (B, S) -> every state (B, S, n_h) and the final state (B, n_h)."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        self.rnn = nn.GRU(embed_size, hidden_size, batch_first=True)

    def forward(self, src, lengths):
        x = self.embedding(src)  # (B, S, E)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        states, h = self.rnn(packed)  # h (1, B, n_h): each sentence's state after its last real word
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=src.shape[1])
        return states, h[0]  # (B, S, n_h), (B, n_h)


# %% [markdown] slideshow={"slide_type": "subslide"}
# The package's `seq2seq.Seq2Seq`, used from here on, has the same encoder. With its weights
# copied into ours, both give the same states:

# %% slideshow={"slide_type": "-"}
torch.manual_seed(cfg.seed)
untrained = seq2seq.Seq2Seq(3 + NUM_SYMBOLS, 3 + NUM_SYMBOLS, embed_size=32, hidden_size=128,
                            attention="dot").to(cfg.device)
encoder = Encoder(3 + NUM_SYMBOLS, 32, 128).to(cfg.device)
encoder.embedding.load_state_dict(untrained.encoder.embedding.state_dict())
encoder.rnn.load_state_dict(untrained.encoder.rnn.impl.state_dict())  # the package's GRU layer
src, src_lengths = src.to(cfg.device), src_lengths.to(cfg.device)
with torch.no_grad():
    states, final = encoder(src, src_lengths)  # (B, S, n_h), (B, n_h)
    package_states, package_final = untrained.encoder(src, src_lengths)
torch.testing.assert_close(states, package_states)
torch.testing.assert_close(final, package_final)
print("encoder states", tuple(states.shape), "final state", tuple(final.shape), "equal to the package's")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The bottleneck: reversing random symbols
#
# The task: read a sequence of random symbols (10 kinds), write it backwards. Every symbol must
# survive, so the fixed-size state has to hold the whole sequence. Without attention, the decoder
# of `Seq2Seq` starts from the encoder's final state and also reads it at every step, concatenated
# to its input (as in Dive into Deep Learning). We train it for a fixed number of steps (full mode
# repeats this at several lengths) and count the held-out sequences reversed exactly right.

# %% slideshow={"slide_type": "subslide"}
LENGTHS = cfg.pick(smoke=(8, 15), class_=(15,), full=(5, 10, 15, 20, 25, 30))
SYN_STEPS = cfg.pick(smoke=20, class_=400, full=3000)


def reversal_batch(batch_size, length, generator):
    """Random symbol sequences and their reversals as a seq2seq batch (src, lengths, tgt_in, tgt_out)."""
    x = torch.randint(3, 3 + NUM_SYMBOLS, (batch_size, length), generator=generator)  # (B, L)
    return seq2seq.make_batch(x.tolist(), x.flip(1).tolist(), PAD, BOS, EOS)


def reversal_epoch(length, generator, num_batches=50):
    """Fresh random batches of 64 sequences of one length: the model never sees a sequence twice."""
    return [reversal_batch(64, length, generator) for _ in range(num_batches)]


def held_out_reversals(length, num_sequences=300):
    """The same held-out sequences for every model of this length."""
    return reversal_batch(num_sequences, length, torch.Generator().manual_seed(10_000 + length))


def exact_accuracy(model, length):
    """Fraction of held-out sequences of this length reversed exactly right (greedy decoding)."""
    src, lengths, _, tgt_out = held_out_reversals(length)
    with training.eval_mode(model):
        hyps, _ = seq2seq.greedy_decode(model, src.to(cfg.device), lengths.to(cfg.device), BOS, EOS, length + 1)
    return sum(h == t for h, t in zip(hyps, tgt_out[:, :length].tolist())) / len(hyps)


# %% slideshow={"slide_type": "subslide"}
def train_reverser(length, attention):
    """A Seq2Seq trained SYN_STEPS steps on reversal at one length; returns it and its history."""
    torch.manual_seed(cfg.seed)
    generator = torch.Generator().manual_seed(cfg.seed)
    model = seq2seq.Seq2Seq(3 + NUM_SYMBOLS, 3 + NUM_SYMBOLS, embed_size=32, hidden_size=128,
                            attention=attention).to(cfg.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, fused=True)  # Adam, one fused update
    history = training.fit(model, lambda: reversal_epoch(length, generator), seq2seq.seq2seq_loss,
                           steps=SYN_STEPS, optimizer=optimizer, clip=1.0, schedule="cosine",
                           desc=f"length {length}, attention={attention}")
    return model, history


reversers, synthetic_accuracy = {}, {"without attention": {}, "with attention": {}}
for n in LENGTHS:
    model, history = train_reverser(n, None)
    reversers["without attention", n] = model
    synthetic_accuracy["without attention"][n] = exact_accuracy(model, n)
    results.record(f"reversal, length {n}, without attention: exactly right",
                   100 * synthetic_accuracy["without attention"][n], unit="%")
    print(f"length {n}, without attention: {synthetic_accuracy['without attention'][n]:.2f} exactly "
          f"right after {SYN_STEPS} steps ({history.seconds:.0f} s)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Greedy decoding.** At test time there is no target to read: the decoder writes the most
# likely token, reads it back as its next input, and goes on. `model.encode` runs the encoder,
# `model.step` one decoder step. We run a fixed number of steps and cut each output at its first
# `<eos>`:


# %% slideshow={"slide_type": "subslide"}
def greedy(model, src, lengths, max_len):
    """The most likely token at every step, fed back as the next input: ids (B, max_len)."""
    memory, state = model.encode(src, lengths)  # encoder states, and the decoder's first state
    token = torch.full((src.shape[0],), BOS, device=src.device)  # (B,) every output starts at <bos>
    outputs = []
    for _ in range(max_len):
        logits, state, _ = model.step(token, state, memory)  # (B, V)
        token = logits.argmax(-1)  # (B,) the decoder's own output is its next input
        outputs.append(token)
    return torch.stack(outputs, 1)  # (B, max_len)


def cut_at_eos(ids):
    """Each row of ids as a list, up to its first <eos> (excluded)."""
    return [row[:row.index(EOS)] if EOS in row else row for row in ids.tolist()]


L_long = max(LENGTHS)
plain_long = reversers["without attention", L_long]
batch = held_out_reversals(L_long)
held_src, held_lengths = batch[0].to(cfg.device), batch[1].to(cfg.device)
with training.eval_mode(plain_long), torch.no_grad():
    ours = cut_at_eos(greedy(plain_long, held_src, held_lengths, L_long + 1))
    package_hyps, _ = seq2seq.greedy_decode(plain_long, held_src, held_lengths, BOS, EOS, L_long + 1)
assert ours == package_hyps, "our greedy decoding should write the package's tokens"
print(f"{len(ours)} held-out sequences: our greedy decoding writes the package's tokens")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exposure bias, measured.** Trained with teacher forcing, the decoder never read its own
# mistakes. For the longest sequences: the fraction of output symbols right when the decoder reads
# the true previous symbols (as in training) and when it reads its own (greedy, as at test time),
# and one decoded example.


# %% slideshow={"slide_type": "subslide"}
def teacher_forced_predictions(model, batch):
    """The most likely token at every target position when the decoder reads the true prefix (B, T)."""
    src, lengths, tgt_in, _ = (t.to(cfg.device) for t in batch)
    with training.eval_mode(model), torch.no_grad():
        logits, _ = model(src, lengths, tgt_in)  # (B, T, V)
    return logits.argmax(-1).cpu()


truth = batch[3][:, :L_long]  # (N, L) the reversed sequences, <eos> dropped
forced = teacher_forced_predictions(plain_long, batch)[:, :L_long]
free = torch.tensor([(h + [PAD] * L_long)[:L_long] for h in package_hyps])  # (N, L)
forced_acc = (forced == truth).float().mean().item()
free_acc = (free == truth).float().mean().item()
print(f"symbols right, length {L_long}: teacher-forced {forced_acc:.2f}, free-running {free_acc:.2f}")
show = int(((forced == truth).sum(1) - (free == truth).sum(1)).argmax())  # the largest gap
for name, row in [("target", truth[show]), ("teacher-forced", forced[show]), ("free-running", free[show])]:
    print(f"{name:>15}: {' '.join(f'{t - 3}' if t >= 3 else '-' for t in row.tolist())}")
claim("its own mistakes cost the decoder symbols: teacher-forced beats free-running (symbol accuracy gap)",
      forced_acc - free_acc, ">", 0)

# %% [markdown] slideshow={"slide_type": "subslide"}
# After its first mistake, the free-running decoder is in a state it never met in training: that
# gap is **exposure bias**. Its remedies change the *training*: **scheduled sampling** (Bengio et
# al., 2015) feeds the decoder its own predictions for a growing share of the steps, and
# **sequence-level training** (Ranzato et al., 2016) scores whole sampled outputs. Beam search
# (section 8) is not a remedy: it changes how we search the trained model's outputs, not what the
# model learnt.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Attention: a soft dictionary
#
# The lecture's slide on attention says it provides **learnable memory access**. A Python
# dictionary holds **keys** and **values**; a **query** equal to one key returns that key's value,
# anything else fails. Attention softens each step so that a gradient can pass:
#
# 1. score the query $q$ against every key $k_i$: here $s_i = q \cdot k_i / \sqrt{d}$;
# 2. turn the scores into **weights** with a softmax: $\alpha_i = e^{s_i} / \sum_j e^{s_j}$,
#    positive and summing to one;
# 3. **read** the weighted average of the values: $c = \sum_i \alpha_i v_i$.
#
# This score is **scaled dot-product attention** (Vaswani et al., 2017). Luong et al.'s (2015)
# "dot" score is the same product without the division by $\sqrt{d}$; the division keeps scores of
# long vectors from saturating the softmax. **Additive** attention (Bahdanau et al., 2015) scores
# with a small network, $s_i = v^\top \tanh(W_q q + W_k k_i)$ (exercise 1).

# %% slideshow={"slide_type": "subslide"}
keys = torch.tensor([[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0]])  # (S=3, d=2): three entries
values = torch.tensor([[10.0], [20.0], [30.0]])  # (S, 1)


def soft_lookup(query, keys, values):
    """Attention for one query (d,): weights (S,) from a softmax of scaled dot products; read (D,)."""
    scores = keys @ query / keys.shape[1] ** 0.5  # (S,)
    weights = torch.softmax(scores, dim=0)  # (S,), positive, sum 1
    return weights @ values, weights  # (D,), (S,)


for query in ([3.0, 0.0], [0.0, 3.0], [1.0, 1.0]):
    read, weights = soft_lookup(torch.tensor(query), keys, values)
    print(f"query {query}: weights {weights.numpy().round(3)}, read {read.item():.2f}")
read_first, w_first = soft_lookup(torch.tensor([3.0, 0.0]), keys, values)
assert w_first.argmax() == 0 and abs(read_first.item() - 10) < 0.5  # near key 0: (almost) its value
assert abs(w_first.sum().item() - 1) < 1e-6

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every step is differentiable, so a query can be *learnt*. Start from a query that reads a blend
# and let gradient descent move it until the read equals 30, the value stored under the third key:

# %% slideshow={"slide_type": "-"}
query = torch.tensor([1.0, 1.0], requires_grad=True)
optimizer = torch.optim.SGD([query], lr=0.05)
for _ in range(200):
    read, weights = soft_lookup(query, keys, values)
    loss = (read - 30.0).pow(2).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"learnt query {query.detach().numpy().round(2)}, weights {weights.detach().numpy().round(3)}, "
      f"read {read.item():.2f}")
assert weights.argmax() == 2 and abs(read.item() - 30) < 0.5, (weights, read)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The query moved towards the third key, and far out: a longer query makes a sharper softmax. In an
# encoder-decoder the query is the decoder's state, keys and values are the encoder's states: the
# gradient that trains the output also trains *where to look*.
#
# **One step of the attention decoder.** As in Luong et al. (2015), the GRU step comes first and
# its new state $h_t$ is the query; padding gets weight zero; and $\tanh(W [h_t; c_t])$, the state
# beside what it read, predicts the next token.


# %% slideshow={"slide_type": "subslide"}
class AttentionDecoder(nn.Module):
    """The decoder of Seq2Seq(attention="dot"), written one step at a time."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=PAD)
        self.cell = nn.GRUCell(embed_size, hidden_size)
        self.combine = nn.Linear(2 * hidden_size, hidden_size)  # W of tanh(W [h_t; c_t])
        self.out = nn.Linear(hidden_size, vocab_size)

    def step(self, token, h, enc_states, mask):
        """token (B,), h (B, n_h), enc_states (B, S, n_h), mask (B, S) -> logits (B, V), h, weights (B, S)."""
        h = self.cell(self.embedding(token), h)  # (B, n_h): the new state is the query
        scores = (enc_states @ h[:, :, None])[:, :, 0] / h.shape[1] ** 0.5  # (B, S): q . k_i / sqrt(n_h)
        scores = scores.masked_fill(~mask, float("-inf"))  # padding: weight exactly 0
        weights = torch.softmax(scores, dim=1)  # (B, S), each row sums to 1
        context = (weights[:, None, :] @ enc_states)[:, 0]  # (B, n_h): the weighted read of the values
        features = torch.tanh(self.combine(torch.cat([h, context], dim=1)))  # (B, n_h)
        return self.out(features), h, weights  # (B, V), (B, n_h), (B, S)


# %% [markdown] slideshow={"slide_type": "subslide"}
# The same step in the package (`untrained.step`), with its weights copied into ours, from the
# encoder's states of the two padded sentences above:

# %% slideshow={"slide_type": "subslide"}
decoder = AttentionDecoder(3 + NUM_SYMBOLS, 32, 128).to(cfg.device)
package_decoder = untrained.decoder
decoder.embedding.load_state_dict(package_decoder.embedding.state_dict())
decoder.cell.load_state_dict({k.removesuffix("_l0"): v for k, v in package_decoder.rnn.impl.state_dict().items()})
decoder.combine.load_state_dict(package_decoder.combine.state_dict())
decoder.out.load_state_dict(package_decoder.out.state_dict())
token = torch.full((2,), BOS, device=cfg.device)  # (B,)
mask = torch.arange(src.shape[1], device=cfg.device) < src_lengths[:, None]  # (B, S) True at real words
with torch.no_grad():
    logits, h, weights = decoder.step(token, final, states, mask)
    memory, state = untrained.encode(src, src_lengths)
    package_logits, package_h, package_weights = untrained.step(token, state, memory)
torch.testing.assert_close(logits, package_logits)
torch.testing.assert_close(h, package_h)
torch.testing.assert_close(weights, package_weights)
print("attention weights of the first step (the second sentence has 2 real words):")
print(weights.cpu().numpy().round(3))
assert torch.all(weights[1, 2:] == 0), "padding gets no weight"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Attention against the bottleneck
#
# The same reversal task, the same sizes and the same number of training steps, now with
# attention:

# %% slideshow={"slide_type": "-"}
for n in LENGTHS:
    model, history = train_reverser(n, "dot")
    reversers["with attention", n] = model
    synthetic_accuracy["with attention"][n] = exact_accuracy(model, n)
    results.record(f"reversal, length {n}, with attention: exactly right",
                   100 * synthetic_accuracy["with attention"][n], unit="%")
    print(f"length {n}, with attention: {synthetic_accuracy['with attention'][n]:.2f} exactly "
          f"right after {SYN_STEPS} steps ({history.seconds:.0f} s)")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(6, 3.5))
for offset, (name, accuracy) in zip((-0.2, 0.2), synthetic_accuracy.items()):
    ax.bar([i + offset for i in range(len(LENGTHS))], [accuracy[n] for n in LENGTHS], width=0.4, label=name)
ax.set_xticks(range(len(LENGTHS)), [str(n) for n in LENGTHS])
ax.set(xlabel="sequence length", ylabel="sequences reversed exactly", ylim=(0, 1.3),
       yticks=[0, 0.25, 0.5, 0.75, 1], title=f"Reversal after {SYN_STEPS} training steps")
for bars in ax.containers:
    ax.bar_label(bars, fmt="%.2f")  # the accuracy on each bar, even one near zero
ax.legend(loc="upper center", ncol=2)  # above the bars
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The claim: at some length, after the same number of steps, the model with attention reverses at
# least 90% of the sequences exactly while the one without gets fewer than half right. (90%, not
# 95%: on some seeds the share comes within two points of 95%, too close to claim.)

# %% slideshow={"slide_type": "-"}
separating = [n for n in LENGTHS if synthetic_accuracy["with attention"][n] >= 0.9
              and synthetic_accuracy["without attention"][n] < 0.5]
print(f"lengths where, after {SYN_STEPS} steps, attention >= 90% and no attention < 50%:", separating)
# the claim is read at the first such length; if there is none, at the widest gap (where it fails)
n_claim = separating[0] if separating else max(
    LENGTHS, key=lambda n: synthetic_accuracy["with attention"][n] - synthetic_accuracy["without attention"][n])
print(f"the claim is read at length {n_claim}")
claim("with attention, the decoder reverses at least 90% of the sequences exactly (share exactly right)",
      synthetic_accuracy["with attention"][n_claim], ">=", 0.9)
claim("at the same length and steps, without attention it reverses fewer than half (share exactly right)",
      synthetic_accuracy["without attention"][n_claim], "<", 0.5)

# %% [markdown] slideshow={"slide_type": "subslide"}
# A result **at this budget**: 128 numbers can hold 15 symbols of 10 kinds, and longer training
# helps the model without attention (full mode; exercise 4).
#
# Where does the attention model look? Output $t$ must read input $L - 1 - t$: the anti-diagonal.
# The weights spread to neighbours too: the GRU's state at $i$ also carries the symbols before $i$.

# %% slideshow={"slide_type": "subslide"}
src_one, lengths_one, _, _ = reversal_batch(1, L_long, torch.Generator().manual_seed(7))
with training.eval_mode(reversers["with attention", L_long]):
    hyps, maps = seq2seq.greedy_decode(reversers["with attention", L_long], src_one.to(cfg.device),
                                       lengths_one.to(cfg.device), BOS, EOS, L_long + 1)
alignment = maps[0][:L_long]  # (output steps, input positions), the <eos> step dropped
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.imshow(alignment, cmap="viridis", vmin=0, vmax=1)
ax.set(xlabel="input position", ylabel="output step", title="Attention while reversing")
plt.show()
looked_at = alignment.argmax(1)  # (output steps,): the input position read most
anti = torch.arange(L_long - 1, -1, -1)[:len(looked_at)]  # output t should read input L - 1 - t
on_band = ((looked_at - anti).abs() <= 1).float().mean().item()
anti_diagonal = alignment.flip(1).diagonal().mean().item()
print(f"output steps whose most-read input is L-1-t or a neighbour: {on_band:.0%}; mean weight on "
      f"the anti-diagonal itself {anti_diagonal:.2f} (uniform would be {1 / L_long:.2f})")
claim("attention reads the reversed position or a neighbour (share of output steps)", on_band, ">=", 0.8)
claim("attention weighs the anti-diagonal over twice as much as uniform weights would (mean weight over uniform)",
      anti_diagonal * L_long, ">", 2)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Real translation: Tatoeba English-French
#
# The pairs come from the Tatoeba project as packaged by manythings.org; the licence asks for this
# attribution, printed from the course's data registry:

# %% slideshow={"slide_type": "-"}
pairs = data.load_fra_eng()
source = data.REGISTRY["fra-eng"]
print(f"{len(pairs):,} pairs. Attribution: {source.citation} (licence {source.licence.rstrip('.')}, "
      f"https://tatoeba.org/eng/terms_of_use)")
assert source.citation == "www.manythings.org/anki and tatoeba.org"
for english, french in pairs[:: len(pairs) // 6][:6]:
    print(f"  {english!r:60} -> {french!r}")

# %% [markdown] slideshow={"slide_type": "-"}
# **Normalisation.** `text.normalize` maps French typography (no-break spaces before `! ? :`,
# curly apostrophes) to plain characters; `tokenize` lower-cases, splits punctuation and keeps
# accents and elisions (`j'`) whole; a detokeniser puts French typography back for scoring.

# %% slideshow={"slide_type": "subslide"}
raw = "J\u2019ai été là, garçon\u202f!"
tokens = text.tokenize(raw, "word")
print(repr(raw), "->", tokens, "->", repr(text.detokenize(tokens, lang="fr")))
assert tokens == ["j'", "ai", "été", "là", ",", "garçon", "!"]
assert text.detokenize(text.tokenize(raw, "word", lower=False), "fr") == text.normalize(raw)

# %% [markdown] slideshow={"slide_type": "-"}
# **Three splits, by English sentence.** If one translation of a sentence trained the model and
# another tested it, the test would measure memory. So we hold out whole English sentences with
# **all** their translations (the references). Sentences that differ only in case, punctuation or
# contractions share a key (`translation.source_key`) and fall on the same side. **Dev** chooses
# every setting; **test** is read once, at the end. Class mode keeps sentences of at most 6 tokens.

# %% slideshow={"slide_type": "subslide"}
MAX_SRC, MAX_TGT = cfg.pick(smoke=(6, 14), class_=(6, 14), full=(12, 20))
examples = translation.prepare_pairs(pairs, MAX_SRC, MAX_TGT)
train_pairs, dev_items, test_items = translation.split_train_dev_test(examples, dev_size=1000,
                                                                      test_size=1000, seed=cfg.seed)
translation.check_disjoint(train_pairs, dev_items, test_items)  # no key in two splits
forms = defaultdict(set)  # key -> the English sentences (as tokenised) that share it
for ex in examples:
    forms[translation.source_key(ex.src)].add(ex.src)
merged = [item for item in dev_items + test_items if len(forms[translation.source_key(item.src)]) > 1]
translations_per_src = Counter(ex.src for ex in examples)
most = max(translations_per_src, key=translations_per_src.get)
print(f"{len(train_pairs):,} training pairs; {len(dev_items):,} dev and {len(test_items):,} test "
      f"sentences with {sum(len(i.references) for i in test_items) / len(test_items):.2f} references "
      f"each on average")
print(f"{len(merged)} held-out keys cover several English forms, e.g. "
      f"{sorted(' '.join(f) for f in forms[translation.source_key(merged[0].src)])}")
print(f"most translations: {' '.join(most)!r} has {translations_per_src[most]}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Scoring: BLEU, by hand first
#
# Corpus BLEU (Papineni et al., 2002) compares an output with its references by **n-gram
# precision**: of the output's n-grams ($n = 1 \dots 4$), how many appear in a reference, each
# counted at most as often as in the one reference that has it most ("clipping", so that "le le
# le le" does not score). A geometric mean combines the four precisions, and a **brevity
# penalty** $\mathrm{BP} = e^{1 - r/c}$ (when the output length $c$ is below the length $r$ of the
# reference closest to it, else 1) stops a short, safe output from scoring well. On a corpus,
# counts and lengths are summed over all sentences before dividing. Worked on one sentence:


# %% slideshow={"slide_type": "subslide"}
def ngrams(tokens, n):
    """Counts of the n-grams of a token list."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def clipped_matches(output, references, n):
    """(matched n-grams, n-grams in the output): each n-gram counted at most its largest reference count."""
    out = ngrams(output, n)
    most = Counter()
    for ref in references:
        most |= ngrams(ref, n)  # the largest count in any one reference
    return sum(min(count, most[g]) for g, count in out.items()), sum(out.values())


output = text.tokenize("le chat dort sur le tapis", "word")
refs_by_hand = [text.tokenize(r, "word") for r in ("le chat dort sur le grand tapis",
                                                   "un chat est assis sur le tapis rouge")]
precisions = []
for n in range(1, 5):
    matched, total = clipped_matches(output, refs_by_hand, n)
    precisions.append(matched / total)
    print(f"{n}-grams: {matched} of {total} in a reference")
closest = min((abs(len(r) - len(output)), len(r)) for r in refs_by_hand)[1]
bp = min(1.0, math.exp(1 - closest / len(output)))
by_hand = 100 * bp * math.exp(sum(math.log(p) for p in precisions) / 4)
official = sacrebleu.corpus_bleu([" ".join(output)], [[" ".join(r)] for r in refs_by_hand]).score
print(f"output length {len(output)}, closest reference {closest}: BP = {bp:.3f}; "
      f"BLEU by hand {by_hand:.2f}, sacrebleu {official:.2f}")
assert abs(by_hand - official) < 1e-6

# %% [markdown] slideshow={"slide_type": "subslide"}
# We score *detokenised* output against the references as written and let sacrebleu tokenise
# both, ignoring case (`case:lc` in the signature). BLEU of one sentence is noisy (one missing
# 4-gram sets it to zero); the numbers below are corpus BLEU over 1,000 sentences.


# %% slideshow={"slide_type": "-"}
def bleu(french_token_lists, items):
    """Corpus BLEU of tokenised French outputs, detokenised, against all references of each item."""
    hypotheses = [text.detokenize(tokens, lang="fr") for tokens in french_token_lists]
    return metrics.corpus_bleu(hypotheses, [list(item.references) for item in items], lowercase=True)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Training a translator, settings chosen on dev
#
# A GRU encoder-decoder with scaled dot-product attention (embedding 128, hidden 256), Adam with a
# cosine-decaying learning rate, batches of 64 pairs of similar lengths. To keep a step cheap, the
# output layer runs only at real target positions and is an **adaptive softmax**: frequent French
# words get a full softmax, rare ones a cheaper one behind a cluster token. Vocabularies come from
# the training pairs only; rarer words become `<unk>`.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Where these settings come from (the dev sweeps)</summary>
#
# `scripts/translation_dev.py` (seed 0) trained this model with each candidate setting and
# printed dev BLEU; test was never decoded there. The next cell prints what it measured. Kept: the
# word-count threshold and learning rate with the best dev BLEU; the larger hidden size (a smaller
# state makes a step cheaper but learned more slowly at this budget); an adaptive softmax whose
# full part holds the most frequent ids; and the longer schedule (one ending sooner cost dev
# BLEU). The evaluations at 500 and 1,000 steps come from the same runs, before the learning rate
# decayed, so they only show that dev BLEU was still rising: more steps would help, but the
# class-mode budget allows no more. For decoding, the rule was the best dev BLEU unless a setting
# costs time for a gain under half a point: a beam of 4 (more than half a point above a beam of
# 2), and no length penalty (it changed dev BLEU by less than that and slows the search, whose
# stopping bound it loosens).
#
# </details>

# %% jupyter={"outputs_hidden": true, "source_hidden": true} slideshow={"slide_type": "skip"} tags=["hide-cell"]
DEV_SWEEP = [  # (setting, dev BLEU after 500, 1,000, 1,500 steps), greedy, <unk> forbidden, seed 0
    ("words seen >= 3 times (6,267 French words), lr 3e-3", (13.53, 21.63, 22.89)),
    ("words seen >= 3 times, lr 6e-3", (12.03, 20.26, 22.57)),
    ("words seen >= 5 times (4,111 French words), lr 3e-3", (13.93, 22.60, 23.92)),
    ("words seen >= 10 times (2,338 French words), lr 3e-3", (13.85, 21.78, 23.25)),
    ("words seen >= 5 times, lr 3e-3, hidden 192 (a cheaper step)", (10.47, 19.32, 20.67)),
]
DEV_FEWER_STEPS = (1250, 21.46)  # (steps, dev BLEU) with the kept settings, cosine schedule to 1,250
DEV_BEAMS = [  # (beam size, length penalty, dev BLEU on 400 sentences), the first model above
    (1, 0.0, 23.39), (1, 1.0, 23.39), (2, 0.0, 26.37), (2, 1.0, 26.43), (4, 0.0, 26.96), (4, 1.0, 27.01),
]
print("dev BLEU after 500 / 1,000 / 1,500 training steps (cosine schedule to 1,500):")
for setting, scores in DEV_SWEEP:
    print(f"  {' / '.join(f'{s:4.1f}' for s in scores)}   {setting}")
print(f"  {DEV_FEWER_STEPS[1]:4.1f} after {DEV_FEWER_STEPS[0]:,} steps with the schedule ending there "
      f"(the kept settings; a cheaper run)")
print("dev BLEU by beam size and length penalty (400 sentences):",
      ", ".join(f"beam {k}, penalty {a:.0f}: {b:.2f}" for k, a, b in DEV_BEAMS))

# %% slideshow={"slide_type": "subslide"}
MIN_FREQ, CUTOFFS, MT_LR = 5, [1000], 3e-3  # chosen on dev (the folded sweep above)
src_vocab = text.Vocab((w for ex in train_pairs for w in ex.src), MIN_FREQ, text.SPECIALS)
tgt_vocab = text.Vocab((w for ex in train_pairs for w in ex.tgt), MIN_FREQ, text.SPECIALS)
train_src = [src_vocab.encode(ex.src) for ex in train_pairs]
train_tgt = [tgt_vocab.encode(ex.tgt) for ex in train_pairs]
covered = sum(w in tgt_vocab for item in dev_items for t in item.targets for w in t)
total = sum(len(t) for item in dev_items for t in item.targets)
print(f"vocabularies: {len(src_vocab):,} English, {len(tgt_vocab):,} French; {covered / total:.1%} "
      f"of the dev references' French words are in the vocabulary")

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>What the adaptive softmax saves (a timing)</summary>
#
# The next cell times the output layer and its loss, forward and backward, on one batch of real
# training pairs: a full softmax over all French words against the adaptive version.
#
# </details>


# %% jupyter={"outputs_hidden": true, "source_hidden": true} slideshow={"slide_type": "skip"} tags=["hide-cell"]
def output_layer_ms(layer, loss_fn, h, targets, repeats=5):
    """Milliseconds for the output layer and its loss, forward and backward, on features h (N, H)."""
    start = time.perf_counter()
    for _ in range(repeats):
        loss_fn(layer, h, targets).backward()
    return 1000 * (time.perf_counter() - start) / repeats


timing_batch = seq2seq.make_batch(train_src[:64], train_tgt[:64], tgt_vocab.pad, tgt_vocab.bos, tgt_vocab.eos)
real = timing_batch[3] != tgt_vocab.pad  # (B, T) the positions that are not padding
h_real = torch.randn(int(real.sum()), 256, requires_grad=True)  # (N, H) features at those positions
full_ms = output_layer_ms(torch.nn.Linear(256, len(tgt_vocab)),
                          lambda layer, h, y: torch.nn.functional.cross_entropy(layer(h), y),
                          h_real, timing_batch[3][real])
adaptive_ms = output_layer_ms(torch.nn.AdaptiveLogSoftmaxWithLoss(256, len(tgt_vocab), CUTOFFS, div_value=4.0),
                              lambda layer, h, y: layer(h, y).loss, h_real, timing_batch[3][real])
print(f"{real.float().mean():.0%} of the target positions are real words; output layer and loss at "
      f"those positions: all {len(tgt_vocab):,} words {full_ms:.0f} ms, adaptive {adaptive_ms:.0f} ms")

# %% slideshow={"slide_type": "subslide"}
MT_STEPS = cfg.pick(smoke=20, class_=1500, full=30_000)
MT_BATCH = cfg.pick(smoke=64, class_=64, full=128)
MT_HIDDEN = cfg.pick(smoke=64, class_=256, full=512)
MAX_OUT = MAX_TGT + 4  # decoding stops here if <eos> never comes


def train_translator(attention):
    """A Seq2Seq trained for MT_STEPS steps from seed cfg.seed; returns it and its history."""
    torch.manual_seed(cfg.seed)
    generator = torch.Generator().manual_seed(cfg.seed)
    model = seq2seq.Seq2Seq(len(src_vocab), len(tgt_vocab), embed_size=128, hidden_size=MT_HIDDEN,
                            attention=attention, cutoffs=CUTOFFS).to(cfg.device)
    batches = lambda: seq2seq.make_batches(train_src, train_tgt, MT_BATCH, tgt_vocab.pad,
                                           tgt_vocab.bos, tgt_vocab.eos, generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=MT_LR, fused=True)  # one fused update: faster
    history = training.fit(model, batches, seq2seq.seq2seq_loss, steps=MT_STEPS, optimizer=optimizer,
                           clip=1.0, schedule="cosine", desc=f"attention={attention}")
    return model, history


translator, mt_history = train_translator("dot")
epochs = MT_STEPS * MT_BATCH / len(train_pairs)
print(f"settings ({cfg.mode} mode): words seen at least {MIN_FREQ} times, learning rate {MT_LR}, "
      f"hidden size {MT_HIDDEN}, adaptive softmax with the {CUTOFFS[0]:,} most frequent ids in its "
      f"full part, batches of {MT_BATCH}")
print(f"{MT_STEPS} steps ({epochs:.2f} epochs) in {mt_history.seconds:.0f} s, "
      f"{1000 * mt_history.seconds / MT_STEPS:.0f} ms per step; final training loss "
      f"{sum(mt_history.train_loss[-50:]) / 50:.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **`<unk>` on output.** An output containing `<unk>` can only lose n-gram matches, so we may
# **forbid** it and let the decoder write its most likely real word instead. Whether that helps
# is measured on dev, not assumed:


# %% slideshow={"slide_type": "subslide"}
def decode(items, **options):
    """French token lists for held-out items, with the translator in eval mode."""
    with training.eval_mode(translator):
        outputs, maps = translation.translate(translator, [item.src for item in items], src_vocab,
                                              tgt_vocab, MAX_OUT, **options)
    return outputs, maps


dev_forbid, _ = decode(dev_items)
dev_allow, _ = decode(dev_items, forbid_unk=False)
bleu_forbid, bleu_allow = bleu(dev_forbid, dev_items)[0], bleu(dev_allow, dev_items)[0]
FORBID_UNK = bleu_forbid >= bleu_allow
results.record("dev BLEU, greedy, <unk> forbidden", bleu_forbid)
results.record("dev BLEU, greedy, <unk> allowed", bleu_allow)
dev_greedy = dev_forbid if FORBID_UNK else dev_allow
print(f"dev BLEU, greedy: <unk> forbidden {bleu_forbid:.1f}, allowed {bleu_allow:.1f} "
      f"-> {'forbid' if FORBID_UNK else 'allow'} it")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Beam search: where greedy's first choice loses
#
# Greedy decoding commits to the most likely next token at every step. But an output's
# probability is the *product* of its steps' probabilities, and a likely first step can lead to
# unlikely continuations. A hand-made table makes this concrete (after Dive into Deep Learning,
# section 10.8): three tokens and `<eos>`, each row the next-token probabilities after a prefix.

# %% slideshow={"slide_type": "subslide"}
TOY = {  # prefix -> probabilities of the next token
    (): {"A": 0.5, "B": 0.3, "C": 0.1, "<eos>": 0.1},
    ("A",): {"A": 0.1, "B": 0.4, "C": 0.3, "<eos>": 0.2},
    ("B",): {"A": 0.3, "B": 0.2, "C": 0.2, "<eos>": 0.3},
    ("A", "B"): {"A": 0.2, "B": 0.2, "C": 0.4, "<eos>": 0.2},
    ("A", "C"): {"A": 0.1, "B": 0.6, "C": 0.1, "<eos>": 0.2},
    ("A", "B", "C"): {"A": 0.1, "B": 0.1, "C": 0.2, "<eos>": 0.6},
    ("A", "C", "B"): {"A": 0.1, "B": 0.1, "C": 0.2, "<eos>": 0.6},
}
print(f"{'after':>12}" + "".join(f"{t:>7}" for t in TOY[()]))
for prefix, probs in TOY.items():
    print(f"{' '.join(('<bos>', *prefix)):>12}" + "".join(f"{p:7.1f}" for p in probs.values()))

# %% [markdown] slideshow={"slide_type": "-"}
# **Beam search** keeps the `beam_size` most likely prefixes at every step: it extends each by
# every token, ranks all extensions by their probability, and keeps the best `beam_size`; an
# extension ending in `<eos>` is set aside as finished. With a beam of 1 it is greedy decoding.
# Both, on the table:


# %% slideshow={"slide_type": "subslide"}
def toy_beam(table, beam_size, max_len=4):
    """The most likely finished output found with beam_size live prefixes: (tokens, probability)."""
    beams, finished = [((), 1.0)], []  # (prefix, its probability)
    for _ in range(max_len):
        extensions = [(seq + (token,), p * q) for seq, p in beams for token, q in table[seq].items()]
        best = sorted(extensions, key=lambda e: -e[1])[:beam_size]  # the beam_size likeliest
        finished += [e for e in best if e[0][-1] == "<eos>"]
        beams = [e for e in best if e[0][-1] != "<eos>"]
        if not beams:
            break
    return max(finished, key=lambda e: e[1])


toy_greedy, p_greedy = toy_beam(TOY, beam_size=1)
toy_best, p_beam = toy_beam(TOY, beam_size=2)
print(f"greedy (beam of 1): {' '.join(toy_greedy)}   probability {p_greedy:.3f}")
print(f"beam of 2:          {' '.join(toy_best)}   probability {p_beam:.3f}")
assert p_beam > p_greedy and toy_best[1] != toy_greedy[1], "the beam kept greedy's runner-up at step 2"
assert math.isclose(p_greedy, beam_toy.sequence_probability(TOY, toy_greedy))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Greedy took the likeliest second token; the beam also kept the runner-up, whose continuations
# were likelier. A beam is still not an exact search: the best output may fall out of it early.
#
# The package's `seq2seq.beam_search` runs all live outputs as one batch and stops once none can
# beat the best finished one. On the table (`beam_toy.TableModel`) it finds the same outputs:

# %% slideshow={"slide_type": "-"}
toy_model = beam_toy.TableModel(TOY, tokens=["A", "B", "C"])
toy_src = torch.tensor([3])  # the table ignores its source
for size, ours in [(1, toy_greedy), (2, toy_best)]:
    ids, _ = seq2seq.beam_search(toy_model, toy_src, beam_toy.BOS, beam_toy.EOS, max_len=4, beam_size=size)
    print(f"package, beam of {size}: {' '.join(toy_model.decode_ids(ids))}")
    assert toy_model.decode_ids(ids) == list(ours[:-1]), "the package's search should agree with ours"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **On real sentences.** Every extra word lowers $\log p$, so beam search can favour short
# outputs; a `length_penalty` $\alpha$ ranks finished outputs by $\log p / n^\alpha$ instead ($n$
# counting `<eos>`). Beam search optimises the model's probability; whether that improves the
# translation is an empirical question, so we measure BLEU on dev, with the beam size and penalty
# from the folded sweep in section 7.

# %% slideshow={"slide_type": "subslide"}
BEAM, LENGTH_PENALTY = 4, 0.0  # chosen on dev (section 7)
DEV_BEAM_ITEMS = cfg.pick(smoke=50, class_=300, full=1000)
subset = dev_items[:DEV_BEAM_ITEMS]
start = time.perf_counter()
dev_beam, _ = decode(subset, beam_size=BEAM, length_penalty=LENGTH_PENALTY, forbid_unk=FORBID_UNK)
beam_seconds = time.perf_counter() - start
greedy_sub = dev_greedy[:DEV_BEAM_ITEMS]
bleu_greedy_sub, bleu_beam_sub = bleu(greedy_sub, subset)[0], bleu(dev_beam, subset)[0]
USE_BEAM = bleu_beam_sub >= bleu_greedy_sub + 0.5  # worth its cost only with a clear gain on dev
results.record(f"dev BLEU, first {DEV_BEAM_ITEMS} sentences, greedy", bleu_greedy_sub)
results.record(f"dev BLEU, first {DEV_BEAM_ITEMS} sentences, beam of {BEAM}", bleu_beam_sub)
print(f"first {DEV_BEAM_ITEMS} dev sentences: greedy BLEU {bleu_greedy_sub:.1f}, beam of {BEAM} "
      f"(length penalty {LENGTH_PENALTY}) {bleu_beam_sub:.1f} ({beam_seconds:.1f} s) -> "
      f"{'beam' if USE_BEAM else 'greedy'} decoding on test")

# %% [markdown] slideshow={"slide_type": "-"}
# What beam search optimises, checked: the score it ranks by (log-probability, divided by
# $n^\alpha$) for its output and for greedy's, on the sentences where the two differ.

# %% slideshow={"slide_type": "subslide"}
forbid = (tgt_vocab.unk, tgt_vocab.pad, tgt_vocab.bos) if FORBID_UNK else (tgt_vocab.pad, tgt_vocab.bos)


def beam_scores(items, outputs):
    """(log p(output | source), that over n ** alpha) under the translator, for each item's output;
    n counts <eos>, unless the output was cut at MAX_OUT."""
    sources = [torch.tensor(src_vocab.encode(item.src), device=cfg.device) for item in items]
    ended = [len(output) < MAX_OUT for output in outputs]
    with training.eval_mode(translator):
        logps = seq2seq.output_log_probs(translator, sources, [tgt_vocab.encode(o) for o in outputs],
                                         tgt_vocab.bos, tgt_vocab.eos, ended, forbid)
    return [(lp, lp / (len(o) + e) ** LENGTH_PENALTY) for lp, o, e in zip(logps, outputs, ended)]


differ = [i for i in range(len(subset)) if dev_beam[i] != greedy_sub[i]]
scores = list(zip(beam_scores([subset[i] for i in differ], [greedy_sub[i] for i in differ]),
                  beam_scores([subset[i] for i in differ], [dev_beam[i] for i in differ])))  # (greedy, beam)
higher = sum(b[1] > g[1] + 1e-6 for g, b in scores)
print(f"beam and greedy differ on {len(differ)} of {len(subset)} sentences; beam's score is higher "
      f"on {higher}, lower on {sum(b[1] < g[1] - 1e-6 for g, b in scores)}")
if differ:
    i, ((g_logp, _), (b_logp, _)) = differ[0], scores[0]
    print(f"  {' '.join(subset[i].src)!r}\n  greedy: {text.detokenize(greedy_sub[i], 'fr')!r} "
          f"(log p = {g_logp:.2f})\n  beam:   {text.detokenize(dev_beam[i], 'fr')!r} (log p = {b_logp:.2f})")
claim("where they differ, beam search's outputs score at least as high as greedy's in total (score difference)",
      sum(b[1] for _, b in scores) - sum(g[1] for g, _ in scores), ">=", 0)
claim("beam search's output scores higher on most sentences where the two differ (share; none differ: 1)",
      higher / len(differ) if differ else 1.0, ">", 0.5)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · The test, read once
#
# Everything is now fixed. Two floors: one constant output (the most frequent French training
# sentence) and a **word-by-word** dictionary (each English word replaced by the French word it
# co-occurs with most). Beside BLEU on all test sentences, BLEU on those whose references are no
# training target: there, a correct output cannot be a recalled training sentence.

# %% slideshow={"slide_type": "subslide"}
test_out, test_maps = decode(test_items, forbid_unk=FORBID_UNK)
bleu_test, signature = bleu(test_out, test_items)
constant = translation.most_common_translation(train_pairs)
table = translation.word_by_word_table(train_pairs)
word_by_word_out = [translation.word_by_word(item.src, table) for item in test_items]
floor_constant, _ = bleu([constant] * len(test_items), test_items)
floor_words, _ = bleu(word_by_word_out, test_items)
unseen = translation.unseen_target_items(train_pairs, test_items)
bleu_unseen, _ = bleu([test_out[i] for i in unseen], [test_items[i] for i in unseen])
print(f"test BLEU ({len(test_items):,} English sentences never seen in training):")
print(f"  {floor_constant:5.1f}  constant output {text.detokenize(constant, 'fr')!r}")
print(f"  {floor_words:5.1f}  word by word")
print(f"  {bleu_test:5.1f}  translator, greedy")
print(f"  {bleu_unseen:5.1f}  translator, greedy, the {len(unseen)} sentences with no reference among "
      f"the training targets")
results.record("test BLEU, greedy", bleu_test)
results.record("test BLEU, word by word (floor)", floor_words)
results.record("test BLEU, constant output (floor)", floor_constant)
results.record("test BLEU, greedy, references unseen in training", bleu_unseen)
bleu_test_beam = None
if USE_BEAM:
    test_beam, _ = decode(test_items, beam_size=BEAM, length_penalty=LENGTH_PENALTY, forbid_unk=FORBID_UNK)
    bleu_test_beam = results.record(f"test BLEU, beam of {BEAM}", bleu(test_beam, test_items)[0])
    print(f"  {bleu_test_beam:5.1f}  translator, beam of {BEAM}")
print("signature:", signature)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The claims: the translator beats the word-by-word dictionary by a clear margin and reaches a
# BLEU of at least 22 on sentences it never saw.

# %% slideshow={"slide_type": "-"}
claim("the translator reaches a usable BLEU on unseen test sentences (test BLEU, greedy)", bleu_test, ">=", 22)
claim("the translator beats the word-by-word dictionary by a clear margin (test BLEU gap)",
      bleu_test - floor_words, ">=", 5)
claim("one constant sentence for every input scores next to nothing (test BLEU)", floor_constant, "<", 2)

# %% [markdown] slideshow={"slide_type": "-"}
# **BLEU by source length.** Class mode keeps English sentences of at most six tokens, so the
# bins differ in size (a bin of a few sentences gives a noisy BLEU): read the bars as a description
# of this test set, not as evidence that length makes translation harder.

# %% slideshow={"slide_type": "subslide"}
by_length = {}
for n, indices in translation.source_length_bins(test_items).items():
    by_length[n] = (len(indices), bleu([test_out[i] for i in indices], [test_items[i] for i in indices])[0])
    print(f"English length {n}: {by_length[n][0]:4d} sentences, BLEU {by_length[n][1]:5.1f}")
fig, ax = plt.subplots(figsize=(5.5, 3))
ax.bar([str(n) for n in by_length], [b for _, b in by_length.values()])
ax.set(xlabel="English length (tokens)", ylabel="test BLEU (greedy)", title="BLEU by source length")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Good and bad translations.** Test sentences sorted by sentence-level BLEU (noisy on single
# sentences, good enough to sort): the best, the middle and the worst.

# %% slideshow={"slide_type": "-"}
scored = sorted((sacrebleu.sentence_bleu(text.detokenize(out, "fr"), list(item.references),
                                         lowercase=True).score, i)
                for i, (out, item) in enumerate(zip(test_out, test_items)))
picks = scored[-4:][::-1] + scored[len(scored) // 2 - 2: len(scored) // 2 + 2] + scored[:4]
print(f"{'English':34} {'output':38} {'a reference':38} BLEU")
for score, i in picks:
    print(f"{' '.join(test_items[i].src):34.34} {text.detokenize(test_out[i], 'fr'):38.38} "
          f"{test_items[i].references[0]:38.38} {score:5.1f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · Attention made visible
#
# For two test sentences, the weight each French output word (rows) gives to each English source
# word (columns). Word order is similar in English and French, so we expect maps close to the
# diagonal, bent where French reorders (adjectives after nouns, `ne ... pas` around the verb). The
# weights are the model's, not an alignment anyone checked: look, do not over-read.


# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
def show_attention(weights, source, output, title):
    """Heatmap of attention weights (output words + <eos>, source words), one figure sized to the
    sentence so that every label stays at 11 points, whatever the notebook's width."""
    rows = (output + ["<eos>"])[:weights.shape[0]]
    size = (min(10, 2.8 + 0.75 * len(source)), min(9, 1.4 + 0.4 * len(rows)))  # inches, capped
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    image = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    fig.colorbar(image, ax=ax, label="weight", shrink=0.8)
    ax.set_xticks(range(len(source)), source, rotation=30, ha="right", fontsize=11)
    ax.set_yticks(range(len(rows)), rows, fontsize=11)
    ax.set(xlabel="English source", ylabel="French output")
    ax.set_title(title, fontsize=11)
    plt.show()


examples_to_show = [i for _, i in scored[-40::20]][:2]  # among the better translations, for legibility
for i in examples_to_show:  # one figure per sentence, one below the other
    show_attention(test_maps[i], list(test_items[i].src), test_out[i],
                   f"Where the decoder looks: {text.detokenize(test_out[i], 'fr')!r}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Type an English sentence (short ones work best: the model was trained on sentences of at most
# six tokens) and see its translation and where the decoder looked. Unknown words become `<unk>`
# on the way in; they are marked with a `*`.


# %% slideshow={"slide_type": "subslide"}
def translate_and_show(sentence):
    source = text.tokenize(sentence, "word")
    if not source:
        return
    options = {"beam_size": BEAM, "length_penalty": LENGTH_PENALTY} if USE_BEAM else {}
    with training.eval_mode(translator):
        (out,), (weights,) = translation.translate(translator, [source], src_vocab, tgt_vocab, MAX_OUT,
                                                   forbid_unk=FORBID_UNK, **options)
    print(text.detokenize(out, "fr"))
    show_attention(weights, [w if w in src_vocab else f"{w}*" for w in source], out,
                   "Attention (* an unknown English word)")


widgets.interact(translate_and_show, sentence=widgets.Text(value="I am very hungry.",
                                                           continuous_update=False));

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11 · With and without attention on real sentences
#
# Whether attention also helps on real sentences, more so on longer ones, is **not shown in class
# mode**: a fair comparison on longer sentences needs a GPU. Full mode prints BLEU by length, with
# and without attention, both trained for the same number of steps.

# %% slideshow={"slide_type": "subslide"}
if cfg.mode == "full":
    plain, plain_history = train_translator(None)
    with training.eval_mode(plain):
        plain_out, _ = translation.translate(plain, [item.src for item in test_items], src_vocab,
                                             tgt_vocab, MAX_OUT, forbid_unk=FORBID_UNK)
    print(f"without attention: test BLEU {bleu(plain_out, test_items)[0]:.1f}; with: {bleu_test:.1f}")
    for n, indices in translation.source_length_bins(test_items).items():
        items_n = [test_items[i] for i in indices]
        print(f"English length {n:2d} ({len(indices):3d}): without "
              f"{bleu([plain_out[i] for i in indices], items_n)[0]:5.1f}, with "
              f"{bleu([test_out[i] for i in indices], items_n)[0]:5.1f}")
else:
    print(f"{cfg.mode} mode: one translator trained; the comparison with and without attention "
          f"runs in full mode (COURSE_MODE=full)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - An encoder-decoder reads the source into a fixed-size state and writes the output one token
#   at a time. Trained with teacher forcing, it loses symbols when it reads its own outputs
#   (exposure bias); scheduled sampling and sequence-level training address that, beam search
#   does not.
# - Attention is a soft dictionary: scores of a query against keys (here scaled dot products),
#   softmax weights, a weighted read of values; where to read is learnt with everything else. On
#   reversal, at the same budget, it removed the bottleneck.
# - Beam search keeps several prefixes and can find a likelier output than greedy decoding; it is
#   still not an exact search, and a likelier output need not be a better translation.
# - Translation settings were chosen on dev; test was read once, beside two floors.

# %% slideshow={"slide_type": "subslide"}
print(f"reversal, length {L_long}: symbols right teacher-forced {forced_acc:.2f}, free-running {free_acc:.2f}")
print(f"reversal, length {n_claim}, exactly right after {SYN_STEPS} steps: without attention "
      f"{synthetic_accuracy['without attention'][n_claim]:.2f}, with {synthetic_accuracy['with attention'][n_claim]:.2f}")
print(f"toy table: greedy {' '.join(toy_greedy)} ({p_greedy:.3f}), beam of 2 {' '.join(toy_best)} ({p_beam:.3f})")
print(f"dev, first {DEV_BEAM_ITEMS} sentences: BLEU greedy {bleu_greedy_sub:.1f}, beam of {BEAM} "
      f"{bleu_beam_sub:.1f}; beam's output likelier on {higher} of the {len(differ)} where they differ")
print(f"test BLEU: constant {floor_constant:.1f}, word by word {floor_words:.1f}, translator (greedy) "
      f"{bleu_test:.1f}, on unseen references {bleu_unseen:.1f}"
      + ("" if bleu_test_beam is None else f", beam of {BEAM} {bleu_test_beam:.1f}"))

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>What came next, and the lecture's "pay attention" (update gate)</summary>
#
# Attention made the recurrence itself look optional: the Transformer (Vaswani et al., 2017)
# drops the RNNs and builds both encoder and decoder from (scaled dot-product) attention alone,
# each position attending to all others, which trains in parallel over positions. The lecture
# describes the GRU's update gate as a mechanism to "pay attention", but it is not attention in
# this notebook's sense: the gate decides, unit by unit, how much of the running state to keep
# and how much to overwrite with the current input, and what it overwrites is gone. Attention
# keeps every encoder state and, at every output step, reads them all again with weights over
# positions that sum to one.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# ### Exercise 1 · Additive attention by hand (★☆☆)
#
# Write `additive_scores(W_q, W_k, v, queries, keys)` returning the scores
# $s_{ti} = v^\top \tanh(W_q q_t + W_k k_i)$ for queries (B, T, Q) and keys (B, S, K), shape
# (B, T, S), with the three `nn.Linear` layers of `seq2seq.AdditiveAttention`.


# %% slideshow={"slide_type": "-"}
def additive_scores(W_q, W_k, v, queries, keys):
    """Additive attention scores (B, T, S) for queries (B, T, Q) and keys (B, S, K)."""
    # HINT: project both, add with broadcasting (B, T, 1, A) + (B, 1, S, A), tanh, then v
    ### BEGIN SOLUTION
    features = W_q(queries).unsqueeze(2) + W_k(keys).unsqueeze(1)  # (B, T, S, A)
    return v(torch.tanh(features)).squeeze(-1)  # (B, T, S)
    ### END SOLUTION


# %% slideshow={"slide_type": "subslide"}
torch.manual_seed(cfg.seed)
reference_attention = seq2seq.AdditiveAttention(5, 6, 7)
q_ex, k_ex = torch.randn(2, 3, 5), torch.randn(2, 4, 6)
mine = additive_scores(reference_attention.W_q, reference_attention.W_k, reference_attention.v, q_ex, k_ex)
assert mine.shape == (2, 3, 4), f"expected scores of shape (B, T, S) = (2, 3, 4), got {tuple(mine.shape)}"
torch.testing.assert_close(mine, reference_attention.scores(q_ex, k_ex),
                           msg="s_ti should be v . tanh(W_q q_t + W_k k_i)")
print("Exercise 1: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · `<unk>` replaced, not forbidden (★★☆)
#
# Instead of forbidding `<unk>`, let the model write it and replace each `<unk>` by the source
# word its attention weights point at (names and numbers often pass unchanged into French). Write
# `replace_unknowns(output, weights, source)`: `output` a list of French tokens, `weights`
# (len(output) or more, S) the attention rows of those tokens, `source` the English tokens. Then
# measure it on **dev** against forbidding `<unk>`.


# %% slideshow={"slide_type": "-"}
def replace_unknowns(output, weights, source):
    """Each '<unk>' in output replaced by the source word with the largest attention weight."""
    # HINT: weights[t].argmax() is the source position output word t attended to most
    ### BEGIN SOLUTION
    return [source[int(weights[t].argmax())] if word == text.UNK else word
            for t, word in enumerate(output)]
    ### END SOLUTION


# %% slideshow={"slide_type": "subslide"}
w_ex = torch.tensor([[0.9, 0.1, 0.0], [0.1, 0.2, 0.7], [0.2, 0.6, 0.2]])
got = replace_unknowns(["je", "<unk>", "<unk>"], w_ex, ["i", "saw", "tom"])
assert got == ["je", "tom", "saw"], f"expected ['je', 'tom', 'saw'], got {got}"
assert replace_unknowns(["oui"], w_ex, ["yes"]) == ["oui"], "words other than <unk> stay as they are"
print("Exercise 2: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Beam width (★★☆)
#
# No solution given. On dev, decode with beam sizes 1, 2, 4 and 8 and a `length_penalty` of 0
# and 1. Plot BLEU, decoding time and the average output length. Does a wider beam always help?
# What does the length penalty change?
#
# ### Exercise 4 · The bottleneck, measured (★★★)
#
# No solution given. Train the reversal models with hidden size 64 and 256, and with twice and
# four times the steps. How does the longest length the model without attention reverses (at
# least half right) change with the size of its state, and with the budget?
