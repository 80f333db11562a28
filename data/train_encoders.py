#!/usr/bin/python3
"""Train the offline default encoders on Fashion-MNIST and dump their embeddings.

Real data (Debian's dataset-fashion-mnist), real independently trained networks
(Debian's python3-torch, CPU), heads trained on frozen features. Run with
/usr/bin/python3 (the python3 on PATH cannot see Debian's packages).

  /usr/bin/python3 data/train_encoders.py --out data/dumps/fashion-mnist.h5
  /usr/bin/python3 data/train_encoders.py --regime autoencoder --out data/dumps/fashion-mnist-ae.h5
  /usr/bin/python3 data/train_encoders.py --quick --out /tmp/slice.h5     # CI slice

Determinism: torch.manual_seed per encoder and head, data order from a seeded
generator, and data/pin_numerics.py: one thread, deterministic algorithms, and
the CPU kernels pinned (PyTorch and oneDNN to AVX2, OpenBLAS to Haswell), so the
embeddings and heads are the same bytes on any x86-64 CPU with AVX2 and the
same Debian packages (data/README.md has the check). Accuracies are recorded
from the dumped float32 values, not from training-time logits.
"""
import contextlib
import gzip
import os
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pin_numerics  # noqa: E402  (first: before numpy and torch load)
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import cli  # noqa: E402
import irpdump  # noqa: E402

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
TEST_ID_OFFSET = 100000  # sample ids: train i -> i, test i -> 100000 + i


IDX = "a gzipped IDX file of Debian's dataset-fashion-mnist"


def read_idx(path, shape):
    """The uint8 array of a gzipped IDX file, checked: the header (magic 0x0000 08 ndim),
    the declared size against the values held, and the shape ([n] + shape, n >= 1)."""
    cli.input_file(path, IDX)
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read(64 << 20)  # Fashion-MNIST's largest file is 47 MB unpacked
            if fh.read(1):
                cli.die(f"{path}: more than 64 MiB unpacked; expected {IDX}")
    except (OSError, EOFError, zlib.error) as e:
        cli.die(f"{path}: cannot read ({e}); expected {IDX}")
    magic = int.from_bytes(data[0:4], "big") if len(data) >= 4 else None
    ndim = (magic or 0) & 0xFF
    if magic is None or magic >> 8 != 0x08 or ndim != 1 + len(shape) or len(data) < 4 + 4 * ndim:
        cli.die(f"{path}: not an IDX file of {1 + len(shape)}-D unsigned bytes; expected {IDX}")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims, dtype=object)):
        cli.die(f"{path}: IDX header says {dims} but holds {arr.size} values")
    if dims[0] < 1 or dims[1:] != list(shape):
        cli.die(f"{path}: holds an array of shape {dims}; expected [n >= 1] + {list(shape)}")
    return arr.reshape(dims)


def read_fashion_mnist(root, n_train=None, n_test=None):
    """The checked uint8 images and int64 labels of both splits, cut to n rows when given."""
    out = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        img = os.path.join(root, f"{prefix}-images-idx3-ubyte.gz")
        lab = os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz")
        for p in (img, lab):
            if not os.path.lexists(p):
                cli.die(f"{p}: missing; install Debian's dataset-fashion-mnist "
                        "(apt-get install dataset-fashion-mnist)")
        x = read_idx(img, (28, 28))
        y = read_idx(lab, ()).astype(np.int64)
        need = len(x) if n is None else n
        if len(x) < need or len(y) != len(x) or y.max() >= len(CLASS_NAMES):
            cli.die(f"{lab}: {len(y)} labels up to {y.max()} for {len(x)} images; expected at least "
                    f"{need} images with one label from 0 to {len(CLASS_NAMES) - 1} each")
        out[split] = (np.ascontiguousarray(x[:need]), y[:need])
    return out


def load_fashion_mnist(root):
    """Both splits, normalised as the encoders are trained on."""
    return {s: ((x.astype(np.float32) / 255.0 - 0.2860) / 0.3530, y)
            for s, (x, y) in read_fashion_mnist(root).items()}


