"""The data producers (data/*.py, data/emoji/*.py, data/text/*.py) on hostile
input (issue 29): each bad input is ONE line on stderr naming the file or
argument, a non-zero exit, no traceback, and no output left behind
(docs/untrusted-input.md). Every case fails before any training."""
import os
import subprocess

import pytest

PY = "/usr/bin/python3"


def run(root, script, *args):
    return subprocess.run(["timeout", "60", PY, os.path.join(root, script), *map(str, args)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)


def refused(r, names, *outputs):
    """Non-zero, one non-empty stderr line naming names[i], no traceback, no output."""
    assert r.returncode not in (0, 124), (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.split("\n") if ln.strip()]
    assert len(lines) == 1, r.stderr
    for n in names if isinstance(names, (list, tuple)) else [names]:
        assert str(n) in lines[0], (n, lines[0])
    for o in outputs:
        for p in (str(o), str(o) + ".tmp", str(o) + ".tmp.npz"):
            assert not os.path.lexists(p) or os.path.isdir(p) or os.path.islink(p), p


def bad_outs(tmp_path, makes_dirs=False):
    """--out values no producer may write: a directory, a symlink, a file under
    a file, an empty name, and (for producers that do not make the output's
    directory) a file in a missing directory."""
    d = tmp_path / "adir"
    d.mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "target")
    f = tmp_path / "afile"
    f.write_text("x")
    cases = [(d, d), (link, link), (f / "x", f), ("", "--out")]
    return cases + ([] if makes_dirs else [(tmp_path / "no" / "x", "no")])


# ---- class 1: an --out that cannot be written (make_synthetic) ----

def test_synthetic_bad_out(root, tmp_path):
    for out, name in bad_outs(tmp_path):
        refused(run(root, "data/make_synthetic.py", "--out", out), name)
    assert not os.path.lexists(tmp_path / "target")


