#!/usr/bin/env bash
# Screenshots of each page of the web UI into docs/img/ (docs/ui.md shows
# them). Not part of the test run: run it by hand after changing the UI, with
# a built weir (default: the release build's), then commit the PNGs.
#   scripts/ui_screenshots.sh [PATH/TO/weir]
set -euo pipefail
cd "$(dirname "$0")/.."
weir=${1:-build/release/src/cli/weir}
[ -x "$weir" ] || { echo "ui_screenshots: no weir binary at $weir (build it, or pass its path)" >&2; exit 2; }
exec node tests/ui/screenshots.mjs --weir "$weir" --out docs/img
