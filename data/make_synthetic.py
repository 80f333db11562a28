#!/usr/bin/python3
"""A tiny synthetic dataset with known answers, made without PyTorch (numpy + h5py).

Latent "truth" Z (n x 16): 4 Gaussian class clusters. Space i embeds Z with a
known map: y_i = s_i * (Z @ M_i) + noise + c_i, where M_i (16 x d_i) has
orthonormal rows (a rotation into d_i dims), s_i a scale and c_i an offset.
"rot-a"/"rot-b" share d = 24 and are exact rotations of each other (noise 0,
no offset), so IRP between them is exact when k >= d. Heads: a ridge
least-squares linear head per space, and MLP heads (a fixed random hidden layer
+ least-squares readout) for every activation. Accuracies are recorded in
float64 exactly as the C harness computes them.

  /usr/bin/python3 data/make_synthetic.py --out tiny.h5
  /usr/bin/python3 data/make_synthetic.py --out tiny.h5 --bad-dir DIR   # + one broken file per check
"""
import os
import shutil
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli  # noqa: E402
import irpdump  # noqa: E402

CLASSES = ["north", "east", "south", "west"]
# name: (dim, scale, noise, offset)
SPACES = {
    "rot-a": (24, 1.0, 0.0, 0.0),
    "rot-b": (24, 3.0, 0.0, 0.0),
    "wide": (40, 0.5, 0.05, 2.0),
    "narrow": (16, 10.0, 0.5, 0.0),
}


def orthonormal_rows(rng, k, d):
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return q[:k]  # k x d, orthonormal rows


def ridge_head(z, y, c, lam=1e-3):
    a = np.hstack([z, np.ones((len(z), 1))])
    t = np.eye(c)[y]
    w = np.linalg.solve(a.T @ a + lam * np.eye(a.shape[1]), a.T @ t)
    return w[:-1].T, w[-1]  # weight [C, d], bias [C]


def make(path, n_train=600, n_test=200, seed=0):
    rng = np.random.default_rng(seed)
    c = len(CLASSES)
    centers = rng.standard_normal((c, 16)) * 0.7
    labels = {s: rng.integers(0, c, n) for s, n in (("train", n_train), ("test", n_test))}
    z = {s: centers[labels[s]] + rng.standard_normal((len(labels[s]), 16)) for s in labels}
    with irpdump.create(path, "synthetic", CLASSES, producer="data/make_synthetic.py") as f:
        irpdump.write_samples(f, "train", np.arange(n_train), labels["train"])
        irpdump.write_samples(f, "test", 1000 + np.arange(n_test), labels["test"])
        for name, (d, scale, noise, offset) in SPACES.items():
            m = orthonormal_rows(rng, 16, d)
            emb = {s: scale * z[s] @ m + noise * rng.standard_normal((len(z[s]), d)) + offset
                   for s in z}
            irpdump.write_space(f, name, emb["train"], emb["test"], model=f"synthetic-{name}",
                                seed=np.int64(seed), scale=scale, noise=noise, offset=offset)
            emb32 = {s: emb[s].astype(np.float32).astype(np.float64) for s in emb}
            w, b = ridge_head(emb32["train"], labels["train"], c)
            layers = [(w, b)]
            irpdump.write_linear_head(
                f, name, "linear", w, b,
                train_accuracy=irpdump.head_accuracy(layers, "identity", emb32["train"],
                                                     labels["train"]),
                test_accuracy=irpdump.head_accuracy(layers, "identity", emb32["test"],
                                                    labels["test"]))
            for act in ("relu", "tanh", "sigmoid", "gelu", "identity"):
                w1 = (rng.standard_normal((32, d)) / np.sqrt(d) / max(scale, 1e-9)).astype(
                    np.float32)
                b1 = (0.1 * rng.standard_normal(32)).astype(np.float32)
                hid = {s: _act(act, emb32[s] @ w1.astype(np.float64).T + b1) for s in emb32}
                w2, b2 = ridge_head(hid["train"], labels["train"], c)
                layers = [(w1, b1), (w2, b2)]
                irpdump.write_mlp_head(
                    f, name, f"mlp-{act}", layers, act,
                    train_accuracy=irpdump.head_accuracy(layers, act, emb32["train"],
                                                         labels["train"]),
                    test_accuracy=irpdump.head_accuracy(layers, act, emb32["test"],
                                                        labels["test"]))


