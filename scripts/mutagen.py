#!/usr/bin/python3
"""Mutants by rule: every source file of core/, harness/ and python/irp/ is
scanned for the places where standard mutation operators apply, a sample is
drawn with a fixed seed (spread over every file and, within a file, over the
operators), and each mutant is applied, built, tested and reverted -- in
scratch copies of the checkout (--workdir), never in the checkout itself. A
mutant is killed when a test fails (or times out); one that does not compile
is 'stillborn' and left out of the score. Survivors listed in
tests/mutants-equivalent.tsv (file, original line, mutated line, reason) are
reported as equivalent, with the reason, and left out of the score too.

Operators (C and Python): rel (< <= > >= == != swapped with their neighbour),
logic (&& || / and or swapped), arith (binary + - * / swapped), const (an
integer literal +1 or -1), negate (an if condition negated), delete (an
expression statement removed), swap (the two arguments of a call swapped).

Suites: core/ mutants run the core unit tests, the independent reference and
the dump tests; harness/ mutants the harness's unit tests, the hostile-input
rows, the pipeline and the MPI runner; python/ mutants the pytest files of tests/python/. A mutant its
own suite misses is tried on the other areas' suites (reported 'late' when
they kill it; --no-late skips this). Tests run fastest first and stop at the
first failure; a C mutant that all of them miss meets the sanitizer build of
its area's unit tests last (as make test runs it: leaks, over-reads). Verdicts are written as they come (OUT.partial, kept after the
run; a checkout without it takes them from the report OUT), so a stopped run
goes on where it stopped with --resume, and a finished one runs only the mutants
of changed sources; --rejudge runs the survivors of
the earlier verdicts again (after tests were added), and the late kills. Slow: about 15 s per core
mutant, up to several minutes per harness survivor; not part of make test.
"""
import argparse
import concurrent.futures
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def options(argv=None):
    ap = argparse.ArgumentParser(
        prog="scripts/mutagen.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  scripts/mutagen.py --list --per-file 2 --only harness/\n"
               "  scripts/mutagen.py --jobs 2 --resume        (the committed sample)\n"
               "  scripts/mutagen.py --resume --rejudge        (survivors again, after new tests)")
    ap.add_argument("--seed", type=int, default=1, help="the sample's seed (default 1)")
    ap.add_argument("--per-file", type=int, default=None, metavar="N",
                    help="mutants per source file (default: 6 in core/, 2 in harness/, "
                         "10 in python/irp/)")
    ap.add_argument("--only", metavar="SUBSTRING", help="only files whose path contains it")
    ap.add_argument("--list", action="store_true", help="print the sample, run nothing")
    ap.add_argument("--out", default="results/mutants-rule.txt", metavar="FILE",
                    help="the report (default results/mutants-rule.txt); verdicts so far "
                         "go to FILE.partial")
    ap.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
                    help="per test binary or pytest file (default 600; a timeout kills)")
    ap.add_argument("--no-late", action="store_true",
                    help="score each mutant on its own area's suite only")
    ap.add_argument("--jobs", type=int, default=1, metavar="N",
                    help="mutants run at once, each in its own scratch copy (default 1)")
    ap.add_argument("--workdir", metavar="DIR",
                    help="where the scratch copies live (default: a directory under "
                         "$TMPDIR named after the checkout; kept, so a second run "
                         "rebuilds little)")
    ap.add_argument("--resume", action="store_true",
                    help="keep the verdicts in FILE.partial, run only the rest")
    ap.add_argument("--report", action="store_true",
                    help="write the report from the verdicts in FILE.partial and run nothing "
                         "(mutants not judged yet are counted as 'not run'); safe while a run "
                         "goes on")
    ap.add_argument("--rejudge", action="store_true",
                    help="with --resume: run the earlier survivors again, and the mutants "
                         "killed only by another area's suites")
    a = ap.parse_args(argv)
    if a.per_file is not None and a.per_file < 1:
        ap.error("--per-file must be at least 1")
    if a.jobs < 1 or a.timeout < 1:
        ap.error("--jobs and --timeout must be at least 1")
    if a.rejudge and not a.resume:
        ap.error("--rejudge goes with --resume")
    return a


ARGV = sys.argv[1:] if __name__ == "__main__" else []
A = options(ARGV)
DEFAULT_PER_FILE = {"core": 6, "harness": 2, "python": 10}

CORE_TESTS = ["test_core_error", "test_core_oom", "test_core_rng", "test_core_linalg", "test_core_anchors",
              "test_core_metrics", "test_core_reference", "test_core_translate",
              "test_reference", "test_dump"]
