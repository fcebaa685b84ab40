#!/usr/bin/env bash
# The `http` task's extract benchmark alone (part 2 of bench/w1.py): weir's
# `http` task against DuckDB's read_json -> Parquet on 1M and 5M orders,
# interleaved, outputs checked to agree. Prints the table; docs are written
# only by bench/run.sh. Sizes and repeats can be given:
#   bash bench/extract.sh [SIZES] [REPEATS]      e.g. bash bench/extract.sh 1000000 3
# WEIR=path/to/weir uses that binary instead of building build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-1000000,5000000}
repeats=${2:-5}
weir=${WEIR:-build/release/src/cli/weir}
[ -n "${WEIR:-}" ] || bash scripts/build.sh release
mkdir -p bench/work
g++ -O2 -std=c++17 bench/duckdb_sql.cc -Ithird_party/duckdb/include -Lthird_party/duckdb/lib -lduckdb \
  -Wl,-rpath,"$PWD/third_party/duckdb/lib" -o bench/work/duckdb_sql
python3 bench/w1.py --weir "$weir" --duckdb-sql bench/work/duckdb_sql \
  --parts extract --sizes "$sizes" --repeats "$repeats" --out bench/work/w1_extract.md
