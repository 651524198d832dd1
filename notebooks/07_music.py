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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/07_music.ipynb)
#
# The lecture's first application: the input is sheet music, the output the next character of
# sheet music, at every step (many-to-many). Folk tunes written in **ABC notation** are plain
# text, so the character language model of notebooks 03 and 05 can learn them as they are; what
# is new is asking whether what it writes is *music*: does it parse, is it new, does it keep
# time, what does it sound like?
#
# **Learning goals**
#
# - Turn a real collection of sheet music into a training stream: normalise each tune, mark
#   the boundaries between tunes, and hold out whole tunes.
# - Train a character-level LSTM on it and read its held-out loss per character.
# - Sample one tune at a time, stopping at the tune boundary, with a temperature.
# - Measure the samples honestly: strict validity (headers, a clean parse, enough notes) against
#   the lenient "a converter accepted it", copies of training tunes, and a rhythm check that
#   shows what the model has not learnt.
# - Hear a generated tune (MIDI, synthesised in Python) and see it beside a real one.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import html
import time
from fractions import Fraction
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Audio, display
from course_utils import cells, config, metrics, models, music, results, text, training
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Sheet music as text
#
# The tunes come from four collections of dance tunes and airs that ship, as ABC files, inside
# the `music21` package (`music21/corpus/<name>/`), so nothing is downloaded:
#
# | collection | source |
# |---|---|
# | `oneills1850` | *O'Neill's Music of Ireland: 1850 Melodies* (Chicago, 1903) |
# | `ryansMammoth` | *Ryan's Mammoth Collection* of fiddle tunes (Boston, 1883) |
# | `airdsAirs` | *Aird's Selection of Scotch, English, Irish and Foreign Airs* (Glasgow, 1778-1803) |
# | `miscFolk` | Colonial and Civil War American fife tunes; *Northumbrian Minstrelsy* (1882) |
#
# The printed collections are long out of copyright (public domain); the ABC transcriptions
# were made by volunteers (Norbert Paap, Bob Safranek, Ray Davies, Jack Campin and others) and
# are distributed with music21 by their permission, as its `corpus/license.txt` says.
# music21 also ships the Essen folksongs, whose terms forbid commercial use: we leave them out.
#
# An ABC tune is a header of `field:value` lines (X number, T title, R rhythm, M meter, L unit
# note length, K key, which ends the header) and a body: notes `A-G a-g` (lower case an octave
# up), lengths as multiples of L (`A2`, `A/2`), `>` for dotted pairs, bar lines `|`, repeats
# `|: :|`. Here is one tune as it is in the corpus:

# %% slideshow={"slide_type": "subslide"}
raw = music.raw_tunes("oneills1850")[1]
print(raw)

# %% [markdown] slideshow={"slide_type": "-"}
# The transcriptions mix notes with things a player reads but a first model need not write:
# comments after `%`, sources, chord symbols and annotations in quotes, decorations (`~`, `!trill!`),
# bowings, grace notes `{...}`. `music.normalize_tune` keeps the header fields needed to play a
# tune (X renumbered to 1, T, R, M, L, K) and the notes, and drops the rest. Tunes with several
# voices, and bodies outside 100-600 characters, are left out.

# %% slideshow={"slide_type": "-"}
print(music.normalize_tune(raw))

# %% slideshow={"slide_type": "subslide"}
start = time.perf_counter()
tunes, dropped = music.load_tunes()
load_seconds = time.perf_counter() - start
train_tunes, valid_tunes = music.split_tunes(tunes, valid_fraction=0.05)
print(f"{len(tunes)} tunes read and normalised in {load_seconds:.1f} s; left out: {dict(dropped)}")
print(f"{len(train_tunes)} training tunes, {len(valid_tunes)} held out "
      f"({len(tunes) - len(train_tunes) - len(valid_tunes)} duplicate bodies dropped)")
