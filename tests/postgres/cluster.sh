#!/usr/bin/env bash
# A private PostgreSQL 15 cluster on loopback for the tests, shared by every
# test of one ctest run (a CTest fixture): `cluster.sh start STATE_DIR`
# initialises it in a new temporary folder, starts it on a free port and
# writes the port to STATE_DIR/port and its folder to STATE_DIR/data_dir;
# `cluster.sh stop STATE_DIR` stops it and removes the folder.
#
# The tests' cluster runs with fsync and synchronous_commit off: they check
# behaviour, not durability, and are faster so. `cluster.sh start STATE_DIR
# durable` keeps both on, as a production server has them (the benchmarks
# of bench/connectors.py measure against that).
#
# Roles: `postgres` (superuser, trusted on loopback) for the tests' own
# setup, and `weir_etl` with the password `etl-secret` (scram-sha-256), to
# test password logins. initdb refuses to run as root, so as root the
# cluster runs as the user postgres, which Debian's package creates.
set -euo pipefail

readonly PG_BIN=/usr/lib/postgresql/15/bin
action=$1
state_dir=$2
durability=${3:-}

as_cluster_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  stop_if_running
  mkdir -p "$state_dir"
  local data_dir port
  data_dir=$(mktemp -d /tmp/weir-test-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$data_dir"
  echo "$data_dir" >"$state_dir/data_dir"
  as_cluster_owner "$PG_BIN/initdb" -D "$data_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$data_dir/initdb.log" 2>&1 || { cat "$data_dir/initdb.log" >&2; exit 1; }
  cat >"$data_dir/data/pg_hba.conf" <<'HBA'
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
HBA
  port=$(free_port)
  local sync_options="-c fsync=off -c synchronous_commit=off"
  [ "$durability" = durable ] && sync_options="-c fsync=on -c synchronous_commit=on"
  as_cluster_owner "$PG_BIN/pg_ctl" -D "$data_dir/data" -l "$data_dir/server.log" -w -t 60 \
    -o "-p $port -k $data_dir -c listen_addresses=127.0.0.1 $sync_options -c max_connections=200" \
    start >/dev/null || { cat "$data_dir/server.log" >&2; exit 1; }
  as_cluster_owner psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE weir_etl LOGIN PASSWORD 'etl-secret' CREATEDB" >/dev/null
  echo "$port" >"$state_dir/port"
  echo "postgres test cluster on 127.0.0.1:$port ($data_dir)"
}

stop_if_running() {
  [ -f "$state_dir/data_dir" ] || return 0
  local data_dir
  data_dir=$(cat "$state_dir/data_dir")
  if [ -d "$data_dir/data" ]; then
    as_cluster_owner "$PG_BIN/pg_ctl" -D "$data_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$data_dir"
  rm -f "$state_dir/data_dir" "$state_dir/port"
}

case "$action:$durability" in
  start:|start:durable) start ;;
  stop:) stop_if_running ;;
  *) echo "usage: cluster.sh start STATE_DIR [durable] | cluster.sh stop STATE_DIR" >&2; exit 2 ;;
esac
