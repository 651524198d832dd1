"""Choose notebook 07's sampling temperature on models and draws that are never reported.

Trains the class-mode recipe of notebook 07 with a seed the notebook is not run with, then
samples tunes at several temperatures (a generator seeded apart from the notebook's) and scores
them with the notebook's checks: strict validity, in-time share, and the longest stretch a
valid sample shares with a training tune against the 95th percentile of the dev tunes' stretches
(the notebook's copy check, with dev tunes in place of test tunes). One JSON line per (seed, temperature) is appended to
``course_utils/music_dev_runs.jsonl`` (package data, read by ``music.dev_runs``).

    python scripts/music_dev.py --seeds 100 101 --temperatures 0.5 0.6 0.7 0.8
    python scripts/music_dev.py --summary
"""
import argparse
import json
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

from course_utils import metrics, models, music, text, training

RUNS = Path(__file__).resolve().parents[1] / "course_utils" / "music_dev_runs.jsonl"
RECIPE = dict(num_steps=100, batch_size=32, embed_size=32, hidden_size=256, train_steps=1000, lr=8e-3, source=False)


def with_source(tunes: list[str]) -> list[str]:
    """Each tune with an ABC ``S:`` (source) line after ``X:`` naming its collection.

    The collections write repeats in different styles (ryansMammoth opens one with ``|:`` in
    two tunes of three, airdsAirs almost never): the line lets a model say which style it writes in."""
    source = {}
    for collection in music.COLLECTIONS:
        for tune in music.load_tunes([collection])[0]:
            source.setdefault(tune, collection)
    return [tune.replace("X:1\n", f"X:1\nS:{source[tune]}\n", 1) for tune in tunes]


def train(seed: int, recipe: dict, saved: Path | None = None):
    """The notebook's class-mode training: truncated BPTT with the state carried between windows.

    With ``saved`` (a state dict written by an earlier run), the model is loaded instead of trained."""
    torch.manual_seed(seed)
    tunes, _ = music.load_tunes()
    train_tunes, held_tunes = music.split_tunes(tunes, valid_fraction=0.05)
    _, dev_tunes = music.split_tunes(held_tunes, valid_fraction=0.5, seed=1)
    if recipe.get("source"):
        train_tunes, dev_tunes = with_source(train_tunes), with_source(dev_tunes)
    train_tokens = music.tunes_to_tokens(train_tunes)
    vocab = text.Vocab(train_tokens, reserved=[music.END])
    train_ids = torch.tensor(vocab.encode(train_tokens))  # (N_train,)
    dev_ids = torch.tensor(vocab.encode(music.tunes_to_tokens(dev_tunes)))  # (N_dev,)
    gen = torch.Generator().manual_seed(seed)
    state = {"carried": None}

    def epoch_batches():
        state["carried"] = None
        offset = int(torch.randint(recipe["num_steps"], (1,), generator=gen))
        yield from text.sequential_batches(train_ids[offset:], recipe["batch_size"], recipe["num_steps"])

    def loss_fn(model, batch):
        X, Y = batch  # (B, T), (B, T)
        logits, new = model(X, state["carried"])  # (B, T, V)
        state["carried"] = tuple(s.detach() for s in new)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))

    lm = models.LanguageModel(len(vocab), kind="lstm", hidden_size=recipe["hidden_size"],
                              embed_size=recipe["embed_size"])
    X_dev, Y_dev = text.lm_windows(dev_ids, 200)  # (N, 200)
    if saved is not None and saved.exists():
        lm.load_state_dict(torch.load(saved))
        dev_loss, seconds = metrics.evaluate_lm(lm, X_dev, Y_dev)["loss"], float("nan")
    else:
        history = training.fit(lm, epoch_batches, loss_fn, steps=recipe["train_steps"], lr=recipe["lr"],
                               clip=1.0, schedule="cosine", progress=False,
                               evaluate=lambda m: metrics.evaluate_lm(m, X_dev, Y_dev))
        dev_loss, seconds = history.metric("loss")[-1], history.seconds
    index = text.CopyIndex(music.body(t) for t in train_tunes)
    dev_shared = [index.longest_shared(music.body(t)) for t in dev_tunes]
    return lm, vocab, train_tunes, dev_loss, seconds, index, float(np.percentile(dev_shared, 95))


