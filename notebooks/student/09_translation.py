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
# # 09 · Machine translation and attention
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-course/sequence-models/blob/v0.2.0/notebooks/student/09_translation.ipynb)
#
# *Student version: each exercise raises `NotImplementedError` until you write its body; run the check cell after it to see PASS or what is wrong.*
#
# The lecture's last application and its last idea. An **encoder** RNN reads an English sentence
# into a fixed-size state, a **decoder** RNN writes the French one word by word. The fixed-size
# state is a bottleneck: everything about the source must squeeze through $H$ numbers.
# **Attention**, "learnable memory access", lets the decoder read every encoder state again at
# every step it writes.
#
# **Learning goals**
#
# - Compute attention by hand: a query scored against keys, softmax weights, a weighted read of
#   values: a soft dictionary that a gradient can train.
# - Measure the bottleneck on a task that needs the whole input (reversing random symbols): the
#   encoder-decoder without attention fails where the one with attention succeeds, and its
#   attention map shows the alignment it learnt.
# - Train a translator on Tatoeba's English-French pairs and score it honestly: corpus BLEU with
#   `sacrebleu` on English sentences never seen in training, against all their translations,
#   beside a constant output and a word-by-word dictionary.
# - Decode greedily and with beam search; read attention heatmaps of real sentences.

# %% slideshow={"slide_type": "subslide"}
import sys
if "google.colab" in sys.modules:  # on Colab: install the course package at this release
    import subprocess
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "course-utils @ git+https://github.com/rnn-course/sequence-models@v0.2.0"], check=True)
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import sacrebleu
import torch
from course_utils import config, data, metrics, seq2seq, text, training, translation
cfg = config.setup(seed=0)
cfg

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Attention on its own: a soft dictionary
#
# A Python dictionary holds **keys** and **values**; a **query** equal to one key returns that
# key's value, anything else fails. Attention softens each step so that a gradient can pass:
#
# 1. score the query $q$ against every key $k_i$: $s_i = q \cdot k_i / \sqrt{d}$ (dot-product
#    attention; additive attention uses $s_i = v^\top \tanh(W_q q + W_k k_i)$);
# 2. turn the scores into **weights** with a softmax: $\alpha_i = e^{s_i} / \sum_j e^{s_j}$,
#    positive and summing to one;
# 3. **read** the weighted average of the values: $c = \sum_i \alpha_i v_i$.
#
# A query close to one key reads (almost) that key's value; a query between keys reads a blend.

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
for step in range(200):
    read, weights = soft_lookup(query, keys, values)
    loss = (read - 30.0).pow(2).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"learnt query {query.detach().numpy().round(2)}, weights {weights.detach().numpy().round(3)}, "
      f"read {read.item():.2f}")
assert weights.argmax() == 2 and abs(read.item() - 30) < 0.5, (weights, read)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The query has moved towards the third key, and far out: the longer the query, the sharper the
# softmax, until the soft lookup is nearly a hard one. In a translator the queries are the decoder's
# states, and keys and values the encoder's states, one per source word: the same gradient that
# trains the translation trains *where to look*. `course_utils.seq2seq` holds the batched
# version, with a mask so that padding positions get exactly zero weight:

# %% slideshow={"slide_type": "-"}
torch.manual_seed(cfg.seed)
attention = seq2seq.DotAttention()
queries = torch.randn(2, 3, 8)  # (B, T, d): 3 queries per sentence
enc_states = torch.randn(2, 5, 8)  # (B, S, d): keys and values
mask = seq2seq.length_mask(torch.tensor([5, 2]), 5)  # the second sentence has 2 real words
context, weights = attention(queries, enc_states, enc_states, mask)  # (B, T, d), (B, T, S)
print(weights[1].numpy().round(3))
assert torch.all(weights[1, :, 2:] == 0) and torch.allclose(weights.sum(-1), torch.ones(2, 3))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The bottleneck, made visible: reversing random symbols
#
# The encoder-decoder of `course_utils.seq2seq.Seq2Seq`: an embedding and a GRU encode the
# source; the decoder is a GRU over the previous output tokens. **Without attention** the decoder
# starts from the encoder's final state and also sees that state, concatenated to its input, at
# every step (Dive into Deep Learning's design). **With attention** (Luong et al., 2015) each
# decoder state queries all encoder states, and $\tanh(W [h_t; c_t])$ predicts the next token.
#
# The task: read a sequence of random symbols (10 kinds), write it backwards. The first output
# is the last input, the last output the first input: every symbol must survive, so the
# fixed-size state has to hold the whole sequence. For each length we train both models for the
# same number of steps and measure the fraction of held-out sequences reversed exactly right.

