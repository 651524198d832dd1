"""Folk tunes in ABC notation: reading, normalising, sampling, checking, hearing.

    tunes, dropped = load_tunes()                 # normalised tunes from music21's ABC corpus, and why others went
    train, valid = split_tunes(tunes)             # by tune, never by character
    stream = tunes_to_tokens(train)               # characters, END between tunes
    texts, ended = sample_tunes(lm, vocab, 50, temperature=0.8)   # 50 tunes in one batch
    check = check_tune(texts[0])                  # strict: headers, a clean parse, >= 8 notes, a well-formed body
    checks = check_tunes(real_tunes)              # verdicts of fixed tunes, cached by their content
    floor = CharNgram(ids, len(vocab), order=2)   # a bigram floor, sampled with sample_after_headers
    audio = synthesize(texts[0])                  # music21 -> MIDI -> pretty_midi's sine synth

Copies of training tunes are found with ``text.CopyIndex`` over the tunes' bodies (``body``).

The tunes are the public-domain British and Irish collections that ship inside ``music21``
(``COLLECTIONS``); the Essen folksongs, whose terms forbid commercial use, are left out.
ABC is a text format: a header of ``F:value`` lines (X number, T title, R rhythm, M meter,
L unit note length, K key, which ends the header) and a body of notes ``A-G a-g`` with octave
marks ``, '``, lengths ``2 /2 3/2``, broken rhythm ``> <``, rests ``z``, bar lines ``| || :| |:``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import random
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from .models import sample

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
REQUIRED_HEADERS = ("X", "T", "M", "L", "K")
MIN_BODY, MAX_BODY = 100, 600  # characters of a normalised body kept for training
MIN_NOTES = 8

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


@torch.no_grad()
def sample_tunes(model: torch.nn.Module, vocab, num_tunes: int = 1, temperature: float = 1.0,
                 max_chars: int = 1000, generator: torch.Generator | None = None,
                 prefix: str = "X:1\n", context: str | Sequence[str] = "") -> tuple[list[str], list[bool]]:
    """Sample ``num_tunes`` tunes at once, each from ``END`` + ``prefix`` until the model writes ``END``.

    Every normalised tune starts with ``X:1`` (the tunes are renumbered), so the sampler writes
    that line itself and the model goes on from the title; the prefix is part of each returned
    tune. A longer prefix asks for more (e.g. ``"X:1\nT:Reel\nR:reel\n"``).

    ``context`` is read first, before ``END`` + ``prefix``, and is not returned: one text for
    every tune, or one per tune, all of the same length (e.g. the last 100 characters of
    ``num_tunes`` training tunes, so that the tunes are written independently). A model trained
    by truncated BPTT with the state carried from window to window has almost never started
    from a zero state: reading the end of a tune first puts its state where training leaves it
    at a tune boundary.

    ``model(X, state)`` maps ids (B, T) to logits (B, T, V) and a state. ``temperature`` divides
    the logits (0: always the most likely character). ``<unk>`` is never sampled. A tune that
    has not ended after ``max_chars`` characters is cut there. Returns the texts and, for each,
    whether it ended at the boundary.
    """
    if END not in vocab:
        raise KeyError(f"the vocabulary has no {END!r}: build it with Vocab(tokens, reserved=[music.END])")
    end_id = vocab.token_to_idx[END]
    contexts = [context] * num_tunes if isinstance(context, str) else list(context)
    if len(contexts) != num_tunes or len({len(c) for c in contexts}) > 1:
        raise ValueError(f"context: one text, or {num_tunes} texts of one length; got {len(contexts)} texts "
                         f"of lengths {sorted({len(c) for c in contexts})}")
    start = torch.tensor([([end_id] + vocab.encode(list(c)) if c else []) + [end_id] + vocab.encode(list(prefix))
                          for c in contexts])  # (B, C + 1 + P)
    ids, lengths = sample(model, start, max_chars, temperature, stop_id=end_id, forbid=[vocab.unk],
                          generator=generator)  # (B, max_chars), (B,)
    texts = [prefix + "".join(vocab.decode(row[:n].tolist())) for row, n in zip(ids, lengths.tolist())]
    ended = [n < max_chars for n in lengths.tolist()]
    return texts, ended


def tune_tails(tunes: Sequence[str], num: int, length: int = 100,
               generator: torch.Generator | None = None) -> list[str]:
    """The last ``length`` characters of ``num`` tunes drawn at random (with replacement): contexts
    for ``sample_tunes``, one per tune written. Every normalised body is at least ``MIN_BODY`` long."""
    if length > MIN_BODY:
        raise ValueError(f"length {length} is longer than the shortest body ({MIN_BODY} characters)")
    picks = torch.randint(len(tunes), (num,), generator=generator).tolist()
    return [tunes[i][-length:] for i in picks]


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
    verdicts are the same without it (``tests/test_music.py`` checks that on real and broken tunes).
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


class CharNgram(torch.nn.Module):
    """A unigram (``order=1``) or bigram (``order=2``) character model, a floor for the LSTM.

    Counts from ``ids`` with add-``alpha`` smoothing; ``forward(X, state)`` gives the log
    probabilities of the next token (B, T, V) like ``LanguageModel``, so ``models.sample`` and
    ``sample_tunes`` sample it. It reads only the last token (bigram) or nothing (unigram).
    """

    def __init__(self, ids: torch.Tensor, vocab_size: int, order: int = 2, alpha: float = 0.01) -> None:
        super().__init__()
        if order not in (1, 2):
            raise ValueError(f"order must be 1 (unigram) or 2 (bigram), got {order}")
        self.order = order
        if order == 1:
            counts = torch.bincount(ids, minlength=vocab_size).float().expand(vocab_size, -1)  # (V, V)
        else:
            pairs = ids[:-1] * vocab_size + ids[1:]  # (N - 1,)
            counts = torch.bincount(pairs, minlength=vocab_size ** 2).float().view(vocab_size, vocab_size)
        table = (counts + alpha).log() - (counts + alpha).sum(1, keepdim=True).log()  # (V, V): row = previous
        self.register_buffer("table", table)
        self.dummy = torch.nn.Parameter(torch.zeros(()))  # so that models.sample finds a device

    def forward(self, X: torch.Tensor, state=None):  # (B, T) -> (B, T, V)
        return self.table[X], state


def sample_after_headers(model: CharNgram, vocab, headers: Sequence[str], temperature: float = 1.0,
                         max_chars: int = 1000, generator: torch.Generator | None = None
                         ) -> tuple[list[str], list[bool]]:
    """One tune per header: the header as given, then a body sampled from ``model``.

    Only for models that read at most the last character (``CharNgram``): every header ends
    with a newline, so the bodies are sampled in one batch from ``"\n"`` and put after them.
    """
    if getattr(model, "order", None) not in (1, 2):
        raise ValueError("sample_after_headers needs a model that reads only the last character (CharNgram)")
    if not all(h.endswith("\n") for h in headers):
        raise ValueError("every header must end with a newline (the line after K:)")
    bodies, ended = sample_tunes(model, vocab, len(headers), temperature, max_chars, generator, prefix="\n")
    return [h + b[1:] for h, b in zip(headers, bodies)], ended


def header_text(tune: str) -> str:
    """The header lines of a tune, up to and including ``K:``, with a final newline."""
    return tune[:len(tune) - len(body(tune))]


def _unshare(score) -> None:
    """Give each measure its own time and key signature objects.

    music21's ABC reader sometimes puts one ``TimeSignature`` object in two measures, and its
    MIDI writer then fails ("the object ... is already found in this Stream").
    """
    from music21 import key, meter, stream
    seen = set()
    for measure in score.recurse().getElementsByClass(stream.Measure):
        for element in list(measure.getElementsByClass((meter.TimeSignature, key.KeySignature))):
            if id(element) in seen:
                measure.replace(element, copy.deepcopy(element))
            seen.add(id(element))


def _midi_from_score(score) -> bytes:
    from music21.midi import translate
    _unshare(score)
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return translate.streamToMidiFile(score).writestr()


def to_midi(tune: str) -> bytes:
    """The tune as a standard MIDI file (bytes), written by music21."""
    score, _ = parse_abc(tune)
    return _midi_from_score(score)


def to_pretty_midi(tune: str):
    """The tune as a ``pretty_midi.PrettyMIDI`` object: one parse gives both its audio and its piano roll.

    ``pm.synthesize(fs)`` is its sound (sine waves), ``pm.get_piano_roll(fs)`` its notes (128, frames).
    """
    import pretty_midi
    return pretty_midi.PrettyMIDI(io.BytesIO(to_midi(tune)))



def synthesize(tune: str, fs: int = 16000) -> np.ndarray:
    """Audio of the tune: MIDI from music21, sine waves from ``pretty_midi`` (no system packages).

    Returns a float waveform (num_samples,) in [-1, 1] at ``fs`` samples per second, ready for
    ``IPython.display.Audio(audio, rate=fs)``.
    """
    audio = to_pretty_midi(tune).synthesize(fs=fs)  # (num_samples,), normalised to peak 1
    if audio.size == 0:
        raise ValueError("the tune has no notes to play: check it with check_tune first")
    return audio


def piano_roll(tune: str, fs: int = 20) -> np.ndarray:
    """The tune as a piano roll (128 MIDI pitches, time frames of ``1 / fs`` s), velocities as values."""
    return to_pretty_midi(tune).get_piano_roll(fs=fs)  # (128, frames)
