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
# # 08 · Sentiment classification
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/08_sentiment.ipynb)
#
# The lecture's second application: the input is a sequence of words, the output one number, the
# probability that the sentence is positive. This is **many-to-one**: the recurrent network reads
# the whole sentence and only then answers, trained with softmax cross-entropy on two classes.
# It closes the loop opened in notebook 02, where a bag of words gave *"The food was good, not
# bad at all."* and *"The food was bad, not good at all."* identical counts, hence identical
# predictions.
#
# **Learning goals**
#
# - Hold out a dev split that is really new to the model (whole sentences, with every labelled
#   piece of them), choose every setting on it, and read the test set once, at the end.
# - Turn sentences of different lengths into padded, length-bucketed batches, and make the model
#   read the real words only.
# - Start from notebook 03's many-to-one readout (the last state), then measure what pooling
#   over the real steps adds.
# - Compare an LSTM with a bag-of-words logistic regression on the same test sentences, with a
#   paired test that says whether the difference is more than chance.
# - See what order buys: the negation pair, a probe set of order-sensitive sentences, the
#   lecture's two tweets, and reviews from other domains; ask a model *why* (occlusion).

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import nn

from course_utils import baselines, config, data, models, plotting, results, sentiment, text, training
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The data: phrases to train on, sentences to choose on and to test on
#
# SST-2 (the Stanford Sentiment Treebank, binary) labels movie-review text positive (1) or
# negative (0). Its training set holds **phrases**: every full sentence of the training reviews
# *and* the labelled pieces of it (*"not bad"*, *"the acting"*, ...). GLUE's dev set holds other
# full sentences; as in the literature, it is our **test** set.
#
# Settings still have to be chosen (how long to train, which readout), so we hold out a **dev
# split** of whole training sentences, removing their pieces from training too, and **choose every
# setting on it; the test set is read once, at the end.**

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>How the dev split is made, and why it is stricter than the test</summary>
#
# Random training phrases would make a poor dev split: they are pieces of the very sentences we
# train on. So `sentiment.dev_split` holds out whole **full sentences** (phrases that no other
# phrase contains) and removes from training every phrase that is a run of words of one of them:
# the sentence, its labelled pieces, even a common word that happens to be a labelled phrase of
# its own. That is stricter than the test set gets (test sentences share such common phrases with
# training), so dev accuracies may read lower than test accuracies; what matters is that they
# compare settings fairly. Once a choice is made, the dev sentences have done their job: each
# final model then trains on every training phrase, the dev split's included, as is usual.
#
# </details>

# %% slideshow={"slide_type": "subslide"}
sst_train, sst_test = data.load_sst2("train"), data.load_sst2("dev")  # GLUE's dev set: our test set
train_pairs, dev_pairs = sentiment.dev_split(sst_train, num_dev=500)  # the same split for every seed
print(f"SST-2 training set: {len(sst_train):,} phrases; GLUE dev (our test set): {len(sst_test):,} sentences")
print(f"dev split: {len(dev_pairs):,} full training sentences held out; {len(sst_train) - len(train_pairs):,} "
      f"training phrases (the sentences and their pieces) left with them; {len(train_pairs):,} remain")

example, _ = dev_pairs[0]
example_pieces = [p for p, _ in sst_train if f" {' '.join(p.split())} " in f" {example} "]
train_texts = {p for p, _ in train_pairs}
print(f"a dev sentence: {example!r}\n  {len(example_pieces)} training phrases are pieces of it, e.g. "
      f"{sorted(example_pieces, key=len)[:4]}")
