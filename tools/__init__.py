"""Instructor and maintainer tools, run from a checkout of the course (not part of the package
that students and Colab install):

- ``python -m tools.assignments``: build the student versions in ``notebooks/student/``
- ``python -m tools.grading``: grade a folder of submissions, each in a sandbox, the questions
  (``tools/specs``) judged outside it, after a self-test on the instructor's notebooks; its
  ``answers`` and ``merge`` commands gather the written answers and add their hand marks
- ``python -m tools.release``: write the student-facing course (no solutions) to a folder of its own
- ``python -m tools.target``: the student repository (``course.toml``) and tag the release and site use
- ``python -m tools.colab``: regenerate every notebook's Colab badge and install cell
- ``python -m tools.benchmark``: run every notebook alone in a fresh kernel and time it
- ``python -m tools.gpucheck``: every notebook in full mode on a GPU, with times and recorded numbers
- ``python -m tools.cellbench``: the course's cells against PyTorch's layers, one training step each

Their requirements are the ``instructor`` extra: ``pip install -e ".[instructor]"``.
"""
