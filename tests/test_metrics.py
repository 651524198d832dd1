import math

import pytest
import torch
from torch import nn

from course_utils import metrics


def test_perplexity_of_uniform_guess_is_vocab_size():
    assert metrics.perplexity(math.log(28)) == pytest.approx(28)


def test_accuracy_and_shape_error():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert metrics.accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"do not line up"):
        metrics.accuracy(logits, torch.tensor([0, 1]))


class Uniform(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, X):
        return torch.zeros(*X.shape, self.vocab_size) + self.dummy, None


def test_evaluate_lm_on_uniform_model():
    X = torch.randint(0, 10, (50, 8))
    out = metrics.evaluate_lm(Uniform(10), X, X, batch_size=7)
    assert out["perplexity"] == pytest.approx(10, rel=1e-5)


def test_evaluate_classifier_matches_direct_computation():
    torch.manual_seed(0)
    model = nn.Linear(4, 3)
    X, y = torch.randn(100, 4), torch.randint(0, 3, (100,))
    out = metrics.evaluate_classifier(model, X, y, batch_size=13)
    with torch.no_grad():
        assert out["accuracy"] == pytest.approx(metrics.accuracy(model(X), y))
        assert out["loss"] == pytest.approx(nn.functional.cross_entropy(model(X), y).item(), rel=1e-5)


class Failing(nn.Module):
    """A model that records its mode when called, then fails."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))
        self.modes = []

    def forward(self, X):
        self.modes.append(self.training)
        raise RuntimeError("model failed")


@pytest.mark.parametrize("evaluate", [metrics.evaluate_lm, metrics.evaluate_classifier])
def test_evaluation_runs_in_eval_mode_and_restores_the_mode_on_error(evaluate):
    X = torch.zeros(4, 3, dtype=torch.long)
    for training in (True, False):
        model = Failing().train(training)
        with pytest.raises(RuntimeError, match="model failed"):
            evaluate(model, X, X) if evaluate is metrics.evaluate_lm else evaluate(model, X, X[:, 0])
        assert model.modes == [False] and model.training == training