assert example_pieces and not train_texts & set(example_pieces), "the pieces of a dev sentence must leave training"
test_pieces = {" ".join(words[i:j]) for s, _ in sst_test for words in [s.split()]
               for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
shared = sum(p in test_pieces for p in train_texts)
print(f"training phrases that are pieces of test sentences (kept: the test set is not ours to carve): {shared:,}")
assert shared > 0, "the test set shares common phrases with training; the dev split does not"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The vocabulary comes from the training part only, with four reserved tokens (`<pad>` = 0,
# `<unk>` = 1, `<bos>`, `<eos>`).

# %% slideshow={"slide_type": "subslide"}
train_tokens = [text.tokenize(s, "word") for s, _ in train_pairs]
vocab = text.Vocab((w for tokens in train_tokens for w in tokens), min_freq=1, reserved=text.SPECIALS)
train_ids = sentiment.encode(train_tokens, vocab)
dev_ids = sentiment.encode([text.tokenize(s, "word") for s, _ in dev_pairs], vocab)
test_ids = sentiment.encode([text.tokenize(s, "word") for s, _ in sst_test], vocab)
y_train = torch.tensor([label for _, label in train_pairs])  # (N_train,)
y_dev = torch.tensor([label for _, label in dev_pairs])  # (N_dev,)
y_test = torch.tensor([label for _, label in sst_test])  # (N_test,)
held_out = [(p, label) for p, label in sst_train if " ".join(p.split()) not in train_texts]  # dev's phrases
all_ids = train_ids + sentiment.encode([text.tokenize(s, "word") for s, _ in held_out], vocab)
y_all = torch.cat([y_train, torch.tensor([label for _, label in held_out])])  # (N_all,): for the final refit
print(f"vocabulary {len(vocab):,} (training part only)")
for name, y in {"training": y_train, "dev": y_dev, "test": y_test}.items():
    print(f"  {name:>8}: {len(y):,} examples, {y.float().mean():.1%} positive")
for sentence, label in train_pairs[:4]:
    print(f"  {label}  {sentence!r}")
assert vocab.pad == 0 and vocab.unk == 1

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Batches of sentences of different lengths
#
# A batch is one tensor, so shorter sentences are **padded** on the right with `<pad>` up to the
# longest one, and the batch carries each sentence's real length. Two things keep padding
# harmless and cheap:
#
# - **length buckets**: shuffle, then sort pools of sentences by length and cut them into batches,
#   so each batch holds sentences of similar length and little padding is computed at all;
# - the readout looks at real steps only. A left-to-right LSTM has read every real word *before*
#   it reaches the padding, so its outputs at the real steps are exactly what the sentence gives
#   alone: it can run over the padded batch as it is, and the readout (the last real step, or a
#   pooling that masks the padding) ignores what comes after. (A backward direction would start
#   *in* the padding: bidirectional layers need PyTorch's packed sequences, which cost more.)

# %% slideshow={"slide_type": "subslide"}
gen = torch.Generator().manual_seed(cfg.seed)
lengths = torch.tensor([len(s) for s in train_ids])  # (N,)
random_order = torch.randperm(len(train_ids), generator=gen).split(64)
bucketed = text.length_buckets(lengths, 64, generator=gen)


def padding_share(batch_list):
    padded = sum(len(b) * int(lengths[b].max()) for b in batch_list)
    return 1 - int(lengths.sum()) / padded


X, lens, y = next(sentiment.batches(train_ids, y_train, 4, vocab.pad, generator=gen))
print("a batch of 4:", tuple(X.shape), "lengths", lens.tolist(), "\n", X)
print(f"padding in random batches of 64: {padding_share(random_order):.0%}; "
      f"in length buckets: {padding_share(bucketed):.0%}")
claim("length buckets cut the padding by more than half (bucketed over random batches' padding share)",
      padding_share(bucketed) / padding_share(random_order), "<", 0.5)

# %% slideshow={"slide_type": "subslide"}
probe_layer = models.RecurrentLayer("lstm", input_size=8, hidden_size=8)
X_probe, lens_probe = text.pad_batch([[1, 2, 3, 4, 5], [6, 7], [8, 9, 10]], pad_id=0)  # (3, 5), (3,)
inputs = torch.randn(3, 5, 8)  # (B, T, d): padded positions hold anything
with torch.no_grad():
    packed_outputs, _ = probe_layer(inputs, lengths=lens_probe)  # packed: stops at each last word
    plain_outputs, _ = probe_layer(inputs)  # runs on into the padding
real_steps = torch.arange(5)[None] < lens_probe[:, None]  # (B, T)
gap = (packed_outputs - plain_outputs)[real_steps].abs().max().item()
print(f"largest difference at real steps, packed vs run over the padding: {gap:.1e}")
assert gap < 1e-5, "padding after the last word cannot change a left-to-right LSTM's real steps"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Baseline: logistic regression on a bag of words
#
# Notebook 02's model, in the same pipeline: the batch `(X, lengths)` becomes word counts `(B, V)`
# (padding ignored), and one linear layer gives two scores. It cannot see order by construction.
# Its `forward` adds up the columns of $W$ for the sentence's words, which is `counts @ W.T`
# without building the mostly-zero `(B, V)` table.
#
# How long to train it is a setting: it learns in seconds and then overfits. We read the dev
# split after every epoch (`sentiment.KeepBest` records it), take the best number of epochs, and
# train it again for that many epochs on every training phrase.

# %% slideshow={"slide_type": "subslide"}
class BagOfWords(nn.Module):
    """Logistic regression on unigram counts: (X (B, T), lengths) -> logits (B, 2)."""

    def __init__(self, vocab_size, pad_id):
        super().__init__()
        self.vocab_size, self.pad_id = vocab_size, pad_id
        self.linear = nn.Linear(vocab_size, 2)

    def counts(self, X):
        return baselines.bag_of_words_batch(X, self.vocab_size, pad_id=self.pad_id)  # (B, V)

    def forward(self, X, lengths=None):
        words = X.sort(dim=1).values  # (B, T): one order of addition for the same bag
        columns = nn.functional.embedding_bag(words, self.linear.weight.T, mode="sum",
                                              padding_idx=self.pad_id)  # (B, 2): counts @ W.T
        return columns + self.linear.bias  # (B, 2)


def dev_accuracy(model):
    return sentiment.accuracy(sentiment.predict_proba(model, dev_ids, vocab.pad), y_dev)


# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Engineering: the sum of columns, sorted words, and what it saves</summary>
#
# The counts are almost all zeros (the cell below prints the share that is not), so `forward`
# computes the same product without building the `(B, V)` table: `counts @ W.T` is the sum of
# $W$'s columns of the sentence's words (a word used twice, twice), which
# `nn.functional.embedding_bag` adds up directly. The words are sorted first: a bag has no
# order, and one fixed order of addition makes the same words give exactly the same scores. The
# cell checks it against the counts, and prints what the shortcut saves.
#
# </details>

# %% jupyter={"outputs_hidden": true, "source_hidden": true} slideshow={"slide_type": "skip"} tags=["hide-cell"]
def milliseconds(fn, repeats=20):
    """Mean milliseconds of fn() with its backward pass."""
    start = time.perf_counter()
    for _ in range(repeats):
        fn().sum().backward()
    return 1000 * (time.perf_counter() - start) / repeats


check_model = BagOfWords(len(vocab), vocab.pad)
X_check, _ = text.pad_batch(train_ids[:256], vocab.pad)  # (256, T)
counts_check = check_model.counts(X_check)  # (256, V)
torch.testing.assert_close(check_model(X_check), check_model.linear(counts_check))
print(f"a batch of 256: {(counts_check > 0).float().mean():.2%} of its counts are not zero; the sum of "
      f"columns equals the counts times W (checked); forward and backward "
      f"{milliseconds(lambda: check_model(X_check)):.1f} ms, against "
      f"{milliseconds(lambda: check_model.linear(check_model.counts(X_check))):.1f} ms through the (256, "
      f"{len(vocab):,}) counts")

# %% slideshow={"slide_type": "subslide"}
bow_epochs = cfg.pick(smoke=1, class_=3, full=4)
bow_epoch_steps = sentiment.steps_for(len(train_ids), (256,), 1)
bow = BagOfWords(len(vocab), vocab.pad).to(cfg.device)
bow_keep = sentiment.KeepBest(dev_accuracy)
bow_history = training.fit(bow, sentiment.epochs(train_ids, y_train, (256,), vocab.pad, gen),
                           models.classification_loss, lr=1e-2, desc="bag of words", evaluate=bow_keep,
                           eval_every=bow_epoch_steps,
                           steps=bow_epochs * bow_epoch_steps if cfg.mode != "smoke" else 20)
print(f"bag of words: {len(bow_history.steps)} steps in {bow_history.seconds:.1f} s; dev accuracy after each epoch: "
      + ", ".join(f"{acc:.1%}" for acc in bow_keep.curve))
bow_best_epochs = bow_keep.best_index + 1
bow = BagOfWords(len(vocab), vocab.pad).to(cfg.device)  # the final one: every training phrase
training.fit(bow, sentiment.epochs(all_ids, y_all, (256,), vocab.pad, gen), models.classification_loss, lr=1e-2,
             desc="bag of words, all phrases",
             steps=sentiment.steps_for(len(all_ids), (256,), bow_best_epochs) if cfg.mode != "smoke" else 20)
print(f"chosen on dev: {bow_best_epochs} epoch(s) (dev {bow_keep.best:.1%}); "
      f"trained again on all {len(all_ids):,} phrases")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Many-to-one as notebook 03 defines it: the last state
#
# Each word id becomes a learned vector (an embedding), an LSTM reads the vectors in order, and a
# **readout** turns its outputs into one vector per sentence, then two scores. Notebook 03's
# readout is the **output at the last real word**, $h_T$, the state that has read the whole
# sentence: the lecture's many-to-one picture, exactly. Section 5 tries a second readout,
# **max-pooling** over the real steps; here are both, written out.

# %% slideshow={"slide_type": "subslide"}
class SentimentLSTM(nn.Module):
    """Ids (B, T), right-padded, and lengths (B,) -> embedding -> LSTM -> readout (B, n_h) -> logits (B, 2)."""

    def __init__(self, vocab_size, embed_size, hidden_size, pooling, dropout, pad_id):
        super().__init__()
        self.pooling = pooling  # "last" or "max"
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=pad_id)  # (V, E)
        self.rnn = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, 2)  # (2, n_h)

    def forward(self, X, lengths):
        lengths = lengths.to(X.device)
        e = self.dropout(self.embedding(X))  # (B, T, E)
        hs, _ = self.rnn(e)  # (B, T, n_h): a real step never sees the padding that follows it
        if self.pooling == "last":
            v = hs[torch.arange(len(X), device=X.device), lengths - 1]  # (B, n_h): h at the last real word
        else:
            real = torch.arange(X.shape[1], device=X.device)[None] < lengths[:, None]  # (B, T)
            v = hs.masked_fill(~real[..., None], float("-inf")).amax(dim=1)  # (B, n_h): each feature's max
        return self.head(self.dropout(v))  # (B, 2)


