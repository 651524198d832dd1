"""The data layer: verified fetches, and every way a fetch can go wrong. No test touches the network."""

import hashlib
import os
from pathlib import Path

import pytest

from course_utils import data
from course_utils.data import CorruptFileWarning, Dataset, DatasetUnavailableError, RemoteFile

CONTENT = b"It was the best of times.\n" * 40
SHA = hashlib.sha256(CONTENT).hexdigest()
UNREACHABLE = "http://127.0.0.1:9/toy/toy.txt"  # loopback discard port: refused at once, offline-safe


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A one-file dataset 'toy' in the registry, an empty cache, and no mirror."""
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    entry = Dataset("toy", "a toy", (RemoteFile("toy/toy.txt", UNREACHABLE, SHA, len(CONTENT)),),
                    "CC0", "nobody")
    monkeypatch.setitem(data.REGISTRY, "toy", entry)
    return tmp_path / "cache" / "toy"


def writes(content, fail_after=None, exc=OSError):
    """A pooch downloader that writes ``content`` (optionally only part, then raises)."""
    calls = []

    def download(url, output_file, pooch_obj, check_only=False):
        calls.append(url)
        with open(output_file, "wb") as f:
            f.write(content if fail_after is None else content[:fail_after])
        if fail_after is not None:
            raise exc("connection reset by peer")

    download.calls = calls
    return download


def test_fetch_verifies_and_caches(toy):
    download = writes(CONTENT)
    path = data.fetch("toy", downloader=download)
    assert path == toy / "toy.txt" and path.read_bytes() == CONTENT
    data.fetch("toy", downloader=download)  # second call: the cached file is used
    assert len(download.calls) == 1


def test_wrong_hash_download_is_rejected_and_nothing_kept(toy):
    with pytest.raises(DatasetUnavailableError, match="did not match its SHA-256"):
        data.fetch("toy", downloader=writes(b"tampered" + CONTENT))
    assert not toy.exists() or not any(toy.iterdir())


def test_corrupt_cached_file_is_reported_and_fetched_again(toy):
    toy.mkdir(parents=True)
    (toy / "toy.txt").write_bytes(CONTENT[:-5])  # truncated earlier, say
    download = writes(CONTENT)
    with pytest.warns(CorruptFileWarning, match="does not match its SHA-256"):
        path = data.fetch("toy", downloader=download)
    assert path.read_bytes() == CONTENT and len(download.calls) == 1


def test_missing_file_offline_names_dataset_url_and_remedy(toy):
    with pytest.raises(DatasetUnavailableError) as err:
        data.fetch("toy")  # the real HTTP downloader, against a refused loopback port
    message = str(err.value)
    for expected in ["'toy'", UNREACHABLE, str(toy / "toy.txt"), data.MIRROR_ENV, SHA]:
        assert expected in message
    assert not toy.exists() or not any(toy.iterdir())


def test_interrupted_download_leaves_no_partial_file(toy):
    with pytest.raises(DatasetUnavailableError, match="connection reset"):
        data.fetch("toy", downloader=writes(CONTENT, fail_after=100))
    assert not toy.exists() or not any(toy.iterdir())


def test_keyboard_interrupt_propagates_and_leaves_no_partial_file(toy):
    with pytest.raises(KeyboardInterrupt):
        data.fetch("toy", downloader=writes(CONTENT, fail_after=100, exc=KeyboardInterrupt))
    assert not toy.exists() or not any(toy.iterdir())


def test_mirror_is_copied_and_verified(toy, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "toy.txt").write_bytes(CONTENT)
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    assert data.fetch("toy").read_bytes() == CONTENT


def test_corrupt_mirror_is_not_used(toy, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "toy.txt").write_bytes(CONTENT + b"extra")
    monkeypatch.setenv(data.MIRROR_ENV, str(mirror))
    with pytest.raises(DatasetUnavailableError, match="SHA-256"):
        data.fetch("toy")
    assert not (toy / "toy.txt").exists()


def test_unknown_name_lists_known_datasets():
    with pytest.raises(ValueError, match="Unknown dataset 'timemachin'.*sst2.*timemachine"):
        data.fetch("timemachin")


def test_unknown_file_lists_files():
    with pytest.raises(ValueError, match="no file 'test.tsv'.*train.tsv, dev.tsv"):
        data.get_dataset("sst2").file("test.tsv")


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert data.cache_dir() == tmp_path
    monkeypatch.delenv(data.DATA_DIR_ENV)
    assert data.cache_dir() == Path(data.__file__).resolve().parents[1] / "data"


# Small copies of each file's format, with the quirks the parsers must survive, so that the
# loaders are tested wherever the suite runs; the real files are checked below where present.
FIXTURES = {
    ("timemachine", None): "The Time Machine, by H. G. Wells [1898]\n\n\n\n\nI\n",
    ("sst2", "train.tsv"): "sentence\tlabel\nhide new secretions \t0\nthe greatest musicians \t1\n",
    ("sst2", "dev.tsv"): ("sentence\tlabel\nit 's a charming and often affecting journey . \t1\n"
                          "unflinchingly bleak and desperate \t0\n"),
    # a stray quote that opens on one line and closes on the next, and U+0085 (NEL) inside a line
    ("sentiment-labelled-sentences", "imdb_labelled.txt"): (
        'A very "right on case" movie.  \t1\nA sea of faux "masterpieces.  \t1\n'
        '" The structure is tight.  \t1\nThe plot\u0085 went nowhere.  \t0\n'),
    ("sentiment-labelled-sentences", "amazon_cells_labelled.txt"): "Good case.\t1\nBad battery.\t0\n",
    ("sentiment-labelled-sentences", "yelp_labelled.txt"): "Wow... Loved this place.\t1\n",
    # a narrow no-break space (U+202F) before "!", and no newline after the last line
    ("fra-eng", None): "Go.\tVa !\nRun!\tCours\u202f!\nWho?\tQui ?",
}


@pytest.fixture
def fixture_files(monkeypatch):
    """``data.read_text`` serves FIXTURES instead of fetching; records what was asked for."""
    asked = []

    def read_text(name, filename=None):
        asked.append((name, filename))
        return FIXTURES[name, filename]

    monkeypatch.setattr(data, "read_text", read_text)
    return asked


def test_time_machine_loader_returns_the_text(fixture_files):
    assert data.load_time_machine() == FIXTURES["timemachine", None]


def test_sst2_loader_skips_the_header_and_strips_the_space_before_the_tab(fixture_files):
    assert data.load_sst2("dev") == [("it 's a charming and often affecting journey .", 1),
                                     ("unflinchingly bleak and desperate", 0)]
    assert data.load_sst2() == [("hide new secretions", 0), ("the greatest musicians", 1)]
    assert fixture_files == [("sst2", "dev.tsv"), ("sst2", "train.tsv")]
    with pytest.raises(ValueError, match="'train' or 'dev'"):
        data.load_sst2("test")


def test_sentiment_loader_keeps_stray_quotes_and_line_separators_inside_lines(fixture_files):
    rows = data.load_sentiment_sentences("imdb")
    assert [label for _, label in rows] == [1, 1, 1, 0]  # no row lost to a quote or to U+0085
    assert rows[1][0] == 'A sea of faux "masterpieces.' and rows[2][0] == '" The structure is tight.'
    assert rows[3][0] == "The plot\u0085 went nowhere."
    assert data.load_sentiment_sentences("amazon") == [("Good case.", 1), ("Bad battery.", 0)]
    assert data.load_sentiment_sentences() == [("Wow... Loved this place.", 1)]  # yelp
    with pytest.raises(ValueError, match="source must be one of"):
        data.load_sentiment_sentences("twitter")


def test_fra_eng_loader_keeps_the_narrow_no_break_space_and_the_last_line(fixture_files):
    assert data.load_fra_eng() == [("Go.", "Va !"), ("Run!", "Cours\u202f!"), ("Who?", "Qui ?")]


def test_registry_matches_the_manifest():
    """Every registry hash appears in the offline copy's manifest, with the same URL."""
    manifest = Path(os.environ.get(data.MIRROR_ENV, "")) / "MANIFEST.md"
    if not manifest.exists():
        pytest.skip(f"no offline copy with a MANIFEST.md: set {data.MIRROR_ENV} to check the registry")
    text = manifest.read_text()
    for dataset in data.REGISTRY.values():
        for f in dataset.files:
            row = next((line for line in text.splitlines() if f.sha256 in line), None)
            assert row is not None, f"{f.path}: hash not in the manifest"
            assert f.url in row and f"{f.size:,}" in row, f"{f.path}: URL or size differs"


@pytest.mark.parametrize("name", sorted(data.REGISTRY))
def test_every_dataset_is_available_offline(name, tmp_path, monkeypatch):
    if not os.environ.get(data.MIRROR_ENV):
        pytest.skip(f"no offline copy: set {data.MIRROR_ENV} to check the real files")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    for f in data.REGISTRY[name].files:
        path = data.fetch(name, Path(f.path).name)
        assert path.stat().st_size == f.size


def test_loaders_parse_real_files():
    """The real files parse to the row counts their sources state (MANIFEST.md)."""
    if not os.environ.get(data.MIRROR_ENV):
        pytest.skip(f"no offline copy: set {data.MIRROR_ENV} to check the real files")
    assert len(data.load_time_machine()) == 178_979
    dev = data.load_sst2("dev")
    assert len(dev) == 872 and {label for _, label in dev} == {0, 1}
    assert len(data.load_sst2("train")) == 67_349
    pairs = data.load_fra_eng()
    assert len(pairs) == 167_130 and pairs[0][0] == "Go."
    for source in ["amazon", "imdb", "yelp"]:
        assert len(data.load_sentiment_sentences(source)) == 1000
    with pytest.raises(ValueError, match="'train' or 'dev'"):
        data.load_sst2("test")
