"""Run every notebook top to bottom in one size mode and record its time and headline numbers.

    python -m tools.gpucheck                       # full mode, every notebook, on this machine
    python -m tools.gpucheck --mode smoke          # seconds per notebook: try this first
    python -m tools.gpucheck notebooks/08_sentiment.ipynb --out gpu.md

Each notebook runs in a fresh kernel (``COURSE_MODE`` set for it) with a time limit, so one slow
or failing notebook does not stop the others. After the last cell, the kernel reports the
notebook's top-level numbers whose names look like results (accuracy, perplexity, BLEU, loss,
valid share); the table that comes out (Markdown) is what README's GPU section shows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = re.compile(r"(acc|bleu|perplexity|ppl|loss|valid|share)", re.I)

# Run in the notebook's kernel after its last cell: its top-level result-like numbers, as JSON.
_REPORT = f"""
import json as _json, numbers as _numbers, re as _re
import torch as _torch
_names = {{k: v for k, v in dict(globals()).items() if not k.startswith("_")}}
_found = {{}}
for _k, _v in _names.items():
    if _re.search({HEADLINE.pattern!r}, _k, _re.I):
        if isinstance(_v, _torch.Tensor) and _v.numel() == 1:
            _v = _v.item()
        if isinstance(_v, _numbers.Real) and not isinstance(_v, bool):
            _found[_k] = float(_v)
print("__HEADLINES__" + _json.dumps(_found))
"""


@dataclass
class Result:
    """One notebook's run: how long it took, whether it passed, and what it measured."""

    notebook: str
    seconds: float
    ok: bool
    error: str = ""
    metrics: dict[str, float] = field(default_factory=dict)


def _headlines(nb) -> dict[str, float]:
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if "__HEADLINES__" in text:
            return json.loads(text.split("__HEADLINES__", 1)[1].strip())
    return {}


def run_notebook(path: Path, mode: str = "full", timeout: int = 1800) -> Result:
    """Execute ``path`` in a fresh kernel with ``COURSE_MODE=mode``; never raises for the notebook's sake."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_REPORT))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    previous = os.environ.get("COURSE_MODE")
    os.environ["COURSE_MODE"] = mode  # the kernel inherits it; put back below, so nothing else does
    start = time.perf_counter()
    try:
        client.execute()
        ok, error = True, ""
    except CellExecutionError as err:
        ok, error = False, (err.ename or "error") + ": " + str(err.evalue or "")[:200]
    except (CellTimeoutError, DeadKernelError) as err:
        ok, error = False, f"{type(err).__name__}: {str(err)[:200]}"
    finally:
        if previous is None:
            del os.environ["COURSE_MODE"]
        else:
            os.environ["COURSE_MODE"] = previous
    seconds = time.perf_counter() - start
    return Result(path.stem, seconds, ok, error, _headlines(nb) if ok else {})


def device_name() -> str:
    """The accelerator the notebooks will use, in words."""
    import torch
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    return f"CPU only: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (torch {torch.__version__})"


def markdown_table(results: list[Result], mode: str, device: str) -> str:
    """The results as README's table: notebook, time, status, headline numbers."""
    lines = [f"Mode `{mode}` on {device}:", "", "| notebook | time | status | headline numbers |",
             "|---|---|---|---|"]
    for r in results:
        numbers = ", ".join(f"{k} {v:.4g}" for k, v in sorted(r.metrics.items())) or "-"
        status = "passed" if r.ok else f"failed ({r.error})"
        lines.append(f"| {r.notebook} | {r.seconds:.0f} s | {status} | {numbers} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: notebooks/[0-9][0-9]_*.ipynb)")
    parser.add_argument("--mode", default="full", choices=("smoke", "class", "full"))
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    device = device_name()
    results = []
    for path in paths:
        result = run_notebook(path, args.mode, args.timeout)
        print(f"{result.notebook}: {result.seconds:.0f} s, {'passed' if result.ok else result.error}", flush=True)
        results.append(result)
    table = markdown_table(results, args.mode, device)
    print(table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