# %% [markdown] slideshow={"slide_type": "subslide"}
# The course's tested `models.SequenceClassifier(..., pooling=)` (which can also stack layers and
# read both directions) must give the same logits with the same weights, for both readouts:

# %% slideshow={"slide_type": "-"}
X_few, lens_few = text.pad_batch(train_ids[:8], vocab.pad)  # (8, T), (8,)
X_few = X_few.to(cfg.device)
for pooling in ("last", "max"):
    ours = SentimentLSTM(len(vocab), 16, 8, pooling, dropout=0.5, pad_id=vocab.pad).to(cfg.device).eval()
    ref = models.SequenceClassifier(len(vocab), 2, "lstm", embed_size=16, hidden_size=8, pooling=pooling,
                                    dropout=0.5, pad_id=vocab.pad).to(cfg.device).eval()
    ours.load_state_dict({k.replace("rnn.impl.", "rnn."): v for k, v in ref.state_dict().items()})
    torch.testing.assert_close(ours(X_few, lens_few), ref(X_few, lens_few))  # logits (8, 2)
print("SentimentLSTM agrees with models.SequenceClassifier, last state and max-pooling")

# %% [markdown] slideshow={"slide_type": "-"}
# The training runs use the tested class. The recipe (one layer, hidden size 128, embeddings of
# 128 numbers, dropout 0.5 on the embeddings and on the vector read out, Adam with gradient
# clipping at 1, one epoch in batches of 256 and then batches of 64) is the same for every readout.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Engineering: a sparse embedding, and the larger GPU model</summary>
#
# The embedding is **sparse**: each step updates only the rows of the words in the batch
# (`SparseAdam` for them, through `sentiment.SparseDenseAdam`; Adam for the rest), not the whole
# table, most of which no single batch touches. On a GPU (`full` mode) the model is larger: a
# two-layer bidirectional LSTM of 256 units, trained longer (sizes not chosen on the dev split:
# class mode is what was tuned).
#
# </details>

