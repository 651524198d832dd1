"""decoding: greedy decoding and beam search (batched, exact on small cases), output log-probabilities."""

import itertools
import math

import pytest
import torch
from torch import nn

from course_utils import decoding, seq2seq


def test_batched_greedy_equals_one_at_a_time_and_beam_of_one():
    torch.manual_seed(1)
    model = seq2seq.Seq2Seq(9, 9, embed_size=6, hidden_size=8, attention="dot").eval()
    src, lengths, _, _ = seq2seq.make_batch([[4, 5, 6, 7], [8, 4]], [[4], [4]], pad_id=0, bos=2, eos=3)
    hyps, maps = decoding.greedy_decode(model, src, lengths, bos=2, eos=3, max_len=6)
    for b in range(2):
        alone, alone_map = decoding.greedy_decode(model, src[b:b + 1, :lengths[b]], lengths[b:b + 1], 2, 3, 6)
        assert alone[0] == hyps[b]
        torch.testing.assert_close(alone_map[0], maps[b])
        beam, beam_map = decoding.beam_search(model, src[b, :lengths[b]], 2, 3, 6, beam_size=1)
        assert beam == hyps[b]
        torch.testing.assert_close(beam_map, maps[b])
    assert maps[1].shape[1] == 2  # weights over the real source words only


def random_model(seed, attention="dot", vocab_size=8, sharpness=4.0):
    """A small untrained translator whose output layer is scaled up so its choices are not uniform.

    ``attention="adaptive"``: dot-product attention and an adaptive softmax (cutoff 6)."""
    torch.manual_seed(seed)
    adaptive = attention == "adaptive"
    model = seq2seq.Seq2Seq(vocab_size, vocab_size, embed_size=6, hidden_size=8,
                            attention="dot" if adaptive else attention, cutoffs=[6] if adaptive else None)
    with torch.no_grad():
        for p in model.decoder.out.parameters():
            p *= sharpness
    return model.eval()


def random_sources(seed, count=8, vocab_size=8):
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 6, (count,), generator=generator)
    return [torch.randint(4, vocab_size, (int(n),), generator=generator) for n in lengths]


FORBID = (0, 1, 2)  # <pad>, <unk>, <bos>; <eos> is 3


@pytest.mark.parametrize("attention", [None, "dot", "adaptive"])
def test_beam_of_one_is_exactly_greedy_on_random_models(attention):
    for seed in range(12):
        model = random_model(seed, attention)
        for src in random_sources(seed):
            (greedy,), (greedy_map,) = decoding.greedy_decode(model, src[None], torch.tensor([len(src)]),
                                                             2, 3, max_len=7, forbid=FORBID)
            beam, beam_map = decoding.beam_search(model, src, 2, 3, max_len=7, beam_size=1, forbid=FORBID)
            assert beam == greedy, (seed, src)
            if attention:
                torch.testing.assert_close(beam_map, greedy_map)


def _log_prob(model, src, ids, max_len):
    """Score of an output as a decoder sees it: one shorter than max_len ended with <eos>."""
    return decoding.output_log_prob(model, src, ids, 2, 3, ended=len(ids) < max_len, forbid=FORBID)


def test_beam_never_scores_below_greedy_on_random_models():
    for seed in range(12):
        model = random_model(seed)
        for src in random_sources(seed):
            (greedy,), _ = decoding.greedy_decode(model, src[None], torch.tensor([len(src)]), 2, 3,
                                                 max_len=7, forbid=FORBID)
            greedy_score = _log_prob(model, src, greedy, 7)
            for beam_size in (2, 3, 5):
                beam, _ = decoding.beam_search(model, src, 2, 3, 7, beam_size, forbid=FORBID)
                assert _log_prob(model, src, beam, 7) >= greedy_score - 1e-5, (seed, beam_size)


