#!/usr/bin/python3
"""Cross-checks the numbers of a REPORT.md against the result tables they came
from: every mean ± std, every n/a and every "Available" count in the tables of
the stitch and invert sections is recomputed from <results>/<name>.csv with
NumPy (grouped by the swept keys the table shows; inter = encoder ≠ decoder,
intra = encoder = decoder) and compared with the printed value (equal to its
printed rounding: within 0.0005 + 1e-9). Used by tests/test_pipeline.c on a
fresh run's report and on the committed results/REPORT.md.

  check_report.py REPORT.md RESULTS_DIR

Prints how many numbers it checked; exits 1 at the first difference, naming
the section, the row and the column."""
import csv
import os
import re
import sys

import numpy as np

report, results = sys.argv[1], sys.argv[2]
COLUMNS = {  # report column -> (method, metric, pairs)
    "Zero-shot": ("irp", "accuracy", "inter"),
    "Absolute": ("absolute", "accuracy", "inter"),
    "Non-stitch": ("non-stitch", "accuracy", "intra"),
    "Procrustes": ("procrustes", "accuracy", "inter"),
    "Affine": ("affine", "accuracy", "inter"),
    "inter-space IRP": ("irp", "mean_cosine", "inter"),
    "floor": ("irp", "cosine_floor", "inter"),
    "intra-space IRP": ("irp", "mean_cosine", "intra"),
    "inter Procrustes": ("procrustes", "mean_cosine", "inter"),
    "inter Affine": ("affine", "mean_cosine", "inter"),
    "top-1 inter": ("irp", "top1", "inter"),
    "top-1 intra": ("irp", "top1", "intra"),
}
FIRST = {"stitch": "Zero-shot", "invert": "inter-space IRP"}


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def fail(msg):
    sys.exit(f"{report}: {msg}")


text = open(report, encoding="utf-8").read()
sections = re.split(r"^## ", text, flags=re.M)[1:]
checked = tables = 0
for sec in sections:
    m = re.match(r"(\S+) — `[^`]*` \((\S+), data", sec)
    if not m or m.group(2) not in FIRST:
        continue
    name, kind = m.groups()
    lines = sec.splitlines()
    head = next((i for i, l in enumerate(lines)
                 if l.startswith("|") and FIRST[kind] in cells(l)), None)
    if head is None:
        fail(f"section {name}: no {kind} table")
    cols = cells(lines[head])
    nkeys = cols.index(FIRST[kind])
    with open(os.path.join(results, name + ".csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(l for l in f if not l.startswith("#")))
    tables += 1
    for line in lines[head + 2:]:
        if not line.startswith("|"):
            break
        vals = cells(line)
        sel = [r for r in rows if all(r[cols[k]] == vals[k] for k in range(nkeys))]
        if not sel:
            fail(f"section {name}: row {vals[:nkeys]} matches no row of {name}.csv")

        def group(method, metric, pairs):
            return np.array([float(r["value"]) for r in sel
                             if r["method"] == method and r["metric"] == metric
                             and (r["encoder"] == r["decoder"]) == (pairs == "intra")])

        for c in range(nkeys, len(cols)):
            where = f"section {name}, row {vals[:nkeys]}, column '{cols[c]}'"
            if cols[c].startswith("Available"):
                want = f"{len(group('irp', 'accuracy', 'inter'))} / " \
                       f"{len(group('absolute', 'accuracy', 'inter'))}"
                if vals[c] != want:
                    fail(f"{where}: {vals[c]}, the table gives {want}")
                checked += 1
                continue
            v = group(*COLUMNS[cols[c]])
            if vals[c] == "n/a" or not len(v):
                if vals[c] != "n/a" or len(v):
                    fail(f"{where}: {vals[c]}, the table has {len(v)} values")
                checked += 1
                continue
            mean, std = (float(x) for x in vals[c].split(" ± "))
            sd = v.std(ddof=1) if len(v) > 1 else 0.0
            if abs(mean - v.mean()) > 0.0005 + 1e-9 or abs(std - sd) > 0.0005 + 1e-9:
                fail(f"{where}: {vals[c]}, the table gives {v.mean():.6f} ± {sd:.6f}")
            checked += 2
if not tables:
    fail("no stitch or invert section to check")
print(f"{checked} numbers checked in {tables} tables")
