#!/usr/bin/python3
"""Reads back what 'irp translate' wrote and compares every vector with an
independent NumPy translation (bench/peers.py's anchors, FPS and pinv; centring
and the ω average written here). Used by tests/test_pipeline.c.

  check_translate.py DUMP OUT.h5 FROM TO ANCHORS ANCHOR_SEED OMEGA DELTA RCOND CENTER

Prints the largest difference relative to the largest value; exits 1 when it
exceeds 1e-5 (the output is float32) or the file is not what was asked for."""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import peers  # noqa: E402

data, out, src, dst = sys.argv[1:5]
k, anchor_seed, omega = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
delta, rcond, center = float(sys.argv[8]), float(sys.argv[9]), sys.argv[10] == "1"
f, g = h5py.File(data, "r"), h5py.File(out, "r")
idx = peers.anchor_indices(len(f["samples/train/ids"]), k, anchor_seed)
ax = f["spaces"][src]["train"][:].astype(np.float64)[idx]
ay = f["spaces"][dst]["train"][:].astype(np.float64)[idx]
mx = ax.mean(0) if center else np.zeros(ax.shape[1])
my = ay.mean(0) if center else np.zeros(ay.shape[1])
axn, ayn = peers.norm(ax - mx), peers.norm(ay - my)
subsets = [peers.fps(axn, delta, peers.first_point(0, s, k)) for s in range(omega)]


def pinv(a):
    return peers.pinv(a) if rcond < 0 else np.linalg.pinv(a, rcond=rcond)


t = sum(axn[s].T @ pinv(ayn[s]).T for s in subsets) / omega
scale = np.linalg.norm(ay - my, axis=1).mean()
worst = 0.0
name = f"{src}-to-{dst}"
for split in ("train", "test"):
    x = f["spaces"][src][split][:].astype(np.float64)
    want = peers.norm(peers.norm(x - mx) @ t) * scale + my
    got = g["spaces"][name][split][:].astype(np.float64)
    if got.shape != want.shape:
        sys.exit(f"{out}: {name}/{split} is {got.shape}, expected {want.shape}")
    worst = max(worst, np.abs(got - want).max() / np.abs(want).max())
print(f"max |irp - numpy| / max |numpy| = {worst:.3g}")
sys.exit(0 if worst <= 1e-5 else 1)
