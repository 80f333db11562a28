#!/usr/bin/python3
"""Build a parallel en/es/fr/ja corpus from gettext catalogs.

A gettext catalog maps an English source string (msgid) to its human
translation (msgstr). Catalogs of one translation domain (e.g. gimp20.mo) exist
per language, so aligning msgids across es/fr/ja gives parallel sentences.

  /usr/bin/python3 data/text/build_corpus.py --catalogs data/cache/catalogs \
      --out data/cache/gettext-corpus.tsv --domains-out results/gettext-domains.csv

Input: one or more directories laid out like /usr/share/locale:
  <dir>/<lang>/LC_MESSAGES/<domain>.mo   (or .po; .po files are compiled with
  msgfmt, which like every .mo drops fuzzy entries and the header).
Output: TSV with a header, columns id, domain, en, es, fr, ja (written to
<out>.tmp and renamed). Cleaning, in order, counted and reported on stderr:
  plural       entries with plural forms (one sentence per entry wanted)
  untranslated the msgid lacks a non-empty translation in one of es, fr, ja
  multiline    a newline in the source or any translation
  markup/format/accelerators/entities are stripped, whitespace collapsed
  short        English shorter than MIN_CHARS characters or MIN_WORDS words
  identical    a translation equal to the English (case-insensitive)
  duplicate    English already seen (first by domain name, then msgid, wins)
(fuzzy entries never reach a .mo, so they count as untranslated.)
Deterministic: the same catalogs give the same file byte for byte.
"""
import collections
import html
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import cli  # noqa: E402

LANGS = ("es", "fr", "ja")
MIN_CHARS = 12
MIN_WORDS = 2

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9_:-]*(\s[^<>]*)?/?>")
_PRINTF = re.compile(r"%(\d+\$)?[-+ #0']*(\*|\d+)?(\.(\*|\d+))?"
                     r"(hh|h|ll|l|L|q|j|z|t|I64)?[diouxXeEfFgGaAcspS]")
_PYFMT = re.compile(r"%\([A-Za-z0-9_]+\)[-+ #0]*\d*(\.\d+)?[a-zA-Z]")
_BRACES = re.compile(r"\{[A-Za-z0-9_.:]*\}")
_CJK_ACCEL = re.compile(r"\s*[(（][_&][A-Za-z0-9][)）]")
_ACCEL = re.compile(r"(?<![\w&])[_&](?=[^\W_])|(?<=[^\W_])[_&](?=[^\W_])")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")


def die(msg):
    sys.stderr.write(f"build_corpus: {msg}\n")
    sys.exit(1)


def read_mo(data, path):
    """msgid -> msgstr of a GNU .mo file (bytes), decoded with its charset."""
    if len(data) < 28:
        die(f"{path}: not a gettext .mo file (only {len(data)} bytes)")
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0x950412DE:
        end = "<"
    elif magic == 0xDE120495:
        end = ">"
    else:
        die(f"{path}: not a gettext .mo file (bad magic 0x{magic:08x})")
    _, n, orig, trans = struct.unpack(end + "4I", data[4:20])
    if orig + 8 * n > len(data) or trans + 8 * n > len(data):
        die(f"{path}: truncated .mo file ({n} entries declared)")
    raw = []
    for i in range(n):
        ln, off = struct.unpack(end + "2I", data[orig + 8 * i:orig + 8 * i + 8])
        lt, ot = struct.unpack(end + "2I", data[trans + 8 * i:trans + 8 * i + 8])
        if off + ln > len(data) or ot + lt > len(data):
            die(f"{path}: entry {i} points past the end of the file")
        raw.append((data[off:off + ln], data[ot:ot + lt]))
    charset = "utf-8"
    for k, v in raw:
        if k == b"":
            m = re.search(rb"charset=([A-Za-z0-9_.:-]+)", v)
            if m:
                charset = m.group(1).decode("ascii")
    out = {}
    for k, v in raw:
        if k == b"":
            continue
        try:
            out[k.decode(charset)] = v.decode(charset)
        except (UnicodeDecodeError, LookupError):
            die(f"{path}: entry not valid {charset}")
    return out


def read_catalog(path):
    if path.endswith(".po"):
        r = subprocess.run(["msgfmt", "-o", "-", path], capture_output=True)
        if r.returncode:
            msg = " ".join(r.stderr.decode(errors="replace").split())[:300]
            die(f"{path}: msgfmt failed: {msg}")
        return read_mo(r.stdout, path)
    cli.input_file(path, "a gettext .mo file")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        die(f"{path}: cannot read ({e.strerror}); expected a gettext .mo file")
    return read_mo(data, path)


def find_catalogs(dirs):
    """{domain: {lang: path}} over all dirs; the first dir holding a file wins."""
    found = collections.defaultdict(dict)
    for d in dirs:
        if not os.path.isdir(d):
            die(f"{d}: no such catalog directory (run data/text/fetch-catalogs.sh {d})")
        for lang in LANGS:
            sub = os.path.join(d, lang, "LC_MESSAGES")
            if not os.path.isdir(sub):
                continue
            for name in sorted(os.listdir(sub)):
                dom, ext = os.path.splitext(name)
                if ext in (".mo", ".po") and lang not in found[dom]:
                    found[dom][lang] = os.path.join(sub, name)
    return found