# %% slideshow={"slide_type": "subslide"}
NUM_SYMBOLS, PAD, BOS, EOS = 10, 0, 1, 2  # symbols are ids 3 .. 12
LENGTHS = cfg.pick(smoke=(8, 15), class_=(8, 15), full=(5, 10, 15, 20, 25, 30))
SYN_STEPS = cfg.pick(smoke=20, class_=400, full=3000)


def reversal_batch(batch_size, length, generator):
    """Random symbol sequences and their reversals as a seq2seq batch (src, lengths, tgt_in, tgt_out)."""
    x = torch.randint(3, 3 + NUM_SYMBOLS, (batch_size, length), generator=generator)  # (B, L)
    return seq2seq.make_batch(x.tolist(), x.flip(1).tolist(), PAD, BOS, EOS)


def reversal_epoch(length, generator, num_batches=50):
    """Fresh random batches of 64 sequences of one length: the model never sees a sequence twice."""
    return [reversal_batch(64, length, generator) for _ in range(num_batches)]


def exact_accuracy(model, length, num_sequences=300):
    """Fraction of held-out sequences of this length reversed exactly right (greedy decoding)."""
    src, lengths, _, tgt_out = reversal_batch(num_sequences, length, torch.Generator().manual_seed(10_000 + length))
    with training.eval_mode(model):
        hyps, _ = seq2seq.greedy_decode(model, src.to(cfg.device), lengths.to(cfg.device), BOS, EOS, length + 1)
    return sum(h == t for h, t in zip(hyps, tgt_out[:, :length].tolist())) / num_sequences


# %% slideshow={"slide_type": "subslide"}
def train_reverser(length, attention):
    """A Seq2Seq trained SYN_STEPS steps on reversal at one length; returns it and its history."""
    torch.manual_seed(cfg.seed)
    generator = torch.Generator().manual_seed(cfg.seed)
    model = seq2seq.Seq2Seq(3 + NUM_SYMBOLS, 3 + NUM_SYMBOLS, embed_size=32, hidden_size=128,
                            attention=attention).to(cfg.device)
    history = training.fit(model, lambda: reversal_epoch(length, generator), seq2seq.seq2seq_loss,
                           steps=SYN_STEPS, lr=3e-3, clip=1.0, schedule="cosine",
                           desc=f"length {length}, attention={attention}")
    return model, history


reversers, synthetic_accuracy = {}, {"without attention": {}, "with attention": {}}
for n in LENGTHS:
    for name, kind in [("without attention", None), ("with attention", "dot")]:
        model, history = train_reverser(n, kind)
        reversers[name, n] = model
        synthetic_accuracy[name][n] = exact_accuracy(model, n)
        print(f"length {n}, {name}: {synthetic_accuracy[name][n]:.2f} exactly right after "
              f"{SYN_STEPS} steps ({history.seconds:.0f} s, {1000 * history.seconds / SYN_STEPS:.0f} ms per step)")

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, accuracy in synthetic_accuracy.items():
    ax.plot(list(accuracy), list(accuracy.values()), "o-", label=name)
ax.set(xlabel="sequence length", ylabel="sequences reversed exactly", ylim=(-0.02, 1.02),
       title="Reversal: a fixed-size state against attention")
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The claim, asserted: at some length the model with attention reverses at least 95% of the
# sequences exactly while the one without gets fewer than half right.