HARNESS_TESTS = ["test_config", "test_csvio", "test_agg", "test_pool", "test_dump",
                 "test_fuzz_replay", "test_hostile", "test_pipeline", "test_mpi",
                 "test_account.py", "test_shared_fps.py"]
PY_TESTS = ["test_read.py", "test_module.py", "test_walkthrough.py", "test_install.py",
            "test_emoji.py", "test_data_scripts.py"]


def sources(root=ROOT):
    files = []
    for top, exts in (("core", (".c",)), ("harness", (".c",)), ("python/irp", (".py",))):
        for d, _, names in sorted(os.walk(os.path.join(root, top))):
            # par_mpi.c is built only for irp-mpi (make test's test_mpi): left out
            files += [os.path.relpath(os.path.join(d, n), root) for n in sorted(names)
                      if n.endswith(exts) and n != "par_mpi.c"]
    return [f for f in files if not A.only or A.only in f]


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
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
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
    rng = random.Random(int(hashlib.sha256(f"{A.seed}:{path}".encode()).hexdigest()[:16], 16))
    rng.shuffle(cands)
    by_op = {}
    for c in cands:
        by_op.setdefault(c[1], []).append(c)
    ops = sorted(by_op)
    rng.shuffle(ops)
    picked = []
    per_file = A.per_file or DEFAULT_PER_FILE[area(path)]
    while len(picked) < per_file and any(by_op.values()):
        for op in ops:
            if by_op[op] and len(picked) < per_file:
                picked.append(by_op[op].pop())
    return sorted(picked)


def area(path):
    return "core" if path.startswith("core/") else \
        "harness" if path.startswith("harness/") else "python"


SUITES = {"core": CORE_TESTS, "harness": HARNESS_TESTS, "python": PY_TESTS}
BINS = ["build/irp", "build/libirp.so.0", "build/irp-mpi"] + ["build/tests/" + t for t in
                                              dict.fromkeys(CORE_TESTS + HARNESS_TESTS)
                                              if not t.endswith(".py")]
STOP = threading.Event()
RUNNING = set()  # the test processes running now, killed (their groups) on a stop


