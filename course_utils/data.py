"""The course's datasets: a registry, verified downloads into a cache, and loaders.

    from course_utils import data
    text = data.load_time_machine()          # downloads once, checks SHA-256, then reads the cache

Every file is pinned to a URL at a fixed commit and a SHA-256 hash. Downloads go through
`pooch <https://www.fatiando.org/pooch>`_, which writes to a temporary file and moves it into
place only after the hash matches, so an interrupted or corrupted download never leaves a file
that could be used. A cached file whose hash does not match is reported and fetched again.

Where files live:

- ``COURSE_DATA_DIR``: the cache folder. Default: ``data/`` in the course checkout, or the
  user cache folder when the package is installed from an archive.
- ``COURSE_DATA_MIRROR``: a folder with local copies in the same layout
  (``timemachine/timemachine.txt``, ...). Files are copied from there, hash-checked, instead of
  downloaded: this is how the course runs offline (the tests point it at a shared copy).
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import pooch

DATA_DIR_ENV = "COURSE_DATA_DIR"
MIRROR_ENV = "COURSE_DATA_MIRROR"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: where it lives in the cache, where it comes from, what it hashes to."""

    path: str  # relative to the cache folder, e.g. "timemachine/timemachine.txt"
    url: str
    sha256: str
    size: int  # bytes


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    files: tuple[RemoteFile, ...]
    licence: str
    citation: str

    def file(self, filename: str | None = None) -> RemoteFile:
        """The file called ``filename`` (its last path component), or the only/first file."""
        if filename is None:
            return self.files[0]
        for f in self.files:
            if Path(f.path).name == filename or f.path == filename:
                return f
        known = ", ".join(Path(f.path).name for f in self.files)
        raise ValueError(f"Dataset {self.name!r} has no file {filename!r}; its files are: {known}")


class DatasetUnavailableError(RuntimeError):
    """A dataset file could not be obtained (no network, no local copy, or a bad download)."""


class CorruptFileWarning(UserWarning):
    """A cached file's hash did not match the registry: it is ignored and fetched again."""


_GH = "https://raw.githubusercontent.com"
_SLS = f"{_GH}/nthuandrew/DM2023-Lab1-Master/f4e4fcd1004a3f388536741a3c5c6f8c6969711c"
_SST = f"{_GH}/eyalbd2/Reproducing-AutoPrompt/6288fb5bec9c572f2492875ae0111df5b6daed11/glue_data/SST-2"

