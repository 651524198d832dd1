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
# # 01 · Predict the next word
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/student/01_next_word.ipynb)
#
# *Student version: each exercise raises `NotImplementedError` until you write its body; run the check cell after it to see PASS or what is wrong.*
#
# **Learning goals**
#
# - Turn words into numbers: a vocabulary, `<unk>`, one-hot vectors, and why an embedding is
#   a one-hot vector times a matrix.
# - Build and train the simplest neural language model: two words in, a distribution over the
#   next word out, and measure it (perplexity, accuracy) against a unigram baseline.
# - Measure where a fixed window fails: a word that decides the answer but lies outside the
#   window, and see why a bigger window only moves the problem.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import math

import matplotlib.pyplot as plt
import torch
from ipywidgets import interact
from torch import nn

from course_utils import baselines, config, data, plotting, text, training
from course_utils.claims import claim
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Words as numbers
#
# A language model reads text and assigns a probability to what comes next. A network only
# handles numbers, so we first give every word an id. We use H. G. Wells' *The Time Machine*,
# lower-case it and keep only letters, then split it into words. The first 90% of the book is
# for training, the last 10% is held out: the model never sees it, so it tells us how well the
# model predicts text it has not memorised.
#
# The **vocabulary** lists the words seen at least twice in the training part. Every other word
# (rare names, typos, words that only occur in the held-out part) becomes the single token
# `<unk>`, "unknown". This keeps the output layer to a couple of thousand words.

# %% slideshow={"slide_type": "subslide"}
words = text.preprocess_d2l(data.load_time_machine()).split()
cut = int(0.9 * len(words))
vocab = text.Vocab(words[:cut], min_freq=2)
ids = torch.tensor(vocab.encode(words))  # (num_words,)
train_ids, valid_ids = ids[:cut], ids[cut:]
vocab_size = len(vocab)
unk_rate = (valid_ids == vocab.unk).float().mean().item()
print(f"{len(words):,} words: {len(train_ids):,} for training, {len(valid_ids):,} held out")
print(f"vocabulary: {vocab_size:,} words; {unk_rate:.1%} of held-out words are <unk>")
print(" ".join(words[:20]), "...")

# %% [markdown] slideshow={"slide_type": "-"}
# A **one-hot vector** is the id written as a vector of length `vocab_size`: all zeros but a
# single 1 at the word's id. It says which word it is and nothing else: every two different
# words are equally far apart.

# %% slideshow={"slide_type": "subslide"}
word = "time"
one_hot = nn.functional.one_hot(torch.tensor(vocab.token_to_idx[word]), vocab_size).float()  # (V,)
print(f"'{word}' has id {vocab.token_to_idx[word]}; its one-hot vector has {len(one_hot):,} entries")
print("first 12 entries:", one_hot[:12].tolist())
print(f"entries equal to 1: at {one_hot.nonzero().flatten().tolist()}; sum = {one_hot.sum():.0f}")
assert one_hot.sum() == 1 and one_hot[vocab.token_to_idx[word]] == 1

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · A fixed window of two words
#
# The lecture's running example: "This morning I took my cat for a walk." The simplest way to
# predict the next word is a fixed window: given these two words, *for a*, predict the next word,
# *walk*. The window is fed to the network as a **one-hot feature encoding**, which tells us what
# each word is: one one-hot vector per word of the window, side by side. Here with the sentence's
# own nine words as the vocabulary:

# %% slideshow={"slide_type": "subslide"}
sentence = "This morning I took my cat for a walk."
tokens = text.preprocess_d2l(sentence).split()  # lower-cased letters only, as for the book
toy_vocab = list(dict.fromkeys(tokens))  # each word once, in order of appearance
context, target = tokens[-3:-1], tokens[-1]  # ['for', 'a'] -> 'walk'
parts = [nn.functional.one_hot(torch.tensor(toy_vocab.index(w)), len(toy_vocab)) for w in context]
features = torch.cat(parts)  # (2 * 9,): the window's one-hot features
print("vocabulary:", toy_vocab)
for w, v in zip(context, parts):
    print(f"{w!r:7s} -> {v.tolist()}")
