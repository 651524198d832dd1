"""Models built on a recurrent layer whose cell is chosen by one argument: rnn, lstm or gru.

    lm = LanguageModel(vocab_size=28, kind="lstm", hidden_size=128)
    logits, state = lm(X)                     # X (B, T) token ids -> logits (B, T, V)
    text = generate(lm, vocab, "the time ", num_tokens=50, temperature=0.8)

``RecurrentLayer(kind, ..., scratch=False)`` uses PyTorch's fused ``nn.RNN`` / ``nn.LSTM`` /
``nn.GRU`` (fast, cuDNN on a GPU); ``scratch=True`` runs the course's own cells from
``course_utils.cells`` through the same interface, so a notebook can swap one for the other.
"""

from __future__ import annotations

import torch
from torch import nn

from .cells import State, Unrolled, make_cell

KINDS = ("rnn", "lstm", "gru")


class RecurrentLayer(nn.Module):
    """One recurrent layer over batch-first sequences: ``X`` (B, T, D) -> outputs (B, T, H), state.

    The state is ``h`` (B, H) for rnn and gru, ``(h, c)`` for lstm, in both implementations.
    """

    def __init__(self, kind: str, input_size: int, hidden_size: int, scratch: bool = False,
                 **cell_kwargs) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.kind, self.scratch, self.hidden_size = kind, scratch, hidden_size
        if scratch:
            self.impl = Unrolled(make_cell(kind, input_size, hidden_size, **cell_kwargs))
        else:
            torch_cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
            self.impl = torch_cls(input_size, hidden_size, batch_first=True, **cell_kwargs)

    def forward(self, X: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        if X.dim() != 3:
            raise ValueError(f"expected X of shape (batch, steps, features), got {tuple(X.shape)}; "
                             f"add a batch dimension with X[None] or a feature one with X[..., None]")
        if self.scratch:
            return self.impl(X, state)
        if state is not None:  # ours (B, H) -> PyTorch's (layers=1, B, H)
            state = tuple(s.unsqueeze(0) for s in state) if self.kind == "lstm" else state.unsqueeze(0)
        outputs, state = self.impl(X, state)  # (B, T, H)
        state = tuple(s.squeeze(0) for s in state) if self.kind == "lstm" else state.squeeze(0)
        return outputs, state


def check_token_ids(X: torch.Tensor, vocab_size: int) -> None:
    """Raise a clear error unless ``X`` is a (batch, steps) tensor of ids in ``[0, vocab_size)``."""
    if X.dim() != 2 or X.dtype not in (torch.int64, torch.int32):
        raise ValueError(f"expected token ids of shape (batch, steps) and an integer dtype, got shape "
                         f"{tuple(X.shape)} and {X.dtype}; encode text with Vocab.encode and add a "
                         f"batch dimension with ids[None]")
    if X.numel() and (int(X.min()) < 0 or int(X.max()) >= vocab_size):
        raise ValueError(f"token ids must lie in [0, {vocab_size}), got {int(X.min())}..{int(X.max())}: "
                         f"was the text encoded with the model's own vocabulary?")


def detach_state(state: State) -> State:
    """Cut the graph behind a carried state (truncated backpropagation through time)."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


class LanguageModel(nn.Module):
    """Next-token model: embedding (or one-hot) -> recurrent layer -> dropout -> linear.

    ``embed_size=None`` feeds one-hot vectors, as in the lecture. Input ``X`` (B, T) ids;
    output logits (B, T, vocab_size) and the final state.
    """

    def __init__(self, vocab_size: int, kind: str = "lstm", hidden_size: int = 128,
                 embed_size: int | None = 32, dropout: float = 0.0, scratch: bool = False) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_size) if embed_size else None
        self.rnn = RecurrentLayer(kind, embed_size or vocab_size, hidden_size, scratch=scratch)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def embed(self, X: torch.Tensor) -> torch.Tensor:
        if self.embedding is None:
            return nn.functional.one_hot(X, self.vocab_size).float()  # (B, T, V)
        return self.dropout(self.embedding(X))  # (B, T, E)

    def forward(self, X: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        check_token_ids(X, self.vocab_size)
        outputs, state = self.rnn(self.embed(X), state)  # (B, T, H)
        return self.head(self.dropout(outputs)), state  # (B, T, V)


class SequenceClassifier(nn.Module):
    """Many-to-one: embedding -> recurrent layer -> the last hidden state -> class logits (B, C)."""

    def __init__(self, vocab_size: int, num_classes: int, kind: str = "lstm",
                 embed_size: int = 32, hidden_size: int = 64, scratch: bool = False) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = RecurrentLayer(kind, embed_size, hidden_size, scratch=scratch)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        check_token_ids(X, self.vocab_size)
        outputs, _ = self.rnn(self.embedding(X))  # (B, T, H)
        return self.head(outputs[:, -1])  # (B, C)


def lm_loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy of next-token predictions, for ``training.fit``."""
    X, Y = batch  # (B, T), (B, T)
    logits, _ = model(X)  # (B, T, V)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))


def classification_loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy of a classifier's logits (B, C) against labels (B,), for ``training.fit``."""
    X, y = batch  # (B, ...), (B,)
    return nn.functional.cross_entropy(model(X), y)


@torch.no_grad()
def generate(model: LanguageModel, vocab, prefix: str | list[str], num_tokens: int,
             temperature: float = 1.0, generator: torch.Generator | None = None) -> str:
    """Continue ``prefix`` by sampling ``num_tokens`` tokens, one at a time, feeding each back in.

    ``temperature`` divides the logits: below 1 sharpens the distribution (safer, repetitive),
    above 1 flattens it (more surprising, more mistakes). ``temperature=0`` takes the most likely
    token. Characters are joined with ``""``, words with ``" "``.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    tokens = list(prefix)
    ids = torch.tensor([vocab.encode(tokens)], device=device)  # (1, P)
    logits, state = model(ids)  # warm up the state on the prefix
    for _ in range(num_tokens):
        last = logits[0, -1]  # (V,)
        if temperature == 0:
            next_id = int(last.argmax())
        else:
            probs = torch.softmax(last / temperature, dim=-1)
            next_id = int(torch.multinomial(probs.cpu(), 1, generator=generator))
        tokens.append(vocab.idx_to_token[next_id])
        logits, state = model(torch.tensor([[next_id]], device=device), state)
    model.train(was_training)
    sep = "" if isinstance(prefix, str) else " "
    return sep.join(tokens)


@torch.no_grad()
def init_gate_bias(layer: RecurrentLayer, value: float) -> RecurrentLayer:
    """Bias a gated layer towards remembering: the LSTM forget gate, or the GRU update gate.

    With ``value`` = +2 to +4 the gate starts near 1, so the cell state (LSTM) or hidden state
    (GRU) is copied forward almost unchanged and gradients reach far back from the first step.
    """
    H = layer.hidden_size
    if layer.kind == "lstm" and not layer.scratch:
        for b in (layer.impl.bias_ih_l0, layer.impl.bias_hh_l0):
            b[H:2 * H] = value / 2  # PyTorch order: input, forget, candidate, output
    elif layer.kind == "lstm":
        layer.impl.cell.W_f.bias.fill_(value)
    elif layer.kind == "gru" and not layer.scratch:
        for b in (layer.impl.bias_ih_l0, layer.impl.bias_hh_l0):
            b[H:2 * H] = value / 2  # PyTorch order: reset, update, candidate
    elif layer.kind == "gru":
        layer.impl.cell.W_xz.bias.fill_(value), layer.impl.cell.W_hz.bias.zero_()
    else:
        raise ValueError(f"init_gate_bias needs an lstm or gru layer, got {layer.kind!r}")
    return layer


@torch.no_grad()
def init_identity(layer: RecurrentLayer) -> RecurrentLayer:
    """Identity recurrent matrix and zero biases (Le et al., 2015: the IRNN trick, with ReLU)."""
    if layer.kind != "rnn":
        raise ValueError(f"init_identity is for vanilla rnn layers, got {layer.kind!r}")
    if layer.scratch:
        cell = layer.impl.cell
        cell.W_hh.weight.copy_(torch.eye(layer.hidden_size)), cell.W_hh.bias.zero_()
        cell.W_xh.bias.zero_()
    else:
        layer.impl.weight_hh_l0.copy_(torch.eye(layer.hidden_size))
        layer.impl.bias_hh_l0.zero_(), layer.impl.bias_ih_l0.zero_()
    return layer
