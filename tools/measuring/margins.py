"""Every claim's worst margin over seeds and CPU kernel paths: RESULTS.md's margins table.

A notebook states each lecture claim with ``course_utils.claims.claim``, which records the value
it measured, the threshold and the margin (how far the value is on the claim's side). Another
CPU computes the same notebook with other vector kernels, so training follows another
trajectory: to a claim, another CPU is another seed. So the margins are measured over several
seeds and under two CPU kernel paths, the machine's own and ATen's scalar kernels with oneDNN's
SSE4.1 ones (``tools.measuring.benchmark --cpu-paths native default``):

    python -m tools.measuring.benchmark notebooks/04_bptt.ipynb --seeds 0 1 2 71 83 97 \\
        --cpu-paths native default --jobs 2 --out benchmarks/margins/lectures-04-06.json
    python -m tools.measuring.report          # RESULTS.md, its margins table from benchmarks/margins/*.json
    python -m tools.measuring.margins         # the table alone, printed

Nothing here runs a notebook: it reads the benchmark's JSON reports.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARGINS_DIR = ROOT / "benchmarks" / "margins"


@dataclass
class Margin:
    """One claim of one notebook, over every run that reached it."""

    notebook: str
    claim: str
    op: str
    threshold: float | None
    values: list[float | None] = field(default_factory=list)
    margins: list[float] = field(default_factory=list)  # +inf/-inf where the value was not finite
    runs: set[tuple[int, str]] = field(default_factory=set)  # (seed, CPU path)
    failed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def worst(self) -> float:
        return min(self.margins)

    @property
    def worst_value(self) -> float | None:
        worst = self.margins.index(self.worst)
        return self.values[worst]


def _margin(entry: dict) -> float:
    """The entry's margin; a non-finite one counts as +inf when the claim held, -inf when not."""
    if entry.get("margin") is not None:
        return float(entry["margin"])
    return math.inf if entry.get("holds") else -math.inf


def collect(reports: list[dict]) -> list[Margin]:
    """Every claim recorded in ``reports`` (``tools.measuring.benchmark`` JSON), in the order first met."""
    found: dict[tuple[str, str], Margin] = {}
    for report in reports:
        for run in report["runs"]:
            where = (run["seed"], run.get("cpu_path", "native"))
            for entry in run["results"]:
                if entry.get("kind") != "claim":
                    continue
                key = (run["notebook"], entry["name"])
                m = found.setdefault(key, Margin(run["notebook"], entry["name"], entry["op"], entry["threshold"]))
                m.values.append(entry["value"])
                m.margins.append(_margin(entry))
                m.runs.add(where)
                if not entry.get("holds"):
                    m.failed.append(where)
    return sorted(found.values(), key=lambda m: m.notebook)  # stable: claims keep their order


def load(directory: Path = MARGINS_DIR) -> list[dict]:
    """The benchmark reports in ``directory`` (every ``*.json``), by name."""
    return [json.loads(p.read_text()) for p in sorted(Path(directory).glob("*.json"))]


def _fmt(x: float | None) -> str:
    if x is None:
        return "not finite"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:.3g}"


def _relative(m: Margin) -> str:
    if not m.threshold or math.isinf(m.worst):
        return "-"
    return f"{100 * m.worst / abs(m.threshold):.0f}%"


def _tried(m: Margin) -> str:
    seeds = sorted({s for s, _ in m.runs})
    paths = sorted({p for _, p in m.runs})
    return f"{len(m.runs)} ({len(seeds)} seeds x {'/'.join(paths)})"


def current(margins: list[Margin], root: Path | None = None) -> tuple[list[Margin], list[Margin]]:
    """``margins`` split into the claims their notebook still states and those it no longer does
    (changed or removed since the runs), by the claim's sentence in the notebook's ``.py`` twin."""
    texts: dict[str, str] = {}
    for path in Path(root or ROOT).glob("notebooks/**/*.py"):
        if "student" not in path.parts:
            # adjacent string literals ("...ends "\n    "(continues)") read as the one string they are
            texts[path.stem] = re.sub(r"([\"'])\s*\n\s*f?\1", "", path.read_text(encoding="utf-8"))
    kept, retired = [], []
    for m in margins:
        text = texts.get(m.notebook)
        (kept if text is None or m.claim in text or "{" in text and _templated(m.claim, text) else retired).append(m)
    return kept, retired


