#!/usr/bin/env bash
# Fetch the gettext catalogs of the packages in data/text/catalog-packages.txt
# without installing them: apt-get download + dpkg-deb, keeping only
#   <out>/<lang>/LC_MESSAGES/<domain>.mo   for lang in es fr ja.
# Usage: data/text/fetch-catalogs.sh OUT_DIR [PACKAGE_LIST]
#   (PACKAGE_LIST defaults to data/text/catalog-packages.txt; IRP_NO_APT_UPDATE=1
#   skips the one 'apt-get update' retried as root when a download fails)
# Needs the Debian archive (apt-get update has been run by ensure-deps); works
# without root. The .debs are deleted after extraction; OUT_DIR is replaced
# atomically (built in OUT_DIR.tmp), so an interrupted fetch leaves nothing half-made.
set -euo pipefail
out=$(realpath -m "${1:?usage: fetch-catalogs.sh OUT_DIR [PACKAGE_LIST]}")
here=$(cd "$(dirname "$0")" && pwd)
list=${2:-"$here/catalog-packages.txt"}
[[ -r "$list" ]] || { echo "fetch-catalogs: $list: cannot read the package list" >&2; exit 1; }
tmp="$out.tmp"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT  # nothing half-made is left behind
mkdir -p "$tmp/debs" "$tmp/root"
# shellcheck source=../apt-download.sh
source "$here/../apt-download.sh"
apt_download fetch-catalogs "$list" "$tmp/debs"
for deb in "$tmp"/debs/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" --wildcards --no-anchored \
    'locale/es/LC_MESSAGES/*.mo' 'locale/fr/LC_MESSAGES/*.mo' 'locale/ja/LC_MESSAGES/*.mo' \
    2>/dev/null || true
done
mkdir -p "$tmp/out"
for lang in es fr ja; do
  mkdir -p "$tmp/out/$lang/LC_MESSAGES"
  find "$tmp/root" -path "*/locale/$lang/LC_MESSAGES/*.mo" -exec cp {} "$tmp/out/$lang/LC_MESSAGES/" \;
done
(cd "$tmp/debs" && for deb in *.deb; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"; done) \
  > "$tmp/out/packages.txt"  # provenance: package and version of every catalog source
n=$(find "$tmp/out" -name '*.mo' | wc -l)
[[ $n -gt 0 ]] || { echo "fetch-catalogs: no catalogs found in the downloaded packages" >&2; exit 1; }
rm -rf "$out"
mv "$tmp/out" "$out"
echo "fetch-catalogs: $n catalogs in $out" >&2