# %% slideshow={"slide_type": "subslide"}
size = cfg.pick(smoke=dict(hidden_size=32, num_layers=1, bidirectional=False, embed_size=32),
                class_=dict(hidden_size=128, num_layers=1, bidirectional=False, embed_size=128),
                full=dict(hidden_size=256, num_layers=2, bidirectional=True, embed_size=300))
batch_sizes = (256, 64)
lstm_lr = cfg.pick(smoke=3e-3, class_=3e-3, full=2e-3)
eval_every = cfg.pick(smoke=10, class_=120, full=480)
short_steps = sentiment.steps_for(len(train_ids), batch_sizes, 1) if cfg.mode != "smoke" else 20  # one epoch
more_epochs = cfg.pick(smoke=1, class_=4, full=10)  # after the readout is chosen: on every phrase
more_steps = sentiment.steps_for(len(all_ids), batch_sizes[-1:], more_epochs) if cfg.mode != "smoke" else 10


class LSTMRun:
    """An LSTM classifier with its optimiser, its batches and its dev record, trained in stages."""

    def __init__(self, pooling):
        torch.manual_seed(cfg.seed)  # the same initial weights for every readout
        self.model = models.SequenceClassifier(len(vocab), 2, "lstm", pooling=pooling, dropout=0.5,
                                               pad_id=vocab.pad, **size).to(cfg.device)
        self.model.embedding.sparse = True  # gradients only for the rows of the batch's words
        self.optimizer = sentiment.SparseDenseAdam(self.model, lr=lstm_lr)
        self.batches = sentiment.epochs(train_ids, y_train, batch_sizes, vocab.pad,
                                        torch.Generator().manual_seed(cfg.seed))  # the same batches too
        self.keep = sentiment.KeepBest(dev_accuracy)  # dev accuracy every `eval_every` steps, best weights
        self.eval_steps, self.steps, self.seconds = [], 0, 0.0

    def train(self, steps, desc, read_dev=True):
        history = training.fit(self.model, self.batches, models.classification_loss, steps=steps, clip=1.0,
                               optimizer=self.optimizer, evaluate=self.keep if read_dev else None,
                               eval_every=eval_every, desc=desc)
        assert not history.diverged, f"{desc}: the loss diverged"
        self.eval_steps += [self.steps + s for s in history.eval_steps]
        self.steps, self.seconds = self.steps + len(history.steps), self.seconds + history.seconds


last_run = LSTMRun("last")
print(last_run.model)
last_run.train(short_steps, "LSTM, last state")
print(f"last state: {last_run.steps:,} steps in {last_run.seconds:.0f} s; best dev accuracy {last_run.keep.best:.1%}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · What pooling over the real steps adds
#
# The last state must carry everything the sentence said through every later word, and the
# gradient that teaches the model a cue early in a long sentence has to travel back through all
# of them (notebook 04). **Max-pooling** over the real steps reads every output instead: each
# feature keeps its largest value anywhere in the sentence, so a strong cue counts wherever it
# appears, while the LSTM state that produced it has read everything before it (*not* ... *bad*).
#
# Same initial weights, same batches, same steps (the first epoch), same dev readings: only the
# readout differs. **The readout with the better dev accuracy** then trains on, on every training
# phrase, and its final weights go to the test.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>How long the chosen readout trains on, and why</summary>
#
# It trains on in batches of 64, on every training phrase (the dev split's included: it has done
# its job), for a fixed number of epochs: the dev curves of `scripts/sentiment_dev.py` level off
# within it, and the class-mode time budget keeps it short.
#
# </details>

# %% slideshow={"slide_type": "subslide"}
max_run = LSTMRun("max")
max_run.train(short_steps, "LSTM, max-pooling")
gain = max_run.keep.best - last_run.keep.best
dev_error = (max_run.keep.best * (1 - max_run.keep.best) / len(y_dev)) ** 0.5
print(f"best dev accuracy after {short_steps:,} steps each: last state {last_run.keep.best:.1%}, "
      f"max-pooling {max_run.keep.best:.1%}: max-pooling adds {gain:+.1%} "
      f"(one standard error of a dev accuracy: {dev_error:.1%})")
results.record("dev accuracy at equal steps, LSTM last state", 100 * last_run.keep.best, unit="%")
results.record("dev accuracy at equal steps, LSTM max-pooling", 100 * max_run.keep.best, unit="%")
chosen = max_run if gain >= 0 else last_run
chosen.batches = sentiment.epochs(all_ids, y_all, batch_sizes[-1:], vocab.pad, torch.Generator().manual_seed(cfg.seed))
chosen.train(more_steps, f"LSTM, {chosen.model.pooling}, all phrases", read_dev=False)
lstm = chosen.model
print(f"chosen on dev: the {lstm.pooling} readout; then {more_epochs} epoch(s) on all {len(all_ids):,} phrases: "
      f"{chosen.steps:,} steps in all, {chosen.seconds:.0f} s ({1000 * chosen.seconds / chosen.steps:.1f} ms per step)")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(7, 3.4))
