"""The emoji image/text dataset builder (data/emoji/build_emoji.py) on the
committed fixture (tests/fixtures/emoji: 25 fully-qualified emoji with their
CLDR annotations in en/es/fr/ja, cut from the real files by
data/emoji/make_fixture.py), rendered with DejaVu Sans, which draws the BMP
symbols and none of the others; and its one-line errors, writing nothing."""
import os
import shutil
import subprocess

import numpy as np
import pytest

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture
def fixture_dir(root):
    return os.path.join(root, "tests", "fixtures", "emoji")


def build(root, src, out, *extra):
    return subprocess.run(["/usr/bin/python3", os.path.join(root, "data", "emoji", "build_emoji.py"),
                           "--src", src, "--out", out, *extra],
                          capture_output=True, text=True)


def test_builds_the_fixture(root, fixture_dir, tmp_path):
    out = str(tmp_path / "e.npz")
    r = build(root, fixture_dir, out, "--font", DEJAVU, "--summary-out", str(tmp_path / "s.txt"))
    assert r.returncode == 0, r.stderr
    d = np.load(out)
    n = len(d["test"])
    names = list(d["names"])
    # fully-qualified only, the Component group left out
    assert "light skin tone" not in names and len(set(d["codepoints"])) == n
    assert all(c != "263A" for c in d["codepoints"])  # unqualified lines are not rows
    # DejaVu has no glyph for these (nor for skin-tone modifiers): dropped and
    # counted; its symbols are kept
    assert "dog face" not in names and "red apple" not in names
    assert "victory hand: light skin tone" not in names
    assert {"smiling face", "victory hand", "sun", "snowflake"} <= set(names)
    summary = open(tmp_path / "s.txt").read()
    dropped = int(summary.split("no_glyph ")[1].split(",")[0].split(";")[0])
    assert dropped >= 4 and n + dropped == 26, summary
    assert f"build_emoji: {n} emoji" in summary
    # every row has a text in every language, name first
    for lang in ("en", "es", "fr", "ja"):
        assert all(len(t) > 0 for t in d[f"text_{lang}"]), lang
    i = names.index("victory hand")
    assert d["text_en"][i].startswith("victory hand | ")
    # variants of one base emoji never straddle the split: skin tones and the
    # presentation selector are not part of the base
    side = {}
    for b, t in zip(d["base"], d["test"]):
        assert side.setdefault(b, t) == t, b
    import sys
    sys.path.insert(0, os.path.join(root, "data", "emoji"))
    import build_emoji
    for base in ((0x270C,), (0x1F44B,), (0x1F469, 0x200D, 0x1F52C)):
        variants = [base + (0xFE0F,)] + [base[:1] + (t,) + base[1:] for t in range(0x1F3FB, 0x1F400)]
        assert {build_emoji.base_key(v) for v in variants} == {build_emoji.base_key(base)}
        assert len({build_emoji.is_test(v) for v in variants}) == 1
    # images: white background, something drawn, and the groups as in the file
    assert d["images"].shape == (n, 32, 32, 3) and d["images"].dtype == np.uint8
    assert (d["images"].reshape(n, -1).min(1) < 200).all()
    assert list(d["group_names"][:1]) == ["Smileys & Emotion"]
    # the same inputs give the same bytes
    r2 = build(root, fixture_dir, str(tmp_path / "e2.npz"), "--font", DEJAVU)
    assert r2.returncode == 0
    d2 = np.load(str(tmp_path / "e2.npz"))
    for k in d.files:
        assert np.array_equal(d[k], d2[k]), k


def copy_fixture(fixture_dir, tmp_path):
    src = str(tmp_path / "src")
    shutil.copytree(fixture_dir, src)
    return src


@pytest.mark.parametrize("case,why", [
    ("broken_xml", "annotations/fr.xml: line 6, column"),
    ("missing_xml", "annotationsDerived/ja.xml: missing; run data/emoji/fetch-emoji.sh"),
    ("missing_font", "cannot load the emoji font"),
    ("bad_list", "emoji-test.txt:3: expected 'CODE POINTS ; status # emoji name'"),
])
def test_bad_input_one_line_nothing_written(root, fixture_dir, tmp_path, case, why):
    src = copy_fixture(fixture_dir, tmp_path)
    font = ["--font", DEJAVU]
    if case == "broken_xml":
        p = os.path.join(src, "annotations", "fr.xml")
        lines = open(p, encoding="utf-8").read().splitlines()
        lines[5] = lines[5].replace("</annotation>", "</annot>")
        open(p, "w", encoding="utf-8").write("\n".join(lines) + "\n")
    elif case == "missing_xml":
        os.remove(os.path.join(src, "annotationsDerived", "ja.xml"))
    elif case == "missing_font":
        font = []  # SRC/NotoColorEmoji.ttf is not in the fixture
    else:
        p = os.path.join(src, "emoji-test.txt")
        lines = open(p, encoding="utf-8").read().splitlines()
        lines[2] = "1F600 fully-qualified without the separator"
        open(p, "w", encoding="utf-8").write("\n".join(lines) + "\n")
    out = str(tmp_path / "out.npz")
    r = build(root, src, out, *font)
    assert r.returncode != 0
    err = r.stderr.strip()
    assert why in err and "\n" not in err, err
    assert not os.path.exists(out) and not os.path.exists(out + ".tmp.npz")


