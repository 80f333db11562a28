#!/usr/bin/python3
"""Image and text encoders on the paired emoji dataset, dumped for irp.

Stands where the paper has vision and language encoders on a multimodal 20 News
Groups. Each encoder sees one modality only, on the training rows only:

  image (the 32x32 RGB glyphs of data/cache/emoji.npz)
    pca-pixels     PCA over the pixels (classical, no training signal)
    cae            a convolutional autoencoder's bottleneck (pixels only, no labels)
    cnn-subgroup   a CNN trained to tell the 99 subgroups apart, with augmentation
                   (shifts of up to 3 px, horizontal flips, brightness); the tap is
                   FC + BatchNorm before its last ReLU (mixed-sign, as the
                   Fashion-MNIST CNNs)
  text, per language <l> in en, es, fr, ja (the CLDR "name | keyword | ..." line)
    char-<l>       TF-IDF over character n-grams (2..4 within words; Japanese
                   1..3 over raw characters) + truncated SVD
    word-<l>       TF-IDF over words and whole keywords + truncated SVD

Every space has DIM (64) dimensions, so the raw source embedding can always be
fed to another space's head: the paper's "Absolute" baseline is available for
every pair. Every space gets a linear softmax head on the 9 emoji groups (its
frozen training rows; torch). Subgroups are not a second label set: the dump
holds one, and with one row per base emoji 52 of the 99 subgroups have fewer
than 10 training rows.

Rows: one per base emoji by default (--rows base: the first fully-qualified
entry of each base, the one without skin tone), 1,855 of the 3,624. With every
variant (--rows all) skin tones make People & Body 57% of the held-out rows, so
a head that always answers People & Body would score 0.57; with base rows the
largest group is 20%. Rows are parallel: row i of every space is the same emoji
(ids are row numbers of the .npz, i.e. emoji-test.txt order), split by base
emoji as build_emoji.py made it.

  /usr/bin/python3 data/emoji/train_emoji_encoders.py --data data/cache/emoji.npz \
      --out data/dumps/emoji.h5
  ... --quick --data tests/fixtures/emoji-slice.npz --out build/testdata/emoji-slice.h5

Determinism: fixed seeds for PCA, SVD, torch and the augmentation, and
data/pin_numerics.py (BLAS kernel and threads, torch's kernels).
"""
import argparse
import os
import re
import stat
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "text"))
import pin_numerics  # noqa: E402  (first: before numpy, sklearn and torch load)
import numpy as np  # noqa: E402

import cli  # noqa: E402
import irpdump  # noqa: E402

LANGS = ("en", "es", "fr", "ja")
KEYS = ("images", "codepoints", "base", "group", "subgroup", "group_names", "subgroup_names", "test",
        *(f"text_{lg}" for lg in LANGS))
_WORDS = re.compile(r"\w+", re.UNICODE)


def die(msg):
    raise SystemExit(f"train_emoji_encoders: {msg}")