for run, name in ((last_run, "LSTM, last state"), (max_run, "LSTM, max-pooling over real steps")):
    ax.plot(run.eval_steps, run.keep.curve, "o-", label=name)
ax.axhline(bow_keep.best, color="gray", ls=":", label="bag of words (best epoch)")
ax.set(xlabel="training step", ylabel="dev accuracy", title="Choosing on the dev split (not the test set)")
ax.legend();

# %% [markdown] slideshow={"slide_type": "subslide"}
# At this size the two readouts land **close together** on the dev split: the gap printed above
# is within a few standard errors of a dev accuracy, so one run says little about which readout
# is better in general; the dev split, not our expectation, decides which one trains on.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Where the other settings come from</summary>
#
# The other settings were chosen on the same dev split with `scripts/sentiment_dev.py`, which
# trains this recipe with other settings and reads the dev split only: the learning rate, the
# number of steps, one direction rather than two (at equal time). Its runs are kept in
# `scripts/sentiment_dev_runs.jsonl`; `python scripts/sentiment_dev.py --summary
# scripts/sentiment_dev_runs.jsonl` prints them.
#
# </details>

# %% slideshow={"slide_type": "-"}
claim("the two readouts land within three standard errors on dev (|gain| in standard errors)",
      abs(gain) / dev_error, "<", 3)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · The test: GLUE's dev set, read once
#
# Both models as chosen on the dev split and trained on every phrase, on the test sentences.

# %% slideshow={"slide_type": "-"}
p_bow_test = sentiment.predict_proba(bow, test_ids, vocab.pad)  # (N_test,)
p_lstm_test = sentiment.predict_proba(lstm, test_ids, vocab.pad)  # (N_test,)
bow_acc, lstm_acc = sentiment.accuracy(p_bow_test, y_test), sentiment.accuracy(p_lstm_test, y_test)
majority = max(y_test.float().mean().item(), 1 - y_test.float().mean().item())
print(f"seed {cfg.seed}: LSTM test accuracy {lstm_acc:.4f}, bag of words {bow_acc:.4f} (majority class {majority:.4f})")
results.record("SST-2 test (GLUE dev) accuracy, LSTM", 100 * lstm_acc, unit="%")
results.record("SST-2 test (GLUE dev) accuracy, bag of words (floor)", 100 * bow_acc, unit="%")
results.record("SST-2 test (GLUE dev) accuracy, majority class (floor)", 100 * majority, unit="%")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
for ax, (name, probs) in zip(axes, {"bag of words": p_bow_test, "LSTM": p_lstm_test}.items()):
    counts = sentiment.confusion(probs, y_test)  # (2, 2): rows true, columns predicted
    ax.imshow(counts, cmap="Blues")
    for i in range(2):
        for j in range(2):
            ax.text(j, i, int(counts[i, j]), ha="center", va="center", fontsize=12)
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["negative", "positive"], yticklabels=["negative", "positive"],
           xlabel="predicted", ylabel="true", title=f"{name}: {sentiment.accuracy(probs, y_test):.1%}")
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Is the difference more than chance?** Both models answered the same test sentences, so the
# fair comparison is *paired*: only the sentences where they disagree tell them apart. If both
# were equally accurate, each disagreement would be a coin toss between them; **McNemar's exact
# test** gives the probability of a split at least as uneven as the one observed. The verdict
# printed below follows from that probability (below 0.05 or not); with a test set of this size,
# a gap of a point or two is often *not distinguishable* from chance. What we assert is only
# what held on every seed and CPU we ran, with room: the LSTM is not distinguishably *worse* than
# the bag of words, and both classify over three quarters of the test sentences right.
#
# One run is one seed. To see the spread over seeds, run the notebook again with another seed:
# set `COURSE_SEED` (e.g. `COURSE_SEED=11`) before starting Jupyter, and compare the accuracies.

# %% [markdown] slideshow={"slide_type": "skip"}
# <details>
# <summary>Why the accuracy claims say three quarters, not 80%</summary>
#
# Both models passed 80% on every run recorded in RESULTS.md, but the worst runs came within 2
# points of it (a claim's margin must hold across seeds and CPU kernel paths with room). The two
# claims were therefore lowered, the LSTM's from 80% and the bag of words' from 78%, to 75%.
#
# </details>

# %% slideshow={"slide_type": "subslide"}
lstm_right, bow_right = (p_lstm_test > 0.5).long() == y_test, (p_bow_test > 0.5).long() == y_test  # (N_test,)
lstm_only, bow_only, p_value = sentiment.mcnemar(lstm_right, bow_right)
verdict = ("the LSTM is more accurate than the bag of words" if p_value < 0.05 and lstm_only > bow_only
           else "the bag of words is more accurate than the LSTM" if p_value < 0.05
           else "the two are not distinguishable at this size")