assert len(train_tunes) > 3500 and len(valid_tunes) > 150, (len(train_tunes), len(valid_tunes))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Reading is fast (no music is parsed, only text), so nothing is cached. The split is **by
# tune**: a held-out tune is never seen, not even in part, and tunes with the same title (the
# same tune in two collections) fall on the same side.
#
# The training stream is every training tune's characters with a token `<end>` before and after
# each tune. `<end>` is a reserved token of the vocabulary, never a character of a tune, so the
# model learns where a tune ends, and a sampler can start from `<end>` and stop at the next one.

# %% slideshow={"slide_type": "subslide"}
train_tokens = music.tunes_to_tokens(train_tunes)
valid_tokens = music.tunes_to_tokens(valid_tunes)
vocab = text.Vocab(train_tokens, reserved=[music.END])  # <unk> 0, <end> 1, then characters
train_ids = torch.tensor(vocab.encode(train_tokens))  # (N_train,)
valid_ids = torch.tensor(vocab.encode(valid_tokens))  # (N_valid,)
print(f"{len(train_ids):,} training and {len(valid_ids):,} held-out tokens; "
      f"vocabulary of {len(vocab)}: {''.join(vocab.idx_to_token[2:])!r}")
unigram = torch.bincount(train_ids, minlength=len(vocab)).float() / len(train_ids)  # (V,)
unigram_loss = -(unigram[valid_ids].log()).mean().item()
print(f"baseline: character frequencies alone give {unigram_loss:.2f} nats per held-out character")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · A character-level LSTM
#
# The model is notebook 05's: an embedding of each character, an LSTM, and a linear read-out
# of the next character at every step (`models.LanguageModel`, PyTorch's fused LSTM). It is
# trained on windows of 200 characters, cut at a random offset each epoch, with Adam, a cosine
# learning-rate decay and gradient clipping; the held-out tunes are evaluated as they go.

# %% slideshow={"slide_type": "subslide"}
num_steps = cfg.pick(smoke=50, class_=200, full=200)
batch_size = cfg.pick(smoke=16, class_=32, full=64)
embed_size = cfg.pick(smoke=16, class_=32, full=256)
hidden_size = cfg.pick(smoke=64, class_=256, full=1024)
train_steps = cfg.pick(smoke=20, class_=800, full=6000)
lr = cfg.pick(smoke=5e-3, class_=5e-3, full=2e-3)
gen = torch.Generator().manual_seed(cfg.seed)


def epoch_batches():
    """One epoch of windows (B, num_steps), cut at a random offset so they differ every epoch."""
    offset = int(torch.randint(num_steps, (1,), generator=gen))
    X, Y = text.lm_windows(train_ids[offset:], num_steps)  # (N, T) each
    return text.random_batches(X, Y, batch_size, generator=gen)


X_valid, Y_valid = text.lm_windows(valid_ids, num_steps)  # (N_valid_windows, T)
lm = models.LanguageModel(len(vocab), kind="lstm", hidden_size=hidden_size,
                          embed_size=embed_size).to(cfg.device)
print(f"LSTM {hidden_size}, embedding {embed_size}: "
      f"{sum(p.numel() for p in lm.parameters()):,} parameters; {train_steps} steps of "
      f"{batch_size} x {num_steps} characters")

