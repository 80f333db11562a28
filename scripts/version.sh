#!/bin/sh
# The code version baked into irp (provenance in every table and REPORT.md): the
# last commit that changed anything but the generated results/ and plots/ and the
# Markdown docs (they change no number), with
# "-dirty" when such files differ from it; "unknown (built outside git)" outside
# a git checkout. Results do not enter, so committing regenerated results does
# not change the version they record.
cd "$(dirname "$0")/.." || exit 1
if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "unknown (built outside git)"
    exit 0
fi
v=$(git log -1 --format=%h -- . ':(exclude)results' ':(exclude)plots' ':(exclude)*.md' 2>/dev/null)
[ -n "$v" ] || v=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)results' ':(exclude)plots' ':(exclude)*.md' 2>/dev/null)" ]; then
    v="$v-dirty"
fi
echo "$v"
