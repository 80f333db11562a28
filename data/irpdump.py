"""irpdump — write embedding dumps in the irp-embeddings/1 HDF5 schema.

The whole contract, so a researcher can dump their own encoder in a few lines:

    import h5py, irpdump
    with irpdump.create("my.h5", dataset="fashion-mnist", class_names=[...]) as f:
        irpdump.write_samples(f, "train", ids_train, labels_train)
        irpdump.write_samples(f, "test", ids_test, labels_test)
        irpdump.write_space(f, "myenc", train_emb, test_emb, model="resnet18", seed=0)
        irpdump.write_linear_head(f, "myenc", "linear", W, b, train_accuracy=..., test_accuracy=...)

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
import contextlib
import os

import h5py
import numpy as np

SCHEMA = "irp-embeddings/1"


@contextlib.contextmanager
def create(path, dataset, class_names, **attrs):
    """Open <path>.tmp for writing; rename to <path> only if the block succeeds."""
    tmp = path + ".tmp"
    f = h5py.File(tmp, "w")
    try:
        f.attrs["schema"] = SCHEMA
        f.attrs["dataset"] = dataset
        f.attrs["num_classes"] = np.int32(len(class_names))
        f.attrs["class_names"] = ",".join(class_names)
        _set_attrs(f, attrs)
        yield f
        f.close()
        os.replace(tmp, path)
    except BaseException:
        f.close()
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


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
