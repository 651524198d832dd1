"""Tests for course_utils.music_corpus: tunes read, normalised, split and tokenised."""

import pytest

from course_utils import music_corpus

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
    assert music_corpus.normalize_tune(RAW) == TUNE


def test_normalize_keeps_inline_fields_and_writes_the_default_unit():
    raw = "X:3\nT:t\nM:2/4\nK:D\n" + "ABcd|[M:3/4]dcBA|\nM:6/8\n" + "ABc ABc|" * 12
    tune = music_corpus.normalize_tune(raw)
    header, body = music_corpus.split_tune(tune)
    assert header["L"] == "1/16"  # ABC's default below 3/4
    assert "[M:3/4]" in body and "\nM:6/8\n" in body


@pytest.mark.parametrize("raw, reason", [
    ("X:1\nT:t\nM:2/4\nL:1/8\nABc|" * 1, "no key"),
    ("X:1\nT:t\nL:1/8\nK:G\n" + "ABcd|" * 30, "no meter"),
    ("X:1\nT:t\nM:2/4\nL:1/8\nV:1\nK:G\n" + "ABcd|" * 30, "voices"),
    ("X:1\nT:t\nM:2/4\nL:1/8\nK:G\n" + "AB & cd|" * 30, "overlay"),
])
def test_normalize_rejects_with_a_reason(raw, reason):
    with pytest.raises(music_corpus.TuneError, match=reason):
        music_corpus.normalize_tune(raw)


def test_split_tune_and_body():
    header, body = music_corpus.split_tune(TUNE)
    assert list(header) == ["X", "T", "R", "M", "L", "K"]
    assert body.startswith("c|B2G") and music_corpus.body(TUNE) == body


def test_load_tunes_reads_a_collection():
    tunes, dropped = music_corpus.load_tunes(["miscFolk"])
    assert len(tunes) > 100, len(tunes)
    assert all(t.startswith("X:1\nT:") for t in tunes)
    assert all(music_corpus.MIN_BODY <= len(music_corpus.body(t)) <= music_corpus.MAX_BODY for t in tunes)
    assert sum(dropped.values()) > 0  # some tunes have several voices or are too long
    with pytest.raises(ValueError, match="unknown collection"):
        music_corpus.raw_tunes("essenFolksong")


def test_split_by_tune_without_duplicates_or_shared_titles():
    tunes = [f"X:1\nT:Tune {i % 40}\nM:2/4\nL:1/8\nK:G\n" + "AB|" * (i + 40) for i in range(200)]
    train, valid = music_corpus.split_tunes(tunes + tunes[:10], valid_fraction=0.1)
    assert len(train) + len(valid) == 200  # the ten duplicates are dropped
    assert not set(train) & set(valid)
    titles = lambda ts: {music_corpus.split_tune(t)[0]["T"] for t in ts}  # noqa: E731
    assert not titles(train) & titles(valid)
    assert music_corpus.split_tunes(tunes) == music_corpus.split_tunes(tunes)  # deterministic


def test_tokens_put_the_boundary_between_tunes():
    tokens = music_corpus.tunes_to_tokens(["ab", "c"])
    assert tokens == [music_corpus.END, "a", "b", music_corpus.END, "c", music_corpus.END]
