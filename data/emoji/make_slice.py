#!/usr/bin/python3
"""Cut the committed real-data slice (tests/fixtures/emoji-slice.npz) out of
data/cache/emoji.npz: per group, evenly spaced base emoji from each side of the
split (about 230 bases in all), plus every skin-tone variant of five of them (so
that the encoders' --rows base has variants to leave out). Same arrays as
build_emoji.py writes. make emoji-slice runs it; the tests train the encoders on
the slice in --quick mode and run the emoji configs on the dump.

  /usr/bin/python3 data/emoji/make_slice.py data/cache/emoji.npz tests/fixtures/emoji-slice.npz
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import cli  # noqa: E402

PER_GROUP = {False: 20, True: 6}  # bases per group: train, test
NEED = ("base", "group", "group_names", "test", "summary")
WHAT = "the .npz of data/emoji/build_emoji.py"


def load(src):
    cli.input_file(src, WHAT)
    try:
        z = np.load(src, allow_pickle=False)
        if not hasattr(z, "files"):
            cli.die(f"{src}: a single array, not an .npz archive; expected {WHAT}")
        d = {k: z[k] for k in z.files}
    except SystemExit:
        raise
    except Exception as e:  # a damaged archive: zipfile, numpy header, memory errors
        cli.die(f"{src}: cannot read ({type(e).__name__}: {str(e)[:200]}); expected {WHAT}")
    for k in NEED:
        if k not in d:
            cli.die(f"{src}: no array {k!r}; expected {WHAT}")
    return d


def main(argv=None):
    ap = cli.Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", help="data/cache/emoji.npz (from data/emoji/build_emoji.py)")
    ap.add_argument("out", help="the slice .npz to write (atomically)")
    a = ap.parse_args(argv)
    src, out = a.src, a.out
    if not out.endswith(".npz"):  # numpy would append .npz and write another file
        cli.die(f"{out}: expected a file name ending in .npz (OUT)")
    cli.output(out, "OUT", tmp=".tmp.npz")
    d = load(src)
    try:
        _, first = np.unique(d["base"], return_index=True)
        first = np.sort(first)
        keep = []
        for g in range(len(d["group_names"])):
            for side, count in PER_GROUP.items():
                rows = first[(d["group"][first] == g) & (d["test"][first] == side)]
                keep += list(rows[np.linspace(0, len(rows) - 1,
                                              min(count, len(rows))).astype(int)])
        variants = [b for b in np.unique(d["base"]) if (d["base"] == b).sum() == 6][:5]
        keep = np.unique(np.concatenate([keep, *[np.flatnonzero(d["base"] == b)
                                                 for b in variants]])).astype(int)
        per_row = {k for k, v in d.items() if v.ndim >= 1 and len(v) == len(d["test"])}
        sliced = {k: (v[keep] if k in per_row else v) for k, v in d.items()}
    except (ValueError, IndexError, TypeError) as e:
        cli.die(f"{src}: arrays that do not fit together ({str(e)[:200]}); expected {WHAT}")
    if not len(keep):
        cli.die(f"{src}: no rows to keep; expected {WHAT}")
    sliced["summary"] = np.array(f"slice of {len(keep)} rows of {src} (data/emoji/make_slice.py); "
                                 + str(d["summary"]))
    tmp = out + ".tmp.npz"
    try:
        np.savez_compressed(tmp, **sliced)
        os.replace(tmp, out)
    finally:
        if os.path.lexists(tmp) and not os.path.isdir(tmp):
            os.remove(tmp)
    print(f"make_slice: {len(keep)} rows ({int((~sliced['test']).sum())} train, "
          f"{int(sliced['test'].sum())} test) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    cli.run(main)
