"""The executed-notebook cache: a notebook run once, its outputs kept for the site to publish.

:mod:`tools.measuring.benchmark` fills it (``--site-cache``: each notebook's run with the first
seed) and :mod:`tools.publishing.site` reads it, executing only the notebooks missing from it.
It is a jupyter-cache in ``build/site/cache/<mode>-<key>``, the key a hash of ``course_utils``
and the notebooks' data files (:func:`cache_key`); a notebook is looked up by its code alone
(:func:`for_execution`). It lives here, below both, so that measuring never imports publishing.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "site"  # the site's build folder: the cache is its cache/


def cache_key(root: Path = ROOT) -> str:
    """A hash of what a notebook's outputs depend on beside its own code: the package and data files.

    >>> len(cache_key())
    12
    """
    digest = hashlib.sha256()
    files = sorted((root / "course_utils").glob("*.py")) + sorted(
        p for p in (root / "notebooks").rglob("*") if p.is_file() and p.suffix not in (".ipynb", ".py"))
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def for_execution(nb):
    """A copy of ``nb`` as it is executed and cached: outputs and cell metadata (slides...) removed."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    return nb


def cache_dir_for(mode: str, out: Path = OUT) -> Path:
    """The jupyter-cache folder of a build in ``mode``: it changes when the package or data files do."""
    return Path(out) / "cache" / f"{mode}-{cache_key()}"


def cache_executed(path: Path, nb, cache_dir: Path) -> None:
    """Keep ``nb``, the executed notebook at ``path``, in the site's cache ``cache_dir``.

    ``python -m tools.measuring.benchmark --site-cache`` calls this for its runs, so that a
    class-mode site is built from the benchmark's own execution instead of running every
    notebook again.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    kept = for_execution(nb)  # hashed as the notebook that is looked up: no cell metadata
    for cell, ran in zip(kept.cells, nb.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = ran.outputs, ran.get("execution_count")
    if "widgets" in nb.metadata:
        kept.metadata["widgets"] = nb.metadata["widgets"]
    get_cache(cache_dir).cache_notebook_bundle(CacheBundleIn(kept, str(path)), check_validity=False, overwrite=True)
