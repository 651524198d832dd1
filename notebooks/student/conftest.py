"""The student versions are generated (python -m tools.assignments) and stop at their first
exercise by design: nbval does not run them. tests/test_assignments.py checks that they are up to
date and that each fails exactly at its first stub."""

collect_ignore_glob = ["*.ipynb"]
