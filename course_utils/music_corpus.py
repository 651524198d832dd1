"""Folk tunes in ABC notation as text: music21's collections read, normalised, split and tokenised.

    tunes, dropped = load_tunes()          # normalised tunes (str), and a Counter of why others went
    train, valid = split_tunes(tunes)      # by tune, never by character
    stream = tunes_to_tokens(train)        # characters, END between tunes
    header, music = split_tune(tune)       # the header fields {letter: value} up to K:, and the body (str)

The tunes are the public-domain British and Irish collections that ship inside ``music21``
(``COLLECTIONS``); the Essen folksongs, whose terms forbid commercial use, are left out.
ABC is a text format: a header of ``F:value`` lines (X number, T title, R rhythm, M meter,
L unit note length, K key, which ends the header) and a body of notes ``A-G a-g`` with octave
marks ``, '``, lengths ``2 /2 3/2``, broken rhythm ``> <``, rests ``z``, bar lines ``| || :| |:``.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

END = "<end>"
"""The tune-boundary token: between tunes in the training stream, and where sampling stops."""

COLLECTIONS = {
    "oneills1850": "O'Neill's Music of Ireland: Eighteen Hundred and Fifty Melodies (Francis "
                   "O'Neill, Chicago, 1903); ABC by Norbert Paap, Bob Safranek and others",
    "ryansMammoth": "Ryan's Mammoth Collection of fiddle tunes (William Bradbury Ryan, Boston, "
                    "1883); ABC by Ray Davies and others",
    "airdsAirs": "Aird's Selection of Scotch, English, Irish and Foreign Airs (James Aird, "
                 "Glasgow, 1778-1803); ABC by Jack Campin",
    "miscFolk": "Colonial and Civil War American fife music, and Bruce and Stokoe's "
                "Northumbrian Minstrelsy (1882); ABC by Jack Campin",
}
"""The four public-domain collections used (music21's ``corpus/<name>/*.abc``)."""

HEADER_ORDER = ("X", "T", "R", "M", "L", "K")
MIN_BODY, MAX_BODY = 100, 600  # characters of a normalised body kept for training

_FIELD = re.compile(r"^([A-Za-z]):(?![|:])\s*(.*?)\s*$")  # "A:|" is music, not a field
_BODY_FIELDS = ("K", "L", "M")  # field lines inside the body that change how notes are read
_INLINE_FIELD = re.compile(r"\[[KLM]:[^\]\n]*\]")
_DROP = [re.compile(p) for p in (
    r'"[^"\n]*"',          # chord symbols and text annotations: "Am" "^fine" "4"
    r"![^!\n]*!",          # decorations: !trill! !fermata!
    r"\+[^+\n]*\+",        # old-style decorations: +trill+
    r"\{[^}\n]*\}",        # grace notes: {ag}
)]
_DECORATIONS = re.compile(r"[~.`\\!H-Y]|[h-w]|[y]")  # rolls, staccato, bowing u/v, letters ~T H ...
_ALLOWED = set("ABCDEFGabcdefgzZx,'^_=0123456789/<>|:[]()- \n")


class TuneError(ValueError):
    """A tune that cannot be used: the message says why."""


def corpus_dir() -> Path:
    """The folder of music21's bundled corpus."""
    import music21.corpus
    return Path(music21.corpus.__file__).parent


def raw_tunes(collection: str) -> list[str]:
    """The raw ABC text of every tune (from an ``X:`` line to the next one) in a collection."""
    if collection not in COLLECTIONS:
        raise ValueError(f"unknown collection {collection!r}: expected one of {sorted(COLLECTIONS)}")
    files = sorted((corpus_dir() / collection).glob("*.abc"))
    if not files:
        raise FileNotFoundError(f"no ABC files in {corpus_dir() / collection}: is music21 installed "
                                f"with its corpus? (pip install music21)")
    tunes = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        starts = [m.start() for m in re.finditer(r"^X:", text, re.M)]
        tunes += [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)])]
    return tunes


def _default_unit(meter: str) -> str:
    """ABC's default unit note length: 1/16 for meters below 3/4, else 1/8."""
    meter = {"C": "4/4", "C|": "2/2"}.get(meter, meter)
    m = re.fullmatch(r"(\d+)/(\d+)", meter)
    return "1/16" if m and Fraction(int(m[1]), int(m[2])) < Fraction(3, 4) else "1/8"


def _clean_line(line: str) -> str:
    """One body line without comments, annotations, decorations, grace notes or extra spaces."""
    line = line.split("%", 1)[0]
    for pattern in _DROP:
        line = pattern.sub("", line)
    pieces = _INLINE_FIELD.split(line)
    fields = _INLINE_FIELD.findall(line)
    out = _DECORATIONS.sub("", pieces[0])
    for inline, piece in zip(fields, pieces[1:]):
        out += inline + _DECORATIONS.sub("", piece)
    return re.sub(r"\s+", " ", out).strip()


