"""RESULTS.md: every notebook's recorded numbers over seeds, its time, and the anchors beside them.

    python -m tools.measuring.benchmark --seeds 0 1 2 --jobs 2      # run every notebook (benchmarks/class.json)
    python -m tools.measuring.cellbench --out benchmarks/cells-cpu.json
    python -m tools.measuring.report                                # RESULTS.md from those files
    python -m tools.measuring.report --report /tmp/smoke.json --out /tmp/RESULTS.md   # what CI does, smoke mode

Nothing here runs a notebook: the numbers come from the benchmark's JSON report (what each
notebook passed to ``course_utils.results.record``, per seed), the cell timings from
``tools.measuring.cellbench``'s JSON, a GPU run's report (``tools.measuring.gpucheck``) where one exists, and the
published numbers from ``tools.measuring.anchors``. README's notebook table is written from the same report
(``python -m tools.measuring.benchmark --update-readme``), so the two cannot disagree.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from course_utils import results
from tools.measuring import anchors, benchmark, margins

ROOT = benchmark.ROOT


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def machine_line(report: dict) -> str:
    """Where and how a report was measured, in one sentence."""
    m = report["machine"]
    where = f"GPU {m['gpu']}" if m.get("gpu") else f"{m['cpu']}, {m['cores']} cores"
    load = m.get("load_at_start")
    load = f", load {load:.1f} at the start" if load is not None else ""
    return (f"`{report['mode']}` mode, seeds {report['seeds']}, {report['jobs']} notebook(s) at a time, "
            f"{report.get('threads', 1)} PyTorch thread(s) each, on {where}{load}; torch {m['torch']}, "
            f"Python {m.get('python', '?')}; commit `{report['commit']}`, {report['date']}.")


def metrics(report: dict, notebook: str) -> list[dict]:
    """Per metric of ``notebook``: mean, sd, min, max over the seeds whose run passed."""
    values: dict[str, list[float]] = {}
    meta: dict[str, dict] = {}
    for run in report["runs"]:
        if run["notebook"] != notebook or not run["ok"]:
            continue
        for entry in results.numbers_only(run["results"]):
            values.setdefault(entry["name"], []).append(entry["value"])
            meta[entry["name"]] = entry
    rows = []
    for name, vals in values.items():
        finite = [v for v in vals if v is not None]
        rows.append({"name": name, "unit": meta[name]["unit"], "better": meta[name]["better"],
                     "seeds": len(vals), "mean": statistics.fmean(finite) if finite else None,
                     "sd": statistics.stdev(finite) if len(finite) > 1 else None,
                     "min": min(finite) if finite else None, "max": max(finite) if finite else None})
    return rows


def notebook_section(report: dict, path: str, summary: dict) -> list[str]:
    """RESULTS.md's section for one notebook: time, its numbers, and the anchors beside them."""
    stem = Path(path).stem
    status = "passed on every seed" if not summary["failed"] else f"**failed** for seeds {summary['failed']}"
    late = " (over budget)" if report["mode"] == "class" and summary["max"] > summary["budget"] else ""
    spread = f" ± {summary['std']:.0f}" if summary["std"] else ""
    lines = [f"### {stem}", "", f"Time {summary['mean']:.0f}{spread} s (slowest {summary['max']:.0f} s; "
             f"class-mode budget {summary['budget']:.0f} s){late}; {status}.", ""]
    rows = metrics(report, stem)
    if rows:
        lines += ["| result | mean ± sd | min | max | seeds | better |", "|---|---|---|---|---|---|"]
        for r in rows:
            if r["mean"] is None:
                lines.append(f"| {r['name']} | not finite | - | - | {r['seeds']} | {r['better']} |")
                continue
            sd = f" ± {r['sd']:.2g}" if r["sd"] is not None else ""
            value = f"{_fmt(r['mean'])}{sd} {r['unit']}".strip()
            lines.append(f"| {r['name']} | {value} | {_fmt(r['min'])} | "
                         f"{_fmt(r['max'])} | {r['seeds']} | {r['better']} |")
        lines.append("")
    beside = anchors.for_notebook(stem)
    if beside:
        lines += ["Beside it, on the same data:", "",
                  "| anchor | number | source | how comparable |", "|---|---|---|---|"]
        for a in beside:
            number = "none reported" if a.value is None else f"{a.value:g} {a.unit}".strip()
            lines.append(f"| {a.what} | {number} | [{a.source}]({a.url}) | {a.comparable} |")
        lines.append("")
    return lines


