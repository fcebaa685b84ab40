#!/usr/bin/env bash
# Installs what is missing, builds the release binary, creates the example
# project with `weir init` in a temporary folder and runs the daily sales
# pipeline (W1) for its three days on embedded DuckDB.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
weir=$PWD/build/release/src/cli/weir
project=$(mktemp -d -t weir-example-XXXXXX)/shop
"$weir" init "$project"
cd "$project"
"$weir" validate
"$weir" graph daily_sales
for ds in 2024-01-01 2024-01-02 2024-01-03; do
  "$weir" run daily_sales --date "$ds"
done
"$weir" query "SELECT * FROM marts.fct_daily_sales"
"$weir" query "SELECT ds, reason, count(*) AS rows FROM rejects.sales GROUP BY ALL ORDER BY ALL"
"$weir" test --report "$project/checks.html"
cat <<MSG

The warehouse is $project/warehouse.duckdb; the lake is $project/lake/.
Try:
  cd $project
  $weir query "SELECT order_id, amount, date, order_status FROM analytics.sales ORDER BY amount DESC LIMIT 5"
  $weir logs daily_sales --date 2024-01-03 --task quality_check
  open $project/checks.html                     (the checks' report)
MSG
