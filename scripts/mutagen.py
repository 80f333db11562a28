#!/usr/bin/python3
"""Mutants by rule: every source file of core/, harness/ and python/irp/ is
scanned for the places where standard mutation operators apply, a sample is
drawn with a fixed seed (spread over every file and, within a file, over the
operators), and each mutant is applied, built, tested and reverted. A mutant
is killed when a test fails (or times out); one that does not compile is
'stillborn' and left out of the score. Survivors listed in
tests/mutants-equivalent.tsv (file, original line, mutated line, reason) are reported as
equivalent, with the reason, and left out of the score too.

Operators (C and Python): rel (< <= > >= == != swapped with their neighbour),
logic (&& || / and or swapped), arith (binary + - * / swapped), const (an
integer literal +1 or -1), negate (an if condition negated), delete (an
expression statement removed), swap (the two arguments of a call swapped).

  scripts/mutagen.py [--seed S] [--per-file N] [--only SUBSTRING] [--list]
                     [--out FILE] [--timeout SECONDS] [--no-late]

--list prints the sample without running it; --no-late scores each mutant on
its own area's suite only (fast: the unit tests' own score). The suites: core/ mutants run
the core unit tests, the independent reference and the dump tests; harness/
mutants the harness's unit tests, the hostile-input rows and the pipeline;
python/ mutants the module's pytest files; a mutant its own suite misses is
tried on the others (reported 'late' when they kill it). Tests run fastest
first and stop at the first failure. Writes results/mutants-rule.txt (per mutant, then the score
per file and per operator, then the survivors). Slow: about 10 s per core
mutant, up to several minutes per harness survivor; not part of make test.
"""
import hashlib
import os
import random
import re
import subprocess
import sys
import time

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


SEED = int(arg("--seed", "1"))
PER_FILE = int(arg("--per-file", "4"))
ONLY = arg("--only", None)
OUT = arg("--out", "results/mutants-rule.txt")
TIMEOUT = int(arg("--timeout", "600"))
ENV = dict(os.environ, IRP_TEST_DATA=os.environ.get("IRP_TEST_DATA", "build/testdata"))

CORE_TESTS = ["test_core_error", "test_core_rng", "test_core_linalg", "test_core_anchors",
              "test_core_metrics", "test_core_reference", "test_core_translate",
              "test_reference", "test_dump"]
HARNESS_TESTS = ["test_config", "test_csvio", "test_agg", "test_dump", "test_fuzz_replay",
                 "test_hostile", "test_pipeline"]
PY_TESTS = ["test_read.py", "test_module.py"]


def sources():
    files = []
    for top, exts in (("core", (".c",)), ("harness", (".c",)), ("python/irp", (".py",))):
        for d, _, names in sorted(os.walk(top)):
            # par_mpi.c is built only for irp-mpi (make test's test_mpi): left out
            files += [os.path.join(d, n) for n in sorted(names) if n.endswith(exts)
                      and n != "par_mpi.c"]
    return [f for f in files if not ONLY or ONLY in f]


def masked(line, py):
    """The line with string and character literals (and a trailing comment)
    blanked out, same length, so operators inside them are never mutated."""
    out, q, i = list(line), None, 0
    while i < len(line):
        c = line[i]
        if q:
            if c == "\\":
                out[i] = " "
                if i + 1 < len(line):
                    out[i + 1] = " "
                i += 2
                continue
            if c == q:
                q = None
            else:
                out[i] = " "
        elif c in "\"'":
            q = c
        elif (py and c == "#") or (not py and line.startswith("//", i)):
            out[i:] = " " * (len(line) - i)
            break
        elif not py and line.startswith("/*", i):
            end = line.find("*/", i + 2)
            end = len(line) if end < 0 else end + 2
            out[i:end] = " " * (end - i)
            i = end
            continue
        i += 1
    return "".join(out)


REL = {"<=": "<", "<": "<=", ">=": ">", ">": ">=", "==": "!=", "!=": "=="}
C_SKIP = re.compile(r"^\s*(#|\*|/\*|//|$)")
PY_SKIP = re.compile(r"^\s*(#|$|\"\"\"|''')")
C_DECL = re.compile(r"^\s*(static\s+|const\s+|unsigned\s+|struct\s+|enum\s+)*"
                    r"(int|double|float|size_t|char|uint64_t|int64_t|int32_t|long|void|FILE|"
                    r"irp_\w+|csv_\w+|agg\w*|cell\w*|config|dump\w*|hid_t|herr_t|ssize_t|"
                    r"time_t|pid_t|bool|uint32_t|uint8_t|unsigned|[A-Za-z_]\w*_t)\b[\s*]+\w")
PY_STMT_SKIP = re.compile(r"^\s*(def|class|return|with|for|while|if|elif|else|try|except|"
                          r"finally|raise|import|from|@|pass|global|nonlocal|yield|assert)\b")