def _all_outputs(tokens, max_len):
    """Every output a decoder can return: ended (< max_len tokens, then <eos>) or cut at max_len."""
    for n in range(max_len + 1):
        yield from (list(ids) for ids in itertools.product(tokens, repeat=n))


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_a_wide_beam_finds_what_exhaustive_search_finds(length_penalty):
    max_len, vocab_size = 4, 7  # outputs over ids 4, 5, 6: 1 + 3 + 9 + 27 + 81 of them
    for seed in range(6):
        model = random_model(seed, vocab_size=vocab_size, sharpness=1.0)
        src = random_sources(seed, count=1, vocab_size=vocab_size)[0]

        def score(ids, model=model, src=src):
            steps = len(ids) + (len(ids) < max_len)  # <eos> counts as a step
            return _log_prob(model, src, ids, max_len) / steps ** length_penalty

        best = max(_all_outputs(range(4, vocab_size), max_len), key=score)
        found, _ = decoding.beam_search(model, src, 2, 3, max_len, beam_size=200, forbid=FORBID,
                                       length_penalty=length_penalty)
        assert score(found) == pytest.approx(score(best), abs=1e-6), (seed, found, best)


@pytest.mark.parametrize("attention", [None, "dot", "adaptive"])
def test_beams_of_a_batch_equal_beams_one_sentence_at_a_time(attention):
    for seed in range(6):
        model = random_model(seed, attention)
        sources = random_sources(seed)  # lengths 1 to 5: the batch is padded
        for beam_size, length_penalty in ((1, 0.0), (3, 0.0), (4, 1.0)):
            together = decoding.beam_search_batch(model, sources, 2, 3, 7, beam_size, FORBID, length_penalty)
            for src, (ids, weights) in zip(sources, together):
                alone, alone_weights = decoding.beam_search(model, src, 2, 3, 7, beam_size, FORBID,
                                                           length_penalty)
                assert ids == alone, (seed, beam_size, src)
                if attention:
                    assert weights.shape == (len(ids) + (len(ids) < 7), len(src))
                    torch.testing.assert_close(weights, alone_weights)
    with pytest.raises(ValueError, match="non-empty"):
        decoding.beam_search_batch(model, [torch.tensor([4]), torch.tensor([], dtype=torch.long)], 2, 3, 7)


def test_log_probs_of_a_batch_equal_one_at_a_time():
    for seed in range(4):
        model = random_model(seed, "adaptive" if seed % 2 else "dot")
        sources = random_sources(seed)
        generator = torch.Generator().manual_seed(seed)
        outputs = [torch.randint(3, 8, (int(n),), generator=generator).tolist()
                   for n in torch.randint(0, 6, (len(sources),), generator=generator)]
        ended = [bool(i % 3) for i in range(len(sources))]
        together = decoding.output_log_probs(model, sources, outputs, 2, 3, ended, forbid=FORBID)
        for src, ids, e, logp in zip(sources, outputs, ended, together):
            alone = decoding.output_log_prob(model, src, ids, 2, 3, ended=e, forbid=FORBID)
            assert logp == pytest.approx(alone, abs=1e-5), (seed, ids)
            assert (logp == 0.0) == (not ids and not e)  # nothing to score: log 1
    assert decoding.output_log_probs(model, [], [], 2, 3) == []
    with pytest.raises(ValueError, match="one output"):
        decoding.output_log_probs(model, sources, outputs[:1], 2, 3)


def test_forbidden_tokens_are_never_produced():
    torch.manual_seed(0)
    model = seq2seq.Seq2Seq(9, 9, embed_size=6, hidden_size=8).eval()
    with torch.no_grad():
        model.decoder.out.bias[1] = 100.0  # the model wants <unk> everywhere
    src, lengths, _, _ = seq2seq.make_batch([[4, 5]], [[4]], pad_id=0, bos=2, eos=3)
    assert decoding.greedy_decode(model, src, lengths, 2, 3, 5)[0][0] == [1] * 5
    hyps, _ = decoding.greedy_decode(model, src, lengths, 2, 3, 5, forbid=(0, 1, 2))
    assert 1 not in hyps[0]
    assert 1 not in decoding.beam_search(model, src[0], 2, 3, 5, beam_size=3, forbid=(0, 1, 2))[0]