def _templated(claim: str, text: str) -> bool:
    """Whether ``claim`` comes from an f-string in ``text`` (e.g. "the {cell.upper()} recalls ...")."""
    for literal in re.findall(r'claim\(\s*f"([^"]*)"', text):
        pattern = re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(literal))
        if re.fullmatch(pattern, claim):
            return True
    return False


def table(reports: list[dict], root: Path | None = None) -> list[str]:
    """Markdown lines: one row per claim, its worst value and margin over every run that reached it;
    then the claims the notebooks no longer state, with where they failed."""
    margins, retired = current(collect(reports), root)
    if not margins:
        return ["No margins measured yet: run `tools.measuring.benchmark` with `--cpu-paths native default` "
                "into `benchmarks/margins/`."]
    lines = ["| notebook | claim | threshold | worst value | worst margin | margin / threshold | runs | failed |",
             "|---|---|---|---|---|---|---|---|"]
    for m in margins:
        failed = ", ".join(f"seed {s} ({p})" for s, p in m.failed) or "none"
        claim = m.claim.replace("|", "\\|")  # a claim may name |C_t|: not a column break
        lines.append(f"| {m.notebook} | {claim} | {m.op} {_fmt(m.threshold)} | {_fmt(m.worst_value)} | "
                     f"{_fmt(m.worst)} | {_relative(m)} | {_tried(m)} | {failed} |")
    if retired:
        lines += ["", "Claims measured by these runs that the notebooks no longer state (reworded or "
                  "removed since, with the reason in the notebook):", ""]
        lines += [f"- {m.notebook}: {m.claim.replace('|', '/')} ({m.op} {_fmt(m.threshold)}; worst value "
                  f"{_fmt(m.worst_value)}, failed: {', '.join(f'seed {s} ({p})' for s, p in m.failed) or 'none'})"
                  for m in retired]
    return lines


def failures(reports: list[dict]) -> list[str]:
    """One line per run that did not pass, naming its notebook, seed, CPU path and error."""
    return [f"- {run['notebook']}, seed {run['seed']} ({run.get('cpu_path', 'native')} CPU path): {run['error']}"
            for report in reports for run in report["runs"] if not run["ok"]]


def section(reports: list[dict]) -> list[str]:
    """RESULTS.md's section: what was run, the table, and the runs that failed."""
    lines = ["## Claims and their margins", "",
             "Each lecture claim is stated in its notebook with `claim()`, which records what the run "
             "measured. The margin is how far that value lies on the claim's side of its threshold "
             "(negative: the claim failed). Runs cover several seeds and two CPU kernel paths: `native` "
             "(this machine's vector kernels) and `default` (`ATEN_CPU_CAPABILITY=default`, "
             "`ONEDNN_MAX_CPU_ISA=SSE41`), which round floats differently, as another CPU would. A "
             "claim that a run never reached (an earlier claim stopped it) has fewer runs.", ""]
    for report in reports:
        m = report["machine"]
        notebooks = ", ".join(sorted({r["notebook"] for r in report["runs"]}))
        lines.append(f"- `{report['mode']}` mode, seeds {report['seeds']}, CPU paths "
                     f"{report.get('cpu_paths', ['native'])}: {notebooks} on {m['cpu']} (torch {m['torch']}), "
                     f"commit `{report['commit']}`, {report['date']}.")
    lines += [""] + table(reports) + [""]
    failed = failures(reports)
    if failed:
        lines += ["Runs that did not pass:", "", *failed, ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.measuring.margins", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=MARGINS_DIR, help="folder of benchmark reports")
    args = parser.parse_args(argv)
    print("\n".join(section(load(args.dir))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
