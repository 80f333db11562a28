#!/usr/bin/python3
"""make bench, paper scale: a generated dump the size of the paper's grids
(bench/make_paper_scale.py: 5 spaces of d = 384..1280, 50,000 training and
10,000 test rows; cached in data/cache/bench/), the omega x delta inversion grid
at k = 1280 and stitching at k = 1280 and 2048 on it. Prints and writes
(results/bench-paper.csv; --quick: build/): wall time, peak memory over the embeddings read, the
apply kernel's GFLOP/s against the dgemm/sgemm peaks measured in the same run,
the time per ordered pair as encoders are added, and the MPI build's strong
scaling (1 and 2 ranks, one thread each, same run).

  /usr/bin/python3 bench/paper_scale.py            # ~15 min on 2 cores
  /usr/bin/python3 bench/paper_scale.py --quick    # 5,000 train / 1,000 test rows
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import h5py  # noqa: E402

from bench import timed  # noqa: E402
import make_paper_scale  # noqa: E402
import roofline  # noqa: E402

GRID = """[experiment]
type = invert
name = paper-grid
data = {data}
anchors = 1280
omega = 1, 8, 16
delta = 0, 0.5, 0.65, 0.8
references = false
"""
STITCH = """[experiment]
type = stitch
name = paper-stitch
data = {data}
anchors = 1280, 2048
omega = 8
delta = 0.65
references = false
"""
PAIRS = """[experiment]
type = invert
name = paper-pairs-{e}
data = {data}
spaces = {spaces}
anchors = 1280
omega = 8
delta = 0.65
references = false
intra = false
"""


def ensure_dump(path, quick):
    want = make_paper_scale.VERSION
    if os.path.exists(path):
        with h5py.File(path, "r") as f:
            if f.attrs.get("generator_version") == want:
                return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    args = ["--out", path] + (["--train", "5000", "--test", "1000"] if quick else [])
    print(f"bench: generating {path} ...", file=sys.stderr, flush=True)
    # in a process of its own: a child forked from this one after it held the generated
    # arrays reports their size as its peak memory (ru_maxrss survives exec), which once
    # read 2.72x instead of 1.96x the embeddings
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench/make_paper_scale.py")] + args,
                   check=True)


def table(path, method, metric):
    with open(path) as fh:
        return [r for r in csv.DictReader(l for l in fh if not l.startswith("#"))
                if r["method"] == method and r["metric"] == metric]


def mean(rows):
    return sum(float(r["value"]) for r in rows) / max(len(rows), 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    data = os.path.join(ROOT, "data/cache/bench",
                        "paper-scale-quick.h5" if args.quick else "paper-scale.h5")
    ensure_dump(data, args.quick)
    with h5py.File(data, "r") as f:
        read = sum(f["spaces"][s][p].size * 4 for s in f["spaces"] for p in ("train", "test"))
        test_bytes = sum(f["spaces"][s]["test"].size * 4 for s in f["spaces"])
        names = list(f["spaces"])
        n_train, n_test = len(f["samples/train/ids"]), len(f["samples/test/ids"])
    print(f"bench: {data}: {len(names)} spaces, {n_train} train / {n_test} test rows, "
          f"{read / 2**20:.0f} MiB of float32 embeddings", file=sys.stderr)
    rows = []

    def put(metric, value, unit, show=None):
        rows.append((metric, value, unit))
        print(show or f"  {metric}: {value:.4g} {unit}")

    _, _, kout = timed([os.path.join(ROOT, "build/bench-kernels"), "--peaks"])
    k = {(r["name"], float(r["param"])): float(r["value"])
         for r in csv.DictReader(kout.decode().splitlines())}
    print("kernels (same run):")
    put("dgemm_peak_gflops", k[("dgemm", 2048)], "GFLOP/s")
    put("sgemm_peak_gflops", k[("sgemm", 2048)], "GFLOP/s")
    for d in (384, 768, 1280):
        dg, sg = k[("apply_dgemm_10000xd_dxd", d)], k[("apply_sgemm_10000xd_dxd", d)]
        put(f"apply_dgemm_d{d}_gflops", dg, "GFLOP/s",
            f"  apply 10000 x {d} . {d} x {d}: double {dg:.1f} GFLOP/s "
            f"({dg / k[('dgemm', 2048)]:.0%} of dgemm peak), single {sg:.1f} "
            f"({sg / k[('sgemm', 2048)]:.0%} of sgemm peak)")
        rows.append((f"apply_sgemm_d{d}_gflops", sg, "GFLOP/s"))
    work = tempfile.mkdtemp(prefix="irp-bench-paper-")
    cfg = {}
    for name, text in (("grid", GRID), ("stitch", STITCH)):
        cfg[name] = os.path.join(work, f"{name}.ini")
        with open(cfg[name], "w") as fh:
            fh.write(text.format(data=data))
    irp = os.path.join(ROOT, "build/irp")
    res = os.path.join(work, "r2t")
    print("bench: the grid and stitching, plain build, 2 threads ...", file=sys.stderr,
          flush=True)
    acct_path = os.path.join(work, "account.csv")
    wall, rss, _ = timed([irp, "run", "--force", "--no-plots", "--quiet", "--threads", "2",
                          "--results", res, "--account", acct_path, cfg["grid"], cfg["stitch"]])
    roof, rsum = roofline.account(roofline.read_account(acct_path), k[("dgemm_1thread", 2048)],
                                  k[("copy_1thread", 256)])
    print("paper-scale grid (omega {1,8,16} x delta {0,0.5,0.65,0.8}, k = 1280, 25 pairs) + "
          "stitching (k = 1280, 2048; 20 pairs):")
    put("paper_wall_seconds", wall, "s")
    put("paper_peak_rss_over_embeddings_read", rss / read, "x",
        f"  peak memory {rss / 2**20:.0f} MiB = {rss / read:.2f}x the {read / 2**20:.0f} MiB "
        f"of embeddings read ({rss / test_bytes:.2f}x the test split kept in memory)")
    g = os.path.join(res, "paper-grid.csv")
    intra = [r for r in table(g, "irp", "mean_cosine") if r["encoder"] == r["decoder"]
             and r["omega"] == "1" and r["delta"] == "0"]
    inter = [r for r in table(g, "irp", "mean_cosine") if r["encoder"] != r["decoder"]
             and r["omega"] == "16" and r["delta"] == "0.65"]
    put("check_intra_cosine", mean(intra), "",
        f"  check: intra-space cosine (omega 1, delta 0) {mean(intra):.4f} (expected ~1), "
        f"inter-space (omega 16, delta 0.65) {mean(inter):.3f}")
    s = os.path.join(res, "paper-stitch.csv")
    for kk in ("1280", "2048"):
        z = [r for r in table(s, "irp", "accuracy") if r["anchors"] == kk]
        ns = [r for r in table(s, "non-stitch", "accuracy") if r["anchors"] == kk]
        put(f"check_stitch_k{kk}", mean(z), "",
            f"  check: stitching k = {kk}: zero-shot {mean(z):.3f}, non-stitch {mean(ns):.3f}")
    print("\n".join(roofline.table(roof, rsum, k[("dgemm_1thread", 2048)],
                                   k[("copy_1thread", 256)])))
    rows.append(("paper_roofline_bound_wall_seconds", rsum["bound_wall_s"], "s"))
    put("paper_wall_over_roofline_bound", wall / rsum["bound_wall_s"], "x",
        f"  whole process {wall:.1f} s = {wall / rsum['bound_wall_s']:.2f}x the roofline bound")
    for r in roof:
        rows.append((f"paper_roofline_{r['stage']}_measured_seconds", r["measured_s"], "s"))
        rows.append((f"paper_roofline_{r['stage']}_bound_seconds", r["bound_s"], "s"))
    # the same two configs with the apply stage in float32 (precision = float32)
    res32 = os.path.join(work, "r2t32")
    for name in ("grid", "stitch"):
        with open(cfg[name], "a") as fh:
            fh.write("precision = float32\n")
    print("bench: the same in float32 ...", file=sys.stderr, flush=True)
    wall32, _, _ = timed([irp, "run", "--force", "--no-plots", "--quiet", "--threads", "2",
                          "--results", res32, cfg["grid"], cfg["stitch"]])
    for name in ("grid", "stitch"):  # back to float64 for everything below
        with open(cfg[name], "w") as fh:
            fh.write((GRID if name == "grid" else STITCH).format(data=data))
    worst = {}
    for t in ("paper-grid.csv", "paper-stitch.csv"):
        for metric in ("mean_cosine", "accuracy"):
            a = {tuple(r[c] for c in r if c != "value"): float(r["value"])
                 for r in table(os.path.join(res, t), "irp", metric)}
            b = {tuple(r[c] for c in r if c != "value"): float(r["value"])
                 for r in table(os.path.join(res32, t), "irp", metric)}
            if a.keys() != b.keys():
                sys.exit(f"bench: float32 {t} has other rows than float64")
            worst[metric] = max([worst.get(metric, 0.0)] + [abs(a[x] - b[x]) for x in a])
    put("paper_float32_wall_seconds", wall32, "s",
        f"  float32 apply: {wall32:.1f} s = {wall / wall32:.2f}x float64; IRP mean cosines "
        f"within {worst['mean_cosine']:.1g}, accuracies within {worst['accuracy']:.1g} of "
        "float64")
    rows.append(("paper_float32_speedup", wall / wall32, "x"))
    rows.append(("paper_float32_max_cosine_diff", worst["mean_cosine"], ""))
    rows.append(("paper_float32_max_accuracy_diff", worst["accuracy"], ""))
    print("time per ordered pair as encoders are added (omega 8, delta 0.65, k = 1280, "
          "1 thread; whole run incl. loading, / pairs):")
    for e in range(2, len(names) + 1):
        p = os.path.join(work, f"pairs{e}.ini")
        with open(p, "w") as fh:
            fh.write(PAIRS.format(e=e, data=data, spaces=", ".join(names[:e])))
        w, _, _ = timed([irp, "run", "--force", "--no-plots", "--quiet", "--threads", "1",
                         "--results", res, p])
        put(f"seconds_per_pair_{e}_encoders", w / (e * (e - 1)), "s",
            f"  {e} encoders, {e * (e - 1)} pairs: {w:.1f} s, {w / (e * (e - 1)):.2f} s per pair")
    mpi, mpirun = os.path.join(ROOT, "build/irp-mpi"), shutil.which("mpirun")
    if os.path.exists(mpi) and mpirun:
        print("MPI build, strong scaling on the same grid + stitching (one thread per rank):")
        walls = {}
        for n in (1, 2):
            r = os.path.join(work, f"mpi{n}")
            walls[n], rss_n, _ = timed([mpirun, "--allow-run-as-root", "--oversubscribe", "-np",
                                        str(n), mpi, "run", "--force", "--no-plots", "--quiet",
                                        "--threads", "1", "--results", r, cfg["grid"],
                                        cfg["stitch"]])
            put(f"mpi_{n}_ranks_seconds", walls[n], "s")
            for t in ("paper-grid.csv", "paper-stitch.csv"):  # the rows (the version
                # line names each binary's build; tests/test_mpi.c compares whole files)
                rows_of = [[l for l in open(os.path.join(d, t)) if not l.startswith("#")]
                           for d in (r, res)]
                if rows_of[0] != rows_of[1]:
                    sys.exit(f"bench: {t} from {n} MPI ranks differs from the plain build's")
        put("mpi_speedup_2_over_1", walls[1] / walls[2], "x",
            f"  2 ranks / 1 rank: {walls[1] / walls[2]:.2f}x (tables identical to the plain "
            "build's)")
    else:
        print("MPI build: not built (make mpi), scaling not measured")
    out = os.path.join(ROOT, "build/bench-paper-quick.csv" if args.quick  # a check, not a figure
                       else "results/bench-paper.csv")
    with open(out + ".tmp", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["metric", "value", "unit"])
        for r in rows:
            w.writerow([r[0], f"{r[1]:.6g}", r[2]])
    os.replace(out + ".tmp", out)
    shutil.rmtree(work, ignore_errors=True)
    print(f"bench: wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
