"""Slide metadata written by tools.publishing.slides: its rules, the pair kept in sync, the notebooks up to date."""

import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest

from tools.publishing import slides

ROOT = Path(__file__).resolve().parents[3]
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def test_sections_start_slides_subsections_subslides_figures_are_fragments():
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title\n\nLearning goals"), code("cfg = config.setup(seed=0)"),
        md("## 1 · A section\n\nA short paragraph."), code("fig = plotting.curves(history)"),
        md("### A check"), code("assert 1 + 1 == 2"),
        md("Some prose.\n\n## 2 · A section that starts inside a cell"),
    ])
    assert slides.slide_types(nb) == ["slide", "-", "slide", "fragment", "subslide", "-", "slide"]


def test_what_overflows_a_screen_starts_a_subslide():
    long_code = "\n".join(f"x{i} = {i}" for i in range(slides.SCREEN_LINES - 4))
    nb = nbformat.v4.new_notebook(cells=[md("## A section"), code(long_code), code("y = 1\nz = 2\nw = 3\nv = 4")])
    assert slides.slide_types(nb) == ["slide", "-", "subslide"]
    figure_after_text = nbformat.v4.new_notebook(cells=[md("## A\n\n" + "word " * 18 * 15), code("fig = plt.figure()")])
    assert slides.slide_types(figure_after_text) == ["slide", "subslide"]  # a figure is never pushed off screen


def test_folded_cells_are_left_out_of_the_slides_and_collapsed_in_jupyterlab():
    details = md("<details>\n<summary>Where the recipe comes from</summary>\n\n## Not a slide\n\n</details>")
    drawing = code("fig = plotting.lstm_cell()", metadata={"tags": ["hide-input"]})
    proof = code("assert_close(ours, theirs)", metadata={"tags": ["hide-cell"]})
    nb = nbformat.v4.new_notebook(cells=[md("# Title"), details, drawing, proof, md("Prose.")])
    assert slides.slide_types(nb) == ["slide", "skip", "fragment", "skip", "-"]
    slides.with_slides(nb)
    assert drawing.metadata["jupyter"] == {"source_hidden": True}  # the figure stays in view
    assert proof.metadata["jupyter"] == {"outputs_hidden": True, "source_hidden": True}
    assert "jupyter" not in details.metadata and "jupyter" not in nb.cells[-1].metadata
    # a details block with prose after it is on the reading path
    assert not slides.folded(md("<details><summary>a</summary>b</details>\n\nThen more prose."))


def test_stale_folding_metadata_is_reported(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[md("# Title"), code("x = 1", metadata={"tags": ["hide-cell"]})])
    path = tmp_path / "99_x.ipynb"
    jupytext.write(slides.with_slides(nb), path)
    jupytext.write(nb, path.with_suffix(".py"), fmt="py:percent")
    assert slides.stale(path) == []
    nb.cells[1].metadata.pop("jupyter")
    jupytext.write(nb, path)
    assert any("folding metadata" in p for p in slides.stale(path))


def test_write_keeps_the_pair_in_sync(tmp_path):
    for suffix in (".ipynb", ".py"):
        shutil.copy(ROOT / "notebooks" / f"05_lstm{suffix}", tmp_path / f"05_lstm{suffix}")
    path = tmp_path / "05_lstm.ipynb"
    before = [(c.cell_type, c.source) for c in jupytext.read(path).cells]
    slides.write(path)
    from_py, from_ipynb = jupytext.read(path.with_suffix(".py")), jupytext.read(path)
    assert [(c.cell_type, c.source) for c in from_py.cells] == [(c.cell_type, c.source) for c in from_ipynb.cells]
    assert [(c.cell_type, c.source) for c in from_ipynb.cells] == before  # only metadata changes
    assert [c.metadata["slideshow"] for c in from_py.cells] == [c.metadata["slideshow"] for c in from_ipynb.cells]
    assert not slides.stale(path)
    assert not any(c.get("outputs") for c in nbformat.read(path, as_version=4).cells)


@pytest.mark.parametrize("path", slides.lecture_notebooks(), ids=lambda p: p.stem)
def test_lecture_notebooks_carry_the_slide_metadata(path):
    problems = slides.stale(path)
    assert not problems, "\n".join(problems) + "\nWrite it with:  python -m tools.publishing.slides"
    types = slides.slide_types(jupytext.read(path))
    assert types[0] == "slide" and types.count("slide") >= 4, "a title slide and one slide per section"
