"""Every notebook in full mode on this machine's GPU, timed, with the numbers each records.

    python -m tools.gpucheck --mode smoke          # seconds per notebook: try this first
    python -m tools.gpucheck                       # full mode, every notebook, one fresh kernel each
    python -m tools.gpucheck --out gpu.md          # also write the Markdown table for README

A thin front to ``tools.benchmark`` (same runner, same report in ``benchmarks/<mode>.json``),
with full mode as the default and the Markdown table written where README's GPU table is pasted from.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools import benchmark


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gpucheck", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--mode", default="full", choices=("smoke", "class", "full"))
    parser.add_argument("--cell-timeout", type=int, default=1800)
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    report_path = benchmark.ROOT / "benchmarks" / f"gpu-{args.mode}.json"
    code = benchmark.main([*map(str, args.notebooks), "--mode", args.mode, "--threads", "1",
                           "--cell-timeout", str(args.cell_timeout), "--out", str(report_path)])
    if args.out:
        args.out.write_text(benchmark.markdown(json.loads(report_path.read_text())), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