print(f"window {' '.join(context)!r} -> {features.tolist()} -> predict {target!r}")
assert features.sum() == 2 and features.shape == (2 * len(toy_vocab),)

# %% [markdown] slideshow={"slide_type": "-"}
# On the book, every position in the text gives one training example, *(two words) -> the word
# that follows*. `baselines.window_dataset` slides this window over the token stream.

# %% slideshow={"slide_type": "subslide"}
window = 2
X_train, y_train = baselines.window_dataset(train_ids, window)  # (N, 2), (N,)
X_valid, y_valid = baselines.window_dataset(valid_ids, window)  # (M, 2), (M,)
print(f"{len(X_train):,} training and {len(X_valid):,} held-out examples")
for i in range(3):
    print(f"  {' '.join(vocab.decode(X_train[i]))!r:>22} -> {vocab.idx_to_token[y_train[i]]!r}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The window model
#
# Following Bengio et al. (2003): each word of the window, as a one-hot vector, is multiplied by
# the same matrix $E$ (`vocab_size x embed_size`), giving a short dense vector per word; the two
# vectors are concatenated, multiplied by a weight matrix into a hidden layer with `tanh`, and the
# hidden layer is mapped to one score (logit) per word in the vocabulary; softmax turns the
# scores into a probability distribution over the next word.
#
# Multiplying a one-hot vector by a matrix $E$ just picks out one row of $E$:
# $\text{onehot}(i)^\top E = E_i$. That row lookup is what `nn.Embedding` does, without
# building the long vector of zeros. So an **embedding is a one-hot vector times a matrix**:
# the same model, computed cheaply. Let us check it numerically.

# %% slideshow={"slide_type": "subslide"}
embed_size = 64
torch.manual_seed(cfg.seed)
embedding = nn.Embedding(vocab_size, embed_size)
some_ids = X_train[:5]  # (5, 2)
looked_up = embedding(some_ids)  # (5, 2, E)
multiplied = nn.functional.one_hot(some_ids, vocab_size).float() @ embedding.weight  # (5, 2, V) @ (V, E)
torch.testing.assert_close(looked_up, multiplied)
print(f"embedding lookup == one-hot @ matrix for all {looked_up.numel()} numbers")

# %% [markdown] slideshow={"slide_type": "-"}
# The model, written out. Each of the `window` positions has its own slice of the hidden
# layer's weights (the concatenation keeps them apart), which matters in notebook 02.

# %% slideshow={"slide_type": "subslide"}
class WindowMLP(nn.Module):
    """Next-word model on a fixed window: embed each word, concatenate, tanh hidden layer, logits."""

    def __init__(self, vocab_size, window, embed_size=64, hidden_size=128, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)  # = one-hot @ matrix
        self.hidden = nn.Linear(window * embed_size, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, X):  # X (B, window) word ids
        e = self.embedding(X).flatten(1)  # (B, window * E): the concatenation
        h = torch.tanh(self.hidden(self.dropout(e)))  # (B, H)
        return self.out(self.dropout(h))  # (B, V) logits for the next word

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Training
#
# We minimise the cross-entropy between the predicted distribution and the actual next word,
# with Adam on shuffled minibatches, and evaluate on the held-out text as training goes.
# The held-out **perplexity** is $\exp(\text{mean negative log-likelihood})$: the number of
# equally likely words the model is, in effect, choosing between. A uniform guess over the
# vocabulary has perplexity `vocab_size`; lower is better.

# %% slideshow={"slide_type": "-"}
@torch.no_grad()
def evaluate(model, X, y):
    logits = model(X.to(cfg.device))  # (M, V)
    nll = nn.functional.cross_entropy(logits, y.to(cfg.device)).item()
    return {"perplexity": math.exp(nll), "accuracy": (logits.argmax(-1).cpu() == y).float().mean().item()}


def next_word_loss(model, batch):
    X, y = batch  # (B, window), (B,)
    return nn.functional.cross_entropy(model(X), y)

# %% slideshow={"slide_type": "subslide"}
gen = torch.Generator().manual_seed(cfg.seed)
torch.manual_seed(cfg.seed)
model = WindowMLP(vocab_size, window, embed_size, hidden_size=128, dropout=0.3).to(cfg.device)
history = training.fit(model, lambda: text.random_batches(X_train, y_train, 128, generator=gen),
                       next_word_loss, steps=cfg.pick(smoke=30, class_=800, full=1000), lr=3e-3,
                       clip=1.0, evaluate=lambda m: evaluate(m, X_valid, y_valid),
                       eval_every=cfg.pick(smoke=10, class_=100, full=100))
window_result = history.evals[-1]
print(f"trained in {history.seconds:.1f} s: held-out perplexity {window_result['perplexity']:.1f}, "
      f"accuracy {window_result['accuracy']:.1%}")
plotting.loss_curves({"two-word window": history}, metric="perplexity", title="Two-word window model", loss_unit="nats/word");

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Results: better than counting words?
#
# A network should at least beat the simplest model that ignores the context: the **unigram**
# model, which always predicts each word with its frequency in the training text. Its most
# likely word is always the same one, whatever came before (here `<unk>`: the rare words, taken
# together, are more common than *the*).

# %% slideshow={"slide_type": "subslide"}
counts = torch.bincount(train_ids, minlength=vocab_size).float()  # (V,)
assert (counts > 0).all(), "every vocabulary id, <unk> included, occurs in the training text"
unigram = counts / counts.sum()  # (V,)
unigram_ppl = math.exp(-unigram[valid_ids].log().mean().item())
unigram_acc = (valid_ids == unigram.argmax()).float().mean().item()
print(f"{'model':<18}{'perplexity':>11}{'accuracy':>10}")
print(f"{'uniform guess':<18}{vocab_size:>11.1f}{1 / vocab_size:>10.2%}")
print(f"{'unigram':<18}{unigram_ppl:>11.1f}{unigram_acc:>10.1%}   (always {vocab.idx_to_token[unigram.argmax()]!r})")
print(f"{'two-word window':<18}{window_result['perplexity']:>11.1f}{window_result['accuracy']:>10.1%}")
claim("two words of context cut the unigram perplexity by more than 20% (perplexity ratio)",
      window_result["perplexity"] / unigram_ppl, "<", 0.8)
claim("two words of context predict the next word over 3 points more often than the unigram (accuracy gain)",
      window_result["accuracy"] - unigram_acc, ">", 0.03)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Two words of context cut the perplexity well below the unigram model's. What does the model
# predict? The figure shows the most likely next words after a few contexts; the widget below it
# lets you type your own two words (a word outside the vocabulary becomes `<unk>`).

# %% slideshow={"slide_type": "subslide"}
@torch.no_grad()
def next_word_figure(model, contexts, k=8):
    """Bar charts of the k most likely next words after each two-word context."""
    fig, axes = plt.subplots(1, len(contexts), figsize=(3.6 * len(contexts), 3.2), squeeze=False)
    for ax, context in zip(axes[0], contexts):
        last = ([text.UNK] * window + context.lower().split())[-window:]  # too few words: <unk>
        x = torch.tensor([vocab.encode(last)], device=cfg.device)  # (1, 2)
        probs = model.eval()(x).softmax(-1)[0].cpu()  # (V,)
        top = probs.topk(k)
        ax.barh(vocab.decode(top.indices)[::-1], top.values.flip(0).tolist(), color="tab:blue")
        ax.set(xlabel="probability", title=f"after '{' '.join(vocab.decode(x[0]))}'")
    axes[0, 0].set_ylabel("next word")
    fig.suptitle("Most likely next words under the two-word window model")
    fig.tight_layout()
    return fig


next_word_figure(model, ["the time", "it was", "i saw"]);

# %% slideshow={"slide_type": "subslide"}
def explore(first="the", second="time"):
    next_word_figure(model, [f"{first} {second}"], k=10)


interact(explore, first="the", second="time");

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Where the window fails: a word far back
#
# The lecture's problem #1, "can't model long-term dependencies": "France is where I grew up,
# but I now live in Boston. I speak fluent \_\_\_\_." We need information from the distant past
# to accurately predict the correct word. Our version reads *"I grew up in France and ... (many
# words) ... I speak fluent ___"*. The answer, *french*, is decided by a word far back. A two-word window sees only *"speak fluent"*, which is
# the same whatever country the sentence began with. The figure shows the window (blue) and the
# word that matters (orange).

# %% slideshow={"slide_type": "subslide"}
def window_figure(tokens, window, key):
    """One sentence as a row of boxes: the window before the blank in blue, the key word in orange."""
    shown = tokens[:-1] + ["___"]
    widths = torch.tensor([len(t) + 3.0 for t in shown])  # room for each box, in characters
    x = widths.cumsum(0) - widths / 2  # centre of each box
    fig, ax = plt.subplots(figsize=(0.085 * x[-1].item() + 1, 1.5))
    ax.set(xlim=(-1, x[-1].item() + 3), ylim=(-1, 1.2))
    ax.axis("off")
    for i, (token, xi) in enumerate(zip(shown, x.tolist())):
        in_window = len(shown) - 1 - window <= i < len(shown) - 1
        color = "#9cf" if in_window else ("#fb6" if token == key else "white")
        ax.text(xi, 0, token, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round", fc=color, ec="gray"))
    back = len(shown) - 1 - shown.index(key)
    ax.annotate(f"{back} words back", xy=(x[shown.index(key)], 0.35), xytext=(x[-1], 0.35),
                ha="right", va="bottom", arrowprops=dict(arrowstyle="->", color="tab:orange"))
    ax.set_title(f"What the {window}-word window sees (blue) and the word that decides (orange)")
    return fig


probe_gen = torch.Generator().manual_seed(cfg.seed)
example, _ = baselines.probe_sentences(1, num_fillers=10, generator=probe_gen)
window_figure(example[0], window, key=example[0][4]);

# %% [markdown] slideshow={"slide_type": "subslide"}
# Let us measure it. `baselines.probe_sentences` writes such sentences with 8 country/language
# pairs (France/French, Japan/Japanese, ...), every language equally often, and 6 to 12 random
# filler words in between, so the country is 11 to 17 words before the blank: far outside a
# two-word window. We train the same `WindowMLP` on these sentences as a next-word model (every
# two-word window of every sentence), then ask it for the language on new sentences.

# %% slideshow={"slide_type": "subslide"}
num_pairs = len(baselines.PROBE_PAIRS)
probe_train, probe_train_labels = baselines.probe_sentences(800, num_fillers=(6, 12), generator=probe_gen)
probe_test, probe_labels = baselines.probe_sentences(400, num_fillers=(6, 12), generator=probe_gen)
probe_vocab = text.Vocab(w for s in probe_train for w in s)
pairs = [baselines.window_dataset(probe_vocab.encode(s), window) for s in probe_train]
X_probe = torch.cat([X for X, _ in pairs])  # (N, 2): windows never cross a sentence boundary
y_probe = torch.cat([y for _, y in pairs])  # (N,)
torch.manual_seed(cfg.seed)
probe_model = WindowMLP(len(probe_vocab), window, embed_size=32).to(cfg.device)
probe_history = training.fit(probe_model, lambda: text.random_batches(X_probe, y_probe, 128, generator=gen),
                             next_word_loss, steps=cfg.pick(smoke=30, class_=400, full=1000), lr=3e-3)
print(f"{len(probe_vocab)} words, {len(X_probe):,} windows, trained in {probe_history.seconds:.1f} s")
print(" ".join(probe_test[0]))

# %% [markdown] slideshow={"slide_type": "-"}
# On the held-out sentences, the model sees *"speak fluent"* and must name the language.
# Chance is 1 in 8.

# %% slideshow={"slide_type": "subslide"}
with torch.no_grad():
    contexts = torch.tensor([probe_vocab.encode(s[-1 - window:-1]) for s in probe_test])  # (400, 2)
    answers = torch.tensor(probe_vocab.encode(s[-1] for s in probe_test))  # (400,)
    predicted = probe_model.eval()(contexts.to(cfg.device)).argmax(-1).cpu()  # (400,)
probe_acc, chance = (predicted == answers).float().mean().item(), 1 / num_pairs
print(f"window model: {probe_acc:.1%} of languages right (chance {chance:.1%}); "
      f"distinct contexts: {len(contexts.unique(dim=0))}, distinct predictions: {probe_vocab.decode(predicted.unique())}")
assert len(contexts.unique(dim=0)) == 1, "every probe sentence ends with the same two words"
claim("a two-word window cannot beat chance on the probe (accuracy above chance)", probe_acc - chance, "<=", 0.02)

# %% [markdown] slideshow={"slide_type": "-"}
# The input is identical for all 400 sentences, so the prediction is identical too: whatever
# language it picks is right for one sentence in eight. No amount of training can change that;
# the information is simply not in the input.
#
# Is the task learnable at all? A model that sees the **whole sentence** settles it. The
# simplest one: count the words of the sentence (a *bag of words*, the subject of notebook 02)
# and put a linear layer on top, one score per language (logistic regression).

# %% slideshow={"slide_type": "subslide"}
def sentence_bags(sentences):  # every word before the blank, counted
    ids, _ = text.pad_batch([probe_vocab.encode(s[:-1]) for s in sentences], pad_id=-1)  # (N, T)
    return baselines.bag_of_words_batch(ids, len(probe_vocab))  # (N, V)


torch.manual_seed(cfg.seed)
bag_model = nn.Linear(len(probe_vocab), num_pairs).to(cfg.device)
training.fit(bag_model, [(sentence_bags(probe_train), probe_train_labels)],
             lambda m, b: nn.functional.cross_entropy(m(b[0]), b[1]), steps=cfg.pick(smoke=20, class_=200, full=200),
             lr=0.05, progress=False)
with torch.no_grad():
    bag_acc = (bag_model(sentence_bags(probe_test).to(cfg.device)).argmax(-1).cpu() == probe_labels).float().mean().item()
print(f"whole-sentence bag of words: {bag_acc:.1%}   two-word window: {probe_acc:.1%}   chance: {chance:.1%}")
claim("a bag of the whole sentence names the language of over 95% of probe sentences (accuracy)",
      bag_acc, ">", 0.95)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · A bigger window only moves the problem
#
# Why not look at, say, 8 words? Then the model sees the country whenever it lies at most 8
# words back, and nothing changes beyond that. We train an 8-word `WindowMLP` to name the
# language from the 8 words before the blank, on sentences with 0 to 10 fillers (the country is
# 5 to 15 words back), and measure accuracy for each distance.

# %% slideshow={"slide_type": "subslide"}
big_window = 8
far_train, _ = baselines.probe_sentences(2000, num_fillers=(0, 10), generator=probe_gen)
far_test, far_labels = baselines.probe_sentences(2000, num_fillers=(0, 10), generator=probe_gen)


def last_window(sentences):  # the big_window words before the blank, and the answer
    return (torch.tensor([probe_vocab.encode(s[-1 - big_window:-1]) for s in sentences]),  # (N, 8)
            torch.tensor(probe_vocab.encode(s[-1] for s in sentences)))  # (N,)


X_far, y_far = last_window(far_train)
torch.manual_seed(cfg.seed)
big_model = WindowMLP(len(probe_vocab), big_window, embed_size=32).to(cfg.device)
big_history = training.fit(big_model, lambda: text.random_batches(X_far, y_far, 128, generator=gen),
                           next_word_loss, steps=cfg.pick(smoke=30, class_=400, full=1000), lr=3e-3)
print(f"trained in {big_history.seconds:.1f} s")

# %% slideshow={"slide_type": "subslide"}
X_far_test, y_far_test = last_window(far_test)
with torch.no_grad():
    far_pred = big_model.eval()(X_far_test.to(cfg.device)).argmax(-1).cpu()  # (2000,)
distance = torch.tensor([len(s) - 1 - s.index(baselines.PROBE_PAIRS[y][0])
                         for s, y in zip(far_test, far_labels.tolist())])  # (2000,) words back
by_distance = {d: (far_pred[distance == d] == y_far_test[distance == d]).float().mean().item()
               for d in distance.unique().tolist()}
inside = (far_pred == y_far_test)[distance <= big_window].float().mean().item()
outside = (far_pred == y_far_test)[distance > big_window].float().mean().item()
print(f"country inside the {big_window}-word window: {inside:.1%}; outside: {outside:.1%} (chance {chance:.1%})")
claim("the 8-word window names the language when the country is inside it (accuracy)", inside, ">", 0.9)
claim("the 8-word window is near chance when the country is outside it (accuracy above chance)",
      outside - chance, "<", 0.1)

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(list(by_distance), list(by_distance.values()), marker="o", label=f"{big_window}-word window model")
ax.axvline(big_window + 0.5, color="tab:orange", ls=":", label="edge of the window")
ax.axhline(chance, color="gray", ls="--", label="chance")
ax.set(xlabel="how many words back the country is", ylabel="accuracy on the language",
       title="A window sees exactly as far as it is wide", ylim=(0, 1.05))
ax.legend();

# %% [markdown] slideshow={"slide_type": "subslide"}
# Inside the window the language is easy; one word past its edge the model is back at chance.
# Widening the window moves the edge, it does not remove it: real text has dependencies at
# every distance (a character's name introduced chapters ago, the subject of a long sentence),
# and every extra word of window adds another block of weights to learn, seen with that word
# at that exact distance (notebook 02 measures what this costs).
#
# What we would like instead is a model that reads the sentence one word at a time and carries
# forward what it has read so far, whatever the distance: a recurrent network (notebook 03).
# Notebook 04 comes back to this sentence: a recurrent network reads *France* 50 words back, yet
# training it to use that word is another matter (the vanishing gradient).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Words become ids through a vocabulary (rare words become `<unk>`); a one-hot vector is an
#   id as a vector, and an embedding lookup is exactly a one-hot vector times a matrix.
# - A two-word window MLP is a real language model: on held-out *Time Machine* text it reached a
#   lower perplexity than the unigram baseline (at most 0.57 of it over the 12 runs in RESULTS.md)
#   and about 4 points higher accuracy.
# - It cannot use anything outside its window. On *"I grew up in France ... I speak fluent ___"*
#   its input is the same for every sentence, so it was measured at chance (1 in 8), while a
#   model that sees the whole sentence got nearly every language right.
# - A bigger window fixes only the distances it covers: accuracy fell to chance one word past
#   its edge.
#
# ## Exercises
#
# ### Exercise 1 · The best any window model can do (★★☆)
#
# Whatever its architecture, a model that sees only the
# window must give the same answer to the same window. So on a dataset `(X, y)` no window model
# can beat the accuracy of *"for each distinct window, answer its most frequent next word"*.
# Write `best_window_accuracy(X, y)` that computes this bound.

# %% slideshow={"slide_type": "subslide"}
def best_window_accuracy(X, y):
    """Fraction of rows right when each distinct row of X (N, w) predicts its most common y (N,)."""
    raise NotImplementedError("Exercise: write the body of best_window_accuracy()")


# %% slideshow={"slide_type": "-"}
toy_X, toy_y = torch.tensor([[1, 2], [1, 2], [1, 2], [3, 4]]), torch.tensor([5, 5, 6, 7])
assert abs(best_window_accuracy(toy_X, toy_y) - 0.75) < 1e-6, \
    "three rows share the window [1, 2]: answering 5 gets two of them, and [3, 4] -> 7 the fourth: 3 / 4"
bound = best_window_accuracy(contexts, answers)
assert abs(bound - chance) < 1e-6, f"on the probe the bound should be exactly chance {chance:.3f}, got {bound:.3f}"
assert probe_acc <= bound + 1e-6, "the trained window model cannot beat the bound"
print(f"PASS: no two-word window model can exceed {bound:.1%} on the probe; ours got {probe_acc:.1%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · A bound computed with the answers (★☆☆, discussion)
#
# Compute `best_window_accuracy` on the held-out *Time Machine* windows
# `X_valid, y_valid`. It is far above what our model reaches. Why is it not a fair target for a
# model (hint: the bound is computed with the answers)? What happens to it as the window grows?
