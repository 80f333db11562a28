#!/usr/bin/python3
"""make bench: the C runner against two NumPy peers on the same grid and data, kernel
throughput against OpenBLAS's own peak measured in the same run, peak memory, and scaling
curves. The peers and the peaks run the OpenBLAS kernel the runner pins (Haswell on a CPU
with AVX2); the runner is also timed once with the library's own choice (IRP_UNPINNED=1).
The dump is read once before anything is timed; the runner's time is the median of three
runs (the peers, minutes each, run once). Writes results/bench.csv, results/bench-scaling.csv,
plots/bench-scaling.{gp,png,pdf} and prints the figures with their ratios.

  /usr/bin/python3 bench/bench.py            # the full grid (several minutes: the NumPy peers)
  /usr/bin/python3 bench/bench.py --quick    # 2000 test rows, omega {1,8}, delta {0,0.65}
"""
import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import roofline  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data/dumps/fashion-mnist.h5")


def timed(cmd, **kw):
    """Run cmd; return (wall seconds, peak RSS bytes, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT, **kw)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed")
    return wall, ru.ru_maxrss * 1024, out


def warm(path):
    """Read a file once, so that no timed command pays for the disk (the peers, timed after
    the runner, always found the dump in the page cache)."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


C_RUNS = 3  # the runner takes seconds: the median of three; the peers take minutes, once each


def blas_core(path):
    """The OpenBLAS kernel a run used, from its table's provenance line."""
    with open(path) as fh:
        for line in fh:
            m = re.search(r"OpenBLAS \S+ core (\w+)", line)
            if m:
                return m.group(1)
            if not line.startswith("#"):
                break
    sys.exit(f"bench: {path}: no OpenBLAS core in the provenance")