def test_synthetic_bad_dir_is_a_file(root, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    out = tmp_path / "s.h5"
    refused(run(root, "data/make_synthetic.py", "--out", out, "--bad-dir", f), [f, "--bad-dir"],
            out)


# ---- class 2: nonsense numbers and a bad command line (one line, not usage + error) ----

@pytest.mark.parametrize("value", ["-1", "99999999999999999999", "abc", ""])
def test_synthetic_bad_seed(root, tmp_path, value):
    out = tmp_path / "s.h5"
    refused(run(root, "data/make_synthetic.py", "--out", out, "--seed", value), "--seed", out)


def test_unknown_option(root, tmp_path):
    out = tmp_path / "s.h5"
    refused(run(root, "data/make_synthetic.py", "--out", out, "--bogus"), "--bogus", out)


# ---- build_corpus: every output checked before any work; catalogs that are not files ----

def corpus(root, tmp_path, *args):
    return run(root, "data/text/build_corpus.py", "--catalogs",
               os.path.join(root, "tests", "fixtures", "gettext"), *args)


def test_corpus_bad_out(root, tmp_path):
    for out, name in bad_outs(tmp_path, makes_dirs=True):
        refused(corpus(root, tmp_path, "--out", out), name)
    assert not os.path.lexists(tmp_path / "target")


def test_corpus_no_output_when_a_second_output_is_bad(root, tmp_path):
    out, d = tmp_path / "c.tsv", tmp_path / "adir"
    d.mkdir()
    for flag in ("--domains-out", "--summary-out"):
        refused(corpus(root, tmp_path, "--out", out, flag, d), d, out)
    refused(corpus(root, tmp_path, "--out", out, "--summary-out", out), "--summary-out", out)


@pytest.mark.parametrize("flag,value", [("--sample", "-3"), ("--sample", "x"),
                                        ("--seed", "-1")])
def test_corpus_bad_numbers(root, tmp_path, flag, value):
    out = tmp_path / "c.tsv"
    refused(corpus(root, tmp_path, "--out", out, flag, value), flag, out)


@pytest.mark.parametrize("kind", ["dir", "empty"])
def test_corpus_catalog_not_a_file(root, tmp_path, kind):
    for lang in ("es", "fr", "ja"):
        d = tmp_path / "cat" / lang / "LC_MESSAGES"
        d.mkdir(parents=True)
        (d / "zz.mo").mkdir() if kind == "dir" else (d / "zz.mo").write_bytes(b"")
    out = tmp_path / "c.tsv"
    refused(run(root, "data/text/build_corpus.py", "--catalogs", tmp_path / "cat", "--out", out),
            "zz.mo", out)


# ---- build_emoji: outputs checked first, nonsense sizes and limits, a bad package list ----

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def emoji(root, src, *args):
    return run(root, "data/emoji/build_emoji.py", "--src", src, "--font", DEJAVU, *args)


def test_emoji_bad_out(root, tmp_path):
    src = os.path.join(root, "tests", "fixtures", "emoji")
    for out, name in bad_outs(tmp_path, makes_dirs=True):
        refused(emoji(root, src, "--out", out), name)
    out = tmp_path / "e.npz"
    refused(emoji(root, src, "--out", out, "--summary-out", tmp_path / "adir"), "adir", out)
    refused(emoji(root, tmp_path / "afile", "--out", out), "afile", out)


@pytest.mark.parametrize("flag,value", [("--limit", "-5"), ("--limit", "0"), ("--size", "1000"),
                                        ("--size", "x")])
def test_emoji_bad_numbers(root, tmp_path, flag, value):
    out = tmp_path / "e.npz"
    refused(emoji(root, os.path.join(root, "tests", "fixtures", "emoji"), "--out", out, flag,
                  value), flag, out)


@pytest.mark.parametrize("kind", ["dir", "binary"])
def test_emoji_bad_package_list(root, tmp_path, kind):
    import shutil
    src = tmp_path / "src"
    shutil.copytree(os.path.join(root, "tests", "fixtures", "emoji"), src)
    p = src / "packages.txt"
    p.mkdir() if kind == "dir" else p.write_bytes(b"\xff\xfe\n")
    out = tmp_path / "e.npz"
    refused(emoji(root, src, "--out", out), "packages.txt", out)


# ---- train_encoders: outputs checked before the data load; garbage Fashion-MNIST files ----

def test_encoders_bad_out(root, tmp_path):
    for out, name in bad_outs(tmp_path, makes_dirs=True):
        refused(run(root, "data/train_encoders.py", "--quick", "--data-dir", tmp_path / "none",
                    "--out", out), name)
    out = tmp_path / "r.h5"
    refused(run(root, "data/train_encoders.py", "--quick", "--out", out, "--out-nonneg", out),
            "--out-nonneg", out)


@pytest.mark.parametrize("flag,value", [("--seed", "-1"), ("--seed", "1e3"),
                                        ("--encoders", ","), ("--encoders", "nope")])
def test_encoders_bad_arguments(root, tmp_path, flag, value):
    out = tmp_path / "r.h5"
    refused(run(root, "data/train_encoders.py", "--out", out, flag, value), flag, out)


def idx(dims, body=None):
    import struct
    head = struct.pack(">I", 0x0800 | len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    n = 1
    for d in dims:
        n *= d
    return head + (bytes(n) if body is None else body)


@pytest.mark.parametrize("case", ["not_gzip", "empty_gzip", "dir", "empty", "truncated",
                                  "wrong_shape", "short_labels", "bad_label"])
def test_encoders_bad_data_dir(root, tmp_path, case):
    import gzip
    d = tmp_path / "fm"
    d.mkdir()
    files = {f"{p}-images-idx3-ubyte.gz": idx([3, 28, 28]) for p in ("train", "t10k")}
    files.update({f"{p}-labels-idx1-ubyte.gz": idx([3]) for p in ("train", "t10k")})
    bad = "train-images-idx3-ubyte.gz"
    if case == "short_labels":
        bad = "train-labels-idx1-ubyte.gz"
        files[bad] = idx([2])
    elif case == "bad_label":
        bad = "train-labels-idx1-ubyte.gz"
        files[bad] = idx([3], bytes([0, 1, 200]))
    elif case == "truncated":
        files[bad] = idx([3, 28, 28])[:-10]
    elif case == "wrong_shape":
        files[bad] = idx([3, 28, 27])
    elif case == "empty_gzip":
        files[bad] = b""
    for name, body in files.items():
        (d / name).write_bytes(gzip.compress(body))
    if case == "not_gzip":
        (d / bad).write_bytes(b"garbage\n")
    elif case == "dir":
        (d / bad).unlink()
        (d / bad).mkdir()
    elif case == "empty":
        (d / bad).write_bytes(b"")
    out = tmp_path / "r.h5"
    refused(run(root, "data/train_encoders.py", "--quick", "--data-dir", d, "--out", out), bad,
            out)


# ---- train_text_encoders: --out checked before training; a corpus with bad ids or bytes ----

def text(root, corpus, out, *args):
    return run(root, "data/text/train_text_encoders.py", "--corpus", corpus, "--out", out, *args)


def test_text_bad_out(root, tmp_path):
    corpus = os.path.join(root, "tests", "fixtures", "gettext-slice.tsv")
    for out, name in bad_outs(tmp_path):
        refused(text(root, corpus, out, "--quick"), name)


@pytest.mark.parametrize("flag,value", [("--seed", "-1"), ("--test-size", "-4"),
                                        ("--test-size", "many")])
def test_text_bad_numbers(root, tmp_path, flag, value):
    out = tmp_path / "t.h5"
    refused(text(root, os.path.join(root, "tests", "fixtures", "gettext-slice.tsv"), out,
                 flag, value), flag, out)


HEADER = b"id\tdomain\ten\tes\tfr\tja\n"


@pytest.mark.parametrize("body", [HEADER + b"x\td\ta\tb\tc\td\n",
                                  HEADER + b"1\td\ta\tb\tc\td\n1\td\ta\tb\tc\td\n",
                                  HEADER + b"1\td\t\xff\xfe\tb\tc\td\n",
                                  b"\xff\xfe\n", b"", "fifo"])
def test_text_bad_corpus(root, tmp_path, body):
    corpus = tmp_path / "bad.tsv"
    os.mkfifo(corpus) if body == "fifo" else corpus.write_bytes(body)
    out = tmp_path / "t.h5"
    refused(text(root, corpus, out), "bad.tsv", out)


# ---- every producer: a bad command line is one line naming the argument, not usage + error ----

SCRIPTS = {"data/make_synthetic.py": [], "data/train_encoders.py": [],
           "data/emoji/build_emoji.py": ["--src", "s"],
           "data/emoji/train_emoji_encoders.py": ["--data", "d"],
           "data/text/build_corpus.py": ["--catalogs", "c"],
           "data/text/train_text_encoders.py": ["--corpus", "c"]}


@pytest.mark.parametrize("script", SCRIPTS)
def test_command_line_one_line(root, tmp_path, script):
    out = tmp_path / "o"
    need = SCRIPTS[script]
    refused(run(root, script, *need, "--out", out, "--bogus"), "--bogus", out)
    refused(run(root, script), "required", out)
    refused(run(root, script, *need, "--out"), "--out", out)


@pytest.mark.parametrize("flag,value", [("--seed", "x"), ("--dim", "abc"), ("--dim", "0")])
def test_emoji_encoders_bad_numbers(root, tmp_path, flag, value):
    out = tmp_path / "x.h5"
    refused(run(root, "data/emoji/train_emoji_encoders.py", "--data",
                os.path.join(root, "tests", "fixtures", "emoji-slice.npz"), "--out", out,
                flag, value), flag, out)


# ---- make_slice, make_fixture: positional arguments, checked (each was a traceback) ----

@pytest.mark.parametrize("case", ["no_args", "missing", "garbage", "no_key", "out_not_npz",
                                  "out_dir"])
def test_slice_bad_input(root, tmp_path, case):
    import numpy as np
    src, out = tmp_path / "in.npz", tmp_path / "o.npz"
    good = os.path.join(root, "tests", "fixtures", "emoji-slice.npz")
    name = src
    if case == "garbage":
        src.write_text("garbage\n")
    elif case == "no_key":
        d = dict(np.load(good))
        del d["base"]
        np.savez(src, **d)
    elif case == "out_not_npz":
        src, out, name = good, tmp_path / "adir", "adir"
        out.mkdir()
    elif case == "out_dir":
        src, out, name = good, tmp_path / "adir.npz", "adir.npz"
        out.mkdir()
    args = [] if case == "no_args" else [src, out]
    refused(run(root, "data/emoji/make_slice.py", *args), "src" if case == "no_args" else name,
            out)
    assert not os.path.lexists(str(out) + ".npz")


@pytest.mark.parametrize("case", ["no_args", "missing_src", "missing_file", "out_under_file"])
def test_fixture_bad_input(root, tmp_path, case):
    import shutil
    src, out = tmp_path / "src", tmp_path / "fx"
    shutil.copytree(os.path.join(root, "tests", "fixtures", "emoji"), src)
    name = src
    if case == "missing_src":
        shutil.rmtree(src)
    elif case == "missing_file":
        os.remove(src / "annotations" / "ja.xml")
        name = "ja.xml"
    elif case == "out_under_file":
        out = tmp_path / "afile"
        out.write_text("x")
        name = out
    args = [] if case == "no_args" else [src, out]
    refused(run(root, "data/emoji/make_fixture.py", *args), "src" if case == "no_args" else name)
    assert case == "out_under_file" or not os.path.lexists(out)


# ---- scripts/seed_spread.py: result tables that are not (it read them unchecked) ----

@pytest.mark.parametrize("case", ["dir", "columns", "value", "binary"])
def test_seed_spread_bad_tables(root, tmp_path, case):
    res = tmp_path / "results"
    (res / "seeds").mkdir(parents=True)
    head = "method,metric,center,omega,delta,encoder,decoder,value\n"
    good = head + "irp,accuracy,false,8,0.65,a,b,0.5\nirp,accuracy,false,8,0.65,b,a,0.4\n"
    for f in ("stitch.csv", "retrieval.csv", "seeds/stitch-s1.csv", "seeds/invert-s1.csv",
              "seeds/stitch-s2.csv", "seeds/invert-s2.csv"):
        (res / f).write_text(good)
    bad = res / "seeds" / "stitch-s1.csv"
    if case == "dir":
        bad.unlink()
        bad.mkdir()
    elif case == "columns":
        bad.write_text("method,metric\nirp,accuracy\n")
    elif case == "value":
        bad.write_text(good.replace("0.4", "zz"))
    else:
        bad.write_bytes(head.encode() + b"\xff\xfe\n")
    r = subprocess.run(["timeout", "60", PY, os.path.join(root, "scripts", "seed_spread.py")],
                       capture_output=True, text=True, cwd=tmp_path, stdin=subprocess.DEVNULL)
    refused(r, "stitch-s1.csv", res / "seed-spread.csv")
