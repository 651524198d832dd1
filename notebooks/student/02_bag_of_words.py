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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 02 · Bag of words
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/student/02_bag_of_words.ipynb)
#
# *Student version: each exercise raises `NotImplementedError` until you write its body; run the check cell after it to see PASS or what is wrong.*
#
# **Learning goals**
#
# - Represent a sentence of any length as a bag of words (word counts), train a logistic
#   regression sentiment classifier on it, and see exactly what it cannot tell apart: word order.
# - Measure the two costs of the opposite choice, a very big fixed window: parameters that grow
#   with the window, and nothing learnt at one position carrying over to another.
# - Show that sharing the same parameters across positions fixes the second problem, and state
#   the four design criteria a sequence model should meet.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
from collections import Counter

import matplotlib.pyplot as plt
import torch
from ipywidgets import Text, interact
from torch import nn

from course_utils import baselines, config, data, plotting, text, training
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · A sentence as a bag of words
#
# Notebook 01's window model needs a fixed number of words. Sentences come in every length. The
# oldest answer is to forget the order: count how often each vocabulary word occurs. Every
# sentence, short or long, becomes one vector of length `vocab_size`, its **bag of words**.
#
# We build the vocabulary from the training sentences of SST-2 (the Stanford Sentiment Treebank:
# movie-review sentences and phrases labelled positive or negative), which we use to train a
# classifier below.

# %% slideshow={"slide_type": "-"}
sst_train, sst_dev = data.load_sst2("train"), data.load_sst2("dev")
train_tokens = [text.tokenize(sentence, "word") for sentence, _ in sst_train]
dev_tokens = [text.tokenize(sentence, "word") for sentence, _ in sst_dev]
vocab = text.Vocab((w for tokens in train_tokens for w in tokens), min_freq=2)
vocab_size = len(vocab)
print(f"{len(sst_train):,} training phrases, {len(sst_dev):,} dev sentences, vocabulary {vocab_size:,} words")
print(f"e.g. {sst_train[0][0]!r} -> label {sst_train[0][1]} (1 = positive)")

# %% [markdown] slideshow={"slide_type": "-"}
# Two sentences with opposite meanings:

# %% slideshow={"slide_type": "subslide"}
good = text.tokenize("The food was good, not bad at all", "word")
bad = text.tokenize("The food was bad, not good at all", "word")
bag_good, bag_bad = baselines.bag_of_words(good, vocab), baselines.bag_of_words(bad, vocab)  # (V,) each
present = (bag_good + bag_bad).nonzero().flatten()
print(f"{'word':>8} {'count in good,not bad':>22} {'count in bad,not good':>22}")
for i in present.tolist():
    print(f"{vocab.idx_to_token[i]:>8} {bag_good[i]:>22.0f} {bag_bad[i]:>22.0f}")
print(f"the other {vocab_size - len(present):,} entries are 0 in both")
assert torch.equal(bag_good, bag_bad), "the two bags of words should be identical"

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7, 3))
positions = torch.arange(len(present))
ax.bar(positions - 0.2, bag_good[present], width=0.4, label="the food was good, not bad at all")
ax.bar(positions + 0.2, bag_bad[present], width=0.4, label="the food was bad, not good at all")
ax.set_xticks(positions.tolist(), vocab.decode(present))
ax.set(ylabel="count", title="Two opposite sentences, one bag of words", ylim=(0, 1.6))
ax.legend();

# %% [markdown] slideshow={"slide_type": "slide"}
# The two vectors are identical, entry for entry. So **any** model whose input is this bag of
# words, however large and however well trained, must give both sentences the same prediction.
# Let us make that concrete with a real classifier.
#
# ## 2 · Logistic regression on word counts
#
# The model: one weight per vocabulary word and a bias. The score of a sentence is the sum of
# the weights of its words (each counted as often as it occurs), and the probability that it is
# positive is $\sigma(\text{score})$. Training makes words like *good* push the score up and
# words like *bad* push it down. Each batch stores sentences as padded rows of word ids;
# `baselines.bag_of_words_batch` turns them into count vectors `(B, V)`.