print(f"of {len(y_test)} test sentences, the LSTM alone is right on {lstm_only}, the bag of words alone on "
      f"{bow_only}; McNemar's exact p = {p_value:.3f}: {verdict}")
standard_error = (lstm_acc * (1 - lstm_acc) / len(y_test)) ** 0.5
print(f"one standard error of the LSTM's accuracy on {len(y_test)} sentences: {standard_error:.2%}")
results.record("McNemar p, LSTM vs bag of words on the test set", p_value, better="lower")

# %% slideshow={"slide_type": "-"}
claim("the LSTM classifies over three quarters of the test sentences right (test accuracy)", lstm_acc, ">", 0.75)
p_bow_better = p_value if bow_only > lstm_only else 1.0  # the LSTM right at least as often: no evidence against it
claim("the bag of words is not distinguishably more accurate than the LSTM "
      "(McNemar p; 1 unless it is right alone more often)", p_bow_better, ">=", 0.05)
claim("the bag of words is a strong floor: over three quarters of the test sentences right (test accuracy)",
      bow_acc, ">", 0.75)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Order: the negation pair and a probe set
#
# The bag of words gives the two sentences of notebook 02 the same counts, hence the same
# probability, by construction. The LSTM reads them in order.

# %% slideshow={"slide_type": "-"}
def probabilities(model, sentences):
    """P(positive) for raw sentences, (N,)."""
    ids = sentiment.encode([text.tokenize(s, "word") for s in sentences], vocab)
    return sentiment.predict_proba(model, ids, vocab.pad)


pair = ["The food was good, not bad at all.", "The food was bad, not good at all."]
p_bow_pair, p_lstm_pair = probabilities(bow, pair), probabilities(lstm, pair)
for sentence, pb, pl in zip(pair, p_bow_pair, p_lstm_pair):
    print(f"{sentence:<40} bag of words {pb:.3f}   LSTM {pl:.3f}")
assert p_bow_pair[0] == p_bow_pair[1], "identical bags must give identical probabilities"
claim("the LSTM ranks 'good, not bad' above 'bad, not good' (difference in P(positive))",
      p_lstm_pair[0] - p_lstm_pair[1], ">", 0)

# %% [markdown] slideshow={"slide_type": "subslide"}
# One pair proves little. Here are pairs of our own, each made of the **same words in a
# different order** with opposite meanings, scored as they come (no pair was dropped after
# seeing a score). A pair is *ordered* if the positive sentence gets the higher probability.

# %% slideshow={"slide_type": "subslide"}
probe_pairs = [
    ("The food was good, not bad at all.", "The food was bad, not good at all."),
    ("I expected it to be bad, but it was good.", "I expected it to be good, but it was bad."),
    ("Never boring, always funny.", "Never funny, always boring."),
    ("It is not dull, it is brilliant.", "It is not brilliant, it is dull."),
    ("The plot was weak but the acting was great.", "The plot was great but the acting was weak."),
    ("It starts slow but ends wonderful.", "It starts wonderful but ends slow."),
    ("Not a bad movie, a good one.", "Not a good movie, a bad one."),
    ("I hated the book but loved the film.", "I loved the book but hated the film."),
]
probe_scores = {name: sentiment.score_pairs(lambda s, m=model: probabilities(m, s), probe_pairs)
                for name, model in {"bag of words": bow, "LSTM": lstm}.items()}
for row_bow, row_lstm in zip(probe_scores["bag of words"], probe_scores["LSTM"]):
    print(f"{row_lstm['positive']:<46} LSTM {row_lstm['p_positive']:.2f}  bag {row_bow['p_positive']:.2f}")
    print(f"{row_lstm['negative']:<46} LSTM {row_lstm['p_negative']:.2f}  bag {row_bow['p_negative']:.2f}")
for name, rows in probe_scores.items():
    print(f"{name}: {sum(r['ordered'] for r in rows)} of {len(rows)} pairs ordered, "
          f"{sum(r['both_right'] for r in rows)} with both sentences on the right side of 0.5")
assert all(r["p_positive"] == r["p_negative"] for r in probe_scores["bag of words"]), "same words, same bag"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The bag of words cannot order a single pair: each pair has one bag. The LSTM can, and the
# counts above say how often it does for this seed. Ordering a pair is not the same as getting
# both sentences right, though: look at how many pairs have both on the right side of 0.5 (the
# negation pair itself may be ranked correctly while both sentences are still called negative).
# The LSTM learnt order from SST's phrases, not the rules of English. And to be fair to bags, plainly: **a bag of
# bigrams separates the negation pair too**, since *"not bad"* occurs in one sentence and *"not
# good"* in the other, so a classifier on bigram counts can score them differently:

# %% slideshow={"slide_type": "subslide"}
good_tokens = text.tokenize(pair[0], "word")
bad_tokens = text.tokenize(pair[1], "word")
good_bigrams = set(zip(good_tokens, good_tokens[1:]))
bad_bigrams = set(zip(bad_tokens, bad_tokens[1:]))
print("bigrams only in the first: ", sorted(good_bigrams - bad_bigrams))
print("bigrams only in the second:", sorted(bad_bigrams - good_bigrams))
assert good_bigrams != bad_bigrams