REGISTRY: dict[str, Dataset] = {d.name: d for d in [
    Dataset(
        "timemachine",
        "The Time Machine by H. G. Wells (1895), the text Dive into Deep Learning uses.",
        (RemoteFile("timemachine/timemachine.txt",
                    f"{_GH}/d2l-ai/d2l-zh/3e36f4a77b1be16f39b372518af5ad288b1ed6c4/data/timemachine.txt",
                    "8424dbd9532ac81f7e5f0b6add90e6952baea29158309d7d1bf3884f4e12c516", 178_979),),
        "Public domain (Project Gutenberg eBook #35).",
        "H. G. Wells, The Time Machine, 1895. Project Gutenberg."),
    Dataset(
        "tinyshakespeare",
        "Tiny Shakespeare: 40,000 lines of Shakespeare's plays, 65 distinct characters.",
        (RemoteFile("tinyshakespeare/input.txt",
                    f"{_GH}/karpathy/char-rnn/6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt",
                    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", 1_115_394),),
        "Public domain texts.",
        "A. Karpathy, char-rnn, 2015."),
    Dataset(
        "sst2",
        "Stanford Sentiment Treebank, binary (GLUE SST-2): 67,349 training phrases, 872 dev sentences.",
        (RemoteFile("sst2/train.tsv", f"{_SST}/train_full.tsv",
                    "48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1", 3_806_081),
         RemoteFile("sst2/dev.tsv", f"{_SST}/dev.tsv",
                    "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0", 94_931)),
        "Not stated by its authors: downloaded at run time, not redistributed.",
        "Socher et al., Recursive Deep Models for Semantic Compositionality Over a Sentiment "
        "Treebank, EMNLP 2013; Wang et al., GLUE, ICLR 2019."),
    Dataset(
        "fra-eng",
        "Tatoeba English-French sentence pairs (167,130 pairs, short to long).",
        (RemoteFile("fra-eng/fra.txt",
                    f"{_GH}/modelexlab/data/adddaf33ac35572bcfeb421efec29435e7ea9332/fra.txt",
                    "0bb85dbaa1c896844649094d7eaf2e34bee34e84fe362b26ce7e8f2e12aae104", 11_669_748),),
        "CC BY 2.0 FR.",
        "www.manythings.org/anki and tatoeba.org"),
    Dataset(
        "sentiment-labelled-sentences",
        "1,000 review sentences each from Amazon, IMDb and Yelp, half positive, half negative.",
        tuple(RemoteFile(f"sentiment-labelled-sentences/{name}",
                         f"{_SLS}/sentiment%20labelled%20sentences/{name}", sha, size)
              for name, sha, size in [
                  ("amazon_cells_labelled.txt",
                   "47003fc0a0d4840b00e96e715b6189bad09e7443a3da41c4cbe12ffc79f86ae3", 58_226),
                  ("imdb_labelled.txt",
                   "aef2e49e3da25714d61175e3a6e68eeef74a20a2f914318dc3be9947ea86512d", 85_285),
                  ("yelp_labelled.txt",
                   "891088b9c7235e23fe2814285972f2df823fdc9ff37bf1e1904c7e8ae1001fbb", 61_319)]),
        "CC BY 4.0.",
        "Kotzias, Denil, de Freitas, Smyth, From Group to Individual Labels using Deep Features, "
        "KDD 2015 (UCI Machine Learning Repository)."),
]}


def cache_dir() -> Path:
    """The cache folder: ``$COURSE_DATA_DIR``, else ``data/`` in a course checkout, else the user cache."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").exists() and (checkout / "notebooks").is_dir():
        return checkout / "data"
    return Path(pooch.os_cache("rnn-course"))


def get_dataset(name: str) -> Dataset:
    """The registry entry called ``name``; an unknown name lists the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"Unknown dataset {name!r}. Known datasets: {', '.join(sorted(REGISTRY))}.") \
            from None


def _mirror_copy(source: Path):
    """A pooch downloader that copies a local file instead of downloading it."""
    def copy(url, output_file, pooch_obj, check_only=False):
        if check_only:
            return source.exists()
        shutil.copyfile(source, output_file)
    return copy


def _report_corrupt_cache(target: Path, remote: RemoteFile) -> None:
    if target.exists() and pooch.file_hash(str(target)) != remote.sha256:
        warnings.warn(f"{target} does not match its SHA-256 ({remote.sha256[:12]}...): it is "
                      f"corrupt or was changed, and will not be used; fetching it again.",
                      CorruptFileWarning, stacklevel=3)


def fetch(name: str, filename: str | None = None, downloader=None) -> Path:
    """Return the local path of a dataset file, downloading and verifying it if needed.

    Parameters
    ----------
    name: registry name, e.g. ``"timemachine"`` (see ``REGISTRY``).
    filename: which file of a multi-file dataset, e.g. ``"dev.tsv"``; default the first.
    downloader: a pooch downloader, for tests; default HTTP or the local mirror.
    """
    dataset = get_dataset(name)
    remote = dataset.file(filename)
    target = cache_dir() / remote.path
    _report_corrupt_cache(target, remote)
    mirror = os.environ.get(MIRROR_ENV)
    if downloader is None and mirror and (Path(mirror) / remote.path).exists():
        downloader = _mirror_copy(Path(mirror) / remote.path)
    logger = pooch.get_logger()
    level = logger.level
    if downloader is not None:  # a copy or a test: pooch's "Downloading from <url>" would mislead
        logger.setLevel("WARNING")
    try:
        path = pooch.retrieve(remote.url, known_hash=f"sha256:{remote.sha256}",
                              fname=Path(remote.path).name, path=target.parent,
                              downloader=downloader, progressbar=False)
    except ValueError as err:  # pooch: the downloaded bytes do not hash to the registry's value
        raise DatasetUnavailableError(
            f"The download of {remote.url} for dataset {name!r} did not match its SHA-256 "
            f"{remote.sha256}; nothing was saved. Try again later, or place a verified copy at "
            f"{target}.") from err
    except Exception as err:  # no network, HTTP error, unreadable mirror, interrupted copy
        raise DatasetUnavailableError(
            f"Could not fetch dataset {name!r} file {remote.path} from {remote.url} "
            f"({type(err).__name__}: {err}). Without a network, copy that file to {target} "
            f"(it is checked against SHA-256 {remote.sha256}), or set {MIRROR_ENV} to a folder "
            f"holding {remote.path}, or set {DATA_DIR_ENV} to a cache that has it.") from err
    finally:
        logger.setLevel(level)
    return Path(path)


def read_text(name: str, filename: str | None = None) -> str:
    """The text of a dataset file, fetched if needed."""
    return fetch(name, filename).read_text(encoding="utf-8")


def load_time_machine() -> str:
    """The Time Machine, as one string (178,979 characters, 3,221 lines)."""
    return read_text("timemachine")


def load_tiny_shakespeare() -> str:
    """Tiny Shakespeare, as one string (about 1.1 million characters)."""
    return read_text("tinyshakespeare")


def _labelled_lines(text: str, skip_header: bool) -> list[tuple[str, int]]:
    """``sentence<TAB>label`` lines as (sentence, label) pairs; tolerant of stray quotes."""
    lines = text.split("\n")[1 if skip_header else 0:]
    pairs = []
    for line in lines:
        if "\t" in line:
            sentence, label = line.rsplit("\t", 1)
            pairs.append((sentence.strip(), int(label)))
    return pairs


def load_sst2(split: str = "train") -> list[tuple[str, int]]:
    """SST-2 as (sentence, label) pairs; ``split`` is ``"train"`` or ``"dev"``. Label 1 is positive."""
    if split not in ("train", "dev"):
        raise ValueError(f"SST-2 split must be 'train' or 'dev', got {split!r}")
    return _labelled_lines(read_text("sst2", f"{split}.tsv"), skip_header=True)


def load_sentiment_sentences(source: str = "yelp") -> list[tuple[str, int]]:
    """Kotzias et al.'s review sentences from ``"amazon"``, ``"imdb"`` or ``"yelp"``."""
    files = {"amazon": "amazon_cells_labelled.txt", "imdb": "imdb_labelled.txt",
             "yelp": "yelp_labelled.txt"}
    if source not in files:
        raise ValueError(f"source must be one of {sorted(files)}, got {source!r}")
    return _labelled_lines(read_text("sentiment-labelled-sentences", files[source]), skip_header=False)


def load_fra_eng() -> list[tuple[str, str]]:
    """Tatoeba English-French pairs as (english, french), shortest first."""
    pairs = []
    for line in read_text("fra-eng").split("\n"):
        columns = line.split("\t")
        if len(columns) >= 2:
            pairs.append((columns[0], columns[1]))
    return pairs
