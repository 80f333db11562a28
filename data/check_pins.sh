#!/bin/bash
# The check that data/pin_numerics.py works: the quick training run
# (train_encoders.py --quick) under every CPU capability this machine offers,
# chosen from the shell as a user's environment might (PyTorch's
# ATEN_CPU_CAPABILITY, oneDNN's ISA, OpenBLAS's kernel) — once with the pin on
# (the producer overrides the shell) and once with IRP_UNPINNED=1 (the shell
# wins). Pinned dumps must have one content hash (irp inspect: embeddings,
# heads, ids, labels; not times); unpinned ones show what the pin prevents.
# Prints each dump's hash and training time, then the verdict; exit 1 if the
# pinned hashes differ.
#   data/check_pins.sh [OUTDIR]      (about 30 s per run; 2 runs per capability)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/check-pins}
mkdir -p "$out"
make --no-print-directory all >/dev/null
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
caps=(default)
[[ " $flags " == *" avx2 "* ]] && caps+=(avx2)
[[ " $flags " == *" avx512f "* ]] && caps+=(avx512)
declare -A blas=([default]=Prescott [avx2]=Haswell [avx512]=SkylakeX)
declare -A onednn=([default]=SSE41 [avx2]=AVX2 [avx512]=ALL)
pinned=()
for cap in "${caps[@]}"; do
  for mode in pinned unpinned; do
    f="$out/$mode-$cap.h5"
    vars=(ATEN_CPU_CAPABILITY=$cap OPENBLAS_CORETYPE=${blas[$cap]} ONEDNN_MAX_CPU_ISA=${onednn[$cap]})
    [[ $mode == unpinned ]] && vars+=(IRP_UNPINNED=1)
    t0=$(date +%s.%N)
    env "${vars[@]}" /usr/bin/python3 data/train_encoders.py --quick --out "$f" \
      2> "$out/$mode-$cap.log"
    secs=$(echo "$(date +%s.%N) - $t0" | bc)
    h=$(IRP_UNPINNED=1 build/irp inspect "$f" | awk '/content fnv1a64/ {print $3}')
    printf '%-9s shell capability %-8s content %s  %5.1f s\n' "$mode" "$cap" "$h" "$secs"
    [[ $mode == pinned ]] && pinned+=("$h")
  done
done
if [[ $(printf '%s\n' "${pinned[@]}" | sort -u | wc -l) == 1 ]]; then
  echo "check_pins: pinned dumps identical under ${caps[*]} (content ${pinned[0]})"
else
  echo "check_pins: pinned dumps DIFFER: ${pinned[*]}"
  exit 1
fi
