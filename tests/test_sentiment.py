import pytest
import torch
from torch import nn

from course_utils import models, sentiment, text, training
from course_utils.training import eval_mode


@pytest.fixture
def vocab():
    return text.Vocab("good bad not the film was".split(), reserved=text.SPECIALS)


class WordScores(nn.Module):
    """P(positive) from the sum of one score per word: order-free, easy to check by hand."""

    def __init__(self, vocab_size, pad_id):
        super().__init__()
        self.scores = nn.Embedding(vocab_size, 1, padding_idx=pad_id)

    def forward(self, X, lengths=None):  # (B, T) -> (B, 2)
        s = self.scores(X).squeeze(-1).sum(1)  # (B,)
        return torch.stack([torch.zeros_like(s), s], dim=1)


def _ids(n=50, seed=0):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 9, (n,), generator=gen)
    return [torch.randint(4, 10, (int(L),), generator=gen) for L in lengths]


def test_encode_keeps_empty_sentences_as_unk(vocab):
    ids = sentiment.encode([["good", "film"], []], vocab)
    assert ids[0].tolist() == vocab.encode(["good", "film"])
    assert ids[1].tolist() == [vocab.unk]


def test_batches_cover_every_sentence_once_with_its_label():
    ids, labels = _ids(), torch.arange(50)
    seen = []
    for X, lengths, y in sentiment.batches(ids, labels, 8, pad_id=0, generator=torch.Generator().manual_seed(1)):
        assert X.shape[0] == lengths.shape[0] == y.shape[0] <= 8
        for row, L, label in zip(X, lengths, y):
            assert torch.equal(row[:L], ids[label]) and (row[L:] == 0).all()
        seen.extend(y.tolist())
    assert sorted(seen) == list(range(50))


def test_batches_reject_unpaired_labels():
    with pytest.raises(ValueError, match="labels"):
        list(sentiment.batches(_ids(5), torch.zeros(4), 2, pad_id=0))


def test_epochs_switch_batch_size_and_steps_for_counts_them():
    ids, labels = _ids(100), torch.zeros(100, dtype=torch.long)
    data = sentiment.epochs(ids, labels, (64, 16), pad_id=0)
    counts = [len(list(data())) for _ in range(3)]
    assert counts == [2, 7, 7]
    assert sentiment.steps_for(100, (64, 16), 3) == sum(counts)


def test_predict_proba_keeps_order_and_matches_one_at_a_time():
    torch.manual_seed(0)
    model = models.SequenceClassifier(10, 2, "lstm", embed_size=8, hidden_size=8, pooling="max",
                                      dropout=0.5, pad_id=0)
    ids = _ids(20)
    probs = sentiment.predict_proba(model, ids, pad_id=0, batch_size=6)
    assert model.training, "predict_proba must restore the model's mode"
    with torch.no_grad(), eval_mode(model):
        alone = torch.stack([torch.softmax(model(s[None]), -1)[0, 1] for s in ids])
    torch.testing.assert_close(probs, alone, rtol=1e-5, atol=1e-6)


def test_accuracy_and_confusion():
    probs, labels = torch.tensor([0.9, 0.2, 0.7, 0.4]), torch.tensor([1, 1, 0, 0])
    assert sentiment.accuracy(probs, labels) == 0.5
    assert sentiment.confusion(probs, labels).tolist() == [[1, 1], [1, 1]]


def test_occlusion_is_the_drop_in_probability(vocab):
    model = WordScores(len(vocab), vocab.pad)
    tokens = ["the", "film", "was", "good"]
    importances = sentiment.occlusion(model, tokens, vocab)
    assert [w for w, _ in importances] == tokens
    scores = model.scores.weight.detach()[:, 0]
    full = torch.sigmoid(scores[vocab.encode(tokens)].sum())
    for i, (_, value) in enumerate(importances):
        rest = vocab.encode(tokens[:i] + tokens[i + 1:])
        expected = full - torch.sigmoid(scores[rest].sum())
        assert value == pytest.approx(expected.item(), abs=1e-6)
    (word, value), = sentiment.occlusion(model, ["good"], vocab)
    assert value == pytest.approx(torch.sigmoid(scores[vocab.encode(["good"])].sum()).item() - 0.5, abs=1e-6)
    with pytest.raises(ValueError, match="token"):
        sentiment.occlusion(model, [], vocab)


def test_score_pairs():
    fake = {"a+": 0.9, "a-": 0.1, "b+": 0.4, "b-": 0.6, "c+": 0.7, "c-": 0.6}
    rows = sentiment.score_pairs(lambda sents: torch.tensor([fake[s] for s in sents]),
                                 [("a+", "a-"), ("b+", "b-"), ("c+", "c-")])
    assert [r["ordered"] for r in rows] == [True, False, True]
    assert [r["both_right"] for r in rows] == [True, False, False]


def test_fit_with_a_sparse_embedding_learns_and_updates_only_seen_rows():
    torch.manual_seed(0)
    ids = [torch.tensor([4, 5]), torch.tensor([6, 7, 5]), torch.tensor([4]), torch.tensor([6])] * 8
    labels = torch.tensor([1, 0, 1, 0] * 8)
    model = models.SequenceClassifier(12, 2, "lstm", embed_size=8, hidden_size=8, pooling="max", pad_id=0)
    model.embedding.sparse = True
    unseen = model.embedding.weight[8:].detach().clone()
    history = training.fit(model, sentiment.epochs(ids, labels, (8,), pad_id=0), models.classification_loss,
                           steps=60, optimizer=sentiment.SparseDenseAdam(model, lr=1e-2), clip=1.0, progress=False)
    assert not history.diverged and len(history.steps) == 60
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert torch.equal(model.embedding.weight[8:], unseen), "rows of words never seen must not move"
    assert max(history.grad_norm) > 0


