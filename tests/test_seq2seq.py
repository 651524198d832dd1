"""seq2seq: the masked loss, padding invariance, the fast loss, batches by length."""

import math

import pytest
import torch

from course_utils import attention, decoding, seq2seq


def test_masked_cross_entropy_ignores_padding():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 7, requires_grad=True)
    targets = torch.tensor([[4, 5, 3, 0], [6, 3, 0, 0]])  # pad id 0
    loss = seq2seq.masked_cross_entropy(logits, targets, pad_id=0)
    real = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    manual = -sum(torch.log_softmax(logits[b, t], -1)[targets[b, t]] for b, t in real) / len(real)
    torch.testing.assert_close(loss, manual)
    loss.backward()
    assert torch.all(logits.grad[0, 3] == 0) and torch.all(logits.grad[1, 2:] == 0)
    with pytest.raises(ValueError, match="do not line up"):
        seq2seq.masked_cross_entropy(logits, targets[:, :3], pad_id=0)


@pytest.mark.parametrize("attention", [None, "dot", "additive"])
@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_a_padded_batch_gives_what_each_sentence_gives_alone(attention, kind):
    torch.manual_seed(0)
    model = seq2seq.Seq2Seq(11, 13, embed_size=6, hidden_size=8, kind=kind, attention=attention).eval()
    src, src_lengths, tgt_in, tgt_out = seq2seq.make_batch([[4, 5, 6], [7, 8]], [[9, 10], [11, 12, 4]],
                                                           pad_id=0, bos=2, eos=3)
    logits, weights = model(src, src_lengths, tgt_in)  # (B, T, V), (B, T, S)
    alone, _ = model(src[1:, :2], src_lengths[1:], tgt_in[1:])
    torch.testing.assert_close(logits[1:], alone)
    if attention:
        assert torch.all(weights[1, :, 2] == 0)
    loss = seq2seq.seq2seq_loss(model, (src, src_lengths, tgt_in, tgt_out))
    assert loss.item() == pytest.approx(math.log(13), rel=0.2)  # untrained: near uniform


@pytest.mark.parametrize("cutoffs", [None, [6]])
@pytest.mark.parametrize("attention", [None, "dot"])
def test_loss_at_real_positions_equals_the_masked_loss_of_all_logits(attention, cutoffs):
    torch.manual_seed(0)
    model = seq2seq.Seq2Seq(11, 13, embed_size=6, hidden_size=8, attention=attention, cutoffs=cutoffs)
    batch = seq2seq.make_batch([[4, 5, 6], [7, 8]], [[9, 10, 11, 12], [11]], pad_id=0, bos=2, eos=3)
    fast = seq2seq.seq2seq_loss(model, batch)
    fast_grads = torch.autograd.grad(fast, list(model.parameters()))
    logits, _ = model(*batch[:3])  # (B, T, V), every position
    full = seq2seq.masked_cross_entropy(logits, batch[3], pad_id=0)
    full_grads = torch.autograd.grad(full, list(model.parameters()))
    torch.testing.assert_close(fast, full)
    for a, b in zip(fast_grads, full_grads):
        torch.testing.assert_close(a, b)


def test_make_batches_covers_every_pair_once():
    src = [[4] * n for n in (3, 1, 2, 5, 1)]
    tgt = [[5, i + 4] for i in range(5)]
    batches = seq2seq.make_batches(src, tgt, batch_size=2, pad_id=0, bos=2, eos=3,
                                   generator=torch.Generator().manual_seed(0))
    seen = sorted(int(b[3][i, 1]) - 4 for b in batches for i in range(len(b[3])))
    assert seen == [0, 1, 2, 3, 4]


def test_make_batches_groups_by_source_then_target_length():
    src = [[4, 5]] * 4 + [[4]] * 4
    tgt = [[6] * n for n in (1, 5, 1, 5, 2, 2, 2, 2)]
    batches = seq2seq.make_batches(src, tgt, batch_size=2, pad_id=0, bos=2, eos=3, shuffle=False)
    shapes = sorted((b[0].shape[1], b[3].shape[1]) for b in batches)
    assert shapes == [(1, 3), (1, 3), (2, 2), (2, 6)]  # no batch mixes a 1- and a 5-word target


@pytest.mark.parametrize("module", [attention, decoding], ids=lambda m: m.__name__)
def test_seq2seq_reaches_every_public_name_of_attention_and_decoding(module):
    own = [name for name, value in vars(module).items()
           if not name.startswith("_") and getattr(value, "__module__", module.__name__) == module.__name__
           and not isinstance(value, type(math))]  # its own functions, classes and constants, not its imports
    assert own
    for name in own:
        assert name in seq2seq.__all__ and getattr(seq2seq, name) is getattr(module, name), name


def test_one_dot_attention_step_written_out_equals_step():
    """The step notebook 09 writes on the page: GRU cell, scaled dot-product scores, masked softmax,
    the weighted read, tanh(W [h; c]), the output layer."""
    torch.manual_seed(3)
    model = seq2seq.Seq2Seq(9, 11, embed_size=5, hidden_size=6, attention="dot").eval()
    src, src_lengths, _, _ = seq2seq.make_batch([[4, 5, 6], [7, 8]], [[4], [4]], pad_id=0, bos=2, eos=3)
    dec = model.decoder
    cell = torch.nn.GRUCell(5, 6)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in dec.rnn.impl.state_dict().items()})
    token = torch.tensor([2, 2])
    with torch.no_grad():
        (enc_states, mask, _), state = model.encode(src, src_lengths)
        h = cell(dec.embedding(token), state)  # (B, H)
        scores = (enc_states @ h[:, :, None])[:, :, 0] / math.sqrt(6)  # (B, S)
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)  # (B, S)
        context = (weights[:, None, :] @ enc_states)[:, 0]  # (B, H)
        logits = dec.out(torch.tanh(dec.combine(torch.cat([h, context], dim=1))))  # (B, V)
        expected = model.step(token, state, model.encode(src, src_lengths)[0])
    torch.testing.assert_close(logits, expected[0])
    torch.testing.assert_close(h, expected[1])
    torch.testing.assert_close(weights, expected[2])
    assert torch.all(weights[1, 2:] == 0)
