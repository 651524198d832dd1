"""Every notebook in full mode on this machine's GPU, timed, with what each records and where it failed.

    python -m tools.measuring.gpucheck --mode smoke          # seconds per notebook: try this first
    python -m tools.measuring.gpucheck                       # full mode, every notebook, one fresh kernel each
    python -m tools.measuring.gpucheck --seeds 0 1 2 --out gpu.md   # also write the Markdown table for README

The same runner as ``tools.measuring.benchmark`` (report in ``benchmarks/gpu-<mode>.json``), with:

- ``COURSE_DEVICE=cuda`` and a last cell appended to each notebook (``course_utils.devicecheck``)
  that records the peak GPU memory and fails a notebook whose models never reached the GPU;
- every seed asked for, and each notebook's full-mode budget (about 10 minutes on a free Colab
  T4) beside its time;
- the numbers a failed run recorded before it failed, and the cell that failed;
- a kernel that hung (nbclient issue #312) run once more, with a note saying so.

``--device fake`` runs the same on ``course_utils.fakedevice``'s simulated accelerator, which is
how this tool is tested on machines without a GPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from tools.measuring import benchmark

FULL_BUDGET = 600.0  # seconds per notebook in full mode on a free Colab T4 (issue: about 10 minutes)
PEAK_MEMORY = "peak GPU memory"  # the name course_utils.devicecheck records it under


def budget(mode: str, path: str | Path) -> float:
    """A notebook's budget in seconds: ``FULL_BUDGET`` in full mode, else the benchmark's class budget."""
    return FULL_BUDGET if mode == "full" else benchmark.budget(Path(path))


def _value(run: dict, name: str) -> float | None:
    return next((r["value"] for r in run["results"] if r["name"] == name), None)


def _numbers(run: dict) -> str:
    """What a run recorded, other than the device check's own entries, as ``name value unit; ...``."""
    own = (PEAK_MEMORY, "optimizer steps on ")
    shown = [f"{r['name']} {r['value']:.4g}{' ' + r['unit'] if r['unit'] else ''}" if r["value"] is not None
             else f"{r['name']} not finite" for r in run["results"] if not r["name"].startswith(own)]
    return "; ".join(shown) or "-"


def status(run: dict) -> str:
    """``passed``, ``passed after a hang (run again)`` or ``failed``; a hang is never silent."""
    if not run["ok"]:
        return "failed" + (" (after a hang, run again)" if run.get("hangs") else "")
    return "passed after a hang (run again)" if run.get("hangs") else "passed"


def markdown(report: dict) -> str:
    """The report as Markdown: one row per notebook and seed, then failures and hangs in full."""
    m, mode = report["machine"], report["mode"]
    where = m["gpu"] or f"no GPU ({m['cpu']}, device {report.get('device') or 'cpu'})"
    lines = [f"Mode `{mode}`, seeds {report['seeds']}, on {where} (torch {m['torch']}), commit "
             f"{report['commit']}, {report['date']}. Budget: "
             + (f"{FULL_BUDGET / 60:.0f} min per notebook (a free Colab T4)." if mode == "full"
                else "the class-mode budgets."),
             "", "| notebook | seed | time | budget | peak GPU memory | status | numbers |",
             "|---|---|---|---|---|---|---|"]
    for run in report["runs"]:
        peak = _value(run, PEAK_MEMORY)
        limit = budget(mode, run["path"])
        late = " (over budget)" if run["seconds"] > limit else ""
        lines.append(f"| {run['notebook']} | {run['seed']} | {run['seconds']:.0f} s{late} | {limit:.0f} s | "
                     f"{'-' if peak is None else f'{peak:.0f} MiB'} | {status(run)} | {_numbers(run)} |")
    failed = [run for run in report["runs"] if not run["ok"]]
    if failed:
        lines += ["", "Failed runs (the numbers are those recorded before the failure):"]
        lines += [f"- {r['notebook']} (seed {r['seed']}, {r['seconds']:.0f} s): {r['error']}; recorded: {_numbers(r)}"
                  for r in failed]
    hangs = [(r, hang) for r in report["runs"] for hang in r.get("hangs", [])]
    if hangs:
        lines += ["", "Hangs (each run once more; the row shows the second attempt):"]
        lines += [f"- {r['notebook']} (seed {r['seed']}): {hang}" for r, hang in hangs]
    on_cpu = [(r, _value(r, "optimizer steps on cpu")) for r in report["runs"] if r["ok"]]
    on_cpu = [(r, n) for r, n in on_cpu if n]
    if on_cpu:
        lines += ["", "Runs that also trained on the CPU (a model left behind?):"]
        lines += [f"- {r['notebook']} (seed {r['seed']}): {n:.0f} optimizer steps on the CPU" for r, n in on_cpu]
    peaks = [p for p in (_value(r, PEAK_MEMORY) for r in report["runs"]) if p is not None]
    if peaks:
        lines += ["", f"Largest peak GPU memory: {max(peaks):.0f} MiB; median {statistics.median(peaks):.0f} MiB."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.measuring.gpucheck", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--mode", default="full", choices=("smoke", "class", "full"))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), or fake: the simulated accelerator")
    parser.add_argument("--cell-timeout", type=int, default=1800)
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    report_path = benchmark.ROOT / "benchmarks" / f"gpu-{args.mode}.json"
    code = benchmark.main([*map(str, args.notebooks), "--mode", args.mode, "--threads", "1",
                           "--seeds", *map(str, args.seeds), "--device", args.device,
                           "--cell-timeout", str(args.cell_timeout), "--out", str(report_path)])
    table = markdown(json.loads(report_path.read_text()))
    print(table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
