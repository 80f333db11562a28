#!/bin/sh
# The code version baked into irp (provenance in every table and REPORT.md): the
# last commit that changed anything that can change a number — everything but
# the generated results/ and plots/, the Markdown docs, the tests, the fuzz
# targets and the benchmark — with "-dirty" when such files differ from it;
# "unknown (built outside git)" outside a git checkout. So committing results, docs
# or tests does not change the version the tables record.
#   scripts/version.sh          the version (short hash)
#   scripts/version.sh --date   that commit's time (seconds since 1970: the report's date)
cd "$(dirname "$0")/.." || exit 1
if ! git rev-parse --git-dir >/dev/null 2>&1; then
    [ "${1:-}" = --date ] && exit 0
    echo "unknown (built outside git)"
    exit 0
fi
set -- "${1:-}" . ':(exclude)results' ':(exclude)plots' ':(exclude)*.md' ':(exclude)tests' \
    ':(exclude)fuzz' ':(exclude)bench'
if [ "$1" = --date ]; then
    shift
    git log -1 --format=%ct -- "$@" 2>/dev/null
    exit 0
fi
shift
v=$(git log -1 --format=%h -- "$@" 2>/dev/null)
[ -n "$v" ] || v=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no -- "$@" 2>/dev/null)" ]; then
    v="$v-dirty"
fi
echo "$v"
