#!/usr/bin/python3
"""make seeds: the spread that remains once numerics are pinned — the headline
numbers over encoders trained with run seeds 0 (the committed dumps), 1 and 2.

Reads results/stitch.csv and results/retrieval.csv (seed 0) and
results/seeds/{stitch,invert}-s{1,2}.csv, and for each headline number
(stitching accuracy at ω = 8, δ = 0.65, uncentred and centred; the inter-space
mean cosine of inversion at the same setting) prints and writes to
results/seed-spread.csv:
  per seed       the mean over ordered pairs (what the README's headline is)
  over seeds     mean ± std (ddof 1) of those three means
  pair spread    the std over pairs within a seed, averaged over seeds
  pair seed-std  for each ordered pair, its std over the seeds, averaged over
                 pairs: how much one pair's number moves with the seed alone
A difference between two settings smaller than the over-seeds std is within
seed noise."""
import csv
import io
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
import cli  # noqa: E402

SEEDS = {0: ("results/stitch.csv", "results/retrieval.csv"),
         1: ("results/seeds/stitch-s1.csv", "results/seeds/invert-s1.csv"),
         2: ("results/seeds/stitch-s2.csv", "results/seeds/invert-s2.csv")}
HEADLINES = [  # (name, which table, method, metric, inter pairs only)
    ("stitching zero-shot accuracy", 0, "irp", "accuracy"),
    ("stitching absolute accuracy", 0, "absolute", "accuracy"),
    ("stitching non-stitch accuracy", 0, "non-stitch", "accuracy"),
    ("inversion inter-space mean cosine", 1, "irp", "mean_cosine"),
]


COLUMNS = ("method", "metric", "center", "omega", "delta", "encoder", "decoder", "value")
OUT = "results/seed-spread.csv"


def rows(path):
    if not os.path.lexists(path):
        cli.die(f"{path}: missing; run 'make seeds' (it trains and runs what this reads)")
    cli.input_file(path, "a result table of irp run (make seeds)")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(l for l in f if not l.startswith("#"))
            table = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        cli.die(f"{path}: cannot read ({e}); expected a result table of irp run")
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        cli.die(f"{path}: no column {missing[0]!r}; expected a result table of irp run")
    for i, r in enumerate(table):
        if any(r.get(c) is None for c in COLUMNS):
            cli.die(f"{path}: row {i + 1} is short; expected a result table of irp run")
    return path, table


def values(table, method, metric, center):
    path, table = table
    out = {}
    for r in table:
        if (r["method"] == method and r["metric"] == metric and r["center"] == center
                and r["omega"] == "8" and r["delta"] == "0.65"
                and (r["encoder"] == r["decoder"]) == (method == "non-stitch")):
            try:
                out[(r["encoder"], r["decoder"])] = float(r["value"])
            except ValueError:
                cli.die(f"{path}: value {r['value'][:40]!r} of {r['encoder']} -> "
                        f"{r['decoder']}: expected a number")
    return out


if len(sys.argv) > 1:
    cli.die(f"{sys.argv[1]}: takes no arguments (reads results/ of the current directory)", 2)
tables = {s: [rows(p) for p in paths] for s, paths in SEEDS.items()}
cli.output(OUT, "results/")
out = [("number", "center", "seed0", "seed1", "seed2", "mean_over_seeds", "std_over_seeds",
        "pair_spread", "pair_seed_std", "pairs")]
print("| number | center | seed 0 | seed 1 | seed 2 | over seeds | std over pairs "
      "(mean over seeds) | std over seeds per pair (mean over pairs) |")
print("|---|---|---|---|---|---|---|---|")
for name, which, method, metric in HEADLINES:
    for center in ("false", "true"):
        per = [values(tables[s][which], method, metric, center) for s in SEEDS]
        if not all(per) or any(set(p) != set(per[0]) for p in per):
            cli.die(f"{name}, center = {center}: the seeds' tables do not hold the same pairs")
        means = np.array([np.mean(list(p.values())) for p in per])
        spread = np.mean([np.std(list(p.values()), ddof=1) if len(p) > 1 else 0 for p in per])
        seed_std = np.mean([np.std([p[k] for p in per], ddof=1) for k in per[0]])
        out.append((name, center, *(f"{m:.6f}" for m in means), f"{means.mean():.6f}",
                    f"{means.std(ddof=1):.6f}", f"{spread:.6f}", f"{seed_std:.6f}",
                    str(len(per[0]))))
        print(f"| {name} | {center} | " + " | ".join(f"{m:.3f}" for m in means) +
              f" | {means.mean():.3f} ± {means.std(ddof=1):.3f} | {spread:.3f} | "
              f"{seed_std:.3f} |")
buf = io.StringIO()
buf.write("# make seeds (scripts/seed_spread.py): headline numbers over run seeds 0, 1, 2\n")
csv.writer(buf, lineterminator="\n").writerows(out)
cli.write_atomic(OUT, buf.getvalue())
print("seed_spread: wrote results/seed-spread.csv", file=sys.stderr)
