#!/usr/bin/python3
"""Cut the committed real-data slice (tests/fixtures/emoji-slice.npz) out of
data/cache/emoji.npz: per group, evenly spaced base emoji from each side of the
split (about 230 bases in all), plus every skin-tone variant of five of them (so
that the encoders' --rows base has variants to leave out). Same arrays as
build_emoji.py writes. make emoji-slice runs it; the tests train the encoders on
the slice in --quick mode and run the emoji configs on the dump.

  /usr/bin/python3 data/emoji/make_slice.py data/cache/emoji.npz tests/fixtures/emoji-slice.npz
"""
import sys

import numpy as np

PER_GROUP = {False: 20, True: 6}  # bases per group: train, test


def main(src, out):
    z = np.load(src, allow_pickle=False)
    d = {k: z[k] for k in z.files}
    _, first = np.unique(d["base"], return_index=True)
    first = np.sort(first)
    keep = []
    for g in range(len(d["group_names"])):
        for side, count in PER_GROUP.items():
            rows = first[(d["group"][first] == g) & (d["test"][first] == side)]
            keep += list(rows[np.linspace(0, len(rows) - 1, min(count, len(rows))).astype(int)])
    variants = [b for b in np.unique(d["base"]) if (d["base"] == b).sum() == 6][:5]
    keep = np.unique(np.concatenate([keep, *[np.flatnonzero(d["base"] == b) for b in variants]]))
    per_row = {k for k, v in d.items() if v.ndim >= 1 and len(v) == len(d["test"])}
    sliced = {k: (v[keep] if k in per_row else v) for k, v in d.items()}
    sliced["summary"] = np.array(f"slice of {len(keep)} rows of {src} (data/emoji/make_slice.py); "
                                 + str(d["summary"]))
    np.savez_compressed(out, **sliced)
    print(f"make_slice: {len(keep)} rows ({int((~sliced['test']).sum())} train, "
          f"{int(sliced['test'].sum())} test) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
