"""beam_toy: the hand-made table where greedy decoding loses, run through the package's decoders."""

import math

import pytest
import torch

from course_utils import beam_toy, decoding

TABLE = {  # the notebook's table: greedy A B C <eos> (0.048) loses to A C B <eos> (0.054)
    (): {"A": 0.5, "B": 0.3, "C": 0.1, "<eos>": 0.1},
    ("A",): {"A": 0.1, "B": 0.4, "C": 0.3, "<eos>": 0.2},
    ("B",): {"A": 0.3, "B": 0.2, "C": 0.2, "<eos>": 0.3},
    ("A", "B"): {"A": 0.2, "B": 0.2, "C": 0.4, "<eos>": 0.2},
    ("A", "C"): {"A": 0.1, "B": 0.6, "C": 0.1, "<eos>": 0.2},
    ("A", "B", "C"): {"A": 0.1, "B": 0.1, "C": 0.2, "<eos>": 0.6},
    ("A", "C", "B"): {"A": 0.1, "B": 0.1, "C": 0.2, "<eos>": 0.6},
}


def test_sequence_probability_is_the_product_of_the_rows():
    assert beam_toy.sequence_probability(TABLE, ["A", "B", "C", "<eos>"]) == pytest.approx(0.048)
    assert beam_toy.sequence_probability(TABLE, ["A", "C", "B", "<eos>"]) == pytest.approx(0.054)


def test_package_greedy_and_beam_on_the_table():
    model = beam_toy.TableModel(TABLE, ["A", "B", "C"])
    src = torch.tensor([[3]])
    (greedy,), _ = decoding.greedy_decode(model, src, torch.tensor([1]), beam_toy.BOS, beam_toy.EOS, 4)
    assert model.decode_ids(greedy) == ["A", "B", "C"]
    beam, weights = decoding.beam_search(model, src[0], beam_toy.BOS, beam_toy.EOS, 4, beam_size=2)
    assert model.decode_ids(beam) == ["A", "C", "B"] and weights is None
    logp = decoding.output_log_prob(model, src[0], beam, beam_toy.BOS, beam_toy.EOS)
    assert logp == pytest.approx(math.log(0.054))
    one, _ = decoding.beam_search(model, src[0], beam_toy.BOS, beam_toy.EOS, 4, beam_size=1)
    assert one == greedy


def test_missing_prefixes_are_uniform_and_bad_rows_are_refused():
    model = beam_toy.TableModel(TABLE, ["A", "B", "C"])
    logits, state, _ = model.step(torch.tensor([5]), torch.tensor([[5]]), torch.zeros(1, 1))
    assert state.tolist() == [[5, 5]]
    torch.testing.assert_close(logits[0, 2:].exp(), torch.full((4,), 0.25))
    assert logits[0, :2].tolist() == [float("-inf")] * 2
    with pytest.raises(ValueError, match="summing to 1"):
        beam_toy.TableModel({(): {"A": 0.5}}, ["A"])
