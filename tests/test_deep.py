import pytest
import torch
from torch import nn

from course_utils import deep


def _later_by_loop(X, marker):
    return torch.tensor([[int(marker in row[t + 1:].tolist()) for t in range(len(row))] for row in X])


def test_later_labels_match_a_loop():
    X = torch.randint(4, (40, 9), generator=torch.Generator().manual_seed(0))
    assert torch.equal(deep.later_labels(X, 0), _later_by_loop(X, 0))
    assert torch.equal(deep.later_labels(X, 3), _later_by_loop(X, 3))


def test_later_labels_rejects_wrong_shape():
    with pytest.raises(ValueError, match="batch, steps"):
        deep.later_labels(torch.zeros(5, dtype=torch.long))


def test_later_symbol_batch_is_reproducible_and_labelled():
    X1, y1 = deep.later_symbol_batch(8, 10, 5, generator=torch.Generator().manual_seed(3))
    X2, y2 = deep.later_symbol_batch(8, 10, 5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert X1.shape == y1.shape == (8, 10) and int(X1.max()) < 5
    assert torch.equal(y1, deep.later_labels(X1, 0))
    assert (y1[:, -1] == 0).all(), "nothing comes after the last position"


def test_causal_floor_is_the_best_guess_from_the_steps_left():
    floor = deep.causal_floor(16, 8)
    assert floor.shape == (16,) and floor[-1] == 1.0 and (floor >= 0.5).all()
    # empirically: guessing the likelier label at each position reaches the floor
    X, y = deep.later_symbol_batch(20000, 16, 8, generator=torch.Generator().manual_seed(1))
    p_later = 1 - (7 / 8) ** torch.arange(15, -1, -1, dtype=torch.float64)
    guess = (p_later > 0.5).long().expand_as(y)
    torch.testing.assert_close((guess == y).double().mean(0), floor, atol=0.02, rtol=0)


def test_tagging_loss_and_accuracy_per_position():
    class Perfect(nn.Module):  # reads the labels off the input: logits favour later_labels(X)
        def __init__(self):
            super().__init__()
            self.dummy = nn.Parameter(torch.zeros(()))

        def forward(self, X):
            y = deep.later_labels(X, 0)
            return 10.0 * nn.functional.one_hot(y, 2).float() + self.dummy

    X, y = deep.later_symbol_batch(32, 7, 4, generator=torch.Generator().manual_seed(2))
    model = Perfect()
    assert deep.tagging_loss(model, (X, y)).item() < 1e-3
    acc = deep.accuracy_per_position(model, X, y)
    assert acc.shape == (7,) and torch.equal(acc, torch.ones(7))
    assert model.training, "accuracy_per_position must restore training mode"
