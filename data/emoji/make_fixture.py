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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import cli  # noqa: E402

WANT = ["263A FE0F", "2639 FE0F", "2665 FE0F", "2600 FE0F", "26BD", "2708 FE0F", "2615",
        "270C FE0F", "270C 1F3FB", "270C 1F3FC", "270C 1F3FD", "270C 1F3FE", "270C 1F3FF",
        "270D FE0F", "270D 1F3FB", "270D 1F3FF", "2614", "2744 FE0F", "2602 FE0F", "2693",
        "1F600", "1F44B", "1F44B 1F3FB", "1F436", "1F34E", "1F3FB", "1F6DD", "263A", "2639"]


def read(path):
    cli.input_file(path, "a file of the directory data/emoji/fetch-emoji.sh made")
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as e:
        cli.die(f"{path}: cannot read ({e}); expected a UTF-8 file of data/emoji/fetch-emoji.sh")


def main(argv=None):
    ap = cli.Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", help="the directory data/emoji/fetch-emoji.sh made")
    ap.add_argument("out", help="the fixture directory to write (tests/fixtures/emoji)")
    a = ap.parse_args(argv)
    src, out = a.src, a.out
    cli.input_dir(src, "the directory data/emoji/fetch-emoji.sh made (SRC)")
    if not out:
        cli.die("OUT: expected a directory name")
    files = {"emoji-test.txt": None}
    files.update({os.path.join(kind, f"{lang}.xml"): None
                  for kind in ("annotations", "annotationsDerived")
                  for lang in ("en", "es", "fr", "ja")})
    for rel in files:  # every output checked, every input read, before anything is written
        cli.output(os.path.join(out, rel), "OUT", make_parent=True)
        files[rel] = read(os.path.join(src, rel))
    written = {}
    keep = set(WANT)
    lines = files["emoji-test.txt"].splitlines()
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
    written["emoji-test.txt"] = ("# emoji-test.txt slice (data/emoji/make_fixture.py)\n" +
                                 "\n".join(cut) + "\n")
    chars = {"".join(chr(int(c, 16)) for c in w.split()).replace("\ufe0f", "") for w in WANT}
    for kind in ("annotations", "annotationsDerived"):
        for lang in ("en", "es", "fr", "ja"):
            text = files[os.path.join(kind, f"{lang}.xml")]
            body = [m.group(0) for m in re.finditer(r'\t\t<annotation cp="([^"]*)"[^>]*>.*?</annotation>',
                                                   text) if m.group(1) in chars]
            written[os.path.join(kind, f"{lang}.xml")] = (
                '<?xml version="1.0" encoding="UTF-8" ?>\n<ldml>\n\t<annotations>\n' +
                "\n".join(body) + "\n\t</annotations>\n</ldml>\n")
    for rel, text in written.items():
        cli.write_atomic(os.path.join(out, rel), text)


if __name__ == "__main__":
    cli.run(main)
