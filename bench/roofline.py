"""The roofline account of a run: `irp run --account FILE` gives, per stage, the CPU
seconds and the work the kernels did (core's model count of floating-point operations and
of the bytes they must move at least); the peaks measured in the same bench run turn that
work into the least time it could take. Used by bench/bench.py and bench/paper_scale.py;
tested by tests/python/test_roofline.py.

A stage's bound is max(flops / one worker's dgemm peak, bytes / one thread's copy
bandwidth): the runner's workers each run single-threaded BLAS, so their stages are
accounted in CPU seconds against one core's peaks. The load is serial (its wall time is
compared). The whole run's bound is the load's bound plus the other stages' bounds shared
by the workers.
"""
import csv
import math

STAGES = ("load", "prepare", "references", "fit", "apply", "score")
SERIAL = ("load",)


COLUMNS = {"calls": "calls", "cpu": "cpu_seconds", "wall": "wall_seconds", "flops": "flops",
           "bytes": "bytes"}
# which figures each row must carry (the others may be empty)
REQUIRED = {**{s: ("calls", "cpu", "flops", "bytes") for s in STAGES},
            "load": ("calls", "cpu", "wall", "flops", "bytes"),
            "unaccounted": ("cpu",), "total": ("calls", "cpu", "wall")}


def read_account(path):
    """{stage: {calls, cpu, wall, flops, bytes}} from an --account table, plus
    'unaccounted' and 'total' (whose calls are the workers). Anything else -- a
    missing or repeated row or column, a row not in the table's vocabulary, a figure
    that is not a number >= 0, an empty one where the row needs it, no workers, bytes
    that are not UTF-8 -- is a ValueError naming the file."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            lines = [l for l in fh if not l.startswith("#")]
        reader = csv.reader(lines, strict=True)
        header = next(reader, None)
        body = list(reader)
    except (UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"{path}: not an account table ({e.__class__.__name__}: "
                         f"{str(e)[:80]})") from None
    if not header or "stage" not in header:
        raise ValueError(f"{path}: no header with a 'stage' column")
    if len(set(header)) != len(header):
        raise ValueError(f"{path}: a column appears twice in the header")
    for col in COLUMNS.values():
        if col not in header:
            raise ValueError(f"{path}: no column {col!r}")
    out = {}
    for fields in body:
        if len(fields) != len(header):
            raise ValueError(f"{path}: a row has {len(fields)} fields, the header {len(header)}")
        r = dict(zip(header, fields))
        name = r["stage"]
        if name not in REQUIRED or name in out:
            raise ValueError(f"{path}: unexpected or repeated stage {name[:40]!r}")
        v = {}
        for key, col in COLUMNS.items():
            text = r[col].strip()
            if not text:
                if key in REQUIRED[name]:
                    raise ValueError(f"{path}: {name} {col} is empty; expected a number >= 0")
                v[key] = math.nan
                continue
            try:
                x = float(text)
            except ValueError:
                raise ValueError(f"{path}: {name} {col} = {text[:40]!r}: expected a number "
                                 ">= 0") from None
            if not (math.isfinite(x) and x >= 0):
                raise ValueError(f"{path}: {name} {col} = {text[:40]!r}: expected a number >= 0")
            v[key] = x
        out[name] = v
    missing = [s for s in REQUIRED if s not in out]
    if missing:
        raise ValueError(f"{path}: no row for {', '.join(missing)}")
    if out["total"]["calls"] < 1:
        raise ValueError(f"{path}: total calls (the workers) = {out['total']['calls']:g}; "
                         "expected at least 1")
    return out


def account(acct, gflops_peak, gbs_peak):
    """Rows (stage, calls, gflop, gbyte, flop_bound_s, byte_bound_s, bound_s, measured_s,
    clock, ratio, limit) and the whole run's summary dict."""
    if not (gflops_peak > 0 and gbs_peak > 0):
        raise ValueError("peaks must be > 0")
    workers = acct["total"]["calls"]
    if not (workers >= 1):
        raise ValueError("the account names no workers")
    rows, serial_bound, parallel_bound = [], 0.0, 0.0
    for s in STAGES:
        a = acct[s]
        tf = a["flops"] / (gflops_peak * 1e9)
        tb = a["bytes"] / (gbs_peak * 1e9)
        bound = max(tf, tb)
        serial = s in SERIAL
        measured = a["wall"] if serial else a["cpu"]
        if serial:
            serial_bound += bound
        else:
            parallel_bound += bound
        rows.append({"stage": s, "calls": a["calls"], "gflop": a["flops"] / 1e9,
                     "gbyte": a["bytes"] / 1e9, "flop_bound_s": tf, "byte_bound_s": tb,
                     "bound_s": bound, "measured_s": measured,
                     "clock": "wall" if serial else "cpu",
                     "ratio": measured / bound if bound > 0 else math.inf,
                     "limit": "flops" if tf >= tb else "bytes"})
    bound_wall = serial_bound + parallel_bound / workers
    wall = acct["total"]["wall"]
    counted = [r for r in rows if r["bound_s"] > 0]
    furthest = max(counted, key=lambda r: r["ratio"]) if counted else None
    largest = max(rows, key=lambda r: r["measured_s"] - r["bound_s"])
    summary = {"workers": workers, "bound_wall_s": bound_wall, "wall_s": wall,
               "wall_over_bound": wall / bound_wall if bound_wall > 0 else math.inf,
               "cpu_s": acct["total"]["cpu"],
               "unaccounted_cpu_s": acct.get("unaccounted", {}).get("cpu", math.nan),
               "furthest": furthest["stage"] if furthest else None,
               "largest_gap": largest["stage"],
               "largest_gap_s": largest["measured_s"] - largest["bound_s"]}
    return rows, summary


