#!/usr/bin/python3
"""Paper-scale data path: embed the paper's datasets with the paper's encoders and write
irp-embeddings/1 dumps (the schema the C harness reads), with linear heads trained on frozen
features. Needs internet and, for the paper's encoders, packages Debian does not ship:

  pip install "torch>=1.13" "torchvision>=0.14" "timm>=0.9" "transformers>=4.30" \
      "datasets>=2.14" h5py numpy pillow          # written against these versions

Examples (a GPU helps; CPU works, slowly):
  python3 data/paper/extract.py --dataset cifar100-fine --encoders paper-vision \
      --out data/dumps/paper/cifar100-fine.h5
  python3 data/paper/extract.py --dataset trec --encoders paper-text \
      --out data/dumps/paper/trec.h5
  python3 data/paper/extract.py --parallel-tsv wikimatrix.en-es-fr-ja.tsv \
      --encoders paper-language --out data/dumps/paper/wikimatrix.h5
  python3 data/paper/extract.py --paired-jsonl news-multimodal.jsonl \
      --encoders paper-vision,paper-text --out data/dumps/paper/cross-domain.h5

Encoder specs: timm:<model> (num_classes=0: pooled features), clip:<hf id> (image tower,
projected), hf:<hf id>:<cls|mean> (text; CLS token or attention-masked mean of the last
hidden state), tv:<torchvision arch> (randomly initialised stand-in, for offline tests), bow:<dim>
(hashed bag of words through a fixed random projection: an offline text stand-in).
Datasets: mnist, fashion-mnist, cifar10, cifar100-coarse, cifar100-fine (torchvision
downloads), trec, 20newsgroups (Hugging Face datasets). --source debian reads Debian's
Fashion-MNIST instead of downloading (offline tests). Sample ids: train i -> i,
test i -> 100000 + i, as in data/train_encoders.py.
"""
import argparse
import os
import pickle
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import pin_numerics  # noqa: E402  (first: before numpy and torch load)
import numpy as np  # noqa: E402

import irpdump  # noqa: E402

PAPER_ENCODERS = {
    "paper-vision": ["timm:rexnet_100", "timm:vit_base_patch16_224", "timm:vit_base_patch16_384",
                     "timm:vit_small_patch16_224", "timm:vit_base_resnet50_384",
                     "clip:openai/clip-vit-base-patch32"],
    "paper-text": ["hf:bert-base-cased:cls", "hf:roberta-base:cls",
                   "hf:google/electra-base-discriminator:cls", "hf:albert-base-v2:cls",
                   "hf:xlm-roberta-base:mean"],
    # one encoder per language, plus the multilingual reference (XLM-R)
    "paper-language": ["hf:roberta-base:mean@en", "hf:PlanTL-GOB-ES/roberta-base-bne:mean@es",
                       "hf:camembert-base:mean@fr", "hf:rinna/japanese-roberta-base:mean@ja",
                       "hf:xlm-roberta-base:mean@*"],
}
TEXT_DATASETS = {"trec": ("trec", "coarse_label", "text"),
                 "20newsgroups": ("SetFit/20_newsgroups", "label", "text")}
TEST_ID_OFFSET = 100000


# ---- pooling (tested offline by --selftest) ----

def pool(hidden, mask, how):
    """hidden [B, T, H], mask [B, T] (1 = token): CLS (first token) or masked mean."""
    import torch
    if how == "cls":
        return hidden[:, 0]
    if how == "mean":
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
    raise ValueError(f"unknown pooling '{how}' (cls or mean)")


def cifar100_labels(pickle_path, coarse):
    """CIFAR-100's python pickles hold both label sets; torchvision exposes only the fine ones."""
    with open(pickle_path, "rb") as fh:
        entry = pickle.load(fh, encoding="latin1")
    return np.asarray(entry["coarse_labels" if coarse else "fine_labels"], dtype=np.int64)


# ---- datasets ----

