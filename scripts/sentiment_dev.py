"""Choose notebook 08's LSTM settings on the dev split carved from SST-2's training phrases.

    python scripts/sentiment_dev.py --seeds 0 1 --pooling last max
    python scripts/sentiment_dev.py --seeds 0 --lr 2e-3 5e-3
    python scripts/sentiment_dev.py --seeds 0 --bidirectional
    python scripts/sentiment_dev.py --seeds 0 1 2 3 --averaging

Every run trains the class-mode LSTM of notebook 08 (same split, vocabulary, batches, optimiser;
one thread) on the training part and reads the *dev* sentences every ``--eval-every`` steps,
never GLUE's dev set (the notebook's test). ``--averaging`` runs the notebook's two stages instead
(one epoch in batches of 256, then ``--refit-epochs`` in batches of 64, on the training part)
and compares, after each epoch of the second stage, the final weights with averages of weights
snapshotted every 50 steps of it: uniform over the last part of it, and exponential moving
averages (EMA) with several decays per snapshot. Each run appends one JSON line to ``--out``: the
settings, the seed, and (step, seconds, dev accuracy) at every evaluation, with the commit and
the load average (seconds under load are inflated). ``scripts/sentiment_dev_runs.jsonl`` holds
the runs that chose the notebook's settings; ``--summary FILE`` prints them as a table.
"""

import argparse
import copy
import itertools
import json
import os
import subprocess
import time
from pathlib import Path

import torch

from course_utils import config, data, models, sentiment, text, training

ROOT = Path(__file__).resolve().parents[1]


def prepare(num_dev: int):
    """The notebook's data: training part and dev sentences, encoded with the training vocabulary."""
    train, dev = sentiment.dev_split(data.load_sst2("train"), num_dev=num_dev)
    train_tokens = [text.tokenize(s, "word") for s, _ in train]
    vocab = text.Vocab((w for tokens in train_tokens for w in tokens), reserved=text.SPECIALS)
    encoded = {"train": (sentiment.encode(train_tokens, vocab), torch.tensor([y for _, y in train])),
               "dev": (sentiment.encode([text.tokenize(s, "word") for s, _ in dev], vocab),
                       torch.tensor([y for _, y in dev]))}
    return vocab, encoded


def run(vocab, encoded, seed: int, pooling: str, lr: float, bidirectional: bool, epochs: int,
        eval_every: int) -> dict:
    config.setup(seed=seed, threads=1)
    train_ids, y_train = encoded["train"]
    dev_ids, y_dev = encoded["dev"]
    model = models.SequenceClassifier(len(vocab), 2, "lstm", embed_size=128, hidden_size=128,
                                      bidirectional=bidirectional, pooling=pooling, dropout=0.5,
                                      pad_id=vocab.pad)
    model.embedding.sparse = True
    batch_sizes = (256, 64)
    gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    curve = []

    def evaluate(m):
        acc = sentiment.accuracy(sentiment.predict_proba(m, dev_ids, vocab.pad), y_dev)
        curve.append({"seconds": round(time.perf_counter() - start, 1), "dev": round(acc, 4)})
        return {"dev": acc}

    history = training.fit(model, sentiment.epochs(train_ids, y_train, batch_sizes, vocab.pad, gen),
                           models.classification_loss, steps=sentiment.steps_for(len(train_ids), batch_sizes, epochs),
                           optimizer=sentiment.SparseDenseAdam(model, lr=lr), clip=1.0, evaluate=evaluate,
                           eval_every=eval_every, progress=False)
    for point, step in zip(curve, history.eval_steps):
        point["step"] = step
    return {"seed": seed, "pooling": pooling, "lr": lr, "bidirectional": bidirectional, "epochs": epochs,
            "curve": curve, "training_seconds": round(history.seconds, 1), "load": os.getloadavg()[0]}


