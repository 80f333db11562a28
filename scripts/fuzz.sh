#!/usr/bin/env bash
# scripts/fuzz.sh SECONDS TARGET... — runs each libFuzzer target (build-fuzz/fuzz_T)
# for SECONDS, seeded with fuzz/regressions/T and a corpus made from the
# repository's own inputs; the growing corpus and any crash go to build-fuzz/T/.
# Prints executions, coverage and findings per target (also build-fuzz/T.log).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=$1; shift
td=${IRP_TEST_DATA:-build/testdata}
status=0
for t in "$@"; do
  work=build-fuzz/$t; mkdir -p "$work/corpus" "$work/seeds" "$work/crashes" "fuzz/regressions/$t"
  case $t in
    config) cp configs/*.ini configs/paper/*.ini bench/grid.ini "$work/seeds/" ;;
    dump)   /usr/bin/python3 fuzz/make_seeds.py "$work/seeds" ;;
    translator) /usr/bin/python3 fuzz/make_seeds.py --translators "$work/seeds" ;;
    table)  for f in results/*.csv configs/paper-numbers.csv; do head -c 20000 "$f" > "$work/seeds/$(basename "$f")"; done ;;
  esac
  # libhdf5 1.10.8 leaks inside itself on some corrupted files (allocations
  # made and lost within the library); leaks of irp's own code are caught by
  # the ASan test suite, so the dump target does not stop on leaks.
  # The same library also crashes on some corrupted files (irp contains that by
  # reading untrusted dumps in a child process first, dump_load_checked), so the
  # dump target runs in fork mode and goes on after a crash, keeping each one.
  leaks=1
  more=()
  if [[ $t == dump || $t == translator ]]; then
    leaks=0
    more=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  echo "== fuzz $t for ${secs}s"
  ASAN_OPTIONS=detect_leaks=$leaks:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "build-fuzz/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
      -artifact_prefix="$work/crashes/" -print_final_stats=1 "${more[@]}" \
      "$work/corpus" "$work/seeds" $([[ $t == dump || $t == translator ]] || echo "fuzz/regressions/$t") \
      > "$work.log" 2>&1
  rc=$?
  grep -E "^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss|cov:" "$work.log" | tail -3
  found=$(ls "$work/crashes" | wc -l)
  echo "$t: exit $rc, $found finding(s) in $work/crashes/"
  if [[ $t == dump || $t == translator ]]; then
    # Replay each finding and look at the innermost frame that is not the
    # sanitizer's or libc's: inside libhdf5 (contained by dump_load_checked,
    # see docs/testing.md) or in irp's own code (a bug to fix).
    ours=0
    for f in "$work"/crashes/*; do
      [[ -e $f ]] || continue
      top=$(ASAN_OPTIONS=detect_leaks=0 timeout 60 "build-fuzz/fuzz_$t" -timeout=10 \
              -rss_limit_mb=2048 "$f" 2>&1 | grep -E '^    #[0-9]+ ' |
            grep -vE 'fuzzer::|__sanitizer|__asan|__interceptor|libc\.so|_start|in (malloc|calloc|realloc)|memcpy|memmove|LLVMFuzzerTestOneInput|libFuzzer' |
            head -n1)
      if [[ -n $top && $top != *libhdf5* ]]; then ours=$((ours + 1)); echo "  irp's own: $f: $top"; fi
    done
    echo "$t: $((found - ours)) inside libhdf5 (contained), $ours in irp's code"
    [[ $ours -ne 0 ]] && status=1
  else
    [[ $rc -ne 0 || $found -ne 0 ]] && status=1
  fi
done
exit $status
