"""The package students and Colab install holds what notebooks import, and nothing of the tools."""

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import course_utils

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR_ONLY = ("nbformat", "nbclient", "nbgrader", "jupytext", "nbconvert", "tools")


def test_importing_every_module_pulls_in_no_instructor_tool_or_notebook_library():
    modules = [m.name for m in pkgutil.iter_modules(course_utils.__path__)]
    code = (f"import importlib, sys\nfor m in {modules!r}:\n    importlib.import_module('course_utils.' + m)\n"
            f"print(sorted({{n.split('.')[0] for n in sys.modules}} & {set(INSTRUCTOR_ONLY)!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "[]", f"course_utils imports instructor-only modules: {out.stdout}"
    assert {"config", "models", "results", "checks"} <= set(modules)
    assert not {"grading", "assignments", "colab", "gpucheck", "benchmark"} & set(modules)


def test_only_course_utils_is_packaged_and_the_tools_are_an_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"] == ["course_utils"]
    extras = project["project"]["optional-dependencies"]
    core = " ".join(project["project"]["dependencies"])
    assert not any(name in core for name in ("nbformat", "nbclient", "nbgrader", "jupytext", "jupyterlab"))
    assert any(r.startswith("nbgrader") for r in extras["instructor"])
    assert any(r.startswith("jupyterlab") for r in extras["lab"])
    assert not any(r.startswith("nbgrader") for r in extras["lab"])  # students' JupyterLab: no nbgrader caps
