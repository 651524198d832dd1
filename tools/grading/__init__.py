"""Grading: the autograder and what it is built from. Imports nothing of ``tools.publishing`` or
``tools.measuring`` (``tests/tools/test_layout.py`` holds it to that).

- :mod:`tools.grading.grader`: grade a folder of submissions, the self-test, and the gradebook
  commands ``answers`` and ``merge`` (``python -m tools.grading``, see :mod:`tools.grading.__main__`)
- :mod:`tools.grading.submissions`: find and read the submitted notebooks
- :mod:`tools.grading.restore`: the instructor's test cells put back where they belong
- :mod:`tools.grading.sandbox`: bubblewrap around each submission's kernel
- :mod:`tools.grading.kernel`: the student's cells run one by one in that kernel
- :mod:`tools.grading.judge`: each question judged outside the kernel
- :mod:`tools.grading.specs`: the declared questions, one module per assignment
"""
