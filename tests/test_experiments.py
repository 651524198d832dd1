"""Memory-task recipes: the models they build, the gaps they draw, and that training is reproducible."""

import math

import pytest
import torch

from course_utils import experiments, tasks


def test_fit_first_symbol_learns_a_short_recall_and_is_reproducible():
    from course_utils import models

    held = tasks.first_symbol_batch(500, 3, 4, generator=torch.Generator().manual_seed(1))
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = models.SequenceClassifier(4, 4, "gru", embed_size=8, hidden_size=16)
        runs.append(experiments.fit_first_symbol(model, 3, 150, held, num_symbols=4, lr=1e-2,
                                                 eval_every=50, progress=False))
    assert runs[0].metric("accuracy") == runs[1].metric("accuracy")  # same seed, same batches
    assert runs[0].eval_steps == [50, 100, 150] and runs[0].last("accuracy") > 0.9


def test_sample_gap_stays_in_range_and_spreads_log_uniformly():
    g = torch.Generator().manual_seed(0)
    draws = torch.tensor([experiments.sample_gap((5, 200), g) for _ in range(4000)])
    assert draws.min() == 5 and draws.max() == 200
    # log-uniform: each factor of 2 gets about the same share; 5..10 and 100..200 are 1/5.3 each
    share = 1 / math.log2(200 / 5)
    assert ((draws >= 5) & (draws < 10)).float().mean().item() == pytest.approx(share, abs=0.03)
    assert ((draws > 100) & (draws <= 200)).float().mean().item() == pytest.approx(share, abs=0.03)
    assert experiments.sample_gap(17, g) == 17


@pytest.mark.parametrize("gap", [(0, 5), (10, 5)])
def test_sample_gap_rejects_bad_ranges(gap):
    with pytest.raises(ValueError, match="shortest <= longest"):
        experiments.sample_gap(gap, torch.Generator())


def test_first_symbol_batches_draw_one_length_per_batch():
    source = experiments.first_symbol_batches((3, 40), batch_size=8, generator=torch.Generator().manual_seed(0))
    lengths = set()
    for _ in range(30):
        [(X, y)] = source()
        assert X.shape[0] == 8 and torch.equal(y, X[:, 0])
        lengths.add(X.shape[1])
    assert len(lengths) > 5 and min(lengths) >= 3 and max(lengths) <= 40


def test_memory_model_initialisations():
    irnn = experiments.memory_model("irnn", hidden_size=8)
    assert irnn.rnn.impl.nonlinearity == "relu"
    torch.testing.assert_close(irnn.rnn.impl.weight_hh_l0, torch.eye(8))
    lstm = experiments.memory_model("lstm", hidden_size=8, gate_bias=4.0)
    forget = lstm.rnn.impl.bias_ih_l0[8:16] + lstm.rnn.impl.bias_hh_l0[8:16]  # PyTorch order i, f, g, o
    torch.testing.assert_close(forget, torch.full((8,), 4.0))
    gru = experiments.memory_model("gru", hidden_size=8, gate_bias=3.0)
    update = gru.rnn.impl.bias_ih_l0[8:16] + gru.rnn.impl.bias_hh_l0[8:16]  # PyTorch order r, z, n
    torch.testing.assert_close(update, torch.full((8,), 3.0))
    assert experiments.memory_model("rnn").rnn.impl.nonlinearity == "tanh"
    with pytest.raises(ValueError, match="kind must be one of"):
        experiments.memory_model("transformer")


def test_held_out_sets_are_fixed_and_differ_by_gap():
    a, b = experiments.held_out_sets([5, 9], num_examples=50), experiments.held_out_sets([5, 9], num_examples=50)
    assert torch.equal(a[5][0], b[5][0]) and a[9][0].shape == (50, 9)
    assert not torch.equal(a[5][0], experiments.held_out_sets([5], num_examples=50, seed=1)[5][0])


def test_memory_sweep_returns_an_accuracy_per_cell_and_gap():
    accuracy, histories = experiments.memory_sweep(["rnn", "gru"], [2, 4], steps=60, train_gap=(2, 4),
                                                   hidden_size=16, lr=1e-2, num_examples=200,
                                                   progress=False)
    assert set(accuracy) == set(histories) == {"rnn", "gru"}
    assert all(set(acc) == {2, 4} for acc in accuracy.values())
    assert all(0.0 <= a <= 1.0 for acc in accuracy.values() for a in acc.values())
    assert accuracy["gru"][2] > 0.5, accuracy  # two steps back is easy within 60 steps


def test_pronoun_batch_label_is_the_gender_of_the_last_subject():
    X, y, at = experiments.pronoun_batch(300, 20, max_subjects=3, generator=torch.Generator().manual_seed(0))
    assert X.shape == at.shape == (300, 20) and y.shape == (300,)
    assert torch.equal(at, X < 8), "subjects are ids 0-7, fillers 8 and up"
    assert X.max() < len(experiments.PRONOUN_TOKENS)
    counts = at.sum(1)
    assert counts.min() == 1 and counts.max() == 3
    for b in range(300):
        steps = at[b].nonzero().flatten()
        assert steps[0] < 10, "the first subject stands in the first half"
        assert y[b] == int(X[b, steps[-1]] >= 4), "the label follows the most recent subject"
    # both genders occur, and the last subject often differs from the first: memory must be replaced
    first = torch.stack([(X[b][at[b]][0] >= 4).long() for b in range(300)])
    assert 0.3 < y.float().mean() < 0.7 and (first != y).float().mean() > 0.15


def test_pronoun_batch_rejects_too_short_sequences():
    with pytest.raises(ValueError, match="length >= 2"):
        experiments.pronoun_batch(4, 5, max_subjects=3)


def test_memory_model_variants_of_the_vanilla_rnn():
    relu = experiments.memory_model("rnn", nonlinearity="relu")
    assert relu.rnn.impl.nonlinearity == "relu"
    eye = experiments.memory_model("rnn", identity=True)
    assert torch.equal(eye.rnn.impl.weight_hh_l0, torch.eye(64))
    torch.manual_seed(0)
    irnn = experiments.memory_model("irnn")
    torch.manual_seed(0)
    same = experiments.memory_model("rnn", nonlinearity="relu", identity=True)
    assert all(torch.equal(a, b) for a, b in zip(irnn.parameters(), same.parameters()))
    with pytest.raises(ValueError, match="options of kind='rnn'"):
        experiments.memory_model("lstm", identity=True)
