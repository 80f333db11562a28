#!/usr/bin/python3
"""NumPy peers of the C runner for the benchmark, following the paper step by step.

  stepwise:    per pair and subset: R = norm(X) norm(A_X[I])^T, Y_s = R pinv(norm(A_Y[I]))^T,
               average over the omega subsets, rescale to the target's mean anchor norm.
  closedform:  per pair: T = mean_s norm(A_X[I_s])^T pinv(norm(A_Y[I_s]))^T, Y = norm(X) T.

Both use the same anchors (splitmix64 partial Fisher-Yates), the same FPS (1 - |cos|,
threshold delta, lowest-index ties, first point from seed + s) and the same pinv cutoff
(eps * max(m, d) relative to the largest singular value) as the C library, so their mean
cosines must equal the C runner's. Written plainly, as a researcher would: no caching across
cells or pairs. Prints JSON: {"seconds": ..., "load_seconds": ..., "cosines": {key: value}}.
"""
import argparse
import json
import sys
import time

import h5py
import numpy as np

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def anchor_indices(n, k, seed):
    perm = list(range(n))
    st = seed
    for i in range(k):
        st, r = splitmix64(st)
        j = i + r % (n - i)
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm[:k])


def first_point(seed, s, k):
    return splitmix64((seed + s) & MASK)[1] % k


def norm(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def fps(an, delta, first):
    k = len(an)
    mind = np.full(k, np.inf)
    taken = np.zeros(k, bool)
    sel, cur = [], first
    while True:
        sel.append(cur)
        taken[cur] = True
        if len(sel) == k:
            break
        d = np.maximum(1.0 - np.abs(an @ an[cur]), 0.0)
        mind = np.minimum(mind, d)
        cand = np.where(taken, -1.0, mind)
        best = int(np.argmax(cand))
        if cand[best] < 0 or cand[best] < delta:
            break
        cur = best
    return sel


def pinv(a):
    return np.linalg.pinv(a, rcond=np.finfo(np.float64).eps * max(a.shape))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["stepwise", "closedform"], required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--anchors", type=int, default=1280)
    ap.add_argument("--omega", default="1,2,4,8,16")
    ap.add_argument("--delta", default="0,0.25,0.5,0.65,0.75,0.9")
    ap.add_argument("--test-limit", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    f = h5py.File(args.data, "r")
    names = sorted(f["spaces"])
    n_train = len(f["samples/train/ids"])
    idx = anchor_indices(n_train, args.anchors, 0)
    spaces = {}
    for nm in names:
        tr = f["spaces"][nm]["train"]
        te = f["spaces"][nm]["test"][:].astype(np.float64)
        if args.test_limit:
            te = te[:args.test_limit]
        a = tr[np.sort(idx)].astype(np.float64)[np.argsort(np.argsort(idx))]  # rows in draw order
        spaces[nm] = (a, te)
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    out = {}
    for omega in [int(w) for w in args.omega.split(",")]:
        for delta in [float(d) for d in args.delta.split(",")]:
            for src in names:
                ax, xt = spaces[src]
                axn, xn = norm(ax), norm(xt)
                subsets = [list(range(len(axn)))] if omega == 1 and delta == 0 else \
                    [fps(axn, delta, first_point(0, s, len(axn))) for s in range(omega)]
                for dst in names:
                    ay, yt = spaces[dst]
                    ayn = norm(ay)
                    if args.mode == "stepwise":
                        y = np.zeros((len(xn), ay.shape[1]))
                        for sub in subsets:
                            r = xn @ axn[sub].T
                            y += r @ pinv(ayn[sub]).T
                        y /= len(subsets)
                    else:
                        t = np.zeros((ax.shape[1], ay.shape[1]))
                        for sub in subsets:
                            t += axn[sub].T @ pinv(ayn[sub]).T
                        y = xn @ (t / len(subsets))
                    y = norm(y) * np.linalg.norm(ay, axis=1).mean()
                    cos = np.mean(np.sum(norm(y) * norm(yt), axis=1))
                    out[f"{omega}|{delta:g}|{src}|{dst}"] = float(cos)
            print(f"[{args.mode}] omega {omega} done ({time.perf_counter() - t1:.0f}s)",
                  file=sys.stderr, flush=True)
    json.dump({"seconds": time.perf_counter() - t1, "load_seconds": load, "cosines": out},
              sys.stdout)


if __name__ == "__main__":
    main()
