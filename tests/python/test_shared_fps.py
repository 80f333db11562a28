"""One FPS trace per space serves every delta of a run (harness/driver/pairs.c,
subsets_of): a run sweeping several delta values must give, row for row, what
one run per delta gives (where each traces only down to its own delta), and
do less preparation work than those runs together."""
import csv
import io
import os
import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import roofline  # noqa: E402

CONFIG = """[experiment]
type = invert
name = {name}
data = {data}
anchors = 200
omega = 1, 4
delta = {deltas}
center = false, true
references = false
"""


def run(irp_bin, cwd, *args):
    r = subprocess.run([irp_bin, "run", "--no-plots", "--quiet", *args], cwd=str(cwd),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def rows(path):
    text = "".join(l for l in open(path, encoding="utf-8") if not l.startswith("#"))
    out = list(csv.DictReader(io.StringIO(text)))
    for r in out:
        r.pop("experiment")
    return out


@pytest.mark.parametrize("threads", ["1", "2"])
def test_a_delta_sweep_gives_what_one_run_per_delta_gives(tmp_path, irp_bin, tiny, threads):
    deltas = ["0.2", "0.5", "0.8"]
    (tmp_path / "all.ini").write_text(CONFIG.format(name="all", data=tiny,
                                                    deltas=", ".join(deltas)))
    run(irp_bin, tmp_path, "--threads", threads, "--results", "res", "--account", "all.acct",
        "all.ini")
    together = rows(tmp_path / "res" / "all.csv")
    prepare_alone = 0.0
    for i, d in enumerate(deltas):
        (tmp_path / f"d{i}.ini").write_text(CONFIG.format(name=f"d{i}", data=tiny, deltas=d))
        run(irp_bin, tmp_path, "--threads", threads, "--results", "res", "--account",
            f"d{i}.acct", f"d{i}.ini")
        alone = rows(tmp_path / "res" / f"d{i}.csv")
        mine = [r for r in together if r["delta"] == d]
        assert len(mine) == len(alone) > 0
        assert mine == alone, f"delta {d}: the sweep's rows differ from its own run's"
        prepare_alone += roofline.read_account(str(tmp_path / f"d{i}.acct"))["prepare"]["flops"]
    # the sweep is not trivially equal: the deltas keep different numbers of anchors
    sizes = {r["delta"]: r["value"] for r in together
             if r["metric"] == "subset_size" and r["encoder"] == r["decoder"] == "narrow"
             and r["omega"] == "1" and r["center"] == "false"}
    assert len(set(sizes[d] for d in deltas)) == len(deltas), sizes
    # and FPS ran once per space and anchor set, not once per delta: the sweep's
    # preparation did less than the three runs' (the rest of it is the same work)
    prepare_together = roofline.read_account(str(tmp_path / "all.acct"))["prepare"]["flops"]
    assert prepare_together < prepare_alone
