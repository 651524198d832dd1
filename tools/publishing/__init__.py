"""Publishing: what students get, built from the instructor's notebooks. May use
:mod:`tools.measuring` (the site executes notebooks with the benchmark's runner), never
:mod:`tools.grading` (``tests/tools/test_layout.py`` holds it to that).

- :mod:`tools.publishing.assignments`: the student versions in ``notebooks/student/``
- :mod:`tools.publishing.release`: the student-facing course written to a folder of its own
- :mod:`tools.publishing.colab`: every notebook's Colab badge and install cell
- :mod:`tools.publishing.site`: the website and the slides, checked in headless Chromium
- :mod:`tools.publishing.slides`: the lecture notebooks' slide metadata
- :mod:`tools.publishing.claims`: the page of what the course proves
- shared by them: :mod:`tools.publishing.pairs` (a notebook's ``.py`` and ``.ipynb`` agree) and
  :mod:`tools.publishing.target` (the student repository and tag)
"""
