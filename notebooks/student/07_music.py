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
# # 07 · Writing music with an LSTM
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/student/07_music.ipynb)
#
# *Student version: each exercise raises `NotImplementedError` until you write its body; run the check cell after it to see PASS or what is wrong.*
#
# The lecture's first application: the input is sheet music, the output the next character of
# sheet music, at every step (many-to-many). Folk tunes written in **ABC notation** are plain
# text, so the character language model of notebooks 03 and 05 can learn them as they are; what
# is new is asking whether what it writes is *music*: does it parse, does it keep time, is it
# new, what does it sound like?
#
# **Learning goals**
#
# - Turn a collection of sheet music into a training stream, holding out whole tunes.
# - Write the model and its truncated-BPTT training step yourself, then the sampling loop that
#   carries the LSTM's state from one character to the next.
# - Measure the samples honestly, one yardstick at a time: strict validity, keeping time,
#   novelty, each beside two floors and beside real tunes the model never saw.
# - Choose the sampling temperature from a figure of runs the notebook never reports.
# - Hear a generated tune and see it beside a real one.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import copy
import html
import time
from fractions import Fraction
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from IPython.display import Audio, display
from course_utils import cells, config, metrics, models, music, results, text, training
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Sheet music as text
#
# The tunes come from four collections of dance tunes and airs that ship, as ABC files, inside
# the `music21` package, so nothing is downloaded. An ABC tune is a header of `field:value`
# lines (X number, T title, R rhythm, M meter, L unit note length, K key, which ends the header)
# and a body: notes `A-G a-g` (lower case an octave up), lengths as multiples of L (`A2`,
# `A/2`), `>` for dotted pairs, bar lines `|`, repeats `|: :|`. One tune as it is in the corpus:

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Where the tunes come from, and their licences</summary>
#
# | collection | source |
# |---|---|
# | `oneills1850` | *O'Neill's Music of Ireland: 1850 Melodies* (Chicago, 1903) |
# | `ryansMammoth` | *Ryan's Mammoth Collection* of fiddle tunes (Boston, 1883) |
# | `airdsAirs` | *Aird's Selection of Scotch, English, Irish and Foreign Airs* (Glasgow, 1778-1803) |
# | `miscFolk` | Colonial and Civil War American fife tunes; *Northumbrian Minstrelsy* (1882) |
#
# The files are in `music21/corpus/<name>/`. The printed collections are long out of copyright
# (public domain); the ABC transcriptions were made by volunteers (Norbert Paap, Bob Safranek,
# Ray Davies, Jack Campin and others) and are distributed with music21 by their permission, as
# its `corpus/license.txt` says. music21 also ships the Essen folksongs, whose terms forbid
# commercial use: we leave them out.
#
# </details>

# %% slideshow={"slide_type": "-"}
raw = music.raw_tunes("oneills1850")[1]
print(raw)

# %% [markdown] slideshow={"slide_type": "-"}
# The transcriptions mix notes with things a first model need not write: comments after `%`,
# chord symbols in quotes, decorations (`~`, `!trill!`), grace notes `{...}`.
# `music.normalize_tune` keeps the header fields needed to play a tune (X renumbered to 1, T, R,
# M, L, K) and the notes. And since it is music, listen to it: music21 writes the tune as MIDI,
# `pretty_midi` synthesises it with sine waves, and `IPython.display.Audio` plays it.

# %% slideshow={"slide_type": "subslide"}
fs = 16000  # audio samples per second
example = music.normalize_tune(raw)
print(example)
display(Audio(music.synthesize(example, fs=fs)[:20 * fs], rate=fs))

# %% [markdown] slideshow={"slide_type": "-"}
# Tunes with several voices, and very short or very long bodies (the limits are printed below),
# are left out. The split is **by tune**: a held-out tune is never seen, not even in part. The
# held-out tunes are split again: **dev** tunes, on which the training recipe was chosen, and
# **test** tunes, read only for the numbers this notebook reports.

# %% slideshow={"slide_type": "subslide"}
start = time.perf_counter()
tunes, dropped = music.load_tunes()
load_seconds = time.perf_counter() - start
train_tunes, held_tunes = music.split_tunes(tunes, valid_fraction=0.05)
test_tunes, dev_tunes = music.split_tunes(held_tunes, valid_fraction=0.5, seed=1)
print(f"{len(tunes)} tunes read and normalised in {load_seconds:.1f} s (bodies of "
      f"{music.MIN_BODY}-{music.MAX_BODY} characters); left out: {dict(dropped)}")
print(f"{len(train_tunes)} training tunes; held out: {len(dev_tunes)} dev and {len(test_tunes)} test tunes "
      f"({len(tunes) - len(train_tunes) - len(held_tunes)} duplicate bodies dropped)")
assert len(train_tunes) > 3500 and min(len(dev_tunes), len(test_tunes)) > 75, (len(train_tunes), len(dev_tunes))

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>How the split is made</summary>
#
# Reading is fast (no music is parsed, only text), so nothing is cached. Tunes with the same
# title (the same tune in two collections) fall on the same side of the split, and the held-out
# tunes are split into dev and test by title too. The dev tunes' loss chose the training recipe
# among a few that fit the time budget; the test tunes give the held-out loss and the real tunes
# the samples are compared with.
#
# </details>

# %% [markdown] slideshow={"slide_type": "-"}
# The training stream is every training tune's characters with a token `<end>` before and after
# each tune. `<end>` is a reserved token of the vocabulary, never a character of a tune, so the
# model learns where a tune ends, and a sampler can start from `<end>` and stop at the next one.

