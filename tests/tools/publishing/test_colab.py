"""Every notebook opens on Colab at the release tag and installs the package from that same tag."""

import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest

from course_utils import RELEASE, REPOSITORY, __version__
from tools.publishing import colab

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS = colab.notebooks(ROOT)
FRAGILE = ("torch", "numpy", "ipywidgets")


def _setup_cell(ipynb: Path) -> str:
    nb = nbformat.read(ipynb, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def _install_block(source: str) -> str:
    match = colab._INSTALL.search(source)
    assert match, "the setup cell must start with the Colab install block (python -m tools.publishing.colab)"
    return match.group(0)


def test_every_badge_and_install_cell_agrees_with_the_setting():
    stale = colab.sync(ROOT, check=True)
    assert not stale, (f"out of date: {[str(p.relative_to(ROOT)) for p in stale]}; "
                       f"run  python -m tools.publishing.colab")


def test_the_release_is_a_tag_of_this_version():
    assert RELEASE == f"v{__version__}"
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", REPOSITORY)


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.stem)
def test_badge_opens_this_notebook_at_the_release(ipynb):
    first = nbformat.read(ipynb, as_version=4).cells[0].source
    url = f"https://colab.research.google.com/github/{REPOSITORY}/blob/{RELEASE}/{ipynb.relative_to(ROOT).as_posix()}"
    assert url in first, f"the first cell of {ipynb.name} needs the badge linking to {url}"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.stem)
def test_on_colab_the_cell_installs_the_release_and_pins_nothing_fragile(ipynb, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(_install_block(_setup_cell(ipynb)), {})
    assert len(calls) == 1, "on Colab the cell runs pip exactly once"
    args, kwargs = calls[0]
    assert args[:4] == [sys.executable, "-m", "pip", "install"] and kwargs.get("check") is True
    assert args[-1] == colab.package_spec() and args[-1].endswith(f"@{RELEASE}")
    named = " ".join(args[4:])
    for package in FRAGILE:
        assert not re.search(rf"\b{package}\b", named), f"the install cell must not name {package}"
    assert "--force-reinstall" not in args and "-U" not in args and "--upgrade" not in args


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.stem)
def test_off_colab_the_cell_installs_nothing(ipynb, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(_install_block(_setup_cell(ipynb)), {})
    assert calls == []


def test_dependencies_admit_what_colab_already_has():
    """pip leaves Colab's torch, numpy and ipywidgets alone only if no bound excludes them."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for dep in deps:
        name = re.match(r"[A-Za-z0-9_.-]+", dep).group(0).lower()
        if name in FRAGILE:
            assert re.fullmatch(rf"{name}\s*(>=\s*[\d.]+)?", dep.split(";")[0].strip()), \
                f"{dep!r}: give {name} a lower bound only (no ==, <, ~=)"
    ipywidgets = next(d for d in deps if d.startswith("ipywidgets"))
    assert tuple(map(int, ipywidgets.split(">=")[1].split("."))) <= (7, 7), "Colab ships ipywidgets 7.7"


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.stem)
def test_size_comes_from_the_mode_switch_alone(ipynb):
    """``full`` on a GPU is chosen by COURSE_MODE (or setup(mode=...)), never by the notebook itself."""
    nb = nbformat.read(ipynb, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "config.setup(" in _setup_cell(ipynb)
    assert not re.search(r"config\.setup\([^)]*mode\s*=", code), "leave the mode to COURSE_MODE"
    assert not re.search(r"(environ|getenv)[^\n]*COURSE_MODE", code), "read the mode from cfg.mode, not the environment"
    assert not re.search(r"if\s+[^\n]*cuda\.is_available\(\)", code), \
        "size with cfg.pick(smoke=..., class_=..., full=...), not by testing for a GPU"
