#!/usr/bin/env bash
# Developer entry point (README):
#   ./lightwell.sh serve [ARGS]  install what is missing, build, run `lightwell serve ARGS`
#   ./lightwell.sh test          install, build with -Werror, run every test, then again
#                                under ASan+UBSan, then the fuzzers (about 45 s each), then
#                                the benchmarks once in quick mode
#   ./lightwell.sh bench         build and run the benchmarks with full repetitions
set -euo pipefail
cd "$(dirname "$0")"
JOBS=$(nproc)

configure() {  # configure <dir> [cmake args...]; later arguments win
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
}

run_benches() {  # run_benches <build dir> [--quick]
  local dir=$1; shift
  for b in "$dir"/bench/bench_*; do
    [[ -x "$b" && ! -d "$b" ]] || continue
    echo "== $(basename "$b")"
    LIGHTWELL_BENCH_DIR="$dir/bench-results" "$b" "$@"
  done
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case "$cmd" in
  serve)
    packaging/install-deps.sh --build-only
    configure build/release -DLIGHTWELL_BUILD_TESTS=OFF -DLIGHTWELL_BUILD_BENCH=OFF
    cmake --build build/release -j "$JOBS" --target lightwell
    exec build/release/server/lightwell serve "$@"
    ;;
  test)
    packaging/install-deps.sh
    # The browser tests' driver (tests/web, docs/web-ui-testing.md): playwright-core from the
    # lock file; it drives Debian's chromium, so no browser is downloaded.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/web --no-audit --no-fund --loglevel=error
    echo "== release build (-Wall -Wextra -Werror)"
    configure build/release
    cmake --build build/release -j "$JOBS"
    (cd build/release && ctest -j "$JOBS" --output-on-failure)
    echo "== ASan + UBSan build"
    # -O1 and line tables only: sanitizers need no more, and it keeps CI's 2-core build short.
    configure build/asan -DLIGHTWELL_SANITIZE=ON -DLIGHTWELL_BUILD_BENCH=OFF \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1"
    cmake --build build/asan -j "$JOBS"
    (cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
       LSAN_OPTIONS="suppressions=$PWD/../../tests/lsan.supp" ctest -j "$JOBS" --output-on-failure)
    echo "== fuzzing (libFuzzer + ASan/UBSan, clang; docs/fuzzing.md)"
    tests/fuzz/stage.sh build/fuzz
    echo "== benchmarks (quick mode: figures only, never a verdict)"
    run_benches build/release --quick
    ;;
  bench)
    packaging/install-deps.sh
    configure build/release
    cmake --build build/release -j "$JOBS"
    run_benches build/release "$@"
    ;;
  *)
    echo "usage: ./lightwell.sh serve [ARGS] | test | bench" >&2
    exit 2
    ;;
esac
