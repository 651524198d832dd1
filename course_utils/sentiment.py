"""Sentence classification with padded, length-bucketed batches (notebook 08).

    ids = encode([text.tokenize(s, "word") for s, _ in pairs], vocab)   # list of (L_i,) id tensors
    data = epochs(ids, labels, batch_sizes=(256, 64), pad_id=vocab.pad)  # for training.fit
    fit(model, data, models.classification_loss, steps=..., optimizer=SparseDenseAdam(model, 3e-3), clip=1.0)
    p = predict_proba(model, ids, vocab.pad)              # (N,) P(positive), in the input order
    occlusion(model, tokens, vocab)                       # how much each word moved P(positive)

Every model here is called as ``model(X, lengths)`` with ``X`` (B, T) ids right-padded with
``pad_id`` and ``lengths`` (B,), and returns two logits per sentence (negative, positive).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

from .text import Vocab, length_buckets, pad_batch
from .training import eval_mode

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # X (B, T), lengths (B,), y (B,)


def encode(sentences: Sequence[Sequence[str]], vocab: Vocab) -> list[torch.Tensor]:
    """Token lists -> id tensors, one per sentence; an empty sentence becomes one ``<unk>``."""
    return [torch.tensor(vocab.encode(tokens) or [vocab.unk]) for tokens in sentences]


def batches(ids: Sequence[torch.Tensor], labels: torch.Tensor, batch_size: int, pad_id: int,
            shuffle: bool = True, generator: torch.Generator | None = None) -> Iterator[Batch]:
    """One pass over the data in length buckets: ``(X (B, T), lengths (B,), y (B,))`` per batch."""
    if len(ids) != len(labels):
        raise ValueError(f"got {len(ids)} sentences but {len(labels)} labels; they must pair up")
    lengths = torch.tensor([len(s) for s in ids])  # (N,)
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
    lengths = torch.tensor([len(s) for s in ids])  # (N,)
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