# %% slideshow={"slide_type": "-"}
separating = [n for n in LENGTHS if synthetic_accuracy["with attention"][n] >= 0.95
              and synthetic_accuracy["without attention"][n] < 0.5]
print("lengths where attention >= 95% and no attention < 50%:", separating)
if cfg.mode != "smoke":
    assert separating, synthetic_accuracy

# %% [markdown] slideshow={"slide_type": "-"}
# Where does the attention model look? For one test sequence, the weight each output step gives
# to each input position. Reversal needs output $t$ to read input $L - 1 - t$: the anti-diagonal.
# The weights are spread over neighbours too: the encoder is a GRU, so its state at position $i$
# also carries the symbols just before $i$.

# %% slideshow={"slide_type": "subslide"}
L_show = max(LENGTHS)
src, lengths, _, _ = reversal_batch(1, L_show, torch.Generator().manual_seed(7))
with training.eval_mode(reversers["with attention", L_show]):
    hyps, maps = seq2seq.greedy_decode(reversers["with attention", L_show], src.to(cfg.device),
                                       lengths.to(cfg.device), BOS, EOS, L_show + 1)
alignment = maps[0][:L_show]  # (output steps, input positions), the <eos> step dropped
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.imshow(alignment, cmap="viridis", vmin=0, vmax=1)
ax.set(xlabel="input position", ylabel="output step", title="Attention while reversing")
plt.show()
looked_at = alignment.argmax(1)  # (output steps,): the input position read most
anti = torch.arange(L_show - 1, -1, -1)  # output t should read input L - 1 - t
on_band = ((looked_at - anti).abs() <= 1).float().mean().item()
anti_diagonal = alignment.flip(1).diagonal().mean().item()
print(f"output steps whose most-read input is L-1-t or a neighbour: {on_band:.0%}; mean weight on "
      f"the anti-diagonal itself {anti_diagonal:.2f} (uniform would be {1 / L_show:.2f})")
if cfg.mode != "smoke":
    assert on_band >= 0.8 and anti_diagonal > 2 / L_show, (on_band, anti_diagonal)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Real translation: Tatoeba English-French
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Normalisation.** The French side uses typographic characters: a narrow no-break space
# (U+202F) or an ordinary no-break space (U+00A0) before `! ? :`, and curly apostrophes. The text
# layer's `normalize` maps them to plain spaces and `'` and applies Unicode NFC; `tokenize` then
# lower-cases, splits punctuation and keeps accents and elisions (`j'`) whole. A detokeniser puts
# French typography back for scoring.

# %% slideshow={"slide_type": "-"}
raw = "J\u2019ai été là, garçon\u202f!"
tokens = text.tokenize(raw, "word")
print(repr(raw), "->", tokens, "->", repr(text.detokenize(tokens, lang="fr")))
assert tokens == ["j'", "ai", "été", "là", ",", "garçon", "!"]
assert text.detokenize(text.tokenize(raw, "word", lower=False), "fr") == text.normalize(raw)

# %% [markdown] slideshow={"slide_type": "-"}
# **Split by English sentence.** Many English sentences have several translations ("Go." has
# three). If one of them trained the model and another tested it, the test would measure memory.
# So we hold out whole English sentences, with **all** their translations, which become the
# references the output is scored against. Class mode keeps English sentences of at most 6
# tokens (punctuation counts); full mode goes longer.

# %% slideshow={"slide_type": "subslide"}
MAX_SRC, MAX_TGT = cfg.pick(smoke=(6, 14), class_=(6, 14), full=(12, 20))
examples = translation.prepare_pairs(pairs, MAX_SRC, MAX_TGT)
train_pairs, test_items = translation.split_by_source(examples, test_size=1000, seed=cfg.seed)
translation.check_disjoint(train_pairs, test_items)
shared = {ex.src for ex in train_pairs} & {item.src for item in test_items}
assert not shared  # no English test sentence was seen in training, with any translation
num_refs = sum(len(item.references) for item in test_items) / len(test_items)
print(f"{len(train_pairs):,} training pairs from {len({ex.src for ex in train_pairs}):,} English "
      f"sentences; {len(test_items):,} test sentences with {num_refs:.2f} references on average")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Scoring.** Corpus BLEU (Papineni et al., 2002) with `sacrebleu`: the geometric mean of 1- to
