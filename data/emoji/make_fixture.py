#!/usr/bin/python3
"""Cut the committed test fixture (tests/fixtures/emoji/) out of the fetched
files: a few dozen emoji-test.txt lines across groups, with skin-tone variants,
a Component entry and non-fully-qualified lines, and their CLDR annotations in
the four languages. make emoji-fixture runs it; the tests render the fixture
with DejaVu Sans (Debian's fonts-dejavu-core), which draws the BMP symbols in
it and none of the others (the no-glyph drop).

  /usr/bin/python3 data/emoji/make_fixture.py SRC_DIR OUT_DIR
"""
import os
import re
import sys

WANT = ["263A FE0F", "2639 FE0F", "2665 FE0F", "2600 FE0F", "26BD", "2708 FE0F", "2615",
        "270C FE0F", "270C 1F3FB", "270C 1F3FC", "270C 1F3FD", "270C 1F3FE", "270C 1F3FF",
        "270D FE0F", "270D 1F3FB", "270D 1F3FF", "2614", "2744 FE0F", "2602 FE0F", "2693",
        "1F600", "1F44B", "1F44B 1F3FB", "1F436", "1F34E", "1F3FB", "1F6DD", "263A", "2639"]


def main(src, out):
    keep = set(WANT)
    lines = open(os.path.join(src, "emoji-test.txt"), encoding="utf-8").read().splitlines()
    sel = []
    for line in lines:
        if line.startswith("# group:") or line.startswith("# subgroup:"):
            sel.append(line)
        elif line and not line.startswith("#") and line.split(";")[0].strip() in keep:
            sel.append(line)
    # drop headers with nothing under them
    cut = [l for i, l in enumerate(sel) if not l.startswith("# subgroup:") or
           (i + 1 < len(sel) and not sel[i + 1].startswith("#"))]
    cut = [l for i, l in enumerate(cut) if not l.startswith("# group:") or
           (i + 1 < len(cut) and cut[i + 1].startswith("# subgroup:"))]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "emoji-test.txt"), "w", encoding="utf-8") as f:
        f.write("# emoji-test.txt slice (data/emoji/make_fixture.py)\n" + "\n".join(cut) + "\n")
    chars = {"".join(chr(int(c, 16)) for c in w.split()).replace("\ufe0f", "") for w in WANT}
    for kind in ("annotations", "annotationsDerived"):
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        for lang in ("en", "es", "fr", "ja"):
            text = open(os.path.join(src, kind, f"{lang}.xml"), encoding="utf-8").read()
            body = [m.group(0) for m in re.finditer(r'\t\t<annotation cp="([^"]*)"[^>]*>.*?</annotation>',
                                                   text) if m.group(1) in chars]
            with open(os.path.join(out, kind, f"{lang}.xml"), "w", encoding="utf-8") as f:
                f.write('<?xml version="1.0" encoding="UTF-8" ?>\n<ldml>\n\t<annotations>\n' +
                        "\n".join(body) + "\n\t</annotations>\n</ldml>\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