def clean(s):
    """Strip markup, entities, format specifiers and accelerators; collapse spaces."""
    s = _TAG.sub("", s)
    s = _PYFMT.sub(" ", s)
    s = _PRINTF.sub(" ", s)
    s = s.replace("%%", "%")
    s = _BRACES.sub(" ", s)
    s = _ENTITY.sub(lambda m: html.unescape(m.group(0)), s)  # before '&' accelerators
    s = _CJK_ACCEL.sub("", s)
    s = _ACCEL.sub("", s)
    s = s.replace("\t", " ")
    return _SPACE.sub(" ", s).strip()


def build(dirs):
    """Rows (domain, en, es, fr, ja), counts of every drop reason, per-domain counts."""
    drops = collections.Counter()
    per_domain = collections.Counter()
    seen = set()
    rows = []
    found = find_catalogs(dirs)
    for dom in sorted(found):
        if len(found[dom]) < len(LANGS):
            drops["domain_missing_language"] += 1
            continue
        cats = {lang: read_catalog(found[dom][lang]) for lang in LANGS}
        for msgid in sorted(set().union(*cats.values())):
            drops["entries"] += 1
            if "\0" in msgid or any("\0" in cats[lg].get(msgid, "") for lg in LANGS):
                drops["plural"] += 1
                continue
            trans = [cats[lg].get(msgid, "") for lg in LANGS]
            if not all(t.strip() for t in trans):
                drops["untranslated"] += 1
                continue
            en = msgid.split("\x04", 1)[-1]  # drop msgctxt
            if any("\n" in t for t in [en] + trans):
                drops["multiline"] += 1
                continue
            en, trans = clean(en), [clean(t) for t in trans]
            if len(en) < MIN_CHARS or len(_WORD.findall(en)) < MIN_WORDS or \
                    not all(trans):
                drops["short"] += 1
                continue
            if any(t.casefold() == en.casefold() for t in trans):
                drops["identical"] += 1
                continue
            key = en.casefold()
            if key in seen:
                drops["duplicate"] += 1
                continue
            seen.add(key)
            rows.append((dom, en, *trans))
            per_domain[dom] += 1
    return rows, drops, per_domain


def write_atomic(path, lines):
    cli.write_atomic(path, "".join(lines))


def main():
    ap = cli.Parser(description=__doc__, formatter_class=cli.argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogs", nargs="+", required=True,
                    help="directories laid out as <lang>/LC_MESSAGES/<domain>.mo|.po")
    ap.add_argument("--out", required=True, help="corpus TSV (id, domain, en, es, fr, ja)")
    ap.add_argument("--domains-out", help="CSV of sentences kept per translation domain")
    ap.add_argument("--summary-out", help="also write the one-line summary printed on stderr "
                                          "to this file (how results/gettext-corpus.txt is made)")
    ap.add_argument("--sample", type=cli.int_in(0, 10 ** 9), default=0, metavar="N",
                    help="keep a seeded random N sentences, in corpus order, ids kept "
                         "(how tests/fixtures/gettext-slice.tsv was made)")
    ap.add_argument("--seed", type=cli.SEED, default=0, help="seed of --sample (default 0)")
    a = ap.parse_args()
    outs = [("--out", a.out), ("--domains-out", a.domains_out), ("--summary-out", a.summary_out)]
    for flag, p in outs:  # all of them before any work: none is written if one cannot be
        if p is not None:
            cli.output(p, flag, make_parent=True)
    cli.distinct(*outs)
    rows, drops, per_domain = build(a.catalogs)
    if not rows:
        die(f"{', '.join(a.catalogs)}: no sentence translated into all of "
            f"{', '.join(LANGS)} survived cleaning")
    keep = range(len(rows))
    if a.sample:
        import random
        keep = sorted(random.Random(a.seed).sample(keep, min(a.sample, len(rows))))
    write_atomic(a.out, ["id\tdomain\ten\tes\tfr\tja\n"] +
                 [f"{i}\t" + "\t".join(rows[i]) + "\n" for i in keep])
    if a.domains_out:
        write_atomic(a.domains_out, ["domain,sentences\n"] +
                     [f"{d},{n}\n" for d, n in sorted(per_domain.items(),
                                                      key=lambda kv: (-kv[1], kv[0]))])
    summary = (f"build_corpus: {len(rows)} sentences from {len(per_domain)} domains "
               f"({drops['entries']} catalog entries; dropped: " +
               ", ".join(f"{k} {drops[k]}" for k in
                         ("plural", "untranslated", "multiline", "short", "identical",
                          "duplicate", "domain_missing_language")) + ")\n")
    if a.summary_out:
        write_atomic(a.summary_out, [summary])
    sys.stderr.write(summary)


if __name__ == "__main__":
    cli.run(main)
