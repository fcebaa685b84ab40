#!/usr/bin/env bash
# fuzz.sh NAME [seconds]: fuzzes NAME (yaml_config, template, schedule) for a
# while (default 60 s) on a scratch copy of its kept corpus (with
# src/*/fuzz/NAME.dict when there is one), then merges the inputs that reach
# new code back into src/*/fuzz/corpus/NAME/ (review and commit them).
# Uses the test build, or the one named by WEIR_BUILD; a crash is saved in
# that build folder as NAME-crash-*, and the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: fuzz.sh NAME [seconds]}
seconds=${2:-60}
build=${WEIR_BUILD:-build/test}
corpus=$(echo src/*/fuzz/corpus/"$name")
[ -d "$corpus" ] || { echo "fuzz.sh: no corpus src/*/fuzz/corpus/$name" >&2; exit 2; }
[ -d "$build" ] || { echo "fuzz.sh: no build in $build: run scripts/build.sh test" >&2; exit 2; }
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/weir-ccache}
cmake --build "$build" --target "${name}_fuzzer"
binary=$(find "$build/src" -name "${name}_fuzzer" -type f -perm -u+x | head -1)
dict=$(dirname "$(dirname "$corpus")")/$name.dict
dict_flag=()
[ -f "$dict" ] && dict_flag=(-dict="$dict")

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$corpus"/* "$scratch"/
"$binary" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${dict_flag[@]}" \
  -artifact_prefix="$build/$name-" "$scratch"
before=$(ls "$corpus" | wc -l)
# Only inputs that reach new branches (not new hit counts), chosen as a
# small set cover, so the kept corpus stays small.
"$binary" -merge=1 -set_cover_merge=1 -use_counters=0 "$corpus" "$scratch" 2>&1 |
  grep -E "MERGE-OUTER: [0-9]+ new files" || true
echo "fuzz.sh: $name corpus $before -> $(ls "$corpus" | wc -l) files"
