#!/usr/bin/python3
"""The documents' quoted results come from the code: every 'mean ± std' that
README.md or any docs/*.md beside it quotes (three decimals) must appear in
results/REPORT.md, or be a seed-spread row of results/seed-spread.csv
(make seeds) as its table prints it.

  check_readme.py README.md RESULTS_DIR

Checks README.md and every .md file in the docs/ folder beside it. Prints how
many it checked per file and in all; exits 1 naming each file and the numbers
in it found nowhere."""
import csv
import glob
import os
import re
import sys

readme, results = sys.argv[1], sys.argv[2]
PM = re.compile(r"-?[0-9]+\.[0-9]{3} ± [0-9]+\.[0-9]{3}")
docs = sorted(glob.glob(os.path.join(os.path.dirname(readme), "docs", "*.md")))

known = set(PM.findall(open(os.path.join(results, "REPORT.md"), encoding="utf-8").read()))
spread = os.path.join(results, "seed-spread.csv")
if os.path.exists(spread):
    with open(spread, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(l for l in f if not l.startswith("#")):
            known.add(f"{float(r['mean_over_seeds']):.3f} ± {float(r['std_over_seeds']):.3f}")

total, failures = 0, []
for path in [readme] + docs:
    quoted = set(PM.findall(open(path, encoding="utf-8").read()))
    missing = sorted(quoted - known)
    if missing:
        failures.append(f"{path}: quoted but printed by no result: {', '.join(missing)}")
    else:
        print(f"{path}: {len(quoted)} quoted results found in the report or the seed spread")
    total += len(quoted)
if failures:
    sys.exit("\n".join(failures))
print(f"{total} quoted results found in the report or the seed spread "
      f"({1 + len(docs)} files: {readme} and {len(docs)} in docs/)")
