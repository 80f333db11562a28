#!/usr/bin/env bash
# Runs cmocka test binaries, shows their output, and closes with one line
# "N passed, N failed" summed over all of them (a binary that crashes or
# prints no cmocka summary counts as one failure). IRP_BIN is set to the irp
# binary built beside each test binary (build/irp or build-asan/irp).
set -u
passed=0 failed=0
for t in "$@"; do
  dir=$(dirname "$(dirname "$t")")
  echo "== $t"
  out=$(IRP_BIN="$dir/irp" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$t" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | tail -n1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | tail -n1)
  if [[ -z "$p" ]]; then
    echo "!! $t printed no cmocka summary (exit $rc)"; failed=$((failed + 1)); continue
  fi
  passed=$((passed + p)); failed=$((failed + ${f:-0}))
  if [[ $rc -ne 0 && -z "$f" ]]; then failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
