"""Instructor and maintainer tools, run from a checkout of the course (not part of the package
that students and Colab install):

- ``python -m tools.assignments``: build the student versions in ``notebooks/student/``
- ``python -m tools.grading``: grade a folder of submissions with the hidden tests
- ``python -m tools.colab``: regenerate every notebook's Colab badge and install cell
- ``python -m tools.benchmark``: run every notebook alone in a fresh kernel and time it
- ``python -m tools.gpucheck``: every notebook in one mode, with times and headline numbers

Their requirements are the ``instructor`` extra: ``pip install -e ".[instructor]"``.
"""
