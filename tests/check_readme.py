#!/usr/bin/python3
"""The README's quoted results come from the code: every 'mean ± std' it
quotes (three decimals) must appear in results/REPORT.md, or be a seed-spread
row of results/seed-spread.csv (make seeds) as its table prints it.

  check_readme.py README.md RESULTS_DIR

Prints how many it checked; exits 1 naming the ones found nowhere."""
import csv
import os
import re
import sys

readme, results = sys.argv[1], sys.argv[2]
PM = re.compile(r"-?[0-9]+\.[0-9]{3} ± [0-9]+\.[0-9]{3}")
quoted = set(PM.findall(open(readme, encoding="utf-8").read()))
known = set(PM.findall(open(os.path.join(results, "REPORT.md"), encoding="utf-8").read()))
spread = os.path.join(results, "seed-spread.csv")
if os.path.exists(spread):
    with open(spread, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(l for l in f if not l.startswith("#")):
            known.add(f"{float(r['mean_over_seeds']):.3f} ± {float(r['std_over_seeds']):.3f}")
missing = sorted(quoted - known)
if missing:
    sys.exit(f"{readme}: quoted but printed by no result: {', '.join(missing)}")
print(f"{len(quoted)} quoted results found in the report or the seed spread")
