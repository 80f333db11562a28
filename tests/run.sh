#!/usr/bin/env bash
# Runs cmocka test binaries, shows their output, and closes with one line
# "N passed, N failed" summed over all of them. A binary counts as (at least)
# one failure when it crashes, exceeds IRP_TEST_TIMEOUT seconds (default 1200),
# prints no cmocka summary, skips a test, or runs another number of tests than
# tests/expected-counts.txt says (so a test cannot vanish unnoticed). IRP_BIN is
# set to the irp binary built beside each test binary (build/irp or build-asan/irp).
set -u
cd "$(dirname "$0")/.."
counts=tests/expected-counts.txt
passed=0 failed=0
for t in "$@"; do
  dir=$(dirname "$(dirname "$t")")
  name=$(basename "$t")
  echo "== $t"
  out=$(IRP_BIN="$dir/irp" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        timeout -k 10 "${IRP_TEST_TIMEOUT:-1200}" "$t" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  ran=$(printf '%s\n' "$out" | sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' | tail -n1)
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | tail -n1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | tail -n1)
  s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' | tail -n1)
  want=$(awk -v n="$name" '$1 == n {print $2}' "$counts")
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "!! $t exceeded ${IRP_TEST_TIMEOUT:-1200}s"; failed=$((failed + 1)); continue
  fi
  if [[ -z "$p" && -z "$f" ]]; then
    echo "!! $t printed no cmocka summary (exit $rc)"; failed=$((failed + 1)); continue
  fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [[ -n "$s" && "$s" != 0 ]]; then echo "!! $t skipped $s test(s)"; failed=$((failed + 1)); fi
  if [[ -z "$want" ]]; then echo "!! $t is not listed in $counts"; failed=$((failed + 1))
  elif [[ "${ran:-0}" != "$want" ]]; then
    echo "!! $t ran ${ran:-0} tests, $counts expects $want"; failed=$((failed + 1))
  fi
  if [[ $rc -ne 0 && -z "$f" ]]; then failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
