#!/usr/bin/python3
"""Cross-checks the numbers of a REPORT.md against the result tables they came
from: every mean ± std, every n/a and every "Available" count in the tables of
the stitch and invert sections is recomputed from <results>/<name>.csv with
NumPy (grouped by the swept keys the table shows; inter = encoder ≠ decoder,
intra = encoder = decoder) and compared with the printed value (equal to its
printed rounding: within 0.0005 + 1e-9). Used by tests/test_pipeline.c on a
fresh run's report and on the committed results/REPORT.md.

  check_report.py REPORT.md RESULTS_DIR

Prints how many numbers it checked; exits 1 at the first difference, naming
the section, the row and the column."""
import csv
import os
import re
import sys

import numpy as np

report, results = sys.argv[1], sys.argv[2]
COLUMNS = {  # report column -> (method, metric, pairs)
    "Zero-shot": ("irp", "accuracy", "inter"),
    "Absolute": ("absolute", "accuracy", "inter"),
    "Non-stitch": ("non-stitch", "accuracy", "intra"),
    "Procrustes": ("procrustes", "accuracy", "inter"),
    "Affine": ("affine", "accuracy", "inter"),
    "inter-space IRP": ("irp", "mean_cosine", "inter"),
    "floor": ("irp", "cosine_floor", "inter"),
    "intra-space IRP": ("irp", "mean_cosine", "intra"),
    "inter Procrustes": ("procrustes", "mean_cosine", "inter"),
    "inter Affine": ("affine", "mean_cosine", "inter"),
    "top-1 inter": ("irp", "top1", "inter"),
    "top-1 intra": ("irp", "top1", "intra"),
}
FIRST = {"stitch": "Zero-shot", "invert": "inter-space IRP"}


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def fail(msg):
    sys.exit(f"{report}: {msg}")


