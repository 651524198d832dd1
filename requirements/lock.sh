#!/usr/bin/env bash
# Regenerate requirements/ci.txt: exact versions of everything the test suite installs, which
# .ci/run uses as pip constraints for its pinned run. Run it deliberately (never in CI), run the
# suite against the new pins, and commit the file with the change it brings.
#
#   pip install uv && bash requirements/lock.sh
#
# PyTorch is held at the CPU build CI installs (torch==2.13.0 also admits 2.13.0+cpu); the
# CUDA packages the resolver lists for torch's Linux wheels are constraints only, never installed.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "torch==2.13.0" > requirements/torch.txt
uv pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
  --constraint requirements/torch.txt --no-emit-package course-utils \
  --custom-compile-command "bash requirements/lock.sh" --output-file requirements/ci.txt
