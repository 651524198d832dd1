import random

import pytest
import torch

from course_utils import text


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


@pytest.mark.parametrize("raw, tokens", [
    ("The food was good, not bad at all.", ["the", "food", "was", "good", ",", "not", "bad", "at", "all", "."]),
    ("I wouldn't mind. We haven't had any!",
     ["i", "would", "n't", "mind", ".", "we", "have", "n't", "had", "any", "!"]),
    ("it 's a charming journey ... ", ["it", "'s", "a", "charming", "journey", "..."]),  # SST's own tokens
    ("J'ai été là, garçon\u202f!", ["j'", "ai", "été", "là", ",", "garçon", "!"]),
    ("L\u2019homme qu'il a vu", ["l'", "homme", "qu'", "il", "a", "vu"]),
    ("Ça coûte 3,50\u00a0€ :(", ["ça", "coûte", "3", ",", "50", "€", ":", "("]),
])
def test_word_tokenizer_is_unicode_aware_and_splits_as_sst_does(raw, tokens):
    assert text.tokenize(raw, "word") == tokens


def test_decomposed_accents_are_composed_first():
    assert text.tokenize("e\u0301te\u0301", "word") == ["été"]  # e + combining acute -> é


@pytest.mark.parametrize("sentence, lang", [
    ("J'ai été là, garçon !", "fr"),
    ("Qu'est-ce que c'est ?", "fr"),
    ("I wouldn't mind a bit of snow right now.", "en"),
    ("It's (really) good, isn't it?", "en"),
])
def test_detokenize_inverts_tokenize(sentence, lang):
    assert text.detokenize(text.tokenize(sentence, "word", lower=False), lang) == sentence


def test_vocab_with_specials_puts_padding_first():
    v = text.Vocab("a b a c".split(), reserved=text.SPECIALS)
    assert v.idx_to_token == ["<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "c"]
    assert (v.pad, v.unk, v.bos, v.eos) == (0, 1, 2, 3)
    assert v.encode(["a", "zzz"]) == [4, 1]  # unseen words map to <unk>, wherever it sits


def test_vocab_without_padding_says_how_to_get_it():
    with pytest.raises(KeyError, match="reserved=SPECIALS"):
        _ = text.Vocab("a b".split()).pad
    with pytest.raises(TypeError, match="sequence of tokens"):
        text.Vocab("a b".split(), reserved="<pad>")


def test_pad_batch_uses_the_pad_id_and_returns_lengths():
    X, lengths = text.pad_batch([[4, 5, 6], [7], [8, 9]], pad_id=0)
    assert X.tolist() == [[4, 5, 6], [7, 0, 0], [8, 9, 0]] and lengths.tolist() == [3, 1, 2]
    assert X.dtype == torch.long
    with pytest.raises(ValueError, match=r"sequences \[1\] are empty"):
        text.pad_batch([[1], []], pad_id=0)


def test_pad_batch_gives_the_same_batch_for_lists_and_tensors():
    gen = torch.Generator().manual_seed(0)
    rows = [torch.randint(0, 50, (int(n),), generator=gen) for n in torch.randint(1, 12, (40,), generator=gen)]
    X_lists, lengths_lists = text.pad_batch([row.tolist() for row in rows], pad_id=3)
    X_tensors, lengths_tensors = text.pad_batch(rows, pad_id=3)
    assert torch.equal(X_lists, X_tensors) and torch.equal(lengths_lists, lengths_tensors)
    assert X_lists.dtype == X_tensors.dtype == torch.long
    with pytest.raises(ValueError, match=r"sequences \[0\] are empty"):
        text.pad_batch([torch.tensor([], dtype=torch.long), torch.tensor([1])], pad_id=0)


def test_length_buckets_cover_every_index_once_with_little_padding():
    gen = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 60, (5000,), generator=gen)
    batches = text.length_buckets(lengths, batch_size=32, generator=gen)
    assert sorted(torch.cat(batches).tolist()) == list(range(5000))
    assert all(len(b) <= 32 for b in batches)
    padded = sum(len(b) * int(lengths[b].max()) for b in batches)
    random = sum(len(b) * int(lengths[b].max()) for b in torch.randperm(5000, generator=gen).split(32))
    assert padded < 0.6 * random, (padded, random)  # buckets pad far less than random batches
    first = [b.tolist() for b in text.length_buckets(lengths, 32, generator=torch.Generator().manual_seed(1))]
    again = [b.tolist() for b in text.length_buckets(lengths, 32, generator=torch.Generator().manual_seed(1))]
    assert first == again


def test_longest_shared_matches_brute_force():
    rng = random.Random(0)
    bodies = ["".join(rng.choice("abcd|") for _ in range(300)) for _ in range(5)]
    index = text.CopyIndex(bodies)
    for trial in range(20):
        new = "".join(rng.choice("abcd|") for _ in range(60))
        if trial % 2:  # plant a long stretch of a training text
            start = rng.randrange(250)
            new = new[:20] + bodies[trial % 5][start:start + 30] + new[20:]
        brute = max((j - i for i in range(len(new)) for j in range(i + 1, len(new) + 1)
                     if any(new[i:j] in b for b in bodies)), default=0)
        assert index.longest_shared(new) == brute
    assert index.is_copy(bodies[2]) and not index.is_copy(bodies[2] + "a")
    assert index.longest_shared(bodies[0][:10] + "\n" + bodies[1][:10]) == 10  # no match joins two texts


def test_copy_index_refuses_its_separator():
    with pytest.raises(ValueError, match="separator"):
        text.CopyIndex(["ab\x00c"])
    with pytest.raises(ValueError, match="separator"):
        text.CopyIndex(["abc"]).longest_shared("a\x00")
