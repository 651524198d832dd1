"""The student release (tools/publishing/release.py): everything students need, nothing of the instructor's,
updated in place in a clone of the student repository."""

import json
import re
import shutil
import subprocess
import tomllib

import nbformat
import pytest

from course_utils import REPOSITORY
from tools.publishing import assignments, release, target

WHERE = target.Target("owner/course-student", "v9.9.9")


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "course-student"
    release.release(out, WHERE)
    return out


def test_the_release_holds_the_student_course_and_no_instructor_material(released):
    names = {p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file()}
    sources = assignments.default_sources()
    assert {f"notebooks/{p.stem}.ipynb" for p in sources} <= names
    assert {"README.md", "pyproject.toml", "LICENSE", ".gitignore", release.MANIFEST,
            "course_utils/__init__.py", "course_utils/checks.py"} <= names
    assert not [n for n in names if n.startswith(("tools/", "tests/", "notebooks/assignments", "notebooks/student"))]
    assert release.leaks(released) == []
    for path in sources:  # no solution line survives (those the student version also shows aside)
        nb = nbformat.read(released / "notebooks" / f"{path.stem}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        assert "raise NotImplementedError(\"Exercise" in text
        assert not [c for c in nb.cells if c.cell_type == "code" and c.outputs]


def test_badges_install_cells_and_package_point_at_the_student_repository(released):
    for path in sorted((released / "notebooks").glob("*.ipynb")):
        text = json.dumps(nbformat.read(path, as_version=4).cells)
        badge = rf"colab\.research\.google\.com/github/owner/course-student/blob/v9\.9\.9/notebooks/{path.name}"
        assert re.search(badge, text), path.name
        assert "git+https://github.com/owner/course-student@v9.9.9" in text, path.name
    init = (released / "course_utils" / "__init__.py").read_text()
    assert 'REPOSITORY = "owner/course-student"' in init and REPOSITORY not in init


def test_students_get_a_plain_pyproject_a_gitignore_and_a_readme_to_start_with(released):
    project = tomllib.loads((released / "pyproject.toml").read_text())
    assert set(project["project"]["optional-dependencies"]) == {"lab"}
    assert set(project.get("tool", {})) == {"setuptools"}  # no pytest, ruff or jupytext configuration
    ignored = (released / ".gitignore").read_text()
    for pattern in ("/data/*", "!/data/README.md", "__pycache__/", ".ipynb_checkpoints/", "*.pt"):
        assert pattern in ignored
    readme = (released / "README.md").read_text()
    for part in ("download.pytorch.org/whl/cpu", "Python 3.11 or newer", "File → Save a copy in Drive",
                 "## On Colab", "## On your machine", "owner/course-student"):
        assert part in readme
    assert ".[dev]" not in (released / "environment.yml").read_text()


def _git(folder, *args):
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(not shutil.which("git"), reason="needs git")
def test_a_second_release_updates_a_git_clone_in_place(tmp_path):
    out = tmp_path / "course-student"
    release.release(out, WHERE)
    _git(out, "init", "-q")
    (out / "CONTRIBUTING.md").write_text("the class's own file\n")
    (out / "notebooks" / "extra.txt").write_text("a file the release did not write\n")
    old = out / "notebooks" / "old_notebook.ipynb"  # written by an earlier release, gone from this one
    old.write_text("{}")
    manifest = json.loads((out / release.MANIFEST).read_text())
    manifest["files"].append("notebooks/old_notebook.ipynb")
    (out / release.MANIFEST).write_text(json.dumps(manifest))
    _git(out, "add", "-A")
    _git(out, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "Release v9.9.9")
    (out / "notebooks" / "00_sequences.ipynb").write_text("edited by hand")
    release.release(out, WHERE)
    assert _git(out, "log", "--format=%s").split("\n")[0] == "Release v9.9.9"
    assert (out / "CONTRIBUTING.md").read_text() == "the class's own file\n"
    assert (out / "notebooks" / "extra.txt").exists()
    assert not old.exists()
    nbformat.read(out / "notebooks" / "00_sequences.ipynb", as_version=4)  # replaced by the release's
    changed = _git(out, "status", "--porcelain").split()  # the rest is what the first release wrote
    assert changed == ["M", release.MANIFEST, "D", "notebooks/old_notebook.ipynb"]


def test_leaks_and_folders_that_are_refused(tmp_path):
    (tmp_path / "x.ipynb").write_text("### BEGIN HIDDEN TESTS")
    assert release.leaks(tmp_path) == ["x.ipynb: '### BEGIN HIDDEN TESTS'"]
    (tmp_path / "x.ipynb").write_text(f"see github.com/{REPOSITORY} and python -m tools.measuring.benchmark")
    assert len(release.leaks(tmp_path)) == 2
    (tmp_path / "x.ipynb").write_text(f"github.com/{REPOSITORY}-student is another repository")
    assert release.leaks(tmp_path) == []
    with pytest.raises(ValueError, match="inside the instructor's repository"):
        release.release(release.ROOT / "build" / "student", WHERE)
    with pytest.raises(FileExistsError, match="holds no earlier release"):
        release.release(tmp_path, WHERE)
    other = tmp_path / "other"
    other.mkdir()
    (other / release.MANIFEST).write_text(json.dumps({"repository": "someone/else", "files": []}))
    with pytest.raises(ValueError, match="holds the release of someone/else"):
        release.release(other, WHERE)


def test_the_student_pyproject_refuses_what_it_cannot_cut():
    text = (release.ROOT / "pyproject.toml").read_text()
    assert "instructor" not in tomllib.loads(release.student_pyproject(text))["project"]["optional-dependencies"]
    with pytest.raises(ValueError, match="extras"):
        release.student_pyproject(text.replace('lab = [', 'notebook = ['))


def test_the_instructor_guide_stays_out_of_the_release(released):
    guide = sorted((release.ROOT / release.GUIDE_DIR).rglob("*.md"))
    assert guide, f"the instructor's guide should be in {release.GUIDE_DIR}/"
    for path in guide:  # every guide file starts with the marker the release refuses
        assert path.read_text(encoding="utf-8").splitlines()[0] == release.GUIDE_MARKER, path
    names = [p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file()]
    assert not [n for n in names if n.split("/")[0] == release.GUIDE_DIR]
    assert not [n for n in names if release.GUIDE_MARKER in (released / n).read_text(errors="replace")]


def test_the_release_refuses_the_guide_when_it_is_forced_in(tmp_path, monkeypatch):
    write = release._write

    def write_with_guide(out, where):
        write(out, where)
        shutil.copytree(release.ROOT / release.GUIDE_DIR, out / release.GUIDE_DIR)

    monkeypatch.setattr(release, "_write", write_with_guide)
    out = tmp_path / "course-student"
    with pytest.raises(RuntimeError, match="instructor's guide"):
        release.release(out, WHERE)
    assert not out.exists()  # refused before anything was written

    def write_with_guide_text(out, where):  # a guide page copied under another name
        write(out, where)
        page = next((release.ROOT / release.GUIDE_DIR).rglob("*.md"))
        shutil.copy2(page, out / "notebooks" / "answers.md")

    monkeypatch.setattr(release, "_write", write_with_guide_text)
    with pytest.raises(RuntimeError, match="notebooks/answers.md: the instructor's guide marker"):
        release.release(out, WHERE)
    assert not out.exists()


def test_leaks_finds_guide_files_and_the_guide_marker(tmp_path):
    (tmp_path / "instructor").mkdir()
    (tmp_path / "instructor" / "notes.txt").write_text("model answers")
    (tmp_path / "x.ipynb").write_text(f"{release.GUIDE_MARKER}\n# Exercise 1")
    assert release.leaks(tmp_path) == ["instructor/notes.txt: the instructor's guide (instructor/)",
                                       f"x.ipynb: the instructor's guide marker {release.GUIDE_MARKER!r}"]
