"""irp.dump — write embedding dumps in the irp-embeddings/1 HDF5 schema.

From arrays and heads in one call (write_dump, below), or piece by piece:

    from irp import dump
    with dump.create("my.h5", dataset="my-data", class_names=[...]) as f:
        dump.write_samples(f, "train", ids_train, labels_train)
        dump.write_samples(f, "test", ids_test, labels_test)
        dump.write_space(f, "myenc", train_emb, test_emb, model="resnet18", seed=0)
        dump.write_linear_head(f, "myenc", "linear", W, b, train_accuracy=..., test_accuracy=...)

Layout (float32 embeddings, rows parallel across spaces; the C reader checks it):
  /                          attrs schema, dataset, num_classes, class_names (comma-joined)
  /samples/{train,test}/ids     int64 [n]
  /samples/{train,test}/labels  int32 [n]   (optional: absent for unlabeled parallel text)
  /spaces/<enc>/{train,test}    float32 [n, d]   attrs dim, modality, model, ...
  /spaces/<enc>/heads/<head>    attrs kind ("linear" | "mlp"), activation, num_layers,
                                train_accuracy, test_accuracy
      linear: weight [C, d], bias [C]
      mlp:    layer_<i>/weight [out, in], layer_<i>/bias [out]   (activation between layers)
Files are written to <path>.tmp and renamed on success (see create()).
"""
from __future__ import annotations

import contextlib
import os
import stat

import h5py
import numpy as np

SCHEMA = "irp-embeddings/1"


