"""Run notebook 08 in class mode for several seeds and record its dev accuracies.

    python scripts/sentiment_seeds.py --seeds 0 1 2

Each seed executes the whole notebook top to bottom (every assert in it included), with
``COURSE_SEED`` set, and reads the line it prints in section 5
(``seed S: LSTM dev accuracy A, bag of words B``). The runs are written to
``notebooks/08_sentiment_seeds.json``, which the notebook prints as its table of seeds.
"""

import argparse
import json
import os
import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS / "08_sentiment.ipynb"
TABLE = NOTEBOOKS / "08_sentiment_seeds.json"
RESULT = re.compile(r"seed (\d+): LSTM dev accuracy ([\d.]+), bag of words ([\d.]+)")


def run(seed: int, save_dir: Path | None = None) -> dict:
    """Execute the notebook for one seed; return its printed accuracies and the wall time."""
    os.environ.update(COURSE_SEED=str(seed), COURSE_MODE="class")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=1800, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    seconds = time.perf_counter() - start
    if save_dir is not None:  # the executed notebook, outputs and all, to read
        nbformat.write(nb, save_dir / f"08_sentiment_seed{seed}.ipynb")
    printed = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                      for out in cell.get("outputs", []))
    match = RESULT.search(printed)
    if match is None:
        raise RuntimeError(f"the notebook printed no line matching {RESULT.pattern!r}")
    training = re.search(r"LSTM: [\d,]+ steps in (\d+) s", printed)
    return {"seed": int(match[1]), "lstm": float(match[2]), "bow": float(match[3]),
            "notebook_seconds": round(seconds), "lstm_training_seconds": int(training[1]),
            "load_average": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--append", action="store_true", help="add to the existing table")
    parser.add_argument("--save-dir", type=Path, help="also save each executed notebook there")
    args = parser.parse_args()
    runs = json.loads(TABLE.read_text())["runs"] if args.append and TABLE.exists() else []
    for seed in args.seeds:
        result = run(seed, args.save_dir)
        print(result, flush=True)
        runs = [r for r in runs if r["seed"] != seed] + [result]
        TABLE.write_text(json.dumps({"mode": "class", "runs": sorted(runs, key=lambda r: r["seed"])},
                                    indent=1) + "\n")


if __name__ == "__main__":
    main()
