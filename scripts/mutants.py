#!/usr/bin/python3
"""make mutants-hand: the hand-written mutation run over tests/mutants.tsv (file, original text,
mutated text, suite, description; tab-separated). Each mutant is applied (the
original text must occur exactly once), built, tested and reverted; it is
killed when the build or the suite fails. Suites: 'core' = the core unit tests,
the independent reference and the dump tests; 'all' = every normal-build test
but valgrind. Prints a line per mutant and the kill rate; writes
results/mutants.txt. Slow (about a minute per harness mutant): not part of
make test.
  /usr/bin/python3 scripts/mutants.py [--only SUBSTRING]
"""
import glob
import os
import subprocess
import sys
import time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
ids = ({int(x) for x in sys.argv[sys.argv.index("--ids") + 1].split(",")}
       if "--ids" in sys.argv else None)
tests = sorted(t[:-2].replace("tests/", "build/tests/") for t in glob.glob("tests/test_*.c"))
suites = {
    "core": [t for t in tests if "test_core_" in t or t.endswith(("test_reference", "test_dump"))],
    "all": [t for t in tests if not t.endswith("test_valgrind")],
}
env = dict(os.environ, IRP_TEST_DATA=os.environ.get("IRP_TEST_DATA", "build/testdata"))


def sh(args, **kw):
    return subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


rows = [l.rstrip("\n").split("\t") for l in open("tests/mutants.tsv", encoding="utf-8")
        if l.strip() and not l.startswith("#")]
killed, survivors, lines = 0, [], []
# with --ids, the other mutants keep their verdicts from the last full run
previous = {}
if ids and os.path.exists("results/mutants.txt"):
    for l in open("results/mutants.txt", encoding="utf-8"):
        if l[:2].strip().isdigit() and l[3:].startswith(("killed", "SURVIVED")):
            previous[int(l[:2])] = l.rstrip("\n")
t0 = time.time()
for i, (path, orig, mut, suite, what) in enumerate(rows, 1):
    if (only and only not in path + what) or (ids and i not in ids):
        continue
    text = open(path, encoding="utf-8").read()
    if text.count(orig) != 1:
        sys.exit(f"mutants: {path}: mutant {i} ({what}): the original text occurs "
                 f"{text.count(orig)} times, expected once")
    try:
        open(path, "w", encoding="utf-8").write(text.replace(orig, mut))
        build = sh(["make", "-s", "-j2", "all"] + suites[suite])
        if build.returncode != 0:
            verdict = "killed (build)"
        else:
            run = sh(["tests/run.sh"] + suites[suite])
            verdict = "killed" if run.returncode != 0 else "SURVIVED"
    finally:
        open(path, "w", encoding="utf-8").write(text)
    line = f"{i:2d} {verdict:15s} {path}: {what}"
    lines.append(line)
    print(line, flush=True)
sh(["make", "-s", "-j2", "all"] + suites["all"])  # the build as it is again
for k, l in previous.items():
    if k not in ids:
        lines.append(l)
lines.sort(key=lambda l: int(l[:2]))
killed = sum(" killed" in l[:20] for l in lines)
survivors = [l for l in lines if "SURVIVED" in l]
n = len(lines)
summary = (f"{killed} of {n} mutants killed ({100.0 * killed / max(n, 1):.0f}%); this "
           f"invocation ran {len(lines) - len([k for k in previous if not ids or k not in ids])} "
           f"of them in {time.time() - t0:.0f} s")
print(summary)
with open("results/mutants.txt.tmp", "w", encoding="utf-8") as fh:
    fh.write("\n".join(lines + [summary]) + "\n")
os.replace("results/mutants.txt.tmp", "results/mutants.txt")
sys.exit(0 if not survivors else 1)
