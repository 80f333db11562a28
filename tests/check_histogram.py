#!/usr/bin/python3
"""Recomputes a scale-distribution run's norm histograms and norm means with
NumPy from the dump itself and compares them with what irp wrote. Used by
tests/test_pipeline.c.

  check_histogram.py DUMP HIST.csv TABLE.csv BINS

Exits 1, naming the first difference, when a count differs, a bin edge or a
mean differs by more than 1e-12 relative, a bin's normal density (the Gaussian of
the table's mean and std at the bin's middle) by more than 1e-9 relative, or an
encoder is missing."""
import csv
import sys

import h5py
import numpy as np

data, hist, table, bins = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(l for l in f if not l.startswith("#")))


h, t = rows(hist), rows(table)
f = h5py.File(data, "r")
for name in f["spaces"]:
    norms = np.linalg.norm(f["spaces"][name]["train"][:].astype(np.float64), axis=1)
    counts, edges = np.histogram(norms, bins=bins, range=(norms.min(), norms.max()))
    got = [r for r in h if r["encoder"] == name]
    if len(got) != bins:
        sys.exit(f"{hist}: {name}: {len(got)} bins, expected {bins}")
    for b, r in enumerate(got):
        if int(r["count"]) != counts[b]:
            sys.exit(f"{hist}: {name} bin {b}: count {r['count']}, numpy {counts[b]}")
        if abs(float(r["bin_lo"]) - edges[b]) > 1e-12 * edges[-1]:
            sys.exit(f"{hist}: {name} bin {b}: starts at {r['bin_lo']}, numpy {edges[b]!r}")
    mean = [r for r in t if r["encoder"] == name and r["metric"] == "mean"]
    if len(mean) != 1 or abs(float(mean[0]["value"]) - norms.mean()) > 1e-12 * norms.mean():
        sys.exit(f"{table}: {name}: mean norm {mean[0]['value'] if mean else 'missing'}, "
                 f"numpy {norms.mean()!r}")
    std = [r for r in t if r["encoder"] == name and r["metric"] == "std"]
    if len(std) != 1:
        sys.exit(f"{table}: {name}: no std row")
    m, sd = float(mean[0]["value"]), float(std[0]["value"])
    for b, r in enumerate(got):
        mid = (float(r["bin_lo"]) + float(r["bin_hi"])) / 2
        want = np.exp(-0.5 * ((mid - m) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
        if abs(float(r["normal_pdf"]) - want) > 1e-9 * max(want, 1e-300):
            sys.exit(f"{hist}: {name} bin {b}: normal_pdf {r['normal_pdf']}, the Gaussian of "
                     f"mean {m} and std {sd} at {mid} is {want!r}")
print("histograms, means and normal densities equal numpy's")
