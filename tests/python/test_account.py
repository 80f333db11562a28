"""irp run --account (the stage account behind make bench's roofline) and
bench/roofline.py, which turns it into bounds."""
import math
import os
import subprocess
import sys

import h5py
import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import roofline  # noqa: E402

CONFIG = """[experiment]
type = invert
name = acct
data = {data}
anchors = 100
omega = 1
delta = 0
references = false
"""


def run(irp_bin, cwd, *args):
    return subprocess.run([irp_bin, "run", "--no-plots", "--quiet", *args], cwd=str(cwd),
                          capture_output=True, text=True)


@pytest.fixture
def cfg(tmp_path, tiny):
    p = tmp_path / "acct.ini"
    p.write_text(CONFIG.format(data=tiny))
    return p


def dims(tiny):
    with h5py.File(tiny, "r") as f:
        sp = f["spaces"]
        return ([sp[s]["train"].shape[1] for s in sp], sp[next(iter(sp))]["train"].shape[0],
                sp[next(iter(sp))]["test"].shape[0])


def test_account_counts_the_apply_and_the_load_exactly(tmp_path, cfg, irp_bin, tiny):
    r = run(irp_bin, tmp_path, "--results", "res", "--account", "acct.csv", str(cfg))
    assert r.returncode == 0, r.stderr
    a = roofline.read_account(str(tmp_path / "acct.csv"))
    ds, n_train, n = dims(tiny)
    # every ordered pair, X -> X too; delta 0: one dense translator each, applied block by
    # block with the cosine sums fused: 2 n dx dy, the rescale (3 n dy), three products
    # with the floor (6 n dy); bytes: input, map and truth read once
    flops = sum(2 * n * dx * dy + 9 * n * dy for dx in ds for dy in ds)
    by = sum(8 * (n * dy + dx * (n + dy)) for dx in ds for dy in ds)
    assert a["apply"]["flops"] == flops
    assert a["apply"]["bytes"] == by
    assert a["apply"]["calls"] == len(ds) ** 2  # one fused pass per pair (one cell)
    assert a["fit"]["calls"] == a["references"]["calls"] == len(ds) ** 2
    assert a["prepare"]["calls"] == len(ds)
    assert a["score"]["calls"] == len(ds) ** 2
    assert a["references"]["flops"] == 0  # references = false
    assert a["load"]["bytes"] == 4 * sum(ds) * (n_train + n)
    assert a["load"]["calls"] == 2  # the dumps, then the test rows
    for s in roofline.STAGES:
        assert a[s]["cpu"] >= 0 and a[s]["flops"] >= 0
    assert a["fit"]["flops"] > 0 and a["prepare"]["flops"] > 0
    assert a["total"]["calls"] >= 1 and a["total"]["wall"] > 0
    assert a["total"]["cpu"] >= a["unaccounted"]["cpu"] >= 0
    # the stages and the unaccounted rest make up the process's CPU
    rest = a["total"]["cpu"] - sum(a[s]["cpu"] for s in roofline.STAGES)
    assert a["unaccounted"]["cpu"] == pytest.approx(max(rest, 0), abs=1e-9)
    # the account changes no result
    r2 = run(irp_bin, tmp_path, "--results", "res2", str(cfg))
    assert r2.returncode == 0, r2.stderr
    t1 = [l for l in open(tmp_path / "res/acct.csv") if not l.startswith("#")]
    t2 = [l for l in open(tmp_path / "res2/acct.csv") if not l.startswith("#")]
    assert t1 == t2 and len(t1) > 1


def test_account_counts_every_cell_of_a_sweep(tmp_path, tiny, irp_bin):
    p = tmp_path / "sweep.ini"
    p.write_text(CONFIG.format(data=tiny).replace("omega = 1", "omega = 1, 2")
                 .replace("delta = 0", "delta = 0, 0.5")
                 .replace("references = false", "references = true") + "intra = false\n")
    r = run(irp_bin, tmp_path, "--results", "res", "--account", "a.csv", "--threads", "1",
            str(p))
    assert r.returncode == 0, r.stderr
    a = roofline.read_account(str(tmp_path / "a.csv"))
    ns = len(dims(tiny)[0])
    pairs = ns * (ns - 1)
    assert a["total"]["calls"] == 1  # one worker
    assert a["prepare"]["calls"] == 2 * ns  # per delta group, per space
    assert a["fit"]["calls"] == 2 * pairs
    assert a["score"]["calls"] == 4 * pairs  # every cell of every pair
    assert a["references"]["flops"] > 0  # Procrustes and affine fits: SVDs, products


