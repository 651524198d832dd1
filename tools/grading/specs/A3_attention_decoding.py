"""A3 · Attention and decoding: masked attention, one decoder step, greedy decoding, beam search.

Each question calls only the function it marks; everything else is the course's: the decoder
step gets ``attention.DotAttention`` as its ``attend``, and the decoders get a small random GRU
language model built in the kernel from the weights sent as data. The references are
``course_utils.attention.DotAttention``, ``course_utils.seq2seq.Decoder`` (its weights copied
from the case) and ``course_utils.decoding``'s ``greedy_decode``, ``beam_search`` and
``output_log_prob`` (tested in tests/test_attention.py, test_seq2seq.py, test_decoding.py).
Every case is drawn from the grader's secret seed; the decoding cases are drawn until they have
the property a case is there for (an output that ends with ``<eos>``, one that runs to
``max_len``, beam search beating greedy decoding with another first token).
"""

from __future__ import annotations

import torch
from torch import nn

from course_utils import attention, decoding, seq2seq
from tools.grading.specs.spec import Spec

BOS, EOS = 0, 1
TRIES = 200  # models drawn per decoding case before taking the last one drawn (about 1 in 10 has
# the rarest property asked for)


def _randn(*shape, gen: torch.Generator, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=gen, dtype=torch.float64)


def _mask(lengths, S: int) -> torch.Tensor:
    return attention.length_mask(torch.tensor(lengths), S)


# --- exercise 1: masked attention -----------------------------------------------------------

def attention_cases(gen: torch.Generator) -> list[dict]:
    """(B, T_q, T_k, d, d_v, lengths): padded batches (a row of length 1 among them), one unpadded."""
    cases = []
    for B, T_q, T_k, d, d_v, lengths in [(3, 4, 5, 6, 2, (5, 2, 3)), (1, 1, 7, 3, 4, (7,)),
                                         (4, 3, 6, 5, 5, (1, 6, 2, 4)), (2, 2, 4, 3, 3, (4, 4))]:
        cases.append({"q": _randn(B, T_q, d, gen=gen), "k": _randn(B, T_k, d, gen=gen),
                      "v": _randn(B, T_k, d_v, gen=gen), "mask": _mask(lengths, T_k)})
    return cases


def attention_reference(case: dict) -> dict:
    context, weights = attention.DotAttention()(case["q"], case["k"], case["v"], case["mask"].bool())
    return {"context": context, "weights": weights}


ATTENTION_CALL = """context, weights = masked_attention(inputs['q'], inputs['k'], inputs['v'], inputs['mask'].bool())
return {'context': context, 'weights': weights}"""


# --- exercise 2: one decoder step -----------------------------------------------------------

DECODER_WEIGHTS = ("embedding", "weight_ih", "weight_hh", "bias_ih", "bias_hh",
                   "combine_w", "combine_b", "out_w", "out_b")


def decoder_cases(gen: torch.Generator) -> list[dict]:
    """(V, E, n_h, B, S, lengths): the visible check's shapes and the hidden ones."""
    cases = []
    for V, E, n_h, B, S, lengths in [(7, 3, 4, 3, 5, (5, 2, 4)), (11, 5, 2, 1, 3, (3,)),
                                     (5, 6, 3, 4, 6, (6, 1, 3, 2))]:
        cases.append({"embedding": _randn(V, E, gen=gen), "weight_ih": _randn(3 * n_h, E, gen=gen, scale=0.5),
                      "weight_hh": _randn(3 * n_h, n_h, gen=gen, scale=0.5),
                      "bias_ih": _randn(3 * n_h, gen=gen, scale=0.5), "bias_hh": _randn(3 * n_h, gen=gen, scale=0.5),
                      "combine_w": _randn(n_h, 2 * n_h, gen=gen, scale=0.5), "combine_b": _randn(n_h, gen=gen),
                      "out_w": _randn(V, n_h, gen=gen), "out_b": _randn(V, gen=gen),
                      "tokens": torch.randint(0, V, (B,), generator=gen), "h_prev": _randn(B, n_h, gen=gen),
                      "enc": _randn(B, S, n_h, gen=gen), "mask": _mask(lengths, S)})
    return cases