# %% [markdown] slideshow={"slide_type": "slide"}
# The lesson is **order**, not negation: unigram counts throw order away by construction;
# n-grams keep it within n words; a recurrent network reads the whole sentence in order.
#
# ## 8 · The lecture's two tweets
#
# The slide *Tweet sentiment classification* shows two tweets, quoted here exactly as the slide
# gives them, with their authors and dates as the slide labels them (the first ends with a link,
# written as the tweet shows it; its address is printed beside it) and the sentiment each
# expresses: the first is praise (positive), the second a complaint (negative) in mild words,
# *wouldn't mind*, ending in the sad face `:(`, which the tokenizer splits into `:` and `(`.
# Beside each: both models' verdicts, then what each word did (occlusion, as in section 10).

# %% slideshow={"slide_type": "subslide"}
tweets = [
    {"author": "Ivar Hagendoorn @IvarHagendoorn, 12:45 PM - 12 Feb 2018", "label": "positive",
     "text": "The @MIT Introduction to #DeepLearning is definitely one of the best courses of its kind "
             "currently available online introtodeeplearning.com", "link": "http://introtodeeplearning.com"},
    {"author": "Angels-Cave @AngelsCave, replying to @Kazuki2048, 2:19 AM - 25 Jan 2019", "label": "negative",
     "text": "I wouldn't mind a bit of snow right now. We haven't had any in my bit of the Midlands "
             "this winter! :("},
]
tweet_texts = [t["text"] for t in tweets]
tweet_probs = {"bag of words": probabilities(bow, tweet_texts), "LSTM": probabilities(lstm, tweet_texts)}
for i, tweet in enumerate(tweets):
    verdicts = "; ".join(f"{name} P(positive) = {p[i]:.3f}, says {'positive' if p[i] > 0.5 else 'negative'}"
                         for name, p in tweet_probs.items())
    link = f", the link goes to {tweet['link']}" if "link" in tweet else ""
    print(f"{tweet['text']!r}\n   ({tweet['author']}{link})\n   label: {tweet['label']}; {verdicts}\n"
          f"   unknown words: {[w for w in text.tokenize(tweet['text'], 'word') if w not in vocab]}")

# %% jupyter={"source_hidden": true} slideshow={"slide_type": "subslide"} tags=["hide-input"]
fig, axes = plt.subplots(len(tweets), 1, figsize=(11, 6))
for ax, tweet in zip(axes, tweets):
    tokens = text.tokenize(tweet["text"], "word")
    for shift, (name, model) in zip((-0.2, 0.2), {"bag of words": bow, "LSTM": lstm}.items()):
        values = [v for _, v in sentiment.occlusion(model, tokens, vocab)]
        ax.bar([i + shift for i in range(len(tokens))], values, width=0.4, label=name)
    ax.set_xticks(range(len(tokens)), [t if t in vocab else f"{t}*" for t in tokens], rotation=60)
    ax.axhline(0, color="gray", lw=0.8)
    ax.set(ylabel="P - P(without word)", title=f"the {tweet['label']} tweet (* = unknown word)")
    ax.legend(loc="lower left", fontsize=8)
fig.tight_layout()

# %% [markdown] slideshow={"slide_type": "slide"}
# Read the numbers printed above rather than our expectations: they can change with the seed.
# Neither model has seen tweets: `@`, `#`, the link and `:(` are rare or absent in movie reviews
# (unknown words are starred), and *"wouldn't mind"* is the kind of polite phrasing a word count
# reads as mild or even positive. A bar above zero pushed the model towards *positive*.
#
# ## 9 · Out of domain: Amazon, IMDb and Yelp
#
# The Sentiment Labelled Sentences (Kotzias et al., 2015) hold labelled sentences from three
# sites, half positive. Neither model saw any of them, nor product or restaurant reviews at all
# (IMDb is movie reviews, like SST).

# %% slideshow={"slide_type": "subslide"}
ood = {}
for source in ("amazon", "imdb", "yelp"):
    pairs = data.load_sentiment_sentences(source)
    ids = sentiment.encode([text.tokenize(s, "word") for s, _ in pairs], vocab)
    labels = torch.tensor([label for _, label in pairs])
    ood[source] = {name: sentiment.accuracy(sentiment.predict_proba(model, ids, vocab.pad), labels)
                   for name, model in {"bag of words": bow, "LSTM": lstm}.items()}
    print(f"{source:>7} ({len(pairs):,} sentences, {labels.float().mean():.0%} positive): "
          f"LSTM {ood[source]['LSTM']:.1%}, bag of words {ood[source]['bag of words']:.1%}")
plotting.comparison_bars({f"{s}\n{name}": acc for s, accs in ood.items() for name, acc in accs.items()},
                         ylabel="accuracy", title="Trained on SST-2, tested elsewhere")
claim("both models transfer to Amazon, IMDb and Yelp well above chance (lowest accuracy)",
      min(acc for accs in ood.values() for acc in accs.values()), ">", 0.6)

# %% [markdown] slideshow={"slide_type": "slide"}
# Both transfer well above chance (50%). Compare the three sites: IMDb's sentences are movie
# reviews like SST's, while phones and restaurants bring words the training phrases rarely or
# never contain (unknown words become `<unk>`).
#
# ## 10 · Try it: which words moved the LSTM?
#
# **Occlusion**: score the sentence, then score it again with one word removed; the difference
# is how much that word pushed the probability up (towards positive) or down. It asks the model
# itself and needs no gradients. Type a sentence below.