def log(msg):
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def load(path):
    """The dataset build_emoji.py wrote, checked: a regular file, every key,
    shapes that agree, text as Unicode, labels within their name lists, both
    splits non-empty, square images whose side the autoencoder can halve twice."""
    try:
        st = os.stat(path)
    except OSError as e:
        die(f"{path}: cannot read ({e.strerror}); expected the .npz of data/emoji/build_emoji.py")
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a device never end
        die(f"{path}: not a regular file; expected the .npz of data/emoji/build_emoji.py")
    try:
        z = np.load(path, allow_pickle=False)
        if not hasattr(z, "files"):
            die(f"{path}: a single array, not an .npz archive; expected the .npz of "
                "data/emoji/build_emoji.py")
        d = {k: z[k] for k in KEYS if k in z.files}
    except SystemExit:
        raise
    except Exception as e:  # a damaged archive: zipfile, numpy header, memory errors
        die(f"{path}: cannot read ({type(e).__name__}: {str(e)[:200]}); expected the .npz of "
            "data/emoji/build_emoji.py")
    missing = [k for k in KEYS if k not in d]
    if missing:
        die(f"{path}: no array {missing[0]!r}; expected the .npz of data/emoji/build_emoji.py")
    img = d["images"]
    n = len(img) if img.ndim else 0
    if img.dtype != np.uint8 or img.ndim != 4 or img.shape[3] != 3 or n < 2:
        die(f"{path}: images is {img.dtype} {img.shape}, expected uint8 [n, h, w, 3], n >= 2")
    if img.shape[1] != img.shape[2] or img.shape[1] % 4 or not 8 <= img.shape[1] <= 256:
        die(f"{path}: images are {img.shape[1]}x{img.shape[2]}, expected square, a multiple "
            "of 4 from 8 to 256 pixels")
    for k in KEYS[1:]:
        if k in ("group_names", "subgroup_names"):
            if d[k].ndim != 1 or not 1 <= len(d[k]) <= 10000 or d[k].dtype.kind != "U":
                die(f"{path}: {k} is {d[k].dtype} {d[k].shape}, expected 1 to 10000 strings")
            continue
        if d[k].shape != (n,):
            die(f"{path}: {k} has shape {d[k].shape}, expected ({n},) like images")
        if k.startswith("text_") or k in ("codepoints", "base"):
            if d[k].dtype.kind != "U":
                die(f"{path}: {k} is {d[k].dtype}, expected Unicode strings")
    if any("," in str(g) for g in d["group_names"]):
        die(f"{path}: group_names: a name contains ',' (the dump joins class names with ',')")
    for lab, names in (("group", "group_names"), ("subgroup", "subgroup_names")):
        if not np.issubdtype(d[lab].dtype, np.integer) or \
                d[lab].min() < 0 or d[lab].max() >= len(d[names]):
            die(f"{path}: {lab} must be integers indexing {names} ({len(d[names])} names)")
    if d["test"].dtype != np.bool_ or d["test"].all() or not d["test"].any():
        die(f"{path}: test must be a boolean mask with rows on both sides of the split")
    for lg in LANGS:
        if not all(str(t).strip() for t in d[f"text_{lg}"]):
            die(f"{path}: text_{lg} has an empty annotation")
    return d


# ---- image encoders (torch) ----

def pca_pixels(x, train, dim, seed):
    from sklearn.decomposition import PCA
    flat = x.reshape(len(x), -1)
    pca = PCA(n_components=dim, svd_solver="randomized", random_state=seed, iterated_power=7)
    pca.fit(flat[train])
    return pca.transform(flat).astype(np.float32)


def batches(n, bs, gen):
    import torch
    perm = torch.randperm(n, generator=gen)
    return [perm[i:i + bs] for i in range(0, n, bs)]