def tracked(root):
    """The checkout's files as git sees them (tracked, and untracked but not
    ignored), so uncommitted tests count; without git, every file."""
    r = subprocess.run(["git", "-C", root, "ls-files", "-z", "-co", "--exclude-standard"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if r.returncode == 0:
        return [f for f in r.stdout.decode().split("\0") if f]
    return [os.path.relpath(os.path.join(d, n), root) for d, _, ns in os.walk(root)
            for n in ns if "/build" not in d and "/.git" not in d]


class Worker:
    """One scratch copy of the checkout: mutants are applied, built and tested
    there, one at a time."""

    def __init__(self, path):
        self.path = path

    def sync(self, files):
        """Copy what differs from the checkout (by content; unchanged files keep
        their times, so make rebuilds only what changed). Returns a hash of
        what was copied: the copy's content."""
        h = hashlib.sha256()
        for f in sorted(files):
            src, dst = os.path.join(ROOT, f), os.path.join(self.path, f)
            if not os.path.isfile(src) or os.path.islink(src):
                continue
            with open(src, "rb") as fh:
                data = fh.read()
            h.update(f.encode() + b"\0" + data + b"\0")
            if os.path.exists(dst):
                with open(dst, "rb") as fh:
                    if fh.read() == data:
                        continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            os.utime(dst)
        return h.hexdigest()

    def run(self, cmd, timeout, extra=None):
        if STOP.is_set():
            raise KeyboardInterrupt
        # CMOCKA_TEST_ABORT: a test binary stops at its first failure (the verdict
        # needs no more), so a killed mutant costs less than a survivor
        env = dict(os.environ, IRP_TEST_DATA=os.path.join(self.path, "build/testdata"),
                   IRP_BIN=os.path.join(self.path, "build/irp"),
                   IRP_LIB=os.path.join(self.path, "build/libirp.so.0"), CMOCKA_TEST_ABORT="1")
        env.update(extra or {})
        try:
            with subprocess.Popen(cmd, cwd=self.path, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True) as p:
                RUNNING.add(p)
                try:
                    return p.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    return "timeout"
                finally:
                    RUNNING.discard(p)
                    if p.poll() is None:
                        os.killpg(p.pid, signal.SIGKILL)
                        p.wait()
        finally:
            if STOP.is_set():
                raise KeyboardInterrupt

    def prepare(self, files):
        """Copy, build, and run every suite once on the unmutated copy: a test
        that fails there (a copy has no .git, for one) would kill every
        mutant that reaches it. Remembered by the copy's content, so a resumed
        run on the same tree does not pay it again."""
        content = self.sync(files)
        rc = self.run(["make", "-s", "-j2", *BINS, "testdata"], 3600)
        if rc:
            sys.exit(f"mutagen: {self.path}: the unmutated checkout does not build "
                     f"(make exited {rc}); fix that first")
        stamp = os.path.join(self.path, "build", "mutagen-clean")
        if os.path.exists(stamp) and open(stamp).read() == content:
            return
        print(f"mutagen: {self.path}: every suite on the unmutated copy first", flush=True)
        failing = self.first_failure(CORE_TESTS + HARNESS_TESTS + PY_TESTS)
        if failing:
            sys.exit(f"mutagen: {self.path}: {failing} fails on the unmutated checkout; "
                     f"every mutant reaching it would count as killed, so nothing is run")
        open(stamp, "w").write(content)

    def first_failure(self, tests, build="build", extra=None):
        """The first of TESTS that fails (its name), or None; C tests from the
        build directory BUILD, with EXTRA in the environment."""
        for t in dict.fromkeys(tests):
            if t.endswith(".py"):
                cmd = ["/usr/bin/python3", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                       "tests/python/" + t]
            else:
                cmd = [f"{build}/tests/{t}"]
            rc = self.run(cmd, A.timeout, extra)
            if rc:
                return t + (" (timeout)" if rc == "timeout" else "")
        return None

    def asan(self, path):
        """The last tier, as make test's sanitizer build: the area's unit tests
        (and the hostile rows) built with AddressSanitizer and UBSan, for the
        leaks and over-reads the normal build cannot see."""
        tests = [t for t in SUITES[area(path)]
                 if t not in ("test_pipeline", "test_mpi") and not t.endswith(".py")]
        bins = ["build-asan/irp"] + ["build-asan/tests/" + t for t in tests]
        if self.run(["make", "-s", "-j2", "B=build-asan", "CFLAGS=$(ASAN_CFLAGS)", *bins],
                    A.timeout):
            return None  # the sanitizer build failing is not a verdict on the mutant
        return self.first_failure(tests, "build-asan",
                                  {"IRP_BIN": os.path.join(self.path, "build-asan/irp"),
                                   "ASAN_OPTIONS": "detect_leaks=1"})

    def verdict(self, path, n, old, new):
        """killed / SURVIVED / stillborn, and the test that killed it. A mutant
        the area's own suite misses is run against the other areas' suites:
        killed there, it is reported 'late' (a missing unit test, not a
        missing check)."""
        f = os.path.join(self.path, path)
        text = open(f, encoding="utf-8").read()
        src = text.split("\n")
        if src[n] != old:
            sys.exit(f"mutagen: {path}:{n + 1}: the scratch copy differs from the checkout")
        src[n] = new
        try:
            open(f, "w", encoding="utf-8").write("\n".join(src))
            if self.run(["make", "-s", "-j2", *BINS], A.timeout):
                return "stillborn", None
            tests = SUITES[area(path)]
            by = self.first_failure(tests)
            if by:
                return "killed", by
            if A.no_late or (path, old.strip(), new.strip()) in KNOWN:
                return "SURVIVED", None  # a listed equivalent: no need for the late tier
            rest = [t for t in HARNESS_TESTS + PY_TESTS if t not in tests]
            by = self.first_failure(rest)
            if by:
                return "killed", by + ", late"
            by = self.asan(path) if path.endswith(".c") else None
            return ("killed", by + " (ASan), late") if by else ("SURVIVED", None)
        finally:
            open(f, "w", encoding="utf-8").write(text)
            os.utime(f)  # the restored file must rebuild what the mutant built


def equivalents():
    known = {}
    p = os.path.join(ROOT, "tests/mutants-equivalent.tsv")
    if os.path.exists(p):
        for l in open(p, encoding="utf-8"):
            if l.strip() and not l.startswith("#"):
                f, original, mutated, why = l.rstrip("\n").split("\t")
                known[(f, original.strip(), mutated.strip())] = why
    return known


KNOWN = equivalents()


def key(p, n, old, new):
    return hashlib.sha256(f"{p}\0{n}\0{old}\0{new}".encode()).hexdigest()[:16]


def earlier(partial):
    """Verdicts of an earlier run: key -> (verdict, by)."""
    out = {}
    if os.path.exists(partial):
        for l in open(partial, encoding="utf-8"):
            f = l.rstrip("\n").split("\t")
            if len(f) == 4 and f[1] in ("killed", "SURVIVED", "stillborn"):
                out[f[0]] = (f[1], f[2] or None)
    return out


def mutant_text(p, n, op, old, new):
    """How the report names a mutant (after its number and verdict)."""
    return f"{p}:{n + 1} {op}: {old.strip()[:80]}  ->  {new.strip()[:80]}"


def from_report(plan, out):
    """Verdicts of the committed report (a fresh clone has no FILE.partial):
    key -> (verdict, by) for each mutant of PLAN that the report names with
    the same file, line, operator and text; 'equivalent' counts as SURVIVED
    (the list decides it again)."""
    said = {}
    if os.path.exists(out):
        for l in open(out, encoding="utf-8"):
            m = re.match(r"^\s*\d+ (killed|SURVIVED|stillborn|equivalent)\s+(.*)$", l.rstrip("\n"))
            if m:
                said[m.group(2)] = m.group(1)
    got = {}
    for p, (n, op, old, new) in plan:
        text = mutant_text(p, n, op, old, new)
        for line, v in said.items():
            if line == text or line.startswith(text + "  ["):
                by = re.match(r"\s*\[([^\]]*)\]", line[len(text):]) if v == "killed" else None
                got[key(p, n, old, new)] = ("SURVIVED" if v == "equivalent" else v,
                                            by.group(1) if by else None)
                break
    return got


def workdir():
    if A.workdir:
        return os.path.abspath(A.workdir)
    tag = hashlib.sha256(ROOT.encode()).hexdigest()[:8]
    return os.path.join(tempfile.gettempdir(), f"irp-mutagen-{os.getuid()}-{tag}")


def main():
    plan = [(p, c) for p in sources() for c in sample(p)]
    if A.report:
        partial = os.path.join(ROOT, A.out) + ".partial"
        if not os.path.exists(partial):
            sys.exit(f"mutagen: {partial}: no verdicts to report (run without --report first)")
        report(plan, earlier(partial), os.path.join(ROOT, A.out), None)
        return
    if A.list:
        for i, (p, (n, op, old, new)) in enumerate(plan, 1):
            print(f"{i:3} {p}:{n + 1} {op}: {old.strip()}  ->  {new.strip()}")
        print(f"{len(plan)} mutants from {len({p for p, _ in plan})} files (seed {A.seed})")
        return
    out = os.path.join(ROOT, A.out)
    partial = out + ".partial"
    before = earlier(partial) if A.resume else {}
    if A.resume and not os.path.exists(partial):
        before = from_report(plan, out)
        if before:
            print(f"mutagen: no {partial}: {len(before)} verdicts taken from {out}", flush=True)
    if A.rejudge:  # survivors, and kills by another area's suites (those may have changed)
        before = {k: v for k, v in before.items()
                  if v[0] != "SURVIVED" and not (v[1] or "").endswith(", late")}
    todo = [i for i, (p, (n, op, old, new)) in enumerate(plan)
            if key(p, n, old, new) not in before]
    print(f"mutagen: {len(plan)} mutants (seed {A.seed}), {len(plan) - len(todo)} judged "
          f"before, {len(todo)} to run in {A.jobs} scratch cop"
          f"{'y' if A.jobs == 1 else 'ies'} under {workdir()}", flush=True)
    files = tracked(ROOT)
    workers = [Worker(os.path.join(workdir(), f"w{j}")) for j in range(min(A.jobs, len(todo)))]
    with concurrent.futures.ThreadPoolExecutor(max(len(workers), 1)) as pool:
        for f in [pool.submit(w.prepare, files) for w in workers]:
            f.result()  # a copy that fails its clean run stops the whole run (SystemExit)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    keep = [l for l in open(partial, encoding="utf-8")] if A.resume and os.path.exists(partial) \
        else []
    keep = [l for l in keep if l.split("\t")[0] in before]
    log = open(partial, "w", encoding="utf-8")
    log.writelines(keep)
    log.flush()
    verdicts = dict(before)
    lock = threading.Lock()
    free = list(workers)
    t0 = time.time()

    def one(i):
        p, (n, op, old, new) = plan[i]
        with lock:
            w = free.pop()
        try:
            v, by = w.verdict(p, n, old, new)
        finally:
            with lock:
                free.append(w)
        k = key(p, n, old, new)
        with lock:
            verdicts[k] = (v, by)
            log.write(f"{k}\t{v}\t{by or ''}\t{p}:{n + 1} {op}: {new.strip()[:80]}\n")
            log.flush()
            print(f"{i + 1:3} {v:10} {p}:{n + 1} {op}: {old.strip()[:60]}  ->  "
                  f"{new.strip()[:60]}" + (f"  [{by}]" if by else "") +
                  f"   ({time.time() - t0:.0f}s)", flush=True)

    def stop(signum, frame):
        STOP.set()
    signal.signal(signal.SIGTERM, stop)
    try:
        with concurrent.futures.ThreadPoolExecutor(max(len(workers), 1)) as pool:
            futures = [pool.submit(one, i) for i in todo]
            try:
                while not all(f.done() for f in futures):
                    time.sleep(0.2)
                    if STOP.is_set():
                        raise KeyboardInterrupt
                    bad = next((f for f in futures if f.done() and not f.cancelled()
                                and f.exception()), None)
                    if bad:  # a bug here, not a verdict: stop now, not after every mutant
                        print(f"mutagen: {bad.exception()!r}", file=sys.stderr, flush=True)
                        raise KeyboardInterrupt
            except KeyboardInterrupt:
                STOP.set()
                for f in futures:
                    f.cancel()
                for p in list(RUNNING):
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                raise
            for f in futures:
                f.result()
    except KeyboardInterrupt:
        log.close()
        sys.exit(f"mutagen: stopped; {len(verdicts)} of {len(plan)} verdicts kept in "
                 f"{partial} (--resume goes on from there)")
    log.close()
    report(plan, verdicts, out, time.time() - t0)
    # the verdicts stay in FILE.partial (git-ignored): a later --resume runs only
    # the mutants of changed sources, --rejudge only the survivors and late kills


def report(plan, verdicts, out, seconds):
    known = KNOWN
    lines, results = [], []
    for i, (p, (n, op, old, new)) in enumerate(plan, 1):
        v, by = verdicts.get(key(p, n, old, new), ("not run", None))
        why = known.get((p, old.strip(), new.strip())) if v == "SURVIVED" else None
        if why:
            v = "equivalent"
        results.append((p, op, v))
        lines.append(f"{i:3} {v:10} " + mutant_text(p, n, op, old, new) + (f"  [{by}]" if by else "") +
                     (f"  [{why}]" if why else ""))

    def score(keyof):
        table = {}
        for p, op, v in results:
            s = table.setdefault(keyof(p, op), [0, 0, 0, 0, 0])
            s[["killed", "SURVIVED", "stillborn", "equivalent", "not run"].index(v)] += 1
        rows = []
        for k, (kl, sv, sb, eq, nr) in sorted(table.items()):
            scored = kl + sv
            rows.append((f"  {k:42} {kl:3} killed {sv:3} survived {sb:3} stillborn {eq:3} "
                         f"equivalent  score {100 * kl / scored:5.1f}%" if scored else
                         f"  {k:42} no scored mutant ({sb} stillborn, {eq} equivalent)") +
                        (f"  ({nr} not run)" if nr else ""))
        return rows

    kl = sum(v == "killed" for _, _, v in results)
    sv = sum(v == "SURVIVED" for _, _, v in results)
    nr = sum(v == "not run" for _, _, v in results)
    per_file = A.per_file or ", ".join(f"{v} per file in {k}" for k, v in DEFAULT_PER_FILE.items())
    summary = (f"{kl} of {kl + sv} scored mutants killed ({100 * kl / max(kl + sv, 1):.0f}%); "
               f"{sum(v == 'stillborn' for *_, v in results)} stillborn, "
               f"{sum(v == 'equivalent' for *_, v in results)} equivalent; seed {A.seed}, "
               f"{per_file}" + (f"; {seconds:.0f} s this run" if seconds is not None else "") +
               (f"; {nr} of {len(results)} not run yet (a partial report)" if nr else ""))
    report = ["# scripts/mutagen.py " + " ".join(ARGV), *lines, "", "per area:",
              *score(lambda p, op: area(p)), "", "per file:", *score(lambda p, op: p), "",
              "per operator:", *score(lambda p, op: op), "", summary]
    open(out + ".tmp", "w", encoding="utf-8").write("\n".join(report) + "\n")
    os.replace(out + ".tmp", out)
    print("\n".join(report[-(len(report) - len(lines) - 1):]))


if __name__ == "__main__":
    main()