def cells_section(cells: dict | None) -> list[str]:
    """The course's cells against PyTorch's fused layers (``tools.measuring.cellbench``'s JSON)."""
    lines = ["## The course's cells against PyTorch's layers", ""]
    if not cells:
        return lines + ["Not measured yet: `python -m tools.measuring.cellbench --out benchmarks/cells-cpu.json`.", ""]
    lines += [f"One training step (forward and backward), batch 32 x 64 steps, hidden 256, on "
              f"`{cells['device']}` with {cells['threads']} thread(s), torch {cells['torch']}; median of "
              f"rounds measured interleaved. Goal: at most 3x.", "",
              "| cell | course's cell | PyTorch | ratio |", "|---|---|---|---|"]
    for c in cells["cells"]:
        lines.append(f"| {c['kind']} | {1000 * c['course_s']:.1f} ms | {1000 * c['pytorch_s']:.1f} ms | "
                     f"{c['ratio']:.2f}x |")
    return lines + [""]


def dry_section(dry: dict | None) -> list[str]:
    """RESULTS.md's section on the dry run at full scale: each notebook's T4 estimate and memory."""
    lines = ["## Full mode at full scale: the dry run and its T4 estimate", ""]
    if not dry:
        return lines + ["Not measured yet: `python -m tools.measuring.benchmark --mode full --dry-steps 2 "
                        "--device fake --out benchmarks/full-dry.json`, then this command.", ""]
    return lines + [
        "Every notebook in full mode (full sizes, full data) with each `training.fit` stopped after "
        f"{dry['dry_steps']} steps, on the simulated accelerator (`--device fake`); each fit counted the "
        "work of its first step (`course_utils.costs`: FLOPs with `torch.utils.flop_counter`, ATen "
        "operations dispatched) and the estimate multiplies it by the steps the full recipe asks for. "
        "It is a check of scale, not a timing: operations are counted as the CPU dispatches them, "
        "which over-counts cuDNN's fused recurrent layers, and evaluation, sampling and loops written "
        "outside `fit` are left out. Peak host memory is the kernel's, on the CPU (Colab's free tier "
        "has about 12 GB).", "", machine_line(dry), ""] + benchmark.estimates_table(dry) + [""]


def render(report: dict, cells: dict | None = None, gpu: dict | None = None, source: str = "",
           margin_reports: list[dict] | None = None, dry: dict | None = None) -> str:
    """The whole of RESULTS.md."""
    summary = benchmark.summarise(report["runs"])
    lines = ["# Results", "",
             f"Generated by `python -m tools.measuring.report` from `{source or 'a benchmark report'}`; do not edit "
             "by hand. Each notebook ran alone in a fresh kernel (`python -m tools.measuring.benchmark`); a number is "
             "what the notebook itself recorded with `course_utils.results.record`, over the seeds whose "
             "run passed. Anchors are what others report on the same data, with what differs.", "",
             machine_line(report), ""]
    late = benchmark.over_budget(report)
    if late:
        lines += ["Over budget: " + "; ".join(late) + ".", ""]
    lines += ["## Notebooks", ""]
    for path, s in summary.items():
        lines += notebook_section(report, path, s)
    lines += margins.section(margin_reports or [])
    lines += cells_section(cells)
    lines += dry_section(dry)
    lines += ["## Full mode on a GPU", ""]
    if gpu:
        lines += [machine_line(gpu), ""] + benchmark.results_table(gpu) + [""]
    else:
        lines += ["Not measured yet: on a GPU machine, `python -m tools.measuring.gpucheck` writes "
                  "`benchmarks/gpu-full.json`, and this command adds it here.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _load(path: Path | None) -> dict | None:
    return json.loads(path.read_text()) if path and path.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.measuring.report", description=__doc__.split("\n")[0])
    parser.add_argument("--report", type=Path, default=ROOT / "benchmarks" / "class.json")
    parser.add_argument("--cells", type=Path, default=ROOT / "benchmarks" / "cells-cpu.json")
    parser.add_argument("--gpu", type=Path, default=ROOT / "benchmarks" / "gpu-full.json")
    parser.add_argument("--dry", type=Path, default=ROOT / "benchmarks" / "full-dry.json",
                        help="the dry run at full scale (benchmark --mode full --dry-steps 2 --device fake)")
    parser.add_argument("--margins", type=Path, default=margins.MARGINS_DIR,
                        help="folder of benchmark reports over seeds and CPU paths (claims' margins)")
    parser.add_argument("--out", type=Path, default=ROOT / "RESULTS.md")
    args = parser.parse_args(argv)
    report = _load(args.report)
    if report is None:
        parser.error(f"no benchmark report at {args.report}: run `python -m tools.measuring.benchmark` first")
    source = args.report.relative_to(ROOT).as_posix() if args.report.is_relative_to(ROOT) else args.report.name
    text = render(report, _load(args.cells), _load(args.gpu), source, margins.load(args.margins),
                  _load(args.dry))
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
