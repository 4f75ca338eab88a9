#!/usr/bin/env bash
# stage.sh [build dir]: the fuzz stage of `./lightwell.sh test` (docs/fuzzing.md).
# Configures tests/fuzz with clang (a separate project: the main build is g++), builds every
# target, runs each for LIGHTWELL_FUZZ_SECONDS (default 45) two at a time, and prints one line
# per target with its executions per second. Fails if any target crashed, leaked, timed out
# or broke an invariant (the reproducer stays in <build dir>/runs/<target>/).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/fuzz}
jobs=${LIGHTWELL_FUZZ_JOBS:-2}
start=$(date +%s)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$jobs"
built=$(date +%s)
rm -f "$build"/runs/*/summary.txt
status=0
(cd "$build" && ctest -j "$jobs" -L fuzz --output-on-failure) || status=$?
echo "== fuzz summary (${LIGHTWELL_FUZZ_SECONDS:-45} s per target; build $((built - start)) s, total $(( $(date +%s) - start )) s)"
cat "$build"/runs/*/summary.txt 2>/dev/null || true
exit $status