# %% slideshow={"slide_type": "subslide"}
train_tokens = music.tunes_to_tokens(train_tunes)
vocab = text.Vocab(train_tokens, reserved=[music.END])  # <unk> 0, <end> 1, then characters
train_ids = torch.tensor(vocab.encode(train_tokens))  # (N_train,)
dev_ids = torch.tensor(vocab.encode(music.tunes_to_tokens(dev_tunes)))  # (N_dev,)
test_ids = torch.tensor(vocab.encode(music.tunes_to_tokens(test_tunes)))  # (N_test,)
print(f"{len(train_ids):,} training, {len(dev_ids):,} dev and {len(test_ids):,} test tokens; "
      f"vocabulary of {len(vocab)}: {''.join(vocab.idx_to_token[2:])!r}")
unigram = torch.bincount(train_ids, minlength=len(vocab)).float() / len(train_ids)  # (V,)
unigram_loss = -(unigram[test_ids].log()).mean().item()
print(f"baseline: character frequencies alone give {unigram_loss:.2f} nats per test character")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · A character-level LSTM
#
# The model is notebook 05's: an embedding of each character, an LSTM, and a linear read-out of
# the next character at every step. You write it, and then the step that trains it.
#
# ### Exercise 1 · The model (★☆☆)
#
# Write `CharLSTM`: `self.embedding = nn.Embedding(vocab_size, embed_size)`, `self.rnn` a
# one-layer `nn.LSTM` with `batch_first=True`, `self.head = nn.Linear(hidden_size, vocab_size)`.
# `forward(X, state)` maps ids `X` (B, T) to logits (B, T, V) and the LSTM's final state
# `(h, c)`; `state=None` starts from zeros. The check copies the weights of the package's
# `models.LanguageModel` into yours and compares their outputs.

# %% slideshow={"slide_type": "subslide"}
class CharLSTM(nn.Module):
    """Embedding -> LSTM -> linear: the next character's logits at every step."""

    def __init__(self, vocab_size, embed_size, hidden_size):
        super().__init__()
        # HINT: three layers named embedding, rnn (nn.LSTM, batch_first=True) and head
        raise NotImplementedError("Exercise: three layers named embedding, rnn (nn.LSTM, batch_first=True) and head")

    def forward(self, X, state=None):  # (B, T) ids -> (B, T, V) logits, (h, c)
        # HINT: embed (B, T, E), run the LSTM from state (B, T, n_h), read out every step
        raise NotImplementedError("Exercise: embed (B, T, E), run the LSTM from state (B, T, n_h), read out every step")


# %% slideshow={"slide_type": "subslide"}
with torch.random.fork_rng(devices=[]):  # the checks draw their own weights: the notebook's random stream is untouched
    torch.manual_seed(0)
    reference = models.LanguageModel(len(vocab), kind="lstm", hidden_size=32, embed_size=8)
    mine = CharLSTM(len(vocab), embed_size=8, hidden_size=32)
for name in ("embedding", "rnn", "head"):
    assert isinstance(getattr(mine, name, None), nn.Module), f"CharLSTM needs a layer self.{name}"
mine.embedding.load_state_dict(reference.embedding.state_dict())
mine.rnn.load_state_dict(reference.rnn.impl.state_dict())  # the package's layer wraps one nn.LSTM
mine.head.load_state_dict(reference.head.state_dict())
X = train_ids[:120].view(3, 40)  # (3, 40)
with torch.no_grad():
    logits, state = mine(X[:, :20])
    assert logits.shape == (3, 20, len(vocab)), f"logits of shape {tuple(logits.shape)}, expected (B, T, V) = (3, 20, {len(vocab)}): did you set batch_first=True?"
    assert isinstance(state, tuple) and state[0].shape == (1, 3, 32), (
        f"return the LSTM's state (h, c), each (1, B, n_h) = (1, 3, 32), got {[tuple(s.shape) for s in state]}: "
        f"return the state nn.LSTM gives, and build it with batch_first=True")
    expected = reference(X[:, 20:], reference(X[:, :20])[1])[0]  # the second half, from the first half's state
    torch.testing.assert_close(mine(X[:, 20:], state)[0], expected,
                               msg="the logits differ from the package's: embed, run the LSTM from `state`, apply the head to every step")