def vision_dataset(name, root, source):
    """Returns {split: (list of PIL images, labels)}, class names."""
    from PIL import Image
    if source == "debian":
        if name != "fashion-mnist":
            raise SystemExit("--source debian has only fashion-mnist")
        sys.path.insert(0, os.path.dirname(HERE))
        from train_encoders import CLASS_NAMES, FMNIST_DIR, read_idx
        out = {}
        for split, prefix in (("train", "train"), ("test", "t10k")):
            x = read_idx(os.path.join(FMNIST_DIR, f"{prefix}-images-idx3-ubyte.gz"), (28, 28))
            y = read_idx(os.path.join(FMNIST_DIR, f"{prefix}-labels-idx1-ubyte.gz"), ())
            out[split] = ([Image.fromarray(a) for a in x], y.astype(np.int64))
        return out, CLASS_NAMES
    import torchvision.datasets as tvd
    cls = {"mnist": tvd.MNIST, "fashion-mnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10,
           "cifar100-coarse": tvd.CIFAR100, "cifar100-fine": tvd.CIFAR100}[name]
    out, names = {}, None
    for split in ("train", "test"):
        ds = cls(root, train=split == "train", download=True)
        imgs = [ds[i][0] for i in range(len(ds))]
        labels = np.asarray(ds.targets, dtype=np.int64)
        if name == "cifar100-coarse":
            labels = cifar100_labels(os.path.join(root, ds.base_folder, split), coarse=True)
            with open(os.path.join(root, ds.base_folder, "meta"), "rb") as fh:
                names = pickle.load(fh, encoding="latin1")["coarse_label_names"]
        out[split] = (imgs, labels)
        names = names or list(ds.classes)
    return out, names


def text_dataset(name):
    from datasets import load_dataset
    hub, label_key, text_key = TEXT_DATASETS[name]
    ds = load_dataset(hub)
    out = {s: (list(ds[s][text_key]), np.asarray(ds[s][label_key], dtype=np.int64))
           for s in ("train", "test")}
    feat = ds["train"].features[label_key]
    names = list(feat.names) if hasattr(feat, "names") else \
        [str(c) for c in sorted(set(out["train"][1]))]
    return out, names


# ---- encoders: spec -> (name, modality, embed(list of inputs) -> np.float32 [n, d]) ----

def vision_encoder(spec, device):
    import torch
    kind, _, model_id = spec.partition(":")
    if kind == "timm":
        import timm
        model = timm.create_model(model_id, pretrained=True, num_classes=0).eval().to(device)
        cfg = timm.data.resolve_data_config({}, model=model)
        tf = timm.data.create_transform(**cfg)
        fwd = model
    elif kind == "clip":
        from transformers import CLIPModel, CLIPProcessor
        model = CLIPModel.from_pretrained(model_id).eval().to(device)
        proc = CLIPProcessor.from_pretrained(model_id)
        tf = lambda im: proc(images=im, return_tensors="pt")["pixel_values"][0]
        fwd = model.get_image_features
    elif kind == "tv":
        import torchvision
        import torchvision.transforms as T
        model = getattr(torchvision.models, model_id)(weights=None)
        for head in ("fc", "classifier", "heads"):
            if hasattr(model, head):
                setattr(model, head, torch.nn.Identity())
        model = model.eval().to(device)
        tf = T.Compose([T.Resize(64), T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])
        fwd = model
    else:
        raise SystemExit(f"unknown vision encoder '{spec}' (timm:, clip:, tv:)")

    def embed(images, bs=64):
        outs = []
        with torch.no_grad():
            for i in range(0, len(images), bs):
                x = torch.stack([tf(im.convert("RGB")) for im in images[i:i + bs]]).to(device)
                outs.append(fwd(x).float().cpu())
        return torch.cat(outs).numpy().astype(np.float32)
    return model_id.replace("/", "-"), "image", embed