# ---- encoders: architecturally different, latent = representation fed to the head ----

class MLP(nn.Module):
    def __init__(self, hidden, latent, act):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), act(),
                                 nn.Linear(hidden, latent), act())

    def forward(self, x):
        return self.net(x)

    def feature(self, x):
        """Mixed-sign tap: before the final ReLU; a tanh output is kept (already signed)."""
        h = self.net[:-1](x)
        return h if isinstance(self.net[-1], nn.ReLU) else self.net[-1](h)


class CNN(nn.Module):
    def __init__(self, channels, latent):
        super().__init__()
        layers, cin = [], 1
        for i, c in enumerate(channels):
            layers += [nn.Conv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            if i % 2 == 1 or len(channels) == 2:
                layers.append(nn.MaxPool2d(2))
            cin = c
        self.features = nn.Sequential(*layers)
        # BatchNorm before the final ReLU: the tap before it is a normalised,
        # mixed-sign feature without the shared offset a bare FC pre-activation
        # carries (data/README.md: the taps)
        self.proj = nn.Sequential(nn.Flatten(), nn.Linear(cin * 7 * 7, latent),
                                  nn.BatchNorm1d(latent), nn.ReLU())

    def forward(self, x):
        return self.proj(self.features(x))

    def feature(self, x):
        """Mixed-sign tap: FC + BatchNorm, before the ReLU."""
        return self.proj[:-1](self.features(x))


class TinyViT(nn.Module):
    """7x7 patches (16 tokens), CLS token, pre-norm transformer; latent = LN(CLS) projected."""

    def __init__(self, width, depth, heads, latent):
        super().__init__()
        self.patch = nn.Conv2d(1, width, 7, stride=7)
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.pos = nn.Parameter(torch.randn(1, 17, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0,
                                           batch_first=True, norm_first=True, activation="gelu")
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(width)
        self.proj = nn.Linear(width, latent)

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(len(t), -1, -1), t], 1) + self.pos
        return self.proj(self.norm(self.blocks(t)[:, 0]))

    def feature(self, x):
        """Mixed-sign tap: the network's output (a linear map of the normalised CLS token)."""
        return self.forward(x)


# name: (constructor, latent dim, seed, epochs, description)
ENCODERS = {
    "mlp-relu": (lambda: MLP(512, 128, nn.ReLU), 128, 0, 4, "MLP 784-512-128, ReLU"),
    "mlp-tanh": (lambda: MLP(1024, 256, nn.Tanh), 256, 1, 4, "wide MLP 784-1024-256, tanh"),
    "cnn-small": (lambda: CNN([16, 32], 128), 128, 2, 3,
                  "CNN 16-32 channels, BN, FC-128 + BN"),
    "cnn-deep": (lambda: CNN([32, 32, 64, 64], 384), 384, 3, 2,
                 "CNN 32-32-64-64 channels, BN, FC-384 + BN"),
    "vit-tiny": (lambda: TinyViT(64, 2, 4, 256), 256, 4, 4,
                 "ViT 7x7 patches, width 64, depth 2, 4 heads, latent 256"),
}


class Decoder(nn.Module):
    def __init__(self, latent):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent, 512), nn.ReLU(), nn.Linear(512, 784))

    def forward(self, z):
        return self.net(z).view(-1, 1, 28, 28)


def batches(n, bs, gen):
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n, bs):
        yield perm[i:i + bs]


def embed(enc, x, bs=1000):
    """The two taps of every row: (mixed-sign feature, its ReLU), float32."""
    enc.eval()
    with torch.no_grad():
        mixed = torch.cat([enc.feature(x[i:i + bs]) for i in range(0, len(x), bs)])
        return (mixed.numpy().astype(np.float32),
                torch.relu(mixed).numpy().astype(np.float32))