print("Exercise 1: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# It is trained by **truncated backpropagation through time** (notebook 04): the stream is cut
# into `batch_size` long rows, each batch is the next window of every row, and the state each row
# ends a window in is where it starts the next one, **detached**, so that gradients stop at the
# window's edge while the state still knows the tune's header and the repeat it opened many
# characters before.
#
# ### Exercise 2 · One training step (★★☆)
#
# Write `train_step(model, optimizer, batch, state, clip)`: run the model on `X` from `state`,
# take the cross-entropy of its logits against `Y` (every position counts), zero the gradients,
# backpropagate, clip the gradient's global norm to `clip`
# (`nn.utils.clip_grad_norm_`), take the optimizer's step, and return the loss as a number and the
# new state detached. The check trains two copies of a small model on the same 40 windows, yours
# with your step and the other with `training.fit` and the package's `music.CarriedStateLoss`.

# %% slideshow={"slide_type": "subslide"}
def train_step(model, optimizer, batch, state, clip=1.0):
    """One step of truncated BPTT on ``batch = (X, Y)``, each (B, T); returns (loss: float, state detached)."""
    # HINT: logits, state = model(X, state); cross_entropy on (B*T, V) and (B*T,); then detach each of (h, c)
    raise NotImplementedError("Exercise: logits, state = model(X, state); cross_entropy on (B*T, V) and (B*T,); then detach each of (h, c)")


# %% slideshow={"slide_type": "subslide"}
with torch.random.fork_rng(devices=[]):
    torch.manual_seed(0)
    package_model = models.LanguageModel(len(vocab), kind="lstm", hidden_size=32, embed_size=8)
yours = copy.deepcopy(package_model)
windows = list(text.sequential_batches(train_ids[:8_001], batch_size=4, num_steps=50))[:40]  # 40 x ((4, 50), (4, 50))
package_run = training.fit(package_model, windows, music.CarriedStateLoss(), steps=len(windows), lr=1e-2,
                           clip=1.0, progress=False, desc="exercise 2 check")
optimizer = torch.optim.Adam(yours.parameters(), lr=1e-2)
state, losses = None, []
for batch in windows[:len(package_run.train_loss)]:  # (a dry run at full scale trains fewer steps)
    loss, state = train_step(yours, optimizer, batch, state, clip=1.0)
    assert isinstance(loss, float), f"return loss.item() (a float), not {type(loss).__name__}"
    assert all(s.grad_fn is None for s in state), "detach the state: gradients must stop at the window's edge"
    losses.append(loss)
np.testing.assert_allclose(losses, package_run.train_loss, rtol=1e-4, err_msg=(
    "your losses differ from training.fit's: run the model from `state`, average the cross-entropy "
    "over every position, zero the gradients before backward, clip before the optimizer's step"))
for (name, p), q in zip(yours.named_parameters(), package_model.parameters()):
    torch.testing.assert_close(p, q, msg=f"after the steps, {name} differs from training.fit's: one optimizer step per batch")
first_loss, last_loss = np.mean(losses[:10]), np.mean(losses[-10:])
assert len(losses) < 20 or last_loss < first_loss - 0.3, f"the loss barely fell ({first_loss:.2f} -> {last_loss:.2f})"
print(f"mean loss of the first and last 10 steps: {first_loss:.2f} -> {last_loss:.2f}")
print("Exercise 2: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now the real model. `training.fit` runs the same step as your `train_step` (the state carried
# by `music.CarriedStateLoss`), adds a cosine learning-rate decay, and four times during training
# evaluates the dev tunes and lets the model write two tunes, so that we can watch it learn. The
# size, window and learning rate are printed below; the package's `models.LanguageModel` is the
# model, the same as yours on the same weights.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Where the recipe comes from</summary>
#
# Window length, size, number of steps and learning rate were chosen on the dev tunes' loss,
# among a few recipes that fit the time budget, windows cut from a zero state included (those
# never show the model a tune's header and body together unless they fit in one window). Cheaper
# recipes tried later on dev seeds (`scripts/music_dev.py`: a smaller hidden state; shorter
# windows in larger batches; longer windows in smaller batches for fewer steps) wrote tunes that
# keep time less often, the shorter windows even at a slightly lower dev loss: the loss alone
# does not rank recipes by the music they write.
#
# </details>

# %% slideshow={"slide_type": "subslide"}
num_steps = cfg.pick(smoke=50, class_=100, full=200)
batch_size = cfg.pick(smoke=16, class_=32, full=64)
embed_size = cfg.pick(smoke=16, class_=32, full=256)
hidden_size = cfg.pick(smoke=64, class_=256, full=1024)
train_steps = cfg.pick(smoke=20, class_=1000, full=6000)
lr = cfg.pick(smoke=5e-3, class_=8e-3, full=2e-3)
eval_steps = cfg.pick(smoke=50, class_=200, full=200)  # held-out windows, each from a zero state
gen = torch.Generator().manual_seed(cfg.seed)
carried_state_loss = music.CarriedStateLoss()  # loss_fn(model, batch), the state carried between calls


def epoch_batches():
    """One epoch of consecutive windows (B, num_steps): row b of a batch continues row b of the one before."""
    carried_state_loss.reset()  # a new epoch cuts the stream anew (at a random offset): start from a zero state
    offset = int(torch.randint(num_steps, (1,), generator=gen))
    yield from text.sequential_batches(train_ids[offset:], batch_size, num_steps)


X_dev, Y_dev = text.lm_windows(dev_ids, eval_steps)  # (N_dev_windows, eval_steps)
X_test, Y_test = text.lm_windows(test_ids, eval_steps)  # (N_test_windows, eval_steps)
lm = models.LanguageModel(len(vocab), kind="lstm", hidden_size=hidden_size,
                          embed_size=embed_size).to(cfg.device)
print(f"LSTM {hidden_size}, embedding {embed_size}: "
      f"{sum(p.numel() for p in lm.parameters()):,} parameters; {train_steps} steps of "
      f"{batch_size} x {num_steps} characters, learning rate {lr}; held-out windows of {eval_steps}")

# %% slideshow={"slide_type": "subslide"}
snapshots = []  # two tunes written at each evaluation
snapshot_gen = torch.Generator().manual_seed(cfg.seed)
context_gen = torch.Generator().manual_seed(cfg.seed)
context_tune = train_tunes[int(torch.randint(len(train_tunes), (1,), generator=context_gen))]  # see section 3


def evaluate_and_write(model):
    """The dev tunes' loss, and two short tunes written by the model as it is now."""
    tunes_now, _ = music.sample_tunes(model, vocab, 2, temperature=0.8, max_chars=250, generator=snapshot_gen,
                                      context=context_tune)
    snapshots.append(tunes_now)
    return metrics.evaluate_lm(model, X_dev, Y_dev)


history = training.fit(lm, epoch_batches, carried_state_loss, steps=train_steps, lr=lr, clip=1.0,
                       schedule="cosine", eval_every=max(1, train_steps // 4), evaluate=evaluate_and_write)
test_loss = metrics.evaluate_lm(lm, X_test, Y_test)["loss"]
print(f"trained in {history.seconds:.0f} s; dev loss {history.last('loss'):.3f}, test loss {test_loss:.3f} "
      f"nats per character ({test_loss / np.log(2):.2f} bits)")
results.record("held-out loss, character LSTM", test_loss, better="lower", unit="nats/char")
results.record("held-out loss, character frequencies (floor)", unigram_loss, better="lower", unit="nats/char")

# %% slideshow={"slide_type": "subslide"}
for step, loss, (first, second) in zip(history.eval_steps, history.metric("loss"), snapshots):
    print(f"--- after {step} steps (dev loss {loss:.2f}): the start of two tunes it writes ---")
    print(first[:160], "\n...\n" + second[:160] + "\n")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(history.steps, history.train_loss, lw=0.8, alpha=0.6, label="training batches")
ax.plot(history.eval_steps, history.metric("loss"), "o-", label="dev tunes")
ax.axhline(unigram_loss, color="gray", ls="--", label="character frequencies only")
ax.set(xlabel="training step", ylabel="loss (nats per character)",
       title="A character LSTM learning ABC tunes")
ax.legend()
plt.show()

# %% slideshow={"slide_type": "subslide"}
claim("the LSTM beats character frequencies on held-out tunes by over a nat per character (loss gap, nats/char)",
      unigram_loss - test_loss, ">", 1.0)

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>The same model on the course's own LSTM cell</summary>
#
# `models.LanguageModel(..., scratch=True)` unrolls `cells.LSTMCell` (notebook 05) in a Python
# loop behind the same interface. Loaded with the trained weights, it gives the same
# next-character predictions, and `training.fit` trains it the same way, only more slowly,
# which is why the fused layer does the training here. The hidden cell below checks both.
#
# </details>

# %% jupyter={"outputs_hidden": true, "source_hidden": true} slideshow={"slide_type": "skip"} tags=["hide-cell"]
scratch = models.LanguageModel(len(vocab), kind="lstm", hidden_size=hidden_size,
                               embed_size=embed_size, scratch=True).to(cfg.device)
scratch.embedding.load_state_dict(lm.embedding.state_dict())
scratch.head.load_state_dict(lm.head.state_dict())
cells.copy_from_torch(scratch.rnn.impl.cell, lm.rnn.impl)
window = X_test[:4].to(cfg.device)  # (4, T)
with torch.no_grad(), config.full_precision():  # no TF32 on a GPU: the gap is about rounding
    gap = (scratch(window)[0] - lm(window)[0]).abs().max().item()
print(f"largest difference between the two models' logits on 4 held-out windows: {gap:.1e}")
assert gap < 1e-4, gap
scratch_history = training.fit(scratch, epoch_batches, models.lm_loss, steps=3, lr=1e-4, clip=1.0,
                               progress=False)
fused_seconds = history.seconds / max(1, len(history.steps))
print(f"the course's cells train too: 3 steps, {scratch_history.seconds / 3:.2f} s per step "
      f"against {fused_seconds:.3f} s for the fused layer")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Writing tunes
#
# To write a tune, the model starts from `<end>` followed by the line `X:1` that every
# normalised tune begins with, and samples one character at a time from its prediction divided
# by a **temperature** $\tau$ (notebook 03), feeding each character back in, until it writes
# `<end>` again. `music.sample_tunes` does this for many tunes at once, one row of the batch per
# tune.
#
# One more thing matters. Training carried the state from window to window, so the model has
# almost never read from a zero state. Writing from one asks it something it was not trained
# for (the models of some seeds then write tunes without headers: try `COURSE_SEED=3`). So before
# writing, the model reads one training tune and `<end>` (`context=` in `music.sample_tunes`):
# its state is then where training leaves it at a tune boundary.
#
# ### Exercise 3 · The sampling loop (★★☆)
#
# Write it for one tune. Feed `<end>` and the prefix to the model once; it returns the logits of
# every position and its state. Then, until the tune ends: take the logits of the last position,
# forbid `<unk>` (logit $-\infty$), divide by the temperature, draw one character with
# `torch.multinomial(probs, 1, generator=generator)`, stop at `<end>`, and otherwise feed that one
# character back in *with the state*: `logits, state = model(next_id.view(1, 1), state)`. Never
# run the whole tune again: the state carries everything the model has read.

# %% slideshow={"slide_type": "subslide"}
def sample_one_tune(model, vocab, temperature, generator, max_chars=1000, prefix="X:1\n"):
    """One tune written by ``model`` after ``<end>`` and ``prefix``, and whether it ended at ``<end>``."""
    # HINT: start = ids of [<end>] + prefix, (1, 1 + P), on the model's device; model(start); loop, drawing on the CPU
    raise NotImplementedError("Exercise: start = ids of [<end>] + prefix, (1, 1 + P), on the model's device; model(start); loop, drawing on the CPU")


# %% slideshow={"slide_type": "subslide"}
lm.eval()
for seed in range(3):
    expected = music.sample_tunes(lm, vocab, 1, temperature=0.8, max_chars=300,
                                  generator=torch.Generator().manual_seed(seed))
    got = sample_one_tune(lm, vocab, 0.8, torch.Generator().manual_seed(seed), max_chars=300)
    got = ([got[0]], [got[1]])
    assert got == expected, (f"with generator seed {seed} your tune differs from music.sample_tunes' "
                             f"after {next((i for i, (a, b) in enumerate(zip(got[0][0], expected[0][0])) if a != b), 'the end')} "
                             f"characters: forbid <unk>, divide by the temperature before the softmax, draw one "
                             f"character per step and feed only that character back with the state")
print("Exercise 3: PASS")

# %% [markdown] slideshow={"slide_type": "-"}
# The trained model writes a tune (at $\tau = 1$, its own distribution, for now), played if its
# body is well-formed and it ended:

# %% slideshow={"slide_type": "subslide"}
(first_tune,), (first_ended,) = music.sample_tunes(lm, vocab, 1, temperature=1.0, max_chars=600,
                                                   generator=torch.Generator().manual_seed(cfg.seed),
                                                   context=context_tune)
print(first_tune if first_ended else first_tune + "\n... (no <end> within 600 characters)")
problems = music.structure_problems(music.body(first_tune))  # section 4: a cheap look at the body first
if first_ended and not problems:
    try:
        display(Audio(music.synthesize(first_tune, fs=fs)[:20 * fs], rate=fs))
    except Exception as error:  # a tune music21 cannot read, or without notes
        print(f"music21 could not play it ({type(error).__name__}): section 4 asks which tunes it can")
else:
    print(f"not played: {problems[0] if problems else 'it never ended'} (section 4 asks which tunes are valid)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Is it valid?
#
# A converter that accepts almost anything is a weak judge. The anchor of this notebook, MIT
# 6.S191's music lab, counts a tune as valid when a converter produced a file; music21 reads
# many broken tunes without a word (a repeat `|:` never closed, a length `d2/3/4`, a stray
# `]]]]`). So a tune is **strictly valid** here when it has the headers X, T, M, L and K, music21
# parses it with no exception and no complaint, it has enough notes (the number is printed
# below), and `music.structure_problems` finds nothing wrong in its body: every character
# belongs to a note, rest, chord, tie, slur, tuplet or bar line, slurs and repeats are balanced,
# and the tune ends with a bar line. Beside it, the **lenient** verdict: music21 returned
# something.
#
# What would a model that knows nothing about music score? Two **floors**, given the header of a
# real training tune, write the body: the **unigram** sampler draws each character by its
# frequency, the **bigram** sampler by its frequency after the previous character
# (`music.CharNgram`, at temperature 1). The test tunes are the reference from above.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>What music21 checks, and what is cached</summary>
#
# music21 complains on stderr, not with exceptions, about a few things; `music.check_tune`
# collects those complaints. It can spend seconds on a body of random characters, so a floor's
# tune that fails the structure check is not parsed at all (its lenient verdict is then unknown:
# "n/a"). The test tunes' verdicts never change between runs, so `music.check_tunes` keeps them
# in the course's data cache, under a hash of the tunes and of the checking code.
#
# </details>

# %% slideshow={"slide_type": "subslide"}
max_chars = 1000
num_floor = cfg.pick(smoke=20, class_=30, full=100)
floor_gen = torch.Generator().manual_seed(cfg.seed)
headers = [music.header_text(train_tunes[i]) for i in torch.randperm(len(train_tunes), generator=floor_gen)[:num_floor]]
floors = {}
for name, order in [("unigram", 1), ("bigram", 2)]:
    floor = music.CharNgram(train_ids, len(vocab), order=order)
    floors[name] = music.sample_after_headers(floor, vocab, headers, temperature=1.0, max_chars=max_chars,
                                              generator=floor_gen)
print(floors["bigram"][0][0][:300])

# %% slideshow={"slide_type": "subslide"}
start = time.perf_counter()
real_checks = music.check_tunes(test_tunes)  # cached after the first run
floor_checks = {name: [music.check_tune(t, parse_malformed=False) for t in texts] for name, (texts, _) in floors.items()}
scores = {"test tunes (real)": music.score(real_checks),
          "unigram sampler": music.score(floor_checks["unigram"], floors["unigram"][1]),
          "bigram sampler": music.score(floor_checks["bigram"], floors["bigram"][1])}
print(f"{len(test_tunes) + 2 * num_floor} tunes checked in {time.perf_counter() - start:.1f} s; "
      f"strictly valid needs at least {music.MIN_NOTES} notes")
print(f"{'':20s}{'tunes':>6s}{'strictly valid':>16s}{'lenient':>9s}")
for name, sc in scores.items():
    n = len(test_tunes) if name.startswith("test") else num_floor
    lenient = "n/a" if np.isnan(sc.lenient) else f"{sc.lenient:.0%}"
    print(f"{name:20s}{n:6d}{sc.strict:16.0%}{lenient:>9s}")
real, unigram_sc, bigram_sc = scores.values()
claim("real test tunes pass the strict check (share strictly valid)", real.strict, ">=", 0.9)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Syntax is not music
#
# music21 accepts a bar of the wrong length. A listener does not: in a jig in 6/8 every bar
# holds six quavers. For each tune we count the **inner bars** (not the first and last, which
# may be pick-ups) whose length matches the meter. Repeats and pick-ups in the middle of a tune
# leave a few short bars even in real tunes, so a tune is **in time** when it is well-formed,
# music21 parses it, it ended, and at least the share of its inner bars printed below matches
# the meter. The floors write headers, notes and bar lines; whether the bars add up is what
# separates them from a model of music.

# %% slideshow={"slide_type": "-"}
print(f"a tune is in time when at least {music.IN_TIME:.0%} of its inner bars match the meter (music.IN_TIME)")
for name, sc in scores.items():
    print(f"  {name:20s} {sc.in_time:4.0%} in time")
claim("real test tunes keep time (share in time)", real.in_time, ">=", 0.9)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Choosing the temperature
#
# Lower temperatures write safer tunes, higher ones more varied tunes (notebook 03), but only
# down to a point: below it the share in time falls again (the figure below). The temperature is
# chosen on **dev runs**, models trained with this recipe on seeds the notebook is never run
# with, whose samples are scored by the checks of sections 4 and 5; what this notebook reports
# never enters the choice. The rule: the highest mean share in time, among the temperatures whose
# strictly valid samples keep time often enough for every dev seed. That last measure is
# **valid in time**: the share of the strictly valid tunes that are in time.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>How the dev runs were made</summary>
#
# `scripts/music_dev.py` trains this notebook's class-mode recipe with seeds 100 to 103, samples
# 100 tunes at each temperature from generators of their own (after reading a training tune, as
# here) and scores them with the checks of sections 4 and 5; each (seed, temperature) is one line
# of `course_utils/music_dev_runs.jsonl`, which `music.dev_runs` reads (and
# `python scripts/music_dev.py --summary` summarises, with the other recipes tried). The guard,
# 80% valid in time for every dev seed, keeps a margin over the 75% that this section asserts on
# the test run.
#
# </details>

# %% slideshow={"slide_type": "subslide"}
recipe = dict(train_steps=1000, hidden_size=256, batch_size=32, num_steps=100, lr=8e-3)  # class mode's
dev = music.by_temperature(music.dev_runs(recipe))  # {temperature: {metric: one value per dev seed}}
guard = 0.8
print(f"dev runs, seeds {dev[min(dev)]['seeds']}, {recipe['train_steps']} steps each:")
print(f"{'temperature':>12s}{'strictly valid':>16s}{'in time':>9s}{'valid in time, lowest seed':>28s}")
for t, m in dev.items():
    print(f"{t:12.1f}{np.mean(m['strict']):16.1%}{np.mean(m['in_time']):9.1%}{min(m['valid_in_time']):28.1%}")
temperature = music.choose_temperature(dev, guard=guard)
print(f"kept: temperature {temperature} (highest mean in time, valid in time >= {guard:.0%} for every seed)")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
ts = list(dev)
for key, label in [("strict", "strictly valid"), ("in_time", "in time")]:
    axes[0].plot(ts, [np.mean(dev[t][key]) for t in ts], "o-", label=f"{label} (mean of seeds)")
axes[0].axvline(temperature, color="gray", ls="--", label=f"kept: {temperature}")
axes[0].set(xlabel="temperature", ylabel="share of 100 samples", title="Dev runs: validity and time")
axes[1].plot(ts, [min(dev[t]["valid_in_time"]) for t in ts], "o-", color="C2", label="lowest seed")
axes[1].axhline(guard, color="gray", ls=":", label=f"guard {guard:.0%}")
axes[1].axvline(temperature, color="gray", ls="--")
axes[1].set(xlabel="temperature", ylabel="share of the strictly valid",
            title="Dev runs: valid samples in time")
for ax in axes:
    ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now the test of this run's model: 100 tunes at that temperature, each after reading the same
# training tune, scored beside the real tunes and the floors. The last column checks that the
# in-time threshold hides nothing: **bars in time** is the mean share of inner bars on the meter
# over the well-formed tunes that parse (how many, beside it).

# %% slideshow={"slide_type": "subslide"}
num_samples = cfg.pick(smoke=20, class_=100, full=100)
sample_gen = torch.Generator().manual_seed(cfg.seed)
start = time.perf_counter()
samples, ended = music.sample_tunes(lm, vocab, num_samples, temperature=temperature,
                                    max_chars=max_chars, generator=sample_gen, context=context_tune)
print(f"{num_samples} tunes sampled in one batch in {time.perf_counter() - start:.1f} s; "
      f"{sum(ended)} ended at a tune boundary within {max_chars} characters\n")
print(samples[0])
bare, _ = music.sample_tunes(lm, vocab, 50, temperature=temperature, max_chars=200, generator=sample_gen)


def with_headers(tunes):
    """The share of tunes that have every required header."""
    return np.mean([not music.missing_headers(t) for t in tunes])


print(f"tunes with every header: {with_headers(samples):.0%} after reading a training tune, "
      f"{with_headers(bare):.0%} of {len(bare)} written from a zero state")

# %% slideshow={"slide_type": "subslide"}
sample_checks = [music.check_tune(s) for s in samples]
scores[f"LSTM, temperature {temperature}"] = lstm_sc = music.score(sample_checks, ended)
print(f"{'':26s}{'tunes':>6s}{'strict':>8s}{'lenient':>9s}{'in time':>9s}{'valid in time':>15s}"
      f"{'bars in time':>14s}")
for name, sc in scores.items():
    n = {"test": len(test_tunes), "unig": num_floor, "bigr": num_floor}.get(name[:4], num_samples)
    lenient = "n/a" if np.isnan(sc.lenient) else f"{sc.lenient:.0%}"
    print(f"{name:26s}{n:6d}{sc.strict:8.0%}{lenient:>9s}{sc.in_time:9.0%}"
          f"{sc.valid_in_time:8.0%} of {sc.num_valid:3d}{sc.bars_in_time:8.0%} of {sc.num_timed:3d}")
for name, sc in scores.items():
    results.record(f"strictly valid, {name}", 100 * sc.strict, unit="%")
    results.record(f"in time, {name}", 100 * sc.in_time, unit="%")
    results.record(f"strictly valid tunes in time, {name}", 100 * sc.valid_in_time, unit="%")

# %% slideshow={"slide_type": "subslide"}
claim("the LSTM's samples are strictly valid and ended (share)", lstm_sc.strict, ">=", 0.6)
claim("the lenient check accepts at least as many samples as the strict one (lenient minus strict share)",
      lstm_sc.lenient - lstm_sc.strict, ">=", 0)
claim("the LSTM writes strictly valid tunes far more often than the floors (share above the better floor)",
      lstm_sc.strict - max(unigram_sc.strict, bigram_sc.strict), ">", 0.5)
claim("the LSTM's samples keep time far more often than the floors' (share in time above the better floor)",
      lstm_sc.in_time - max(unigram_sc.in_time, bigram_sc.in_time), ">", 0.4)
claim("the LSTM's strictly valid samples keep time (share in time)", lstm_sc.valid_in_time, ">=", 0.75)

# %% [markdown] slideshow={"slide_type": "-"}
# What the strict check rejected, for the first few samples it rejected, and how the bars of the
# well-formed tunes add up:

# %% slideshow={"slide_type": "subslide"}
rejected = [(s, c, e) for s, c, e in zip(samples, sample_checks, ended) if not (c.strict and e)]
for s, c, e in rejected[:4]:
    reasons = ([f"missing {c.missing_headers}"] * bool(c.missing_headers) + [c.error[:70]] * bool(c.error)
               + c.messages[:1] + c.problems[:1] + [f"{c.num_notes} notes"] * (c.num_notes < music.MIN_NOTES)
               + ["never ended"] * (not e))
    print(f"{s[:60]!r}...: {'; '.join(reasons)}")
if not rejected:
    print("none: every sample is strictly valid")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(7, 3.5))
bins = np.linspace(0, 1, 21)
shown = [("test tunes (real)", real_checks), ("bigram sampler", floor_checks["bigram"]),
         (f"LSTM, $\\tau$={temperature}", sample_checks)]
for label, checks in shown:
    shares = [c.rhythm for c in checks if c.parsed and not c.problems and c.inner_bars]
    if shares:
        ax.hist(shares, bins, alpha=0.5, density=True, label=f"{label} ({len(shares)} tunes)")
    else:
        print(f"{label}: no well-formed tune with inner bars, nothing to plot")
ax.axvline(music.IN_TIME, color="gray", ls="--", label=f"in time from {music.IN_TIME:.0%}")
ax.set(xlabel="share of inner bars whose length matches the meter", ylabel="density",
       title="Parsing is not keeping time")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Is it new?
#
# A model can reach perfect validity by copying. For every strictly valid sample we look for its
# body among the training bodies, and for the **longest stretch** of characters it shares with
# any training tune (`text.CopyIndex`). What counts as "long"? Real tunes that the model never
# saw share stretches with the training tunes too (folk tunes quote each other), so the test
# tunes set the scale; the floors show what chance alone shares.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>How the index finds shared stretches</summary>
#
# `text.CopyIndex` keeps every substring of up to 8 characters of the training bodies in a
# sorted array; a binary search finds the few bodies that contain a candidate's first 8
# characters, and only those are searched exactly.
#
# </details>

# %% slideshow={"slide_type": "subslide"}
start = time.perf_counter()
index = text.CopyIndex(music.body(t) for t in train_tunes)
good = [s for s, c, e in zip(samples, sample_checks, ended) if c.strict and e]
shared = {"test tunes (real)": [index.longest_shared(music.body(t)) for t in test_tunes],
          "unigram sampler": [index.longest_shared(music.body(t)) for t in floors["unigram"][0]],
          "bigram sampler": [index.longest_shared(music.body(t)) for t in floors["bigram"][0]],
          "LSTM, valid samples": [index.longest_shared(music.body(s)) for s in good] or [0]}
copies = sum(index.is_copy(music.body(s)) for s in good)
print(f"index built and {sum(map(len, shared.values()))} tunes searched in {time.perf_counter() - start:.1f} s")
print("longest stretch shared with a training tune (characters):")
for name, lengths in shared.items():
    print(f"  {name:22s} median {np.median(lengths):4.0f}, 95th percentile {np.percentile(lengths, 95):4.0f}, "
          f"max {max(lengths):4d}")
threshold = np.percentile(shared["test tunes (real)"], 95)
sample_shared = np.array(shared["LSTM, valid samples"])
print(f"valid samples that equal a training tune: {copies}")
claim("no valid sample is a copy of a training tune (copies)", copies, "<=", 0)
claim("no valid sample shares a stretch with training as long as one real test tune in twenty does "
      "(longest stretch, characters)", sample_shared.max(), "<", threshold)

# %% [markdown] slideshow={"slide_type": "slide"}
# No valid sample copies a training tune, and even the longest stretch a sample shares is
# shorter than what one real test tune in twenty shares with the training tunes. The model
# recombines common figures (a bar, a cadence) rather than reciting tunes.
#
# ## 8 · Hear it and see it
#
# A generated tune (one that keeps time, if there is one), then a real test tune, each played
# as in section 1 and drawn as a piano roll from the same MIDI.

# %% slideshow={"slide_type": "subslide"}
def playable(tunes):
    """The first tune that music21 can write as MIDI and pretty_midi can synthesise, with its MIDI and audio."""
    for tune in tunes:
        try:
            midi = music.to_pretty_midi(tune)
            audio = midi.synthesize(fs=fs)  # (num_samples,)
            if audio.size:
                return tune, midi, audio
        except Exception as error:  # e.g. repeats music21 cannot expand
            print(f"skipped a tune: {type(error).__name__}")
    raise RuntimeError("none of the tunes could be rendered as audio")


in_time = [s for s, c, e in zip(samples, sample_checks, ended) if c.strict and e and c.rhythm >= music.IN_TIME]
if good:
    generated_label = "generated"
else:  # only an untrained model (smoke mode) writes no valid tune at all
    print("no valid sample to play: a training tune stands in")
    generated_label = "no valid sample: a training tune"
generated, generated_midi, generated_audio = playable(in_time + good or train_tunes)
real_tune, real_midi, real_audio = playable(test_tunes)
print(generated)
display(Audio(generated_audio[:20 * fs], rate=fs))
print(real_tune)
display(Audio(real_audio[:20 * fs], rate=fs))

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
for ax, tune, midi, label in [(axes[0], generated, generated_midi, generated_label),
                              (axes[1], real_tune, real_midi, "real (test)")]:
    roll = midi.get_piano_roll(fs=8)[:, :8 * 30]  # (128, frames): the first 30 s
    ax.imshow(roll > 0, aspect="auto", origin="lower", cmap="Greys", interpolation="nearest",
              extent=(0, roll.shape[1] / 8, 0, 128))
    ax.set(xlabel="time (s)", title=f"{label}: {music.split_tune(tune)[0]['T'][:30]}")
axes[0].set(ylabel="MIDI pitch", ylim=(50, 90))
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · Try it
#
# Choose a temperature and press the button: the model writes a new tune, the notebook checks
# it and, if it is strictly valid, plays it.

# %% slideshow={"slide_type": "subslide"}
widget_gen = torch.Generator().manual_seed(cfg.seed + 1)
slider = widgets.FloatSlider(value=temperature, min=0.2, max=1.6, step=0.1, description="temperature",
                             style={"description_width": "initial"})
button = widgets.Button(description="Write a new tune")
tune_text = widgets.HTML()
# The tune plays in an Audio widget whose value is replaced, not through display() inside an
# Output widget: that pattern can leave notebook runners that execute the cells waiting for ever.
player = widgets.Audio(format="wav", autoplay=False, loop=False, layout={"display": "none"})


def write_tune(_=None):
    """Sample one tune at the slider's temperature, check it, and play it if it is valid."""
    (tune,), (done,) = music.sample_tunes(lm, vocab, 1, slider.value, generator=widget_gen, context=context_tune)
    check = music.check_tune(tune)
    verdict = "strictly valid" if check.strict and done else "not strictly valid"
    summary = f"{verdict}: {check.num_notes} notes, bars in time {check.rhythm:.0%}"
    player.layout.display = "none"
    if check.strict and done:
        try:
            wave = music.synthesize(tune, fs=fs)[:30 * fs]
            player.value = Audio(wave, rate=fs).data  # WAV bytes
            player.layout.display = None
        except Exception as error:
            summary += f" (could not be rendered: {type(error).__name__})"
    tune_text.value = f"<pre>{html.escape(tune)}</pre><p>{html.escape(summary)}</p>"


button.on_click(write_tune)
write_tune()
widgets.VBox([widgets.HBox([slider, button]), tune_text, player])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Sheet music in ABC is text, so a character-level LSTM learns it as it learns a novel:
#   many-to-many, the next character at every step, with a reserved `<end>` token between tunes,
#   trained by truncated BPTT with the state carried from window to window.
# - Samples are written one character at a time, the state carried, from `<end>` to `<end>`.
# - Validity must be measured strictly (headers, a parse without complaints, enough notes, a
#   well-formed body), which music21 alone does not check, and always beside a floor.
# - The temperature is chosen on dev runs, never on the numbers reported.
# - A valid sample is worth something only if it is new: no sample copies a training tune.
# - Syntax is not music: whether the bars add up to the meter is what separates the LSTM from the
#   floors. How close it comes to real tunes, in this run:

# %% slideshow={"slide_type": "subslide"}
gap = real.in_time - lstm_sc.in_time
print(f"in time: test tunes {real.in_time:.0%}, LSTM {lstm_sc.in_time:.0%}, bigram {bigram_sc.in_time:.0%}, "
      f"unigram {unigram_sc.in_time:.0%}; strictly valid: test tunes {real.strict:.0%}, LSTM {lstm_sc.strict:.0%}, "
      f"bigram {bigram_sc.strict:.0%}, unigram {unigram_sc.strict:.0%}")
if gap > 0.05:
    print(f"The LSTM keeps time far more often than the floors, and {gap:.0%} less often than real tunes.")
else:
    print(f"The LSTM keeps time far more often than the floors, and within {max(gap, 0):.0%} of real tunes.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 4 · The length of a bar (★☆☆)
#
# Write `bar_length(meter, unit)`: how many unit notes fill one bar.
# `meter` is an ABC meter (`"6/8"`, `"2/4"`, `"C"` for 4/4, `"C|"` for 2/2), `unit` the L field
# (`"1/8"`). Return a `fractions.Fraction`. Hint: a bar lasts `Fraction(6, 8)` of a whole note,
# a unit note `Fraction(1, 8)`.

# %% slideshow={"slide_type": "-"}
def bar_length(meter, unit):
    """Number of unit notes in one bar, e.g. bar_length("6/8", "1/8") == 6."""
    # HINT: map "C" and "C|" to "4/4" and "2/2", then divide Fraction(meter) by Fraction(unit)
    raise NotImplementedError("Exercise: map \"C\" and \"C|\" to \"4/4\" and \"2/2\", then divide Fraction(meter) by Fraction(unit)")


# %% slideshow={"slide_type": "subslide"}
for meter, unit, expected in [("6/8", "1/8", 6), ("2/4", "1/16", 8), ("C", "1/8", 8),
                              ("C|", "1/8", 8), ("3/4", "1/4", 3), ("9/8", "1/16", 18)]:
    got = bar_length(meter, unit)
    assert got == expected, (f"bar_length({meter!r}, {unit!r}) returned {got}, expected {expected}: "
                             f"divide the bar's share of a whole note by the unit's")
print("Exercise 4: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 5 · Copies by brute force (★★☆)
#
# Write `longest_shared_naive(sample, bodies)`: the length of the
# longest substring of `sample` that occurs in one of the strings `bodies`. A simple way: keep
# the best length found so far, and for each start position try to make it one longer. The check
# compares it with `text.CopyIndex` on a few samples. (Then time both: why does the index need
# its sorted array of short substrings?)

# %% slideshow={"slide_type": "-"}
def longest_shared_naive(sample, bodies):
    """Length of the longest substring of ``sample`` found in any string of ``bodies``."""
    # HINT: best = 0; for each start i, while sample[i:i + best + 1] is in some body, best += 1
    raise NotImplementedError("Exercise: best = 0; for each start i, while sample[i:i + best + 1] is in some body, best += 1")


# %% slideshow={"slide_type": "subslide"}
few_bodies = [music.body(t) for t in train_tunes[:300]]
small_index = text.CopyIndex(music.body(t) for t in train_tunes[:300])
for s in samples[:3]:
    expected = small_index.longest_shared(music.body(s))
    got = longest_shared_naive(music.body(s), few_bodies)
    assert got == expected, (f"longest_shared_naive gave {got}, the index {expected}: a stretch must lie "
                             f"inside one body, and every start position must be tried")
print("Exercise 5: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 6 · Temperature beyond the dev runs (★★☆)
#
# (Open.) The dev runs stop at 0.8. Sample 100 tunes at temperatures 0.5, 0.8, 1.0 and 1.2 and
# plot the strict and lenient validity, the share in time, and the median longest shared
# stretch against the temperature. Which temperature would you choose, and why?
#
# ### Exercise 7 · Asking for a reel (★★☆)
#
# (Open.) Many tunes carry an `R:` field (reel, jig, hornpipe). Start
# the sampler from `X:1\nT:` plus a title and `\nR:reel\nM:` instead of `X:1\n` alone
# (`music.sample_tunes(..., prefix=...)`). Does the model then choose the meter of a reel
# (2/4 or C|)?
#
# ### Exercise 8 · What the state buys (★★★)
#
# (Open.) Train the same LSTM for the same number of steps on
# windows cut from a zero state (`text.lm_windows` with `text.random_batches` and
# `models.lm_loss`), and compare the dev loss, the strict validity and the share in time with
# the truncated-BPTT model above. Then read what the strict check rejects in the samples: which
# mistakes need the model to remember something opened many characters before?