def candidates(path):
    py = path.endswith(".py")
    lines = open(path, encoding="utf-8").read().split("\n")
    in_doc = False
    out = []
    for n, line in enumerate(lines):
        if py:
            if line.count('"""') % 2 == 1:
                in_doc = not in_doc
                continue
            if in_doc or PY_SKIP.match(line):
                continue
        elif C_SKIP.match(line):
            continue
        m = masked(line, py)

        def add(op, col, old, new):
            mutated = line[:col] + new + line[col + len(old):]
            if mutated != line:
                out.append((n, op, line, mutated))

        # rel: standalone comparison operators (not << >> -> <= inside =<, etc.)
        for mm in re.finditer(r"(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])", m):
            tok = mm.group(1)
            if not py and tok in "<>" and re.search(r"#include|\w\s*<\s*\w+\s*>", m):
                continue
            add("rel", mm.start(1), tok, REL[tok])
        for mm in re.finditer(r"&&|\|\|" if not py else r"\b(and|or)\b", m):
            tok = mm.group(0)
            swap = {"&&": "||", "||": "&&", "and": "or", "or": "and"}[tok]
            add("logic", mm.start(0), tok, swap)
        for mm in re.finditer(r"(?<=[\w)\]]) ([-+*/]) (?=[\w(])", m):
            tok = mm.group(1)
            add("arith", mm.start(1), tok, {"+": "-", "-": "+", "*": "/", "/": "*"}[tok])
        for mm in re.finditer(r"(?<![\w.])(\d+)(?![\w.])", m):
            v = int(mm.group(1))
            add("const", mm.start(1), mm.group(1), str(v + 1))
            if v > 0:
                add("const", mm.start(1), mm.group(1), str(v - 1))
        ifm = re.match(r"^(\s*(?:} else )?if )(.*)$" if py else r"^(\s*(?:} else )?if \()(.*)$",
                       m)
        if ifm:
            start = len(ifm.group(1))
            if py and m.rstrip().endswith(":"):
                end = len(m.rstrip()) - 1
                add("negate", start, line[start:end], "not (" + line[start:end] + ")")
            elif not py:
                depth, end = 1, None
                for i in range(start, len(m)):
                    depth += (m[i] == "(") - (m[i] == ")")
                    if depth == 0:
                        end = i
                        break
                if end is not None:
                    add("negate", start, line[start:end], "!(" + line[start:end] + ")")
        stripped = m.strip()
        if py:
            if re.match(r"^[\w.\[\]]+\s*(=|\+=|-=|\()", stripped) and not PY_STMT_SKIP.match(m) \
                    and not stripped.endswith(("(", ",", "[", "{", "\\")) and \
                    m.count("(") == m.count(")"):
                indent = len(line) - len(line.lstrip())
                out.append((n, "delete", line, " " * indent + "pass"))
        elif stripped.endswith(";") and not C_DECL.match(m) and \
                re.match(r"^[\w.\->\[\]*()]+\s*(=|\+=|-=|\*=|/=|\+\+|--|\()", stripped) and \
                not re.match(r"^(return|break|continue|goto)\b", stripped) and \
                m.count("(") == m.count(")"):
            indent = len(line) - len(line.lstrip())
            out.append((n, "delete", line, " " * indent + ";"))
        for mm in re.finditer(r"\b(\w+)\(\s*([\w.>\-]+),\s*([\w.>\-]+)\s*\)", m):
            a, b = mm.group(2), mm.group(3)
            if a != b and mm.group(1) not in ("if", "while", "for", "switch", "sizeof", "return"):
                add("swap", mm.start(2), line[mm.start(2):mm.end(3)], b + ", " + a)
    return out


def sample(path):
    cands = candidates(path)
    rng = random.Random(int(hashlib.sha256(f"{SEED}:{path}".encode()).hexdigest()[:16], 16))
    rng.shuffle(cands)
    by_op = {}
    for c in cands:
        by_op.setdefault(c[1], []).append(c)
    ops = sorted(by_op)
    rng.shuffle(ops)
    picked = []
    while len(picked) < PER_FILE and any(by_op.values()):
        for op in ops:
            if by_op[op] and len(picked) < PER_FILE:
                picked.append(by_op[op].pop())
    return sorted(picked)


def suite(path):
    if path.startswith("core/"):
        return "core", CORE_TESTS
    if path.startswith("harness/"):
        return "harness", HARNESS_TESTS
    return "python", PY_TESTS


