"""Choose notebook 09's translation settings on the dev split, never on test.

One run trains the notebook's translator with the settings given and prints dev BLEU (greedy,
with ``<unk>`` forbidden and allowed) every ``--eval-every`` steps, with the training time so far,
as one JSON line per evaluation. Test items are split off and never decoded here.

    COURSE_DATA_MIRROR=/work/shared/data COURSE_THREADS=1 OMP_NUM_THREADS=1 \\
        python scripts/translation_dev.py --min-freq 5 --steps 1200 --lr 5e-3 --batch 64
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from course_utils import config, data, metrics, seq2seq, text, training, translation


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-src", type=int, default=6)
    parser.add_argument("--max-tgt", type=int, default=14)
    parser.add_argument("--min-freq", type=int, default=3)
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--embed", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--attention", default="dot")
    parser.add_argument("--cutoffs", default="", help="adaptive softmax cutoffs, e.g. 1000 or 500,2000")
    parser.add_argument("--eval-every", type=int, default=300)
    parser.add_argument("--beams", default="", help="after training: beam sizes to try on dev, e.g. 1,2,4")
    parser.add_argument("--penalties", default="0", help="length penalties to try with the beams")
    parser.add_argument("--beam-items", type=int, default=400, help="dev items decoded with beams")
    return parser.parse_args(argv)


def dev_bleu(model, dev, src_vocab, tgt_vocab, max_len, forbid_unk=True, beam_size=None,
             length_penalty=0.0):
    refs = [list(item.references) for item in dev]
    sources = [item.src for item in dev]
    if forbid_unk:
        outs, _ = translation.translate(model, sources, src_vocab, tgt_vocab, max_len,
                                        beam_size=beam_size, length_penalty=length_penalty)
    else:  # the same greedy decoding, <unk> allowed
        ids = [src_vocab.encode(s) for s in sources]
        src, lengths = text.pad_batch(ids, src_vocab.pad)
        raw, _ = seq2seq.greedy_decode(model, src, lengths, tgt_vocab.bos, tgt_vocab.eos, max_len,
                                       forbid=(tgt_vocab.pad, tgt_vocab.bos))
        outs = [tgt_vocab.decode(r) for r in raw]
    hyps = [text.detokenize(o, "fr") for o in outs]
    return metrics.corpus_bleu(hyps, refs, lowercase=True)[0]


def main(argv=None):
    args = parse_args(argv)
    cfg = config.setup(seed=args.seed)
    examples = translation.prepare_pairs(data.load_fra_eng(), args.max_src, args.max_tgt)
    train, dev, _test = translation.split_train_dev_test(examples, 1000, 1000, seed=args.seed)
    src_vocab = text.Vocab((w for ex in train for w in ex.src), args.min_freq, text.SPECIALS)
    tgt_vocab = text.Vocab((w for ex in train for w in ex.tgt), args.min_freq, text.SPECIALS)
    train_src = [src_vocab.encode(ex.src) for ex in train]
    train_tgt = [tgt_vocab.encode(ex.tgt) for ex in train]
    max_len = args.max_tgt + 4
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    model = seq2seq.Seq2Seq(len(src_vocab), len(tgt_vocab), embed_size=args.embed,
                            hidden_size=args.hidden, attention=args.attention or None,
                            cutoffs=[int(c) for c in args.cutoffs.split(",") if c] or None)
    record = {k: v for k, v in vars(args).items()}
    record.update(train_pairs=len(train), src_vocab=len(src_vocab), tgt_vocab=len(tgt_vocab))
    print(json.dumps(record), flush=True)
    clock = {"eval": 0.0}

    def evaluate(m):
        start = time.perf_counter()
        scores = {"dev_bleu": dev_bleu(m, dev, src_vocab, tgt_vocab, max_len),
                  "dev_bleu_unk": dev_bleu(m, dev, src_vocab, tgt_vocab, max_len, forbid_unk=False)}
        clock["eval"] += time.perf_counter() - start
        return scores

    history = training.fit(model, lambda: seq2seq.make_batches(
        train_src, train_tgt, args.batch, tgt_vocab.pad, tgt_vocab.bos, tgt_vocab.eos,
        generator=generator), seq2seq.seq2seq_loss, steps=args.steps, clip=1.0,
        optimizer=torch.optim.Adam(model.parameters(), lr=args.lr, fused=True),
        schedule="cosine", evaluate=evaluate, eval_every=args.eval_every, progress=False)
    for step, scores in zip(history.eval_steps, history.evals):
        print(json.dumps({"step": step, **{k: round(v, 2) for k, v in scores.items()}}), flush=True)
    train_seconds = history.seconds - clock["eval"]
    print(json.dumps({"train_seconds": round(train_seconds, 1),
                      "ms_per_step": round(1000 * train_seconds / args.steps, 1)}), flush=True)
    for beam_size in [int(b) for b in args.beams.split(",") if b]:
        for penalty in [float(p) for p in args.penalties.split(",")]:
            with training.eval_mode(model):
                start = time.perf_counter()
                score = dev_bleu(model, dev[:args.beam_items], src_vocab, tgt_vocab, max_len,
                                 beam_size=beam_size, length_penalty=penalty)
            print(json.dumps({"beam": beam_size, "length_penalty": penalty, "items": args.beam_items,
                              "dev_bleu": round(score, 2),
                              "seconds": round(time.perf_counter() - start, 1)}), flush=True)
    return cfg


if __name__ == "__main__":
    main()
