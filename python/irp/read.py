"""Reading what irp writes, from Python: result tables (irp run) and dumps.

    t = irp.read_table("results/stitch.csv")
    t                                   # ResultTable('results/stitch.csv', 420 rows, ...)
    zs = t.where(method="irp", metric="accuracy", center="true")
    zs.value.mean(), zs.encoder, zs.decoder          # NumPy arrays, one entry per row
    t.pivot("encoder", "decoder", method="irp", metric="accuracy", center="true")

    d = irp.read_dump("mine.h5")        # Dump('mine.h5', dataset 'digits', 3 spaces, ...)
    d.spaces["pca"].train, d.train_labels, d.spaces["pca"].heads["linear"].layers

Both are untrusted input, as for the command: anything irp itself would refuse
raises ValueError naming the file (and line, dataset or key), before any large
allocation."""
from __future__ import annotations

import csv
import math
import os
import stat

import numpy as np

from ._core import _guarded, _plausible, _regular

# harness/plumbing/keys.h: the result table's columns, in order
TEXT_COLUMNS = ("experiment", "dataset", "anchors", "anchor_seed", "omega", "delta", "prune",
                "rcond", "lambda", "rescale", "center", "completion", "seed", "head", "factor",
                "scale_mode", "encoder", "decoder", "method", "metric")
RESULT_COLUMNS = TEXT_COLUMNS + ("value",)
DUMP_SCHEMA = "irp-embeddings/1"
MAX_TABLE_BYTES = 1 << 32


class ResultTable:
    """A result table of 'irp run' (long format: one row per cell, pair, method
    and metric). Each column is an attribute holding a NumPy array: text
    columns as str, `value` as float64 (NaN where the table has no number).
    `comments` holds the table's leading '# ' lines (the config and its hash,
    the provenance)."""

    def __init__(self, path, columns, comments):
        self.path = path
        self.columns = dict(columns)
        self.comments = list(comments)

    def __len__(self):
        return len(self.columns["value"])

    def __getattr__(self, name):
        cols = self.__dict__.get("columns", {})
        if name in cols:
            return cols[name]
        raise AttributeError(f"ResultTable has no column or attribute {name!r}; columns: "
                             f"{', '.join(cols)}")

    def __getitem__(self, name):
        return self.columns[name]

    def __repr__(self):
        uniq = {c: sorted(set(self.columns[c].tolist())) for c in ("experiment", "method",
                                                                    "metric")}
        return (f"ResultTable({self.path!r}, {len(self)} rows, experiment "
                f"{', '.join(uniq['experiment'])}; methods {', '.join(uniq['method'])}; "
                f"metrics {', '.join(uniq['metric'])})")

    def where(self, **equal):
        """The rows whose columns equal the given values (compared as text, as
        written in the table: center='true', delta='0.65'); a ResultTable."""
        keep = np.ones(len(self), dtype=bool)
        for col, want in equal.items():
            if col not in self.columns or col == "value":
                raise ValueError(f"where: {col!r} is not a text column of {self.path} "
                                 f"(columns: {', '.join(TEXT_COLUMNS)})")
            if isinstance(want, bool):
                want = "true" if want else "false"
            keep &= self.columns[col] == str(want)
        return ResultTable(self.path, {c: v[keep] for c, v in self.columns.items()},
                           self.comments)

    def pivot(self, rows, cols, **equal):
        """A 2-D array of `value` for the rows selected by where(**equal):
        one row per distinct `rows` value, one column per `cols` value, NaN where
        there is none. Returns (array, row_labels, col_labels). Each (row, col)
        must be one table row after the selection, else ValueError (select more)."""
        t = self.where(**equal)
        rl = list(dict.fromkeys(t.columns[rows].tolist()))
        cl = list(dict.fromkeys(t.columns[cols].tolist()))
        out = np.full((len(rl), len(cl)), np.nan)
        seen = np.zeros(out.shape, dtype=bool)
        ri, ci = {v: i for i, v in enumerate(rl)}, {v: i for i, v in enumerate(cl)}
        for r, c, v in zip(t.columns[rows], t.columns[cols], t.columns["value"]):
            i, j = ri[r], ci[c]
            if seen[i, j]:
                raise ValueError(f"pivot: several rows for {rows}={r}, {cols}={c}; select "
                                 "more columns with keyword arguments (method, metric, a "
                                 "swept setting)")
            seen[i, j] = True
            out[i, j] = v
        return out, rl, cl