@pytest.mark.parametrize("target, message", [
    ("adir", "adir"),                 # a directory
    ("missing/a.csv", "missing/a.csv"),  # a directory that is not there
])
def test_account_path_that_cannot_be_written_stops_before_any_work(tmp_path, cfg, irp_bin,
                                                                   target, message):
    (tmp_path / "adir").mkdir()
    r = run(irp_bin, tmp_path, "--results", "res", "--account", target, str(cfg))
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / "res" / "acct.csv").exists()
    assert not os.path.exists(tmp_path / "missing")


def test_account_never_written_over_a_config_or_a_dump(tmp_path, cfg, irp_bin, tiny):
    import shutil
    dump = tmp_path / "mine.h5"
    shutil.copy(tiny, dump)
    cfg.write_text(CONFIG.format(data=dump))
    before = (cfg.read_bytes(), dump.read_bytes())
    for target in (cfg, dump):
        r = run(irp_bin, tmp_path, "--results", "res", "--account", str(target), str(cfg))
        assert r.returncode != 0, r.stderr
        assert r.stderr.count("\n") == 1 and f"{target}: is the input" in r.stderr, r.stderr
    assert (cfg.read_bytes(), dump.read_bytes()) == before
    assert not (tmp_path / "res" / "acct.csv").exists()


def test_account_refused_with_redraw_empty_or_without_a_name(tmp_path, cfg, irp_bin):
    c = str(cfg)
    for argv, msg in ((["--redraw", "--account", "a.csv", c], "cannot go with --redraw"),
                      (["--account", "", c], "expected a file name"),
                      ([c, "--account"], "--account: cannot read"),  # a config's name
                      (["--account"], "--account needs a value")):
        r = subprocess.run([irp_bin, "run", *argv], cwd=str(tmp_path), capture_output=True,
                           text=True)
        assert r.returncode != 0 and msg in r.stderr, (argv, r.stderr)
    assert not (tmp_path / "a.csv").exists()


def test_a_failed_run_leaves_no_account(tmp_path, irp_bin):
    p = tmp_path / "bad.ini"
    p.write_text(CONFIG.format(data=str(tmp_path / "absent.h5")))
    r = run(irp_bin, tmp_path, "--results", "res", "--account", "a.csv", str(p))
    assert r.returncode != 0 and "absent.h5" in r.stderr
    assert not any(f.name.startswith("a.csv") for f in tmp_path.iterdir())


def write_account(path, rows):
    with open(path, "w") as fh:
        fh.write("# test\nstage,calls,cpu_seconds,wall_seconds,flops,bytes\n")
        for r in rows:
            fh.write(",".join(str(x) for x in r) + "\n")


GOOD = [("load", 1, 0.5, 0.4, 0, 2e9), ("prepare", 2, 1.0, "", 1e9, 1e9),
        ("references", 2, 0.1, "", 0, 0), ("fit", 2, 2.5, "", 4e10, 1e9),
        ("apply", 4, 5.0, "", 8e10, 4e9), ("score", 4, 0.2, "", 0, 2e9),
        ("unaccounted", "", 0.3, "", "", ""), ("total", 2, 10.0, 6.0, "", "")]


def test_roofline_bounds_each_stage_by_its_flops_or_its_bytes(tmp_path):
    p = tmp_path / "a.csv"
    write_account(p, GOOD)
    rows, s = roofline.account(roofline.read_account(str(p)), 20.0, 10.0)
    by = {r["stage"]: r for r in rows}
    assert by["load"]["bound_s"] == pytest.approx(0.2) and by["load"]["limit"] == "bytes"
    assert by["load"]["measured_s"] == 0.4 and by["load"]["clock"] == "wall"
    assert by["apply"]["bound_s"] == pytest.approx(4.0) and by["apply"]["limit"] == "flops"
    assert by["apply"]["measured_s"] == 5.0 and by["apply"]["ratio"] == pytest.approx(1.25)
    assert by["prepare"]["bound_s"] == pytest.approx(0.1)  # 1 GB at 10 GB/s beats 1 GFLOP
    assert by["score"]["limit"] == "bytes" and by["score"]["bound_s"] == pytest.approx(0.2)
    assert math.isinf(by["references"]["ratio"])
    # the load alone, then the rest shared by 2 workers: 0.2 + (0.1 + 2 + 4 + 0.2) / 2
    assert s["bound_wall_s"] == pytest.approx(0.2 + 6.3 / 2)
    assert s["wall_over_bound"] == pytest.approx(6.0 / 3.35)
    assert s["furthest"] == "prepare"  # 1.0 s against 0.1 s
    assert s["largest_gap"] == "apply" and s["largest_gap_s"] == pytest.approx(1.0)
    text = "\n".join(roofline.table(rows, s, 20.0, 10.0))
    assert "no counted work" in text and "1.79x the bound" in text


