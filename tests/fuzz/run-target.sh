#!/usr/bin/env bash
# run-target.sh <fuzzer binary> <seed dir> <run dir> [seconds]
# Runs one libFuzzer target for a bounded time (ctest entry, docs/fuzzing.md). The seeds are
# read, never written: new inputs go to <run dir>/corpus, which persists between runs of the
# same build dir, so repeated runs keep what earlier ones found. Fails (exit != 0) on any
# crash, leak, timeout (one input > 10 s), out-of-memory (> 2048 MB) or UBSan report; the
# reproducer is kept as <run dir>/crash-*, leak-*, timeout-* or oom-*.
# Prints one summary line: target, executions, exec/s, corpus size, new coverage.
# Seconds: argument, else $LIGHTWELL_FUZZ_SECONDS, else 45.
set -uo pipefail
bin=$1 seeds=$2 run=$3
seconds=${4:-${LIGHTWELL_FUZZ_SECONDS:-45}}
name=$(basename "$bin")
mkdir -p "$run/corpus" "$run/tmp"
log="$run/fuzz.log"

# TMPDIR: the state-file targets write their files there. The sanitizer options make a
# report fatal and symbolised; libFuzzer's own flags carry the limits.
TMPDIR="$run/tmp" \
ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
         -print_final_stats=1 -artifact_prefix="$run/" "$run/corpus" "$seeds" >"$log" 2>&1
rc=$?

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
runs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
cov=$(grep -E '^#[0-9]+' "$log" | tail -n1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
corpus=$(find "$run/corpus" -type f | wc -l)
if [[ $rc -eq 0 ]]; then
  printf '%-24s ok    %6ss  %10s execs  %7s exec/s  cov %-6s corpus %s\n' \
    "$name" "$seconds" "${runs:-?}" "${rate:-?}" "${cov:-?}" "$corpus" | tee "$run/summary.txt"
  exit 0
fi
printf '%-24s FAIL  exit %d after %s execs; log %s\n' "$name" "$rc" "${runs:-?}" "$log" | tee "$run/summary.txt"
# The report itself: the sanitizer / libFuzzer lines around the failure.
grep -n -E 'ERROR|WARNING|runtime error|invariant broken|Test unit written|SUMMARY|deadly signal|^ *#[0-9]+ 0x' "$log" | head -n 60
exit 1
