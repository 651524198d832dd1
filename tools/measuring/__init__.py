"""Measuring: notebooks run alone and timed, and the numbers they record. Imports nothing of
:mod:`tools.publishing` or :mod:`tools.grading` (``tests/tools/test_layout.py`` holds it to that).

- :mod:`tools.measuring.benchmark`: every notebook alone in a fresh kernel, timed; README's table
- :mod:`tools.measuring.cache`: the executed-notebook cache that the benchmark fills
  (``--site-cache``) and the site build reads
- :mod:`tools.measuring.gpucheck`: the same in full mode on a GPU
- :mod:`tools.measuring.cellbench`: the course's cells against PyTorch's layers
- :mod:`tools.measuring.report`: ``RESULTS.md`` from the benchmark's report, beside
  :mod:`tools.measuring.anchors` (published numbers) and :mod:`tools.measuring.margins`
"""
