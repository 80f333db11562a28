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