# %% slideshow={"slide_type": "subslide"}
X_train, _ = text.pad_batch([vocab.encode(t) for t in train_tokens], pad_id=-1)  # (N, T) ids, -1 = padding
y_train = torch.tensor([label for _, label in sst_train]).float()  # (N,)
X_dev, _ = text.pad_batch([vocab.encode(t) for t in dev_tokens], pad_id=-1)  # (872, T)
dev_bags = baselines.bag_of_words_batch(X_dev, vocab_size).to(cfg.device)  # (872, V)
y_dev = torch.tensor([label for _, label in sst_dev]).float()  # (872,)
assert torch.equal(dev_bags[0].cpu(), baselines.bag_of_words(dev_tokens[0], vocab)), "batch = one at a time"

logistic = nn.Linear(vocab_size, 1).to(cfg.device)  # score = w . counts + b


def bce_loss(model, batch):
    ids, y = batch  # (B, T), (B,)
    counts = baselines.bag_of_words_batch(ids, vocab_size)  # (B, V)
    return nn.functional.binary_cross_entropy_with_logits(model(counts).squeeze(1), y)


@torch.no_grad()
def dev_accuracy(model):
    return {"accuracy": ((model(dev_bags).squeeze(1) > 0).float().cpu() == y_dev).float().mean().item()}

# %% slideshow={"slide_type": "subslide"}
gen = torch.Generator().manual_seed(cfg.seed)
history = training.fit(logistic, lambda: text.random_batches(X_train, y_train, 256, generator=gen),
                       bce_loss, steps=cfg.pick(smoke=20, class_=300, full=300), lr=1e-2,
                       evaluate=dev_accuracy, eval_every=cfg.pick(smoke=10, class_=50, full=50))
bow_acc = history.last("accuracy")
print(f"trained in {history.seconds:.1f} s: dev accuracy {bow_acc:.1%} (majority class "
      f"{max(y_dev.mean().item(), 1 - y_dev.mean().item()):.1%})")
plotting.loss_curves({"bag of words": history}, metric="accuracy", title="Logistic regression on word counts");
claim("a bag of words classifies over 75% of SST-2 dev reviews right (accuracy)", bow_acc, ">", 0.75)

# %% [markdown] slideshow={"slide_type": "subslide"}
# A strong baseline: on movie reviews, which words occur says a lot. Now the two sentences.

# %% slideshow={"slide_type": "-"}
with torch.no_grad():  # one call per sentence, exactly as each would be classified alone
    p_good, p_bad = (torch.sigmoid(logistic(bag[None].to(cfg.device))).item() for bag in (bag_good, bag_bad))
print(f"P(positive | 'the food was good, not bad at all') = {p_good:.4f}")
print(f"P(positive | 'the food was bad, not good at all') = {p_bad:.4f}")
weights = logistic.weight[0].detach().cpu()  # (V,)
for word in ["good", "bad", "not"]:
    print(f"  weight of {word!r:>7}: {weights[vocab.token_to_idx[word]]:+.3f}")
assert p_good == p_bad, "identical inputs must give identical probabilities"

# %% [markdown] slideshow={"slide_type": "subslide"}
# Exactly equal, to the last bit: whichever way the model leans, it is wrong about one of the
# two sentences. The word weights are sensible; what is missing is which word *not* applies to.
#
# To be fair to bags: this is a limit of **unigram** counts, by construction. Counting pairs of
# neighbouring words (bigrams) as well would separate these two sentences, since *"not bad"*
# occurs in one and *"not good"* in the other (Exercise 1). But a fixed set of n-grams only
# sees order within n words, and the number of possible n-grams explodes with n: order over a
# whole sentence needs a model that reads it in order.

# %% [markdown] slideshow={"slide_type": "-"}
# **Try it.** Type any sentence: the box shows the words the classifier sees (with their counts
# and weights) and its probability that the sentence is positive. Shuffle the words of a
# sentence: the probability does not move.

# %% slideshow={"slide_type": "subslide"}
def explain(sentence="the food was good, not bad at all"):
    tokens = text.tokenize(sentence, "word")
    bag = baselines.bag_of_words(tokens, vocab)  # (V,)
    with torch.no_grad():
        p = torch.sigmoid(logistic(bag[None].to(cfg.device))).item()
    for word, count in sorted(Counter(tokens).items()):
        known = word in vocab
        weight = f"{weights[vocab.token_to_idx[word]]:+.2f}" if known else "(unknown: counted as <unk>)"
        print(f"  {word!r:>12} x{count}  weight {weight}")
    print(f"P(positive) = {p:.4f}")
    return p