def prepare_output(path):
    """The temporary name to write `path` through (<path>.tmp, renamed when
    complete). Refuses a path that exists and is not a regular file (a FIFO,
    device, directory or symlink is never replaced: ValueError), and removes a
    stale <path>.tmp first (a symlink there is unlinked, never followed)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path: expected a file name, got {path!r}")
    path = os.fspath(path)
    for p, what in ((path, "the output"), (path + ".tmp", "its temporary file")):
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        if p == path and not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{path}: exists and is not a regular file; irp replaces only "
                             "regular files")
        if p != path:
            if stat.S_ISDIR(st.st_mode):
                raise ValueError(f"{p}: {what} is a directory")
            os.unlink(p)
    return path + ".tmp"


@contextlib.contextmanager
def create(path, dataset, class_names, **attrs):
    """Build the file in memory; write it to <path>.tmp and rename that to
    <path> only if the block succeeds. HDF5 never writes to disk here (its
    core driver, no backing store) and the image is written by Python: on a
    full disk libhdf5 1.10.8 leaves its state broken (closing the file again,
    or freeing its objects, crashed the interpreter), so a write error is now
    an ordinary OSError naming the path, and the .tmp is removed. The price:
    the dump is held in memory (twice, briefly, while its image is written).
    The file is closed exactly once."""
    tmp = prepare_output(path)
    try:
        f = h5py.File(tmp, "w", driver="core", backing_store=False)
    except OSError as e:
        raise OSError(f"{path}: cannot create an HDF5 file in memory ({_reason(e)})") from None
    closed, created = False, False
    try:
        f.attrs["schema"] = SCHEMA
        f.attrs["dataset"] = dataset
        f.attrs["num_classes"] = np.int32(len(class_names))
        f.attrs["class_names"] = ",".join(class_names)
        _set_attrs(f, attrs)
        yield f
        f.flush()
        image = f.id.get_file_image()
        closed = True  # before close(): a close that fails is not tried again
        f.close()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o666)
        created = True
        with os.fdopen(fd, "wb", buffering=0) as out:
            view = memoryview(image)
            while view:
                view = view[out.write(view[:1 << 24]):]
            del view, image
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        if not closed:
            closed = True
            try:
                f.close()
            except Exception:  # the first error is the one to report
                pass
        if created:
            try:
                os.remove(tmp)
            except FileNotFoundError:
                pass
        if isinstance(e, OSError):
            raise OSError(f"{path}: cannot write ({_reason(e)}); nothing written") from None
        raise


def _reason(e):
    """The first line of an OSError's message (HDF5's run over several)."""
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def write_samples(f, split, ids, labels=None):
    g = f.require_group("samples").create_group(split)
    g.create_dataset("ids", data=np.asarray(ids, dtype=np.int64))
    if labels is not None:
        g.create_dataset("labels", data=np.asarray(labels, dtype=np.int32))


def write_space(f, name, train, test, **attrs):
    g = f.require_group("spaces").create_group(name)
    train = np.asarray(train, dtype=np.float32)
    test = np.asarray(test, dtype=np.float32)
    assert train.ndim == 2 and test.ndim == 2 and train.shape[1] == test.shape[1]
    g.create_dataset("train", data=train)
    g.create_dataset("test", data=test)
    g.attrs["dim"] = np.int32(train.shape[1])
    g.attrs.setdefault("modality", "image")
    _set_attrs(g, attrs)
    return g


def _set_attrs(obj, attrs):
    for k, v in attrs.items():
        obj.attrs[k] = str(v) if isinstance(v, str) else v  # str subclasses confuse h5py


def _head_group(f, space, head, kind, **attrs):
    g = f["spaces"][space].require_group("heads").create_group(head)
    g.attrs["kind"] = kind
    _set_attrs(g, attrs)
    return g


def write_linear_head(f, space, head, weight, bias, **attrs):
    g = _head_group(f, space, head, "linear", activation="identity", num_layers=np.int32(1),
                    **attrs)
    g.create_dataset("weight", data=np.asarray(weight, dtype=np.float32))
    g.create_dataset("bias", data=np.asarray(bias, dtype=np.float32))


def write_mlp_head(f, space, head, layers, activation, **attrs):
    """layers: [(weight [out, in], bias [out]), ...]; activation between layers."""
    g = _head_group(f, space, head, "mlp", activation=activation,
                    num_layers=np.int32(len(layers)), **attrs)
    for i, (w, b) in enumerate(layers):
        lg = g.create_group(f"layer_{i}")
        lg.create_dataset("weight", data=np.asarray(w, dtype=np.float32))
        lg.create_dataset("bias", data=np.asarray(b, dtype=np.float32))


ACTIVATIONS = {
    "identity": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
}


def head_accuracy(layers, activation, z, labels):
    """Accuracy in float64 exactly as the C harness computes it (argmax, first on ties)."""
    if activation == "gelu":
        from math import erf, sqrt
        verf = np.vectorize(erf)
        act = lambda x: 0.5 * x * (1.0 + verf(x / sqrt(2.0)))
    else:
        act = ACTIVATIONS[activation]
    h = np.asarray(z, dtype=np.float64)
    for i, (w, b) in enumerate(layers):
        h = h @ np.asarray(w, dtype=np.float32).astype(np.float64).T + \
            np.asarray(b, dtype=np.float32).astype(np.float64)
        if i + 1 < len(layers):
            h = act(h)
    return float(np.mean(np.argmax(h, axis=1) == np.asarray(labels)))


# ---- one call: arrays and heads in, a valid dump out ----

_SK_ACT = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}


def _binary(layers):
    """A head with one output (a binary scikit-learn head: class 1 when the
    score is > 0) as two logits [0, score]: the same argmax, ties to class 0."""
    w, b = layers[-1]
    if w.shape[0] == 1:
        layers[-1] = (np.vstack([np.zeros_like(w), w]), np.concatenate([np.zeros(1), b]))
    return layers


def head_layers(head):
    """(layers, activation) of a classification head: [(weight [out, in],
    bias [out]), ...] and the activation between layers. Accepts a
    scikit-learn linear classifier (coef_, intercept_: LogisticRegression,
    LinearSVC, RidgeClassifier, SGDClassifier; binary ones too), an
    MLPClassifier (coefs_ are [in, out]: transposed here), a torch nn.Linear
    or nn.Sequential of Linear layers with one kind of activation between them,
    a (weight, bias) pair, or a ([(weight, bias), ...], activation) pair."""
    if hasattr(head, "coefs_") and hasattr(head, "intercepts_"):  # MLPClassifier
        act = getattr(head, "activation", "relu")
        if act not in _SK_ACT:
            raise ValueError(f"MLPClassifier activation {act!r}: expected one of {list(_SK_ACT)}")
        layers = [(np.asarray(w, dtype=np.float64).T, np.asarray(b, dtype=np.float64))
                  for w, b in zip(head.coefs_, head.intercepts_)]
        return _binary(layers), _SK_ACT[act]
    if hasattr(head, "coef_") and hasattr(head, "intercept_"):  # linear scikit-learn heads
        w = np.atleast_2d(np.asarray(head.coef_, dtype=np.float64))
        b = np.atleast_1d(np.asarray(head.intercept_, dtype=np.float64))
        if b.shape[0] == 1 and w.shape[0] == 1:
            return _binary([(w, b)]), "identity"
        return [(w, b)], "identity"
    mods = None
    if hasattr(head, "weight") and hasattr(head, "bias"):  # torch.nn.Linear
        mods = [head]
    elif hasattr(head, "children") and callable(head.children):  # torch.nn.Sequential
        mods = list(head.children())
    if mods is not None:
        layers, acts = [], set()
        names = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "GELU": "gelu",
                 "Identity": "identity"}
        for m in mods:
            kind = type(m).__name__
            if kind == "Linear":
                b = m.bias.detach().cpu().double().numpy() if m.bias is not None else \
                    np.zeros(m.weight.shape[0])
                layers.append((m.weight.detach().cpu().double().numpy(), b))
            elif kind in names:
                acts.add(names[kind])
            elif kind != "Dropout":
                raise ValueError(f"torch head: layer {kind} is not a Linear layer or one of "
                                 f"{sorted(names)} (Dropout is ignored)")
        if not layers or len(acts) > 1:
            raise ValueError("torch head: expected Linear layers with one kind of activation "
                             f"between them, got {len(layers)} Linear and {sorted(acts)}")
        return layers, acts.pop() if acts else "identity"
    if isinstance(head, tuple) and len(head) == 2 and isinstance(head[1], str):
        return [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
                for w, b in head[0]], head[1]
    if isinstance(head, tuple) and len(head) == 2:
        return [(np.asarray(head[0], dtype=np.float64),
                 np.asarray(head[1], dtype=np.float64))], "identity"
    raise ValueError(f"head of type {type(head).__name__}: expected a scikit-learn classifier, "
                     "a torch Linear/Sequential, (weight, bias) or ([(weight, bias), ...], "
                     "activation)")


F32_MAX = float(np.finfo(np.float32).max)
RESERVED = ("schema", "dataset", "num_classes", "class_names")


def _array2(name, a):
    m = np.asarray(a)
    if m.ndim != 2 or 0 in m.shape or m.dtype.kind not in "iuf":
        raise ValueError(f"{name}: expected a non-empty 2-D array of real numbers, got "
                         f"{m.dtype} of shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name}: has non-finite values")
    if np.abs(m).max() > F32_MAX:
        raise ValueError(f"{name}: values beyond float32's range (embeddings are stored as "
                         "float32)")
    return m


def _name(what, n):
    """Names irp accepts: a non-empty printable string of at most 200 characters
    without '/' (an HDF5 path separator) or ',' (the list separator)."""
    if not isinstance(n, str) or not n or len(n) > 200 or "/" in n or "," in n or \
            not n.isprintable():
        raise ValueError(f"{what} {n!r}: expected a printable name of 1 to 200 characters "
                         "without '/' or ','")
    return n


def write_dump(path: str, spaces: dict, train_labels=None, test_labels=None,
               class_names=None, heads: dict | None = None, train_ids=None, test_ids=None,
               dataset: str = "my-data", **attrs) -> None:
    """Write a dump irp reads, from arrays:

    spaces       {name: (train, test)}: each encoder's embeddings, n_train x d and
                 n_test x d; row i is the same input in every space.
    train_labels, test_labels  integer class per row (both or neither).
    class_names  the classes' names (default "0", "1", ...).
    heads        {space: {head name: head}}: classifiers on that space (see
                 head_layers for what a head may be); their accuracies on both
                 splits are computed here as irp computes them and recorded.
    train_ids, test_ids  unique sample ids (default 0.. and n_train..).
    dataset      a name for the data; other keyword arguments become root
                 attributes.

    Raises ValueError naming the argument on a wrong shape, a repeated id, a
    label out of range or a head that does not fit its space."""
    if not isinstance(spaces, dict) or not spaces:
        raise ValueError("spaces: expected {name: (train, test)} with at least one space")
    arrays = {}
    for k in attrs:
        if k in RESERVED:
            raise ValueError(f"{k}: set by write_dump itself, not as an extra attribute")
    for name, pair in spaces.items():
        _name("spaces: name", name)
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"spaces[{name!r}]: expected (train, test)")
        tr, te = _array2(f"spaces[{name!r}] train", pair[0]), _array2(f"spaces[{name!r}] test",
                                                                    pair[1])
        if tr.shape[1] != te.shape[1]:
            raise ValueError(f"spaces[{name!r}]: train has {tr.shape[1]} columns, test "
                             f"{te.shape[1]}")
        tr32, te32 = tr.astype(np.float32), te.astype(np.float32)
        _nonzero_rows(f"spaces[{name!r}] train", tr32, tr)
        _nonzero_rows(f"spaces[{name!r}] test", te32, te)
        arrays[name] = (tr32, te32)
    first = next(iter(arrays))
    n_tr, n_te = arrays[first][0].shape[0], arrays[first][1].shape[0]
    for name, (tr, te) in arrays.items():
        if (tr.shape[0], te.shape[0]) != (n_tr, n_te):
            raise ValueError(f"spaces[{name!r}]: {tr.shape[0]} train / {te.shape[0]} test rows, "
                             f"but {first!r} has {n_tr} / {n_te}; rows must be parallel")
    ids = {}
    for split, given, n, start in (("train", train_ids, n_tr, 0), ("test", test_ids, n_te, n_tr)):
        v = np.arange(start, start + n, dtype=np.int64) if given is None else np.asarray(given)
        if v.dtype.kind not in "iu":
            raise ValueError(f"{split}_ids: expected integers, got {v.dtype}")
        v = v.astype(np.int64)
        if v.shape != (n,):
            raise ValueError(f"{split}_ids: expected {n} ids, got shape {v.shape}")
        ids[split] = v
    both = np.concatenate([ids["train"], ids["test"]])
    if len(np.unique(both)) != len(both):
        raise ValueError("train_ids/test_ids: ids must be unique across both splits")
    if (train_labels is None) != (test_labels is None):
        raise ValueError("train_labels, test_labels: give both or neither")
    labels = {}
    if train_labels is not None:
        for split, given, n in (("train", train_labels, n_tr), ("test", test_labels, n_te)):
            v = np.asarray(given)
            if v.shape != (n,) or not np.issubdtype(v.dtype, np.integer):
                raise ValueError(f"{split}_labels: expected {n} integers, got shape {v.shape} "
                                 f"of {v.dtype}")
            labels[split] = v.astype(np.int64)
        top = int(max(labels["train"].max(), labels["test"].max())) + 1
        if min(labels["train"].min(), labels["test"].min()) < 0:
            raise ValueError("labels: expected classes 0, 1, ...; got a negative label")
        if top > 1000000:
            raise ValueError(f"labels: a label of {top - 1}; irp reads at most 1,000,000 "
                             "classes (labels 0 .. 999999)")
    else:
        top = 1
    if class_names is None:
        class_names = [str(c) for c in range(top)]
    class_names = [str(c) for c in class_names]
    if len(class_names) < top or any("," in c for c in class_names):
        raise ValueError(f"class_names: expected at least {top} names without commas")
    for c in class_names:
        if not c.isprintable():
            raise ValueError(f"class_names: {c!r} is not printable")
    heads = heads or {}
    for space, named in heads.items():
        for hname in named:
            _name(f"heads[{space!r}]: name", hname)
    for space in heads:
        if space not in arrays:
            raise ValueError(f"heads: {space!r} is not one of the spaces {list(arrays)}")
        if not labels:
            raise ValueError("heads: a dump with heads needs train_labels and test_labels")
    checked = {name: {hname: _head_checked(f"heads[{name!r}][{hname!r}]", head,
                                           arrays[name][0].shape[1], len(class_names))
                      for hname, head in heads.get(name, {}).items()} for name in arrays}
    with create(path, dataset, class_names, **attrs) as f:
        for split in ("train", "test"):
            write_samples(f, split, ids[split], labels.get(split))
        for name, (tr, te) in arrays.items():
            write_space(f, name, tr, te, model=name)
            for hname, (layers, act) in checked[name].items():
                acc = {s: head_accuracy(layers, act, z, labels[s])
                       for s, z in (("train", tr), ("test", te))}
                kw = dict(train_accuracy=acc["train"], test_accuracy=acc["test"])
                if len(layers) == 1 and act == "identity":
                    write_linear_head(f, name, hname, *layers[0], **kw)
                else:
                    write_mlp_head(f, name, hname, layers, act, **kw)


def _nonzero_rows(name, m32, m):
    """Refuse an all-zero row of the float32 embeddings m32 (from m): irp
    normalises every row, and its loader refuses one (dump_check_nonzero)."""
    zero = ~np.any(m32 != 0, axis=1)
    if zero.any():
        i = int(np.argmax(zero))
        why = "is all zero" if not np.any(m[i] != 0) else \
            "is all zero in float32 (its values underflow: embeddings are stored as float32)"
        raise ValueError(f"{name}: row {i} {why}; irp normalises every row, so an all-zero "
                         "embedding cannot be encoded")


MAX_LAYERS = 64  # the C loader's limit on num_layers


def _head_checked(name, head, dim, num_classes):
    """(layers, activation) of a head, checked as the C loader checks it: 1 to
    64 layers, each weight [out, in] chained from the space's dimension to the
    number of classes, a bias [out] each, every value finite in float32."""
    layers, act = head_layers(head)
    if not 1 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"{name}: {len(layers)} layers; irp reads 1 to {MAX_LAYERS}")
    out, fan_in = [], dim
    for i, (w, b) in enumerate(layers):
        what = f"{name} layer {i}" if len(layers) > 1 else name
        w, b = np.asarray(w), np.asarray(b)
        for part, a, nd in (("weight", w, 2), ("bias", b, 1)):
            if a.ndim != nd or 0 in a.shape or a.dtype.kind not in "iuf":
                raise ValueError(f"{what} {part}: expected a non-empty {nd}-D array of real "
                                 f"numbers, got {a.dtype} of shape {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{what} {part}: has non-finite values (NaN or infinity)")
            if np.abs(a).max() > F32_MAX:
                raise ValueError(f"{what} {part}: values beyond float32's range (heads are "
                                 "stored as float32)")
        if w.shape[1] != fan_in:
            raise ValueError(f"{name}: maps {w.shape[1]} inputs to {layers[-1][0].shape[0]} "
                             f"classes; the space has {dim} dimensions and there are "
                             f"{num_classes} classes" if i == 0 else
                             f"{what} weight: takes {w.shape[1]} inputs, but layer {i - 1} has "
                             f"{fan_in} outputs")
        if b.shape != (w.shape[0],):
            raise ValueError(f"{what} bias: shape {b.shape} for a weight of shape {w.shape}; "
                             f"expected ({w.shape[0]},)")
        out.append((w.astype(np.float64), b.astype(np.float64)))
        fan_in = w.shape[0]
    if fan_in != num_classes:
        raise ValueError(f"{name}: maps {dim} inputs to {fan_in} classes; the space has {dim} "
                         f"dimensions and there are {num_classes} classes")
    return out, act
