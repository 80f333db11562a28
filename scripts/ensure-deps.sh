#!/usr/bin/env bash
# Install the Debian packages a make target needs, when they are missing.
# Usage: scripts/ensure-deps.sh [--check] GROUP...
#   (groups: build, plot, data, text, fuzz, mpi, install, pytest)
# As root it runs apt-get; otherwise, or with --check (make install: it never
# installs system packages unasked), it prints the apt-get line to run and fails.
set -euo pipefail
declare -A GROUP=(
  [build]="gcc make pkg-config libopenblas-dev liblapacke-dev libhdf5-dev libcsv-dev libinih-dev libcmocka-dev valgrind"
  [plot]="gnuplot-nox"
  [fuzz]="clang libclang-rt-14-dev"
  [data]="python3-torch python3-torchvision python3-pil python3-numpy python3-h5py dataset-fashion-mnist fonts-dejavu-core"
  [text]="python3-sklearn python3-threadpoolctl python3-numpy python3-h5py python3-torch fasttext mecab mecab-ipadic-utf8 gettext"
  [mpi]="libopenmpi-dev openmpi-bin"
  [install]="help2man"
  [pytest]="python3-pytest python3-numpy python3-h5py python3-sklearn python3-pip python3-venv python3-setuptools"
)
check_only=0
if [[ "${1:-}" == --check ]]; then check_only=1; shift; fi
want=()
for g in "$@"; do
  [[ -n "${GROUP[$g]:-}" ]] || { echo "ensure-deps: unknown group '$g' (build, plot, data, text, fuzz, mpi, install, pytest)" >&2; exit 2; }
  for p in ${GROUP[$g]}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || want+=("$p")
  done
done
[[ ${#want[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -ne 0 || $check_only -eq 1 ]]; then
  echo "missing Debian packages: ${want[*]}" >&2
  echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${want[*]}" >&2
  exit 1
fi
echo "ensure-deps: installing ${want[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