def table(rows, summary, gflops_peak, gbs_peak):
    """The account as text lines, for the bench's report."""
    out = [f"  roofline account (one worker's peaks measured in this run: dgemm "
           f"{gflops_peak:.1f} GFLOP/s, copy {gbs_peak:.1f} GB/s)",
           f"    {'stage':<11} {'calls':>6} {'GFLOP':>8} {'GB':>7} {'bound s':>8} "
           f"{'measured s':>11} {'ratio':>6}  limit"]
    for r in rows:
        ratio = f"{r['ratio']:6.2f}" if math.isfinite(r["ratio"]) else "     -"
        out.append(f"    {r['stage']:<11} {r['calls']:6.0f} {r['gflop']:8.2f} {r['gbyte']:7.2f} "
                   f"{r['bound_s']:8.3f} {r['measured_s']:8.3f} {r['clock']:<4}{ratio}  "
                   f"{r['limit'] if r['bound_s'] > 0 else 'no counted work'}")
    s = summary
    out.append(f"    whole run: bound {s['bound_wall_s']:.2f} s wall ({s['workers']:.0f} workers),"
               f" measured {s['wall_s']:.2f} s = {s['wall_over_bound']:.2f}x the bound; "
               f"furthest from its bound: {s['furthest']}; largest gap: {s['largest_gap']} "
               f"({s['largest_gap_s']:.2f} s); CPU outside the stages "
               f"{s['unaccounted_cpu_s']:.2f} s")
    return out


def gnuplot_script(dat, png, pdf, title):
    """A bar chart, measured against bound per stage (log seconds)."""
    return f"""# generated by bench/roofline.py; re-render with: gnuplot {png[:-4]}.gp
do for [fmt in "png pdf"] {{
if (fmt eq "png") {{ set terminal pngcairo size 900,420 font ",10"; set output "{png}" }} else {{ set terminal pdfcairo size 6in,3in font ",7"; set output "{pdf}" }}
reset
set title "{title}"
set style data histogram; set style histogram clustered gap 1; set style fill solid 0.8 border -1
set logscale y; set grid ytics; set ylabel "seconds (load: wall; others: CPU, all workers)"
set key top left
plot "{dat}" using 3:xtic(1) title "measured", "" using 2 title "roofline bound"
set output
}}
"""
