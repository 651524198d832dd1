"""attention: weights that sum to one, exactly zero on padding, a soft dictionary lookup."""

import pytest
import torch

from course_utils.attention import DotAttention, length_mask, make_attention, masked_softmax


@pytest.mark.parametrize("kind", ["dot", "additive"])
def test_attention_weights_sum_to_one_and_padding_gets_exactly_zero(kind):
    torch.manual_seed(0)
    attention = make_attention(kind, 8)
    queries, keys, values = torch.randn(3, 4, 8), torch.randn(3, 5, 8), torch.randn(3, 5, 6)
    mask = length_mask(torch.tensor([5, 2, 1]), 5)  # (B, S)
    context, weights = attention(queries, keys, values, mask)  # (B, T, D), (B, T, S)
    assert context.shape == (3, 4, 6) and weights.shape == (3, 4, 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4))
    assert torch.all(weights[1, :, 2:] == 0) and torch.all(weights[2, :, 1:] == 0)
    assert torch.all(weights[0] > 0)
    torch.testing.assert_close(context[2], values[2, :1].expand(4, 6))  # one real key: read it
    values_changed = values.clone()
    values_changed[1, 2:] = 1e6  # what padding holds must not leak into the read
    torch.testing.assert_close(attention(queries, keys, values_changed, mask)[0][1], context[1])
    single, w_single = attention(queries[:, 0], keys, values, mask)  # one query per sentence
    torch.testing.assert_close(single, context[:, 0])
    torch.testing.assert_close(w_single, weights[:, 0])


def test_dot_attention_is_a_soft_dictionary():
    keys = torch.eye(3)[None] * 10  # (1, 3, 3): three very different keys
    values = torch.tensor([[[1.0], [2.0], [3.0]]])  # (1, 3, 1)
    context, weights = DotAttention()(keys[:, 1] * 10, keys, values, torch.ones(1, 3, dtype=torch.bool))
    assert weights[0].argmax() == 1 and context.item() == pytest.approx(2.0, abs=1e-3)


def test_masked_softmax_rejects_an_empty_row():
    with pytest.raises(ValueError, match="at least one True"):
        masked_softmax(torch.zeros(1, 3), torch.zeros(1, 3, dtype=torch.bool))