@pytest.mark.parametrize("edit, message", [
    (lambda rows: rows[:-1], "no row for total"),
    (lambda rows: rows + [("apply", 1, 1, "", 1, 1)], "repeated stage 'apply'"),
    (lambda rows: [("warp",) + r[1:] if r[0] == "fit" else r for r in rows], "'warp'"),
    (lambda rows: [r[:2] + (-1.0,) + r[3:] if r[0] == "fit" else r for r in rows],
     "fit cpu_seconds = '-1.0'"),
    (lambda rows: [r[:4] + ("nan",) + r[5:] if r[0] == "apply" else r for r in rows],
     "apply flops = 'nan'"),
    (lambda rows: [r[:4] + ("abc",) + r[5:] if r[0] == "fit" else r for r in rows],
     "fit flops = 'abc': expected a number"),
    (lambda rows: [r[:4] + ("",) + r[5:] if r[0] == "fit" else r for r in rows],
     "fit flops is empty"),
    (lambda rows: [r[:3] + ("",) + r[4:] if r[0] == "total" else r for r in rows],
     "total wall_seconds is empty"),
    (lambda rows: [("total", 0) + r[2:] if r[0] == "total" else r for r in rows],
     "expected at least 1"),
    (lambda rows: [r for r in rows if r[0] != "unaccounted"], "no row for unaccounted"),
])
def test_roofline_refuses_a_damaged_account(tmp_path, edit, message):
    p = tmp_path / "a.csv"
    write_account(p, edit(GOOD))
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        roofline.read_account(str(p))


def test_account_is_never_one_of_the_runs_tables(tmp_path, cfg, irp_bin):
    r = run(irp_bin, tmp_path, "--results", "res", str(cfg))
    assert r.returncode == 0, r.stderr
    table = (tmp_path / "res" / "acct.csv").read_bytes()
    (tmp_path / "rl").symlink_to("res")
    for target in ("res/acct.csv", "rl/acct.csv", str(tmp_path / "res" / "acct.csv")):
        r = run(irp_bin, tmp_path, "--results", "res", "--force", "--account", target, str(cfg))
        assert r.returncode != 0
        assert r.stderr.count("\n") == 1 and "is the table" in r.stderr, r.stderr
    assert (tmp_path / "res" / "acct.csv").read_bytes() == table
    assert not list((tmp_path / "res").glob("*.tmp"))


@pytest.mark.parametrize("text, message", [
    (b"stage,calls,cpu_seconds,wall_seconds,flops,bytes,flops\n", "a column appears twice"),
    (b"stage,calls,cpu_seconds,wall_seconds,flops,bytes\nload,1,0.5,\xff,0,1\n",
     "not an account table"),
    (b"stage,calls,cpu_seconds,wall_seconds,flops,bytes\nload,1,\"0.5,0,0,1\n",
     "not an account table"),
])
def test_roofline_refuses_tables_that_are_not_accounts(tmp_path, text, message):
    p = tmp_path / "a.csv"
    p.write_bytes(text)
    with pytest.raises(ValueError, match=message) as e:
        roofline.read_account(str(p))
    assert str(p) in str(e.value)


def test_roofline_refuses_zero_peaks_and_no_workers(tmp_path):
    p = tmp_path / "a.csv"
    write_account(p, GOOD)
    a = roofline.read_account(str(p))
    with pytest.raises(ValueError, match="peaks"):
        roofline.account(a, 0, 10)
    a["total"]["calls"] = 0
    with pytest.raises(ValueError, match="workers"):
        roofline.account(a, 20, 10)