# %% slideshow={"slide_type": "subslide"}
def explain(sentence="The food was good, not bad at all."):
    tokens = text.tokenize(sentence, "word")
    if not tokens:
        print("type a sentence")
        return
    p_bow_s, p_lstm_s = probabilities(bow, [sentence]).item(), probabilities(lstm, [sentence]).item()
    print(f"P(positive): bag of words {p_bow_s:.3f}, LSTM {p_lstm_s:.3f}")
    importances = sentiment.occlusion(lstm, tokens, vocab)
    fig, ax = plt.subplots(figsize=(max(4, 0.6 * len(tokens)), 2.6))
    values = [v for _, v in importances]
    ax.bar(range(len(tokens)), values, color=["tab:green" if v > 0 else "tab:red" for v in values])
    ax.set_xticks(range(len(tokens)), [t if t in vocab else f"{t}*" for t in tokens], rotation=45)
    ax.axhline(0, color="gray", lw=0.8)
    ax.set(ylabel="P(sentence) - P(without word)", title="LSTM: what each word did (* = unknown word)")
    plt.show()


widgets.interact(explain, sentence=widgets.Text(value="The food was good, not bad at all.",
                                                continuous_update=False, layout={"width": "80%"}));

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Many-to-one: an LSTM reads a sentence word by word and one readout gives P(positive).
#   Padding is made harmless (a left-to-right LSTM reads the real steps before any padding; the
#   readout skips it) and cheap (length buckets).
# - Every setting was chosen on a dev split of whole training sentences, with their pieces
#   removed from training; the final models then trained on every phrase, and the test set
#   (GLUE's dev set) was read once, at the end.
# - The last state (notebook 03's readout) and max-pooling over the real steps land close
#   together on the dev split at equal steps; the better of the two on dev trains on (which one,
#   on this run, is printed below).
# - On the test set, both models' accuracies and McNemar's paired test are printed in section 6;
#   the verdict there (more accurate, or not distinguishable at this size) is the claim, for
#   this seed; the LSTM was never distinguishably worse than the bag of words.
# - The unigram bag of words gives *"good, not bad"* and *"bad, not good"* the same probability
#   by construction; the LSTM separates them, and it can rank same-word pairs of a probe set
#   that no unigram bag can (ranking a pair is not yet getting both sentences right).
#   A bag of bigrams also separates that pair: the lesson is order, not negation.
# - Trained on movie reviews, both models transfer to Amazon, IMDb and Yelp sentences well above
#   chance; occlusion shows which words drove a prediction, on the lecture's tweets too.

# %% slideshow={"slide_type": "subslide"}
chosen_name = {"last": "last-state", "max": "max"}[lstm.pooling]
print(f"on this run dev chose {chosen_name} pooling (dev: last state {last_run.keep.best:.1%}, "
      f"max-pooling {max_run.keep.best:.1%})")
print(f"test: LSTM {lstm_acc:.1%}, bag of words {bow_acc:.1%}, majority class {majority:.1%}; McNemar p = "
      f"{p_value:.3f}: {verdict}")
print("order probe: " + ", ".join(f"{name} orders {sum(r['ordered'] for r in rows)} of {len(rows)} pairs"
                                  for name, rows in probe_scores.items()))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# ### Exercise 1 · Mean over the real steps (★☆☆)
#
# Section 4's classifier reads the last state or max-pools. Write `mean_over_real_steps`, which
# averages the outputs `(B, T, n_h)` over each sequence's first `lengths[b]` steps only (padding
# must not count), and check it against `models.pool(..., "mean")`.

# %% slideshow={"slide_type": "-"}
def mean_over_real_steps(outputs, lengths):
    """Average of outputs (B, T, n_h) over the real steps of each sequence: returns (B, n_h)."""
    # HINT: mask (B, T) = torch.arange(T)[None] < lengths[:, None]; sum masked outputs over T, divide by lengths
    ### BEGIN SOLUTION
    real = torch.arange(outputs.shape[1])[None] < lengths[:, None]  # (B, T)
    return (outputs * real[..., None]).sum(1) / lengths[:, None].to(outputs.dtype)
    ### END SOLUTION


# %% slideshow={"slide_type": "subslide"}
outputs = torch.randn(3, 5, 4)
lengths_check = torch.tensor([5, 2, 1])
got = mean_over_real_steps(outputs, lengths_check)
assert got.shape == (3, 4), f"expected shape (3, 4), got {tuple(got.shape)}"
assert torch.allclose(got[2], outputs[2, 0]), "a sequence of length 1 averages its first step only"
torch.testing.assert_close(got, models.pool(outputs, lengths_check, "mean"))
print("PASS: the mean over real steps matches models.pool")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · A mean-pooling readout (★★☆)
#
# Train a third readout on equal terms: `mean_run = LSTMRun("mean")`, then
# `mean_run.train(short_steps, "LSTM, mean")`, and read `mean_run.keep.best`. Where does
# mean-pooling land on the dev split beside the last state and max-pooling? Why might averaging
# dilute one strong cue in a long sentence? (Choose on dev; the test set stays unread until a
# choice is final.)
#
# ### Exercise 3 · Same bigrams, opposite meanings (★★★)
#
# Find two sentences with opposite meanings that also have the same bag of
# bigrams. Does the LSTM separate them? Try them in the box of section 10.
