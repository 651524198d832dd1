"""Every notebook follows the course's shape and its .py / .ipynb pair agree.

The notebooks themselves are executed top to bottom by nbval (``pytest`` collects
``notebooks/*.ipynb``); these tests check what execution cannot: pairing, no committed outputs,
and the common opening and closing sections.
"""

import json
import re
import unicodedata
from pathlib import Path

import jupytext
import pytest

from course_utils import RELEASE, REPOSITORY

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SCRIPTS = sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.py"))
# Every notebook under notebooks/ (lectures, assignments, student copies) and its jupytext twin.
ALL_NOTEBOOK_FILES = sorted(p for p in NOTEBOOKS.rglob("*") if p.suffix in (".py", ".ipynb")
                            and p.name != "conftest.py" and ".ipynb_checkpoints" not in p.parts)
SYNC_HINT = "Sync the pair with:  jupytext --sync notebooks/{name}.py   (edit the .py, then sync)"


def _sources(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_notebooks():
    assert SCRIPTS, f"no notebooks/NN_topic.py files found in {NOTEBOOKS}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_pair_is_in_sync(script):
    ipynb = script.with_suffix(".ipynb")
    hint = SYNC_HINT.format(name=script.stem)
    assert ipynb.exists(), f"{ipynb.name} is missing. {hint}"
    from_py = jupytext.read(script)
    from_ipynb = jupytext.read(ipynb)
    assert _sources(from_py) == _sources(from_ipynb), f"{script.name} and {ipynb.name} differ. {hint}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_committed_without_outputs(script):
    nb = json.loads(script.with_suffix(".ipynb").read_text(encoding="utf-8"))
    with_outputs = [i for i, c in enumerate(nb["cells"])
                    if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not with_outputs, (f"{script.stem}.ipynb has outputs in cells {with_outputs}: clear them "
                              f"(jupyter nbconvert --clear-output --inplace, then jupytext --sync)")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_opening_and_closing_sections(script):
    nb = jupytext.read(script)
    first = nb.cells[0].source
    badge = (f"https://colab.research.google.com/github/{REPOSITORY}/blob/{RELEASE}/notebooks/"
             f"{script.stem}.ipynb")
    assert first.startswith("# "), "the first cell must be the title (a '# ' heading)"
    assert badge in first, f"the first cell needs the Open in Colab badge linking to {badge}"
    assert re.search(r"learning goals", first, re.I), "the first cell must list the learning goals"
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert "config.setup(" in setup.source, "the first code cell must call config.setup()"
    sections = _sections(nb)
    assert [name.split()[0] for name in sections[-2:]] == ["Summary", "Exercises"], (
        f"a notebook ends with a '## Summary' section, then '## Exercises', and no section after "
        f"them; its last sections are {sections[-3:]}")


def _sections(nb):
    """The '## ' section headings of the markdown cells, in order (code comments are not headings)."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return [m.group(1).strip() for m in re.finditer(r"^## (.+)$", text, re.M)]


def test_sections_read_in_order():
    nb = jupytext.reads("# %% [markdown]\n# ## Summary\n\n# %%\nx = 1  # ## not a heading\n\n"
                        "# %% [markdown]\n# ## Exercises\n# ### 1. Try\n", fmt="py:percent")
    assert _sections(nb) == ["Summary", "Exercises"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_solution_markers_are_balanced(script):
    code = script.read_text(encoding="utf-8")
    begins, ends = code.count("### BEGIN SOLUTION"), code.count("### END SOLUTION")
    assert begins == ends, f"{begins} BEGIN SOLUTION markers but {ends} END SOLUTION markers"
    assert begins >= 1, "each notebook has at least one exercise with a marked solution"


def _strings(node, where=""):
    """Every string in a parsed .ipynb (sources, metadata, outputs), with where it sits."""
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{where}/{i}")


# What the escapes a Python string knows turn into (the control characters have no Unicode name).
_ESCAPES = {"\a": "BEL (\\a)", "\b": "BS (\\b)", "\f": "FF (\\f)", "\r": "CR (\\r)", "\v": "VT (\\v)",
            "\x1b": "ESC", "\x00": "NUL"}


def control_characters(text: str) -> list[tuple[int, str, str]]:
    """(line, character, the line around it) for each control character but tab and newline."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        for ch in line:
            if unicodedata.category(ch) == "Cc" and ch != "\t":
                found.append((number, f"U+{ord(ch):04X} {_ESCAPES.get(ch, '')}".strip(), line.strip()[:80]))
    return found


def test_control_characters_are_found():
    # "\approx" typed in a Python string that is not raw loses its backslash-a to a BEL character
    assert [f[1] for f in control_characters("$Z_t \approx 1$\tok\nnext")] == ["U+0007 BEL (\\a)"]
    assert control_characters("tab\tand newline\nare fine") == []
    assert [f[0] for f in control_characters("a\r\nb\x0c")] == [1, 2]


@pytest.mark.parametrize("path", ALL_NOTEBOOK_FILES, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_no_control_characters(path):
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":  # JSON escapes them (\u0007): look in the decoded strings
        found = [(f"{where} line {line}", name, context)
                 for where, string in _strings(json.loads(raw)) for line, name, context in control_characters(string)]
    else:
        found = [(f"line {line}", name, context) for line, name, context in control_characters(raw)]
    assert not found, (
        f"{path.relative_to(NOTEBOOKS)} holds control characters (only tab and newline belong in a notebook): "
        f"{found[:5]}. A LaTeX command written in a Python string that is not raw loses its first "
        f"letter to an escape (\\approx -> BEL, \\theta -> TAB, \\beta -> BS, \\frac -> FF, \\rho -> CR): "
        f"fix the .py, write such strings as r\"...\", then jupytext --sync and "
        "python -m tools.publishing.assignments.")


INSTRUCTOR_SCRIPTS = SCRIPTS + sorted((NOTEBOOKS / "assignments").glob("*.py"))
_MODE_GUARDED_ASSERT = re.compile(r"^if cfg\.mode\s*[!=]=\s*\"smoke\":\n(?:[ \t]+.*\n)*?[ \t]+assert ", re.M)


@pytest.mark.parametrize("script", INSTRUCTOR_SCRIPTS, ids=lambda p: p.stem)
def test_claims_are_stated_with_claim_not_mode_guarded_asserts(script):
    """A lecture claim is a ``claim()`` call, which checks in class mode and prints in smoke mode
    by itself; an assert hidden behind ``if cfg.mode != "smoke"`` records no margin."""
    text = script.read_text(encoding="utf-8")
    found = _MODE_GUARDED_ASSERT.search(text)
    assert not found, (f"{script.name}: a mode-guarded assert at {found.group(0)[:80]!r}: state the claim "
                       f"with course_utils.claims.claim(sentence, value, op, threshold)")
    assert "claim(" in text, f"{script.name} states no claim with claim()"


def test_the_mode_guard_pattern_finds_what_it_should():
    assert _MODE_GUARDED_ASSERT.search('if cfg.mode != "smoke":\n    x = 1\n    assert x > 0\n')
    assert not _MODE_GUARDED_ASSERT.search('if cfg.mode != "smoke":\n    x = 1\nassert x > 0\n')


DETAILS_OPEN = re.compile(r"^<details>\n<summary>[^<\n]+</summary>\n\n", re.I)


def details_problems(source: str) -> list[str]:
    """What would stop a ``<details>`` cell from rendering as a closed block of markdown everywhere."""
    text = source.strip()
    if not text.lower().startswith("<details"):
        return []
    problems = []
    if not DETAILS_OPEN.match(text):
        problems.append("open with '<details>', then '<summary>Title</summary>', then a blank line")
    if not text.endswith("\n\n</details>"):
        problems.append("end with a blank line, then '</details>' (markdown inside renders only so)")
    if text.count("<details") != 1:
        problems.append("hold one <details> block per cell (no nesting, nothing after it)")
    if re.search(r"^#{1,6} ", text, re.M):
        problems.append("hold no markdown heading (it would break the site's page sections)")
    return problems


def test_details_problems_are_found():
    good = "<details>\n<summary>Where it comes from</summary>\n\nText.\n\n</details>"
    assert details_problems(good) == []
    assert details_problems("Plain prose.") == []
    assert len(details_problems("<details><summary>a</summary>\nText.\n</details>")) == 2
    assert details_problems(good.replace("Text.", "## A heading")) != []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_folded_details_cells_render_everywhere(script):
    nb = jupytext.read(script)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and (problems := details_problems(cell.source)):
            raise AssertionError(f"{script.name}, cell {index}: a details cell must " + "; ".join(problems))
