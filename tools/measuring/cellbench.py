"""How much slower the course's cells are than PyTorch's fused layers: one training step each.

    python -m tools.measuring.cellbench                    # CPU, one thread, batch 32, 64 steps, hidden 256
    python -m tools.measuring.cellbench --device cuda      # on a GPU
    python -m tools.measuring.cellbench --out benchmarks/cells-cpu.json

A step is a forward pass over a (batch, steps, hidden) input and a backward pass of the summed
outputs, for the course's ``Unrolled`` cell (``RNNCell``, ``LSTMCell``, ``GRUCell``, written from
the lecture's equations) and for ``torch.nn.RNN`` / ``LSTM`` / ``GRU``. The two are measured
interleaved, round after round, so that whatever else the machine does falls on both alike; the
report gives each median time and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

from course_utils import cells

KINDS = ("rnn", "lstm", "gru")
FUSED = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def _step(model: nn.Module, X: torch.Tensor) -> None:
    out, _ = model(X)  # (B, T, H)
    out.sum().backward()


def _timed(model: nn.Module, X: torch.Tensor) -> float:
    if X.is_cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    _step(model, X)
    if X.is_cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def compare(kind: str, batch_size: int = 32, num_steps: int = 64, hidden_size: int = 256,
            rounds: int = 10, device: str = "cpu") -> dict:
    """Median seconds per training step of the course's cell and of PyTorch's layer, and the ratio."""
    ours = cells.Unrolled(cells.make_cell(kind, hidden_size, hidden_size)).to(device)
    theirs = FUSED[kind](hidden_size, hidden_size, batch_first=True).to(device)
    X = torch.randn(batch_size, num_steps, hidden_size, device=device)  # (B, T, H)
    for model in (ours, theirs):  # warm-up: allocations, kernel selection
        _step(model, X)
    times = {"course": [], "pytorch": []}
    for _ in range(rounds):
        times["course"].append(_timed(ours, X))
        times["pytorch"].append(_timed(theirs, X))
    course, pytorch = statistics.median(times["course"]), statistics.median(times["pytorch"])
    return {"kind": kind, "course_s": course, "pytorch_s": pytorch, "ratio": course / pytorch}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.measuring.cellbench", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch CPU threads (default 1)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = [compare(kind, rounds=args.rounds, device=args.device) for kind in KINDS]
    print(f"one training step, batch 32 x 64 steps, hidden 256, {args.device}, {args.threads} thread(s), "
          f"torch {torch.__version__}:")
    print("| cell | course's cell | PyTorch | ratio |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['kind']} | {1000 * r['course_s']:.1f} ms | {1000 * r['pytorch_s']:.1f} ms | {r['ratio']:.2f}x |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"device": args.device, "threads": args.threads,
                                        "torch": torch.__version__, "cells": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