p_shuffled = explain("all at bad, not good was food the")  # the same words, shuffled
assert abs(p_shuffled - explain("the food was good, not bad at all")) < 1e-6, "order must not matter"
interact(explain, sentence=Text(value="the food was good, not bad at all", continuous_update=False));

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The opposite choice: a really big fixed window
#
# Instead of throwing order away, keep it: a notebook 01 window model, with a window wide enough
# for a whole sentence (shorter sentences padded). Each position gets its own block of weights
# in the first layer, because the one-hot vectors of the positions are concatenated. Here the
# model reads the concatenated one-hot vectors directly.

# %% slideshow={"slide_type": "subslide"}
class FixedWindowMLP(nn.Module):
    """Concatenated one-hot vectors of a fixed window -> tanh hidden layer -> output scores."""

    def __init__(self, vocab_size, window, hidden_size, num_outputs):
        super().__init__()
        self.vocab_size = vocab_size
        self.hidden = nn.Linear(window * vocab_size, hidden_size)  # one block of columns per position
        self.out = nn.Linear(hidden_size, num_outputs)

    def forward(self, X):  # X (B, window) ids
        x = nn.functional.one_hot(X, self.vocab_size).float().flatten(1)  # (B, window * V)
        return self.out(torch.tanh(self.hidden(x)))  # (B, num_outputs)

# %% [markdown] slideshow={"slide_type": "-"}
# How many parameters does it need? We build the model for window sizes from 1 to 64, as a
# next-word model with a 10,000-word vocabulary and 128 hidden units. (PyTorch's `meta` device
# creates the layers without allocating their numbers, so counting is free even at 80 million.)

# %% slideshow={"slide_type": "subslide"}
windows = [1, 2, 4, 8, 16, 32, 64]
with torch.device("meta"):
    sizes = [sum(p.numel() for p in FixedWindowMLP(10_000, w, 128, 10_000).parameters()) for w in windows]
for w, n in zip(windows, sizes):
    print(f"window {w:>2}: {n:>12,} parameters")
per_word = [(b - a) / (w2 - w1) for (w1, a), (w2, b) in zip(zip(windows, sizes), zip(windows[1:], sizes[1:]))]
assert all(p == 10_000 * 128 for p in per_word), per_word  # linear: every extra word costs the same
print(f"every extra word of window adds {per_word[0]:,.0f} parameters (vocabulary x hidden units)")

fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(windows, [n / 1e6 for n in sizes], marker="o", label="fixed-window MLP, V = 10,000, H = 128")
ax.set(xlabel="window size (words)", ylabel="parameters (millions)", title="Parameters grow with the window")
ax.legend();

# %% [markdown] slideshow={"slide_type": "slide"}
# Linear growth: a whole-sentence window of 64 words needs over 80 million weights in its first
# layer (an embedding, as in notebook 01, divides the cost per word by the vocabulary size over
# the embedding size, but it still grows with every word of window). The worse problem is what
# those weights learn: the weights for position 3 are trained only by words that appear at
# position 3.
#
# ## 4 · What a window learns at one position stays there
#
# A synthetic task makes this measurable. A window of 16 words holds random noise words and one
# of 8 cue words; the label is which cue it is (chance: 12.5%). We train the fixed-window MLP with
# the cue only at positions 0 to 7, and test it with the cue at every position 0 to 15
# (`baselines.cue_position_batch`).

# %% slideshow={"slide_type": "subslide"}
length, num_cues, num_noise = 16, 8, 20
seen, unseen = range(0, 8), range(8, 16)
cue_vocab, chance = num_cues + num_noise, 1 / num_cues


def cue_batches():  # fresh training batches, cue only at the seen positions
    while True:
        X, y, _ = baselines.cue_position_batch(64, length, seen, num_cues, num_noise, generator=gen)
        yield X, y


def cue_loss(model, batch):
    X, y = batch  # (B, T), (B,)
    return nn.functional.cross_entropy(model(X), y)


@torch.no_grad()
def accuracy_by_position(model, n=2000):
    accs = []
    for position in range(length):
        X, y, _ = baselines.cue_position_batch(n, length, [position], num_cues, num_noise, generator=gen)
        accs.append((model(X.to(cfg.device)).argmax(-1).cpu() == y).float().mean().item())
    return accs  # one accuracy per position of the cue