def c_cosines(path):
    out = {}
    with open(path) as fh:
        for r in csv.DictReader(l for l in fh if not l.startswith("#")):
            if r["method"] == "irp" and r["metric"] == "mean_cosine":
                out[f"{r['omega']}|{float(r['delta']):g}|{r['encoder']}|{r['decoder']}"] = \
                    float(r["value"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    omega, delta, limit = ("1,8", "0,0.65", 2000) if args.quick else \
        ("1,2,4,8,16", "0,0.25,0.5,0.65,0.75,0.9", 0)
    work = tempfile.mkdtemp(prefix="irp-bench-")
    with open(os.path.join(ROOT, "bench/grid.ini")) as fh:
        grid = fh.read()
    if args.quick:
        grid = grid.replace("omega = 1, 2, 4, 8, 16", f"omega = {omega}") \
                   .replace("delta = 0, 0.25, 0.5, 0.65, 0.75, 0.9", f"delta = {delta}") + \
            f"test_limit = {limit}\n"
    cfg = os.path.join(work, "grid.ini")
    with open(cfg, "w") as fh:
        fh.write(grid.replace("data = data/", f"data = {ROOT}/data/"))
    with h5py.File(DATA, "r") as f:
        read_bytes = sum(f["spaces"][s][p].size * 4 for s in f["spaces"] for p in ("train", "test"))
        n_test = len(f["samples/test/ids"])
    print(f"bench: {DATA}: {read_bytes / 2**20:.0f} MiB of float32 embeddings; grid omega "
          f"{{{omega}}} x delta {{{delta}}}, {limit or n_test} test rows", file=sys.stderr)

    rows = []  # (metric, value, unit)
    res = os.path.join(work, "results")
    warm(DATA)
    c_runs = []
    for r in range(C_RUNS):
        acct_r = os.path.join(work, f"account{r}.csv")
        w, rss, _ = timed([os.path.join(ROOT, "build/irp"), "run", "--force", "--no-plots",
                           "--quiet", "--results", res, "--account", acct_r, cfg])
        c_runs.append((w, rss, acct_r))
    c_runs.sort()
    c_wall, _, acct_path = c_runs[len(c_runs) // 2]  # the median run, and its account
    c_rss = max(rss for _, rss, _ in c_runs)
    acct = roofline.read_account(acct_path)
    cos_c = c_cosines(os.path.join(res, "bench-grid.csv"))
    # The runner pins OpenBLAS's kernel (Haswell where the CPU has AVX2: the same bits on
    # every such machine); the peers and the peaks run that kernel too, so that the ratios
    # compare implementations, not BLAS kernels. What the pin costs here: the runner once
    # more with the library's own choice (IRP_UNPINNED=1; its last bits may differ).
    core = blas_core(os.path.join(res, "bench-grid.csv"))
    pinned = dict(os.environ, OPENBLAS_CORETYPE=core)
    resu = os.path.join(work, "results-unpinned")
    cu_wall, _, _ = timed([os.path.join(ROOT, "build/irp"), "run", "--force", "--no-plots",
                           "--quiet", "--results", resu, cfg],
                          env=dict(os.environ, IRP_UNPINNED="1"))
    core_u = blas_core(os.path.join(resu, "bench-grid.csv"))
    # the same grid with the apply stage in float32 (precision = float32): every mean
    # cosine must stay within 1e-6 of float64 (the bound), or the bench stops
    cfg32 = os.path.join(work, "grid32.ini")
    with open(cfg32, "w") as fh:
        fh.write(grid.replace("data = data/", f"data = {ROOT}/data/") + "precision = float32\n")
    res32 = os.path.join(work, "results32")
    c32_wall, c32_rss, _ = timed([os.path.join(ROOT, "build/irp"), "run", "--force",
                                  "--no-plots", "--quiet", "--results", res32, cfg32])
    cos_c32 = c_cosines(os.path.join(res32, "bench-grid.csv"))
    diff32 = max(abs(cos_c32[k] - cos_c[k]) for k in cos_c)
    if set(cos_c32) != set(cos_c) or diff32 > 1e-6:
        sys.exit(f"bench: float32 apply moved a mean cosine by {diff32:.3g} (bound 1e-6)")
    peers = {}
    for mode in ("closedform", "stepwise"):
        print(f"bench: NumPy {mode} peer ...", file=sys.stderr, flush=True)
        wall, rss, out = timed(["/usr/bin/python3", os.path.join(ROOT, "bench/peers.py"),
                                "--mode", mode, "--data", DATA, "--omega", omega,
                                "--delta", delta, "--test-limit", str(limit)], env=pinned)
        res_py = json.loads(out)
        diff = max(abs(res_py["cosines"][k] - cos_c[k]) for k in cos_c)
        if set(res_py["cosines"]) != set(cos_c) or diff > 1e-8:
            sys.exit(f"bench: NumPy {mode} disagrees with the C runner (max |diff| {diff:.3g})")
        peers[mode] = (wall, rss, res_py, diff)
    _, _, kout = timed([os.path.join(ROOT, "build/bench-kernels"), DATA])  # pins as irp does
    kern = list(csv.DictReader(io.StringIO(kout.decode())))

    cells = len(cos_c)
    rows += [("c_wall_seconds", c_wall, "s"), ("c_wall_seconds_fastest", c_runs[0][0], "s"),
             ("c_wall_seconds_slowest", c_runs[-1][0], "s"), ("c_runs", len(c_runs), "count"),
             ("c_peak_rss_bytes", c_rss, "B"),
             ("embeddings_read_bytes", read_bytes, "B"),
             ("c_peak_memory_over_embeddings", c_rss / read_bytes, "x"),
             ("pair_cells", cells, "count"), ("c_pair_cells_per_second", cells / c_wall, "1/s")]
    rows += [("c_unpinned_wall_seconds", cu_wall, "s"),
             ("c_unpinned_over_pinned_wall", cu_wall / c_wall, "x")]
    rows += [("c_float32_wall_seconds", c32_wall, "s"),
             ("c_float32_peak_rss_bytes", c32_rss, "B"),
             ("c_float32_max_abs_cosine_diff_vs_float64", diff32, ""),
             ("c_float32_speedup_over_float64", c_wall / c32_wall, "x")]
    for mode, (wall, rss, res_py, diff) in peers.items():
        rows += [(f"speedup_c_float32_vs_numpy_{mode}", wall / c32_wall, "x")]
    for mode, (wall, rss, res_py, diff) in peers.items():
        rows += [(f"numpy_{mode}_wall_seconds", wall, "s"),
                 (f"numpy_{mode}_peak_rss_bytes", rss, "B"),
                 (f"numpy_{mode}_max_abs_cosine_diff_vs_c", diff, ""),
                 (f"speedup_c_vs_numpy_{mode}", wall / c_wall, "x")]
    peak = {r["name"]: float(r["value"]) for r in kern if r["kind"] == "peak"}
    for r in kern:
        g = float(r["value"])
        if r["name"] == "apply_dgemm_10000xd_dxd":
            rows += [(f"apply_dgemm_d{r['param']}_gflops", g, "GFLOP/s"),
                     (f"apply_dgemm_d{r['param']}_fraction_of_dgemm_peak", g / peak["dgemm"], "")]
        elif r["name"] == "apply_factored_10000xu_ux256":
            rows += [(f"apply_factored_u{r['param']}_gflops", g, "GFLOP/s"),
                     (f"apply_factored_u{r['param']}_fraction_of_dgemm_peak",
                      g / peak["dgemm"], "")]
        elif r["name"] == "apply_dgemm_1thread_10000xd_dxd":
            rows += [("apply_dgemm_1thread_d256_gflops", g, "GFLOP/s"),
                     ("apply_dgemm_1thread_d256_fraction_of_1thread_peak",
                      g / peak["dgemm_1thread"], "")]
    roof, rsum = roofline.account(acct, peak["dgemm_1thread"], peak["copy_1thread"])
    rows += [("roofline_bound_wall_seconds", rsum["bound_wall_s"], "s"),
             ("c_wall_over_roofline_bound", c_wall / rsum["bound_wall_s"], "x"),
             ("copy_1thread_peak_gbs", peak["copy_1thread"], "GB/s")]
    rows += [("dgemm_peak_gflops", peak["dgemm"], "GFLOP/s"),
             ("dgemm_1thread_peak_gflops", peak["dgemm_1thread"], "GFLOP/s"),
             ("sgemm_peak_gflops", peak["sgemm"], "GFLOP/s")]

    os.makedirs(os.path.join(ROOT, "results"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "plots"), exist_ok=True)

    def write_atomic(path, header, data):
        tmp = path + ".tmp"
        with open(tmp, "w", newline="") as fh:
            fh.write(f"# make bench{' --quick' if args.quick else ''}, "
                     f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; OpenBLAS's {core} "
                     f"kernel for the runner, the NumPy peers and the peaks\n")
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(data)
        os.replace(tmp, path)

    write_atomic(os.path.join(ROOT, "results/bench.csv"), ["metric", "value", "unit"], rows)
    rcols = ["stage", "calls", "gflop", "gbyte", "flop_bound_s", "byte_bound_s", "bound_s",
             "measured_s", "clock", "ratio", "limit"]
    write_atomic(os.path.join(ROOT, "results/bench-roofline.csv"), rcols,
                 [[r[c] for c in rcols] for r in roof] +
                 [["whole_run", rsum["workers"], "", "", "", "", rsum["bound_wall_s"],
                   rsum["wall_s"], "wall", rsum["wall_over_bound"], ""]])
    with open(os.path.join(ROOT, "plots/bench-roofline.dat"), "w") as fh:
        fh.write("# stage bound_s measured_s (bench/bench.py)\n")
        for r in roof:
            fh.write(f"{r['stage']} {r['bound_s'] if r['bound_s'] > 0 else 'NaN'} "
                     f"{r['measured_s']}\n")
    rgp = os.path.join(ROOT, "plots/bench-roofline.gp")
    with open(rgp, "w") as fh:
        fh.write(roofline.gnuplot_script(
            "plots/bench-roofline.dat", "plots/bench-roofline.png", "plots/bench-roofline.pdf",
            f"IRP offline grid, {cells} cells: each stage against its roofline bound"))
    subprocess.run(["gnuplot", rgp], cwd=ROOT, check=True)
    scal = [(r["kind"], r["name"], r["param"], r["value"], r["unit"]) for r in kern
            if r["kind"].startswith("scaling")]
    write_atomic(os.path.join(ROOT, "results/bench-scaling.csv"),
                 ["kind", "name", "param", "value", "unit"], scal)
    dat = os.path.join(ROOT, "plots/bench-scaling.dat")
    with open(dat, "w") as fh:
        for kind, name in (("scaling_n", "all_pairs_seconds"),
                           ("scaling_k", "all_pairs_seconds_delta0.65"),
                           ("scaling_k", "all_pairs_seconds_delta0"),
                           ("scaling_encoders", "all_pairs_seconds")):
            fh.write(f"# {kind} {name}: param seconds\n")
            for r in scal:
                if r[0] == kind and r[1] == name:
                    fh.write(f"{r[2]} {r[3]}\n")
            fh.write("\n\n")
    gp = os.path.join(ROOT, "plots/bench-scaling.gp")
    with open(gp, "w") as fh:
        fh.write(f"""# generated by bench/bench.py; re-render with: gnuplot plots/bench-scaling.gp
do for [fmt in "png pdf"] {{
if (fmt eq "png") {{ set terminal pngcairo size 1300,420 font ",10"; set output "plots/bench-scaling.png" }} else {{ set terminal pdfcairo size 9in,3in font ",7"; set output "plots/bench-scaling.pdf" }}
reset
set multiplot layout 1,3 title "IRP, all ordered pairs of the encoders (omega 8, delta 0.65 unless noted): seconds"
set logscale xy; set grid; set key top left
set xlabel "rows translated (n)"; plot "plots/bench-scaling.dat" index 0 with linespoints title "5 encoders, k = 1280"
set xlabel "anchors (k)"; plot "" index 1 with linespoints title "delta 0.65, omega 8", "" index 2 with linespoints title "delta 0, omega 1"
unset logscale; set xlabel "encoders (beyond 5: rotated copies)"; plot "" index 3 with linespoints title "all ordered pairs, 10000 rows"
unset multiplot; set output
}}
""")
    subprocess.run(["gnuplot", gp], cwd=ROOT, check=True)

    v = dict((m, val) for m, val, _ in rows)
    print(f"\nbench ({'quick' if args.quick else 'full'} grid: {cells} (omega, delta, pair) cells,"
          f" {limit or n_test} test rows)")
    print(f"  C runner            {c_wall:8.1f} s   peak RSS {c_rss / 2**20:7.0f} MiB "
          f"({v['c_peak_memory_over_embeddings']:.2f}x the {read_bytes / 2**20:.0f} MiB read; "
          f"median of {len(c_runs)} runs, {c_runs[0][0]:.2f}-{c_runs[-1][0]:.2f} s)")
    print(f"  C, OpenBLAS's own kernel ({core_u}, IRP_UNPINNED=1) {cu_wall:.1f} s: the pin to "
          f"{core} costs {c_wall / cu_wall:.2f}x here; the peers and peaks below run {core}")
    print(f"  C, apply in float32 {c32_wall:8.1f} s   peak RSS {c32_rss / 2**20:7.0f} MiB "
          f"({c_wall / c32_wall:.2f}x float64; mean cosines within {diff32:.1g} of float64)")
    for mode in ("stepwise", "closedform"):
        wall, rss, _, diff = peers[mode]
        print(f"  NumPy {mode:<13} {wall:8.1f} s   peak RSS {rss / 2**20:7.0f} MiB   "
              f"C is {wall / c_wall:5.1f}x faster, {wall / c32_wall:5.1f}x in float32  "
              f"(float64 cosines equal to {diff:.1g})")
    for r in kern:
        d, g = r["param"], float(r["value"])
        if r["name"] == "apply_dgemm_10000xd_dxd":
            print(f"  apply dgemm 10000x{d} . {d}x{d}: {g:6.1f} GFLOP/s = "
                  f"{g / peak['dgemm'] * 100:4.0f}% of the dgemm peak {peak['dgemm']:.1f} "
                  f"GFLOP/s measured in this run")
        elif r["name"] == "apply_factored_10000xu_ux256":
            print(f"  factored apply 10000x{d} . {d}x256: {g:6.1f} GFLOP/s = "
                  f"{g / peak['dgemm'] * 100:4.0f}% of that peak (short inner dimension)")
        elif r["name"] == "apply_dgemm_1thread_10000xd_dxd":
            print(f"  one worker (1-thread BLAS), 10000x{d} . {d}x{d}: {g:6.1f} GFLOP/s = "
                  f"{g / peak['dgemm_1thread'] * 100:4.0f}% of the 1-thread dgemm peak "
                  f"{peak['dgemm_1thread']:.1f} GFLOP/s")
    print("\n".join(roofline.table(roof, rsum, peak["dgemm_1thread"], peak["copy_1thread"])))
    print(f"  targets: C {peers['closedform'][0] / c_wall:.1f}x the closed-form peer (>= 10), "
          f"{peers['stepwise'][0] / c_wall:.1f}x the step-by-step one (>= 30), "
          f"{c_wall / rsum['bound_wall_s']:.2f}x the roofline bound (<= 2)")
    print("  scaling: results/bench-scaling.csv, plots/bench-scaling.png; roofline: "
          "results/bench-roofline.csv, plots/bench-roofline.png")


if __name__ == "__main__":
    main()
