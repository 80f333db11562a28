#!/usr/bin/env bash
# Fetch the emoji font, the CLDR annotations and the emoji list without
# installing anything: apt-get download + dpkg-deb, keeping only
#   <out>/NotoColorEmoji.ttf  <out>/emoji-test.txt
#   <out>/annotations/<lang>.xml  <out>/annotationsDerived/<lang>.xml  (en es fr ja)
#   <out>/packages.txt  (package and version of each source)
# Usage: data/emoji/fetch-emoji.sh OUT_DIR [PACKAGE_LIST]
# Works without root; OUT_DIR is replaced atomically (built in OUT_DIR.tmp).
set -euo pipefail
out=$(realpath -m "${1:?usage: fetch-emoji.sh OUT_DIR [PACKAGE_LIST]}")
here=$(cd "$(dirname "$0")" && pwd)
list=${2:-"$here/packages.txt"}
[[ -r "$list" ]] || { echo "fetch-emoji: $list: cannot read the package list" >&2; exit 1; }
tmp="$out.tmp"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT  # nothing half-made is left behind
mkdir -p "$tmp/debs" "$tmp/root" "$tmp/out/annotations" "$tmp/out/annotationsDerived"
# shellcheck source=../apt-download.sh
source "$here/../apt-download.sh"
apt_download fetch-emoji "$list" "$tmp/debs"
for deb in "$tmp"/debs/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" --wildcards --no-anchored \
    'NotoColorEmoji.ttf' 'emoji/emoji-test.txt' 'common/annotations/*.xml' \
    'common/annotationsDerived/*.xml' 2>/dev/null || true
done
find_one() { find "$tmp/root" -path "*$1" -print -quit; }
font=$(find_one /NotoColorEmoji.ttf); tests=$(find_one /emoji/emoji-test.txt)
[[ -n "$font" ]] || { echo "fetch-emoji: no NotoColorEmoji.ttf in the downloaded packages" >&2; exit 1; }
[[ -n "$tests" ]] || { echo "fetch-emoji: no emoji/emoji-test.txt in the downloaded packages" >&2; exit 1; }
cp "$font" "$tmp/out/NotoColorEmoji.ttf"
cp "$tests" "$tmp/out/emoji-test.txt"
for lang in en es fr ja; do
  for kind in annotations annotationsDerived; do
    f=$(find_one "/common/$kind/$lang.xml")
    [[ -n "$f" ]] || { echo "fetch-emoji: no common/$kind/$lang.xml in unicode-cldr-core" >&2; exit 1; }
    cp "$f" "$tmp/out/$kind/$lang.xml"
  done
done
(cd "$tmp/debs" && for deb in *.deb; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"; done) \
  > "$tmp/out/packages.txt"
rm -rf "$out"
mv "$tmp/out" "$out"
echo "fetch-emoji: $(wc -l < "$out/packages.txt") packages unpacked into $out" >&2