# %% slideshow={"slide_type": "subslide"}
cue_steps = cfg.pick(smoke=30, class_=300, full=1000)
fixed = FixedWindowMLP(cue_vocab, length, 64, num_cues).to(cfg.device)
initial = fixed.hidden.weight.detach().clone()  # (H, T * V)
fixed_history = training.fit(fixed, cue_batches, cue_loss, steps=cue_steps, lr=3e-3)
fixed_acc = accuracy_by_position(fixed)
fixed_seen, fixed_unseen = [sum(fixed_acc[p] for p in ps) / len(ps) for ps in (seen, unseen)]
print("accuracy by cue position:", " ".join(f"{a:.0%}" for a in fixed_acc))
print(f"fixed window: {fixed_seen:.1%} at seen positions, {fixed_unseen:.1%} at unseen (chance {chance:.1%})")
claim("the fixed window finds the cue at the positions it was trained on (accuracy)", fixed_seen, ">", 0.95)
claim("the fixed window stays near chance at cue positions it never saw (accuracy above chance)",
      fixed_unseen - chance, "<", 0.15)

# %% [markdown] slideshow={"slide_type": "-"}
# Perfect where it was trained, close to a guess one position later. Why it cannot be otherwise:
# the column of first-layer weights that reads *cue word c at position p* gets a gradient only
# when word c is at position p. For the unseen positions that never happened, so those weights
# are still exactly their random initial values:

# %% slideshow={"slide_type": "subslide"}
W, W0 = (w.view(-1, length, cue_vocab) for w in (fixed.hidden.weight.detach(), initial))  # (H, T, V)
cue_cols = slice(0, num_cues)
unchanged = torch.equal(W[:, list(unseen), cue_cols], W0[:, list(unseen), cue_cols])
moved = (W[:, list(seen), cue_cols] - W0[:, list(seen), cue_cols]).abs().max().item()
print(f"cue weights at unseen positions unchanged: {unchanged}; at seen positions they moved by up to {moved:.2f}")
assert unchanged and moved > 0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Sharing parameters across positions
#
# The fix is to use the **same** weights at every position. Here: one small layer reads one
# word at a time (one-hot -> 64 tanh features), the same layer at all 16 positions; each feature
# keeps its largest value over the positions (max-pooling), and a linear layer maps the 64 pooled
# features to 8 scores. It has the same 64 hidden units as the fixed window, but its parameter
# count does not depend on the length of the input at all.

# %% slideshow={"slide_type": "subslide"}
class SharedScorer(nn.Module):
    """The same one-word feature layer at every position, max-pooled over positions, then scores."""

    def __init__(self, vocab_size, hidden_size, num_outputs):
        super().__init__()
        self.vocab_size = vocab_size
        self.hidden = nn.Linear(vocab_size, hidden_size)  # shared by all positions
        self.out = nn.Linear(hidden_size, num_outputs)

    def forward(self, X):  # X (B, T) ids, any T
        h = torch.tanh(self.hidden(nn.functional.one_hot(X, self.vocab_size).float()))  # (B, T, H)
        return self.out(h.max(dim=1).values)  # (B, H) pooled -> (B, C)


shared = SharedScorer(cue_vocab, 64, num_cues).to(cfg.device)
shared_history = training.fit(shared, cue_batches, cue_loss, steps=cue_steps, lr=3e-3)
shared_acc = accuracy_by_position(shared)
shared_seen, shared_unseen = [sum(shared_acc[p] for p in ps) / len(ps) for ps in (seen, unseen)]
n_fixed, n_shared = (sum(p.numel() for p in m.parameters()) for m in (fixed, shared))
print(f"shared scorer: {shared_seen:.1%} seen, {shared_unseen:.1%} unseen; "
      f"{n_shared:,} parameters vs {n_fixed:,} for the fixed window")
claim("the shared scorer finds the cue at positions it never saw (accuracy)", shared_unseen, ">", 0.95)
claim("at unseen positions, sharing beats the fixed window by over 50 points (accuracy gain)",
      shared_unseen - fixed_unseen, ">", 0.5)

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(7, 3.4))
ax.axvspan(-0.5, seen[-1] + 0.5, color="tab:green", alpha=0.1, label="cue positions seen in training")
ax.plot(range(length), fixed_acc, marker="o", label="fixed window (own weights per position)")
ax.plot(range(length), shared_acc, marker="s", label="shared scorer (same weights everywhere)")
ax.axhline(chance, color="gray", ls="--", label="chance")
ax.set(xlabel="position of the cue word", ylabel="test accuracy", ylim=(0, 1.05),
       title="Does what was learnt at one position transfer to another?")
