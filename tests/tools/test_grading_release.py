"""The student release (tools/release.py): everything students need, nothing of the instructor's."""

import json
import re

import nbformat
import pytest

from tools import assignments, release


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "course-student"
    release.release(out, "owner/course-student", "v9.9.9")
    return out


def test_the_release_holds_the_student_course_and_no_instructor_material(released):
    names = {p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file()}
    sources = assignments.default_sources()
    assert {f"notebooks/{p.stem}.ipynb" for p in sources} <= names
    assert {"README.md", "pyproject.toml", "LICENSE", "course_utils/__init__.py", "course_utils/checks.py"} <= names
    assert not [n for n in names if n.startswith(("tools/", "tests/", "notebooks/assignments", "notebooks/student"))]
    assert release.leaks(released) == []
    for path in sources:  # no solution line survives (those the student version also shows aside)
        nb = nbformat.read(released / "notebooks" / f"{path.stem}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        assert "raise NotImplementedError(\"Exercise" in text
        assert not [c for c in nb.cells if c.cell_type == "code" and c.outputs]


def test_badges_and_install_cells_point_at_the_student_repository(released):
    for path in sorted((released / "notebooks").glob("*.ipynb")):
        text = json.dumps(nbformat.read(path, as_version=4).cells)
        badge = rf"colab\.research\.google\.com/github/owner/course-student/blob/v9\.9\.9/notebooks/{path.name}"
        assert re.search(badge, text), path.name
        assert "git+https://github.com/owner/course-student@v9.9.9" in text, path.name


def test_leaks_are_found_and_the_release_stays_outside_the_repository(tmp_path):
    (tmp_path / "x.ipynb").write_text("### BEGIN HIDDEN TESTS")
    assert release.leaks(tmp_path) == ["x.ipynb: '### BEGIN HIDDEN TESTS'"]
    with pytest.raises(ValueError, match="inside the instructor's repository"):
        release.release(release.ROOT / "build" / "student")
    with pytest.raises(FileExistsError):
        release.release(tmp_path)
