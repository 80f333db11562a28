#!/usr/bin/python3
"""Small seed dumps for the dump fuzz target (libFuzzer mutates inputs of a few
KiB far better than the 0.5 MB test dump): valid irp-embeddings/1 files with 1-3
spaces, linear and MLP heads, labelled and unlabelled, per-space ids, and the
attribute forms h5py users write (class_names as a list, fixed-length strings).
  /usr/bin/python3 fuzz/make_seeds.py OUTDIR
With --translators: small translator files (irp-translator/1) for the
translator target instead — standalone ones as Translator.save writes them
and, when build/irp is there, one inside a translated dump.
  /usr/bin/python3 fuzz/make_seeds.py --translators OUTDIR
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


def translators(out):
    import subprocess
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    sys.path.insert(0, os.path.join(root, "python"))
    import irp
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    irp.Translator.fit(a, b, omega=2, delta=0.3).save(f"{out}/plain.h5")
    irp.Translator.fit(a, b, omega=1, delta=0, center=True, anchors=np.arange(8),
                       source_space="s0", target_space="s1").save(f"{out}/named.h5")
    irp_bin = os.path.join(root, "build", "irp")
    if os.path.exists(irp_bin):
        dump(f"{out}/src.h5", spaces=2)
        subprocess.run([irp_bin, "translate", "--data", f"{out}/src.h5", "--from", "s0", "--to",
                        "s1", "--anchors", "4", "--omega", "1", "--delta", "0", "--out",
                        f"{out}/in-dump.h5", "--translator"], check=True,
                       stderr=subprocess.DEVNULL)
        os.remove(f"{out}/src.h5")


if sys.argv[1] == "--translators":
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    translators(out)
    sys.exit(0)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
dump(f"{out}/one.h5", spaces=1)
dump(f"{out}/two.h5")
dump(f"{out}/mlp.h5", spaces=3, mlp=True)
dump(f"{out}/unlabelled.h5", labels=False)
dump(f"{out}/lists.h5", list_names=True, fixed=True, ids=True)