class TableModel(nn.Module):
    """A hand-built decoder: the next token's probabilities depend only on the previous token.

    bos=0, eos=1. From <bos>: A (2) 0.5, B (3) 0.4. After A: X (5) 0.2, four others 0.175 each,
    <eos> 0.1. After B: C (4) 0.9. After C or X..: <eos>. Greedy takes A X <eos> (p = 0.1); the
    best output is B C <eos> (p = 0.36).
    """

    def __init__(self):
        super().__init__()
        probs = torch.full((10, 10), 1e-6)
        probs[0, 2], probs[0, 3] = 0.5, 0.4
        probs[2, 5], probs[2, 6:10], probs[2, 1] = 0.2, 0.175, 0.1
        probs[3, 4] = 0.9
        probs[4:10, 1] = 1.0
        self.register_buffer("logp", torch.log(probs / probs.sum(1, keepdim=True)))
        self.dummy = nn.Parameter(torch.zeros(1))

    def encode(self, src, lengths):
        return (torch.zeros(src.shape[0], 1),), torch.zeros(src.shape[0], 1)

    def step(self, tokens, state, memory):
        return self.logp[tokens], state, None


def test_beam_search_finds_the_sequence_greedy_misses():
    model = TableModel()
    greedy, _ = decoding.greedy_decode(model, torch.zeros(1, 1, dtype=torch.long), torch.tensor([1]),
                                      bos=0, eos=1, max_len=5)
    assert greedy == [[2, 5]]  # A X: 0.5 * 0.2 * 1 = 0.1
    for beam_size in (2, 3):
        best, weights = decoding.beam_search(model, torch.zeros(1, dtype=torch.long), bos=0, eos=1,
                                            max_len=5, beam_size=beam_size)
        assert best == [3, 4] and weights is None  # B C: 0.4 * 0.9 * 1 = 0.36
    assert decoding.beam_search(model, torch.zeros(1, dtype=torch.long), 0, 1, 5, beam_size=1)[0] == [2, 5]


class EarlyEndModel(TableModel):
    """The trap of an early <eos>: from <bos>, A (2) 0.5, <eos> (1) 0.3, B (3) 0.2. After A: C (4)
    0.9, D (5) 0.1. After B, C or D: <eos>. Greedy writes A C (p = 0.45), the best output; the
    empty output (0.3) ends first and must not win just because it finished."""

    def __init__(self):
        super().__init__()
        probs = torch.full((10, 10), 1e-6)
        probs[0, 2], probs[0, 1], probs[0, 3] = 0.5, 0.3, 0.2
        probs[2, 4], probs[2, 5] = 0.9, 0.1
        probs[3:10, 1] = 1.0
        self.logp = torch.log(probs / probs.sum(1, keepdim=True))


def test_an_early_eos_does_not_trap_the_beam():
    model, src = EarlyEndModel(), torch.zeros(1, dtype=torch.long)
    greedy, _ = decoding.greedy_decode(model, src[None], torch.tensor([1]), bos=0, eos=1, max_len=5)
    assert greedy == [[2, 4]]
    for beam_size in (1, 2, 3, 4):
        best, _ = decoding.beam_search(model, src, bos=0, eos=1, max_len=5, beam_size=beam_size)
        assert best == [2, 4], beam_size
    assert decoding.output_log_prob(model, src, [2, 4], bos=0, eos=1) == pytest.approx(math.log(0.45), abs=1e-4)
    assert decoding.output_log_prob(model, src, [], bos=0, eos=1) == pytest.approx(math.log(0.3), abs=1e-4)


def test_length_penalty_prefers_the_longer_output_it_documents():
    """From <bos>: <eos> 0.6, A 0.4. The empty output (1 step) wins on log p; A C <eos> (0.36,
    3 steps) wins on log p per step, which a length penalty of 1 compares."""
    model, src = EarlyEndModel(), torch.zeros(1, dtype=torch.long)
    with torch.no_grad():
        model.logp[0] = torch.log(torch.tensor([1e-6, 0.6, 0.4] + [1e-6] * 7))  # <eos> 0.6, A 0.4
    short, _ = decoding.beam_search(model, src, 0, 1, 5, beam_size=2)
    assert short == []  # log 0.6 > log(0.4 * 0.9)
    long, _ = decoding.beam_search(model, src, 0, 1, 5, beam_size=2, length_penalty=1.0)
    assert long == [2, 4]  # log(0.36) / 3 > log(0.6) / 1
    with pytest.raises(ValueError, match="length_penalty >= 0"):
        decoding.beam_search(model, src, 0, 1, 5, length_penalty=-1.0)
