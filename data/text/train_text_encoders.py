#!/usr/bin/python3
"""Per-language sentence encoders on the gettext parallel corpus, dumped for irp.

Stands where the paper has one RoBERTa per language (WikiMatrix en/es/fr/ja) and
XLM-R as the multilingual reference. Every per-language encoder sees only its
own language's training side, fitted independently:

  tfidf-<lang>     TF-IDF over character n-grams (words padded, 2..4; Japanese
                   1..3 over raw characters) + truncated SVD to 256 dims
                   (python3-sklearn, randomized SVD with a fixed seed)
  fasttext-<lang>  fastText skipgram word vectors (the Debian `fasttext`
                   command, one thread, 128 dims) averaged into sentence
                   vectors by `fasttext print-sentence-vectors`; Japanese is
                   segmented into words by MeCab (mecab-ipadic-utf8) first
  multi-<lang>     the multilingual reference: cross-language LSA, one TF-IDF +
                   SVD (256 dims) fitted on training documents that concatenate
                   the four translations of a sentence (language-tagged words),
                   then applied to each language's side alone

Rows are parallel: row i of every space is the same sentence (ids shared), so
`irp run` can measure en<-xx translation directly. Labels are the translation
domain (the program a string comes from); every space gets a linear softmax
head on its training rows (torch), for the cross-lingual stitching table.

  /usr/bin/python3 data/text/train_text_encoders.py --corpus data/cache/gettext-corpus.tsv \
      --out data/dumps/gettext.h5                      # random held-out split
  ... --split domain --out data/dumps/gettext-domains.h5   # held out by domain, no heads
  ... --quick --out build/testdata/gettext-slice.h5        # CI slice

Determinism: fixed split seed, SVD seeds, one fastText thread, torch seeds, and
data/pin_numerics.py (BLAS kernel and threads, torch's kernels; see there).
"""
import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import pin_numerics  # noqa: E402  (first: before numpy, sklearn and torch load)
import numpy as np  # noqa: E402

import cli  # noqa: E402
import irpdump  # noqa: E402

LANGS = ("en", "es", "fr", "ja")
_WORDS = re.compile(r"\w+", re.UNICODE)
# fastText treats words starting with its label prefix (default "__label__", which
# one gettext string contains) as labels; use a prefix no token can start with
LABEL = "\x01"


def die(msg):
    sys.stderr.write(f"train_text_encoders: {msg}\n")
    sys.exit(1)


def log(msg):
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def read_corpus(path):
    try:
        st = os.stat(path)
    except OSError as e:
        die(f"{path}: cannot read corpus ({e.strerror}); build it with "
            "data/text/build_corpus.py")
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a device never end
        die(f"{path}: not a regular file; expected the corpus TSV of data/text/build_corpus.py")
    try:
        fh = open(path, encoding="utf-8")
    except OSError as e:
        die(f"{path}: cannot read corpus ({e.strerror}); build it with "
            "data/text/build_corpus.py")
    try:
        with fh:
            header = fh.readline().rstrip("\n").split("\t")
            want = ["id", "domain", *LANGS]
            if header != want:
                die(f"{path}: header {str(header)[:200]} is not the corpus header {want}")
            rows, seen = [], set()
            for ln, line in enumerate(fh, start=2):
                f = line.rstrip("\n").split("\t")
                if len(f) != len(want) or not all(f):
                    die(f"{path}:{ln}: expected {len(want)} non-empty tab-separated fields")
                if not f[0].isascii() or not f[0].isdigit() or int(f[0]) >= 2 ** 63:
                    die(f"{path}:{ln}: id {f[0][:40]!r}: expected an integer from 0 to 2^63-1")
                if f[0] in seen:
                    die(f"{path}:{ln}: id {f[0]} given twice; expected unique ids")
                seen.add(f[0])
                rows.append(f)
    except UnicodeDecodeError as e:
        die(f"{path}: not UTF-8 text ({e.reason}); expected the corpus TSV of "
            "data/text/build_corpus.py")
    if not rows:
        die(f"{path}: corpus has no sentences")
    ids = np.array([int(r[0]) for r in rows], dtype=np.int64)
    domains = [r[1] for r in rows]
    text = {lg: [r[2 + i] for r in rows] for i, lg in enumerate(LANGS)}
    return ids, domains, text


def split_rows(n, domains, mode, test_size, seed):
    """Train/test row indices: random, or whole domains held out until test_size."""
    rng = np.random.default_rng(seed)
    if mode == "random":
        perm = rng.permutation(n)
        test = np.sort(perm[:test_size])
    else:
        names = sorted(set(domains))
        rng.shuffle(names)
        held, count = set(), 0
        sizes = {d: domains.count(d) for d in names}
        for d in names:  # whole domains, in seeded order, while they fit in 1.2x the size
            if count >= test_size:
                break
            if count + sizes[d] <= 1.2 * test_size:
                held.add(d)
                count += sizes[d]
        test = np.array([i for i in range(n) if domains[i] in held], dtype=np.int64)
    mask = np.zeros(n, bool)
    mask[test] = True
    return np.flatnonzero(~mask), test


