"""Edits cannot ship stale: the publishing tools refuse a notebook whose .py twin and .ipynb differ."""

import jupytext
import pytest

from tools.publishing import assignments, pairs, release, slides, target

SCRIPT = "# %% [markdown]\n# # 00 · Title\n\n# %%\nx = 1\n"


def _pair(folder, name="00_demo"):
    script = folder / f"{name}.py"
    script.write_text(SCRIPT)
    jupytext.write(jupytext.read(script), script.with_suffix(".ipynb"))
    return script.with_suffix(".ipynb")


def test_a_synced_pair_passes_and_an_edited_twin_is_named(tmp_path):
    ipynb = _pair(tmp_path)
    assert pairs.differing([ipynb]) == []
    ipynb.with_suffix(".py").write_text(SCRIPT.replace("x = 1", "x = 2"))
    assert pairs.differing([ipynb]) == [ipynb.with_suffix(".py")]
    with pytest.raises(pairs.OutOfSync,
                       match=r"(?s)python -m tools\.publishing\.slides refuses.*jupytext --sync .*00_demo\.py"):
        pairs.require_in_sync([ipynb], "python -m tools.publishing.slides")


def test_student_versions_slides_and_release_refuse_an_unsynced_pair(tmp_path, monkeypatch, capsys):
    ipynb = _pair(tmp_path)
    ipynb.with_suffix(".py").write_text(SCRIPT.replace("x = 1", "x = 2"))
    before = ipynb.read_text()
    assert assignments.main([str(ipynb), "--out", str(tmp_path / "student")]) == 1
    assert slides.main([str(ipynb)]) == 1
    assert "jupytext --sync" in capsys.readouterr().err
    assert ipynb.read_text() == before and not (tmp_path / "student").exists()  # nothing written
    monkeypatch.setattr(assignments, "default_sources", lambda: [ipynb])
    with pytest.raises(pairs.OutOfSync, match="python -m tools.publishing.release refuses"):
        release.release(tmp_path / "out", target.Target("owner/name", "v1.0.0"))
