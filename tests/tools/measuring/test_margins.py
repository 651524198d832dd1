"""tools.measuring.margins: each claim's worst margin over the runs of several benchmark reports."""

import math

import pytest

from tools.measuring import margins, report


@pytest.fixture(autouse=True)
def _no_notebooks(tmp_path, monkeypatch):
    """The claims here are made up: read them against an empty course, where none is retired."""
    monkeypatch.setattr(margins, "ROOT", tmp_path / "empty")


def _claim(name, value, op, threshold, holds=None):
    margin = (value - threshold if op.startswith(">") else threshold - value) if value is not None else None
    return {"kind": "claim", "name": name, "value": value, "op": op, "threshold": threshold,
            "margin": margin, "holds": (margin > 0) if holds is None else holds, "mode": "class"}


def _report(runs, paths=("native",)):
    return {"mode": "class", "seeds": sorted({r["seed"] for r in runs}), "cpu_paths": list(paths),
            "machine": {"cpu": "test CPU", "cores": 2, "gpu": None, "torch": "2.13"}, "commit": "abc",
            "date": "today", "runs": runs}


def _run(seed, path, entries, ok=True, error=""):
    return {"notebook": "04_bptt", "seed": seed, "cpu_path": path, "ok": ok, "error": error,
            "results": [{"name": "a number", "value": 1.0, "better": "higher", "unit": ""}, *entries]}


def test_the_worst_margin_is_over_every_seed_and_path():
    reports = [_report([_run(0, "native", [_claim("IRNN bridges", 0.99, ">", 0.9)]),
                        _run(1, "native", [_claim("IRNN bridges", 0.95, ">", 0.9)])]),
               _report([_run(0, "default", [_claim("IRNN bridges", 0.93, ">", 0.9)])], paths=("default",))]
    (m,) = margins.collect(reports)
    assert math.isclose(m.worst, 0.03) and m.worst_value == 0.93 and not m.failed
    assert m.runs == {(0, "native"), (1, "native"), (0, "default")}
    row = margins.table(reports)[2]
    assert "| 04_bptt | IRNN bridges | > 0.9 | 0.93 | 0.03 | 3% | 3 (2 seeds x default/native) | none |" == row


def test_a_failed_claim_shows_its_negative_margin_and_where_it_failed():
    reports = [_report([_run(5, "default", [_claim("the identity init helps", 0.12, ">", 0.2)], ok=False,
                             error="ClaimNotSupported in cell 40")], paths=("default",))]
    (m,) = margins.collect(reports)
    assert m.worst < 0 and m.failed == [(5, "default")]
    text = "\n".join(margins.section(reports))
    assert "seed 5 (default)" in text and "ClaimNotSupported in cell 40" in text


def test_a_non_finite_value_counts_by_whether_it_held():
    held = _claim("diverges", None, ">", 10, holds=True)
    (m,) = margins.collect([_report([_run(0, "native", [held])])])
    assert m.worst == math.inf


def test_results_md_gets_the_margins_section():
    run = _run(0, "native", [_claim("IRNN bridges", 0.99, ">", 0.9)])
    run.update(path="notebooks/04_bptt.ipynb", seconds=10.0)
    text = report.render(_report([run]) | {"jobs": 1, "threads": 1},
                         margin_reports=[_report([run])])
    assert "## Claims and their margins" in text and "| 04_bptt | IRNN bridges | > 0.9 |" in text


def test_a_bar_in_a_claim_does_not_break_the_table():
    reports = [_report([_run(0, "native", [_claim("|C_t| grows", 4.0, ">", 3)])])]
    assert "| 04_bptt | \\|C_t\\| grows | > 3 |" in margins.table(reports)[2]


def test_claims_a_notebook_no_longer_states_are_listed_apart(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "04_bptt.py").write_text(
        'claim("IRNN "\n      "bridges", a, ">", 0.9)\n'
        'for c in cells:\n    claim(f"the {c.upper()} recalls", b, ">", 0.9)\n')
    found = [_claim("IRNN bridges", 0.99, ">", 0.9), _claim("the GRU recalls", 1.0, ">", 0.9),
             _claim("free flight", 1.1, "<", 0.8)]
    reports = [_report([_run(0, "native", found)])]
    lines = margins.table(reports, root=tmp_path)
    assert sum(line.startswith("| 04_bptt |") for line in lines) == 2
    assert lines[-1].startswith("- 04_bptt: free flight (< 0.8; worst value 1.1, failed: seed 0 (native))")