def segment_ja(lines):
    """MeCab word segmentation, one output line per input line."""
    if not shutil.which("mecab"):
        die("mecab: not found; install Debian's mecab and mecab-ipadic-utf8")
    r = subprocess.run(["mecab", "-Owakati"], input="\n".join(lines) + "\n",
                       capture_output=True, text=True)
    out = r.stdout.split("\n")
    if r.returncode or len(out) < len(lines):
        die(f"mecab -Owakati failed ({r.stderr.strip() or 'line count mismatch'}); "
            "is mecab-ipadic-utf8 installed?")
    return out[:len(lines)]


def tokenize(text, lang):
    """Lower-cased word tokens; Japanese via MeCab."""
    if lang == "ja":
        return [s.lower().replace(LABEL, "").split() for s in segment_ja(text)]
    return [_WORDS.findall(s.lower()) for s in text]


def tfidf_svd(train_text, all_text, lang, dim, seed, min_df):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    if lang == "ja":
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=min_df,
                              sublinear_tf=True, lowercase=True)
    else:
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=min_df,
                              sublinear_tf=True, lowercase=True)
    svd = TruncatedSVD(n_components=dim, n_iter=7, random_state=seed)
    svd.fit(vec.fit_transform(train_text))
    return svd.transform(vec.transform(all_text)).astype(np.float32)


def fasttext_vectors(train_tok, all_tok, lang, dim, epochs, min_count):
    exe = shutil.which("fasttext")
    if not exe:
        die("fasttext: not found; install Debian's fasttext")
    with tempfile.TemporaryDirectory(prefix="irp-fasttext-") as tmp:
        train_file = os.path.join(tmp, "train.txt")
        with open(train_file, "w", encoding="utf-8") as fh:
            fh.writelines(" ".join(t) + "\n" for t in train_tok)
        # subwords give unseen words a vector; Japanese words are short, so 1..2 characters
        sub = ["-minn", "1", "-maxn", "2"] if lang == "ja" else ["-minn", "3", "-maxn", "5"]
        cmd = [exe, "skipgram", "-input", train_file, "-output", os.path.join(tmp, "m"),
               "-dim", str(dim), "-epoch", str(epochs), "-minCount", str(min_count),
               "-thread", "1", "-verbose", "0", "-label", LABEL, "-bucket", "200000", *sub]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            die(f"fasttext skipgram ({lang}) failed: {r.stderr.strip()[-300:]}")
        # a sentence with no known word would print nothing useful: give it a
        # placeholder token (fastText maps it to the zero vector)
        lines = "".join((" ".join(t) if t else "<empty>") + "\n" for t in all_tok)
        r = subprocess.run([exe, "print-sentence-vectors", os.path.join(tmp, "m.bin")],
                           input=lines, capture_output=True, text=True)
        if r.returncode:
            die(f"fasttext print-sentence-vectors ({lang}) failed: {r.stderr.strip()[-300:]}")
    vecs = np.array([[float(v) for v in ln.split()] for ln in r.stdout.splitlines()],
                    dtype=np.float32)
    if vecs.shape != (len(all_tok), dim):
        die(f"fasttext print-sentence-vectors ({lang}) gave {vecs.shape}, "
            f"expected {(len(all_tok), dim)}")
    return vecs


def fill_unknown(z, train):
    """Rows with no known feature embed to 0 (cosine undefined): give them the mean
    training embedding, the encoder's 'unknown sentence'. Returns the count."""
    zero = ~np.any(z, axis=1)
    known = np.zeros(len(z), bool)
    known[train] = True
    known &= ~zero
    z[zero] = z[known].mean(axis=0)
    return int(zero.sum())


def fill_all_unknown(spaces, train):
    """fill_unknown on every space {name: (z, attrs)}, counted in attrs["unknown_rows"]."""
    for name in sorted(spaces):
        z, attrs = spaces[name]
        attrs["unknown_rows"] = np.int64(fill_unknown(z, train))
        if attrs["unknown_rows"]:
            log(f"{name}: {attrs['unknown_rows']} rows without a known feature set to the "
                "mean training embedding")


def remove_common(z, train):
    """fastText sentence vectors share one dominant direction (mean cosine between
    random sentences > 0.95 here): subtract the training mean and rescale to unit
    mean training norm (common-component removal, as in SIF sentence embeddings)."""
    z = z - z[train].mean(axis=0)
    return (z / np.linalg.norm(z[train], axis=1).mean()).astype(np.float32)


