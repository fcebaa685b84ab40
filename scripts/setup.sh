#!/usr/bin/env bash
# Installs everything Weir needs to build and test on a fresh Debian 12 machine
# (run as root). Safe to run again: installed packages and the fetched DuckDB
# library are checked first and not fetched twice.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  clang-14 libclang-rt-14-dev lld-14
  libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libcli11-dev
  libfmt-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev libcpp-httplib-dev
  librdkafka-dev libpq-dev postgresql-15 postgresql-client-15
  libhowardhinnant-date-dev tzdata libsodium-dev
  python3 python3-jinja2 python3-croniter
  chromium
)

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || echo "$pkg"
  done
}

install_debian_packages() {
  local missing
  missing=$(missing_packages "${DEBIAN_PACKAGES[@]}")
  # Node.js may come from another source than Debian; only its absence matters.
  command -v node >/dev/null || missing="$missing nodejs"
  command -v npm >/dev/null || missing="$missing npm"
  if [ -n "${missing// /}" ]; then
    echo "setup: installing Debian packages:" $missing
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
  fi
}

# DuckDB 1.4.4: the shared library comes from the node bindings package, the
# header from the duckdb package of the same source id (DESIGN.md).
readonly DUCKDB_DIR=third_party/duckdb
readonly DUCKDB_LIB_SHA256=1ef33048e12235115ac0d277a0aaccbb560e33248144f488b5ac005cd9ba81b5
readonly DUCKDB_HEADER_SHA256=cbe6a827284375c5a646b8f27dbd3a00808ce8738b5bbb49c190cb1e08540281

sha_ok() { [ -f "$1" ] && echo "$2  $1" | sha256sum --check --status; }

fetch_duckdb() {
  if sha_ok "$DUCKDB_DIR/lib/libduckdb.so" "$DUCKDB_LIB_SHA256" &&
     sha_ok "$DUCKDB_DIR/include/duckdb.h" "$DUCKDB_HEADER_SHA256"; then
    return
  fi
  echo "setup: fetching DuckDB 1.4.4 with npm pack"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" &&
   npm pack --silent @duckdb/node-bindings-linux-x64@1.4.4-r.4 >/dev/null &&
   npm pack --silent duckdb@1.4.4 >/dev/null)
  mkdir -p "$DUCKDB_DIR/lib" "$DUCKDB_DIR/include"
  tar -xzf "$tmp"/duckdb-node-bindings-linux-x64-*.tgz -C "$tmp" package/libduckdb.so
  cp "$tmp/package/libduckdb.so" "$DUCKDB_DIR/lib/"
  rm -rf "$tmp/package"
  tar -xzf "$tmp"/duckdb-1.4.4.tgz -C "$tmp" package/src/duckdb/src/include/duckdb.h
  cp "$tmp/package/src/duckdb/src/include/duckdb.h" "$DUCKDB_DIR/include/"
  rm -rf "$tmp"
  sha_ok "$DUCKDB_DIR/lib/libduckdb.so" "$DUCKDB_LIB_SHA256" ||
    { echo "setup: libduckdb.so does not match its expected sha256" >&2; exit 1; }
  sha_ok "$DUCKDB_DIR/include/duckdb.h" "$DUCKDB_HEADER_SHA256" ||
    { echo "setup: duckdb.h does not match its expected sha256" >&2; exit 1; }
}

# npm packages, each in a folder of its own under third_party so that no
# other npm install prunes it as extraneous; installed once per version.
install_npm_package() {  # folder, package, version
  local installed
  installed=$(node -p "require('./$1/node_modules/$2/package.json').version" 2>/dev/null || true)
  [ "$installed" = "$3" ] && return
  echo "setup: installing $2 $3 with npm"
  mkdir -p "$1"
  npm install --prefix "$1" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$2@$3" >/dev/null
}

# s3rver 3.7.1: the S3-compatible store that the object storage tests start
# on loopback (DESIGN.md).
install_s3rver() { install_npm_package third_party/s3rver s3rver 3.7.1; }

# playwright-core 1.61.1: drives Debian's Chromium in the web UI tests
# (tests/ui). 1.61 is the last line that runs on Debian 12's Node 18; it
# never downloads a browser of its own (executablePath /usr/bin/chromium).
install_playwright() { install_npm_package third_party/playwright playwright-core 1.61.1; }

install_debian_packages
fetch_duckdb
install_s3rver
install_playwright