def decoder_reference(case: dict) -> dict:
    V, E = case["embedding"].shape
    n_h = case["h_prev"].shape[1]
    course = seq2seq.Decoder(V, E, n_h, "gru", attention="dot").double()
    gru = course.rnn.impl
    with torch.no_grad():
        course.embedding.weight.copy_(case["embedding"])
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, name + "_l0").copy_(case[name])
        course.combine.weight.copy_(case["combine_w"])
        course.combine.bias.copy_(case["combine_b"])
        course.out.weight.copy_(case["out_w"])
        course.out.bias.copy_(case["out_b"])
        enc, mask = case["enc"], case["mask"].bool()
        logits, h_t, weights = course(case["tokens"][:, None], case["h_prev"], (enc, mask, enc[:, -1]))
    return {"logits": logits[:, 0], "h_t": h_t, "weights": weights[:, 0]}


DECODER_CALL = """from torch import nn
from course_utils.attention import DotAttention
V, E = inputs['embedding'].shape
n_h = inputs['h_prev'].shape[1]
dec = nn.Module()
dec.embedding = nn.Embedding(V, E).double()
dec.cell = nn.GRUCell(E, n_h).double()
dec.combine = nn.Linear(2 * n_h, n_h).double()
dec.out = nn.Linear(n_h, V).double()
dec.embedding.load_state_dict({'weight': inputs['embedding']})
dec.cell.load_state_dict({k: inputs[k] for k in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')})
dec.combine.load_state_dict({'weight': inputs['combine_w'], 'bias': inputs['combine_b']})
dec.out.load_state_dict({'weight': inputs['out_w'], 'bias': inputs['out_b']})
with torch.no_grad():
    logits, h_t, weights = decoder_step(dec, inputs['tokens'], inputs['h_prev'], inputs['enc'],
                                        inputs['mask'].bool(), DotAttention())
return {'logits': logits, 'h_t': h_t, 'weights': weights}"""


# --- exercises 3 and 4: greedy decoding and beam search -------------------------------------