def reason(check, ended: bool) -> str:
    """The first thing that makes a sample fail the strict check, or "valid"."""
    if check.missing_headers:
        return "missing headers"
    if check.problems:
        return "structure: " + check.problems[0].split(" at character")[0]
    if check.error:
        return "music21 raised"
    if check.messages:
        return "music21 complained"
    if check.num_notes < music.MIN_NOTES:
        return "too few notes"
    return "valid" if ended else "never ended"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101])
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--train-steps", type=int, default=RECIPE["train_steps"])
    parser.add_argument("--hidden-size", type=int, default=RECIPE["hidden_size"])
    parser.add_argument("--batch-size", type=int, default=RECIPE["batch_size"])
    parser.add_argument("--num-steps", type=int, default=RECIPE["num_steps"], help="window length (characters)")
    parser.add_argument("--lr", type=float, default=RECIPE["lr"])
    parser.add_argument("--source-header", action="store_true",
                        help="train on tunes with an S: line naming their collection (with_source)")
    parser.add_argument("--out", type=Path, default=RUNS, help="where the runs are appended (and read by --summary)")
    parser.add_argument("--reuse", action="store_true", help="load the model a run with the same seed and steps saved")
    parser.add_argument("--context", choices=["tune", "tails"], default="tune",
                        help="read one training tune before every sample, or the end of a different one for each")
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    if args.summary:
        return summary(args.out)
    torch.set_num_threads(1)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    for seed in args.seeds:
        recipe = dict(RECIPE, train_steps=args.train_steps, hidden_size=args.hidden_size,
                      batch_size=args.batch_size, num_steps=args.num_steps, lr=args.lr,
                      source=args.source_header)
        tag = "_".join(str(recipe[k]) for k in ("train_steps", "hidden_size", "batch_size", "num_steps", "lr"))
        tag += "_source" if recipe["source"] else ""
        saved = Path(f"/tmp/music_dev_{seed}_{tag}.pt")
        lm, vocab, train_tunes, dev_loss, seconds, index, threshold = train(seed, recipe,
                                                                              saved if args.reuse else None)
        lm.eval()
        torch.save(lm.state_dict(), saved)
        for temperature in args.temperatures:
            gen = torch.Generator().manual_seed(10_000 + seed)
            start = time.perf_counter()
            if args.context == "tails":
                context = music.tune_tails(train_tunes, args.samples, generator=gen)
            else:  # one training tune, read before every tune written (as notebook 07)
                context = train_tunes[int(torch.randint(len(train_tunes), (1,), generator=gen))]
            samples, ended = music.sample_tunes(lm, vocab, args.samples, temperature=temperature,
                                                max_chars=1000, generator=gen, context=context)
            checks = [music.check_tune(s) for s in samples]
            sc = music.score(checks, ended)
            reasons = Counter(reason(c, e) for c, e in zip(checks, ended))
            good = [music.body(s) for s, c, e in zip(samples, checks, ended) if c.strict and e]
            shared = [index.longest_shared(b) for b in good] or [0]
            row = dict(seed=seed, temperature=temperature, recipe=recipe, context=args.context, commit=commit,
                       dev_loss=dev_loss, train_seconds=seconds, samples=args.samples, ended=sum(ended),
                       strict=sc.strict,
                       in_time=sc.in_time, valid_in_time=sc.valid_in_time, bars_in_time=sc.bars_in_time,
                       max_shared=max(shared), median_shared=float(np.median(shared)), dev_threshold=threshold,
                       copies=sum(index.is_copy(b) for b in good), reasons=dict(reasons),
                       check_seconds=time.perf_counter() - start)
            print(json.dumps(row), flush=True)
            with args.out.open("a") as f:
                f.write(json.dumps(row) + "\n")


def summary(runs: Path = RUNS):
    """Mean strict validity and in-time share per temperature over the dev seeds."""
    rows = [json.loads(line) for line in runs.read_text().splitlines() if line.strip()]
    by_t = defaultdict(list)
    for r in rows:
        context = {True: "tune", False: "none"}.get(r.get("context", False), r.get("context"))
        rec = r["recipe"]
        by_t[context, rec.get("source", False), rec["train_steps"], rec["hidden_size"], rec["batch_size"],
             rec["num_steps"], rec["lr"], r["temperature"]].append(r)
    print(f"{'context':>9s}{'S:':>4s}{'steps':>6s}{'hidden':>7s}{'batch':>6s}{'window':>7s}{'lr':>7s}{'temperature':>12s}"
          f"{'seeds':>7s}{'strict':>8s}{'in time':>9s}{'ended':>7s}"
          f"{'lowest valid in time':>21s}{'max shared':>12s}{'dev loss':>10s}")
    for (context, source, steps, hidden, batch, window, lr, t), rs in sorted(by_t.items()):
        mean = {k: sum(r[k] for r in rs) / len(rs) for k in ("strict", "in_time", "ended", "dev_loss")}
        print(f"{context:>9s}{'yes' if source else 'no':>4s}{steps:6d}{hidden:7d}{batch:6d}{window:7d}{lr:7.3g}"
              f"{t:12.2f}{len(rs):7d}{mean['strict']:8.0%}"
              f"{mean['in_time']:9.0%}{mean['ended']:7.0f}{min(r['valid_in_time'] for r in rs):21.0%}"
              f"{max(r.get('max_shared', float('nan')) for r in rs):12.0f}{mean['dev_loss']:10.3f}")


if __name__ == "__main__":
    main()
