"""Tests for course_utils.music: tunes read, normalised, split, sampled, checked and rendered."""


import numpy as np
import pytest
import torch

from course_utils import music
from course_utils.models import LanguageModel, sample
from course_utils.text import Vocab

# A real tune as it appears in music21's corpus (O'Neill's, with comment, chord symbols,
# decorations, grace notes and a field that is not kept)
RAW = """X: 1
T: Kiss Me Sweetheart
T: another title
R:double jig
M:6/8
L:1/8
N: "collected by F. O'Neill"
Z: "Transcribed by Norbert Paap"
K:G % the key
"G"c|~B2G GBG|{d}A2B c2e|!trill!B2G GBG|ecA .ecA|
B2G GBG|A2B c2e|dBd gfe|dBG G2:|
|:c|B2c d2g|ece d2g|BGB dBG|ecA ecA|
B2c d2g|ece d2c|Bcd gfe|dBG G2:|
"""

TUNE = """X:1
T:Kiss Me Sweetheart
R:double jig
M:6/8
L:1/8
K:G
c|B2G GBG|A2B c2e|B2G GBG|ecA ecA|
B2G GBG|A2B c2e|dBd gfe|dBG G2:|
|:c|B2c d2g|ece d2g|BGB dBG|ecA ecA|
B2c d2g|ece d2c|Bcd gfe|dBG G2:|"""


def test_normalize_keeps_the_music_and_drops_the_rest():
    assert music.normalize_tune(RAW) == TUNE


def test_normalize_keeps_inline_fields_and_writes_the_default_unit():
    raw = "X:3\nT:t\nM:2/4\nK:D\n" + "ABcd|[M:3/4]dcBA|\nM:6/8\n" + "ABc ABc|" * 12
    tune = music.normalize_tune(raw)
    header, body = music.split_tune(tune)
    assert header["L"] == "1/16"  # ABC's default below 3/4
    assert "[M:3/4]" in body and "\nM:6/8\n" in body


@pytest.mark.parametrize("raw, reason", [
    ("X:1\nT:t\nM:2/4\nL:1/8\nABc|" * 1, "no key"),
    ("X:1\nT:t\nL:1/8\nK:G\n" + "ABcd|" * 30, "no meter"),
    ("X:1\nT:t\nM:2/4\nL:1/8\nV:1\nK:G\n" + "ABcd|" * 30, "voices"),
    ("X:1\nT:t\nM:2/4\nL:1/8\nK:G\n" + "AB & cd|" * 30, "overlay"),
])
def test_normalize_rejects_with_a_reason(raw, reason):
    with pytest.raises(music.TuneError, match=reason):
        music.normalize_tune(raw)


def test_split_tune_and_missing_headers():
    header, body = music.split_tune(TUNE)
    assert list(header) == ["X", "T", "R", "M", "L", "K"]
    assert body.startswith("c|B2G") and music.body(TUNE) == body
    assert music.missing_headers(TUNE) == ()
    assert music.missing_headers(TUNE.replace("M:6/8\n", "")) == ("M",)
    assert music.missing_headers(TUNE.replace("X:1\n", "")) == ("X",)


def test_load_tunes_reads_a_collection():
    tunes, dropped = music.load_tunes(["miscFolk"])
    assert len(tunes) > 100, len(tunes)
    assert all(t.startswith("X:1\nT:") for t in tunes)
    assert all(music.MIN_BODY <= len(music.body(t)) <= music.MAX_BODY for t in tunes)
    assert sum(dropped.values()) > 0  # some tunes have several voices or are too long
    with pytest.raises(ValueError, match="unknown collection"):
        music.raw_tunes("essenFolksong")


def test_split_by_tune_without_duplicates_or_shared_titles():
    tunes = [f"X:1\nT:Tune {i % 40}\nM:2/4\nL:1/8\nK:G\n" + "AB|" * (i + 40) for i in range(200)]
    train, valid = music.split_tunes(tunes + tunes[:10], valid_fraction=0.1)
    assert len(train) + len(valid) == 200  # the ten duplicates are dropped
    assert not set(train) & set(valid)
    titles = lambda ts: {music.split_tune(t)[0]["T"] for t in ts}  # noqa: E731
    assert not titles(train) & titles(valid)
    assert music.split_tunes(tunes) == music.split_tunes(tunes)  # deterministic


