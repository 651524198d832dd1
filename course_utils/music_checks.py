"""Whether a tune is music: music21's parse, ABC's structure rules, strict and lenient verdicts, time keeping.

    score, messages = parse_abc(tune)            # music21's score, and its complaints (list of str)
    problems = structure_problems(body(tune))    # what ABC does not allow in the body ([] if nothing)
    check = check_tune(tune)                     # a TuneCheck: .strict, .lenient, .rhythm (share of bars on the meter)
    checks = check_tunes(real_tunes)             # verdicts of fixed tunes, cached by their content
    scores = score(checks, ended)                # Scores: shares of valid tunes and of tunes in time
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .music_corpus import _INLINE_FIELD, body, split_tune

REQUIRED_HEADERS = ("X", "T", "M", "L", "K")  # the header fields a strictly valid tune has
MIN_NOTES = 8  # the notes a strictly valid tune has at least


@contextlib.contextmanager
def _beaming(on: bool):
    """music21 beams the notes of every bar after reading an ABC tune: engraving for sheet music,
    three quarters of the parse time, and nothing a verdict, a MIDI file or a piano roll uses.
    With ``on=False`` the beaming step is left out for the duration of the block."""
    from music21 import stream
    make_beams = stream.Stream.makeBeams
    if not on:
        stream.Stream.makeBeams = lambda self, *args, **kwargs: None
    try:
        yield
    finally:
        stream.Stream.makeBeams = make_beams


def parse_abc(tune: str, beams: bool = False):
    """Parse a tune with music21; return the score and whatever music21 wrote to stderr or warned.

    music21 reports problems ("abcFormat: WARNING ...") on stderr rather than as exceptions, and
    raises many types of exception on broken input: they propagate from here. ``beams=True``
    keeps music21's beaming of the notes (for engraving); the course never needs it, and the
    verdicts are the same without it (``tests/test_music_checks.py`` checks that on real and broken tunes).
    """
    from music21 import converter
    err = io.StringIO()
    with contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught, _beaming(beams):
        warnings.simplefilter("always")
        score = converter.parse(tune, format="abc")
    messages = [line for line in err.getvalue().splitlines() if line.strip()]
    return score, messages + [str(w.message) for w in caught]


def _measures(score) -> list:
    from music21 import stream
    part = score.parts[0] if getattr(score, "parts", None) else score
    return list(part.getElementsByClass(stream.Measure))


def _bars_on_meter(score) -> tuple[int, int]:
    """How many inner bars (not the first nor the last) last exactly one bar of the meter."""
    inner = _measures(score)[1:-1]
    matching = 0
    for measure in inner:
        try:
            matching += abs(measure.duration.quarterLength - measure.barDuration.quarterLength) < 1e-6
        except Exception:  # no usable time signature: the bar cannot match
            pass
    return matching, len(inner)


_NOTE = re.compile(r"(?:\^\^|\^|__|_|=)?[A-Ga-g][,']*|[zx]|Z")  # a pitch with its accidental, or a rest
_LENGTH = re.compile(r"[1-9]\d*(?:/[1-9]\d*|/+)?|/[1-9]\d*|/+|")  # 2, 3/2, /2, //, or nothing
_BAR = re.compile(r"\[\|\]|:*\[\|:*|:*\|\|?\]?:*|::+")  # | || |] [| :| |: :: :|: [|] ...
_ENDING = re.compile(r"\[?[1-9](?:[,-][1-9])*")  # |1 :|2 [1 [2
_TUPLET = re.compile(r"\(([2-9])(?::[1-9]?(?::[1-9]?)?)?")  # (3 (3:2 (3:2:3
_BODY_FIELD_LINE = re.compile(r"^[KLM]:.*$", re.M)


def _chord_end(body: str, i: int) -> int | None:
    """Where the chord ``[...]`` starting at ``i`` ends (after its ``]``), or None if it is malformed."""
    j, count = i + 1, 0
    while j < len(body) and body[j] != "]":
        note = _NOTE.match(body, j)
        if not note or body[j] in "zxZ":
            return None
        j = _LENGTH.match(body, note.end()).end()
        j += body.startswith("-", j)
        count += 1
    return j + 1 if j < len(body) and count else None


def structure_problems(tune_body: str) -> list[str]:
    """What is malformed in a tune's body, by what ABC allows; ``[]`` if nothing is.

    music21 parses many broken bodies without a word; these are the checks it does not make.
    Every character must belong to a note or rest with a well-formed length (``A``, ``A2``,
    ``A3/2``, ``A/``, not ``A2/3/4``), a chord ``[CEG]``, a tie ``-``, a broken rhythm ``>`` or
    ``<`` between two notes, a slur ``( )`` or a tuplet ``(3``, a bar line or an ending. Slurs
    must be balanced, a tuplet ``(p`` followed by ``p`` notes before the next bar line, a repeat
    opened with ``|:`` closed with ``:|`` before another opens (a ``:|`` alone repeats from the
    start or the last ``:|``, as ABC allows), and the tune must end with a bar line. Body field
    lines and inline fields (``K: L: M:``) are skipped.

    >>> structure_problems("|:ABcd (3efg a2|]")
    ['a repeat |: never closed']
    >>> structure_problems("d2/3/4 A2|")
    ["a malformed note length 'd2/3/4' at character 0"]
    """
    text = _INLINE_FIELD.sub(" ", _BODY_FIELD_LINE.sub(" ", tune_body))
    i, n = 0, len(text)
    last = None  # the previous token: "note", "bar", "broken", "slur", "tuplet", "ending"
    repeat_open, slurs, tuplet_left = False, 0, 0
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        note = _NOTE.match(text, i)
        end = note.end() if note else (_chord_end(text, i) if c == "[" and _NOTE.match(text, i + 1) else None)
        if c == "[" and end is None and _NOTE.match(text, i + 1):
            return [f"a malformed or unclosed chord at character {i}"]
        if end is not None:
            end = _LENGTH.match(text, end).end()
            if end < n and (text[end].isdigit() or text[end] == "/"):
                return [f"a malformed note length {text[i:end + 3].split()[0]!r} at character {i}"]
            end += text.startswith("-", end)  # a tie
            tuplet_left = max(0, tuplet_left - 1)
            last, i = "note", end
            continue
        if c in "<>":
            j = i
            while j < n and text[j] == c:
                j += 1
            j += text.startswith("-", j)  # a tie written after the rhythm mark
            k = j
            while k < n and text[k] in " )":  # a slur may close between the two notes
                k += 1
            if last != "note" or j - i > 4 or not (k < n and (_NOTE.match(text, k) or text[k] in "[(")):
                return [f"a broken rhythm {text[i:j]!r} not between two notes at character {i}"]
            last, i = "broken", j
            continue
        if c == "(":
            tuplet = _TUPLET.match(text, i)
            if tuplet and tuplet_left:
                return [f"a tuplet inside a tuplet at character {i}"]
            if tuplet:
                tuplet_left, last, i = int(tuplet[1]), "tuplet", tuplet.end()
            else:
                slurs, last, i = slurs + 1, "slur", i + 1
            continue
        if c == ")":
            if slurs == 0:
                return [f"a slur closed but never opened at character {i}"]
            slurs, i = slurs - 1, i + 1
            continue
        bar = _BAR.match(text, i)
        if bar and bar.group():
            token = bar.group()
            if tuplet_left:
                return [f"a tuplet cut short by a bar line at character {i}"]
            if token.startswith(":"):
                repeat_open = False
            if token.endswith(":"):
                if repeat_open:
                    return [f"a repeat {token!r} opened twice at character {i}"]
                repeat_open = True
            ending = _ENDING.match(text, bar.end())
            last, i = "bar", ending.end() if ending else bar.end()
            continue
        ending = re.compile(r"\[[1-9]").match(text, i)
        if ending:
            last, i = "ending", ending.end()
            continue
        return [f"an unexpected {c!r} at character {i}"]
    problems = []
    if tuplet_left:
        problems.append("a tuplet not finished at the end")
    if slurs:
        problems.append(f"{slurs} slur(s) never closed")
    if repeat_open:
        problems.append("a repeat |: never closed")
    if last != "bar":
        problems.append("no final bar line")
    return problems


@dataclass
class TuneCheck:
    """What checking a tune found. ``strict`` and ``lenient`` are the two validity measures."""

    missing_headers: tuple[str, ...]
    error: str = ""  # the exception music21 raised, if any
    messages: list[str] = field(default_factory=list)  # music21's complaints (stderr, warnings)
    num_notes: int = 0
    inner_bars: int = 0
    bars_on_meter: int = 0
    parsed: bool = False  # music21 returned a score (complaints or not)
    problems: list[str] = field(default_factory=list)  # what ``structure_problems`` found in the body
    skipped: bool = False  # not given to music21 (malformed, and ``check_tune(..., parse_malformed=False)``)

    @property
    def strict(self) -> bool:
        """Required headers, a parse with no exception and no complaint, at least ``MIN_NOTES``
        notes, and a well-formed body (``structure_problems``: lengths, slurs, repeats, final bar)."""
        return (not self.missing_headers and not self.error and not self.messages
                and self.num_notes >= MIN_NOTES and not self.problems)

    @property
    def lenient(self) -> bool:
        """The weak criterion: the converter produced something, whatever it contains or lacks."""
        return self.parsed

    @property
    def rhythm(self) -> float:
        """Share of inner bars whose length matches the meter (nan if there are none)."""
        return self.bars_on_meter / self.inner_bars if self.inner_bars else float("nan")


def missing_headers(tune: str) -> tuple[str, ...]:
    """The required header fields a tune lacks; ``X:`` must come first and ``K:`` last.

    >>> missing_headers("X:1\\nT:a\\nM:2/4\\nK:G\\nAB|")
    ('L',)
    """
    header, _ = split_tune(tune)
    missing = [k for k in REQUIRED_HEADERS if not header.get(k)]
    if not tune.lstrip().startswith("X:") and "X" not in missing:
        missing.insert(0, "X")
    return tuple(missing)


def check_tune(tune: str, parse_malformed: bool = True) -> TuneCheck:
    """Check a tune strictly (headers, a clean music21 parse, enough notes, a well-formed body) and leniently.

    One parse gives both verdicts and the rhythm count: strict needs every required header, no
    exception, nothing written to stderr or warned, at least ``MIN_NOTES`` notes and no
    ``structure_problems`` (what music21 lets through); lenient only that music21 returned a
    score at all (the "a converter produced a file" criterion).

    music21 can take seconds on a body of random characters: with ``parse_malformed=False`` a
    tune with structure problems is not parsed (``skipped``; not strict, lenient unknown).
    """
    check = TuneCheck(missing_headers=missing_headers(tune), problems=structure_problems(body(tune)))
    if check.problems and not parse_malformed:
        check.skipped = True
        return check
    try:
        score, check.messages = parse_abc(tune)
        check.parsed = True
        check.num_notes = len(score.recurse().notes)
        check.bars_on_meter, check.inner_bars = _bars_on_meter(score)
    except Exception as error:  # music21 raises ValueError, IndexError, ZeroDivisionError, ...
        check.error = f"{type(error).__name__}: {error}"[:200]
    return check


def _checker_source() -> str:
    import inspect

    import music21
    parts = (_beaming, parse_abc, _measures, _bars_on_meter, TuneCheck, missing_headers, split_tune, _chord_end,
             structure_problems, check_tune)
    return music21.__version__ + "".join(inspect.getsource(f) for f in parts)


def check_tunes(tunes: Sequence[str], cache: bool = True) -> list[TuneCheck]:
    """``check_tune`` for each tune, read from the course's data cache when these tunes were checked before.

    Parsing takes tens of milliseconds a tune, and the held-out real tunes never change: their
    verdicts are stored in ``data.cache_dir() / "music"``, under a hash of the tunes' text, of
    music21's version and of the checking code, so that any change to one of them checks again.
    """
    import hashlib
    import json

    from .data import cache_dir
    key = hashlib.sha256((_checker_source() + "\x00" + "\x00".join(tunes)).encode()).hexdigest()
    path = cache_dir() / "music" / f"checks-{key[:20]}.json"
    if cache and path.exists():
        return [TuneCheck(**{**d, "missing_headers": tuple(d["missing_headers"])})
                for d in json.loads(path.read_text())]
    checks = [check_tune(t) for t in tunes]
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(c) for c in checks]))
        tmp.replace(path)
    return checks


@dataclass
class Scores:
    """What a set of tunes scores: validity and time keeping (shares in 0..1)."""

    strict: float  # strictly valid (and ended, for samples)
    lenient: float  # music21 returned a score (nan if some tunes were not given to music21)
    in_time: float  # of all tunes: well-formed, parsed, ended, with >= IN_TIME of inner bars on the meter
    valid_in_time: float  # of the strictly valid tunes, the share with >= IN_TIME of inner bars on the meter
    bars_in_time: float  # over the well-formed tunes that parse with inner bars, the mean share on the meter
    num_valid: int
    num_timed: int  # how many tunes ``bars_in_time`` averages over


IN_TIME = 0.7
"""A tune is *in time* when at least this share of its inner bars last one bar of the meter."""


def score(checks: Sequence[TuneCheck], ended: Sequence[bool] | None = None) -> Scores:
    """Strict and lenient validity and time keeping of checked tunes (``ended``: which samples ended).

    Time keeping needs a well-formed body (no ``structure_problems``) that music21 parses: what
    music21 makes of a malformed body is not a bar of music. A tune without inner bars is not in
    time; a share with nothing to count is 0.
    """
    ended = [True] * len(checks) if ended is None else list(ended)
    timed = [c.parsed and not c.problems and c.inner_bars > 0 for c in checks]
    on_time = [t and e and c.rhythm >= IN_TIME for c, t, e in zip(checks, timed, ended)]
    valid = [c.strict and e for c, e in zip(checks, ended)]
    rhythm = [c.rhythm for c, t in zip(checks, timed) if t]
    n = max(1, len(checks))
    lenient = float("nan") if any(c.skipped for c in checks) else sum(c.lenient for c in checks) / n
    return Scores(strict=sum(valid) / n, lenient=lenient, in_time=sum(on_time) / n,
                  valid_in_time=sum(v and t for v, t in zip(valid, on_time)) / max(1, sum(valid)),
                  bars_in_time=float(np.mean(rhythm)) if rhythm else 0.0, num_valid=sum(valid),
                  num_timed=len(rhythm))