def _act(name, x):
    if name == "gelu":
        from math import erf, sqrt
        return 0.5 * x * (1.0 + np.vectorize(erf)(x / sqrt(2.0)))
    return irpdump.ACTIVATIONS[name](x)


# Each broken file: (name, mutation). The C loader must reject each with a
# message naming the file and the object; tests/test_dump.c checks them.
def _bad_cases():
    def rewrite(path, obj, data):
        with h5py.File(path, "a") as f:
            attrs = dict(f[obj].attrs)
            del f[obj]
            f[obj] = data
            for k, v in attrs.items():
                f[obj].attrs[k] = v

    def with_file(fn):
        def go(path):
            with h5py.File(path, "a") as f:
                fn(f)
        return go

    return {
        "schema": with_file(lambda f: f.attrs.__setitem__("schema", "irp-embeddings/0")),
        "no-schema": with_file(lambda f: f.attrs.__delitem__("schema")),
        "no-ids": with_file(lambda f: f.__delitem__("samples/train/ids")),
        "labels-short": lambda p: rewrite(p, "samples/test/labels", np.zeros(5, np.int32)),
        "label-range": lambda p: rewrite(p, "samples/train/labels",
                                         np.full(600, 7, np.int32)),
        "float64": lambda p: rewrite(p, "spaces/wide/train",
                                     np.zeros((600, 40), np.float64) + 1),
        "rank1": lambda p: rewrite(p, "spaces/wide/test", np.ones(200, np.float32)),
        "rows": lambda p: rewrite(p, "spaces/narrow/train", np.ones((599, 16), np.float32)),
        "test-dim": lambda p: rewrite(p, "spaces/narrow/test", np.ones((200, 17), np.float32)),
        "nan": with_file(lambda f: f["spaces/rot-a/train"].__setitem__((3, 5), np.nan)),
        "head-dim": lambda p: rewrite(p, "spaces/rot-b/heads/linear/weight",
                                      np.ones((4, 23), np.float32)),
        "head-classes": lambda p: rewrite(p, "spaces/rot-b/heads/linear/weight",
                                          np.ones((5, 24), np.float32)),
        "head-kind": with_file(lambda f: f["spaces/rot-a/heads/linear"].attrs.__setitem__(
            "kind", "forest")),
        "mlp-layer": with_file(lambda f: f.__delitem__("spaces/wide/heads/mlp-relu/layer_1")),
        "activation": with_file(lambda f: f["spaces/wide/heads/mlp-tanh"].attrs.__setitem__(
            "activation", "swish")),
        "ids-misaligned": with_file(lambda f: f.create_dataset(
            "spaces/rot-a/ids/train", data=np.arange(600)[::-1].astype(np.int64))),
        "no-spaces": with_file(lambda f: [f.__delitem__(f"spaces/{s}") for s in SPACES]),
        "dim-attr": with_file(lambda f: f["spaces/wide"].attrs.__setitem__("dim", 41)),
    }


def make_bad(good, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, mutate in _bad_cases().items():
        path = os.path.join(out_dir, f"{name}.h5")
        shutil.copyfile(good, path)
        mutate(path)
    with open(os.path.join(out_dir, "not-hdf5.h5"), "w") as fh:
        fh.write("this is a text file, not HDF5\n")


def main():
    ap = cli.Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=cli.SEED, default=0)
    ap.add_argument("--bad-dir", help="also write one broken copy per loader check here")
    args = ap.parse_args()
    cli.output(args.out)
    if args.bad_dir is not None:
        if not args.bad_dir:
            cli.die("--bad-dir: expected a directory name")
        if os.path.lexists(args.bad_dir) and not os.path.isdir(args.bad_dir):
            cli.die(f"{args.bad_dir}: exists and is not a directory (--bad-dir)")
        cli.output(os.path.join(args.bad_dir, "x"), "--bad-dir", make_parent=True)
    make(args.out, seed=args.seed)
    if args.bad_dir:
        make_bad(args.out, args.bad_dir)


if __name__ == "__main__":
    cli.run(main)
