#!/usr/bin/python3
"""Build the paired image/text emoji dataset from the files fetch-emoji.sh keeps.

One row per fully-qualified emoji of emoji-test.txt (the "Component" group left
out): its glyph rendered from NotoColorEmoji.ttf, its CLDR name and keywords in
English, Spanish, French and Japanese ("name | keyword | keyword ..."), its group
and subgroup. Train/test is split by *base* emoji (the code points without skin
tones and variation selectors), so no variant of a test emoji is in training.
Rows are dropped, and counted, when a language has no annotation or the font has
no glyph. The output (an .npz) is written atomically; any bad input stops with
one line naming the file and what was expected, and nothing is written.

  /usr/bin/python3 data/emoji/build_emoji.py --src data/cache/emoji --out data/cache/emoji.npz

Image size: 32x32 RGB on white. NotoColorEmoji holds one bitmap strike (136x128
at size 109); 32x32 keeps each glyph's shape and colours recognisable, gives
3,072 pixel features (a PCA or a small CNN trains in seconds on 2 cores), and is
the size of the CIFAR images the paper's vision encoders were evaluated on.
"""
import hashlib
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import cli  # noqa: E402

LANGS = ("en", "es", "fr", "ja")
SKIN = set(range(0x1F3FB, 0x1F400))  # Fitzpatrick modifiers
VS16 = 0xFE0F
SILENT = {0x200D, VS16, 0x20E3}  # ZWJ, emoji presentation, combining keycap
TEST_SHARE = 5  # one base emoji in five goes to test (by a hash of its code points)


def fail(msg):
    raise SystemExit(f"build_emoji: {msg}")


