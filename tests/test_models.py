import pytest
import torch

from course_utils import cells, models
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
    lm = models.LanguageModel(vocab_size=11, kind="gru", hidden_size=6, embed_size=embed_size)
    X = torch.randint(0, 11, (4, 9))
    logits, state = lm(X)
    assert logits.shape == (4, 9, 11) and state.shape == (4, 6)
    loss = models.lm_loss(lm, (X, X))
    assert loss.shape == () and loss.item() > 0


def test_classifier_reads_the_last_step():
    torch.manual_seed(0)
    clf = models.SequenceClassifier(vocab_size=10, num_classes=3, kind="lstm", embed_size=4, hidden_size=5)
    X = torch.randint(0, 10, (6, 8))
    assert clf(X).shape == (6, 3)


def test_generate_greedy_is_deterministic_and_sampling_is_seeded():
    torch.manual_seed(0)
    vocab = Vocab(list("abcde "))
    lm = models.LanguageModel(len(vocab), kind="lstm", hidden_size=8, embed_size=4)
    greedy = models.generate(lm, vocab, "ab", 10, temperature=0)
    assert greedy == models.generate(lm, vocab, "ab", 10, temperature=0)
    assert len(greedy) == 12 and greedy.startswith("ab")
    runs = [models.generate(lm, vocab, "a", 20, 1.0, torch.Generator().manual_seed(3)) for _ in range(2)]
    assert runs[0] == runs[1]
    assert lm.training  # generate restores the training mode
    with pytest.raises(ValueError, match="temperature"):
        models.generate(lm, vocab, "a", 1, temperature=-1)


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
