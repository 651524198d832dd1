"""Where students get the course: the student repository and the tag, read from one place.

The repository is ``course.toml``'s ``[students] repository`` (GitHub ``owner/name``); the tag is
``v`` + ``course_utils.__version__``. :mod:`tools.publishing.release`, :mod:`tools.publishing.site` (pages, slides,
its GitHub button) and the release's Colab badges and install cells (:mod:`tools.publishing.colab`'s
functions) all take them from :func:`load`, so they cannot disagree::

    python -m tools.publishing.target     # print the repository, the tag and the addresses built from them

Names are checked: an owner and a name as GitHub allows them, a tag ``vX.Y.Z``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from course_utils import __version__

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "course.toml"
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
_TAG = re.compile(r"v\d+\.\d+\.\d+")


def check_repository(repository: str) -> str:
    """``repository`` if it is a GitHub ``owner/name``; otherwise a ``ValueError`` saying what is expected.

    >>> check_repository("myuni/rnn-course")
    'myuni/rnn-course'
    >>> check_repository("rnn-course")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the student repository must be a GitHub owner/name such as "myuni/rnn-course", not 'rnn-course'...
    """
    owner, _, name = str(repository).partition("/")
    if not (_OWNER.fullmatch(owner) and _NAME.fullmatch(name) and name not in (".", "..")
            and not name.endswith(".git")):
        raise ValueError(f'the student repository must be a GitHub owner/name such as "myuni/rnn-course", '
                         f"not {repository!r}; set it in course.toml ([students] repository)")
    return repository


def check_tag(tag: str) -> str:
    """``tag`` if it reads ``vX.Y.Z``; otherwise a ``ValueError`` saying what to change.

    >>> check_tag("v0.2.0")
    'v0.2.0'
    """
    if not _TAG.fullmatch(str(tag)):
        raise ValueError(f"the release tag must read vX.Y.Z (e.g. v0.2.0), not {tag!r}: it is v + "
                         f"__version__ of course_utils/__init__.py; set the version as X.Y.Z there")
    return tag


@dataclass(frozen=True)
class Target:
    """The student repository and the tag that students' links open."""

    repository: str
    tag: str

    def __post_init__(self):
        check_repository(self.repository)
        check_tag(self.tag)

    @property
    def github(self) -> str:
        """The repository's files at the tag on GitHub.

        >>> Target("myuni/rnn-course", "v1.0.0").github
        'https://github.com/myuni/rnn-course/blob/v1.0.0'
        """
        return f"https://github.com/{self.repository}/blob/{self.tag}"

    @property
    def colab(self) -> str:
        """The prefix of a notebook of the repository opened on Colab at the tag."""
        return f"https://colab.research.google.com/github/{self.repository}/blob/{self.tag}"

    @property
    def url(self) -> str:
        """The repository's page on GitHub."""
        return f"https://github.com/{self.repository}"


def load(config: Path = CONFIG, version: str = __version__) -> Target:
    """The :class:`Target` named by ``config`` (``course.toml``) and the package version."""
    config = Path(config)
    try:
        settings = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{config} is missing: it names the student repository, as\n"
                                f'[students]\nrepository = "owner/name"') from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{config} is not valid TOML ({err}); it should read\n"
                         f'[students]\nrepository = "owner/name"') from None
    repository = settings.get("students", {}).get("repository")
    if not repository:
        raise ValueError(f'{config} names no student repository; add\n[students]\nrepository = "owner/name"')
    return Target(repository, f"v{version}")


def main() -> int:
    try:
        target = load()
    except (OSError, ValueError) as err:
        print(err, file=sys.stderr)
        return 1
    print(f"student repository: {target.repository} (course.toml)\ntag: {target.tag} (v + course_utils.__version__)\n"
          f"GitHub: {target.url}\nColab:  {target.colab}/notebooks/<notebook>.ipynb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