text = open(report, encoding="utf-8").read()
sections = re.split(r"^## ", text, flags=re.M)[1:]
checked = tables = 0
for sec in sections:
    m = re.match(r"(\S+) — `[^`]*` \((\S+), data", sec)
    if not m or m.group(2) not in FIRST:
        continue
    name, kind = m.groups()
    lines = sec.splitlines()
    head = next((i for i, l in enumerate(lines)
                 if l.startswith("|") and FIRST[kind] in cells(l)), None)
    if head is None:
        fail(f"section {name}: no {kind} table")
    cols = cells(lines[head])
    nkeys = cols.index(FIRST[kind])
    with open(os.path.join(results, name + ".csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(l for l in f if not l.startswith("#")))
    tables += 1
    for line in lines[head + 2:]:
        if not line.startswith("|"):
            break
        vals = cells(line)
        sel = [r for r in rows if all(r[cols[k]] == vals[k] for k in range(nkeys))]
        if not sel:
            fail(f"section {name}: row {vals[:nkeys]} matches no row of {name}.csv")

        def group(method, metric, pairs):
            return np.array([float(r["value"]) for r in sel
                             if r["method"] == method and r["metric"] == metric
                             and (r["encoder"] == r["decoder"]) == (pairs == "intra")])

        for c in range(nkeys, len(cols)):
            where = f"section {name}, row {vals[:nkeys]}, column '{cols[c]}'"
            if cols[c].startswith("Available"):
                want = f"{len(group('irp', 'accuracy', 'inter'))} / " \
                       f"{len(group('absolute', 'accuracy', 'inter'))}"
                if vals[c] != want:
                    fail(f"{where}: {vals[c]}, the table gives {want}")
                checked += 1
                continue
            if cols[c].startswith("Zero-shot") and "interval" in cols[c]:  # mean bounds
                lo = group("irp", "accuracy_lo", "inter")
                hi = group("irp", "accuracy_hi", "inter")
                got = [float(x) for x in vals[c].strip("[]").split(", ")]
                if abs(got[0] - lo.mean()) > 0.0005 + 1e-9 or abs(got[1] - hi.mean()) > 0.0005 + 1e-9:
                    fail(f"{where}: {vals[c]}, the table gives [{lo.mean():.4f}, {hi.mean():.4f}]")
                checked += 2
                continue
            if cols[c].startswith("IRP vs Procrustes"):  # pairs: better / n.s. / worse
                lo = group("irp-procrustes", "accuracy_diff_lo", "inter")
                hi = group("irp-procrustes", "accuracy_diff_hi", "inter")
                want = f"{(lo > 0).sum()} / {len(lo) - (lo > 0).sum() - (hi < 0).sum()} / {(hi < 0).sum()}"
                if vals[c] != want:
                    fail(f"{where}: {vals[c]}, the table gives {want}")
                checked += 3
                continue
            if cols[c].startswith("Cond"):  # all / kept / inverted, 3 significant digits
                ce = group("irp", "cond_effective_mean", "inter")
                ck = group("irp", "cond_kept_mean", "inter")
                want = [group("irp", "cond_mean", "inter"), ck, ce if len(ce) else ck]
                got = [float(x) for x in vals[c].split(" / ")]
                for g, w in zip(got, want):
                    if not len(w) or abs(g - w.mean()) > 5e-3 * abs(w.mean()):
                        fail(f"{where}: {vals[c]}, the table gives "
                             f"{' / '.join(f'{x.mean():.3g}' for x in want)}")
                checked += 3
                continue
            v = group(*COLUMNS[cols[c]])
            if vals[c] == "n/a" or not len(v):
                if vals[c] != "n/a" or len(v):
                    fail(f"{where}: {vals[c]}, the table has {len(v)} values")
                checked += 1
                continue
            mean, std = (float(x) for x in vals[c].split(" ± "))
            sd = v.std(ddof=1) if len(v) > 1 else 0.0
            if abs(mean - v.mean()) > 0.0005 + 1e-9 or abs(std - sd) > 0.0005 + 1e-9:
                fail(f"{where}: {vals[c]}, the table gives {v.mean():.6f} ± {sd:.6f}")
            checked += 2
    # the delta = auto table (stitch): every number from the same CSV
    at = next((i for i, l in enumerate(lines) if l.startswith("**δ chosen without labels**")), None)
    if kind == "stitch" and at is not None:
        acols = cells(lines[at + 2])
        fixed_keys = [k for k in rows[0] if k not in ("delta", "encoder", "decoder", "method",
                                                      "metric", "value")]

        def inter(rs, metric):
            return [r for r in rs if r["method"] == "irp" and r["metric"] == metric
                    and r["encoder"] != r["decoder"]]

        for line in lines[at + 4:]:
            if not line.startswith("|"):
                break
            v = dict(zip(acols, cells(line)))
            where = f"section {name}, auto row ω = {v['ω']}, center = {v['center']}"
            auto = [r for r in rows if r["delta"] == "auto" and r["omega"] == v["ω"]
                    and r["center"] == v["center"]]
            ref = auto[0]
            acc = np.array([float(r["value"]) for r in inter(auto, "accuracy")])
            mean, std = (float(x) for x in v["Auto: zero-shot"].split(" ± "))
            if abs(mean - acc.mean()) > 0.0005 + 1e-9 or abs(std - acc.std(ddof=1)) > 0.0005 + 1e-9:
                fail(f"{where}: zero-shot {v['Auto: zero-shot']}, the table gives {acc.mean():.4f}")
            ch = np.array([float(r["value"]) for r in inter(auto, "auto_delta")])
            want = f"{ch.mean():.3g} ({ch.min():g}–{ch.max():g})"
            if v["chosen δ: mean (min–max)"] != want:
                fail(f"{where}: chosen δ {v['chosen δ: mean (min–max)']}, the table gives {want}")
            sc = np.array([float(r["value"]) for r in inter(auto, "auto_score")])
            if abs(float(v["held-out cosine"]) - sc.mean()) > 0.0005 + 1e-9:
                fail(f"{where}: held-out cosine {v['held-out cosine']}, the table gives {sc.mean()}")
            same = [r for r in rows if r["delta"] != "auto"
                    and all(r[k] == ref[k] for k in fixed_keys)]
            by_delta = {}
            for r in inter(same, "accuracy"):
                by_delta.setdefault(r["delta"], {})[(r["encoder"], r["decoder"])] = float(r["value"])
            means = {d: np.mean(list(p.values())) for d, p in by_delta.items()}
            bd = max(means, key=lambda d: (means[d], -list(means).index(d)))
            got_best, got_at = v["Best fixed δ (oracle)"].split(" (δ = ")
            if abs(float(got_best) - means[bd]) > 0.0005 + 1e-9 or got_at.rstrip(")") != bd:
                fail(f"{where}: best fixed {v['Best fixed δ (oracle)']}, the table gives "
                     f"{means[bd]:.4f} at δ = {bd}")
            pairs_ = {(r["encoder"], r["decoder"]) for r in inter(auto, "accuracy")}
            oracle = np.mean([max(p[q] for p in by_delta.values() if q in p) for q in pairs_])
            if abs(float(v["Per-pair oracle"]) - oracle) > 0.0005 + 1e-9:
                fail(f"{where}: per-pair oracle {v['Per-pair oracle']}, the table gives {oracle:.4f}")
            checked += 6
            col = next((k for k in v if k.startswith("Auto − paper's δ")), None)
            paper_d = [d for d in by_delta if abs(float(d) - 0.65) < 1e-12]
            if col and v[col] != "—" and paper_d:
                pp = by_delta[paper_d[0]]
                auto_acc = {(r["encoder"], r["decoder"]): float(r["value"])
                            for r in inter(auto, "accuracy")}
                diffs = np.array([auto_acc[q] - pp[q] for q in auto_acc if q in pp])
                m = re.match(r"([+-][\d.]+) \[([+-][\d.]+), ([+-][\d.]+)\], (\d+) vs (\d+) of (\d+) pairs",
                             v[col])
                if not m:
                    fail(f"{where}: '{v[col]}' is not 'mean [lo, hi], a vs b of n pairs'")
                mean, lo, hi = (float(m.group(k)) for k in (1, 2, 3))
                wins = (int(m.group(4)), int(m.group(5)), int(m.group(6)))
                want = ((diffs > 0).sum(), (diffs < 0).sum(), len(diffs))
                if abs(mean - diffs.mean()) > 0.0005 + 1e-9 or wins != want or not lo <= mean <= hi:
                    fail(f"{where}: '{v[col]}', the table gives {diffs.mean():+.4f}, {want}")
                checked += 4
    # the per-pair tables (stitch): every value, the diagonal from non-stitch
    for i, l in enumerate(lines):
        m = re.match(r"\*\*Per pair \((.*)\):\*\*", l)
        if kind != "stitch" or not m:
            continue
        keys = dict(kv.split(" = ", 1) for kv in m.group(1).split(", "))
        heads = [h.replace("\\|", "|") for h in cells(lines[i + 2])[1:]]
        sel = [r for r in rows if all(r[k] == v for k, v in keys.items())]
        if not sel:
            fail(f"section {name}: per-pair table for {keys} matches no row of {name}.csv")
        tables += 1
        for line in lines[i + 4:]:
            if not line.startswith("|"):
                break
            vals = cells(line)
            enc = vals[0].replace("\\|", "|")
            for dec, got in zip(heads, vals[1:]):
                method = "non-stitch" if enc == dec else "irp"
                v = [float(r["value"]) for r in sel if r["encoder"] == enc and r["decoder"] == dec
                     and r["method"] == method and r["metric"] == "accuracy"]
                where = f"section {name}, per pair {keys}, {enc} → {dec}"
                if got == "—":
                    if v:
                        fail(f"{where}: —, the table has {np.mean(v):.4f}")
                elif (enc == dec) != (got.startswith("*") and got.endswith("*")) or not v or \
                        abs(float(got.strip("*")) - np.mean(v)) > 0.0005 + 1e-9:
                    fail(f"{where}: {got}, the table has {v}")
                checked += 1
# Finding 4 (cross-domain): every direction row recomputed from the table's
# modality rows and pairs, and the verdict from the stated rule.
f4 = re.search(r"^\*\*4\. .*?(?=^\*\*5\. )", text, flags=re.M | re.S)
if f4 and "Direction" in f4.group(0):
    block = f4.group(0).splitlines()
    works_any = all_works = beat_any = False
    lang_w = lang_n = 0
    i = 0
    while i < len(block):
        m = re.match(r"`([^`]+)` \(`[^`]*`\): ", block[i])
        if not m:
            i += 1
            continue
        name = m.group(1)
        head = next(j for j in range(i, len(block)) if block[j].startswith("|"))
        cols = cells(block[head])
        nkeys = cols.index("Direction")
        with open(os.path.join(results, name + ".csv"), newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(l for l in f if not l.startswith("#")))
        mod = {r["encoder"]: r["metric"][9:] for r in rows
               if r["method"] == "space" and r["metric"].startswith("modality:")}
        stitch = "Ratio" in cols
        tables += 1
        cellres = {}
        j = head + 2
        while j < len(block) and block[j].startswith("|"):
            vals = cells(block[j])
            key = tuple(vals[:nkeys])
            sel = [r for r in rows if all(r[cols[k]] == vals[k] for k in range(nkeys))]
            ab_ = vals[nkeys].replace(" (same modality)", "").split(" → ")
            if len(ab_) != 2:
                fail(f"finding 4, {name}: direction '{vals[nkeys]}' is not 'A → B'")
            a, b = ab_
            where = f"finding 4, {name}, row {vals[:nkeys + 1]}"

            def pv(method, metric):
                return {(r["encoder"], r["decoder"]): float(r["value"]) for r in sel
                        if r["method"] == method and r["metric"] == metric}

            first = pv("irp", "accuracy" if stitch else "mean_cosine")
            pairs = [q for q in first if q[0] != q[1] and mod.get(q[0]) == a and mod.get(q[1]) == b]
            if int(vals[nkeys + 1]) != len(pairs) or not pairs:
                fail(f"{where}: {vals[nkeys + 1]} pairs, the table has {len(pairs)}")

            def mean(d):
                v = [d[q] for q in pairs if q in d]
                return np.mean(v) if v else float("nan")

            def same(got, want, what):
                if got in ("—", "n/a") and np.isnan(want):
                    return
                if abs(float(got) - want) > 0.0005 + 1e-9:
                    fail(f"{where}, {what}: {got}, the table gives {want:.4f}")

            if stitch:
                z, ab = pv("irp", "accuracy"), pv("absolute", "accuracy")
                ns = pv("non-stitch", "accuracy")
                zm, nm = mean(z), np.mean([ns[(q[1], q[1])] for q in pairs])
                same(vals[nkeys + 2], zm, "Zero-shot")
                same(vals[nkeys + 3], mean(ab), "Absolute")
                same(vals[nkeys + 4], nm, "Non-stitch")
                want_ratio = f"{100 * zm / nm:.0f}%" if nm > 0 else "—"
                if vals[nkeys + 5] != want_ratio:
                    fail(f"{where}: ratio {vals[nkeys + 5]}, the table gives {want_ratio}")
                wa = [q for q in pairs if q in ab]
                beat = sum(z[q] > ab[q] for q in wa)
                if vals[nkeys + 6] != f"{beat} of {len(wa)}":
                    fail(f"{where}: IRP > Absolute {vals[nkeys + 6]}, the table gives {beat} of {len(wa)}")
                same(vals[nkeys + 7], mean(pv("procrustes", "accuracy")), "Procrustes")
                same(vals[nkeys + 8], mean(pv("affine", "accuracy")), "Affine")
                checked += 8
                if a != b:
                    c = cellres.setdefault(key, {"works": [], "beat": [], "src": [], "dst": []})
                    beats = len(wa) > 0 and beat == len(wa)  # no Absolute decides nothing
                    c["works"].append(nm > 0 and zm >= 0.6 * nm and beats)
                    c["beat"].append(beats)
                    if a == "text" and nm > 0:
                        c["src"].append(zm / nm)
                    elif b == "text" and nm > 0:
                        c["dst"].append(zm / nm)
            else:
                got = re.match(r"([-\d.]+) \(([-\d.]+)\)", vals[nkeys + 2])
                same(got.group(1), mean(pv("irp", "mean_cosine")), "IRP cosine")
                same(got.group(2), mean(pv("irp", "cosine_floor")), "floor")
                same(vals[nkeys + 3], mean(pv("affine", "mean_cosine")), "Affine cosine")
                same(vals[nkeys + 4], mean(pv("irp", "top1")), "top-1 IRP")
                same(vals[nkeys + 5], mean(pv("affine", "top1")), "top-1 Affine")
                checked += 6
            j += 1
        for c in cellres.values():
            all_works |= all(c["works"])
            works_any |= any(c["works"])
            beat_any |= all(c["beat"])
            if c["src"] and c["dst"]:
                lang_n += 1
                lang_w += np.mean(c["src"]) > np.mean(c["dst"])
        i = j
    want = ("Reproduced" if all_works else "Partly reproduced" if works_any or beat_any
            else "Not reproduced")
    if f"**{want}.**" not in f4.group(0):
        fail(f"finding 4: the rule gives '{want}', the report says otherwise")
    if lang_n and f"holds in {lang_w} of {lang_n} cells" not in f4.group(0):
        fail(f"finding 4: text sources stronger in {lang_w} of {lang_n} cells, not what the report says")
    checked += 1
if not tables:
    fail("no stitch or invert section to check")
print(f"{checked} numbers checked in {tables} tables")
