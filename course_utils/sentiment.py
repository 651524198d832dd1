"""Sentence classification with padded, length-bucketed batches (notebook 08).

    train, dev = dev_split(sst_train, num_dev=500)        # whole sentences held out, their phrases too
    ids = encode([text.tokenize(s, "word") for s, _ in pairs], vocab)   # list of (L_i,) id tensors
    data = epochs(ids, labels, batch_sizes=(256, 64), pad_id=vocab.pad)  # for training.fit
    fit(model, data, models.classification_loss, steps=..., optimizer=SparseDenseAdam(model, 3e-3), clip=1.0)
    p = predict_proba(model, ids, vocab.pad)              # (N,) P(positive), in the input order
    occlusion(model, tokens, vocab)                       # how much each word moved P(positive)

Every model here is called as ``model(X, lengths)`` with ``X`` (B, T) ids right-padded with
``pad_id`` and ``lengths`` (B,), and returns two logits per sentence (negative, positive).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from .text import Vocab, length_buckets, pad_batch
from .training import eval_mode

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # X (B, T), lengths (B,), y (B,)
Labelled = list[tuple[str, int]]


def _spans(words: Sequence[str]) -> Iterator[str]:
    """Every contiguous run of ``words``, joined by single spaces."""
    for start in range(len(words)):
        for stop in range(start + 1, len(words) + 1):
            yield " ".join(words[start:stop])


def full_sentences(phrases: Sequence[str]) -> set[str]:
    """The phrases that no other phrase contains (whole words): the full sentences of a treebank.

    Phrases are whitespace-tokenised text; a phrase inside a longer one is one of its pieces.
    Slow for many phrases (each candidate is searched in the longer ones); ``dev_split`` checks
    only the candidates it needs.

    >>> sorted(full_sentences(["not bad", "not bad at all", "bad", "good"]))
    ['good', 'not bad at all']
    """
    longer = _LongerPhrases(phrases)
    return {p for p in dict.fromkeys(" ".join(p.split()) for p in phrases) if not longer.contains(p)}


class _LongerPhrases:
    """Search a phrase among the strictly longer phrases (in words) of a collection."""

    def __init__(self, phrases: Sequence[str]) -> None:
        unique = sorted(dict.fromkeys(" ".join(p.split()) for p in phrases), key=lambda p: -len(p.split()))
        self.start_of = {}  # words -> offset where the phrases of that many words or fewer begin
        parts, offset = [], 0
        for p in unique:
            self.start_of.setdefault(len(p.split()), offset)
            parts.append(f" {p} \n")
            offset += len(parts[-1])
        self.text = "".join(parts)

    def contains(self, phrase: str) -> bool:
        words = phrase.split()
        end = min((o for n, o in self.start_of.items() if n <= len(words)), default=len(self.text))
        return self.text.find(f" {' '.join(words)} ", 0, end) >= 0


def dev_split(phrases: Labelled, num_dev: int, seed: int = 0) -> tuple[Labelled, Labelled]:
    """Hold out ``num_dev`` full sentences and every training phrase that is a piece of one.

    SST-2's training set mixes full sentences with the labelled phrases inside them. A dev
    sentence must be new to the model, so its sentences are *full* ones (no other phrase
    contains them), drawn at random (``seed``; the same split whatever the course's seed), and
    every phrase that is a run of words of a dev sentence leaves the training part: the
    sentence itself, its pieces, and any other phrase that happens to equal a piece.

    Returns ``(train, dev)`` as (text, label) pairs; ``train`` keeps the input order.

    >>> phrases = [("not bad at all", 1), ("not bad", 1), ("bad", 0), ("a dull film", 0),
    ...            ("dull", 0), ("a film", 1), ("good", 1)]
    >>> train, dev = dev_split(phrases, num_dev=1, seed=0)
    >>> dev, train
    ([('not bad at all', 1)], [('a dull film', 0), ('dull', 0), ('a film', 1), ('good', 1)])
    """
    texts = [" ".join(p.split()) for p, _ in phrases]
    label_of = dict(zip(texts, (label for _, label in phrases)))
    unique = list(dict.fromkeys(texts))
    longer = _LongerPhrases(unique)
    order = torch.randperm(len(unique), generator=torch.Generator().manual_seed(seed)).tolist()
    dev = []
    for i in order:
        if len(dev) == num_dev:
            break
        if not longer.contains(unique[i]):
            dev.append(unique[i])
    if len(dev) < num_dev:
        raise ValueError(f"asked for {num_dev} dev sentences, but only {len(dev)} phrases are full sentences")
    pieces = {span for sentence in dev for span in _spans(sentence.split())}
    train = [(text, label) for text, (_, label) in zip(texts, phrases) if text not in pieces]
    return train, [(sentence, label_of[sentence]) for sentence in dev]


def encode(sentences: Sequence[Sequence[str]], vocab: Vocab) -> list[torch.Tensor]:
    """Token lists -> id tensors, one per sentence; an empty sentence becomes one ``<unk>``."""
    return [torch.tensor(vocab.encode(tokens) or [vocab.unk]) for tokens in sentences]


def batches(ids: Sequence[torch.Tensor], labels: torch.Tensor, batch_size: int, pad_id: int,
            shuffle: bool = True, generator: torch.Generator | None = None) -> Iterator[Batch]:
    """One pass over the data in length buckets: ``(X (B, T), lengths (B,), y (B,))`` per batch."""
    if len(ids) != len(labels):
        raise ValueError(f"got {len(ids)} sentences but {len(labels)} labels; they must pair up")
    lengths = torch.tensor([s.shape[0] for s in ids])  # (N,)
    for index in length_buckets(lengths, batch_size, shuffle=shuffle, generator=generator):
        X, lens = pad_batch([ids[i] for i in index.tolist()], pad_id)  # (B, T), (B,)
        yield X, lens, labels[index]


def epochs(ids: Sequence[torch.Tensor], labels: torch.Tensor, batch_sizes: Sequence[int],
           pad_id: int, generator: torch.Generator | None = None) -> Callable[[], Iterator[Batch]]:
    """Training data for ``training.fit``: each call is one shuffled pass over the data.

    Pass ``e`` uses ``batch_sizes[e]``, the last size once they run out: ``(256, 64)`` takes a
    first quick epoch in large batches, then small ones.
    """
    passes = 0

    def one_pass() -> Iterator[Batch]:
        nonlocal passes
        size = batch_sizes[min(passes, len(batch_sizes) - 1)]
        passes += 1
        return batches(ids, labels, size, pad_id, shuffle=True, generator=generator)

    return one_pass


def steps_for(num_examples: int, batch_sizes: Sequence[int], num_epochs: int) -> int:
    """How many optimisation steps ``num_epochs`` passes of ``epochs(...)`` take.

    >>> steps_for(1000, (256, 64), 3)   # 4 batches, then 16 and 16
    36
    """
    sizes = [batch_sizes[min(e, len(batch_sizes) - 1)] for e in range(num_epochs)]
    return sum(-(-num_examples // size) for size in sizes)


class SparseDenseAdam:
    """Adam for the dense parameters and SparseAdam for sparse embeddings, stepped together.

    A sparse embedding (``nn.Embedding(..., sparse=True)``) gets gradients only for the rows of
    the words in the batch, so a step touches a few hundred rows instead of the whole table.
    Give it to ``training.fit(..., optimizer=SparseDenseAdam(model, lr))``.
    """

    def __init__(self, model: nn.Module, lr: float) -> None:
        sparse = [m.weight for m in model.modules() if isinstance(m, nn.Embedding) and m.sparse]
        dense = [p for p in model.parameters() if all(p is not s for s in sparse)]
        self.optimizers = [torch.optim.Adam(dense, lr=lr)]
        if sparse:
            self.optimizers.append(torch.optim.SparseAdam(sparse, lr=lr))

    def zero_grad(self, set_to_none: bool = True) -> None:
        for opt in self.optimizers:
            opt.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        for opt in self.optimizers:
            opt.step()


@torch.no_grad()
def predict_proba(model: nn.Module, ids: Sequence[torch.Tensor], pad_id: int,
                  batch_size: int = 256) -> torch.Tensor:
    """P(positive) for every sentence, (N,), in the order given; dropout off, batches by length."""
    device = next(model.parameters()).device
    lengths = torch.tensor([s.shape[0] for s in ids])  # (N,)
    probs = torch.empty(len(ids))  # (N,)
    with eval_mode(model):
        for index in length_buckets(lengths, batch_size, shuffle=False):
            X, lens = pad_batch([ids[i] for i in index.tolist()], pad_id)  # (B, T), (B,)
            logits = model(X.to(device), lens.to(device))  # (B, 2)
            probs[index] = torch.softmax(logits, dim=-1)[:, 1].cpu()
    return probs


def accuracy(probs: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of sentences where ``probs > 0.5`` agrees with ``labels`` (1 = positive)."""
    return ((probs > 0.5).long() == labels).float().mean().item()


def confusion(probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """2 x 2 counts: row = true label, column = predicted label (0 negative, 1 positive).

    >>> confusion(torch.tensor([0.9, 0.2, 0.7]), torch.tensor([1, 1, 0])).tolist()
    [[0, 1], [1, 1]]
    """
    predicted = (probs > 0.5).long()  # (N,)
    return torch.bincount(2 * labels.long() + predicted, minlength=4).view(2, 2)


def occlusion(model: nn.Module, tokens: Sequence[str], vocab: Vocab) -> list[tuple[str, float]]:
    """How much each word moves P(positive): P(sentence) - P(sentence without that word).

    Positive values: the word pushed the model towards *positive*. All the shortened sentences
    are scored in one padded batch. A one-word sentence gets importance P(sentence) - 0.5.
    """
    if not tokens:
        raise ValueError("occlusion needs at least one token; tokenize a non-empty sentence")
    full = encode([tokens], vocab)[0]  # (L,)
    variants = [full] + [torch.cat([full[:i], full[i + 1:]]) for i in range(len(full))]
    variants = [v if len(v) else torch.tensor([vocab.pad]) for v in variants]
    probs = predict_proba(model, variants, vocab.pad)  # (L + 1,)
    if len(full) == 1:
        probs[1] = 0.5
    return [(word, (probs[0] - probs[i + 1]).item()) for i, word in enumerate(tokens)]


def score_pairs(prob_fn: Callable[[list[str]], torch.Tensor],
                pairs: Sequence[tuple[str, str]]) -> list[dict]:
    """Score (positive sentence, negative sentence) pairs: does the model rank each pair right?

    ``prob_fn(sentences) -> (N,)`` P(positive). For each pair returns both probabilities,
    ``ordered`` (the positive one scored higher) and ``both_right`` (each on its side of 0.5).
    """
    flat = [s for pair in pairs for s in pair]
    probs = prob_fn(flat).view(-1, 2)  # (P, 2)
    return [{"positive": pos, "negative": neg, "p_positive": p[0].item(), "p_negative": p[1].item(),
             "ordered": bool(p[0] > p[1]), "both_right": bool(p[0] > 0.5 > p[1])}
            for (pos, neg), p in zip(pairs, probs)]


class KeepBest:
    """An ``evaluate`` for ``training.fit`` that scores held-out data and keeps the best weights.

    ``score(model) -> float`` (higher is better), e.g. accuracy on the dev sentences. Each call
    records ``(step, score)`` in ``curve`` and copies the weights when the score beats every
    earlier one; ``restore()`` loads that copy back into the model. Choosing the number of
    training steps this way is a choice made on the held-out data: use a dev split, never the
    test set.
    """

    def __init__(self, score: Callable[[nn.Module], float], name: str = "dev") -> None:
        self.score, self.name = score, name
        self.curve: list[float] = []
        self.best_index: int | None = None
        self.best_state: dict | None = None

    def __call__(self, model: nn.Module) -> dict:
        value = self.score(model)
        self.curve.append(value)
        if self.best_index is None or value > self.curve[self.best_index]:
            self.best_index = len(self.curve) - 1
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        return {self.name: value}

    @property
    def best(self) -> float:
        """The best score seen."""
        if self.best_index is None:
            raise RuntimeError("KeepBest has scored nothing yet: pass it to fit(..., evaluate=...)")
        return self.curve[self.best_index]

    def restore(self, model: nn.Module) -> nn.Module:
        """Load the best weights seen into ``model`` and return it."""
        if self.best_state is None:
            raise RuntimeError("KeepBest has kept no weights yet: pass it to fit(..., evaluate=...)")
        model.load_state_dict(self.best_state)
        return model


def mcnemar(correct_a: torch.Tensor, correct_b: torch.Tensor) -> tuple[int, int, float]:
    """McNemar's exact test for two classifiers scored on the same examples.

    ``correct_a``, ``correct_b`` (N,) booleans: was each example classified right? Only the
    examples where they disagree count: ``a_only`` (A right, B wrong) and ``b_only``. Under the
    hypothesis that both are equally accurate each disagreement is a fair coin, so the two-sided
    p-value is that of a count at least as uneven in ``a_only + b_only`` fair tosses.

    Returns ``(a_only, b_only, p_value)``.

    >>> a = torch.tensor([True] * 10 + [False] * 2)
    >>> b = torch.tensor([False] * 10 + [True] * 2)
    >>> a_only, b_only, p = mcnemar(a, b)
    >>> a_only, b_only, round(p, 4)
    (10, 2, 0.0386)
    """
    if correct_a.shape != correct_b.shape:
        raise ValueError(f"both classifiers must be scored on the same examples, got shapes "
                         f"{tuple(correct_a.shape)} and {tuple(correct_b.shape)}")
    a_only = int((correct_a.bool() & ~correct_b.bool()).sum())
    b_only = int((correct_b.bool() & ~correct_a.bool()).sum())
    n, k = a_only + b_only, min(a_only, b_only)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return a_only, b_only, min(1.0, 2 * tail)
