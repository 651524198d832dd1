"""What the course proves: each claim of the lecture, the notebook section that tests it, its assert.

The page is generated from the notebooks as they are, so it cannot drift from them. A **claim**
is a passage of the lecture that a notebook quotes: a string in double quotes ("..." or “...”),
of three words or more, inside a markdown cell, that appears in the lecture's slide text
(punctuation, case and markup aside). Its **guard** is each ``claim(...)`` call
(``course_utils.claims``: the claim as a sentence, checked by the run, its margin recorded) and each
``assert`` statement in the code
cells that follow, up to the next markdown cell that opens a section (``##``) or quotes the
lecture again. Quotes in a notebook's closing ``## Summary`` and ``## Exercises`` sections recap
claims tested above them and are left out. Its **status**:

- *corrected*: the paragraph that quotes it says the slide slips or overstates
  (:data:`CORRECTION`): the notebook corrects the slide, and the asserts test the correction.
  A paragraph that says so about the lecture or its slides without quoting them is a corrected
  claim too, given by its first sentence;
- *asserted*: an assert guards it;
- *shown, not asserted*: the notebook shows it (a figure, an example) without an assert.

The lecture's slide text is read from ``$COURSE_LECTURE_TEXT`` or ``../shared/LECTURE.txt``
beside the checkout; without it, quotes in paragraphs that name the lecture or its slides count.

    python -m tools.publishing.claims               # print the page (Markdown)
    python -m tools.publishing.claims --out claims.md
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORRECTION = re.compile(r"\bslips?\b|\bslipped\b|overstat|\bnot quite\b|\bmisprint|\btypo\b|\bcorrect(s|ed|ion)\b",
                        re.I)
_QUOTE = re.compile(r'"([^"\n]{8,}?)"|“([^”\n]{8,}?)”')
_SECTION = re.compile(r"^##\s+(.+)$", re.M)
RECAP = re.compile(r"^(Summary|Exercises)\b")


@dataclass
class Claim:
    notebook: str  # "05_lstm"
    section: str  # "1 · A memory cell with three gates"
    quotes: list[str]
    status: str = "shown, not asserted"
    asserts: list[str] = field(default_factory=list)
    title: str = ""  # the notebook's title, "05 · Long short-term memory"


def normalise(text: str) -> str:
    """Lower-case words only, so that markup and punctuation do not hide a quote.

    >>> normalise("I speak fluent \\\\_\\\\_\\\\_.")
    'i speak fluent'
    """
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def lecture_text() -> str | None:
    """The lecture's slide text, or None where this checkout has no copy beside it."""
    for candidate in (os.environ.get("COURSE_LECTURE_TEXT"), ROOT.parent / "shared" / "LECTURE.txt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="utf-8")
    return None


def quotes(markdown: str, lecture: str | None) -> list[str]:
    """The passages of the lecture that a markdown cell quotes, in order, each once.

    >>> quotes('The slide: "the same function and set of parameters" and "other words here".',
    ...        "Note: the same function and set of parameters are used")
    ['the same function and set of parameters']
    """
    found, flat = [], markdown.replace("\n", " ")
    corpus = f" {normalise(lecture)} " if lecture else None
    for match in _QUOTE.finditer(flat):
        text = (match.group(1) or match.group(2)).strip()
        words = normalise(text)
        if len(words.split()) < 3 or text in found:
            continue
        if corpus is not None and f" {words} " not in corpus:
            continue
        if corpus is None and not re.search(r"lecture|slide", flat, re.I):
            continue
        found.append(text)
    return found


def _first_sentence(paragraph: str) -> str:
    """What a correcting paragraph says the slide shows: its first sentence after a bold lead-in.

    >>> _first_sentence("**Where the slides slip.** The slide writes $W_i$ twice. We do not.")
    'The slide writes $W_i$ twice.'
    """
    text = re.sub(r"^\*\*[^*]+\*\*\s*", "", " ".join(paragraph.split()))
    return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]


GUARD = re.compile(r"^(assert |claim\()")


def _asserts(source: str) -> list[str]:
    """The guards of a code cell, each on one line: its ``claim(...)`` calls and ``assert`` statements."""
    found, current, depth = [], None, 0
    for line in source.split("\n"):
        stripped = line.strip()
        if current is None and GUARD.match(stripped):
            current, depth = stripped, 0
        elif current is not None:
            current += " " + stripped
        else:
            continue
        depth += stripped.count("(") + stripped.count("[") - stripped.count(")") - stripped.count("]")
        if depth <= 0 and not stripped.endswith("\\"):
            found.append(re.sub(r"\s+", " ", current))
            current = None
    return found


