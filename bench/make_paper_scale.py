#!/usr/bin/python3
"""A generated dump at the paper's scale, for make bench: 5 spaces of d = 384,
512, 768, 768, 1280 (the paper's encoder sizes), 50,000 training and 10,000
test rows, 10 classes. Every space is a known linear map of one shared latent
plus noise, so its numbers are checkable:

  latent  z = mu[class] + N(0, I_r),  r = 256, mu ~ N(0, (0.16)^2 I_r)
  space s x_s = z M_s + 0.3 N(0, I_d),  M_s = Gaussian r x d_s / sqrt(r)  (seed s)

Each M_s has full row rank, so any two spaces are linear images of each other
up to the noise: inversion between them should come out near the noise
level, and every head near its own accuracy. Heads: the nearest-class-mean
classifier of each space written as a linear head (W = class means, b =
-|mean|^2 / 2), no training needed. The values are deterministic for the
arguments (one numpy Generator per array, seeded).

  /usr/bin/python3 bench/make_paper_scale.py --out data/cache/bench/paper-scale.h5
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "data"))
import numpy as np  # noqa: E402

import irpdump  # noqa: E402

DIMS = {"enc-384": 384, "enc-512": 512, "enc-768a": 768, "enc-768b": 768, "enc-1280": 1280}
VERSION = 1  # bump when the recipe changes: bench/paper_scale.py regenerates on a mismatch


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--train", type=int, default=50000)
    ap.add_argument("--test", type=int, default=10000)
    ap.add_argument("--latent", type=int, default=256)
    a = ap.parse_args(argv)
    r, classes, n = a.latent, 10, a.train + a.test
    g = np.random.default_rng(0)
    mu = 0.16 * g.standard_normal((classes, r))
    y = np.random.default_rng(1).integers(0, classes, n)
    z = mu[y] + np.random.default_rng(2).standard_normal((n, r))
    with irpdump.create(a.out, dataset="paper-scale-synthetic",
                        class_names=[f"c{i}" for i in range(classes)],
                        generator="bench/make_paper_scale.py", generator_version=VERSION,
                        latent=r) as f:
        irpdump.write_samples(f, "train", np.arange(a.train), y[:a.train])
        irpdump.write_samples(f, "test", np.arange(a.train, n), y[a.train:])
        for s, (name, d) in enumerate(DIMS.items()):
            m = np.random.default_rng(10 + s).standard_normal((r, d)) / np.sqrt(r)
            x = (z @ m + 0.3 * np.random.default_rng(20 + s).standard_normal((n, d))) \
                .astype(np.float32)
            irpdump.write_space(f, name, x[:a.train], x[a.train:], model=f"linear-map-{d}")
            means = np.stack([x[:a.train][y[:a.train] == c].mean(0) for c in range(classes)])
            bias = -0.5 * (means ** 2).sum(1)
            pred = (x[a.train:] @ means.T + bias).argmax(1)
            irpdump.write_linear_head(f, name, "linear", means.astype(np.float32),
                                      bias.astype(np.float32),
                                      test_accuracy=float((pred == y[a.train:]).mean()))
            print(f"make_paper_scale: {name} d={d} nearest-mean head test accuracy "
                  f"{(pred == y[a.train:]).mean():.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
