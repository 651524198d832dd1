"""Notebook pairs: a notebook's ``.ipynb`` and its jupytext ``.py`` twin must hold the same cells.

The ``.py`` twin is what a maintainer edits; the ``.ipynb`` is what the tools read. A twin edited
and not synced would ship its old text, so the tools that publish
(:mod:`tools.publishing.assignments`, :mod:`tools.publishing.slides`, :mod:`tools.publishing.release`,
:mod:`tools.publishing.site`) call :func:`require_in_sync` first and refuse, naming each pair and
the command that syncs it.
"""

from __future__ import annotations

from pathlib import Path

import jupytext


class OutOfSync(RuntimeError):
    """A notebook and its ``.py`` twin differ: sync them before publishing anything."""


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in jupytext.read(path).cells]


def differing(notebooks: list[Path]) -> list[Path]:
    """The ``.py`` twins of ``notebooks`` whose cells (type and text) differ from their ``.ipynb``.

    A notebook without a ``.py`` twin is not a pair and is never reported.
    """
    stale = []
    for path in notebooks:
        ipynb, script = Path(path).with_suffix(".ipynb"), Path(path).with_suffix(".py")
        if script.exists() and ipynb.exists() and _cells(script) != _cells(ipynb):
            stale.append(script)
    return stale


def require_in_sync(notebooks: list[Path], tool: str) -> None:
    """Raise :class:`OutOfSync` naming every pair of ``notebooks`` whose halves differ."""
    stale = differing(notebooks)
    if stale:
        commands = "\n".join(f"  jupytext --sync {_shown(p)}" for p in stale)
        raise OutOfSync(f"{tool} refuses: these notebooks' .py and .ipynb differ, so what it writes could be "
                        f"stale:\n{commands}\nRun those commands (the newer half wins), check the result "
                        f"(git diff), then run {tool} again.")


def _shown(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
