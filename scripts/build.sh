#!/usr/bin/env bash
# build.sh test|release: configures (once) and builds one of the two builds.
#   test:    clang-14, ASan + UBSan, -O1, tests included   -> build/test
#   release: the default compiler, -O2, the binary users run -> build/release
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/weir-ccache}
# Paths relative to the checkout in ccache's hashes: another clone of the
# repository (CI's) reuses what this one compiled.
export CCACHE_BASEDIR=$PWD
case "$kind" in
  test)
    cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DWEIR_SANITIZE=ON -DWEIR_TESTS=ON >/dev/null
    ;;
  release)
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEIR_TESTS=OFF >/dev/null
    ;;
  *) echo "usage: build.sh test|release" >&2; exit 2 ;;
esac
cmake --build "build/$kind"