def run(cmd, timeout):
    try:
        r = subprocess.run(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return r.returncode
    except subprocess.TimeoutExpired:
        return "timeout"


def run_tests(tests):
    """The first test that fails (its name), or None."""
    for t in tests:
        if t.endswith(".py"):
            cmd = ["/usr/bin/python3", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                   "tests/python/" + t]
        else:
            cmd = ["build/tests/" + t]
        rc = run(cmd, TIMEOUT)
        if rc:
            return t + (" (timeout)" if rc == "timeout" else "")
    return None


def verdict(path):
    """killed / SURVIVED / stillborn, and the test that killed it. A mutant
    the area's own suite misses is run against the rest of make test's
    suites (the pipeline, the Python module): killed there, it is reported
    'late' (a missing unit test, not a missing check)."""
    name, tests = suite(path)
    bins = ["build/tests/" + t for t in CORE_TESTS + HARNESS_TESTS]
    if run(["make", "-s", "-j2", "build/irp", "build/libirp.so.0"] + bins, TIMEOUT):
        return "stillborn", None
    by = run_tests(tests)
    if by:
        return "killed", by
    if "--no-late" in sys.argv:
        return "SURVIVED", None
    rest = [t for t in HARNESS_TESTS + PY_TESTS if t not in tests]
    by = run_tests(rest)
    return ("killed", by + ", late") if by else ("SURVIVED", None)


def equivalents():
    known = {}
    if os.path.exists("tests/mutants-equivalent.tsv"):
        for l in open("tests/mutants-equivalent.tsv", encoding="utf-8"):
            if l.strip() and not l.startswith("#"):
                f, original, mutated, why = l.rstrip("\n").split("\t")
                known[(f, original.strip(), mutated.strip())] = why
    return known


def main():
    plan = [(p, c) for p in sources() for c in sample(p)]
    if "--list" in sys.argv:
        for i, (p, (n, op, old, new)) in enumerate(plan, 1):
            print(f"{i:3} {p}:{n + 1} {op}: {old.strip()}  ->  {new.strip()}")
        print(f"{len(plan)} mutants from {len({p for p, _ in plan})} files (seed {SEED})")
        return
    known = equivalents()
    lines, results = [], []
    t0 = time.time()
    os.makedirs(os.path.dirname(OUT) or ".", exist_ok=True)
    partial = open(OUT + ".partial", "w", encoding="utf-8")  # so far, if stopped
    for i, (p, (n, op, old, new)) in enumerate(plan, 1):
        text = open(p, encoding="utf-8").read()
        src = text.split("\n")
        assert src[n] == old, (p, n)
        src[n] = new
        try:
            open(p, "w", encoding="utf-8").write("\n".join(src))
            v, by = verdict(p)
        finally:
            open(p, "w", encoding="utf-8").write(text)
            os.utime(p)  # the restored file must rebuild what the mutant built
        why = known.get((p, old.strip(), new.strip())) if v == "SURVIVED" else None
        if why:
            v = "equivalent"
        results.append((p, op, v))
        line = (f"{i:3} {v:10} {p}:{n + 1} {op}: {old.strip()[:80]}  ->  {new.strip()[:80]}"
                + (f"  [{by}]" if by else "") + (f"  [{why}]" if why else ""))
        lines.append(line)
        partial.write(line + "\n")
        partial.flush()
        print(f"{line}   ({time.time() - t0:.0f}s)", flush=True)
    run(["make", "-s", "-j2", "all"], TIMEOUT)  # leave the build as the sources are

    def score(key):
        table = {}
        for p, op, v in results:
            k = p if key == "file" else op
            s = table.setdefault(k, [0, 0, 0, 0])  # killed, survived, stillborn, equivalent
            s[["killed", "SURVIVED", "stillborn", "equivalent"].index(v)] += 1
        rows = []
        for k, (kl, sv, sb, eq) in sorted(table.items()):
            scored = kl + sv
            rows.append(f"  {k:42} {kl:3} killed {sv:3} survived {sb:3} stillborn {eq:3} "
                        f"equivalent  score {100 * kl / scored:5.1f}%" if scored else
                        f"  {k:42} no scored mutant ({sb} stillborn, {eq} equivalent)")
        return rows

    kl = sum(v == "killed" for _, _, v in results)
    sv = sum(v == "SURVIVED" for _, _, v in results)
    summary = (f"{kl} of {kl + sv} scored mutants killed ({100 * kl / max(kl + sv, 1):.0f}%); "
               f"{sum(v == 'stillborn' for *_, v in results)} stillborn, "
               f"{sum(v == 'equivalent' for *_, v in results)} equivalent; seed {SEED}, "
               f"{PER_FILE} per file, {time.time() - t0:.0f} s")
    report = ["# scripts/mutagen.py " + " ".join(sys.argv[1:]), *lines, "", "per file:",
              *score("file"), "", "per operator:", *score("op"), "", summary]
    os.makedirs(os.path.dirname(OUT) or ".", exist_ok=True)
    open(OUT + ".tmp", "w", encoding="utf-8").write("\n".join(report) + "\n")
    os.replace(OUT + ".tmp", OUT)
    partial.close()
    os.remove(OUT + ".partial")
    print(summary)


if __name__ == "__main__":
    main()
