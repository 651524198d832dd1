"""``python -m tools.grading``: the grader's command line (grade, ``--selftest``, ``answers``,
``merge``); see :mod:`tools.grading.grader`."""

import sys

from tools.grading.grader import main

if __name__ == "__main__":
    sys.exit(main())