# %% slideshow={"slide_type": "subslide"}
history = training.fit(lm, epoch_batches, models.lm_loss, steps=train_steps, lr=lr, clip=1.0,
                       schedule="cosine", eval_every=max(1, train_steps // 4),
                       evaluate=lambda m: metrics.evaluate_lm(m, X_valid, Y_valid))
valid_loss = history.last("loss")
print(f"trained in {history.seconds:.0f} s; held-out loss {valid_loss:.3f} nats per character "
      f"({valid_loss / np.log(2):.2f} bits), perplexity {history.last('perplexity'):.2f}")
results.record("held-out loss, character LSTM", valid_loss, better="lower", unit="nats/char")
results.record("held-out loss, character frequencies (floor)", unigram_loss, better="lower", unit="nats/char")

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(history.steps, history.train_loss, lw=0.8, alpha=0.6, label="training batches")
ax.plot(history.eval_steps, history.metric("loss"), "o-", label="held-out tunes")
ax.axhline(unigram_loss, color="gray", ls="--", label="character frequencies only")
ax.set(xlabel="training step", ylabel="loss (nats per character)",
       title="A character LSTM learning ABC tunes")
ax.legend()
plt.show()

if cfg.mode != "smoke":
    assert valid_loss < unigram_loss - 1.0, (valid_loss, unigram_loss)
else:
    print("held-out loss against the baseline: skipped (smoke mode)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same model runs on the course's own LSTM cell (notebook 05) through the same interface:
# `scratch=True` unrolls `cells.LSTMCell` in a Python loop. Loaded with the trained weights, it
# gives the same next-character predictions, and `training.fit` trains it the same way, only
# more slowly, which is why the fused layer does the training here.

# %% slideshow={"slide_type": "subslide"}
scratch = models.LanguageModel(len(vocab), kind="lstm", hidden_size=hidden_size,
                               embed_size=embed_size, scratch=True).to(cfg.device)
scratch.embedding.load_state_dict(lm.embedding.state_dict())
scratch.head.load_state_dict(lm.head.state_dict())
cells.copy_from_torch(scratch.rnn.impl.cell, lm.rnn.impl)
window = X_valid[:4].to(cfg.device)  # (4, T)
with torch.no_grad():
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
# To write a tune, the model starts from `<end>` (the state after a tune) followed by the line
# `X:1` that every normalised tune begins with, and samples one
# character at a time from its prediction, divided by a **temperature** $\tau$ as in notebook 03,
# feeding each character back in, until it writes `<end>` again. `music.sample_tunes` does this
# for many tunes at once: each row of the batch is one tune, and the batch stops when every tune
# has ended (or after 1,000 characters, a tune that never ends).

# %% slideshow={"slide_type": "subslide"}
temperature = 0.8
num_samples = cfg.pick(smoke=20, class_=100, full=100)
sample_gen = torch.Generator().manual_seed(cfg.seed)
start = time.perf_counter()
samples, ended = music.sample_tunes(lm, vocab, num_samples, temperature=temperature,
                                    generator=sample_gen)
sample_seconds = time.perf_counter() - start
print(f"{num_samples} tunes sampled in one batch in {sample_seconds:.1f} s at temperature "
      f"{temperature}; {sum(ended)} ended at a tune boundary\n")
print(samples[0])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Is it valid?
#
# A converter that accepts almost anything is a weak judge. The anchor of this notebook, MIT
# 6.S191's music lab, counts a tune as valid when a converter produced a file. Here a tune is
# **strictly valid** only if it has the headers X, T, M, L and K, `music21` parses it with no
# exception *and without writing any complaint* (music21 reports parse problems on stderr, not as
# exceptions), and it has at least 8 notes. Beside it we count the **lenient** verdict: music21
# returned something. Held-out real tunes are the reference.

# %% slideshow={"slide_type": "subslide"}
start = time.perf_counter()
sample_checks = [music.check_tune(s) for s in samples]
check_seconds = time.perf_counter() - start
real_tunes = valid_tunes[:cfg.pick(smoke=20, class_=100, full=len(valid_tunes))]
real_checks = [music.check_tune(t) for t in real_tunes]
strict = np.mean([c.strict and e for c, e in zip(sample_checks, ended)])
lenient = np.mean([c.lenient for c in sample_checks])
real_strict = np.mean([c.strict for c in real_checks])
print(f"checked {len(samples)} samples in {check_seconds:.1f} s")
print(f"{'':28s}{'strict (and ended)':>20s}{'lenient':>10s}")
print(f"{'held-out real tunes':28s}{real_strict:20.0%}{np.mean([c.lenient for c in real_checks]):10.0%}")
print(f"{'samples at temperature ' + str(temperature):28s}{strict:20.0%}{lenient:10.0%}")
results.record("strictly valid samples", 100 * strict, unit="%")
results.record("strictly valid held-out real tunes", 100 * real_strict, unit="%")
for s, c in list(zip(samples, sample_checks))[:40]:
    if not c.strict:
        print(f"\nrejected {s[:60]!r}...: missing {c.missing_headers}, {c.num_notes} notes, "
              f"error {c.error[:70]!r}, complaints {c.messages[:1]}")

# %% slideshow={"slide_type": "subslide"}
if cfg.mode != "smoke":
    assert real_strict >= 0.95, real_strict
    assert strict >= 0.90, f"only {strict:.0%} of the samples are strictly valid and ended"
    assert lenient >= strict
else:
    print("validity of the samples: skipped (smoke mode)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Is it new?
#
# A model can reach perfect validity by copying. For every strictly valid sample we look for its
# body among the training bodies, and for the **longest stretch** of characters it shares with
# any training tune (`text.CopyIndex`: every substring of up to 8 characters of the training
# bodies, in a sorted array, filters the candidates before an exact search). What counts as
# "long"? Real tunes that the model never saw share stretches with the training tunes too (folk
# tunes quote each other), so the held-out tunes set the scale.

# %% slideshow={"slide_type": "subslide"}
start = time.perf_counter()
index = text.CopyIndex(music.body(t) for t in train_tunes)
valid_bodies = [music.body(t) for t in valid_tunes]
real_shared = np.array([index.longest_shared(b) for b in valid_bodies])
good = [s for s, c, e in zip(samples, sample_checks, ended) if c.strict and e]
copies = sum(index.is_copy(music.body(s)) for s in good)
sample_shared = np.array([index.longest_shared(music.body(s)) for s in good] or [0])
threshold = int(np.percentile(real_shared, 95))
print(f"index built and {len(valid_bodies) + len(good)} tunes searched in "
      f"{time.perf_counter() - start:.1f} s")
print(f"held-out real tunes: longest shared stretch median {np.median(real_shared):.0f}, "
      f"95th percentile {threshold}, max {real_shared.max()} characters")
print(f"valid samples: {copies} exact copies; longest shared stretch median "
      f"{np.median(sample_shared):.0f}, max {sample_shared.max()} characters")
if cfg.mode != "smoke":
    assert copies == 0, copies
    assert sample_shared.max() < threshold, (sample_shared.max(), threshold)
else:
    print("copies: skipped (smoke mode)")

# %% [markdown] slideshow={"slide_type": "slide"}
# The samples share shorter stretches with the training tunes than unseen real tunes do: the
# model recombines common figures (a bar, a cadence) rather than reciting tunes.
#
# ## 6 · Syntax is not music
#
# music21 accepts a bar of the wrong length. A listener does not: in a jig in 6/8 every bar
# holds six quavers. For each tune we count the **inner bars** (not the first and last, which
# may be pick-ups) whose length matches the meter, and call a tune **in time** when at least 70%
# of them do (repeats and pick-ups in the middle of a tune leave a few short bars even in real
# tunes).

# %% slideshow={"slide_type": "subslide"}
real_rhythm = np.array([c.rhythm for c in real_checks if c.strict and c.inner_bars])
sample_rhythm = np.array([c.rhythm for c, e in zip(sample_checks, ended)
                          if c.strict and e and c.inner_bars])
real_in_time = np.mean(real_rhythm >= 0.7)
sample_in_time = np.mean(sample_rhythm >= 0.7) if len(sample_rhythm) else 0.0
print(f"in time (>= 70% of inner bars match the meter): real {real_in_time:.0%}, "
      f"valid samples {sample_in_time:.0%}")
results.record("valid samples in time", 100 * sample_in_time, unit="%")
results.record("held-out real tunes in time", 100 * real_in_time, unit="%")
fig, ax = plt.subplots(figsize=(7, 3.5))
bins = np.linspace(0, 1, 21)
ax.hist(real_rhythm, bins, alpha=0.6, density=True, label="held-out real tunes")
ax.hist(sample_rhythm, bins, alpha=0.6, density=True, label=f"valid samples, $\\tau$={temperature}")
ax.axvline(0.7, color="gray", ls="--")
ax.set(xlabel="share of inner bars whose length matches the meter", ylabel="density",
       title="Parsing is not keeping time")
ax.legend()
plt.show()
if cfg.mode != "smoke":
    assert real_in_time >= 0.9, real_in_time
else:
    print("rhythm of real tunes: skipped (smoke mode)")

# %% [markdown] slideshow={"slide_type": "slide"}
# Almost every real tune keeps time; a much smaller share of the valid samples does. The model
# has learnt the *syntax* of ABC (headers, notes, bar lines, repeats) far better than the
# *arithmetic* of a bar, which needs it to add up note lengths since the last bar line: a count
# it must keep in its state, a few dozen characters long.
#
# ## 7 · Hear it and see it
#
# music21 writes a tune as a MIDI file; `pretty_midi` (pure Python and NumPy) reads it and
# synthesises it with sine waves, and `IPython.display.Audio` plays the result in the notebook:
# no system packages, no external player. First a generated tune, then a real one.

# %% slideshow={"slide_type": "subslide"}
fs = 16000


def playable(tunes):
    """The first tune that music21 can write as MIDI and pretty_midi can synthesise."""
    for tune in tunes:
        try:
            return tune, music.synthesize(tune, fs=fs)
        except Exception as error:  # e.g. repeats music21 cannot expand
            print(f"skipped a tune: {type(error).__name__}")
    raise RuntimeError("none of the tunes could be rendered as audio")


in_time = [s for s, c, e in zip(samples, sample_checks, ended) if c.strict and e and c.rhythm >= 0.7]
if not good:  # only an untrained model (smoke mode) writes no valid tune at all
    print("no valid sample to play: a training tune stands in")
generated, generated_audio = playable(in_time + good or train_tunes)
real, real_audio = playable(valid_tunes)
print(generated)
display(Audio(generated_audio[:20 * fs], rate=fs))
print(real)
display(Audio(real_audio[:20 * fs], rate=fs))

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
for ax, tune, label in [(axes[0], generated, "generated"), (axes[1], real, "real (held out)")]:
    roll = music.piano_roll(tune, fs=8)[:, :8 * 30]  # (128, frames): the first 30 s
    ax.imshow(roll > 0, aspect="auto", origin="lower", cmap="Greys", interpolation="nearest",
              extent=(0, roll.shape[1] / 8, 0, 128))
    ax.set(xlabel="time (s)", title=f"{label}: {music.split_tune(tune)[0]['T'][:30]}")
axes[0].set(ylabel="MIDI pitch", ylim=(50, 90))
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Try it
#
# Choose a temperature and press the button: the model writes a new tune, the notebook checks
# it and, if it is strictly valid, plays it. Low temperatures give safe, repetitive tunes; high
# ones more surprising tunes and more mistakes.

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
    (tune,), (done,) = music.sample_tunes(lm, vocab, 1, slider.value, generator=widget_gen)
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
#   many-to-many, the next character at every step, with a reserved `<end>` token between tunes.
# - Its held-out loss per character, and samples written one tune at a time with a temperature,
#   stopped at `<end>`, show what it has learnt.
# - Validity must be measured strictly: headers, a parse without complaints, enough notes.
#   "A converter produced a file" accepts tunes a musician would reject.
# - A valid sample is worth something only if it is new: no sample copies a training tune, and
#   the longest stretch a sample shares with the training tunes is shorter than what unseen real
#   tunes share.
# - Syntax is not music: the model writes valid ABC far more often than it writes bars that add
#   up to the meter.
#
# ## Exercises

# %% [markdown] slideshow={"slide_type": "subslide"}
# **1. The length of a bar.** Write `bar_length(meter, unit)`: how many unit notes fill one bar.
# `meter` is an ABC meter (`"6/8"`, `"2/4"`, `"C"` for 4/4, `"C|"` for 2/2), `unit` the L field
# (`"1/8"`). Return a `fractions.Fraction`. Hint: a bar lasts `Fraction(6, 8)` of a whole note,
# a unit note `Fraction(1, 8)`.

# %% slideshow={"slide_type": "-"}
def bar_length(meter, unit):
    """Number of unit notes in one bar, e.g. bar_length("6/8", "1/8") == 6."""
    # HINT: map "C" and "C|" to "4/4" and "2/2", then divide Fraction(meter) by Fraction(unit)
    ### BEGIN SOLUTION
    meter = {"C": "4/4", "C|": "2/2"}.get(meter, meter)
    return Fraction(meter) / Fraction(unit)
    ### END SOLUTION


# %% slideshow={"slide_type": "subslide"}
for meter, unit, expected in [("6/8", "1/8", 6), ("2/4", "1/16", 8), ("C", "1/8", 8),
                              ("C|", "1/8", 8), ("3/4", "1/4", 3), ("9/8", "1/16", 18)]:
    got = bar_length(meter, unit)
    assert got == expected, (f"bar_length({meter!r}, {unit!r}) returned {got}, expected {expected}: "
                             f"divide the bar's share of a whole note by the unit's")
print("Exercise 1: PASS")

# %% [markdown] slideshow={"slide_type": "-"}
# **2. Copies by brute force.** Write `longest_shared_naive(sample, bodies)`: the length of the
# longest substring of `sample` that occurs in one of the strings `bodies`. A simple way: keep
# the best length found so far, and for each start position try to make it one longer. The check
# compares it with `text.CopyIndex` on a few samples. (Then time both: why does the index need
# its sorted array of short substrings?)

# %% slideshow={"slide_type": "subslide"}
def longest_shared_naive(sample, bodies):
    """Length of the longest substring of ``sample`` found in any string of ``bodies``."""
    # HINT: best = 0; for each start i, while sample[i:i + best + 1] is in some body, best += 1
    ### BEGIN SOLUTION
    best = 0
    for i in range(len(sample)):
        while i + best < len(sample) and any(sample[i:i + best + 1] in b for b in bodies):
            best += 1
    return best
    ### END SOLUTION


# %% slideshow={"slide_type": "-"}
few_bodies = [music.body(t) for t in train_tunes[:300]]
small_index = text.CopyIndex(music.body(t) for t in train_tunes[:300])
for s in samples[:3]:
    expected = small_index.longest_shared(music.body(s))
    got = longest_shared_naive(music.body(s), few_bodies)
    assert got == expected, (f"longest_shared_naive gave {got}, the index {expected}: a stretch must lie "
                             f"inside one body, and every start position must be tried")
print("Exercise 2: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **3. Temperature and validity.** (Open.) Sample 100 tunes at temperatures 0.5, 0.8, 1.0 and
# 1.2 and plot the strict and lenient validity, the share in time, and the median longest
# shared stretch against the temperature. Which temperature would you choose, and why?
#
# **4. Asking for a reel.** (Open.) Many tunes carry an `R:` field (reel, jig, hornpipe). Start
# the sampler from `X:1\nT:` plus a title and `\nR:reel\nM:` instead of `X:1\n` alone
# (`music.sample_tunes(..., prefix=...)`). Does the model then choose the meter of a reel
# (2/4 or C|)?
#
# **5. Keeping time.** (Open.) The rhythm check shows what the model has not learnt. Does a
# larger LSTM (`hidden_size=512`) or longer training raise the share of samples in time? What
# else could help the model count note lengths within a bar?
