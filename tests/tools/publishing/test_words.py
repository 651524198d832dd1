"""Words on a lecture's reading path (tools.publishing.words): folds are left out, formulas are one word."""

import nbformat

from tools.publishing import words

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def test_folded_cells_and_details_blocks_do_not_count(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title\n\nThree more words."),
        md("<details>\n<summary>Where the recipe comes from</summary>\n\nMany many words here.\n\n</details>"),
        md("Two words <details><summary>x</summary>not these</details>"),
        code("print('code is not prose')"),
        md("A formula $a_t = W_{xh} x_t + b$ counts once."),
    ])
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nb, path)
    assert words.reading_path(path) == 4 + 2 + 5


def test_main_lists_the_lectures(capsys):
    assert words.main([]) == 0
    assert "00_sequences" in capsys.readouterr().out


def test_every_lecture_is_one_lecture_long():
    from tools.publishing import slides

    over = {p.stem: n for p in slides.lecture_notebooks() if (n := words.reading_path(p)) > words.BUDGET}
    assert not over, (f"over about {words.BUDGET} words of markdown on the reading path: {over}. Fold what "
                      "a student may skip into a <details> cell (README: Editing the course)")
