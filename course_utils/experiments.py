"""Training recipes the notebooks share: the first-symbol memory task, trained and measured.

    model = memory_model("lstm")                      # embedding -> LSTM (forget bias +4) -> head
    held = tasks.first_symbol_batch(1000, 100)
    history = fit_first_symbol(model, 100, 300, held) # one gap T = 100, fresh batches every step
    history = fit_first_symbol(model, (5, 200), 600, held)  # gaps drawn from 5..200, log-uniform
    accuracy_by_gap(model, held_out_sets([5, 50, 200]))  # {5: 1.0, 50: 1.0, 200: 0.99}

``memory_sweep`` is the "how far back can each cell remember?" experiment of notebook 04: one
model per cell, each trained on the same batches, then tested at every gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch
from tqdm.auto import tqdm

from . import metrics, models, tasks, training

CELLS = ("rnn", "irnn", "lstm", "gru")
"""The cells of the memory experiment: tanh RNN, IRNN (ReLU, ``W_hh = I``), LSTM and GRU."""

Gap = int | tuple[int, int]


def memory_model(kind: str, num_symbols: int = 8, embed_size: int = 16, hidden_size: int = 64,
                 gate_bias: float | None = 4.0, nonlinearity: str = "tanh",
                 identity: bool = False) -> models.SequenceClassifier:
    """A first-symbol classifier (embedding -> recurrent layer -> last state -> logits).

    ``kind``: ``"rnn"`` (PyTorch's initialisation; ``nonlinearity="relu"`` for a ReLU RNN,
    ``identity=True`` for ``W_hh = I`` and zero biases), ``"irnn"`` (both: ReLU with the identity,
    Le et al. 2015), ``"lstm"`` or ``"gru"``, whose keep gate (the LSTM's forget gate, the GRU's
    update gate) starts with bias ``gate_bias`` (``None``: PyTorch's default).

    >>> memory_model("rnn", nonlinearity="relu", identity=True).rnn.impl.nonlinearity
    'relu'
    """
    if kind not in CELLS:
        raise ValueError(f"kind must be one of {CELLS}, got {kind!r}")
    if kind == "irnn":
        kind, nonlinearity, identity = "rnn", "relu", True
    if kind != "rnn" and (identity or nonlinearity != "tanh"):
        raise ValueError(f"nonlinearity and identity are options of kind='rnn', not {kind!r}")
    options = {"nonlinearity": nonlinearity} if nonlinearity != "tanh" else {}
    model = models.SequenceClassifier(num_symbols, num_symbols, kind, embed_size=embed_size,
                                      hidden_size=hidden_size, **options)
    if identity:
        models.init_identity(model.rnn)
    elif kind in ("lstm", "gru") and gate_bias is not None:
        models.init_gate_bias(model.rnn, gate_bias)
    return model


def sample_gap(gap: Gap, generator: torch.Generator) -> int:
    """``gap`` itself if it is a number; for ``(shortest, longest)`` a gap drawn log-uniformly.

    Log-uniform means as many draws between 5 and 10 as between 100 and 200: every scale of
    distance is seen equally often, and short gaps, which teach fastest, are common.

    >>> g = torch.Generator().manual_seed(0)
    >>> draws = [sample_gap((5, 200), g) for _ in range(1000)]
    >>> min(draws) >= 5 and max(draws) <= 200 and sample_gap(7, g) == 7
    True
    """
    if isinstance(gap, int):
        return gap
    shortest, longest = gap
    if not 1 <= shortest <= longest:
        raise ValueError(f"a gap range needs 1 <= shortest <= longest, got {gap}")
    u = torch.rand((), generator=generator).item()
    return min(longest, max(shortest, round(math.exp(
        math.log(shortest) + u * (math.log(longest) - math.log(shortest))))))


def first_symbol_batches(gap: Gap, batch_size: int = 64, num_symbols: int = 8,
                         generator: torch.Generator | None = None) -> Callable[[], list]:
    """A data source for ``training.fit``: each call gives one fresh batch ``[(X (B, T), y (B,))]``.

    ``gap`` is a sequence length T, or ``(shortest, longest)`` for a new T per batch
    (``sample_gap``); every sequence of a batch has the same length.
    """
    generator = generator or torch.Generator().manual_seed(0)

    def one_batch():
        length = sample_gap(gap, generator)
        return [tasks.first_symbol_batch(batch_size, length, num_symbols, generator=generator)]

    return one_batch


def fit_first_symbol(model, length: Gap, steps: int, held_out: tuple[torch.Tensor, torch.Tensor], *,
                     num_symbols: int = 8, batch_size: int = 64, lr: float = 3e-3, clip: float = 1.0,
                     seed: int = 0, eval_every: int | None = None, desc: str = "first symbol",
                     progress: bool = True) -> training.History:
    """Train a classifier on first-symbol recall and return its ``training.History``.

    Every step draws ``batch_size`` fresh sequences from a generator seeded with ``seed``, so
    models trained with the same seed see exactly the same batches; Adam with gradient-norm
    clipping. ``length`` is the gap T, or ``(shortest, longest)`` to draw T per batch
    (``sample_gap``). ``held_out`` is ``(X, y)`` from ``tasks.first_symbol_batch``; its accuracy
    is evaluated every ``eval_every`` steps (default: once, at the end).
    """
    generator = torch.Generator().manual_seed(seed)
    X_held, y_held = held_out
    return training.fit(
        model, first_symbol_batches(length, batch_size, num_symbols, generator),
        models.classification_loss, steps=steps, lr=lr, clip=clip, eval_every=eval_every,
        desc=desc, progress=progress, evaluate=lambda m: metrics.evaluate_classifier(m, X_held, y_held))


def held_out_sets(lengths: Iterable[int], num_examples: int = 1000, num_symbols: int = 8,
                  seed: int = 0) -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
    """One fixed held-out set ``(X (N, T), y (N,))`` per gap T, from generators apart from training's."""
    return {T: tasks.first_symbol_batch(num_examples, T, num_symbols,
                                        generator=torch.Generator().manual_seed(10_000 + 1_000 * seed + T))
            for T in lengths}


def accuracy_by_gap(model, held_out: dict[int, tuple[torch.Tensor, torch.Tensor]]) -> dict[int, float]:
    """Held-out accuracy at every gap T of ``held_out`` (from ``held_out_sets``)."""
    device = next(model.parameters()).device
    return {T: metrics.evaluate_classifier(model, X.to(device), y.to(device))["accuracy"]
            for T, (X, y) in held_out.items()}


def memory_sweep(cells: Iterable[str], lengths: Iterable[int], steps: int, train_gap: Gap, *,
                 seed: int = 0, device=None, num_symbols: int = 8, gate_bias: float = 4.0,
                 hidden_size: int = 64, lr: float = 3e-3, num_examples: int = 1000,
                 progress: bool = True) -> tuple[dict[str, dict[int, float]], dict[str, training.History]]:
    """How far back can each cell remember? Train one model per cell, then test it at every gap.

    Each model is trained for ``steps`` steps on ``train_gap`` (a gap, or a range drawn
    log-uniformly), from ``torch.manual_seed(seed)`` and on the same batches; then its accuracy
    is measured on ``num_examples`` held-out sequences at every T in ``lengths``. Returns
    ``({cell: {T: accuracy}}, {cell: History})``; chance is ``1 / num_symbols``.
    """
    lengths = list(lengths)
    held_out = held_out_sets(lengths, num_examples, num_symbols, seed)
    accuracy, histories = {}, {}
    for cell in tqdm(list(cells), desc="cells", disable=not progress, leave=False):
        torch.manual_seed(seed)
        model = memory_model(cell, num_symbols, hidden_size=hidden_size, gate_bias=gate_bias)
        model = model.to(device or "cpu")
        histories[cell] = fit_first_symbol(model, train_gap, steps, held_out[max(lengths)],
                                           num_symbols=num_symbols, lr=lr, seed=seed, desc=cell,
                                           progress=progress)
        longest = max(lengths)  # fit_first_symbol has just measured it: not twice
        others = accuracy_by_gap(model, {T: data for T, data in held_out.items() if T != longest})
        accuracy[cell] = {T: histories[cell].last("accuracy") if T == longest else others[T] for T in held_out}
    return accuracy, histories


PRONOUN_SUBJECTS = (("king", "father", "boy", "man"), ("queen", "mother", "girl", "woman"))
"""Subjects for ``pronoun_batch``: the first group takes *he*, the second *she*."""
PRONOUN_FILLERS = ("walked", "to", "the", "old", "market", "and", "then", "slowly", "went", "home",
                   "after", "a", "long", "day", "in", "town", "with", "some", "bread", "today")
"""Words between the subjects: none of them tells the gender."""
PRONOUN_TOKENS = (*PRONOUN_SUBJECTS[0], *PRONOUN_SUBJECTS[1], *PRONOUN_FILLERS)
"""The vocabulary of ``pronoun_batch``: token id ``k`` is ``PRONOUN_TOKENS[k]``."""


def pronoun_batch(batch_size: int, length: int, max_subjects: int = 3,
                  generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Which pronoun comes next, *he* or *she*? It depends on the most recent subject only.

    Each sequence of ``length`` tokens holds 1 to ``max_subjects`` subjects (ids 0-3 take *he*,
    4-7 *she*, ``PRONOUN_SUBJECTS``) at random steps among filler words (ids 8 and up), the first
    in the first half. Returns ``X`` (B, length) token ids, ``y`` (B,) the pronoun after the last
    step (0 *he*, 1 *she*: the gender of the **last** subject) and ``is_subject`` (B, length), True
    where a subject stands. A model that keeps an earlier subject's gender, or forgets the last one
    among the fillers, is wrong whenever the two differ.

    >>> X, y, at = pronoun_batch(2, 12, generator=torch.Generator().manual_seed(0))
    >>> X.shape, y.shape, bool(((X < 8) == at).all())
    (torch.Size([2, 12]), torch.Size([2]), True)
    """
    if length < 2 * max_subjects or max_subjects < 1:
        raise ValueError(f"need max_subjects >= 1 and length >= 2 * max_subjects, got {max_subjects}, {length}")
    num_fillers = len(PRONOUN_FILLERS)
    X = 8 + torch.randint(0, num_fillers, (batch_size, length), generator=generator)  # (B, T) fillers
    is_subject = torch.zeros(batch_size, length, dtype=torch.bool)
    y = torch.empty(batch_size, dtype=torch.long)
    counts = torch.randint(1, max_subjects + 1, (batch_size,), generator=generator)  # (B,)
    for b, count in enumerate(counts.tolist()):
        first = torch.randint(0, length // 2, (1,), generator=generator)  # (1,) in the first half
        rest = torch.randperm(length - 1 - int(first), generator=generator)[:count - 1] + int(first) + 1
        steps = torch.cat([first, rest])  # (count,) distinct steps
        genders = torch.randint(0, 2, (count,), generator=generator)  # (count,) 0 he, 1 she
        X[b, steps] = 4 * genders + torch.randint(0, 4, (count,), generator=generator)
        is_subject[b, steps] = True
        y[b] = genders[steps.argmax()]  # the gender of the last subject
    return X, y, is_subject