def multilingual_lsa(tok, train_rows, dim, seed, min_df):
    """Cross-language LSA: fit on the four translations joined, embed each side alone."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    tagged = {lg: [[f"{lg}:{w}" for w in t] for t in tok[lg]] for lg in LANGS}
    vec = TfidfVectorizer(analyzer=lambda doc: doc, min_df=min_df, sublinear_tf=True)
    joint = [sum((tagged[lg][i] for lg in LANGS), []) for i in train_rows]
    svd = TruncatedSVD(n_components=dim, n_iter=7, random_state=seed)
    svd.fit(vec.fit_transform(joint))
    return {lg: svd.transform(vec.transform(tagged[lg])).astype(np.float32) for lg in LANGS}


def linear_head(f, name, z, labels, train, test, seed, epochs, num_classes):
    """A linear softmax head on the frozen training rows of z (the image
    trainer's train_head), written beside space `name` with its accuracies.
    The embeddings are small in norm; standardising them would change the
    head's input space, so the head learns on the raw rows with more epochs."""
    from train_encoders import train_head
    layers = train_head(z[train], labels[train], 0, "identity", seed, epochs,
                        num_classes=num_classes, lr=1e-2)
    tr = irpdump.head_accuracy(layers, "identity", z[train], labels[train])
    te = irpdump.head_accuracy(layers, "identity", z[test], labels[test])
    irpdump.write_linear_head(f, name, "linear", *layers[0], train_accuracy=tr,
                              test_accuracy=te)
    log(f"{name}: linear head on {num_classes} classes, train {tr:.3f} test {te:.3f}")


def main(argv=None):
    ap = cli.Parser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="TSV from data/text/build_corpus.py")
    ap.add_argument("--out", required=True, help="HDF5 dump to write (atomically)")
    ap.add_argument("--split", choices=("random", "domain"), default="random",
                    help="held-out rows: random, or whole translation domains (default random)")
    ap.add_argument("--test-size", type=cli.int_in(1, 10 ** 9), default=5000, help="held-out rows (default 5000)")
    ap.add_argument("--seed", type=cli.SEED, default=0, help="split, SVD and head seed (default 0)")
    ap.add_argument("--quick", action="store_true",
                    help="CI slice: 3000 sentences, 500 held out, small encoders")
    a = ap.parse_args(argv)
    t0 = time.time()
    cli.output(a.out)  # before any work: the writer would refuse it only after training
    ids, domains, text = read_corpus(a.corpus)
    dim_lsa, dim_ft, epochs, min_df, head_epochs = 256, 128, 10, 2, 30
    if a.quick:
        keep = np.sort(np.random.default_rng(a.seed).permutation(len(ids))[:3000])
        ids = ids[keep]
        domains = [domains[i] for i in keep]
        text = {lg: [text[lg][i] for i in keep] for lg in LANGS}
        a.test_size = min(a.test_size, 500)
        dim_lsa, dim_ft, epochs, head_epochs = 64, 32, 5, 10
    n = len(ids)
    if a.test_size <= 0 or a.test_size >= n:
        die(f"--test-size {a.test_size}: must be between 1 and {n - 1} (corpus rows)")
    train, test = split_rows(n, domains, a.split, a.test_size, a.seed)
    log(f"corpus {a.corpus}: {n} sentences, {len(set(domains))} domains; "
        f"split {a.split}: {len(train)} train, {len(test)} test")
    classes = sorted(set(domains))
    cls = {d: i for i, d in enumerate(classes)}
    tok = {lg: tokenize(text[lg], lg) for lg in LANGS}
    spaces = {}
    for lg in LANGS:
        spaces[f"tfidf-{lg}"] = (tfidf_svd([text[lg][i] for i in train], text[lg], lg,
                                           dim_lsa, a.seed, min_df),
                                 dict(model=f"tfidf-char+svd{dim_lsa}", language=lg))
        log(f"tfidf-{lg}: done")
        z = fasttext_vectors([tok[lg][i] for i in train], tok[lg], lg, dim_ft, epochs, min_df)
        spaces[f"fasttext-{lg}"] = (remove_common(z, train),
                                    dict(model=f"fasttext-skipgram{dim_ft}-centred", language=lg))
        log(f"fasttext-{lg}: done")
    for lg, z in multilingual_lsa(tok, train, dim_lsa, a.seed, min_df).items():
        spaces[f"multi-{lg}"] = (z, dict(model=f"cross-language-lsa{dim_lsa}", language=lg))
    log("multi: done")
    fill_all_unknown(spaces, train)
    labels = np.array([cls[d] for d in domains], dtype=np.int64)
    with_heads = a.split == "random"
    if with_heads:
        from train_encoders import torch  # the same head trainer as the images
        pin_numerics.torch_deterministic(torch)
    with irpdump.create(a.out, dataset="gettext-parallel", class_names=classes,
                        split=a.split, corpus=os.path.basename(a.corpus),
                        languages=",".join(LANGS), numerics=pin_numerics.NUMERICS) as f:
        irpdump.write_samples(f, "train", ids[train], labels[train] if with_heads else None)
        irpdump.write_samples(f, "test", ids[test], labels[test] if with_heads else None)
        for name in sorted(spaces):
            z, attrs = spaces[name]
            irpdump.write_space(f, name, z[train], z[test], modality="text", **attrs)
            if not with_heads:
                continue
            linear_head(f, name, z, labels, train, test, a.seed, head_epochs, len(classes))
    log(f"wrote {a.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    cli.run(main)
