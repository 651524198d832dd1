"""Tests for course_utils.music_checks: music21's parse, structure problems, verdicts, time keeping."""

import numpy as np
import pytest

from course_utils import music_checks, music_corpus
from test_music_corpus import TUNE  # a real tune, normalised


def test_missing_headers():
    assert music_checks.missing_headers(TUNE) == ()
    assert music_checks.missing_headers(TUNE.replace("M:6/8\n", "")) == ("M",)
    assert music_checks.missing_headers(TUNE.replace("X:1\n", "")) == ("X",)


def test_a_real_tune_is_strictly_valid_and_on_the_meter():
    check = music_checks.check_tune(TUNE)
    assert check.strict and check.lenient, check
    assert check.num_notes > 50
    assert check.rhythm > 0.7, check


@pytest.mark.parametrize("corrupt", [
    lambda t: t[:len(t) // 3 - 40],                 # cut in the header: no key, almost no notes
    lambda t: t.replace("K:G\n", ""),               # no key
    lambda t: t.replace("M:6/8\n", ""),             # no meter
    lambda t: "X:1\nT:x\nM:6/8\nL:1/8\nK:G\nc|B2",  # too few notes
    lambda t: t.replace("B2G GBG", "B2G G8/0BG"),   # a division by zero
])
def test_corrupted_tunes_are_not_strictly_valid(corrupt):
    assert not music_checks.check_tune(corrupt(TUNE)).strict


@pytest.mark.parametrize("body", [
    "c|B2G GBG|A2B c2e|dBG G2:|",
    "|:GA (3Bcd e>d|[GB]2 [D2G2]- [DG]2 z2|e/f/g a2::B,2C2 D>E F<G|G4:|2 G3 A||",
    "D/ | G-<E F>D | (ed/2c/2) BG | A>G (G>A) | [K:D] d2 d//e// f2 |\nM:3/4\nA2 A2 A2 |]",
])
def test_well_formed_bodies_have_no_structure_problems(body):
    assert music_checks.structure_problems(body) == []


@pytest.mark.parametrize("body, problem", [
    ("|:GABc|d2d2|e4|", "never closed"),                    # a repeat that is never closed
    ("|:GABc|d2d2:|:e4|f4|", "never closed"),
    ("|:GABc|:d2d2:|", "opened twice"),
    ("GA d2/3/4 B|c4|", "malformed note length"),          # a length music21 reads without a word
    ("GA d2//4 B|c4|", "malformed note length"),
    ("GA B0 c|", "malformed note length"),
    ("GABc|d4|]]]]", "unexpected ']'"),
    ("(GABc|d4|", "never closed"),                          # a slur that never closes
    ("GABc)|d4|", "never opened"),
    ("[GBd|c4|", "chord"),                                  # a chord that never closes
    ("(3GA|B2c2|", "tuplet"),                               # a tuplet cut by a bar line
    ("GABc|d4", "no final bar line"),
    (">AB c2|", "broken rhythm"),
    ("GA>|B2|", "broken rhythm"),
    ("GA , B2|", "unexpected ','"),
])
def test_malformed_bodies_are_caught(body, problem):
    problems = music_checks.structure_problems(body)
    assert problems and problem in " ".join(problems), problems


def test_music21_accepts_what_the_structure_check_rejects():
    # each of these parses without an exception or a warning: only the structure check catches it
    for broken in (TUNE.replace("|:c|", "|:c|:"), TUNE.replace("B2c d2g", "B2c d2/3/4g"),
                   TUNE + "]]]]", TUNE.replace("ece d2c", "(ece d2c")):
        check = music_checks.check_tune(broken)
        assert not check.error and not check.messages, check
        assert check.problems and not check.strict, check


def _parse_summary(tune: str, beams: bool):
    """What a verdict reads from a parse: the exception, the messages, the notes and the bars on the meter."""
    try:
        score, messages = music_checks.parse_abc(tune, beams=beams)
    except Exception as error:
        return type(error).__name__
    return messages, len(score.recurse().notes), music_checks._bars_on_meter(score)


def test_leaving_out_beaming_changes_no_verdict():
    tunes, _ = music_corpus.load_tunes(["miscFolk"])
    rng = np.random.default_rng(0)
    picked = [tunes[i] for i in rng.choice(len(tunes), 30, replace=False)]
    broken = [t[:len(t) // 2] + t[len(t) // 2 + 3:] for t in picked[:15]]  # three characters cut mid-body
    for tune in picked + broken + [TUNE, TUNE.replace("M:6/8", "M:5/4")]:
        assert _parse_summary(tune, beams=False) == _parse_summary(tune, beams=True), tune


def test_beaming_is_restored_after_a_parse():
    from music21 import stream
    make_beams = stream.Stream.makeBeams
    music_checks.parse_abc(TUNE)
    with pytest.raises(ZeroDivisionError):  # a unit note length of 1/0
        music_checks.parse_abc("X:1\nT:t\nM:6/8\nL:1/0\nK:G\n" + "B2G GBG|" * 20)
    assert stream.Stream.makeBeams is make_beams


def test_random_characters_after_a_real_tune_are_rejected():
    rng = np.random.default_rng(0)
    junk = "".join(rng.choice(list("ABCDEFGabcdefgz,'^_=0123456789/<>|:[]()- "), 800))
    assert not music_checks.check_tune(TUNE + junk).strict


def test_almost_every_real_tune_is_well_formed():
    tunes, _ = music_corpus.load_tunes(["miscFolk", "airdsAirs"])
    bad = [t for t in tunes if music_checks.structure_problems(music_corpus.body(t))]
    assert len(bad) < 0.06 * len(tunes), (len(bad), len(tunes),
                                          music_checks.structure_problems(music_corpus.body(bad[0])))


def test_checks_are_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    tunes = [TUNE, TUNE.replace("M:6/8\n", "")]
    first = music_checks.check_tunes(tunes)
    assert [c.strict for c in first] == [True, False]
    files = list((tmp_path / "music").glob("checks-*.json"))
    assert len(files) == 1
    assert music_checks.check_tunes(tunes) == first  # read back from the cache, equal field by field
    music_checks.check_tunes(tunes[:1])  # other tunes: another entry
    assert len(list((tmp_path / "music").glob("checks-*.json"))) == 2


def test_scores_count_validity_and_time():
    on = music_checks.check_tune(TUNE)
    off = music_checks.check_tune(TUNE.replace("A2B c2e", "A2B").replace("BGB dBG", "BG"))
    bad = music_checks.check_tune("X:1\nT:x\nM:6/8\nL:1/8\nK:G\nc|B2")
    assert on.rhythm >= music_checks.IN_TIME > off.rhythm
    scores = music_checks.score([on, off, bad, on], ended=[True, True, True, False])
    assert scores.strict == 0.5 and scores.num_valid == 2 and scores.lenient == 1.0
    assert scores.in_time == 0.25  # the last tune keeps time but never ended
    assert scores.valid_in_time == 0.5
    assert scores.bars_in_time == pytest.approx((2 * on.rhythm + off.rhythm) / 3)  # "bad" has no inner bars
    assert scores.num_timed == 3
    assert music_checks.score([bad]).in_time == 0.0 and music_checks.score([bad]).valid_in_time == 0.0
    malformed = music_checks.check_tune(TUNE.replace("|:c|", "|:c|:"))  # parses, keeps time, but a repeat opens twice
    assert malformed.parsed and malformed.rhythm >= music_checks.IN_TIME
    assert music_checks.score([malformed]).in_time == 0.0 and music_checks.score([malformed]).num_timed == 0


def test_malformed_tunes_can_skip_music21():
    broken = TUNE + "]]]]"
    skipped = music_checks.check_tune(broken, parse_malformed=False)
    assert skipped.skipped and not skipped.parsed and not skipped.strict and skipped.problems
    assert not music_checks.check_tune(TUNE, parse_malformed=False).skipped  # well-formed tunes are parsed
    assert np.isnan(music_checks.score([skipped, music_checks.check_tune(TUNE)]).lenient)



def test_lenient_accepts_what_strict_rejects():
    for tune in (TUNE.replace("X:1\nT:Kiss Me Sweetheart\n", ""),  # no number, no title
                 "X:1\nT:x\nM:6/8\nL:1/8\nK:G\nc|B2"):  # two notes
        check = music_checks.check_tune(tune)
        assert check.lenient and not check.strict, check


def test_bars_off_the_meter_lower_the_rhythm_share():
    off = TUNE.replace("A2B c2e", "A2B c2e2").replace("BGB dBG", "BGB")
    assert music_checks.check_tune(off).rhythm < music_checks.check_tune(TUNE).rhythm