# What each tap is, per encoder (space attribute 'tap', data/README.md).
TAPS = {
    "mlp-relu": "pre-activation of the final ReLU (Linear 512->128)",
    "mlp-tanh": "tanh output of the last layer (already signed)",
    "cnn-small": "FC-128 + BatchNorm before the final ReLU",
    "cnn-deep": "FC-384 + BatchNorm before the final ReLU",
    "vit-tiny": "linear projection of LayerNorm(CLS)",
}
NONNEG_TAP = "ReLU of the mixed-sign tap"


def encoder_seed(name, run_seed):
    """The encoder's torch seed: its own (ENCODERS) for run seed 0, the committed
    dumps; another independent draw per run seed (make seeds)."""
    return ENCODERS[name][2] + 1009 * run_seed


def train_encoder(name, regime, data, epochs, log, run_seed=0):
    make, latent, _, _, _ = ENCODERS[name]
    seed = encoder_seed(name, run_seed)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    enc = make()
    x, y = data["train"]
    if regime == "supervised":
        out = nn.Linear(latent, 10)
        loss_fn = lambda z, xb, yb: nn.functional.cross_entropy(out(z), yb)
    else:
        out = Decoder(latent)
        loss_fn = lambda z, xb, yb: nn.functional.mse_loss(out(z), xb)
    params = list(enc.parameters()) + list(out.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    t0 = time.time()
    for ep in range(epochs):
        enc.train()
        total, count = 0.0, 0
        for idx in batches(len(x), 128, gen):
            xb, yb = x[idx], y[idx]
            loss = loss_fn(enc(xb), xb, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
        log(f"  {name}: epoch {ep + 1}/{epochs} loss {total / count:.4f} "
            f"({time.time() - t0:.0f}s)")
    return enc, time.time() - t0


def train_head(z, y, hidden, activation, seed, epochs, num_classes=10, lr=1e-3):
    """Softmax head on frozen embeddings: linear (hidden=0) or one hidden layer."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    d = z.shape[1]
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
            "identity": nn.Identity}
    if hidden:
        model = nn.Sequential(nn.Linear(d, hidden), acts[activation](),
                              nn.Linear(hidden, num_classes))
    else:
        model = nn.Linear(d, num_classes)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
    zt, yt = torch.from_numpy(z), torch.from_numpy(np.asarray(y, dtype=np.int64))
    for _ in range(epochs):
        for idx in batches(len(zt), 256, gen):
            loss = nn.functional.cross_entropy(model(zt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    linears = [m for m in (model if hidden else [model]) if isinstance(m, nn.Linear)]
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears]


def write_heads(f, name, seed, z, labels, head_epochs, log, family, lr=1e-3):
    """A linear head and five one-hidden-layer MLP heads on the frozen features z."""
    heads = [("linear", 0, "identity")] + [
        (f"mlp-{a}", 128, a) for a in ("relu", "tanh", "sigmoid", "gelu", "identity")]
    for j, (hname, hidden, act) in enumerate(heads):
        th = time.time()
        layers = train_head(z["train"], labels["train"], hidden, act, 1000 * seed + j,
                            head_epochs, lr=lr)
        acc = {s: irpdump.head_accuracy(layers, act, z[s], labels[s]) for s in z}
        kw = dict(train_accuracy=acc["train"], test_accuracy=acc["test"],
                  train_seconds=time.time() - th)
        if hidden:
            irpdump.write_mlp_head(f, name, hname, layers, act, **kw)
        else:
            irpdump.write_linear_head(f, name, hname, *layers[0], **kw)
        log(f"  {family} {name}/{hname}: test accuracy {acc['test']:.4f}")


def main(argv=None):
    ap = cli.Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="HDF5 dump to write (atomically)")
    ap.add_argument("--out-nonneg", metavar="PATH",
                    help="also write the non-negative family (ReLU of every mixed-sign feature; "
                         "for mlp-relu and the CNNs the network's own output) from the same "
                         "training run, with its own heads (the non-negative-feature study)")
    ap.add_argument("--regime", choices=["supervised", "autoencoder"], default="supervised")
    ap.add_argument("--quick", action="store_true",
                    help="CI slice: 3000 train / 1000 test images, 1 epoch, fewer head epochs")
    ap.add_argument("--encoders", default=",".join(ENCODERS),
                    help="comma-separated subset of: " + ", ".join(ENCODERS))
    ap.add_argument("--data-dir", default=FMNIST_DIR)
    ap.add_argument("--seed", type=cli.SEED, default=0,
                    help="run seed: 0 (default) trains the committed encoders; another value "
                         "trains every encoder and head from other initial weights and data "
                         "order (the seed spread, make seeds)")
    args = ap.parse_args(argv)
    cli.output(args.out, make_parent=True)  # before any work
    if args.out_nonneg is not None:
        cli.output(args.out_nonneg, "--out-nonneg", make_parent=True)
    cli.distinct(("--out", args.out), ("--out-nonneg", args.out_nonneg))
    cli.input_dir(args.data_dir, "Debian's dataset-fashion-mnist directory (--data-dir)")
    pin_numerics.torch_deterministic(torch)
    log = lambda s: print(s, file=sys.stderr, flush=True)
    names = [n for n in args.encoders.split(",") if n]
    for n in names:
        if n not in ENCODERS:
            ap.error(f"--encoders: unknown encoder '{n}' (known: {', '.join(ENCODERS)})")
    if not names:
        ap.error(f"--encoders: expected at least one of {', '.join(ENCODERS)}")

    raw = load_fashion_mnist(args.data_dir)
    n_train, n_test = (3000, 1000) if args.quick else (len(raw["train"][0]), len(raw["test"][0]))
    data = {s: (torch.from_numpy(raw[s][0][:n]).unsqueeze(1), torch.from_numpy(raw[s][1][:n]))
            for s, n in (("train", n_train), ("test", n_test))}
    ids = {"train": np.arange(n_train, dtype=np.int64),
           "test": TEST_ID_OFFSET + np.arange(n_test, dtype=np.int64)}
    labels = {s: data[s][1].numpy() for s in data}
    head_epochs = 2 if args.quick else 10
    t_all = time.time()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    dataset = "fashion-mnist" if args.regime == "supervised" else "fashion-mnist-ae"
    families = [(args.out, dataset, 0)]
    if args.out_nonneg:
        families.append((args.out_nonneg, dataset + "-nonneg", 1))
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(
            irpdump.create(path, ds, CLASS_NAMES, regime=args.regime,
                           producer="data/train_encoders.py", quick=int(args.quick),
                           run_seed=args.seed, numerics=pin_numerics.NUMERICS,
                           feature_tap="non-negative" if tap else "mixed-sign"))
            for path, ds, tap in families]
        for f in files:
            for s in ("train", "test"):
                irpdump.write_samples(f, s, ids[s], labels[s])
        for i, name in enumerate(names):
            _, latent, _, epochs, desc = ENCODERS[name]
            seed = encoder_seed(name, args.seed)
            log(f"[{i + 1}/{len(names)}] {name} ({desc}), {args.regime}, seed {seed}")
            enc, secs = train_encoder(name, args.regime, data, 1 if args.quick else epochs, log,
                                      args.seed)
            taps = {s: embed(enc, data[s][0]) for s in data}
            for f, (path, ds, tap) in zip(files, families):
                z = {s: taps[s][tap] for s in data}
                irpdump.write_space(f, name, z["train"], z["test"], model=name,
                                    architecture=desc, seed=np.int64(seed), regime=args.regime,
                                    epochs=np.int32(1 if args.quick else epochs),
                                    train_seconds=float(secs), modality="image",
                                    tap=NONNEG_TAP if tap else TAPS[name],
                                    negative_fraction=float((z["test"] < 0).mean()),
                                    torch_version=torch.__version__)
                write_heads(f, name, seed, z, labels, head_epochs, log, ds)
        for f in files:
            f.attrs["total_seconds"] = time.time() - t_all
    log(f"wrote {', '.join(p for p, _, _ in families)} in {time.time() - t_all:.0f}s")


if __name__ == "__main__":
    cli.run(main)
