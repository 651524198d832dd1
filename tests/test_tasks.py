"""Synthetic memory tasks: shapes, labels, and that fresh batches are fresh (or reproducible)."""

import pytest
import torch

from course_utils import tasks


def test_first_symbol_batch_labels_are_the_first_symbol():
    X, y = tasks.first_symbol_batch(32, 10, num_symbols=5)
    assert X.shape == (32, 10) and y.shape == (32,)
    assert X.dtype == y.dtype == torch.int64
    assert torch.equal(y, X[:, 0])
    assert X.min() >= 0 and X.max() < 5


def test_first_symbol_batch_label_is_a_copy():
    X, y = tasks.first_symbol_batch(4, 3)
    y[0] = -1
    assert X[0, 0] != -1


def test_first_symbol_batch_generator_reproducible_and_fresh():
    a = tasks.first_symbol_batch(8, 6, generator=torch.Generator().manual_seed(0))
    b = tasks.first_symbol_batch(8, 6, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a[0], b[0])
    g = torch.Generator().manual_seed(0)
    first, second = tasks.first_symbol_batch(8, 6, generator=g), tasks.first_symbol_batch(8, 6, generator=g)
    assert not torch.equal(first[0], second[0])


def test_first_symbol_chance_level():
    """Labels are uniform: always guessing one symbol scores about 1 / num_symbols."""
    _, y = tasks.first_symbol_batch(20_000, 2, num_symbols=8, generator=torch.Generator().manual_seed(0))
    assert (y == 3).float().mean().item() == pytest.approx(1 / 8, abs=0.01)


@pytest.mark.parametrize("length, num_symbols", [(0, 8), (5, 1)])
def test_first_symbol_batch_rejects_bad_sizes(length, num_symbols):
    with pytest.raises(ValueError, match="length"):
        tasks.first_symbol_batch(4, length, num_symbols)


@pytest.mark.parametrize("length", [2, 3, 10, 51])
def test_adding_batch_marks_one_number_in_each_half(length):
    X, y = tasks.adding_batch(64, length, generator=torch.Generator().manual_seed(length))
    assert X.shape == (64, length, 2) and y.shape == (64,)
    values, markers = X[..., 0], X[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert torch.equal(markers.sum(1), torch.full((64,), 2.0))
    half = length // 2
    assert torch.equal(markers[:, :half].sum(1), torch.ones(64))
    torch.testing.assert_close(y, (values * markers).sum(1))


def test_adding_baseline_mse():
    """Predicting 1.0 always scores a mean squared error of about 1/6 (the sum of two U(0,1))."""
    _, y = tasks.adding_batch(50_000, 20, generator=torch.Generator().manual_seed(0))
    assert ((y - 1.0) ** 2).mean().item() == pytest.approx(1 / 6, abs=0.005)


def test_adding_batch_rejects_short_sequences():
    with pytest.raises(ValueError, match="length >= 2"):
        tasks.adding_batch(4, 1)