def test_fetcher_names_an_unreadable_list(root, tmp_path):
    r = subprocess.run([os.path.join(root, "data", "emoji", "fetch-emoji.sh"), str(tmp_path / "o"),
                        str(tmp_path / "nope.txt")], capture_output=True, text=True)
    assert r.returncode == 1
    assert "nope.txt: cannot read the package list" in r.stderr
    assert not os.path.exists(tmp_path / "o") and not os.path.exists(tmp_path / "o.tmp")


# ---- the encoders (data/emoji/train_emoji_encoders.py) on the committed real slice ----

def train(root, data, out, *extra):
    return subprocess.run(["/usr/bin/python3",
                           os.path.join(root, "data", "emoji", "train_emoji_encoders.py"),
                           "--quick", "--data", data, "--out", out, *extra],
                          capture_output=True, text=True)


@pytest.fixture
def slice_npz(root):
    return os.path.join(root, "tests", "fixtures", "emoji-slice.npz")


def test_encoders_on_the_slice(root, slice_npz, tmp_path):
    import h5py
    out = str(tmp_path / "e.h5")
    r = train(root, slice_npz, out)
    assert r.returncode == 0, r.stderr
    d = np.load(slice_npz)
    _, first = np.unique(d["base"], return_index=True)
    keep = np.sort(first)  # --rows base: the variant-free entry of every base
    assert len(keep) < len(d["base"])
    with h5py.File(out, "r") as f:
        ids = np.concatenate([f["samples/train/ids"][:], f["samples/test/ids"][:]])
        assert sorted(ids) == list(keep)
        assert list(f["samples/test/ids"][:]) == list(keep[d["test"][keep]])
        assert (f["samples/test/labels"][:] == d["group"][f["samples/test/ids"][:]]).all()
        names = sorted(f["spaces"])
        assert names == sorted(["pca-pixels", "cae", "cnn-subgroup"] +
                               [f"{k}-{lg}" for k in ("char", "word")
                                for lg in ("en", "es", "fr", "ja")])
        for n in names:
            s = f["spaces"][n]
            assert s["train"].shape == (len(f["samples/train/ids"]), 16)
            want = "text" if n.startswith(("char-", "word-")) else "image"
            assert s.attrs["modality"] == want
            assert s["heads/linear/weight"].shape == (9, 16)
        z1 = f["spaces/cnn-subgroup/test"][:]
    out2 = str(tmp_path / "e2.h5")  # the same run again: the same numbers
    assert train(root, slice_npz, out2).returncode == 0
    with h5py.File(out2, "r") as f:
        assert np.array_equal(f["spaces/cnn-subgroup/test"][:], z1)


@pytest.mark.parametrize("case,why", [
    ("not_npz", "cannot read"),
    ("no_key", "no array 'text_ja'"),
    ("bad_label", "group must be integers indexing group_names"),
    ("all_test", "test must be a boolean mask with rows on both sides"),
    ("short", "subgroup has shape"),
    ("truncated", "cannot read (BadZipFile"),
    ("fifo", "not a regular file"),
    ("nonsquare", "images are 32x16, expected square"),
    ("white", "pca-pixels gave no usable embeddings"),
    ("comma", "group_names: a name contains ','"),
    ("bytes_text", "text_en is |S"),
])
def test_encoders_refuse_bad_data(root, slice_npz, tmp_path, case, why):
    bad = str(tmp_path / "bad.npz")
    if case == "not_npz":
        open(bad, "w").write("group,text\n1,a\n")
    elif case == "truncated":
        data = open(slice_npz, "rb").read()
        open(bad, "wb").write(data[:len(data) // 2])
    elif case == "fifo":
        os.mkfifo(bad)  # would block a reader forever
    else:
        d = dict(np.load(slice_npz))
        if case == "no_key":
            del d["text_ja"]
        elif case == "bad_label":
            d["group"] = d["group"].copy()
            d["group"][3] = 9
        elif case == "all_test":
            d["test"] = np.ones_like(d["test"])
        elif case == "short":
            d["subgroup"] = d["subgroup"][:-1]
        elif case == "nonsquare":
            d["images"] = np.ascontiguousarray(d["images"][:, :, :16])
        elif case == "white":
            d["images"] = np.full_like(d["images"], 255)
        elif case == "comma":
            d["group_names"] = np.array(["a,b"] + list(d["group_names"][1:]))
        else:
            d["text_en"] = np.char.encode(d["text_en"], "utf-8")
        np.savez(bad, **d)
    out = str(tmp_path / "out.h5")
    r = train(root, bad, out)
    assert r.returncode != 0
    lines = r.stderr.strip().split("\n")  # progress lines "[hh:mm:ss] ...", then the error
    err = lines[-1]
    assert err.startswith("train_emoji_encoders: ") and "bad.npz" in err and why in err, err
    assert all(ln.startswith("[") for ln in lines[:-1]), r.stderr
    assert not os.path.exists(out) and not os.path.exists(out + ".tmp")


def test_encoders_check_the_output_first(root, slice_npz, tmp_path):
    for out, why in ((str(tmp_path / "no" / "e.h5"), "does not exist"),
                     ("", "--out: expected a file name"),
                     (str(tmp_path), "exists and is not a regular file")):
        r = train(root, slice_npz, out)
        assert r.returncode != 0 and why in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "cnn-subgroup" not in r.stderr  # before training