# 4-gram precisions against the references, times a brevity penalty, on a 0-100 scale. We score
# *detokenised* output against the references as written (only `normalize`d), and let sacrebleu
# tokenise both; the model writes lower case, so the comparison ignores case (`case:lc` in the
# signature). Two floors put the numbers in context: the same sentence for every input (the most
# frequent French sentence of the training set) and a **word-by-word** dictionary, each English
# word replaced by the French word it co-occurs with most (Dice coefficient on the training pairs).

# %% slideshow={"slide_type": "subslide"}
references = [list(item.references) for item in test_items]


def bleu(french_token_lists):
    """Corpus BLEU of tokenised French outputs, detokenised, against all references of each test item."""
    hypotheses = [text.detokenize(tokens, lang="fr") for tokens in french_token_lists]
    return metrics.corpus_bleu(hypotheses, references, lowercase=True)


constant = translation.most_common_translation(train_pairs)
table = translation.word_by_word_table(train_pairs)
word_by_word_out = [translation.word_by_word(item.src, table) for item in test_items]
floor_constant, signature = bleu([constant] * len(test_items))
floor_words, _ = bleu(word_by_word_out)
print(f"constant output {text.detokenize(constant, 'fr')!r}: BLEU {floor_constant:.1f}")
print(f"word by word: BLEU {floor_words:.1f}, e.g. {' '.join(test_items[0].src)!r} -> "
      f"{text.detokenize(word_by_word_out[0], 'fr')!r}")
print("sacrebleu signature:", signature)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Training a translator
#
# Vocabularies from the training pairs only, words seen at least 3 times; rarer words become
# `<unk>`. A GRU encoder-decoder with dot-product attention (embedding 128, hidden 256), Adam
# with a cosine-decaying learning rate, batches of 64 pairs of similar English lengths.

# %% slideshow={"slide_type": "subslide"}
MIN_FREQ = 3
src_vocab = text.Vocab((w for ex in train_pairs for w in ex.src), MIN_FREQ, text.SPECIALS)
tgt_vocab = text.Vocab((w for ex in train_pairs for w in ex.tgt), MIN_FREQ, text.SPECIALS)
train_src = [src_vocab.encode(ex.src) for ex in train_pairs]
train_tgt = [tgt_vocab.encode(ex.tgt) for ex in train_pairs]
test_src = [item.src for item in test_items]
covered = sum(w in tgt_vocab for item in test_items for t in item.targets for w in t)
total = sum(len(t) for item in test_items for t in item.targets)
print(f"vocabularies: {len(src_vocab):,} English, {len(tgt_vocab):,} French; "
      f"{covered / total:.1%} of the test references' French words are in the vocabulary")

MT_STEPS = cfg.pick(smoke=20, class_=1500, full=30_000)
MT_BATCH = cfg.pick(smoke=64, class_=64, full=128)
MT_HIDDEN = cfg.pick(smoke=64, class_=256, full=512)
MAX_OUT = MAX_TGT + 4  # decoding stops here if <eos> never comes


def train_translator(attention):
    """A Seq2Seq trained for MT_STEPS steps from seed cfg.seed; returns it and its history."""
    torch.manual_seed(cfg.seed)
    generator = torch.Generator().manual_seed(cfg.seed)
    model = seq2seq.Seq2Seq(len(src_vocab), len(tgt_vocab), embed_size=128, hidden_size=MT_HIDDEN,
                            attention=attention).to(cfg.device)
    batches = lambda: seq2seq.make_batches(train_src, train_tgt, MT_BATCH, tgt_vocab.pad,
                                           tgt_vocab.bos, tgt_vocab.eos, generator=generator)
    history = training.fit(model, batches, seq2seq.seq2seq_loss, steps=MT_STEPS, lr=3e-3, clip=1.0,
                           schedule="cosine", desc=f"attention={attention}")
    return model, history


