"""Sphinx configuration of the course's website, built by ``python -m tools.publishing.site``.

The tool copies this folder to ``build/site/src``, adds the published notebooks (executed,
solutions removed), the slides, the claims page and local copies of MathJax and reveal.js,
then runs Sphinx with warnings as errors. ``target.json`` (written by the tool) names the
student repository and tag that the GitHub button opens. Nothing here loads from the internet.
"""

import json
from pathlib import Path

# the student repository and tag (tools.publishing.target: course.toml and the version), written by the tool
_target = json.loads((Path(__file__).parent / "target.json").read_text(encoding="utf-8"))

project = "Sequence modeling with recurrent neural networks"
author = "the course's authors"
copyright = "the course's authors, MIT licence"
release = _target["tag"]

extensions = ["myst_nb"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the tool executes the notebooks once, through jupyter-cache
nb_ipywidgets_js = {}  # widgets become static notes: no widget manager from a CDN
nb_merge_streams = True
exclude_patterns = ["_build", "student/*", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = "Sequence modeling with RNNs"
html_static_path = ["_static"]
html_extra_path = ["_extra"]  # the slides
html_css_files = ["course.css"]
html_theme_options = {
    "repository_url": f"https://github.com/{_target['repository']}",
    "repository_branch": _target["tag"],
    "use_repository_button": True,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
html_last_updated_fmt = None

# MathJax 2, served from the site (the copy of the jupyter-server-mathjax package), not a CDN
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# (that copy ships the STIX web fonts only). myst-nb marks notebook pages tex2jax_ignore and its
# maths with the class "math": MathJax 2 processes those.
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processRefs": False, "processEnvironments": False,
                "processClass": "math|output_area|tex2jax_process|mathjax_process"},
    "HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web", "webFont": "STIX-Web",
                 "imageFont": None},
    "messageStyle": "none",
}
html_context = {"default_mode": "light"}