def normalize_tune(raw: str) -> str:
    """One playable, single-voice tune in a fixed form, or ``TuneError`` saying why not.

    Header: ``X:1``, the first title, the rhythm if given, the meter, the unit length (ABC's
    default written out if missing) and the key, in that order. Body: inline ``K: L: M:``
    changes kept; comments, other fields, chord symbols, annotations, decorations, bowings and
    grace notes dropped; spaces collapsed.

    >>> print(normalize_tune('X: 7\\nT: Demo\\nZ: me\\nM: 2/4\\nK: G % key\\n"G"~B2 {c}BA | !trill!G4 |]'))
    X:1
    T:Demo
    M:2/4
    L:1/16
    K:G
    B2 BA | G4 |]
    """
    lines = raw.strip().splitlines()
    header: dict[str, str] = {}
    body_start = None
    for i, line in enumerate(lines):
        m = _FIELD.match(line.split("%", 1)[0].strip())
        if not m:
            continue
        key, value = m[1], m[2]
        if key == "V":
            raise TuneError("several voices (V: field)")
        header.setdefault(key, value)
        if key == "K":
            body_start = i + 1
            break
    if body_start is None:
        raise TuneError("no key (K: field)")
    if not header.get("M"):
        raise TuneError("no meter (M: field)")
    header["X"] = "1"
    header.setdefault("L", _default_unit(header["M"]))
    header.setdefault("T", "untitled")
    body_lines = []
    for line in lines[body_start:]:
        m = _FIELD.match(line.split("%", 1)[0].strip())
        if m and m[1] == "V":
            raise TuneError("several voices (V: field)")
        if m and m[1] in _BODY_FIELDS:
            body_lines.append(f"{m[1]}:{m[2]}")
        elif not m:
            cleaned = _clean_line(line)
            if cleaned:
                body_lines.append(cleaned)
    body_text = "\n".join(body_lines)
    if "&" in body_text or "&" in "".join(lines[body_start:]):
        raise TuneError("voice overlay (&)")
    odd = sorted(set(re.sub(r"^[KLM]:.*$|\[[KLM]:[^\]]*\]", "", body_text, flags=re.M)) - _ALLOWED)
    if odd:
        raise TuneError(f"unexpected characters {''.join(odd)!r}")
    head = [f"{k}:{header[k]}" for k in HEADER_ORDER if k in header]
    return "\n".join(head + body_lines)


def split_tune(tune: str) -> tuple[dict[str, str], str]:
    """The header fields (up to and including ``K:``) and the body of a tune.

    >>> split_tune("X:1\\nT:Demo\\nM:2/4\\nL:1/8\\nK:D\\nAB|d2|]")
    ({'X': '1', 'T': 'Demo', 'M': '2/4', 'L': '1/8', 'K': 'D'}, 'AB|d2|]')
    """
    lines = tune.strip().splitlines()
    header: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = _FIELD.match(line)
        if not m:  # music before any K: line: the header is incomplete
            return header, "\n".join(lines[i:])
        header.setdefault(m[1], m[2])
        if m[1] == "K":
            return header, "\n".join(lines[i + 1:])
    return header, ""


def body(tune: str) -> str:
    """The music of a tune: everything after its ``K:`` line."""
    return split_tune(tune)[1]


def load_tunes(collections: Iterable[str] = tuple(COLLECTIONS)) -> tuple[list[str], Counter]:
    """Every usable tune of the given collections, normalised, and a count of why others were not.

    Tunes whose body has ``MIN_BODY`` to ``MAX_BODY`` characters are kept (most of them).

    Reading and normalising the four collections takes about a second, so nothing is cached.
    """
    tunes, dropped = [], Counter()
    for collection in collections:
        for raw in raw_tunes(collection):
            try:
                tune = normalize_tune(raw)
            except TuneError as error:
                dropped[str(error)] += 1
                continue
            if MIN_BODY <= len(body(tune)) <= MAX_BODY:
                tunes.append(tune)
            else:
                dropped[f"body shorter than {MIN_BODY} or longer than {MAX_BODY} characters"] += 1
    return tunes, dropped


def _title_key(tune: str) -> str:
    return re.sub(r"[^a-z]+", "", split_tune(tune)[0].get("T", "").lower())


def split_tunes(tunes: Sequence[str], valid_fraction: float = 0.05, seed: int = 0
                ) -> tuple[list[str], list[str]]:
    """Train and validation tunes: duplicates removed, then whole tunes held out.

    A body that occurs twice (some tunes are in two collections) is kept once. Tunes with the
    same title go to the same side, so that two transcriptions of one tune cannot straddle the
    split. The split depends on ``seed`` only, not on the notebook's seed.
    """
    unique = list(dict.fromkeys({body(t): t for t in tunes}.values()))
    groups: dict[str, list[str]] = {}
    for tune in unique:
        groups.setdefault(_title_key(tune), []).append(tune)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    target = valid_fraction * len(unique)
    valid: list[str] = []
    for key in keys:
        if len(valid) >= target:
            break
        valid += groups[key]
    held = set(valid)
    return [t for t in unique if t not in held], valid


def tunes_to_tokens(tunes: Iterable[str]) -> list[str]:
    """One stream of characters, ``END`` before every tune and after the last.

    >>> tunes_to_tokens(["X:1", "X:1"])
    ['<end>', 'X', ':', '1', '<end>', 'X', ':', '1', '<end>']
    """
    tokens = [END]
    for tune in tunes:
        tokens += [*tune, END]
    return tokens


def header_text(tune: str) -> str:
    """The header lines of a tune, up to and including ``K:``, with a final newline."""
    return tune[:len(tune) - len(body(tune))]