def test_sparse_dense_adam_splits_parameters():
    model = models.SequenceClassifier(12, 2, "lstm", embed_size=4, hidden_size=4)
    model.embedding.sparse = True
    opt = sentiment.SparseDenseAdam(model, 1e-3)
    assert len(opt.optimizers) == 2
    sparse_params = opt.optimizers[1].param_groups[0]["params"]
    assert len(sparse_params) == 1 and sparse_params[0] is model.embedding.weight
    n_dense = sum(p.numel() for p in opt.optimizers[0].param_groups[0]["params"])
    assert n_dense + model.embedding.weight.numel() == sum(p.numel() for p in model.parameters())


PHRASES = [("the film is not bad at all", 1), ("not bad at all", 1), ("not bad", 1), ("bad", 0),
           ("the film", 1), ("a dull , slow film", 0), ("dull", 0), ("slow film", 0), ("film", 1),
           ("good fun", 1), ("good", 1), ("fun", 1), ("it drags", 0), ("drags", 0)]


def test_full_sentences_are_the_phrases_no_other_contains():
    full = sentiment.full_sentences([p for p, _ in PHRASES])
    assert full == {"the film is not bad at all", "a dull , slow film", "good fun", "it drags"}
    assert sentiment.full_sentences(["bad film", "a bad film", "a bad"]) == {"a bad film"}
    assert sentiment.full_sentences(["film", "films"]) == {"film", "films"}, "whole words only"


@pytest.mark.parametrize("seed", range(4))
def test_dev_split_holds_out_full_sentences_and_every_piece_of_them(seed):
    train, dev = sentiment.dev_split(PHRASES, num_dev=2, seed=seed)
    assert len(dev) == 2 and len({s for s, _ in dev}) == 2
    full = sentiment.full_sentences([p for p, _ in PHRASES])
    labels = dict(PHRASES)
    for sentence, label in dev:
        assert sentence in full and label == labels[sentence]
        for phrase, _ in train:
            assert f" {phrase} " not in f" {sentence} ", f"{phrase!r} is a piece of dev sentence {sentence!r}"
    kept = [p for p in PHRASES if p in train]
    assert train == kept, "the training part keeps the input order"
    held_out_words = {w for s, _ in dev for w in s.split()}
    assert all(p in train for p in PHRASES if not set(p[0].split()) & held_out_words), "nothing else is dropped"
    assert sentiment.dev_split(PHRASES, num_dev=2, seed=seed) == (train, dev), "the same seed, the same split"


def test_dev_split_normalises_spaces_and_says_when_too_few_sentences():
    train, dev = sentiment.dev_split([("good  fun ", 1), ("fun", 1), ("bad", 0)], num_dev=2, seed=0)
    assert sorted(dev) == [("bad", 0), ("good fun", 1)] and train == []
    with pytest.raises(ValueError, match="only 4 phrases are full sentences"):
        sentiment.dev_split(PHRASES, num_dev=5)


def test_keep_best_restores_the_best_weights():
    model = nn.Linear(1, 1, bias=False)
    scores = iter([0.5, 0.8, 0.6])
    keep = sentiment.KeepBest(lambda m: next(scores))
    for w in (1.0, 2.0, 3.0):
        model.weight.data.fill_(w)
        assert set(keep(model)) == {"dev"}
    assert keep.curve == [0.5, 0.8, 0.6] and keep.best == 0.8 and keep.best_index == 1
    keep.restore(model)
    assert model.weight.item() == 2.0
    with pytest.raises(RuntimeError, match="scored nothing"):
        _ = sentiment.KeepBest(lambda m: 0.0).best


def test_keep_best_inside_fit_keeps_a_copy_not_a_view():
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    X, y = torch.randn(32, 2), torch.randint(0, 2, (32,))
    keep = sentiment.KeepBest(lambda m: -models.classification_loss(m, (X, y)).item())
    training.fit(model, [(X, y)], models.classification_loss, steps=20, lr=0.1, evaluate=keep, eval_every=5,
                 progress=False)
    assert len(keep.curve) == 4
    best = keep.best_state["weight"].clone()
    model.weight.data.add_(1.0)
    assert torch.equal(keep.best_state["weight"], best)
    assert torch.equal(keep.restore(model).weight, best)


def test_mcnemar_counts_disagreements_and_gives_the_exact_p_value():
    a = torch.tensor([True, True, True, False, True, False])
    b = torch.tensor([True, False, False, False, True, True])
    assert sentiment.mcnemar(a, b)[:2] == (2, 1)
    assert sentiment.mcnemar(a, b)[2] == pytest.approx(1.0)  # 2 vs 1: as even as 3 tosses can be uneven
    a_only, b_only, p = sentiment.mcnemar(torch.ones(20, dtype=torch.bool), torch.zeros(20, dtype=torch.bool))
    assert (a_only, b_only) == (20, 0) and p == pytest.approx(2 * 0.5 ** 20)
    assert sentiment.mcnemar(a, a) == (0, 0, 1.0)
    assert sentiment.mcnemar(b, a)[2] == sentiment.mcnemar(a, b)[2]
    with pytest.raises(ValueError, match="same examples"):
        sentiment.mcnemar(a, b[:3])
