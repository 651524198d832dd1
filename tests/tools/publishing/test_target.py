"""One place names the student repository and the tag (tools/publishing/target.py): course.toml and the version."""

import pytest

from course_utils import RELEASE
from tools.publishing import target


def test_the_course_names_a_valid_student_repository_and_its_tag_is_the_version():
    where = target.load()
    assert where.tag == RELEASE
    assert where.github == f"https://github.com/{where.repository}/blob/{RELEASE}"


@pytest.mark.parametrize("name", ["rnn-course", "a/b/c", "-a/b", "a/", "/b", "a b/c", "a/b.git", "a/..", ""])
def test_names_that_are_not_owner_slash_name_are_refused(name):
    with pytest.raises(ValueError, match="owner/name"):
        target.check_repository(name)


@pytest.mark.parametrize("tag", ["0.2.0", "v0.2", "latest", "v0.2.0 "])
def test_tags_that_are_not_vxyz_are_refused(tag):
    with pytest.raises(ValueError, match="vX.Y.Z"):
        target.check_tag(tag)


def test_course_toml_is_read_and_its_mistakes_explained(tmp_path):
    config = tmp_path / "course.toml"
    config.write_text('[students]\nrepository = "myuni/rnn-course"\n')
    assert target.load(config, "1.2.3") == target.Target("myuni/rnn-course", "v1.2.3")
    config.write_text('[students]\nrepository = "rnn-course"\n')
    with pytest.raises(ValueError, match="owner/name"):
        target.load(config)
    config.write_text("[students]\n")
    with pytest.raises(ValueError, match="names no student repository"):
        target.load(config)
    with pytest.raises(FileNotFoundError, match="missing"):
        target.load(tmp_path / "none.toml")