def test_tokens_put_the_boundary_between_tunes():
    tokens = music.tunes_to_tokens(["ab", "c"])
    assert tokens == [music.END, "a", "b", music.END, "c", music.END]


def test_a_real_tune_is_strictly_valid_and_on_the_meter():
    check = music.check_tune(TUNE)
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
    assert not music.check_tune(corrupt(TUNE)).strict


@pytest.mark.parametrize("body", [
    "c|B2G GBG|A2B c2e|dBG G2:|",
    "|:GA (3Bcd e>d|[GB]2 [D2G2]- [DG]2 z2|e/f/g a2::B,2C2 D>E F<G|G4:|2 G3 A||",
    "D/ | G-<E F>D | (ed/2c/2) BG | A>G (G>A) | [K:D] d2 d//e// f2 |\nM:3/4\nA2 A2 A2 |]",
])
def test_well_formed_bodies_have_no_structure_problems(body):
    assert music.structure_problems(body) == []


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
    problems = music.structure_problems(body)
    assert problems and problem in " ".join(problems), problems


def test_music21_accepts_what_the_structure_check_rejects():
    # each of these parses without an exception or a warning: only the structure check catches it
    for broken in (TUNE.replace("|:c|", "|:c|:"), TUNE.replace("B2c d2g", "B2c d2/3/4g"),
                   TUNE + "]]]]", TUNE.replace("ece d2c", "(ece d2c")):
        check = music.check_tune(broken)
        assert not check.error and not check.messages, check
        assert check.problems and not check.strict, check


def _parse_summary(tune: str, beams: bool):
    """What a verdict reads from a parse: the exception, the messages, the notes and the bars on the meter."""
    try:
        score, messages = music.parse_abc(tune, beams=beams)
    except Exception as error:
        return type(error).__name__
    return messages, len(score.recurse().notes), music._bars_on_meter(score)


