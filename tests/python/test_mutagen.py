"""scripts/mutagen.py, the generator behind make mutants: which mutants it
makes (never inside strings, comments or includes), that its sample is fixed by
the seed and spread over the operators, that scratch copies follow the
checkout, that a stopped run resumes from its verdicts, and how it scores."""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "mutagen.py")


@pytest.fixture(scope="module")
def mg():
    spec = importlib.util.spec_from_file_location("mutagen", SCRIPT)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def cands(mg, tmp_path, name, text):
    """The mutants of a file NAME holding TEXT, as (line number, operator, mutated line)."""
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return [(n + 1, op, new) for n, op, old, new in mg.candidates(str(p))]


C_SOURCE = """\
#include <stdio.h>
/* a < b in a comment */
static int f(int a, int b)
{
    int x = a + 1;
    printf("a < b && c\\n");  // x > y
    if (a < b && x)
        g(a, b);
    return x;
}
"""


def test_c_operators_and_what_is_left_alone(mg, tmp_path):
    got = cands(mg, tmp_path, "core/x.c", C_SOURCE)
    assert not {n for n, _, _ in got} & {1, 2, 3}, got  # include, comment, declaration
    assert [op for n, op, _ in got if n == 6] == ["delete"], got  # never inside the string
    ops = {(n, op) for n, op, _ in got}
    assert {(5, "arith"), (5, "const"), (7, "rel"), (7, "logic"), (7, "negate"),
            (8, "delete"), (8, "swap")} <= ops, ops
    assert (7, "rel", "    if (a <= b && x)") in got
    assert (7, "logic", "    if (a < b || x)") in got
    assert (7, "negate", "    if (!(a < b && x))") in got
    assert (5, "const", "    int x = a + 2;") in got and (5, "const", "    int x = a + 0;") in got
    assert (8, "delete", "        ;") in got and (8, "swap", "        g(b, a);") in got
    assert not any(n == 5 and op == "delete" for n, op, _ in got)  # a declaration stays


PY_SOURCE = '''\
def f(a, b):
    """a < b and c"""
    x = "a or b"  # c > d
    if a > 1 and b:
        y = g(a, b)
    return x
'''


def test_python_operators_and_what_is_left_alone(mg, tmp_path):
    got = cands(mg, tmp_path, "python/irp/x.py", PY_SOURCE)
    assert not {n for n, _, _ in got} & {2, 6}, got  # docstring, return
    assert [op for n, op, _ in got if n == 1] == ["swap"], got  # the parameters' order
    assert [op for n, op, _ in got if n == 3] == ["delete"], got  # never inside the string
    assert (4, "logic", "    if a > 1 or b:") in got
    assert (4, "rel", "    if a >= 1 and b:") in got
    assert (4, "negate", "    if not (a > 1 and b):") in got
    assert (5, "delete", "        pass") in got and (5, "swap", "        y = g(b, a)") in got


def test_sample_is_fixed_by_the_seed_and_spread_over_operators(mg, tmp_path, monkeypatch):
    src = "static int f(int a, int b)\n{\n" + "".join(
        f"    if (a < {i} && b > {i})\n        g(a, b);\n" for i in range(30)) + "}\n"
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "y.c").write_text(src)
    monkeypatch.setattr(mg, "ROOT", str(tmp_path))
    monkeypatch.setattr(mg.A, "per_file", 6)
    monkeypatch.setattr(mg.A, "seed", 1)
    one = mg.sample("core/y.c")
    assert one == mg.sample("core/y.c") and len(one) == 6
    assert len({op for _, op, _, _ in one}) == 6  # six operators apply: one of each
    monkeypatch.setattr(mg.A, "seed", 2)
    assert mg.sample("core/y.c") != one
    monkeypatch.setattr(mg.A, "per_file", None)  # the area's default: 6 in core/
    assert len(mg.sample("core/y.c")) == 6