def parse_emoji_test(path):
    """[(code points, group, subgroup, name)] of the fully-qualified emoji."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        fail(f"{path}: cannot read ({e}); expected Unicode's emoji-test.txt")
    rows, group, subgroup = [], None, None
    for n, line in enumerate(lines, 1):
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        elif line.startswith("# subgroup:"):
            subgroup = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#"):
            try:
                cps_text, rest = line.split(";", 1)
                status, comment = rest.split("#", 1)
                cps = tuple(int(c, 16) for c in cps_text.split())
            except ValueError:
                fail(f"{path}:{n}: expected 'CODE POINTS ; status # emoji name'")
            if not cps or group is None or subgroup is None:
                fail(f"{path}:{n}: an emoji before any '# group:' and '# subgroup:' line")
            if status.strip() != "fully-qualified" or group == "Component":
                continue
            name = comment.strip().split(" ", 2)[-1]  # "😀 E1.0 grinning face"
            rows.append((cps, group, subgroup, name))
    if not rows:
        fail(f"{path}: no fully-qualified emoji; expected Unicode's emoji-test.txt")
    return rows


def load_annotations(src, lang):
    """{emoji without VS16: (name, [keywords])} from annotations and annotationsDerived."""
    out = {}
    for kind in ("annotations", "annotationsDerived"):
        path = os.path.join(src, kind, f"{lang}.xml")
        try:
            root = ET.parse(path).getroot()
        except FileNotFoundError:
            fail(f"{path}: missing; run data/emoji/fetch-emoji.sh")
        except ET.ParseError as e:
            line, col = e.position
            fail(f"{path}: line {line}, column {col}: not well-formed XML; expected a CLDR "
                 "annotations file")
        for a in root.iter("annotation"):
            cp, text = a.get("cp"), (a.text or "").strip()
            if not cp or not text or text == "↑↑↑":  # ↑↑↑: inherited, no text here
                continue
            key = cp.replace(chr(VS16), "")
            name, words = out.get(key, (None, []))
            if a.get("type") == "tts":
                name = text
            else:
                words = [w.strip() for w in text.split("|") if w.strip()]
            out[key] = (name, words)
    return out


def base_key(cps):
    return "-".join(f"{c:X}" for c in cps if c not in SKIN and c != VS16)


def is_test(cps):
    return hashlib.sha256(base_key(cps).encode()).digest()[0] % TEST_SHARE == 0


class Renderer:
    def __init__(self, font_path, size):
        from PIL import ImageFont  # Debian's python3-pil
        try:
            self.font = ImageFont.truetype(font_path, 109)  # the font's one bitmap strike
        except OSError as e:
            fail(f"{font_path}: cannot load the emoji font ({e}); run data/emoji/fetch-emoji.sh")
        self.size = size
        self.missing = self.draw(chr(0x10FFFD))  # what a code point without a glyph gives
        self.known = {}

    def draw(self, text):
        from PIL import Image, ImageDraw
        im = Image.new("RGB", (136, 128), "white")
        ImageDraw.Draw(im).text((0, 0), text, font=self.font, fill="black", embedded_color=True)
        return np.asarray(im.resize((self.size, self.size), Image.LANCZOS), dtype=np.uint8)

    def has_glyph(self, c):
        if c not in self.known:
            self.known[c] = not np.array_equal(self.draw(chr(c)), self.missing)
        return self.known[c]

    def render(self, cps):
        """The glyph of the sequence as size x size x 3 uint8, or None when the font
        lacks one of its code points (joiners, selectors and tags aside) or draws
        nothing."""
        if not all(self.has_glyph(c) for c in cps if c not in SILENT and not 0xE0020 <= c <= 0xE007F):
            return None
        img = self.draw("".join(map(chr, cps)))
        return None if (img == 255).all() else img


def build(src, size, limit=None, font=None):
    rows = parse_emoji_test(os.path.join(src, "emoji-test.txt"))
    ann = {lang: load_annotations(src, lang) for lang in LANGS}
    renderer = Renderer(font or os.path.join(src, "NotoColorEmoji.ttf"), size)
    dropped = {f"no_{lang}_annotation": 0 for lang in LANGS}
    dropped["no_glyph"] = 0
    keep = []
    for cps, group, subgroup, name in rows[:limit]:
        emoji = "".join(map(chr, cps))
        key = emoji.replace(chr(VS16), "")
        texts, missing = {}, None
        for lang in LANGS:
            nm, words = ann[lang].get(key, (None, []))
            if nm is None and not words:
                missing = lang
                break
            texts[lang] = " | ".join([nm] * (nm is not None) + [w for w in words if w != nm])
        if missing:
            dropped[f"no_{missing}_annotation"] += 1
            continue
        img = renderer.render(cps)
        if img is None:
            dropped["no_glyph"] += 1
            continue
        keep.append((cps, group, subgroup, name, texts, img))
    if not keep:
        fail(f"{src}: no emoji left after dropping {dropped}")
    groups = sorted({k[1] for k in keep}, key=[r[1] for r in rows].index)
    subgroups = sorted({k[2] for k in keep}, key=[r[2] for r in rows].index)
    data = {
        "images": np.stack([k[5] for k in keep]),
        "codepoints": np.array([" ".join(f"{c:04X}" for c in k[0]) for k in keep]),
        "names": np.array([k[3] for k in keep]),
        "base": np.array([base_key(k[0]) for k in keep]),
        "group": np.array([groups.index(k[1]) for k in keep], dtype=np.int32),
        "subgroup": np.array([subgroups.index(k[2]) for k in keep], dtype=np.int32),
        "group_names": np.array(groups),
        "subgroup_names": np.array(subgroups),
        "test": np.array([is_test(k[0]) for k in keep]),
    }
    for lang in LANGS:
        data[f"text_{lang}"] = np.array([k[4][lang] for k in keep])
    return data, dropped, len(rows[:limit])


def main(argv=None):
    ap = cli.Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", required=True, help="the directory fetch-emoji.sh made")
    ap.add_argument("--out", required=True, help=".npz to write (atomically)")
    ap.add_argument("--size", type=cli.int_in(8, 136), default=32, help="image side in pixels (default 32)")
    ap.add_argument("--limit", type=cli.int_in(1, 10 ** 7), help="only the first N emoji of the list (tests)")
    ap.add_argument("--font", help="another font than SRC/NotoColorEmoji.ttf (tests)")
    ap.add_argument("--summary-out", help="also write the one-paragraph summary here")
    args = ap.parse_args(argv)
    cli.output(args.out, tmp=".tmp.npz", make_parent=True)  # before any work
    if args.summary_out is not None:
        cli.output(args.summary_out, "--summary-out", make_parent=True)
    cli.distinct(("--out", args.out), ("--summary-out", args.summary_out))
    cli.input_dir(args.src, "the directory data/emoji/fetch-emoji.sh made")
    data, dropped, seen = build(args.src, args.size, args.limit, args.font)
    n, nt = len(data["test"]), int(data["test"].sum())
    bases = len(set(data["base"]))
    summary = (f"build_emoji: {n} emoji ({n - nt} train, {nt} test; {bases} base emoji, split by "
               f"base) of {seen} fully-qualified outside 'Component', {len(data['group_names'])} "
               f"groups, {len(data['subgroup_names'])} subgroups, {args.size}x{args.size} RGB; "
               "dropped: " + ", ".join(f"{k} {v}" for k, v in dropped.items()))
    pkgs = os.path.join(args.src, "packages.txt")
    if os.path.lexists(pkgs):
        cli.input_file(pkgs, "the package list data/emoji/fetch-emoji.sh wrote", empty_ok=True)
        try:
            with open(pkgs, encoding="utf-8") as fh:
                summary += "; from " + ", ".join(fh.read().split("\n")[:-1])
        except (OSError, UnicodeDecodeError) as e:
            fail(f"{pkgs}: cannot read ({e}); expected the package list fetch-emoji.sh wrote")
    tmp = args.out + ".tmp.npz"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    try:
        np.savez_compressed(tmp, summary=np.array(summary), **data)
        os.replace(tmp, args.out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    if args.summary_out:
        cli.write_atomic(args.summary_out, summary + "\n")
    print(summary, file=sys.stderr)


if __name__ == "__main__":
    cli.run(main)
