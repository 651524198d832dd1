"""The website's publishing step (no solutions, outputs kept, widgets made static) and its slides.

The full build (``python -m tools.publishing.site --mode smoke --check``: every notebook executed, Sphinx,
slides, a headless browser) runs in CI as its own step; these tests check its parts quickly.
"""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from course_utils import REPOSITORY
from tools.measuring import cache
from tools.publishing import assignments, colab, site

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
out = nbformat.v4.new_output


def _executed():
    """An executed instructor's notebook: an exercise, its check, hidden tests, widgets and a bar."""
    title = md("# 03 · Title\n\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
               "(https://colab.research.google.com/github/o/r/blob/v1/notebooks/03_rnn.ipynb)\n\nLearning goals")
    exercise = code("def double(x):\n    # HINT: twice x\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                    "    ### END SOLUTION\n\nprint(double(2))")
    exercise.outputs = [out("stream", name="stdout", text="4\n")]
    check = code("assert double(3) == 6\nprint('PASS')\n### BEGIN HIDDEN TESTS\nassert double(-1) == -2\n"
                 "### END HIDDEN TESTS")
    check.outputs = [out("stream", name="stdout", text="PASS\n")]
    figure = code("fig = plt.figure()")
    figure.outputs = [out("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    bar = code("fit(model)")
    bar.outputs = [out("display_data", data={site.WIDGET_VIEW: {"model_id": "closed", "version_major": 2},
                                             "text/plain": "HBox()"})]
    slider = code("interact(draw, t=(0, 10))")
    slider.outputs = [out("display_data", data={site.WIDGET_VIEW: {"model_id": "box", "version_major": 2},
                                                "text/plain": "interactive(...)"})]
    done = code("for _ in tqdm(range(3), leave=True): pass")
    done.outputs = [out("display_data", data={site.WIDGET_VIEW: {"model_id": "bar", "version_major": 2},
                                              "text/plain": "HBox()"})]
    nb = nbformat.v4.new_notebook(cells=[title, exercise, check, figure, bar, slider, done])
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_o"]}},
        "s": {"model_name": "IntSliderModel", "state": {"value": 5}},
        "o": {"model_name": "OutputModel", "state": {"outputs": [
            {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
             "metadata": {}}]}},
        "bar": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_b1", "IPY_MODEL_b2", "IPY_MODEL_b3"]}},
        "b1": {"model_name": "HTMLModel", "state": {"value": "train"}},
        "b2": {"model_name": "FloatProgressModel", "state": {"value": 3, "max": 3}},
        "b3": {"model_name": "HTMLModel", "state": {"value": " 3/3 [00:01&lt;00:00]"}},
    }
    nb.metadata["widgets"] = {site.WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


def test_students_see_stubs_and_the_outputs_of_every_other_cell():
    nb = site.published(_executed(), "03_rnn.ipynb")
    text = json.dumps(nb)
    assert "return 2 * x" not in text and "double(-1)" not in text and "BEGIN" not in text
    exercise, check, figure = nb.cells[1], nb.cells[2], nb.cells[3]
    assert 'raise NotImplementedError("Exercise: twice x")' in exercise.source
    assert exercise.outputs == [] and check.outputs == []  # a solution's or a hidden test's outputs go too
    assert figure.outputs[0]["data"]["image/png"] == "iVBORw0KGgo="
    where = site.target.load()
    assert f"github/{where.repository}/blob/{where.tag}/notebooks/03_rnn.ipynb" in nb.cells[0].source
    assert "widgets" not in nb.metadata


def test_widgets_become_a_note_bars_a_plain_bar_or_nothing():
    nb = site.published(_executed(), "03_rnn.ipynb")
    bar, slider, done = nb.cells[4], nb.cells[5], nb.cells[6]
    assert bar.outputs == []  # closed: Jupyter shows nothing either
    assert "needs a running Python kernel" in slider.outputs[0]["data"]["text/html"]
    assert slider.outputs[1]["data"]["image/png"] == "iVBORw0KGgo="  # what the slider drew first
    assert '<progress value="3" max="3">' in done.outputs[0]["data"]["text/html"]
    assert not any(site.WIDGET_VIEW in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_a_cell_that_errored_fails_the_build():
    nb = _executed()
    nb.cells[3].outputs.append(out("error", ename="ValueError", evalue="bad", traceback=[]))
    with pytest.raises(RuntimeError, match=r"cells \[3\] show an error"):
        site.published(nb, "03_rnn.ipynb")


def test_outputs_merge_back_only_onto_the_same_code():
    original, executed = _executed(), _executed()
    original.cells[3].metadata["slideshow"] = {"slide_type": "fragment"}
    for cell in original.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    merged = site.merge_outputs(original, executed)
    assert merged.cells[3].outputs == executed.cells[3].outputs
    assert merged.cells[3].metadata["slideshow"] == {"slide_type": "fragment"}
    executed.cells[3].source = "fig = plt.figure(figsize=(2, 2))"
    with pytest.raises(ValueError, match="differs"):
        site.merge_outputs(original, executed)
    stripped = cache.for_execution(original)
    assert all(c.metadata == {} for c in stripped.cells)  # slide metadata does not invalidate the cache


def test_the_cache_key_follows_the_package(tmp_path):
    (tmp_path / "course_utils").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "course_utils" / "a.py").write_text("x = 1\n")
    first = cache.cache_key(tmp_path)
    (tmp_path / "notebooks" / "00_a.py").write_text("changed notebook code is the cache's own business\n")
    assert cache.cache_key(tmp_path) == first
    (tmp_path / "course_utils" / "a.py").write_text("x = 2\n")
    assert cache.cache_key(tmp_path) != first


WHERE = site.target.Target("myuni/rnn-course", "v1.2.3")


def test_each_page_links_its_student_version_slides_and_set_up_in_the_student_repository():
    cell = site.links_cell(Path("notebooks/05_lstm.ipynb"), "lectures", WHERE).source
    for part in ("colab.research.google.com/github/myuni/rnn-course/blob/v1.2.3/notebooks/05_lstm.ipynb",
                 "github.com/myuni/rnn-course/blob/v1.2.3/notebooks/05_lstm.ipynb", "../student/05_lstm.ipynb",
                 "../slides/05_lstm.slides.html", "README.md#on-your-machine", "README.md#on-colab"):
        assert part in cell
    assert "slides" not in site.links_cell(Path("notebooks/assignments/A1_rnns_by_hand.ipynb"), "assignments").source
    deck = site.links_cell(Path("notebooks/05_lstm.ipynb"), "lectures", WHERE, slides=True).source
    assert "{download}" not in deck and "myuni/rnn-course" in deck  # reveal.js shows no MyST role raw


def test_published_pages_badge_and_install_cell_point_at_the_student_repository():
    nb = _executed()
    nb.cells.insert(1, code(colab.install_code()))
    published = json.dumps(site.published(nb, "03_rnn.ipynb", WHERE))
    assert "colab.research.google.com/github/myuni/rnn-course/blob/v1.2.3/notebooks/03_rnn.ipynb" in published
    assert "git+https://github.com/myuni/rnn-course@v1.2.3" in published
    assert REPOSITORY not in published


def test_a_built_site_is_checked_for_foreign_links_and_local_paths(tmp_path):
    page = tmp_path / "lectures" / "x.html"
    page.parent.mkdir()
    page.write_text('<a href="https://github.com/myuni/rnn-course/blob/v1.2.3/README.md">ok</a> '
                    '<a href="https://github.com/d2l-ai/d2l-en">cited</a>')
    assert site.published_problems(tmp_path, WHERE) == []
    page.write_text(f'<a href="https://github.com/{REPOSITORY}/blob/v1/x">x</a> data_dir={site.ROOT}/data '
                    '<a href="https://colab.research.google.com/github/rnn-course/other/blob/v1/x.ipynb">')
    problems = "\n".join(site.published_problems(tmp_path, WHERE))
    assert f"github.com/{REPOSITORY}, not the student repository" in problems
    assert "github.com/rnn-course/other" in problems and f"local path {site.ROOT}" in problems


@pytest.mark.slow
def test_a_site_built_for_a_class_points_only_at_its_repository_and_shows_no_local_path(tmp_path):
    """A smoke build of one lecture and one assignment (about two minutes), checked as published."""
    pytest.importorskip("sphinx_book_theme")
    notebooks = [site.ROOT / "notebooks" / "00_sequences.ipynb",
                 site.ROOT / "notebooks" / "assignments" / "A1_rnns_by_hand.ipynb"]
    html_dir = site.build("smoke", tmp_path / "site", only=notebooks, where=WHERE, log=lambda *_: None)
    assert site.published_problems(html_dir, WHERE) == []  # build() also refuses otherwise
    pages = [p.read_text(encoding="utf-8") for p in html_dir.rglob("*.html")]
    text = "\n".join(pages)
    assert "https://github.com/myuni/rnn-course" in text  # the theme's GitHub button
    assert "colab.research.google.com/github/myuni/rnn-course/blob/v1.2.3/notebooks/00_sequences.ipynb" in text
    assert "git+https://github.com/myuni/rnn-course@v1.2.3" in text.replace("&#64;", "@")
    assert "{download}" not in (html_dir / "slides" / "00_sequences.slides.html").read_text(encoding="utf-8")


def test_slides_load_nothing_from_the_internet(tmp_path):
    pytest.importorskip("sphinx_revealjs")
    pytest.importorskip("jupyter_server_mathjax")
    nb = site.published(_executed(), "03_rnn.ipynb")
    for cell, kind in zip(nb.cells, ["slide", "-", "subslide", "fragment", "-", "-", "-"]):
        cell.metadata["slideshow"] = {"slide_type": kind}
    page = site.slides(nb, tmp_path / "slides" / "03_rnn.slides.html").read_text()
    assert "Reveal.initialize" in page and "../_static/reveal/dist/reveal.js" in page
    assert "../_static/mathjax/MathJax.js" in page
    import re
    external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
    assert not external, external
    site._vendor(tmp_path / "_static")
    assert (tmp_path / "_static" / "reveal" / "dist" / "reveal.js").exists()
    assert (tmp_path / "_static" / "mathjax" / "MathJax.js").exists()
    shutil.rmtree(tmp_path / "_static")


def test_every_notebook_has_a_student_version_to_download():
    from tools.measuring import benchmark

    for path in benchmark.notebooks():
        assert (assignments.STUDENT_DIR / path.name).exists(), path.name


def test_the_browser_check_fails_a_broken_page(tmp_path):
    pytest.importorskip("selenium")
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("no chromium and chromedriver here (apt-get install chromium chromium-driver)")
    from tools.publishing.site import browser

    (tmp_path / "index.html").write_text(
        '<html><body><a href="gone.html">a page that is not there</a> <a href="ok.html">ok</a>'
        '<img src="missing.png"><audio controls></audio>'
        '<div class="output traceback">ValueError: boom</div></body></html>')
    (tmp_path / "ok.html").write_text('<html><body><img src="data:image/gif;base64,'
                                      'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"></body></html>')
    problems = "\n".join(browser.check(tmp_path, log=lambda *a: None))
    for expected in ("gone.html: broken link", "index.html: image not loaded", "index.html: audio 0 has no source",
                     "index.html: error output: ValueError: boom", "no slides linked"):
        assert expected in problems, problems
    assert "ok.html" not in problems