def test_the_committed_sample(mg):
    """make mutants' sample: at least 150 mutants over every source file of the
    three areas, the same list on every call."""
    out = subprocess.run([sys.executable, SCRIPT, "--list"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == subprocess.run([sys.executable, SCRIPT, "--list"], capture_output=True,
                                 text=True, check=True).stdout.splitlines()
    n, files = (int(w) for w in out[-1].split()[0:4:3])
    assert n >= 150 and files == len(mg.sources()), out[-1]
    areas = {mg.area(l.split()[1].split(":")[0]) for l in out[:-1]}
    assert areas == {"core", "harness", "python"}


def test_scratch_copy_follows_the_checkout(mg, tmp_path, monkeypatch):
    src, dst = tmp_path / "src", tmp_path / "w0"
    (src / "core").mkdir(parents=True)
    (src / "core" / "a.c").write_text("int a;\n")
    (src / "core" / "b.c").write_text("int b;\n")
    monkeypatch.setattr(mg, "ROOT", str(src))
    w = mg.Worker(str(dst))
    first = w.sync(["core/a.c", "core/b.c", "core/gone.c"])  # a listed file that is not there
    assert first == w.sync(["core/b.c", "core/a.c"])  # the content, in any order
    assert (dst / "core" / "a.c").read_text() == "int a;\n"
    os.utime(dst / "core" / "b.c", (1000, 1000))
    (src / "core" / "a.c").write_text("int a = 1;\n")
    assert w.sync(["core/a.c", "core/b.c"]) != first
    assert (dst / "core" / "a.c").read_text() == "int a = 1;\n"
    assert os.stat(dst / "core" / "b.c").st_mtime == 1000  # unchanged: make keeps its objects


def test_resume_keeps_verdicts_and_rejudge_drops_survivors(mg, tmp_path):
    p = tmp_path / "out.txt.partial"
    k1, k2, k3 = mg.key("a.c", 1, "x", "y"), mg.key("a.c", 2, "x", "y"), mg.key("b.c", 1, "x", "y")
    p.write_text(f"{k1}\tkilled\ttest_a\ta.c:2 rel: y\n{k2}\tSURVIVED\t\ta.c:3 rel: y\n"
                 f"{k3}\tstillborn\t\tb.c:2 rel: y\nnot a verdict line\n{k1[:-1]}\tbogus\t\t\n")
    got = mg.earlier(str(p))
    assert got == {k1: ("killed", "test_a"), k2: ("SURVIVED", None), k3: ("stillborn", None)}
    assert len({k1, k2, k3, mg.key("a.c", 1, "x", "z")}) == 4  # the key sees the mutated text


def test_rejudge_reruns_survivors_and_late_kills_only(mg, tmp_path, monkeypatch):
    """--rejudge runs the survivors and the kills by another area's suites
    again, not a kill by a test whose name merely ends in 'late'."""
    src = tmp_path / "core" / "z.c"
    src.parent.mkdir()
    src.write_text("int f(int a)\n{\n    if (a < 1)\n        g(a, 2);\n    return a;\n}\n")
    monkeypatch.setattr(mg, "ROOT", str(tmp_path))
    monkeypatch.setattr(mg.A, "only", None)
    monkeypatch.setattr(mg.A, "per_file", 4)
    plan = [("core/z.c", c) for c in mg.sample("core/z.c")]
    said = [("killed", "test_core_translate"), ("SURVIVED", ""), ("killed", "test_read.py, late"),
            ("stillborn", "")]
    out = tmp_path / "r.txt"
    with open(str(out) + ".partial", "w") as f:
        for (p, (n, op, old, new)), (v, by) in zip(plan, said):
            f.write(f"{mg.key(p, n, old, new)}\t{v}\t{by}\t{p}:{n + 1} {op}: x\n")
    monkeypatch.setattr(mg.A, "out", str(out))
    monkeypatch.setattr(mg.A, "resume", True)
    monkeypatch.setattr(mg.A, "rejudge", True)
    monkeypatch.setattr(mg.A, "list", False)
    monkeypatch.setattr(mg, "sources", lambda root=None: ["core/z.c"])
    ran = []

    class Fake:
        def __init__(self, path):
            pass

        def prepare(self, files):
            pass

        def verdict(self, path, n, old, new):
            ran.append(n)
            return "killed", "test_x"
    monkeypatch.setattr(mg, "Worker", Fake)
    monkeypatch.setattr(mg, "tracked", lambda root: [])
    mg.main()
    assert sorted(ran) == sorted(plan[i][1][0] for i in (1, 2))
    # the verdicts stay for the next --resume or --rejudge: all four, the rerun ones as now
    kept = mg.earlier(str(out) + ".partial")
    assert len(kept) == 4
    assert [kept[mg.key(p, n, o, w)][0] for p, (n, op, o, w) in plan] == \
        ["killed", "killed", "killed", "stillborn"]
    assert "4 of 4 scored" not in out.read_text() and "3 of 3 scored mutants killed" in \
        out.read_text()


def test_report_scores_per_area_and_leaves_equivalents_out(mg, tmp_path, monkeypatch):
    plan = [("core/a.c", (0, "rel", "if (a < b)", "if (a <= b)")),
            ("core/a.c", (1, "delete", "f();", ";")),
            ("harness/h.c", (0, "const", "x = 1;", "x = 2;")),
            ("python/irp/p.py", (0, "delete", "y = 1", "pass"))]
    verdicts = {mg.key(p, n, o, m): v for (p, (n, _, o, m)), v in zip(plan, [
        ("killed", "test_core_x"), ("SURVIVED", None), ("SURVIVED", None), ("stillborn", None)])}
    monkeypatch.setattr(mg, "KNOWN", {("harness/h.c", "x = 1;", "x = 2;"): "why"})
    out = tmp_path / "r.txt"
    mg.report(plan, verdicts, str(out), 1.0)
    text = out.read_text()
    assert "  3 equivalent harness/h.c:1 const" in text and "[why]" in text
    assert "1 of 2 scored mutants killed (50%); 1 stillborn, 1 equivalent" in text
    core = next(l for l in text.splitlines() if l.strip().startswith("core ")
                and "score" in l)
    assert "1 killed   1 survived" in core and "score  50.0%" in core


@pytest.mark.parametrize("args,message", [
    (["--rejudge"], "--rejudge goes with --resume"),
    (["--per-file", "0"], "--per-file must be at least 1"),
    (["--jobs", "0"], "--jobs and --timeout must be at least 1"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_options_are_refused_before_anything_runs(args, message):
    r = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)
    assert r.returncode == 2 and message in r.stderr


def test_report_from_the_verdicts_so_far(mg, tmp_path, monkeypatch):
    """--report writes the report of a run still going (or stopped): mutants
    not judged yet are counted as not run, outside the score."""
    src = tmp_path / "harness" / "z.c"
    src.parent.mkdir()
    src.write_text("int f(int a)\n{\n    if (a < 1)\n        g(a, 2);\n    return a;\n}\n")
    monkeypatch.setattr(mg, "ROOT", str(tmp_path))
    monkeypatch.setattr(mg.A, "per_file", 3)
    monkeypatch.setattr(mg, "sources", lambda root=None: ["harness/z.c"])
    plan = [("harness/z.c", c) for c in mg.sample("harness/z.c")]
    out = tmp_path / "r.txt"
    (p, (n, op, old, new)) = plan[0]
    (tmp_path / "r.txt.partial").write_text(f"{mg.key(p, n, old, new)}\tkilled\ttest_x\tz\n")
    monkeypatch.setattr(mg.A, "out", str(out))
    monkeypatch.setattr(mg.A, "report", True)
    monkeypatch.setattr(mg.A, "list", False)
    mg.main()
    text = out.read_text()
    assert sum(l[4:].startswith("not run") for l in text.splitlines()) == 2
    assert "1 of 1 scored mutants killed (100%)" in text
    assert "2 of 3 not run yet (a partial report)" in text
    assert "score 100.0%  (2 not run)" in text


def test_worker_runs_with_its_copy_and_extra_environment(mg, tmp_path):
    """A worker's commands see its own copy's binaries, library and test data,
    and the sanitizer tier's IRP_BIN replaces the normal one (not a clash)."""
    w = mg.Worker(str(tmp_path))
    probe = [sys.executable, "-c", "import os, sys; sys.exit(0 if os.environ['IRP_BIN'] == "
             "sys.argv[1] and os.environ['IRP_TEST_DATA'] == sys.argv[2] and "
             "os.environ['CMOCKA_TEST_ABORT'] == '1' else 3)"]
    assert w.run(probe + [str(tmp_path / "build/irp"), str(tmp_path / "build/testdata")], 60) == 0
    assert w.run(probe + ["/x/asan-irp", str(tmp_path / "build/testdata")], 60,
                 {"IRP_BIN": "/x/asan-irp"}) == 0
    assert w.run([sys.executable, "-c", "import time; time.sleep(30)"], 1) == "timeout"


def test_a_fresh_clone_resumes_from_the_committed_report(mg, tmp_path, monkeypatch):
    """No FILE.partial (a fresh clone): --resume takes each verdict back from
    the report, matched by file, line, operator and text; 'equivalent' comes
    back as SURVIVED, a killer's name as it was, a mutant the report does not
    name (the source changed) is run."""
    src = tmp_path / "core" / "z.c"
    src.parent.mkdir()
    src.write_text("int f(int a)\n{\n    if (a < 1)\n        g(a, 2);\n    return a;\n}\n")
    monkeypatch.setattr(mg, "ROOT", str(tmp_path))
    monkeypatch.setattr(mg.A, "only", None)
    monkeypatch.setattr(mg.A, "per_file", 4)
    plan = [("core/z.c", c) for c in mg.sample("core/z.c")]
    assert len(plan) == 4
    p, (n, op, old, new) = plan[1]
    monkeypatch.setattr(mg, "KNOWN", {(p, old.strip(), new.strip()): "a reason"})
    said = [("killed", "test_core_translate"), ("SURVIVED", None), ("stillborn", None),
            ("killed", "test_read.py, late")]
    out = tmp_path / "r.txt"
    mg.report(plan, {mg.key(p, n, o, w): v for (p, (n, op, o, w)), v in zip(plan, said)},
              str(out), 1.0)
    assert " equivalent " in out.read_text()
    got = mg.from_report(plan, str(out))
    assert [got[mg.key(p, n, o, w)] for p, (n, op, o, w) in plan] == said
    src.write_text("int f(int a)\n{\n    if (a <= 1)\n        g(a, 2);\n    return a;\n}\n")
    changed = [("core/z.c", c) for c in mg.sample("core/z.c")]
    assert len(mg.from_report(changed, str(out))) < 4
    assert mg.from_report(plan, str(tmp_path / "none.txt")) == {}