translator, mt_history = train_translator("dot")
epochs = MT_STEPS * MT_BATCH / len(train_pairs)
print(f"{MT_STEPS} steps ({epochs:.2f} epochs) in {mt_history.seconds:.0f} s, "
      f"{1000 * mt_history.seconds / MT_STEPS:.0f} ms per step; final training loss "
      f"{sum(mt_history.train_loss[-50:]) / 50:.2f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Decoding and measuring
#
# **Greedy decoding** writes the most likely next word at every step. **Beam search** keeps the
# `beam_size` most likely partial translations (by total log-probability) and can recover from a
# first word that looked best but leads nowhere. Neither ever writes `<unk>`: it is **forbidden**,
# so the decoder writes the most likely real word instead (an `<unk>` in the output can only
# lose n-gram matches).

# %% slideshow={"slide_type": "subslide"}
BEAM = 4
with training.eval_mode(translator):
    start = time.perf_counter()
    greedy_out, greedy_maps = translation.translate(translator, test_src, src_vocab, tgt_vocab, MAX_OUT)
    greedy_seconds = time.perf_counter() - start
    start = time.perf_counter()
    beam_out, beam_maps = translation.translate(translator, test_src, src_vocab, tgt_vocab, MAX_OUT,
                                                beam_size=BEAM)
    beam_seconds = time.perf_counter() - start
bleu_greedy, _ = bleu(greedy_out)
bleu_beam, _ = bleu(beam_out)
print(f"test BLEU (1,000 unseen English sentences):")
print(f"  constant output  {floor_constant:5.1f}")
print(f"  word by word     {floor_words:5.1f}")
print(f"  greedy           {bleu_greedy:5.1f}   ({greedy_seconds:.1f} s)")
print(f"  beam of {BEAM}        {bleu_beam:5.1f}   ({beam_seconds:.1f} s)")
print("signature:", signature)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The claims: the translator beats the word-by-word dictionary by a clear margin and reaches a
# BLEU of at least 22 on sentences it never saw.

# %% slideshow={"slide_type": "-"}
if cfg.mode != "smoke":
    assert bleu_greedy >= 22 and bleu_greedy >= floor_words + 5, (bleu_greedy, floor_words)
    assert floor_constant < 2, floor_constant

# %% [markdown] slideshow={"slide_type": "-"}
# **BLEU by source length.** Longer sentences are harder, and they are where a fixed-size state
# should hurt most.

# %% slideshow={"slide_type": "subslide"}
by_length = {}
for n, indices in translation.source_length_bins(test_items).items():
    hyps = [text.detokenize(greedy_out[i], "fr") for i in indices]
    by_length[n] = (len(indices), metrics.corpus_bleu(hyps, [references[i] for i in indices],
                                                      lowercase=True)[0])
    print(f"English length {n}: {by_length[n][0]:4d} sentences, BLEU {by_length[n][1]:5.1f}")
fig, ax = plt.subplots(figsize=(5.5, 3))
ax.bar([str(n) for n in by_length], [b for _, b in by_length.values()])
ax.set(xlabel="English length (tokens)", ylabel="test BLEU (greedy)", title="BLEU by source length")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Good and bad translations.** Test sentences sorted by sentence-level BLEU (a noisy measure
# on single sentences, good enough to sort): the best, the middle and the worst.

# %% slideshow={"slide_type": "-"}
scored = sorted(
    (sacrebleu.sentence_bleu(text.detokenize(out, "fr"), refs, lowercase=True).score, i)
    for i, (out, refs) in enumerate(zip(greedy_out, references)))
picks = scored[-4:][::-1] + scored[len(scored) // 2 - 2: len(scored) // 2 + 2] + scored[:4]
print(f"{'English':34} {'output':38} {'a reference':38} BLEU")
for score, i in picks:
    print(f"{' '.join(test_items[i].src):34.34} {text.detokenize(greedy_out[i], 'fr'):38.38} "
          f"{references[i][0]:38.38} {score:5.1f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Attention made visible
#
# For a few test sentences, the weight each French output word (rows) gives to each English source
# word (columns). Word order is similar in English and French, so the maps are mostly diagonal,
# with the reorderings French needs (adjectives after nouns, `ne ... pas` around the verb).


# %% slideshow={"slide_type": "subslide"}
def show_attention(ax, weights, source, output):
    """Heatmap of attention weights (output words + <eos>, source words)."""
    ax.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(source)), source, rotation=60)
    ax.set_yticks(range(weights.shape[0]), (output + ["<eos>"])[:weights.shape[0]])


examples_to_show = [i for _, i in scored[-40::10]][:4]  # among the better translations, for legibility
fig, axes = plt.subplots(1, len(examples_to_show), figsize=(4 * len(examples_to_show), 4))
for ax, i in zip(axes, examples_to_show):
    show_attention(ax, greedy_maps[i], list(test_items[i].src), greedy_out[i])
    ax.set_title(text.detokenize(greedy_out[i], "fr")[:30], fontsize=9)
fig.suptitle("Where the decoder looks (test sentences)")
plt.tight_layout()
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Type an English sentence (short ones work best: the model was trained on sentences of at most
# six tokens) and see its translation and where the decoder looked. Words the model has never seen
# become `<unk>` on the way in.


# %% slideshow={"slide_type": "subslide"}
def translate_and_show(sentence):
    source = text.tokenize(sentence, "word")
    if not source:
        return
    with training.eval_mode(translator):
        (out,), (weights,) = translation.translate(translator, [source], src_vocab, tgt_vocab, MAX_OUT,
                                                   beam_size=BEAM)
    print(text.detokenize(out, "fr"))
    fig, ax = plt.subplots(figsize=(4, 4))
    show_attention(ax, weights, [w if w in src_vocab else f"<unk> ({w})" for w in source], out)
    ax.set(xlabel="English", ylabel="French output", title="Attention")
    plt.show()


widgets.interact(translate_and_show, sentence=widgets.Text(value="I am very hungry.",
                                                           continuous_update=False));

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · With and without attention on real sentences
#
# A fair comparison trains both models for the same number of steps. In class mode the budget
# holds one translator. On sentences this short, trials at equal budgets on a 2-core CPU found no
# reliable gain from attention (the differences, of either sign, were as large as those between
# seeds), so this notebook claims none there. Its advantage shows with length, as on the reversal task. Full mode (a GPU) trains on
# sentences up to 12 English tokens, trains the model without attention at the same budget and
# compares BLEU by length.

# %% slideshow={"slide_type": "subslide"}
if cfg.mode == "full":
    plain, plain_history = train_translator(None)
    with training.eval_mode(plain):
        plain_out, _ = translation.translate(plain, test_src, src_vocab, tgt_vocab, MAX_OUT)
    print(f"without attention: BLEU {bleu(plain_out)[0]:.1f}; with: {bleu_greedy:.1f}")
    for n, indices in translation.source_length_bins(test_items).items():
        pick = lambda outs: [text.detokenize(outs[i], "fr") for i in indices]
        refs_n = [references[i] for i in indices]
        print(f"English length {n:2d} ({len(indices):3d}): without "
              f"{metrics.corpus_bleu(pick(plain_out), refs_n, lowercase=True)[0]:5.1f}, with "
              f"{metrics.corpus_bleu(pick(greedy_out), refs_n, lowercase=True)[0]:5.1f}")
else:
    print("class mode: one translator trained; the comparison runs in full mode (COURSE_MODE=full)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Attention is a soft dictionary: scores of a query against keys, softmax weights, a weighted
#   read of values. Every step is differentiable, so where to read is learnt with everything else.
# - On reversal, an encoder-decoder without attention must carry the whole sequence in its final
#   state, and fails as the sequences grow; with attention it reads each symbol when it needs it,
#   and its attention map is the anti-diagonal the task calls for.
# - On Tatoeba English-French, split by English sentence so that no test sentence was seen, a GRU
#   encoder-decoder with attention clearly beats a word-by-word dictionary in a few minutes on a
#   CPU (the numbers above); beam search, which keeps several partial translations, scores
#   higher than greedy decoding at the cost of slower decoding.
# - On short sentences attention gives no reliable gain at this budget: the lecture's claim that it
#   helps is shown where it holds, on long inputs.
#
# ## Exercises
#
# **Exercise 1 (additive attention by hand).** Write `additive_scores(W_q, W_k, v, queries, keys)`
# returning the scores $s_{ti} = v^\top \tanh(W_q q_t + W_k k_i)$ for queries (B, T, Q) and keys
# (B, S, K), shape (B, T, S), with the three `nn.Linear` layers of `seq2seq.AdditiveAttention`.


# %% slideshow={"slide_type": "subslide"}
def additive_scores(W_q, W_k, v, queries, keys):
    """Additive attention scores (B, T, S) for queries (B, T, Q) and keys (B, S, K)."""
    # HINT: project both, add with broadcasting (B, T, 1, A) + (B, 1, S, A), tanh, then v
    raise NotImplementedError("Exercise: project both, add with broadcasting (B, T, 1, A) + (B, 1, S, A), tanh, then v")


# %% slideshow={"slide_type": "-"}
torch.manual_seed(cfg.seed)
reference_attention = seq2seq.AdditiveAttention(5, 6, 7)
q_ex, k_ex = torch.randn(2, 3, 5), torch.randn(2, 4, 6)
mine = additive_scores(reference_attention.W_q, reference_attention.W_k, reference_attention.v, q_ex, k_ex)
assert mine.shape == (2, 3, 4), f"expected scores of shape (B, T, S) = (2, 3, 4), got {tuple(mine.shape)}"
torch.testing.assert_close(mine, reference_attention.scores(q_ex, k_ex),
                           msg="s_ti should be v . tanh(W_q q_t + W_k k_i)")
print("Exercise 1: PASS")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 2 (`<unk>` replaced, not forbidden).** Instead of forbidding `<unk>`, let the model
# write it and replace each `<unk>` by the source word its attention weights point at (names and
# numbers often pass unchanged into French). Write `replace_unknowns(output, weights, source)`:
# `output` a list of French tokens, `weights` (len(output) or more, S) the attention rows of those
# tokens, `source` the English tokens.


# %% slideshow={"slide_type": "-"}
def replace_unknowns(output, weights, source):
    """Each '<unk>' in output replaced by the source word with the largest attention weight."""
    # HINT: weights[t].argmax() is the source position output word t attended to most
    raise NotImplementedError("Exercise: weights[t].argmax() is the source position output word t attended to most")


# %% slideshow={"slide_type": "subslide"}
w_ex = torch.tensor([[0.9, 0.1, 0.0], [0.1, 0.2, 0.7], [0.2, 0.6, 0.2]])
got = replace_unknowns(["je", "<unk>", "<unk>"], w_ex, ["i", "saw", "tom"])
assert got == ["je", "tom", "saw"], f"expected ['je', 'tom', 'saw'], got {got}"
assert replace_unknowns(["oui"], w_ex, ["yes"]) == ["oui"], "words other than <unk> stay as they are"
print("Exercise 2: PASS")

# %% [markdown] slideshow={"slide_type": "-"}
# **Exercise 3 (beam width, no solution given).** Decode the test set with beam sizes 1, 2, 4 and
# 8 and a `length_penalty` of 0 and 1. Plot BLEU and decoding time. Does a wider beam always help?
# Look at the average output length: what does the length penalty change?
#
# **Exercise 4 (the bottleneck, measured, no solution given).** Train the reversal models with
# hidden size 64 and 256. How does the longest length the model without attention reverses
# (at least half right) change with the size of its state?