def averaging(vocab, encoded, seed: int, pooling: str, lr: float, refit_epochs: int, every: int = 50) -> dict:
    """Final weights vs averaged weights after each epoch of the second stage (dev accuracy)."""
    config.setup(seed=seed, threads=1)
    train_ids, y_train = encoded["train"]
    dev_ids, y_dev = encoded["dev"]

    def new_model():
        model = models.SequenceClassifier(len(vocab), 2, "lstm", embed_size=128, hidden_size=128,
                                          pooling=pooling, dropout=0.5, pad_id=vocab.pad)
        model.embedding.sparse = True
        return model

    def dev_accuracy(model):
        return round(sentiment.accuracy(sentiment.predict_proba(model, dev_ids, vocab.pad), y_dev), 4)

    def averaged(state_dicts, weights):
        model = copy.deepcopy(averaged_base)  # not a new model: that would draw from the dropout's generator
        model.load_state_dict({k: sum(w * sd[k] for w, sd in zip(weights, state_dicts)) for k in state_dicts[0]})
        return model

    torch.manual_seed(seed)
    model = new_model()
    averaged_base = copy.deepcopy(model)
    optimizer = sentiment.SparseDenseAdam(model, lr=lr)
    batches = sentiment.epochs(train_ids, y_train, (256, 64), vocab.pad, torch.Generator().manual_seed(seed))
    start = time.perf_counter()
    training.fit(model, batches, models.classification_loss, clip=1.0, optimizer=optimizer, progress=False,
                 steps=sentiment.steps_for(len(train_ids), (256,), 1))
    result = {"seed": seed, "pooling": pooling, "lr": lr, "averaging": True, "every": every,
              "after_first_stage": dev_accuracy(model), "epochs": []}
    snapshots = []

    def snapshot(m):
        snapshots.append({k: v.detach().clone() for k, v in m.state_dict().items()})
        return {}

    epoch_steps = sentiment.steps_for(len(train_ids), (64,), 1)
    for epoch in range(1, refit_epochs + 1):
        training.fit(model, batches, models.classification_loss, clip=1.0, optimizer=optimizer, progress=False,
                     steps=epoch_steps, evaluate=snapshot, eval_every=every)
        point = {"epoch": epoch, "final": dev_accuracy(model)}
        for share in (0.5, 1.0, 2.0):  # uniform average over the last `share` epochs
            k = min(len(snapshots), max(1, round(share * epoch_steps / every)))
            point[f"uniform_last_{share}"] = dev_accuracy(averaged(snapshots[-k:], [1 / k] * k))
        for decay in (0.9, 0.95, 0.98):  # EMA per snapshot, started at the first one
            weights = [decay ** (len(snapshots) - 1 - i) * (1 - decay if i else 1) for i in range(len(snapshots))]
            point[f"ema_{decay}"] = dev_accuracy(averaged(snapshots, weights))
        result["epochs"].append(point)
    result["training_seconds"] = round(time.perf_counter() - start, 1)
    result["load"] = os.getloadavg()[0]
    return result


def averaging_summary(runs: list[dict]) -> None:
    """Mean dev accuracy over seeds of each kind of weights, after each epoch of the second stage."""
    seeds = sorted(r["seed"] for r in runs)
    print(f"\nfinal vs averaged weights: mean dev accuracy over seeds {seeds} after each epoch of the second stage")
    keys = [k for k in runs[0]["epochs"][0] if k != "epoch" and all(k in r["epochs"][0] for r in runs)]
    print(f"{'epoch':>5} " + " ".join(f"{k:>17}" for k in keys))
    for e in range(min(len(r["epochs"]) for r in runs)):
        means = [sum(r["epochs"][e][k] for r in runs) / len(runs) for k in keys]
        print(f"{e + 1:>5} " + " ".join(f"{m:>17.1%}" for m in means))


def summary(path: Path) -> None:
    """One line per run: best dev accuracy, where it was reached, seconds of training."""
    print(f"{'seed':>4} {'pooling':>7} {'lr':>7} {'bidir':>5} {'steps':>6} {'best dev':>8} {'at step':>7} "
          f"{'seconds':>7} {'load':>5}")
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if r.get("averaging"):
            continue
        best = max(r["curve"], key=lambda point: point["dev"])
        steps = r["curve"][-1]["step"]
        print(f"{r['seed']:>4} {r['pooling']:>7} {r['lr']:>7g} {str(r['bidirectional']):>5} {steps:>6} "
              f"{best['dev']:>8.1%} {best['step']:>7} {r['training_seconds']:>7.0f} {r['load']:>5.1f}")
    averaged = [r for r in map(json.loads, path.read_text().splitlines()) if r.get("averaging")]
    if averaged:
        averaging_summary(averaged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--pooling", nargs="+", default=["max"], choices=models.POOLINGS)
    parser.add_argument("--lr", type=float, nargs="+", default=[3e-3])
    parser.add_argument("--bidirectional", action="store_true")
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--num-dev", type=int, default=500)
    parser.add_argument("--eval-every", type=int, default=240)
    parser.add_argument("--averaging", action="store_true", help="final vs averaged weights (the two stages)")
    parser.add_argument("--refit-epochs", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("sentiment_dev.jsonl"))
    parser.add_argument("--summary", type=Path, help="print the runs recorded in this file and stop")
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
        return
    torch.set_num_threads(1)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    vocab, encoded = prepare(args.num_dev)
    for seed, pooling, lr in itertools.product(args.seeds, args.pooling, args.lr):
        if args.averaging:
            result = averaging(vocab, encoded, seed, pooling, lr, args.refit_epochs)
        else:
            result = run(vocab, encoded, seed, pooling, lr, args.bidirectional, args.epochs, args.eval_every)
        result["commit"] = commit
        print(json.dumps(result), flush=True)
        with args.out.open("a") as f:
            f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
