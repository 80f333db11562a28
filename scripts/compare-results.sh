#!/bin/sh
# After 'make reproduce': are the regenerated tables the committed ones? Each
# results/*.csv that git tracks is compared, cell by cell, with git's copy
# (HEAD) by 'irp compare'; nothing is overwritten or restored — git keeps the
# committed copy, 'git diff results/' shows the change and 'git checkout
# results/' brings it back. Prints "identical" per table or the cells that
# differ with their sizes, and a last summary line. Exit 0 always (a
# difference is a finding to read, not a failed build); IRP_COMPARE_STRICT=1
# makes a difference exit 1.
#   scripts/compare-results.sh [IRP_BINARY]
cd "$(dirname "$0")/.." || exit 1
irp=${1:-build/irp}
if ! git rev-parse --verify -q HEAD >/dev/null 2>&1; then
    echo "compare-results: not a git checkout; no committed tables to compare with"
    exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
same=0 differ=0 missing=0
for f in $(git ls-files 'results/*.csv'); do
    case $f in results/bench*.csv) continue ;; esac # timings: not expected to repeat
    if [ ! -f "$f" ]; then
        echo "$f: not regenerated (committed, but absent now)"
        missing=$((missing + 1))
        continue
    fi
    git show "HEAD:$f" > "$tmp/committed.csv" || exit 1
    if "$irp" compare --show 10 "$tmp/committed.csv" "$f" > "$tmp/out" 2>&1; then
        same=$((same + 1))
        grep -v '^  note\|^    ' "$tmp/out" | sed "s#$tmp/committed.csv#the committed copy#g"
    else
        differ=$((differ + 1))
        sed "s#$tmp/committed.csv#the committed copy#g" "$tmp/out"
    fi
done
echo "compare-results: $same tables identical to the committed ones, $differ differ, $missing not regenerated"
[ "${IRP_COMPARE_STRICT:-0}" = 1 ] && [ $((differ + missing)) -gt 0 ] && exit 1
exit 0
