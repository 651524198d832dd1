import pytest
import torch

from course_utils import text


def test_doctests_of_module():
    import doctest
    assert doctest.testmod(text).failed == 0


def test_vocab_round_trip_and_unknown():
    v = text.Vocab("the cat sat on the mat".split(), reserved=["<pad>"])
    assert v.idx_to_token[:3] == ["<unk>", "<pad>", "the"]
    ids = v.encode("the dog sat".split())
    assert ids[1] == v.unk and v.decode(ids) == ["the", "<unk>", "sat"]
    assert len(v) == 2 + 5 and "mat" in v and "dog" not in v


def test_vocab_min_freq_drops_rare_tokens():
    v = text.Vocab(list("aaabbc"), min_freq=2)
    assert v.idx_to_token == ["<unk>", "a", "b"]


def test_tokenize_levels_and_error():
    assert text.tokenize("I grew up in France.", "word") == ["i", "grew", "up", "in", "france", "."]
    assert text.tokenize("ab c", "char") == ["a", "b", " ", "c"]
    with pytest.raises(ValueError, match="'char' or 'word'"):
        text.tokenize("x", "sentence")


def test_lm_windows_targets_are_inputs_shifted_by_one():
    ids = torch.arange(100)
    X, Y = text.lm_windows(ids, num_steps=7, stride=3)
    assert X.shape == Y.shape and X.shape[1] == 7
    torch.testing.assert_close(Y, X + 1)
    assert int(Y.max()) <= 99


def test_lm_windows_rejects_bad_input():
    with pytest.raises(ValueError, match="1-D stream"):
        text.lm_windows(torch.zeros(3, 4, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="at least num_steps"):
        text.lm_windows(torch.arange(5), 5)


def test_sequential_batches_continue_each_row():
    ids = torch.arange(101)
    batches = list(text.sequential_batches(ids, batch_size=4, num_steps=5))
    for (x0, y0), (x1, _) in zip(batches, batches[1:]):
        torch.testing.assert_close(x1[:, 0], x0[:, -1] + 1)  # row b picks up where it stopped
        torch.testing.assert_close(y0, x0 + 1)


def test_random_batches_cover_every_window_once():
    X = torch.arange(10)[:, None]
    seen = torch.cat([x for x, _ in text.random_batches(X, X, batch_size=3)])
    assert sorted(seen.flatten().tolist()) == list(range(10))


def test_d2l_split_sizes():
    source = "The Time Machine, by H. G. Wells [1898]\n" * 600
    vocab, (X, Y), (Xv, Yv) = text.d2l_time_machine(source, num_steps=32)
    assert set(vocab.idx_to_token[1:]) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert X.shape == (10_000 - 32, 32) and Xv.shape == (5_000 // 32, 32)
    torch.testing.assert_close(X[1:, :-1], X[:-1, 1:])  # training windows overlap with stride 1
    torch.testing.assert_close(Y[:, :-1], X[:, 1:])
