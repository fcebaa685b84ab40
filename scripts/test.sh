#!/usr/bin/env bash
# Installs what is missing, builds Weir with clang-14 + ASan + UBSan, and runs
# every test (unit suites and end-to-end cases) in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh test
jobs=$(nproc)
ctest --test-dir build/test --output-on-failure -j "$jobs" --timeout 600
