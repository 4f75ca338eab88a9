#!/usr/bin/env bash
# run-long.sh [target|all] [seconds] [build dir]: a longer fuzzing run for developers
# (docs/fuzzing.md). Builds tests/fuzz with clang if needed, then runs the named target (or
# every target, one after the other) for `seconds` each (default 600), keeping the corpus in
# <build dir>/runs/<target>/corpus so each run continues where the last one stopped, and
# prints executions per second per target. Extra libFuzzer flags: LIGHTWELL_FUZZ_FLAGS.
#   tests/fuzz/run-long.sh fuzz_rtsp 3600
#   LIGHTWELL_FUZZ_FLAGS="-jobs=2 -workers=2" tests/fuzz/run-long.sh fuzz_query 600
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${1:-all}
seconds=${2:-600}
build=${3:-$root/build/fuzz}
cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$build" -j 2 >/dev/null
if [[ $target == all ]]; then
  mapfile -t targets < <(cd "$build" && ls fuzz_* | grep -v '^fuzz_seeds$')
else
  targets=("$target")
fi
status=0
for t in "${targets[@]}"; do
  [[ -x $build/$t ]] || { echo "no such target: $t (see $build/fuzz_*)" >&2; exit 2; }
  if [[ -n ${LIGHTWELL_FUZZ_FLAGS:-} ]]; then
    # Parallel modes write their own logs (fuzz-<n>.log); run libFuzzer directly.
    mkdir -p "$build/runs/$t/corpus"
    (cd "$build/runs/$t" && "$build/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 ${LIGHTWELL_FUZZ_FLAGS} corpus "$build/seeds/$t") || status=1
  else
    "$root/tests/fuzz/run-target.sh" "$build/$t" "$build/seeds/$t" "$build/runs/$t" "$seconds" || status=1
  fi
done
exit $status