def read_table(path: str) -> ResultTable:
    """Read a result table written by 'irp run' (results/<name>.csv) into a
    ResultTable. ValueError naming the file and line for anything else: other
    columns, a row of the wrong length, a value that is not a finite number."""
    st = _regular(path, "a result table of irp run (CSV)")
    if st.st_size > MAX_TABLE_BYTES:
        raise ValueError(f"{path}: {st.st_size:,} bytes, more than irp reads as a table")
    comments, body = [], []
    with open(path, newline="", encoding="utf-8", errors="strict") as f:
        try:
            lines = f.read().splitlines(keepends=True)
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    first_data = 0
    for first_data, line in enumerate(lines):
        if not line.startswith("#"):
            break
        comments.append(line[1:].strip())
    else:
        first_data = len(lines)
    reader = csv.reader(lines[first_data:], strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError(f"{path}: no header line; expected the columns "
                         f"{','.join(RESULT_COLUMNS)}") from None
    except csv.Error as e:
        raise ValueError(f"{path}: line {first_data + 1}: {e}") from None
    if tuple(header) != RESULT_COLUMNS:
        raise ValueError(f"{path}: line {first_data + 1}: columns {','.join(header)[:200]}; "
                         f"expected {','.join(RESULT_COLUMNS)} (a table of irp run)")
    cols = [[] for _ in RESULT_COLUMNS]
    try:
        for row in reader:
            line = first_data + reader.line_num
            if not row or (len(row) == 1 and row[0].startswith("#")):
                continue  # a trailing comment (cell files end with one)
            if len(row) != len(RESULT_COLUMNS):
                raise ValueError(f"{path}: line {line}: {len(row)} fields; expected "
                                 f"{len(RESULT_COLUMNS)}")
            v = row[-1]
            if v == "":
                x = math.nan
            else:
                try:
                    x = float(v)
                except ValueError:
                    x = math.nan
                if not math.isfinite(x):
                    raise ValueError(f"{path}: line {line}: value {v[:40]!r} is not a finite "
                                     "number")
            for c, field in zip(cols, row[:-1]):
                c.append(field)
            cols[-1].append(x)
    except csv.Error as e:
        raise ValueError(f"{path}: line {first_data + reader.line_num}: {e}") from None
    arrays = {name: np.array(c, dtype=str) for name, c in zip(TEXT_COLUMNS, cols)}
    arrays["value"] = np.array(cols[-1], dtype=np.float64)
    return ResultTable(path, arrays, comments)


class Head:
    """A classification head of a dump: `kind` ("linear" or "mlp"),
    `activation` (between layers), and `layers`, a list of (weight [out, in],
    bias [out]) float32 arrays: logits = z·Wᵀ + b layer after layer."""

    def __init__(self, kind, activation, layers, attrs):
        self.kind, self.activation, self.layers, self.attrs = kind, activation, layers, attrs

    def logits(self, z):
        """The head's logits for rows z (n x d)."""
        act = {"identity": lambda a: a, "relu": lambda a: np.maximum(a, 0), "tanh": np.tanh,
               "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
               "gelu": lambda a: 0.5 * a * (1 + np.vectorize(math.erf)(a / math.sqrt(2)))}
        if self.activation not in act:
            raise ValueError(f"unknown activation {self.activation!r}")
        h = np.asarray(z, dtype=np.float64)
        for i, (w, b) in enumerate(self.layers):
            h = h @ w.astype(np.float64).T + b
            if i + 1 < len(self.layers):
                h = act[self.activation](h)
        return h

    def __repr__(self):
        dims = " -> ".join([str(self.layers[0][0].shape[1])] +
                           [str(w.shape[0]) for w, _ in self.layers])
        return f"Head({self.kind}, {self.activation}, {dims})"


class Space:
    """One encoder's embeddings: `train` and `test` (float32 [n, d]), its
    attributes (`attrs`: model, modality, ...) and its `heads` by name."""

    def __init__(self, name, train, test, attrs, heads):
        self.name, self.train, self.test, self.attrs, self.heads = name, train, test, attrs, heads

    @property
    def dim(self):
        return self.train.shape[1]

    def __repr__(self):
        return (f"Space({self.name!r}, dim {self.dim}, {len(self.train)} train / "
                f"{len(self.test)} test, heads {sorted(self.heads)})")


class Dump:
    """An irp-embeddings/1 dump: `dataset`, `class_names` (list), `num_classes`,
    `train_ids`/`test_ids` (int64), `train_labels`/`test_labels` (int32, or None
    when unlabelled), and `spaces` by name (Space)."""

    def __init__(self, path, **kw):
        self.path = path
        self.__dict__.update(kw)

    def __repr__(self):
        return (f"Dump({self.path!r}, dataset {self.dataset!r}, {len(self.spaces)} spaces "
                f"{sorted(self.spaces)}, {len(self.train_ids)} train / {len(self.test_ids)} "
                f"test, {'labelled' if self.train_labels is not None else 'unlabelled'})")


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return _text(v[()])
    return v


def read_dump(path: str, spaces: list[str] | None = None, guarded: bool = True) -> Dump:
    """Read a dump (irp-embeddings/1) into a Dump: every space, or those named
    in `spaces`. The checks are the command's where they decide whether
    the data can be used (schema, shapes, float32, labels in range and in both
    splits, finite values, no all-zero row, declared sizes the file can hold);
    ValueError naming the file and the dataset otherwise. guarded: read it
    first in a child process, as irp does (libhdf5 1.10.8 can crash or hang on
    a corrupted file); False for a file you trust (one read instead of two)."""
    if guarded:
        return _guarded(read_dump, path, spaces, False)
    import h5py
    st = _regular(path, f"a dump ({DUMP_SCHEMA}, HDF5)")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"{path}: cannot open as HDF5 ({e})") from None
    with f:
        where = "/"
        try:
            schema = _text(f.attrs.get("schema"))
            if not isinstance(schema, str) or schema != DUMP_SCHEMA:
                raise ValueError(f"attribute 'schema' is {schema!r}; expected {DUMP_SCHEMA!r}")

            def array(name, ndim, kinds, dtype=None):
                nonlocal where
                where = "/" + name
                if name not in f or not isinstance(f[name], h5py.Dataset):
                    raise ValueError("missing (or not a dataset)")
                ds = f[name]
                if ds.ndim != ndim or ds.dtype.kind not in kinds or \
                        (dtype is not None and ds.dtype != dtype):
                    raise ValueError(f"{ds.dtype} of rank {ds.ndim}; expected "
                                     f"{dtype or kinds} of rank {ndim}")
                _plausible(ds, st.st_size, ds.dtype.itemsize, name)
                return ds[()]

            nc = f.attrs.get("num_classes", 0)
            if np.ndim(nc) != 0 or not float(nc).is_integer() or not 0 <= nc <= 1 << 20:
                raise ValueError(f"attribute 'num_classes' is {nc!r}; expected a count")
            num_classes = int(nc)
            raw = f.attrs.get("class_names")
            if raw is None:
                names = []
            elif isinstance(raw, (str, bytes)):
                names = _text(raw).split(",") if len(raw) else []
            else:  # a list of strings, as h5py writes one
                names = [_text(x) for x in np.atleast_1d(raw)]
            ids = {s: array(f"samples/{s}/ids", 1, "iu") for s in ("train", "test")}
            labels = {}
            for s in ("train", "test"):
                if f"samples/{s}/labels" in f:
                    lab = array(f"samples/{s}/labels", 1, "iu").astype(np.int64)
                    if len(lab) != len(ids[s]):
                        raise ValueError(f"{len(lab)} labels for {len(ids[s])} ids")
                    if len(lab) and (lab.min() < 0 or lab.max() >= num_classes):
                        bad = int(np.flatnonzero((lab < 0) | (lab >= num_classes))[0])
                        raise ValueError(f"label {lab[bad]} at row {bad} is outside "
                                         f"[0, {num_classes})")
                    labels[s] = lab.astype(np.int32)
            if len(labels) == 1:
                where = "/samples"
                raise ValueError("labels in one split only; a labelled dump has both")
            where = "/spaces"
            if "spaces" not in f or not len(f["spaces"]):
                raise ValueError("no spaces")
            wanted = list(f["spaces"]) if spaces is None else list(spaces)
            out = {}
            for name in wanted:
                where = f"/spaces/{name}"
                if name not in f["spaces"]:
                    raise ValueError(f"no such space; the dump has {', '.join(f['spaces'])}")
                split = {}
                for s in ("train", "test"):
                    m = array(f"spaces/{name}/{s}", 2, "f", np.dtype("<f4"))
                    if len(m) != len(ids[s]):
                        raise ValueError(f"{len(m)} rows for {len(ids[s])} samples")
                    if not np.isfinite(m).all():
                        r, c = np.argwhere(~np.isfinite(m))[0]
                        raise ValueError(f"non-finite value at row {r}, column {c}")
                    zero = ~m.any(axis=1)
                    if zero.any():
                        raise ValueError(f"row {int(np.flatnonzero(zero)[0])} is all zero")
                    split[s] = m
                if split["train"].shape[1] != split["test"].shape[1]:
                    raise ValueError("train and test differ in dimension")
                g = f[f"spaces/{name}"]
                for s in ("train", "test"):
                    if "ids" in g and s in g["ids"]:
                        own = array(f"spaces/{name}/ids/{s}", 1, "iu")
                        if own.shape != ids[s].shape or (own != ids[s]).any():
                            raise ValueError(f"ids/{s} differ from /samples/{s}/ids; rows are "
                                             "matched by position, so they must be equal")
                heads = {}
                for hn in (g["heads"] if "heads" in g else []):
                    where = f"/spaces/{name}/heads/{hn}"
                    hg = g["heads"][hn]
                    kind = _text(hg.attrs.get("kind"))
                    if not isinstance(kind, str):
                        raise ValueError(f"attribute 'kind' is {kind!r}; expected 'linear' or "
                                         "'mlp'")
                    if kind == "linear":
                        paths = [f"spaces/{name}/heads/{hn}"]
                    elif kind == "mlp":
                        n = int(hg.attrs.get("num_layers", 0))
                        if not 1 <= n <= 64:
                            raise ValueError(f"num_layers {n}; expected 1 to 64")
                        paths = [f"spaces/{name}/heads/{hn}/layer_{i}" for i in range(n)]
                    else:
                        raise ValueError(f"kind {kind!r}; expected 'linear' or 'mlp'")
                    layers, width = [], split["train"].shape[1]
                    for p in paths:
                        w = array(p + "/weight", 2, "f", np.dtype("<f4"))
                        b = array(p + "/bias", 1, "f", np.dtype("<f4"))
                        if w.shape[1] != width or b.shape != (w.shape[0],):
                            raise ValueError(f"weight {w.shape} and bias {b.shape} do not "
                                             f"follow a layer of width {width}")
                        if not (np.isfinite(w).all() and np.isfinite(b).all()):
                            raise ValueError("a weight or bias is not finite")
                        layers.append((w, b))
                        width = w.shape[0]
                    act = _text(hg.attrs.get("activation", "identity"))
                    if not isinstance(act, str):
                        raise ValueError(f"attribute 'activation' is {act!r}; expected a name")
                    heads[hn] = Head(kind, act, layers,
                                     {k: _text(v) for k, v in hg.attrs.items()})
                attrs = {k: _text(v) for k, v in g.attrs.items()}
                out[name] = Space(name, split["train"], split["test"], attrs, heads)
        except (ValueError, TypeError, KeyError, OSError, RuntimeError) as e:
            if isinstance(e, RuntimeError):  # h5py's word for a corrupted file's metadata
                e = ValueError(f"corrupted HDF5 file: {e}")
            msg = str(e)  # a message that names its dataset already is not prefixed again
            raise ValueError(f"{path}: {msg}" if msg.startswith(where + ":")
                             else f"{path}: {where}: {msg}") from None
        return Dump(path, dataset=_text(f.attrs.get("dataset", "")), num_classes=num_classes,
                    class_names=names, train_ids=ids["train"], test_ids=ids["test"],
                    train_labels=labels.get("train"), test_labels=labels.get("test"),
                    spaces=out)
