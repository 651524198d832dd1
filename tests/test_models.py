import pytest
import torch

from course_utils import cells, models, text
from course_utils.cells import copy_from_torch
from course_utils.text import Vocab


def _twins(kind, D=5, H=7):
    """The same layer twice: PyTorch's fused implementation and the course's cells."""
    torch.manual_seed(0)
    fused = models.RecurrentLayer(kind, D, H)
    scratch = models.RecurrentLayer(kind, D, H, scratch=True)
    copy_from_torch(scratch.impl.cell, fused.impl)
    return fused, scratch


@pytest.mark.parametrize("kind", models.KINDS)
def test_scratch_and_fused_layers_agree_with_and_without_state(kind):
    fused, scratch = _twins(kind)
    X = torch.randn(3, 6, 5)
    out_f, state_f = fused(X)
    out_s, state_s = scratch(X)
    torch.testing.assert_close(out_f, out_s, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(fused(X, state_f)[0], scratch(X, state_s)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", models.KINDS)
def test_state_shapes_are_the_same_in_both(kind):
    for layer in _twins(kind):
        _, state = layer(torch.randn(2, 4, 5))
        states = state if kind == "lstm" else (state,)
        assert all(s.shape == (2, 7) for s in states)
        detached = models.detach_state(state)
        assert all(not s.requires_grad for s in (detached if kind == "lstm" else (detached,)))


@pytest.mark.parametrize("embed_size", [None, 8])
def test_language_model_shapes_and_loss(embed_size):
    torch.manual_seed(0)
    lm = models.LanguageModel(vocab_size=11, kind="gru", hidden_size=6, embed_size=embed_size)
    X, Y = torch.randint(0, 11, (4, 9)), torch.randint(0, 11, (4, 9))
    logits, state = lm(X)
    assert logits.shape == (4, 9, 11) and state.shape == (4, 6)
    log_probs = torch.log_softmax(logits, dim=-1)  # (B, T, V)
    expected = -log_probs.gather(-1, Y[..., None]).mean()  # mean NLL of each step's target
    torch.testing.assert_close(models.lm_loss(lm, (X, Y)), expected)


def test_classifier_reads_the_last_real_step_not_the_padding():
    torch.manual_seed(0)
    clf = models.SequenceClassifier(vocab_size=10, num_classes=3, kind="lstm", embed_size=4, hidden_size=5)
    sentences = [[1, 2, 3, 4], [5, 6], [7]]
    X, lengths = text.pad_batch(sentences, pad_id=0)
    batched = clf(X, lengths)  # (3, 3)
    alone = torch.cat([clf(torch.tensor([s])) for s in sentences])  # each sentence, no padding
    torch.testing.assert_close(batched, alone)
    other_padding = X.masked_fill(X == 0, 9)
    torch.testing.assert_close(clf(other_padding, lengths), batched)  # what sits in the padding is ignored


@pytest.mark.parametrize("pooling", models.POOLINGS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_pooling_ignores_padding(pooling, bidirectional):
    torch.manual_seed(0)
    clf = models.SequenceClassifier(12, 2, kind="gru", embed_size=4, hidden_size=5, pooling=pooling,
                                    bidirectional=bidirectional)
    sentences = [[3, 4, 5, 6, 7], [8, 9], [10, 11, 3]]
    X, lengths = text.pad_batch(sentences, pad_id=0)
    alone = torch.cat([clf(torch.tensor([s])) for s in sentences])
    torch.testing.assert_close(clf(X, lengths), alone)


def test_pooling_is_explained():
    with pytest.raises(ValueError, match="pooling must be one of"):
        models.SequenceClassifier(5, 2, pooling="attention")


def test_greedy_generation_with_a_carried_state_equals_one_full_pass():
    torch.manual_seed(0)
    vocab = Vocab(list("abcde "))
    lm = models.LanguageModel(len(vocab), kind="lstm", hidden_size=8, embed_size=4)
    greedy = models.generate(lm, vocab, "ab", 10, temperature=0)
    assert len(greedy) == 12 and greedy.startswith("ab")
    ids = torch.tensor([vocab.encode(greedy)])  # (1, 12)
    with torch.no_grad():
        logits, _ = lm(ids)  # the whole text in one pass, no carried state
    predicted = logits[0, 1:-1].argmax(-1)  # the greedy choice after each of positions 1..10
    assert predicted.tolist() == ids[0, 2:].tolist()


def test_sampling_is_seeded_and_restores_the_mode():
    torch.manual_seed(0)
    vocab = Vocab(list("abcde "))
    lm = models.LanguageModel(len(vocab), kind="lstm", hidden_size=8, embed_size=4, dropout=0.5)
    runs = [models.generate(lm, vocab, "a", 20, 1.0, torch.Generator().manual_seed(3)) for _ in range(2)]
    assert runs[0] == runs[1]  # with dropout active, the two runs would differ
    assert lm.training  # generate restores the training mode
    with pytest.raises(ValueError, match="temperature"):
        models.generate(lm, vocab, "a", 1, temperature=-1)
    lm.eval()
    models.generate(lm, vocab, "a", 2)
    assert not lm.training


def test_cell_options_pass_through_the_models():
    lm = models.LanguageModel(7, kind="rnn", hidden_size=4, nonlinearity="relu")
    assert lm.rnn.impl.nonlinearity == "relu"
    lm = models.LanguageModel(7, kind="rnn", hidden_size=4, scratch=True, nonlinearity="relu")
    assert lm.rnn.impl.cell.f is torch.relu
    clf = models.SequenceClassifier(7, 2, kind="gru", scratch=True, reset_after=False)
    assert clf.rnn.impl.cell.reset_after is False


@pytest.mark.parametrize("scratch", [False, True])
def test_lstm_gate_bias_sets_the_forget_gate_in_both_implementations(scratch):
    layer = models.init_gate_bias(models.RecurrentLayer("lstm", 3, 16, scratch=scratch), 4.0)
    cell = layer.impl.cell if scratch else copy_from_torch(cells.LSTMCell(3, 16), layer.impl)
    torch.testing.assert_close(cell.W_f.bias, torch.full((16,), 4.0))
    assert cell.W_i.bias.abs().max() < 1  # the other gates keep their default initialisation


@pytest.mark.parametrize("scratch", [False, True])
def test_gru_gate_bias_keeps_the_state(scratch):
    """With the update gate saturated at 1, H_t = H_{t-1}: the initial state survives 30 steps."""
    torch.manual_seed(0)
    layer = models.init_gate_bias(models.RecurrentLayer("gru", 3, 16, scratch=scratch), 30.0)
    h0 = torch.randn(2, 16)
    _, h = layer(torch.randn(2, 30, 3), h0)
    torch.testing.assert_close(h, h0, atol=1e-4, rtol=0)


def test_identity_init():
    for scratch in (False, True):
        layer = models.init_identity(models.RecurrentLayer("rnn", 3, 4, scratch=scratch, nonlinearity="relu"))
        W = layer.impl.cell.W_hh.weight if scratch else layer.impl.weight_hh_l0
        torch.testing.assert_close(W, torch.eye(4))
    with pytest.raises(ValueError, match="vanilla rnn"):
        models.init_identity(models.RecurrentLayer("gru", 3, 4))
    with pytest.raises(ValueError, match="lstm or gru"):
        models.init_gate_bias(models.RecurrentLayer("rnn", 3, 4), 1.0)


def test_unknown_kind_is_explained():
    with pytest.raises(ValueError, match=r"kind must be one of \('rnn', 'lstm', 'gru'\)"):
        models.RecurrentLayer("transformer", 3, 4)


def test_wrong_inputs_are_named():
    lm = models.LanguageModel(vocab_size=5, kind="rnn", hidden_size=4)
    with pytest.raises(ValueError, match=r"shape \(batch, steps\).*\(7,\)"):
        lm(torch.arange(5).repeat(2)[:7])
    with pytest.raises(ValueError, match="integer dtype"):
        lm(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"must lie in \[0, 5\), got 0..9"):
        lm(torch.arange(10)[None])
    with pytest.raises(ValueError, match=r"\(batch, steps, features\), got \(4, 3\)"):
        models.RecurrentLayer("lstm", 3, 4)(torch.randn(4, 3))


def test_classification_loss_is_cross_entropy_of_the_logits():
    torch.manual_seed(0)
    clf = models.SequenceClassifier(vocab_size=6, num_classes=3, kind="gru", embed_size=4, hidden_size=5)
    X, y = torch.randint(0, 6, (7, 4)), torch.randint(0, 3, (7,))
    expected = torch.nn.functional.cross_entropy(clf(X), y)
    torch.testing.assert_close(models.classification_loss(clf, (X, y)), expected)


def _stacked_twins(kind, D=3, H=4, **kwargs):
    """A fused and a from-scratch layer with several layers or directions, sharing weights."""
    torch.manual_seed(0)
    fused = models.RecurrentLayer(kind, D, H, **kwargs)
    scratch = models.RecurrentLayer(kind, D, H, scratch=True, **kwargs)
    for k, cell in enumerate(models.scratch_cells(scratch)):
        layer, direction = divmod(k, scratch.num_directions)
        copy_from_torch(cell, fused.impl, layer=layer, reverse=direction == 1)
    return fused, scratch


def _states(state):
    return state if isinstance(state, tuple) else (state,)


LAYOUTS = [dict(), dict(bidirectional=True), dict(num_layers=2), dict(num_layers=2, bidirectional=True)]


@pytest.mark.parametrize("layout", LAYOUTS, ids=str)
@pytest.mark.parametrize("kind", models.KINDS)
def test_scratch_equals_fused_for_stacked_and_bidirectional_layers(kind, layout):
    fused, scratch = _stacked_twins(kind, **layout)
    X = torch.randn(3, 6, 3)
    lengths = torch.tensor([6, 2, 4])
    for lens in (None, lengths):
        out_f, state_f = fused(X, lengths=lens)
        out_s, state_s = scratch(X, lengths=lens)
        torch.testing.assert_close(out_s, out_f, rtol=1e-5, atol=1e-6)
        for s, f in zip(_states(state_s), _states(state_f)):
            torch.testing.assert_close(s, f, rtol=1e-5, atol=1e-6)


def test_bidirectional_layer_equals_torch_bidirectional_lstm():
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 4, bidirectional=True, batch_first=True)
    ours = models.RecurrentLayer("lstm", 3, 4, bidirectional=True, scratch=True)
    for k, cell in enumerate(models.scratch_cells(ours)):
        copy_from_torch(cell, ref, reverse=k == 1)
    X = torch.randn(2, 5, 3, requires_grad=True)
    (out_ref, (h_ref, c_ref)), (out, (h, c)) = ref(X), ours(X)
    assert out.shape == (2, 5, 8) and h.shape == (2, 2, 4)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(c, c_ref)
    grad_ref, = torch.autograd.grad(out_ref.square().sum(), X)
    grad, = torch.autograd.grad(out.square().sum(), X)
    torch.testing.assert_close(grad, grad_ref)


@pytest.mark.parametrize("layout", LAYOUTS, ids=str)
@pytest.mark.parametrize("scratch", [False, True])
@pytest.mark.parametrize("kind", models.KINDS)
def test_a_padded_batch_gives_what_each_sequence_gives_alone(kind, scratch, layout):
    torch.manual_seed(0)
    layer = models.RecurrentLayer(kind, 3, 4, scratch=scratch, **layout)
    lengths = torch.tensor([5, 2, 4, 1])
    X = torch.randn(4, 5, 3)
    outputs, state = layer(X, lengths=lengths)
    batch_dim = 0 if layout == {} else 1
    for b, n in enumerate(lengths.tolist()):
        out_b, state_b = layer(X[b:b + 1, :n])
        torch.testing.assert_close(outputs[b:b + 1, :n], out_b, rtol=1e-5, atol=1e-6)
        assert (outputs[b, n:] == 0).all()  # padding steps give zeros, as packed sequences do
        for s, s_b in zip(_states(state), _states(state_b)):
            torch.testing.assert_close(s.select(batch_dim, b), s_b.select(batch_dim, 0), rtol=1e-5, atol=1e-6)


def test_wrong_lengths_and_features_are_named():
    layer = models.RecurrentLayer("gru", 3, 4)
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, 5\]"):
        layer(torch.randn(2, 5, 3), lengths=torch.tensor([6, 2]))
    with pytest.raises(ValueError, match=r"lengths must have shape \(batch,\) = \(2,\)"):
        layer(torch.randn(2, 5, 3), lengths=torch.tensor([5]))
    with pytest.raises(ValueError, match="expected 3 features per step"):
        layer(torch.randn(2, 5, 4))


@pytest.mark.parametrize("scratch", [False, True])
def test_gate_bias_reaches_every_layer_and_direction(scratch):
    layer = models.init_gate_bias(models.RecurrentLayer("lstm", 3, 4, num_layers=2, bidirectional=True,
                                                        scratch=scratch), 3.0)
    if scratch:
        cells_ = models.scratch_cells(layer)
    else:
        cells_ = [copy_from_torch(cells.LSTMCell(3 if k < 2 else 8, 4), layer.impl, layer=k // 2, reverse=k % 2 == 1)
                  for k in range(4)]
    for cell in cells_:
        torch.testing.assert_close(cell.W_f.bias, torch.full((4,), 3.0))


class _Scripted(torch.nn.Module):
    """A 'model' whose next token is fixed per sequence and step: ``script`` (B, steps)."""

    def __init__(self, script, vocab_size):
        super().__init__()
        self.script, self.vocab_size = script, vocab_size
        self.anchor = torch.nn.Parameter(torch.zeros(1))  # gives the model a device

    def forward(self, X, state=None):
        step = 0 if state is None else state
        B, T = X.shape
        logits = torch.full((B, T, self.vocab_size), -20.0)
        logits[torch.arange(B), -1, self.script[:, min(step, self.script.shape[1] - 1)]] = 20.0
        return logits, step + 1


def test_sample_stops_each_sequence_at_its_own_stop_and_reports_lengths():
    script = torch.tensor([[5, 3, 0, 4], [4, 4, 4, 4], [0, 1, 1, 1]])  # stop id 0
    ids, lengths = models.sample(_Scripted(script, 6), torch.zeros(3, 2, dtype=torch.long), max_len=4,
                                 temperature=0, stop_id=0)
    assert lengths.tolist() == [2, 4, 0]  # the stop's position; never stopped: max_len
    assert ids[0, :2].tolist() == [5, 3] and ids[1].tolist() == [4, 4, 4, 4]


def test_sample_never_draws_a_forbidden_token_and_stops_early_when_all_ended():
    script = torch.tensor([[1, 2], [1, 2]])
    ids, lengths = models.sample(_Scripted(script, 4), torch.zeros(2, 1, dtype=torch.long), max_len=6,
                                 temperature=1.0, forbid=[1], generator=torch.Generator().manual_seed(0))
    assert 1 not in ids.tolist()[0] + ids.tolist()[1] and lengths.tolist() == [6, 6]
    ids, lengths = models.sample(_Scripted(torch.tensor([[3]]), 4), torch.zeros(1, 1, dtype=torch.long),
                                 max_len=100, temperature=0, stop_id=3)
    assert lengths.tolist() == [0] and ids[0, 1:].eq(0).all()  # nothing drawn after everyone stopped


@pytest.mark.parametrize("start, temperature, error", [
    (torch.zeros(3, dtype=torch.long), 1.0, "shape \\(batch, length >= 1\\)"),
    (torch.zeros(2, 0, dtype=torch.long), 1.0, "shape \\(batch, length >= 1\\)"),
    (torch.zeros(2, 1, dtype=torch.long), -0.5, "temperature must be >= 0"),
])
def test_sample_names_bad_input(start, temperature, error):
    with pytest.raises(ValueError, match=error):
        models.sample(_Scripted(torch.tensor([[1]]), 3), start, 5, temperature)
