#!/usr/bin/env bash
# Runs every benchmark against its peers in one run and writes
# docs/benchmarks.md. Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Peers are installed here only, never by the test command.
command -v make >/dev/null && command -v ninja >/dev/null || apt-get install -y -qq make ninja-build
bash scripts/build.sh release
python3 bench/orchestration.py --weir build/release/src/cli/weir --out docs/benchmarks.md
