"""Models built on a recurrent layer whose cell is chosen by one argument: rnn, lstm or gru.

    lm = LanguageModel(vocab_size=28, kind="lstm", hidden_size=128)
    logits, state = lm(X)                     # X (B, T) token ids -> logits (B, T, V)
    text = generate(lm, vocab, "the time ", num_tokens=50, temperature=0.8)

``RecurrentLayer(kind, ..., scratch=False)`` uses PyTorch's fused ``nn.RNN`` / ``nn.LSTM`` /
``nn.GRU`` (fast, cuDNN on a GPU); ``scratch=True`` runs the course's own cells from
``course_utils.cells`` through the same interface, so a notebook can swap one for the other.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .cells import State, Unrolled, make_cell
from .training import eval_mode

KINDS = ("rnn", "lstm", "gru")


class RecurrentLayer(nn.Module):
    """Recurrent layers over batch-first sequences: ``X`` (B, T, D) -> outputs (B, T, D*H), state.

    ``kind`` picks the cell (rnn, lstm, gru); ``scratch=True`` runs the course's own cells from
    ``course_utils.cells`` instead of PyTorch's fused layer, with the same weights' shapes and the
    same results. ``num_layers`` stacks layers (``dropout`` between them); ``bidirectional`` adds
    a second layer reading each sequence backwards (D = 2), its outputs concatenated.
    ``cell_kwargs`` go to the cell, e.g. ``nonlinearity="relu"`` for the rnn.

    ``lengths`` (B,) marks right-padded batches: sequence ``b`` is real for its first
    ``lengths[b]`` steps. Outputs at padding steps are zero and the final state is the state at
    each sequence's last real step (PyTorch's packed sequences; a mask for the course's cells), so
    a padded batch gives what each sequence gives alone.

    The state is ``h`` (B, H), or ``(h, c)`` for lstm, for one unidirectional layer; otherwise it
    has PyTorch's layout (num_layers * D, B, H), layer by layer, forward direction first.
    """

    def __init__(self, kind: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0, scratch: bool = False,
                 **cell_kwargs) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.kind, self.scratch, self.hidden_size = kind, scratch, hidden_size
        self.input_size, self.num_layers = input_size, num_layers
        self.num_directions = 2 if bidirectional else 1
        if scratch:
            loops = [Unrolled(make_cell(kind, self._layer_input(layer), hidden_size, **cell_kwargs))
                     for layer in range(num_layers) for _ in range(self.num_directions)]
            self.impl = loops[0] if len(loops) == 1 else nn.ModuleList(loops)
            self.between = nn.Dropout(dropout)
        else:
            torch_cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
            self.impl = torch_cls(input_size, hidden_size, num_layers=num_layers, dropout=dropout,
                                  bidirectional=bidirectional, batch_first=True, **cell_kwargs)

    def _layer_input(self, layer: int) -> int:
        return self.input_size if layer == 0 else self.num_directions * self.hidden_size

    @property
    def output_size(self) -> int:
        """Features per step of the outputs: ``hidden_size``, twice that if bidirectional."""
        return self.num_directions * self.hidden_size

    def forward(self, X: torch.Tensor, state: State | None = None,
                lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, State]:
        self._check(X, lengths)
        squeeze = self.num_layers * self.num_directions == 1
        if state is not None and squeeze:  # ours (B, H) -> PyTorch's (1, B, H)
            state = _map_state(state, lambda s: s.unsqueeze(0))
        if self.scratch:
            outputs, state = self._scratch_forward(X, state, lengths)
        elif lengths is not None:
            packed = pack_padded_sequence(X, lengths.cpu(), batch_first=True, enforce_sorted=False)
            packed_out, state = self.impl(packed, state)
            outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=X.shape[1])
        else:
            outputs, state = self.impl(X, state)  # (B, T, D*H)
        if squeeze:
            state = _map_state(state, lambda s: s.squeeze(0))
        return outputs, state

    def _check(self, X: torch.Tensor, lengths: torch.Tensor | None) -> None:
        if X.dim() != 3:
            raise ValueError(f"expected X of shape (batch, steps, features), got {tuple(X.shape)}; "
                             f"add a batch dimension with X[None] or a feature one with X[..., None]")
        if X.shape[-1] != self.input_size:
            raise ValueError(f"expected {self.input_size} features per step, got X of shape "
                             f"{tuple(X.shape)}: is the layer's input_size right?")
        if lengths is None:
            return
        if lengths.shape != (X.shape[0],):
            raise ValueError(f"lengths must have shape (batch,) = ({X.shape[0]},), got {tuple(lengths.shape)}")
        if len(lengths) and (int(lengths.min()) < 1 or int(lengths.max()) > X.shape[1]):
            raise ValueError(f"lengths must lie in [1, {X.shape[1]}] (the padded length), got "
                             f"{int(lengths.min())}..{int(lengths.max())}")

    def _scratch_forward(self, X, state, lengths):
        loops = [self.impl] if isinstance(self.impl, Unrolled) else list(self.impl)
        inputs, finals = X, []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                start = None if state is None else _map_state(state, lambda s, k=k: s[k])
                x = inputs if direction == 0 else reverse_padded(inputs, lengths)
                out, final = loops[k](x, start, lengths)  # (B, T, H)
                outputs.append(out if direction == 0 else reverse_padded(out, lengths))
                finals.append(final)
            inputs = torch.cat(outputs, dim=-1)  # (B, T, D*H)
            if layer < self.num_layers - 1:
                inputs = self.between(inputs)
        if self.kind == "lstm":
            return inputs, (torch.stack([h for h, _ in finals]), torch.stack([c for _, c in finals]))
        return inputs, torch.stack(finals)  # (L*D, B, H)


def _map_state(state: State, fn) -> State:
    return tuple(fn(s) for s in state) if isinstance(state, tuple) else fn(state)


def reverse_padded(X: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverse each sequence of ``X`` (B, T, ...) within its real length; padding stays in place.

    >>> reverse_padded(torch.tensor([[1, 2, 3], [4, 5, 0]]), torch.tensor([3, 2])).tolist()
    [[3, 2, 1], [5, 4, 0]]
    """
    if lengths is None:
        return X.flip(1)
    T = X.shape[1]
    steps = torch.arange(T, device=X.device)[None]  # (1, T)
    mirrored = lengths.to(X.device)[:, None] - 1 - steps  # (B, T)
    index = torch.where(mirrored >= 0, mirrored, steps)  # (B, T)
    index = index.reshape(*index.shape, *[1] * (X.dim() - 2)).expand_as(X)
    return X.gather(1, index)


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
    output logits (B, T, vocab_size) and the final state. ``num_layers`` and ``cell_kwargs``
    (e.g. ``nonlinearity="relu"``) go to the ``RecurrentLayer``.
    """

    def __init__(self, vocab_size: int, kind: str = "lstm", hidden_size: int = 128,
                 embed_size: int | None = 32, dropout: float = 0.0, scratch: bool = False,
                 num_layers: int = 1, **cell_kwargs) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_size) if embed_size else None
        self.rnn = RecurrentLayer(kind, embed_size or vocab_size, hidden_size, num_layers=num_layers,
                                  dropout=dropout if num_layers > 1 else 0.0, scratch=scratch,
                                  **cell_kwargs)
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


POOLINGS = ("last", "mean", "max")


class SequenceClassifier(nn.Module):
    """Many-to-one: embedding -> recurrent layer -> one vector per sequence -> class logits (B, C).

    ``pooling`` reads the sequence's real steps only (give ``lengths`` for right-padded batches):
    ``"last"`` the output at the last real step (and, if bidirectional, the backward direction's
    output at the first step: each direction's final state), ``"mean"`` or ``"max"`` over the real
    steps. ``dropout`` applies to the embeddings and to the pooled vector. ``num_layers``,
    ``bidirectional`` and ``cell_kwargs`` go to the ``RecurrentLayer``. A unidirectional layer
    runs over the padded batch as it is (the padding comes after every real step, so it cannot
    change them); a bidirectional one reads packed sequences.
    """

    def __init__(self, vocab_size: int, num_classes: int, kind: str = "lstm",
                 embed_size: int = 32, hidden_size: int = 64, scratch: bool = False,
                 num_layers: int = 1, bidirectional: bool = False, pooling: str = "last",
                 dropout: float = 0.0, pad_id: int | None = None, **cell_kwargs) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.vocab_size, self.pooling = vocab_size, pooling
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=pad_id)
        self.rnn = RecurrentLayer(kind, embed_size, hidden_size, num_layers=num_layers,
                                  bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0,
                                  scratch=scratch, **cell_kwargs)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.rnn.output_size, num_classes)

    def forward(self, X: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        check_token_ids(X, self.vocab_size)
        embedded = self.dropout(self.embedding(X))  # (B, T, E)
        self.rnn._check(embedded, lengths)
        # Right padding comes after every real step, so a left-to-right layer reads the real steps
        # exactly as without it: no packing needed (cheaper), the pooling skips the padding. A
        # backward direction would start in the padding: it reads packed sequences.
        packed_lengths = lengths if self.rnn.num_directions == 2 else None
        outputs, _ = self.rnn(embedded, lengths=packed_lengths)  # (B, T, D*H)
        pooled = pool(outputs, lengths, self.pooling, self.rnn.num_directions)  # (B, D*H)
        return self.head(self.dropout(pooled))  # (B, C)


def pool(outputs: torch.Tensor, lengths: torch.Tensor | None, how: str = "last",
         num_directions: int = 1) -> torch.Tensor:
    """One vector per sequence from ``outputs`` (B, T, F), reading real steps only -> (B, F).

    >>> out = torch.tensor([[[1.], [5.], [0.]], [[2.], [0.], [0.]]])   # (2, 3, 1), lengths 2 and 1
    >>> [pool(out, torch.tensor([2, 1]), how).tolist() for how in ("last", "mean", "max")]
    [[[5.0], [2.0]], [[3.0], [2.0]], [[5.0], [2.0]]]
    """
    B, T, F = outputs.shape
    if lengths is None:
        lengths = torch.full((B,), T, device=outputs.device)
    lengths = lengths.to(outputs.device)
    real = torch.arange(T, device=outputs.device)[None] < lengths[:, None]  # (B, T)
    if how == "mean":
        return (outputs * real[..., None]).sum(1) / lengths[:, None].to(outputs.dtype)
    if how == "max":
        return outputs.masked_fill(~real[..., None], float("-inf")).amax(1)
    if how != "last":
        raise ValueError(f"pooling must be one of {POOLINGS}, got {how!r}")
    last = outputs[torch.arange(B, device=outputs.device), lengths - 1]  # (B, F)
    if num_directions == 1:
        return last
    H = F // 2  # the backward direction ends at step 0
    return torch.cat([last[:, :H], outputs[:, 0, H:]], dim=-1)


def lm_loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy of next-token predictions, for ``training.fit``."""
    X, Y = batch  # (B, T), (B, T)
    logits, _ = model(X)  # (B, T, V)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))


def classification_loss(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Mean cross-entropy of a classifier's logits (B, C) against labels (B,), for ``training.fit``.

    ``batch`` is ``(X, y)`` or ``(X, lengths, y)``: everything but the labels goes to the model.
    """
    *inputs, y = batch  # (B, ...), [(B,)], (B,)
    return nn.functional.cross_entropy(model(*inputs), y)


@torch.no_grad()
def sample(model: nn.Module, start: torch.Tensor, max_len: int, temperature: float = 1.0,
           stop_id: int | None = None, forbid: Sequence[int] = (),
           generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample up to ``max_len`` tokens for a batch of sequences, each fed back in as the next input.

    ``model(X, state)`` maps ids (B, T) to logits (B, T, V) and a state (``LanguageModel`` does).
    ``start`` (B, P) is what every sequence begins with; the state carries everything after it,
    one step at a time. ``temperature`` divides the logits (0: always the most likely token).
    Tokens in ``forbid`` (e.g. ``<unk>``) are never drawn. A sequence that draws ``stop_id`` has
    ended: its length is the number of tokens before the stop, and the batch stops early once
    every sequence has ended.

    Returns ``ids`` (B, max_len), the tokens drawn (after each sequence's end: whatever was
    drawn, to be cut at its length) and ``lengths`` (B,): the stop's position, or ``max_len``
    for a sequence that never stopped (compare with ``max_len`` to tell them apart).
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if start.dim() != 2 or start.shape[1] < 1:
        raise ValueError(f"start must be ids of shape (batch, length >= 1), got {tuple(start.shape)}")
    device = next(model.parameters()).device
    B = start.shape[0]
    out = torch.zeros(B, max_len, dtype=torch.long)  # (B, max_len)
    lengths = torch.full((B,), max_len)  # (B,)
    done = torch.zeros(B, dtype=torch.bool)  # (B,)
    with eval_mode(model):
        logits, state = model(start.to(device))  # (B, P, V): the state has read the start
        for t in range(max_len):
            last = logits[:, -1].float().cpu().clone()  # (B, V)
            last[:, list(forbid)] = -float("inf")
            if temperature == 0:
                next_ids = last.argmax(-1)  # (B,)
            else:
                probs = torch.softmax(last / temperature, dim=-1)  # (B, V)
                next_ids = torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (B,)
            out[:, t] = next_ids
            if stop_id is not None:
                ended = (next_ids == stop_id) & ~done  # (B,)
                lengths[ended] = t
                done |= ended
                if bool(done.all()):
                    break
            logits, state = model(next_ids[:, None].to(device), state)  # (B, 1, V)
    return out, lengths


def generate(model: LanguageModel, vocab, prefix: str | list[str], num_tokens: int,
             temperature: float = 1.0, generator: torch.Generator | None = None) -> str:
    """Continue ``prefix`` by sampling ``num_tokens`` tokens, one at a time, feeding each back in.

    ``temperature`` divides the logits: below 1 sharpens the distribution (safer, repetitive),
    above 1 flattens it (more surprising, more mistakes). ``temperature=0`` takes the most likely
    token. Characters are joined with ``""``, words with ``" "``. One sequence of ``sample``.
    """
    tokens = list(prefix)
    start = torch.tensor([vocab.encode(tokens)])  # (1, P)
    ids, _ = sample(model, start, num_tokens, temperature, generator=generator)  # (1, num_tokens)
    sep = "" if isinstance(prefix, str) else " "
    return sep.join(tokens + vocab.decode(ids[0].tolist()))


def scratch_cells(layer: RecurrentLayer) -> list[nn.Module]:
    """The course's cells of a ``scratch=True`` layer, layer by layer, forward direction first."""
    loops = [layer.impl] if isinstance(layer.impl, Unrolled) else list(layer.impl)
    return [loop.cell for loop in loops]


@torch.no_grad()
def init_gate_bias(layer: RecurrentLayer, value: float) -> RecurrentLayer:
    """Bias a gated layer towards remembering: the LSTM forget gate, or the GRU update gate.

    With ``value`` = +2 to +4 the gate starts near 1, so the cell state (LSTM) or hidden state
    (GRU) is copied forward almost unchanged and gradients reach far back from the first step.
    Every stacked layer and direction gets the same bias.
    """
    if layer.kind not in ("lstm", "gru"):
        raise ValueError(f"init_gate_bias needs an lstm or gru layer, got {layer.kind!r}")
    H = layer.hidden_size
    if not layer.scratch:  # PyTorch's order: LSTM input, forget, ...; GRU reset, update, ...
        for name, b in layer.impl.named_parameters():
            if name.startswith("bias_"):
                b[H:2 * H] = value / 2  # b_ih + b_hh = value
        return layer
    for cell in scratch_cells(layer):
        if layer.kind == "lstm":
            cell.W_f.bias.fill_(value)
        else:
            cell.W_xz.bias.fill_(value)
            cell.W_hz.bias.zero_()
    return layer


@torch.no_grad()
def init_identity(layer: RecurrentLayer) -> RecurrentLayer:
    """Identity recurrent matrix and zero biases (Le et al., 2015: the IRNN trick, with ReLU)."""
    if layer.kind != "rnn":
        raise ValueError(f"init_identity is for vanilla rnn layers, got {layer.kind!r}")
    eye = torch.eye(layer.hidden_size)
    if layer.scratch:
        for cell in scratch_cells(layer):
            cell.W_hh.weight.copy_(eye)
            cell.W_hh.bias.zero_()
            cell.W_xh.bias.zero_()
        return layer
    for name, p in layer.impl.named_parameters():
        if name.startswith("weight_hh"):
            p.copy_(eye)
        elif name.startswith("bias_"):
            p.zero_()
    return layer
