#!/usr/bin/env bash
# make paper-data: the paper's datasets embedded by the paper's encoders (needs internet).
# Needs: a Python with torch, torchvision, timm, transformers, datasets, h5py, numpy, pillow
# (set PAPER_PYTHON, default python3), ~25 GB of disk for datasets and model weights, and
# preferably a GPU (CPU works, for hours). Writes data/dumps/paper/<dataset>.h5, then
#   build/irp run configs/paper/stitch-*.ini configs/paper/invert-cifar100-fine.ini
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PAPER_PYTHON:-python3}
missing=$("$py" - <<'PY'
import importlib.util as u
need = ["torch", "torchvision", "timm", "transformers", "datasets", "h5py", "numpy", "PIL"]
print(" ".join(n for n in need if u.find_spec(n) is None))
PY
)
if [[ -n "$missing" ]]; then
  echo "paper-data: $py lacks: $missing" >&2
  echo "paper-data: pip install torch torchvision timm transformers datasets h5py numpy pillow" >&2
  echo "paper-data: (or set PAPER_PYTHON to a Python that has them)" >&2
  exit 1
fi
mkdir -p data/dumps/paper
for ds in mnist fashion-mnist cifar10 cifar100-coarse cifar100-fine; do
  [[ -f data/dumps/paper/$ds.h5 ]] || "$py" data/paper/extract.py --dataset "$ds" \
      --encoders paper-vision --out "data/dumps/paper/$ds.h5"
done
for ds in trec 20newsgroups; do
  [[ -f data/dumps/paper/$ds.h5 ]] || "$py" data/paper/extract.py --dataset "$ds" \
      --encoders paper-text --out "data/dumps/paper/$ds.h5"
done
echo "paper-data: done; now: build/irp run configs/paper/stitch-*.ini configs/paper/invert-cifar100-fine.ini" >&2
