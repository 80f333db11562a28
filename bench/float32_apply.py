#!/usr/bin/python3
"""Can the apply stage run in float32? For every ordered pair of a dump: fit the
translator (k = 1280 or all training rows, omega 8, delta 0.65, in float64 by
libirp), apply it to the test rows in float64 (the library) and in float32
(NumPy, the same formula, checked against the library in float64), and compare
the mean cosine to the target's own embeddings and the linear head's
predictions. Needs build/libirp.so (make).

  /usr/bin/python3 bench/float32_apply.py data/dumps/*.h5
"""
import os
import sys
import h5py
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
import irp

def check(path):
    f = h5py.File(path, "r")
    names = list(f["spaces"])
    y_lab = f["samples/test/labels"][:]
    k = min(1280, len(f["samples/train/ids"]))
    idx = irp.anchor_indices(len(f["samples/train/ids"]), k, 0)
    worst_cos, flips, total, worst_acc = 0.0, 0, 0, 0.0
    for a in names:
        xa_tr = f["spaces"][a]["train"][:][idx].astype(np.float64)
        xa = f["spaces"][a]["test"][:].astype(np.float64)
        for b in names:
            if a == b:
                continue
            yb_tr = f["spaces"][b]["train"][:][idx].astype(np.float64)
            yb = f["spaces"][b]["test"][:].astype(np.float64)
            tr = irp.Translator.fit(xa_tr, yb_tr, omega=8, delta=0.65)
            y64 = tr.transform(xa)
            # the same formula in float64 (checks it) and float32
            def apply(dt):
                x = (xa - tr.mean_x).astype(dt)
                x /= np.linalg.norm(x, axis=1, keepdims=True)
                y = x @ tr.T.astype(dt)
                if tr.rescale:
                    y *= dt(tr.scale_y) / np.linalg.norm(y, axis=1, keepdims=True)
                return (y + tr.mean_y.astype(dt)).astype(np.float64)
            ref = apply(np.float64)
            assert np.abs(ref - y64).max() < 1e-9 * np.abs(y64).max(), np.abs(ref - y64).max()
            y32 = apply(np.float32)
            def mcos(y):
                return np.mean(np.sum(y * yb, 1) / np.linalg.norm(y, axis=1) / np.linalg.norm(yb, axis=1))
            worst_cos = max(worst_cos, abs(mcos(y32) - mcos(y64)))
            w = f["spaces"][b]["heads/linear/weight"][:].astype(np.float64)
            bias = f["spaces"][b]["heads/linear/bias"][:].astype(np.float64)
            p64 = (y64 @ w.T + bias).argmax(1)
            p32 = (y32 @ w.T + bias).argmax(1)
            flips += int((p64 != p32).sum())
            total += len(p64)
            worst_acc = max(worst_acc, abs((p64 == y_lab).mean() - (p32 == y_lab).mean()))
    print(f"{path}: {len(names) * (len(names) - 1)} pairs; largest |mean cosine f32 - f64| "
          f"{worst_cos:.2e}; head predictions changed {flips} of {total}; largest accuracy "
          f"change {worst_acc:.2e}")


for p in sys.argv[1:]:
    check(p)
