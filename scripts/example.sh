#!/usr/bin/env bash
# Installs what is missing, builds the release binary, and runs the bundled
# example project end to end on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
weir=$PWD/build/release/src/cli/weir
cd examples/shop
"$weir" validate
"$weir" graph daily_sales
"$weir" run daily_sales --date 2024-01-15
"$weir" status daily_sales
echo "--- the loaded partition:"
cat lake/warehouse/sales/2024-01-15.csv