def augment(xb, gen):
    """Shifts of up to 3 px (white fill), horizontal flips, brightness 0.8..1.2."""
    import torch
    n, _, h, w = xb.shape
    pad = torch.nn.functional.pad(xb, (3, 3, 3, 3), value=1.0)
    dx = torch.randint(0, 7, (n,), generator=gen)
    dy = torch.randint(0, 7, (n,), generator=gen)
    out = torch.stack([pad[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    scale = 0.8 + 0.4 * torch.rand(n, 1, 1, 1, generator=gen)
    return (1 - (1 - out) * scale).clamp(0, 1)


def embed(f, x, bs=512):
    import torch
    with torch.no_grad():
        return np.concatenate([f(x[i:i + bs]).numpy() for i in range(0, len(x), bs)])


def cae(x, train, dim, seed, epochs):
    import torch
    from torch import nn
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    side = x.shape[2]
    enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1),
                        nn.ReLU(), nn.Flatten(), nn.Linear(64 * (side // 4) ** 2, dim))
    dec = nn.Sequential(nn.Linear(dim, 64 * (side // 4) ** 2), nn.ReLU(),
                        nn.Unflatten(1, (64, side // 4, side // 4)),
                        nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
                        nn.ConvTranspose2d(32, 3, 4, 2, 1), nn.Sigmoid())
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=2e-3)
    xt = x[train]
    for ep in range(epochs):
        total = 0.0
        for idx in batches(len(xt), 64, gen):
            loss = nn.functional.mse_loss(dec(enc(xt[idx])), xt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        if ep == epochs - 1:
            log(f"cae: {epochs} epochs, training reconstruction MSE {total / len(xt):.4f}")
    enc.eval()
    return embed(enc, x)


def cnn_subgroup(x, train, sub, num_sub, dim, seed, epochs):
    import torch
    from torch import nn

    def block(i, o):
        return [nn.Conv2d(i, o, 3, 1, 1), nn.BatchNorm2d(o), nn.ReLU()]

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    feat = nn.Sequential(*block(3, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2),
                         *block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(128, dim), nn.BatchNorm1d(dim))
    clf = nn.Sequential(nn.ReLU(), nn.Linear(dim, num_sub))
    opt = torch.optim.Adam([*feat.parameters(), *clf.parameters()], lr=2e-3, weight_decay=1e-4)
    xt = x[train]
    yt = torch.from_numpy(sub[train].astype(np.int64))
    for ep in range(epochs):
        feat.train()
        clf.train()
        correct = 0
        for idx in batches(len(xt), 64, gen):
            if len(idx) < 2:  # BatchNorm needs two rows
                continue
            out = clf(feat(augment(xt[idx], gen)))
            loss = nn.functional.cross_entropy(out, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += int((out.argmax(1) == yt[idx]).sum())
        if ep == epochs - 1:
            log(f"cnn-subgroup: {epochs} epochs, augmented training subgroup accuracy "
                f"{correct / len(xt):.3f}")
    feat.eval()
    clf.eval()
    z = embed(feat, x)
    test = np.setdiff1d(np.arange(len(x)), train)
    with torch.no_grad():
        pred = clf(torch.from_numpy(z)).numpy()
    log(f"cnn-subgroup: held-out subgroup accuracy {(pred[test].argmax(1) == sub[test]).mean():.3f}")
    return z


# ---- text encoders ----

def word_tokens(text):
    """Lower-cased words, and each '|'-separated keyword whole (a phrase such as
    'thumbs up' or a Japanese keyword without spaces is one token too)."""
    toks = []
    for part in text.lower().split("|"):
        part = part.strip()
        words = _WORDS.findall(part)
        toks += words
        if len(words) > 1 or (words and words[0] != part):
            toks.append("_".join(words) if words else part)
    return toks


def word_tfidf_svd(train_text, all_text, dim, seed, min_df):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    vec = TfidfVectorizer(analyzer=word_tokens, min_df=min_df, sublinear_tf=True)
    svd = TruncatedSVD(n_components=dim, n_iter=7, random_state=seed)
    svd.fit(vec.fit_transform(train_text))
    return svd.transform(vec.transform(all_text)).astype(np.float32)


def check_output(path):
    """Before any training: where the dump goes can take it (the writer
    re-checks and never replaces anything but a regular file)."""
    if not path:
        die("--out: expected a file name")
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        die(f"{path}: the directory {parent} does not exist")
    for p in (path, path + ".tmp"):
        if os.path.lexists(p) and (os.path.islink(p) or not os.path.isfile(p)):
            die(f"{p}: exists and is not a regular file; irp replaces only regular files")


def main(argv=None):
    ap = cli.Parser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help=".npz from data/emoji/build_emoji.py")
    ap.add_argument("--out", required=True, help="HDF5 dump to write (atomically)")
    ap.add_argument("--seed", type=cli.SEED, default=0, help="every seed of the run (default 0)")
    ap.add_argument("--dim", type=cli.int_in(1, 4096), default=64, help="dimensions of every space (default 64)")
    ap.add_argument("--rows", choices=("base", "all"), default="base",
                    help="one row per base emoji (default), or every variant")
    ap.add_argument("--quick", action="store_true",
                    help="CI slice: 16 dimensions, a few epochs")
    a = ap.parse_args(argv)
    t0 = time.time()
    check_output(a.out)
    d = load(a.data)
    dim, cae_epochs, cnn_epochs, head_epochs, min_df = a.dim, 30, 40, 200, 2
    if a.quick:
        dim, cae_epochs, cnn_epochs, head_epochs, min_df = min(a.dim, 16), 5, 5, 150, 1
    n_all = len(d["test"])
    if a.rows == "base":
        _, first = np.unique(d["base"], return_index=True)
        keep = np.sort(first)
    else:
        keep = np.arange(n_all)
    test_mask = d["test"][keep]
    train = np.flatnonzero(~test_mask)
    test = np.flatnonzero(test_mask)
    n = len(keep)
    if not len(train) or not len(test):
        die(f"{a.data}: --rows {a.rows} leaves {len(train)} training and {len(test)} "
            "held-out rows; both must be non-empty")
    if dim < 1 or dim >= len(train):
        die(f"--dim {dim}: must be between 1 and {len(train) - 1} (training rows)")
    groups = [str(g) for g in d["group_names"]]
    labels = d["group"][keep].astype(np.int64)
    subgroup = d["subgroup"][keep]
    sub_counts = np.bincount(subgroup[train], minlength=len(d["subgroup_names"]))
    log(f"{a.data}: {n} of {n_all} emoji (--rows {a.rows}), {len(train)} train, {len(test)} test; {len(groups)} groups, "
        f"{int((sub_counts > 0).sum())} subgroups in training ({int((sub_counts < 10).sum())} "
        "with fewer than 10 rows)")
    import torch
    pin_numerics.torch_deterministic(torch)
    x = torch.from_numpy(d["images"][keep].astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
    spaces = {}
    try:
        with warnings.catch_warnings():  # degenerate input: the checks below say it in one line
            warnings.simplefilter("ignore", RuntimeWarning)
            encode(spaces, x, train, d, keep, subgroup, dim, a, cae_epochs, cnn_epochs, min_df,
                   t0)
            from train_text_encoders import fill_all_unknown
            fill_all_unknown(spaces, train)
    except (ValueError, RuntimeError) as e:  # e.g. fewer distinct n-grams than --dim
        die(f"{a.data}: {str(e).splitlines()[0][:300]}; a smaller --dim may fit")
    for name, (z, _) in spaces.items():  # all-zero rows with no known row to stand in: NaN
        if not np.isfinite(z).all() or not np.any(z[train]):
            die(f"{a.data}: {name} gave no usable embeddings (non-finite or all zero: "
                "images or texts without variation?)")
    ids = keep.astype(np.int64)
    try:
        write_dump(a, spaces, groups, labels, ids, train, test, head_epochs)
    except (ValueError, OSError) as e:
        die(f"{a.out}: cannot write ({e})")
    log(f"wrote {a.out} in {time.time() - t0:.0f} s")


def encode(spaces, x, train, d, keep, subgroup, dim, a, cae_epochs, cnn_epochs, min_df, t0):
    """Every encoder, each on its own modality's training rows."""
    t = time.time()
    spaces["pca-pixels"] = (pca_pixels(x.numpy(), train, dim, a.seed),
                            dict(model=f"pca{dim}-pixels", modality="image"))
    log(f"pca-pixels: {time.time() - t:.1f} s")
    t = time.time()
    spaces["cae"] = (cae(x, train, dim, a.seed, cae_epochs),
                     dict(model=f"conv-autoencoder-bottleneck{dim}", modality="image"))
    log(f"cae: {time.time() - t:.1f} s")
    t = time.time()
    spaces["cnn-subgroup"] = (cnn_subgroup(x, train, subgroup, len(d["subgroup_names"]),
                                           dim, a.seed, cnn_epochs),
                              dict(model=f"cnn-subgroups-augmented-fc{dim}-bn",
                                   modality="image"))
    log(f"cnn-subgroup: {time.time() - t:.1f} s")
    from train_text_encoders import tfidf_svd  # the gettext encoders' code
    for lg in LANGS:
        text = [str(d[f"text_{lg}"][i]) for i in keep]
        tr = [text[i] for i in train]
        spaces[f"char-{lg}"] = (tfidf_svd(tr, text, lg, dim, a.seed, min_df),
                                dict(model=f"tfidf-char+svd{dim}", modality="text", language=lg))
        spaces[f"word-{lg}"] = (word_tfidf_svd(tr, text, dim, a.seed, min_df),
                                dict(model=f"tfidf-word+svd{dim}", modality="text", language=lg))
    log(f"text encoders: done ({time.time() - t0:.0f} s so far)")


def write_dump(a, spaces, groups, labels, ids, train, test, head_epochs):
    """The dump, written atomically, with a linear head per space."""
    from train_text_encoders import linear_head
    with irpdump.create(a.out, dataset="emoji-cldr", class_names=groups,
                        source=os.path.basename(a.data), split="by-base-emoji", rows=a.rows,
                        languages=",".join(LANGS), numerics=pin_numerics.NUMERICS) as f:
        irpdump.write_samples(f, "train", ids[train], labels[train])
        irpdump.write_samples(f, "test", ids[test], labels[test])
        for j, name in enumerate(sorted(spaces)):
            z, attrs = spaces[name]
            irpdump.write_space(f, name, z[train], z[test], **attrs)
            linear_head(f, name, z, labels, train, test, 1000 * a.seed + j, head_epochs,
                        len(groups))

if __name__ == "__main__":
    cli.run(main)
