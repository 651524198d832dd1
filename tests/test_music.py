"""Tests for course_utils.music: every public name of the five music modules is reachable from it."""

import pytest

from course_utils import music, music_audio, music_checks, music_corpus, music_sampling, music_training

MODULES = (music_corpus, music_checks, music_sampling, music_audio, music_training)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_music_gathers_every_public_name_of_its_modules(module):
    own = [name for name, value in vars(module).items()
           if not name.startswith("_") and getattr(value, "__module__", module.__name__) == module.__name__
           and not isinstance(value, type(pytest))]  # its own functions, classes and constants, not its imports
    assert own
    for name in own:
        assert name in music.__all__ and getattr(music, name) is getattr(module, name), name


def test_music_holds_nothing_of_its_own():
    homes = {name: [m for m in MODULES if name in vars(m)] for name in music.__all__}
    assert all(homes.values()), [name for name, found in homes.items() if not found]
    assert len(music.__all__) == len(set(music.__all__))