ax.legend(fontsize=8, loc="center right");

# %% [markdown] slideshow={"slide_type": "slide"}
# The shared scorer recognises the cue wherever it appears, including positions it never saw it
# at, because "position 12" uses the very weights that were trained at positions 0 to 7. It also
# accepts sequences of any length. A recurrent network (notebook 03) shares its weights the same
# way, one cell applied at every time step, and in addition carries a state from step to step,
# so, unlike this max-pool, it can also keep track of order.
#
# ## 6 · Four design criteria for a sequence model
#
# What notebooks 01 and 02 measured, as requirements:
#
# | A sequence model should... | because we measured that... |
# |---|---|
# | **handle variable-length sequences** | a window takes a fixed number of words; sentences come in any length, and padding them to a huge window costs parameters linearly (section 3) |
# | **track long-term dependencies** | the two-word window was at chance on *"I grew up in France ... I speak fluent ___"*, and an 8-word window fell to chance one word past its edge (notebook 01) |
# | **maintain information about order** | the bag of words gave *"good, not bad"* and *"bad, not good"* identical vectors and exactly equal probabilities (sections 1-2) |
# | **share parameters across the sequence** | the fixed window learnt the cue at positions 0-7 and stayed near chance at 8-15, while the shared scorer transferred (sections 4-5) |
#
# Each baseline meets some criteria and fails others: a bag of words handles any length and
# shares its weights, but loses order; a fixed window keeps order, but has a fixed length, no
# long memory, and no sharing. The recurrent network of notebook 03 is built to meet all four:
# the same cell (shared parameters) reads one word at a time (any length, in order) and carries
# a hidden state forward (memory of what came before).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A bag of words turns any sentence into a vector of counts. Logistic regression on it is a
#   strong sentiment baseline on SST-2 (dev accuracy at least 80% over the 12 runs in RESULTS.md),
#   trained in seconds.
# - It cannot see order: *"the food was good, not bad at all"* and *"the food was bad, not good at
#   all"* have identical bags, so the classifier gave them exactly the same probability. (Bigrams
#   would separate this pair; unigram counts cannot, by construction.)
# - A fixed window keeps order but its parameters grow linearly with its size, and what it learns
#   at one position does not transfer: measured near chance for cue positions unseen in
#   training, with the corresponding weights provably untouched.
# - Applying the same weights at every position transfers to unseen positions and any length.
# - A sequence model should handle variable lengths, track long-term dependencies, keep order,
#   and share parameters across the sequence: the recurrent networks of notebook 03.
#
# ## Exercises
#
# ### Exercise 1 · Bigrams see local order (★☆☆)
#
# Write `bag_of_bigrams(tokens)` that returns a `Counter` of the
# pairs of neighbouring tokens, e.g. `["not", "bad", "at"] -> {("not", "bad"): 1, ("bad", "at"): 1}`.
# Then check that the two sentences above have different bags of bigrams.

# %% slideshow={"slide_type": "subslide"}
def bag_of_bigrams(tokens):
    """Counter of (token, next token) pairs."""
    raise NotImplementedError("Exercise: write the body of bag_of_bigrams()")


# %% slideshow={"slide_type": "-"}
assert bag_of_bigrams(["not", "bad", "at"]) == Counter({("not", "bad"): 1, ("bad", "at"): 1}), \
    "a bag of bigrams counts each pair of neighbours: (not, bad) and (bad, at)"
assert sum(bag_of_bigrams(good).values()) == len(good) - 1, "a sentence of n tokens has n - 1 bigrams"
differ = bag_of_bigrams(good) - bag_of_bigrams(bad)
assert differ, "the two sentences should differ in their bigrams"
print(f"PASS: unigram bags equal, bigram bags differ in {sorted(differ)}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Where bigrams fail (★★☆, discussion)
#
# Find a pair of sentences with opposite meanings whose bags of *bigrams* are
# identical (hint: move a whole clause). How large must n be before n-grams separate every such
# pair, and what happens to the number of features?
#
# ### Exercise 3 · A position never trained (★★☆, experiment)
#
# In section 4, train the fixed window with the cue at all 16 positions
# except position 9, then measure the accuracy at position 9. Predict the result first from the
# weights argument.
