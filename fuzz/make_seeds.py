#!/usr/bin/python3
"""Small seed dumps for the dump fuzz target (libFuzzer mutates inputs of a few
KiB far better than the 0.5 MB test dump): valid irp-embeddings/1 files with 1-3
spaces, linear and MLP heads, labelled and unlabelled, per-space ids, and the
attribute forms h5py users write (class_names as a list, fixed-length strings).
  /usr/bin/python3 fuzz/make_seeds.py OUTDIR
"""
import os
import sys

import h5py
import numpy as np


def dump(path, spaces=2, labels=True, mlp=False, list_names=False, fixed=False, ids=False):
    rng = np.random.default_rng(len(path))
    with h5py.File(path, "w", libver="earliest") as f:
        f.attrs["schema"] = np.bytes_("irp-embeddings/1") if fixed else "irp-embeddings/1"
        f.attrs["dataset"] = "seed"
        f.attrs["num_classes"] = np.int32(2)
        f.attrs["class_names"] = ["a", "b"] if list_names else "a,b"
        for split, n in (("train", 6), ("test", 3)):
            g = f.create_group(f"samples/{split}")
            g["ids"] = np.arange(n, dtype=np.int64)
            if labels:
                g["labels"] = (np.arange(n) % 2).astype(np.int32)
        for s in range(spaces):
            d = 2 + s
            g = f.create_group(f"spaces/s{s}")
            g.attrs["dim"] = np.int32(d)
            g.attrs["model"] = "m"
            g["train"] = rng.standard_normal((6, d)).astype(np.float32)
            g["test"] = rng.standard_normal((3, d)).astype(np.float32)
            if ids:
                g["ids/train"] = np.arange(6, dtype=np.int64)
                g["ids/test"] = np.arange(3, dtype=np.int64)
            h = g.create_group("heads/linear")
            h.attrs["kind"] = "linear"
            h["weight"] = rng.standard_normal((2, d)).astype(np.float32)
            h["bias"] = np.zeros(2, np.float32)
            if mlp:
                h = g.create_group("heads/mlp")
                h.attrs["kind"] = "mlp"
                h.attrs["activation"] = "relu"
                h.attrs["num_layers"] = np.int32(2)
                h["layer_0/weight"] = rng.standard_normal((3, d)).astype(np.float32)
                h["layer_0/bias"] = np.zeros(3, np.float32)
                h["layer_1/weight"] = rng.standard_normal((2, 3)).astype(np.float32)
                h["layer_1/bias"] = np.zeros(2, np.float32)


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
dump(f"{out}/one.h5", spaces=1)
dump(f"{out}/two.h5")
dump(f"{out}/mlp.h5", spaces=3, mlp=True)
dump(f"{out}/unlabelled.h5", labels=False)
dump(f"{out}/lists.h5", list_names=True, fixed=True, ids=True)
