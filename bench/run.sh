#!/usr/bin/env bash
# Runs every benchmark against its peers in one run and writes
# docs/benchmarks.md. Builds the release binary first. Each benchmark script
# writes its markdown section under bench/work/; bench/report.py puts them
# under one header (date, machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Peers and measuring tools are installed here only, never by the test command.
missing=()
command -v make >/dev/null || missing+=(make)
command -v ninja >/dev/null || missing+=(ninja-build)
# The peer orchestrator of bench/orchestration.py (Debian's 7.21).
command -v snakemake >/dev/null || missing+=(snakemake)
[ -x /usr/bin/time ] || missing+=(time)
# Debian's pandas, for Debian's python3 (another python3 may come first on PATH).
/usr/bin/python3 -c 'import pandas' 2>/dev/null || missing+=(python3-pandas)
# pandas' to_sql into Postgres, the peer of bench/connectors.py (W2's load).
/usr/bin/python3 -c 'import sqlalchemy' 2>/dev/null || missing+=(python3-sqlalchemy)
/usr/bin/python3 -c 'import psycopg2' 2>/dev/null || missing+=(python3-psycopg2)
# The Kafka peers of bench/stream.py: W3's kafka-python consumer and the
# librdkafka floor (confluent-kafka).
/usr/bin/python3 -c 'import kafka' 2>/dev/null || missing+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || missing+=(python3-confluent-kafka)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
bash scripts/build.sh release

mkdir -p bench/work
# The plain-DuckDB floor and checksum runner: DuckDB's C API, the library weir links.
g++ -O2 -std=c++17 bench/duckdb_sql.cc -Ithird_party/duckdb/include -Lthird_party/duckdb/lib -lduckdb \
  -Wl,-rpath,"$PWD/third_party/duckdb/lib" -o bench/work/duckdb_sql

python3 bench/orchestration.py --weir build/release/src/cli/weir --out bench/work/orchestration.md
python3 bench/w1.py --weir build/release/src/cli/weir --duckdb-sql bench/work/duckdb_sql \
  --python /usr/bin/python3 --out bench/work/w1.md
python3 bench/models.py --weir build/release/src/cli/weir --duckdb-sql bench/work/duckdb_sql --out bench/work/models.md
# Data checks against pandas at 10M and 50M rows (data kept under bench/work/quality/data).
python3 bench/quality.py --weir build/release/src/cli/weir --duckdb-sql bench/work/duckdb_sql \
  --python /usr/bin/python3 --rows 10000000,50000000 --out bench/work/quality.md
python3 bench/scheduler_idle.py --weir build/release/src/cli/weir --out bench/work/scheduler.md
# Postgres extract, upsert and append against psql \copy and pandas, on a private durable cluster.
python3 bench/connectors.py --weir build/release/src/cli/weir --duckdb-sql bench/work/duckdb_sql \
  --python /usr/bin/python3 --out bench/work/connectors.md
# W3's stream, Kafka to Kafka on the mock cluster, against kafka-python and the librdkafka floor.
/usr/bin/python3 bench/stream.py --weir build/release/src/cli/weir --mock build/release/src/connectors/weir-kafka-mock \
  --out bench/work/stream.md
python3 bench/report.py docs/benchmarks.md bench/work/orchestration.md bench/work/scheduler.md bench/work/w1.md bench/work/models.md \
  bench/work/quality.md bench/work/connectors.md bench/work/stream.md
echo "bench: wrote docs/benchmarks.md"