class TinyGRU(nn.Module):
    """A GRU language model from a case's weights, as the course's decoders see a model."""

    def __init__(self, case: dict) -> None:
        super().__init__()
        V, n_h = case["out_w"].shape
        self.V, self.h0, self.out_w, self.out_b = V, case["h0"], case["out_w"], case["out_b"]
        self.cell = nn.GRUCell(V, n_h).double()
        self.cell.load_state_dict({k: case[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})

    def encode(self, src, lengths):
        return torch.zeros(len(src), 1, dtype=torch.float64), self.h0.expand(len(src), -1)

    def step(self, tokens, state, memory):
        h = self.cell(nn.functional.one_hot(tokens, self.V).double(), state)  # (k, n_h)
        return h @ self.out_w.T + self.out_b, h, None


def _tiny_case(V: int, n_h: int, max_len: int, gen: torch.Generator, beam_size: int = 1) -> dict:
    case = {"weight_ih": _randn(3 * n_h, V, gen=gen), "weight_hh": _randn(3 * n_h, n_h, gen=gen),
            "bias_ih": _randn(3 * n_h, gen=gen), "bias_hh": _randn(3 * n_h, gen=gen),
            "out_w": _randn(V, n_h, gen=gen, scale=2.0), "out_b": _randn(V, gen=gen),
            "h0": _randn(1, n_h, gen=gen), "max_len": torch.tensor(max_len)}
    case["out_b"][EOS] += float(torch.empty(()).uniform_(-1.5, 0.5, generator=gen))
    if beam_size > 1:
        case["beam_size"] = torch.tensor(beam_size)
    return case


@torch.no_grad()
def output(case: dict, beam_size: int | None = None) -> list[int]:
    """The course's output ids: greedy decoding, or beam search of ``beam_size``."""
    model, src = TinyGRU(case), torch.zeros(1, dtype=torch.long)
    max_len = int(case["max_len"])
    if beam_size is None:
        return decoding.greedy_decode(model, src[None], torch.tensor([1]), BOS, EOS, max_len)[0][0]
    return decoding.beam_search(model, src, BOS, EOS, max_len, beam_size)[0]


@torch.no_grad()
def decode(case: dict, beam_size: int | None = None) -> dict:
    """The course's output ids (as floats) and their log-probability."""
    ids, max_len = output(case, beam_size), int(case["max_len"])
    log_prob = decoding.output_log_prob(TinyGRU(case), torch.zeros(1, dtype=torch.long), ids, BOS, EOS,
                                        ended=len(ids) < max_len)
    return {"ids": torch.tensor(ids, dtype=torch.float64), "log_prob": torch.tensor(log_prob, dtype=torch.float64)}


def _draw(make, wanted) -> dict:
    """Cases from ``make()`` until one has the property ``wanted(case)`` (the last one at worst)."""
    for _ in range(TRIES):
        case = make()
        if wanted(case):
            break
    return case


def greedy_cases(gen: torch.Generator) -> list[dict]:
    """(V, n_h, max_len): an output ended by <eos> after 2 tokens or more, one cut at max_len, any."""
    def ends(c):
        return 2 <= len(output(c)) < int(c["max_len"])

    def runs(c):
        return len(output(c)) == int(c["max_len"])
    return [_draw(lambda: _tiny_case(6, 4, 8, gen), ends),
            _draw(lambda: _tiny_case(9, 5, 10, gen), runs),
            _draw(lambda: _tiny_case(5, 3, 6, gen), lambda c: len(output(c)) >= 1)]


def greedy_reference(case: dict) -> dict:
    return decode(case)


def _first_choice_loses(case: dict, longer: bool = False) -> bool:
    """Beam search's output starts with another token than greedy's (and has 2 tokens or more)."""
    greedy, beam = output(case), output(case, int(case["beam_size"]))
    return (greedy[:1] or [EOS]) != (beam[:1] or [EOS]) and (not longer or len(beam) >= 2)


def beam_cases(gen: torch.Generator) -> list[dict]:
    """(V, n_h, max_len, beam_size): greedy's first choice loses (twice, once to an output of 2
    tokens or more), and beam search finds another output than greedy."""
    def differs(c):
        return output(c) != output(c, int(c["beam_size"]))
    return [_draw(lambda: _tiny_case(6, 4, 8, gen, beam_size=2), lambda c: _first_choice_loses(c, longer=True)),
            _draw(lambda: _tiny_case(9, 5, 10, gen, beam_size=3), _first_choice_loses),
            _draw(lambda: _tiny_case(7, 4, 9, gen, beam_size=4), differs)]


def beam_reference(case: dict) -> dict:
    return decode(case, int(case["beam_size"]))


DECODE_CALL = """from torch import nn
V, n_h = inputs['out_w'].shape
cell = nn.GRUCell(V, n_h).double()
cell.load_state_dict({k: inputs[k] for k in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')})


def step(tokens, state):
    with torch.no_grad():
        h = cell(nn.functional.one_hot(tokens, V).double(), state)
        return h @ inputs['out_w'].T + inputs['out_b'], h


args = (step, inputs['h0'].clone(), 0, 1, int(inputs['max_len']))
ids, log_prob = FUNCTION
return {'ids': torch.tensor([float(i) for i in ids], dtype=torch.float64),
        'log_prob': torch.tensor(float(log_prob), dtype=torch.float64)}"""

SPECS = [
    Spec("a3_attention", 3, "masked_attention", attention_cases, ATTENTION_CALL, attention_reference),
    Spec("a3_decoder_step", 3, "decoder_step", decoder_cases, DECODER_CALL, decoder_reference),
    Spec("a3_greedy", 2, "greedy_decode", greedy_cases,
         DECODE_CALL.replace("FUNCTION", "greedy_decode(*args)"), greedy_reference, rtol=1e-9),
    Spec("a3_beam", 4, "beam_search", beam_cases,
         DECODE_CALL.replace("FUNCTION", "beam_search(*args, beam_size=int(inputs['beam_size']))"),
         beam_reference, rtol=1e-9),
]