def test_leaving_out_beaming_changes_no_verdict():
    tunes, _ = music.load_tunes(["miscFolk"])
    rng = np.random.default_rng(0)
    picked = [tunes[i] for i in rng.choice(len(tunes), 30, replace=False)]
    broken = [t[:len(t) // 2] + t[len(t) // 2 + 3:] for t in picked[:15]]  # three characters cut mid-body
    for tune in picked + broken + [TUNE, TUNE.replace("M:6/8", "M:5/4")]:
        assert _parse_summary(tune, beams=False) == _parse_summary(tune, beams=True), tune


def test_beaming_is_restored_after_a_parse():
    from music21 import stream
    make_beams = stream.Stream.makeBeams
    music.parse_abc(TUNE)
    with pytest.raises(ZeroDivisionError):  # a unit note length of 1/0
        music.parse_abc("X:1\nT:t\nM:6/8\nL:1/0\nK:G\n" + "B2G GBG|" * 20)
    assert stream.Stream.makeBeams is make_beams


def test_random_characters_after_a_real_tune_are_rejected():
    rng = np.random.default_rng(0)
    junk = "".join(rng.choice(list("ABCDEFGabcdefgz,'^_=0123456789/<>|:[]()- "), 800))
    assert not music.check_tune(TUNE + junk).strict


def test_almost_every_real_tune_is_well_formed():
    tunes, _ = music.load_tunes(["miscFolk", "airdsAirs"])
    bad = [t for t in tunes if music.structure_problems(music.body(t))]
    assert len(bad) < 0.06 * len(tunes), (len(bad), len(tunes), music.structure_problems(music.body(bad[0])))


def test_checks_are_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    tunes = [TUNE, TUNE.replace("M:6/8\n", "")]
    first = music.check_tunes(tunes)
    assert [c.strict for c in first] == [True, False]
    files = list((tmp_path / "music").glob("checks-*.json"))
    assert len(files) == 1
    assert music.check_tunes(tunes) == first  # read back from the cache, equal field by field
    music.check_tunes(tunes[:1])  # other tunes: another entry
    assert len(list((tmp_path / "music").glob("checks-*.json"))) == 2


def test_scores_count_validity_and_time():
    on, off = music.check_tune(TUNE), music.check_tune(TUNE.replace("A2B c2e", "A2B").replace("BGB dBG", "BG"))
    bad = music.check_tune("X:1\nT:x\nM:6/8\nL:1/8\nK:G\nc|B2")
    assert on.rhythm >= music.IN_TIME > off.rhythm
    scores = music.score([on, off, bad, on], ended=[True, True, True, False])
    assert scores.strict == 0.5 and scores.num_valid == 2 and scores.lenient == 1.0
    assert scores.in_time == 0.25  # the last tune keeps time but never ended
    assert scores.valid_in_time == 0.5
    assert scores.bars_in_time == pytest.approx((2 * on.rhythm + off.rhythm) / 3)  # "bad" has no inner bars
    assert scores.num_timed == 3
    assert music.score([bad]).in_time == 0.0 and music.score([bad]).valid_in_time == 0.0
    malformed = music.check_tune(TUNE.replace("|:c|", "|:c|:"))  # parses, keeps time, but a repeat opens twice
    assert malformed.parsed and malformed.rhythm >= music.IN_TIME
    assert music.score([malformed]).in_time == 0.0 and music.score([malformed]).num_timed == 0


def test_malformed_tunes_can_skip_music21():
    broken = TUNE + "]]]]"
    skipped = music.check_tune(broken, parse_malformed=False)
    assert skipped.skipped and not skipped.parsed and not skipped.strict and skipped.problems
    assert not music.check_tune(TUNE, parse_malformed=False).skipped  # well-formed tunes are parsed
    assert np.isnan(music.score([skipped, music.check_tune(TUNE)]).lenient)


def test_ngram_floors_sample_after_real_headers():
    tokens = music.tunes_to_tokens([TUNE])
    vocab = Vocab(tokens, reserved=[music.END])
    ids = torch.tensor(vocab.encode(tokens))
    for order in (1, 2):
        model = music.CharNgram(ids, len(vocab), order=order)
        logits, _ = model(ids[None, :5])
        assert logits.shape == (1, 5, len(vocab))
        torch.testing.assert_close(logits.exp().sum(-1), torch.ones(1, 5))
    bigram = music.CharNgram(ids, len(vocab), order=2, alpha=0.0)
    after_b = bigram(torch.tensor([[vocab.token_to_idx["B"]]]))[0][0, 0].exp()  # (V,)
    assert after_b[vocab.token_to_idx["2"]] > after_b[vocab.token_to_idx["c"]]  # "B2" is common here
    header = music.header_text(TUNE)
    texts, ended = music.sample_after_headers(bigram, vocab, [header] * 3, max_chars=60,
                                              generator=torch.Generator().manual_seed(0))
    assert all(t.startswith(header) and len(t) <= len(header) + 60 for t in texts) and len(ended) == 3
    with pytest.raises(ValueError, match="last character"):
        music.sample_after_headers(LanguageModel(len(vocab), hidden_size=8), vocab, [header])


def test_lenient_accepts_what_strict_rejects():
    for tune in (TUNE.replace("X:1\nT:Kiss Me Sweetheart\n", ""),  # no number, no title
                 "X:1\nT:x\nM:6/8\nL:1/8\nK:G\nc|B2"):  # two notes
        check = music.check_tune(tune)
        assert check.lenient and not check.strict, check


def test_bars_off_the_meter_lower_the_rhythm_share():
    off = TUNE.replace("A2B c2e", "A2B c2e2").replace("BGB dBG", "BGB")
    assert music.check_tune(off).rhythm < music.check_tune(TUNE).rhythm


class _Always(torch.nn.Module):
    """A 'model' that always predicts one token: sampling must stop (or not) accordingly."""

    def __init__(self, vocab_size, token):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.full((vocab_size,), -10.0))
        with torch.no_grad():
            self.bias[token] = 10.0

    def forward(self, X, state=None):
        return self.bias.expand(*X.shape, -1), state


def test_sampling_stops_at_the_boundary():
    vocab = Vocab(music.tunes_to_tokens([TUNE]), reserved=[music.END])
    texts, ended = music.sample_tunes(_Always(len(vocab), vocab.token_to_idx[music.END]), vocab, 3)
    assert texts == ["X:1\n"] * 3 and ended == [True, True, True]  # the prefix, then the boundary
    texts, ended = music.sample_tunes(_Always(len(vocab), vocab.token_to_idx["G"]), vocab, 2,
                                      temperature=0, max_chars=7, prefix="")
    assert texts == ["GGGGGGG"] * 2 and ended == [False, False]


def test_context_is_read_first_and_not_returned():
    """The state after ``context`` + END + prefix: the same as feeding that whole start by hand."""
    vocab = Vocab(music.tunes_to_tokens([TUNE]), reserved=[music.END])
    torch.manual_seed(0)
    lm = LanguageModel(len(vocab), kind="lstm", hidden_size=16)
    end_id = vocab.token_to_idx[music.END]
    texts, _ = music.sample_tunes(lm, vocab, 2, temperature=0, max_chars=20, context=TUNE)
    start = torch.tensor([[end_id] + vocab.encode(list(TUNE)) + [end_id] + vocab.encode(list("X:1\n"))])
    ids, lengths = sample(lm, start, 20, temperature=0, stop_id=end_id, forbid=[vocab.unk])
    expected = "X:1\n" + "".join(vocab.decode(ids[0, :int(lengths[0])].tolist()))
    assert texts == [expected] * 2
    tails = [TUNE[-30:], TUNE[-31:-1]]  # one context per tune, of one length
    texts, _ = music.sample_tunes(lm, vocab, 2, temperature=0, max_chars=20, context=tails)
    assert texts == [music.sample_tunes(lm, vocab, 1, temperature=0, max_chars=20, context=t)[0][0] for t in tails]
    with pytest.raises(ValueError, match="one length"):
        music.sample_tunes(lm, vocab, 2, context=[TUNE[-30:], TUNE[-20:]])


def test_tune_tails():
    tails = music.tune_tails([TUNE, TUNE[:-1] + "|"], 5, length=20, generator=torch.Generator().manual_seed(0))
    assert len(tails) == 5 and {len(t) for t in tails} == {20} and all(t.endswith("|") for t in tails)
    with pytest.raises(ValueError, match="shortest body"):
        music.tune_tails([TUNE], 1, length=music.MIN_BODY + 1)


def test_sampling_a_language_model_in_batches():
    vocab = Vocab(music.tunes_to_tokens([TUNE]), reserved=[music.END])
    lm = LanguageModel(len(vocab), kind="lstm", hidden_size=16)
    gen = torch.Generator().manual_seed(0)
    texts, ended = music.sample_tunes(lm, vocab, 4, temperature=1.0, max_chars=50, generator=gen, prefix="")
    assert len(texts) == 4 and all(len(t) <= 50 for t in texts)
    assert all("<unk>" not in t and music.END not in t for t in texts)
    assert all(e == (len(t) < 50) or len(t) == 49 for t, e in zip(texts, ended))
    with pytest.raises(KeyError, match="reserved"):
        music.sample_tunes(lm, Vocab(list("abc")), 1)


def test_midi_audio_and_piano_roll():
    midi = music.to_midi(TUNE)
    assert midi[:4] == b"MThd"
    audio = music.synthesize(TUNE, fs=8000)
    assert audio.ndim == 1 and np.isfinite(audio).all() and np.abs(audio).max() <= 1.0 + 1e-6
    assert 40 * 8000 < len(audio) < 56 * 8000  # 32 bars of 6/8 (repeats played) at 120 crotchets a minute
    roll = music.piano_roll(TUNE, fs=10)
    pitches = np.nonzero(roll.sum(axis=1))[0]
    assert roll.shape[0] == 128 and pitches.min() == 67 and pitches.max() == 79  # G4 .. g5


def test_midi_of_a_tune_that_reuses_a_time_signature():
    # music21 puts one TimeSignature object in two measures here; the writer must still work
    tune = ("X:1\nT:I Could But I Wont\nM:2/4\nL:1/8\nK:G\nD/ | G-<E F>D | G-<B3 d>d | "
            "ed/2c/2 BG | A>G E/2z/2D/2 |\nG-<E FD | G-<B dd | (ed/2c/2) BG | A>G G ||")
    assert music.to_midi(tune)[:4] == b"MThd"
