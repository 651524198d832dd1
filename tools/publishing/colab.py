"""Open in Colab: every notebook's badge and install cell, generated from one setting.

The setting is ``REPOSITORY`` (GitHub ``owner/name`` of this, the instructor's, repository) and
``RELEASE`` (the tag, ``v`` + the version) in ``course_utils/__init__.py``. The student release
and the website use the same functions with the student repository of ``course.toml`` instead
(:mod:`tools.publishing.target`). A notebook's badge opens that notebook *at that tag*, and its
install cell installs the course package from the same tag, so the code a student runs on Colab
is the code the notebook was written for, never a moving branch. After changing the setting::

    python -m tools.publishing.colab            # rewrite the badge and install cell of every notebook
    python -m tools.publishing.colab --check    # exit 1, naming each notebook that disagrees (CI)

The install cell runs only on Colab (where ``google.colab`` is imported) and installs the
package with pip's normal resolution: Colab's own torch, numpy and ipywidgets already satisfy the
package's lower bounds, so pip leaves them alone (nothing is pinned or reinstalled). Datasets then
download on first use, hash-checked, into the user cache (``~/.cache/rnn-course`` on Colab).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from course_utils import RELEASE, REPOSITORY

ROOT = Path(__file__).resolve().parents[2]
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
_BADGE = re.compile(r"\[!\[Open In Colab\]\(" + re.escape(BADGE_IMAGE) + r"\)\]\([^)\s]*\)")
_INSTALL = re.compile(r'import sys\nif "google\.colab" in sys\.modules:.*?check=True\)\n', re.S)


def package_spec(repository: str = REPOSITORY, release: str = RELEASE) -> str:
    """What pip installs on Colab: the course package at the release tag.

    >>> package_spec("owner/course", "v1.0.0")
    'course-utils @ git+https://github.com/owner/course@v1.0.0'
    """
    return f"course-utils @ git+https://github.com/{repository}@{release}"


def badge(notebook: str | Path, repository: str = REPOSITORY, release: str = RELEASE) -> str:
    """The Markdown "Open in Colab" badge of ``notebook`` (a path relative to the repository root).

    >>> badge("notebooks/05_lstm.ipynb", "owner/course", "v1.0.0")  # doctest: +ELLIPSIS
    '[![Open In Colab](...)](https://colab.research.google.com/github/owner/course/blob/v1.0.0/notebooks/05_lstm.ipynb)'
    """
    path = Path(notebook).with_suffix(".ipynb").as_posix()
    return f"[![Open In Colab]({BADGE_IMAGE})](https://colab.research.google.com/github/{repository}/blob/{release}/{path})"


def install_code(repository: str = REPOSITORY, release: str = RELEASE) -> str:
    """The first lines of every notebook's setup cell: install the package, on Colab only."""
    return ('import sys\n'
            'if "google.colab" in sys.modules:  # on Colab: install the course package at this release\n'
            '    import subprocess\n'
            '    subprocess.run([sys.executable, "-m", "pip", "install", "-q",\n'
            f'                    "{package_spec(repository, release)}"], check=True)\n')


def notebooks(root: Path = ROOT) -> list[Path]:
    """Every notebook of the course (the ``.ipynb`` files under ``notebooks/``), sorted."""
    return sorted(p for p in (root / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _rewrite(source: str, relative: Path) -> str:
    source = _BADGE.sub(lambda _: badge(relative), source)
    return _INSTALL.sub(lambda _: install_code(), source)


def sync(root: Path = ROOT, check: bool = False) -> list[Path]:
    """Bring every notebook's badge and install cell in line with the setting.

    Rewrites both files of each jupytext pair (``.ipynb`` and ``.py``). Returns the files that
    disagreed (with ``check=True`` nothing is written). A notebook without a badge or without an
    install block is an error: every notebook needs both.
    """
    stale = []
    for ipynb in notebooks(root):
        relative = ipynb.relative_to(root)
        nb = nbformat.read(ipynb, as_version=4)
        joined = "\n".join(cell.source for cell in nb.cells)
        if not _BADGE.search(joined) or not _INSTALL.search(joined):
            raise ValueError(f"{relative} needs an Open in Colab badge in its first cell and the install "
                             f"block in its setup cell; copy both from notebooks/05_lstm.py")
        changed = False
        for cell in nb.cells:
            new = _rewrite(cell.source, relative)
            changed |= new != cell.source
            cell.source = new
        if changed:
            stale.append(ipynb)
            if not check:
                nbformat.write(nb, ipynb)
        script = ipynb.with_suffix(".py")
        if script.exists():
            text = script.read_text(encoding="utf-8")
            new = _rewrite(text, relative)
            if new != text:
                stale.append(script)
                if not check:
                    script.write_text(new, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publishing.colab", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report disagreements, change nothing")
    args = parser.parse_args(argv)
    stale = sync(check=args.check)
    for path in stale:
        print(f"{'out of date' if args.check else 'updated'}: {path.relative_to(ROOT)}")
    if args.check and stale:
        print("Run:  python -m tools.publishing.colab   to regenerate them.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
