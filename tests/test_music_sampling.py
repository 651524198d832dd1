"""Tests for course_utils.music_sampling: tunes sampled from a model, contexts, n-gram floors."""

import pytest
import torch

from course_utils import music_corpus, music_sampling
from course_utils.models import LanguageModel, sample
from course_utils.text import Vocab
from test_music_corpus import TUNE  # a real tune, normalised


def test_ngram_floors_sample_after_real_headers():
    tokens = music_corpus.tunes_to_tokens([TUNE])
    vocab = Vocab(tokens, reserved=[music_corpus.END])
    ids = torch.tensor(vocab.encode(tokens))
    for order in (1, 2):
        model = music_sampling.CharNgram(ids, len(vocab), order=order)
        logits, _ = model(ids[None, :5])
        assert logits.shape == (1, 5, len(vocab))
        torch.testing.assert_close(logits.exp().sum(-1), torch.ones(1, 5))
    bigram = music_sampling.CharNgram(ids, len(vocab), order=2, alpha=0.0)
    after_b = bigram(torch.tensor([[vocab.token_to_idx["B"]]]))[0][0, 0].exp()  # (V,)
    assert after_b[vocab.token_to_idx["2"]] > after_b[vocab.token_to_idx["c"]]  # "B2" is common here
    header = music_corpus.header_text(TUNE)
    texts, ended = music_sampling.sample_after_headers(bigram, vocab, [header] * 3, max_chars=60,
                                              generator=torch.Generator().manual_seed(0))
    assert all(t.startswith(header) and len(t) <= len(header) + 60 for t in texts) and len(ended) == 3
    with pytest.raises(ValueError, match="last character"):
        music_sampling.sample_after_headers(LanguageModel(len(vocab), hidden_size=8), vocab, [header])



class _Always(torch.nn.Module):
    """A 'model' that always predicts one token: sampling must stop (or not) accordingly."""

    def __init__(self, vocab_size, token):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.full((vocab_size,), -10.0))
        with torch.no_grad():
            self.bias[token] = 10.0

    def forward(self, X, state=None):
        return self.bias.expand(*X.shape, -1), state


def test_sampling_stops_at_the_boundary():
    vocab = Vocab(music_corpus.tunes_to_tokens([TUNE]), reserved=[music_corpus.END])
    texts, ended = music_sampling.sample_tunes(_Always(len(vocab), vocab.token_to_idx[music_corpus.END]), vocab, 3)
    assert texts == ["X:1\n"] * 3 and ended == [True, True, True]  # the prefix, then the boundary
    texts, ended = music_sampling.sample_tunes(_Always(len(vocab), vocab.token_to_idx["G"]), vocab, 2,
                                      temperature=0, max_chars=7, prefix="")
    assert texts == ["GGGGGGG"] * 2 and ended == [False, False]


def test_context_is_read_first_and_not_returned():
    """The state after ``context`` + END + prefix: the same as feeding that whole start by hand."""
    vocab = Vocab(music_corpus.tunes_to_tokens([TUNE]), reserved=[music_corpus.END])
    torch.manual_seed(0)
    lm = LanguageModel(len(vocab), kind="lstm", hidden_size=16)
    end_id = vocab.token_to_idx[music_corpus.END]
    texts, _ = music_sampling.sample_tunes(lm, vocab, 2, temperature=0, max_chars=20, context=TUNE)
    start = torch.tensor([[end_id] + vocab.encode(list(TUNE)) + [end_id] + vocab.encode(list("X:1\n"))])
    ids, lengths = sample(lm, start, 20, temperature=0, stop_id=end_id, forbid=[vocab.unk])
    expected = "X:1\n" + "".join(vocab.decode(ids[0, :int(lengths[0])].tolist()))
    assert texts == [expected] * 2
    tails = [TUNE[-30:], TUNE[-31:-1]]  # one context per tune, of one length
    texts, _ = music_sampling.sample_tunes(lm, vocab, 2, temperature=0, max_chars=20, context=tails)
    assert texts == [music_sampling.sample_tunes(lm, vocab, 1, temperature=0, max_chars=20, context=t)[0][0]
                     for t in tails]
    with pytest.raises(ValueError, match="one length"):
        music_sampling.sample_tunes(lm, vocab, 2, context=[TUNE[-30:], TUNE[-20:]])


def test_tune_tails():
    tails = music_sampling.tune_tails([TUNE, TUNE[:-1] + "|"], 5, length=20, generator=torch.Generator().manual_seed(0))
    assert len(tails) == 5 and {len(t) for t in tails} == {20} and all(t.endswith("|") for t in tails)
    with pytest.raises(ValueError, match="shortest body"):
        music_sampling.tune_tails([TUNE], 1, length=music_corpus.MIN_BODY + 1)


def test_sampling_a_language_model_in_batches():
    vocab = Vocab(music_corpus.tunes_to_tokens([TUNE]), reserved=[music_corpus.END])
    lm = LanguageModel(len(vocab), kind="lstm", hidden_size=16)
    gen = torch.Generator().manual_seed(0)
    texts, ended = music_sampling.sample_tunes(lm, vocab, 4, temperature=1.0, max_chars=50, generator=gen, prefix="")
    assert len(texts) == 4 and all(len(t) <= 50 for t in texts)
    assert all("<unk>" not in t and music_corpus.END not in t for t in texts)
    assert all(e == (len(t) < 50) or len(t) == 49 for t, e in zip(texts, ended))
    with pytest.raises(KeyError, match="reserved"):
        music_sampling.sample_tunes(lm, Vocab(list("abc")), 1)
