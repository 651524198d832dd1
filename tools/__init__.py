"""Instructor and maintainer tools, run from a checkout of the course (not part of the package
that students and Colab install), in three subpackages by job:

- :mod:`tools.grading`: the autograder.

  - ``python -m tools.grading``: grade a folder of submissions, each in a sandbox, the questions
    (``tools/grading/specs``) judged outside it, after a self-test on the instructor's
    notebooks; its ``answers`` and ``merge`` commands gather the written answers and add their
    hand marks

- :mod:`tools.publishing`: what students get.

  - ``python -m tools.publishing.assignments``: build the student versions in ``notebooks/student/``
  - ``python -m tools.publishing.release``: write the student-facing course (no solutions) to a
    folder of its own
  - ``python -m tools.publishing.target``: the student repository (``course.toml``) and tag the
    release and site use
  - ``python -m tools.publishing.colab``: regenerate every notebook's Colab badge and install cell
  - ``python -m tools.publishing.slides``: the lecture notebooks' slide metadata
  - ``python -m tools.publishing.site``: the website and the slides
  - ``python -m tools.publishing.claims``: the page of what the course proves

- :mod:`tools.measuring`: notebooks timed and their numbers.

  - ``python -m tools.measuring.benchmark``: run every notebook alone in a fresh kernel and time it
  - ``python -m tools.measuring.gpucheck``: every notebook in full mode on a GPU, with times and
    recorded numbers
  - ``python -m tools.measuring.cellbench``: the course's cells against PyTorch's layers, one
    training step each
  - ``python -m tools.measuring.report``: ``RESULTS.md`` from the benchmark's report
  - ``python -m tools.measuring.margins``: each claim's worst margin over the runs

Imports go one way: publishing may use measuring; measuring and grading use neither of the others
(``tests/tools/test_layout.py``). Their requirements are the ``instructor`` extra:
``pip install -e ".[instructor]"``.
"""