def claims(nb, name: str, lecture: str | None) -> list[Claim]:
    """The claims of one notebook, in order."""
    result, section, open_claims = [], "", []
    first = nb.cells[0].source.strip().split("\n", 1)[0] if nb.cells else ""
    title = first[2:].strip() if first.startswith("# ") else name
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = _SECTION.findall(cell.source)
            found = quotes(cell.source, lecture)
            if heading or found:
                open_claims = []
            for paragraph in re.split(r"\n\s*\n", cell.source):
                here = quotes(paragraph, lecture)
                if not here and CORRECTION.search(paragraph) and re.search(r"slide|lecture", paragraph, re.I):
                    here = [_first_sentence(paragraph)]  # a correction that does not quote the slide
                if not here:
                    heading = _SECTION.findall(paragraph)
                    section = heading[-1].strip() if heading else section
                    continue
                if RECAP.match(section):
                    continue  # a summary or an exercise repeats a claim tested above it
                claim = Claim(name, section, here, title=title)
                if CORRECTION.search(paragraph):
                    claim.status = "corrected"
                result.append(claim)
                open_claims.append(claim)
            heading = _SECTION.findall(cell.source)
            section = heading[-1].strip() if heading else section
        elif cell.cell_type == "code":
            found = _asserts(cell.source)
            for claim in open_claims:
                claim.asserts += found
                if found and claim.status != "corrected":
                    claim.status = "asserted"
    return result


def all_claims(root: Path = ROOT) -> list[Claim]:
    """Every lecture notebook's claims, in course order."""
    import jupytext

    lecture = lecture_text()
    found = []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]*_*.py")):
        found += claims(jupytext.read(path), path.stem, lecture)
    return found


def _code(text: str, limit: int = 160) -> str:
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return "`` " + text.replace("`", "'") + " ``"


def page(found: list[Claim] | None = None, linked: set[str] | None = None) -> str:
    """The Markdown page: a table per notebook, then the claims the course corrects or only shows.

    Sections link to their notebook's page (``lectures/NN_name.ipynb``), all of them or those in ``linked``.
    """
    found = all_claims() if found is None else found
    lines = ["# What the course proves", "",
             "Each row is a passage of the lecture that a notebook quotes, the section that tests it, "
             "and the asserts that guard it: the notebook fails, and with it the course's tests, the "
             "day a claim stops holding. Generated by `python -m tools.publishing.claims` from the notebooks "
             "themselves (see its documentation for the rules).", ""]
    counts = {s: sum(c.status == s for c in found) for s in ("asserted", "corrected", "shown, not asserted")}
    lines += [f"**{len(found)} claims quoted:** {counts['asserted']} asserted, {counts['corrected']} "
              f"corrected by the course, {counts['shown, not asserted']} shown without an assert.", ""]
    for notebook in dict.fromkeys(c.notebook for c in found):
        title = next(c.title for c in found if c.notebook == notebook) or notebook
        lines += [f"## {title}", "", "| the lecture says | section | status | guarded by |",
                  "|---|---|---|---|"]
        for claim in (c for c in found if c.notebook == notebook):
            said = " / ".join(f"“{q.replace('|', '/')}”" for q in claim.quotes)
            guards = "<br>".join(_code(a) for a in claim.asserts[:3]) or "–"
            if len(claim.asserts) > 3:
                guards += f"<br>and {len(claim.asserts) - 3} more"
            section = claim.section.replace("|", "/") or "(opening)"
            link = f"[{section}](lectures/{notebook}.ipynb)" if linked is None or notebook in linked else section
            lines.append(f"| {said} | {link} | {claim.status} | {guards} |")
        lines.append("")
    for status, title in [("corrected", "Claims the course corrects"),
                          ("shown, not asserted", "Claims the course shows but does not assert")]:
        chosen = [c for c in found if c.status == status]
        lines += [f"## {title}", ""]
        lines += [f"- {c.notebook}, {c.section or '(opening)'}: " + " / ".join(f"“{q}”" for q in c.quotes)
                  for c in chosen] or ["None."]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publishing.claims", description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="write the page here instead of printing it")
    args = parser.parse_args(argv)
    text = page()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