def bow_encoder(dim):
    """Hashed bag of words (crc32 of lower-cased tokens) through a fixed Gaussian projection."""
    import re
    import zlib
    rng = np.random.default_rng(dim)
    proj = rng.standard_normal((4096, dim)).astype(np.float32)

    def embed(texts):
        out = np.zeros((len(texts), dim), np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[\w']+", t.lower()):
                out[i] += proj[zlib.crc32(w.encode()) % 4096]
        return out
    return embed


def text_encoder(spec, device):
    kind, _, rest = spec.partition(":")
    if kind == "bow":
        return f"bow{int(rest)}", "text", bow_encoder(int(rest))
    import torch
    from transformers import AutoModel, AutoTokenizer
    if kind != "hf":
        raise SystemExit(f"unknown text encoder '{spec}' (hf:<id>:<cls|mean>, bow:<dim>)")
    model_id, _, how = rest.rpartition(":")
    tok = AutoTokenizer.from_pretrained(model_id)
    model = AutoModel.from_pretrained(model_id).eval().to(device)

    def embed(texts, bs=64):
        outs = []
        with torch.no_grad():
            for i in range(0, len(texts), bs):
                b = tok(texts[i:i + bs], padding=True, truncation=True, max_length=256,
                        return_tensors="pt").to(device)
                h = model(**b).last_hidden_state
                outs.append(pool(h, b["attention_mask"], how).float().cpu())
        return torch.cat(outs).numpy().astype(np.float32)
    return f"{model_id.replace('/', '-')}-{how}", "text", embed


def write_dump(path, dataset, names, ids, labels, spaces, head_epochs, log):
    from train_encoders import train_head
    with irpdump.create(path, dataset, names, producer="data/paper/extract.py") as f:
        for s in ("train", "test"):
            irpdump.write_samples(f, s, ids[s], None if labels is None else labels[s])
        for name, modality, z, seconds in spaces:
            irpdump.write_space(f, name, z["train"], z["test"], model=name, modality=modality,
                                embed_seconds=float(seconds))
            if labels is None:
                continue
            layers = train_head(z["train"], labels["train"], 0, "identity", 0, head_epochs,
                                num_classes=len(names))
            acc = {s: irpdump.head_accuracy(layers, "identity", z[s], labels[s]) for s in z}
            irpdump.write_linear_head(f, name, "linear", *layers[0],
                                      train_accuracy=acc["train"], test_accuracy=acc["test"])
            log(f"  {name}: linear head test accuracy {acc['test']:.4f}")


def selftest():
    """Offline checks of the parts that need no download (run by tests/test_paper.c)."""
    import tempfile
    import torch
    h = torch.arange(2 * 3 * 2, dtype=torch.float32).view(2, 3, 2)
    m = torch.tensor([[1, 1, 0], [1, 1, 1]])
    assert torch.equal(pool(h, m, "cls"), h[:, 0])
    assert torch.allclose(pool(h, m, "mean")[0], (h[0, 0] + h[0, 1]) / 2)
    assert torch.allclose(pool(h, m, "mean")[1], h[1].mean(0))
    try:
        pool(h, m, "max")
        raise AssertionError("pool accepted 'max'")
    except ValueError:
        pass
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as fh:
        pickle.dump({"fine_labels": [5, 7], "coarse_labels": [1, 2]}, fh)
    assert list(cifar100_labels(fh.name, True)) == [1, 2]
    assert list(cifar100_labels(fh.name, False)) == [5, 7]
    os.remove(fh.name)
    for group, specs in PAPER_ENCODERS.items():
        assert specs and all(s.split(":")[0] in ("timm", "clip", "hf") for s in specs), group
    print("selftest: 4 checks passed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--dataset", choices=["mnist", "fashion-mnist", "cifar10", "cifar100-coarse",
                                          "cifar100-fine", "trec", "20newsgroups"])
    ap.add_argument("--parallel-tsv", help="aligned sentences, one column per language (header "
                    "row of language codes, e.g. en es fr ja); cross-lingual dump, no labels")
    ap.add_argument("--paired-jsonl", help="cross-domain: one JSON object per line with 'image' "
                    "(a path), 'text' and 'label' (int); vision encoders embed the images, text "
                    "encoders the texts, rows parallel; an optional 'split' of train/test")
    ap.add_argument("--encoders", required=False, default="",
                    help="comma-separated specs, or paper-vision / paper-text / paper-language")
    ap.add_argument("--out")
    ap.add_argument("--source", choices=["download", "debian"], default="download")
    ap.add_argument("--root", default=os.path.expanduser("~/.cache/irp-datasets"))
    ap.add_argument("--limit-train", type=int, default=0)
    ap.add_argument("--limit-test", type=int, default=0)
    ap.add_argument("--test-fraction", type=float, default=0.2,
                    help="--parallel-tsv: share of rows held out as test")
    ap.add_argument("--head-epochs", type=int, default=10)
    ap.add_argument("--device", default="cuda" if _has_cuda() else "cpu")
    ap.add_argument("--selftest", action="store_true")
    args = ap.parse_args()
    if args.selftest:
        return selftest()
    if not args.out or not (args.dataset or args.parallel_tsv or args.paired_jsonl) or \
            not args.encoders:
        ap.error("--out, --encoders and one of --dataset / --parallel-tsv / --paired-jsonl "
                 "are required")
    log = lambda s: print(s, file=sys.stderr, flush=True)
    specs = [x for e in args.encoders.split(",") if e for x in PAPER_ENCODERS.get(e, [e])]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    try:
        if args.parallel_tsv:
            return parallel(args, specs, log)
        if args.paired_jsonl:
            return paired(args, specs, log)
        text = args.dataset in TEXT_DATASETS
        data, names = text_dataset(args.dataset) if text else \
            vision_dataset(args.dataset, args.root, args.source)
    except ImportError as e:
        raise SystemExit(f"extract: {args.dataset} needs the Python package '{e.name}' "
                         "(pip install datasets torchvision; see --help)")
    except OSError as e:  # no network: say so in one line
        raise SystemExit(f"extract: cannot get {args.dataset}: {e}; this step needs internet "
                         f"(or --source debian for fashion-mnist)")
    for s, lim in (("train", args.limit_train), ("test", args.limit_test)):
        if lim:
            data[s] = (data[s][0][:lim], data[s][1][:lim])
    ids = {"train": np.arange(len(data["train"][1])),
           "test": TEST_ID_OFFSET + np.arange(len(data["test"][1]))}
    spaces = []
    for i, spec in enumerate(specs):
        t0 = time.time()
        name, modality, embed = load_encoder(text_encoder if text else vision_encoder, spec,
                                             args.device)
        log(f"[{i + 1}/{len(specs)}] {spec}")
        z = {s: embed(data[s][0]) for s in ("train", "test")}
        spaces.append((name, modality, z, time.time() - t0))
    write_dump(args.out, args.dataset, names, ids, {s: data[s][1] for s in data}, spaces,
               args.head_epochs, log)
    log(f"wrote {args.out}")


def parallel(args, specs, log):
    """Cross-lingual: each encoder embeds its own language's column (suffix @lang; @* embeds
    the column of every language, for the multilingual reference)."""
    import csv
    with open(args.parallel_tsv, newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    langs, rows = rows[0], rows[1:]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(rows))
    n_test = int(len(rows) * args.test_fraction)
    split = {"test": order[:n_test], "train": order[n_test:]}
    ids = {s: split[s] + (TEST_ID_OFFSET if s == "test" else 0) for s in split}
    spaces = []
    for spec in specs:
        spec, _, lang = spec.rpartition("@")
        targets = langs if lang == "*" else [lang]
        for lg in targets:
            col = langs.index(lg)
            name, modality, embed = load_encoder(text_encoder, spec, args.device)
            t0 = time.time()
            z = {s: embed([rows[i][col] for i in split[s]]) for s in split}
            spaces.append((f"{lg}-{name}", modality, z, time.time() - t0))
            log(f"  {lg}: {name}")
    write_dump(args.out, "wikimatrix", ["unlabeled"], ids, None, spaces, args.head_epochs, log)
    log(f"wrote {args.out}")


TEXT_KINDS = ("hf", "bow")


def paired(args, specs, log):
    """Cross-domain: images and their texts, one row per pair, both modalities in one dump."""
    import json
    from PIL import Image
    with open(args.paired_jsonl) as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    base = os.path.dirname(os.path.abspath(args.paired_jsonl))
    rng = np.random.default_rng(0)
    is_test = np.array([it.get("split") == "test" for it in items]) \
        if all("split" in it for it in items) else rng.random(len(items)) < args.test_fraction
    split = {"train": np.flatnonzero(~is_test), "test": np.flatnonzero(is_test)}
    labels = {s: np.array([int(items[i]["label"]) for i in split[s]]) for s in split}
    names = [str(c) for c in range(int(max(max(l) for l in labels.values())) + 1)]
    ids = {s: split[s] + (TEST_ID_OFFSET if s == "test" else 0) for s in split}
    spaces = []
    for spec in specs:
        text = spec.split(":")[0] in TEXT_KINDS
        name, modality, embed = load_encoder(text_encoder if text else vision_encoder, spec,
                                             args.device)
        t0 = time.time()
        inputs = {s: [items[i]["text"] if text else
                      Image.open(os.path.join(base, items[i]["image"])) for i in split[s]]
                  for s in split}
        z = {s: embed(inputs[s]) for s in split}
        spaces.append((name, modality, z, time.time() - t0))
        log(f"  {modality}: {name}")
    write_dump(args.out, "paired", names, ids, labels, spaces, args.head_epochs, log)
    log(f"wrote {args.out}")


def load_encoder(make, spec, device):
    """make(spec) with one-line errors: a missing package or an unreachable model hub."""
    try:
        return make(spec, device)
    except ImportError as e:
        raise SystemExit(f"extract: encoder {spec} needs the Python package '{e.name}' "
                         "(pip install timm transformers; see --help)")
    except SystemExit:
        raise
    except Exception as e:  # hub offline, unknown model id, ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise SystemExit(f"extract: cannot load encoder {spec}: {first} (needs internet for "
                         "pretrained weights)")


def _has_cuda():
    try:
        import torch
        return torch.cuda.is_available()
    except ImportError:
        return False


if __name__ == "__main__":
    main()
