"""irp.read_table and irp.read_dump: what irp writes, read back from Python —
every number against an independent reading (csv, h5py), and hostile files
refused with one ValueError naming the file and the place."""
import csv
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

import irp


@pytest.fixture(scope="module")
def table(tmp_path_factory, irp_bin, tiny):
    d = tmp_path_factory.mktemp("tables")
    (d / "s.ini").write_text(f"[experiment]\ntype = stitch\ndata = {tiny}\nanchors = 100\n"
                             "omega = 1, 2\ncenter = false, true\n")
    r = subprocess.run([irp_bin, "run", "--quiet", "--no-plots", "s.ini"], cwd=str(d),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return str(d / "results" / "s.csv")


def test_read_table_equals_the_csv(table):
    t = irp.read_table(table)
    with open(table, newline="") as f:
        rows = list(csv.DictReader(l for l in f if not l.startswith("#")))
    assert len(t) == len(rows) > 0
    for col in irp.read.TEXT_COLUMNS:
        assert t[col].tolist() == [r[col] for r in rows]
    want = np.array([float(r["value"]) if r["value"] else np.nan for r in rows])
    assert np.array_equal(t.value, want, equal_nan=True)
    assert t.comments[0].startswith("irp run s.ini (fnv1a ")
    assert "ResultTable(" in repr(t) and "irp" in repr(t)


def test_where_and_pivot(table):
    t = irp.read_table(table)
    zs = t.where(method="irp", metric="accuracy", center=False, omega=2)
    assert len(zs) == 12 and set(zs.center) == {"false"} and set(zs.omega) == {"2"}
    m, rows, cols = t.pivot("encoder", "decoder", method="irp", metric="accuracy",
                            center="true", omega="1")
    assert m.shape == (4, 4) and sorted(rows) == sorted(cols)
    for e, d, v in zip(*(t.where(method="irp", metric="accuracy", center="true",
                                 omega="1")[c] for c in ("encoder", "decoder", "value"))):
        assert m[rows.index(e), cols.index(d)] == v
    assert np.isnan(m[rows.index("wide"), cols.index("wide")])  # no IRP on the diagonal
    with pytest.raises(ValueError, match="several rows for encoder=.*select more"):
        t.pivot("encoder", "decoder", method="irp", metric="accuracy")
    with pytest.raises(ValueError, match="'colour' is not a text column"):
        t.where(colour="red")


@pytest.mark.parametrize("change, message", [
    (lambda s: s.replace("experiment,dataset", "experiment,data", 1), r"columns experiment,data"),
    (lambda s: s + "x,y\n", r"line \d+: 2 fields; expected 21"),
    (lambda s: s.rstrip("\n").rsplit(",", 1)[0] + ",nan\n", r"value 'nan' is not a finite number"),
    (lambda s: s.rstrip("\n").rsplit(",", 1)[0] + ",0.5x\n", r"value '0.5x' is not a finite"),
    (lambda s: "# only a comment\n", r"no header line"),
])
def test_read_table_refuses_other_files(tmp_path, table, change, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(change(open(table).read()))
    with pytest.raises(ValueError, match=str(bad) + ": .*" + message):
        irp.read_table(str(bad))


def test_read_table_refuses_non_files(tmp_path):
    os.mkfifo(tmp_path / "fifo.csv")
    with pytest.raises(ValueError, match="fifo.csv: not a regular file"):
        irp.read_table(str(tmp_path / "fifo.csv"))
    (tmp_path / "latin.csv").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="latin.csv: not UTF-8"):
        irp.read_table(str(tmp_path / "latin.csv"))


def test_read_dump_equals_h5py(tiny):
    d = irp.read_dump(tiny)
    with h5py.File(tiny, "r") as f:
        assert d.dataset == f.attrs["dataset"] and d.num_classes == f.attrs["num_classes"]
        assert np.array_equal(d.train_labels, f["samples/train/labels"][()])
        assert np.array_equal(d.test_ids, f["samples/test/ids"][()])
        assert sorted(d.spaces) == sorted(f["spaces"])
        for name, s in d.spaces.items():
            assert s.train.dtype == np.float32
            assert np.array_equal(s.train, f[f"spaces/{name}/train"][()])
            assert np.array_equal(s.test, f[f"spaces/{name}/test"][()])
            for hn, h in s.heads.items():
                # the recorded accuracy, recomputed through the layers read back
                acc = (h.logits(s.test).argmax(1) == d.test_labels).mean()
                assert abs(acc - float(h.attrs["test_accuracy"])) <= 0.5 / len(s.test), (name, hn)
    only = irp.read_dump(tiny, spaces=["wide"])
    assert list(only.spaces) == ["wide"] and "Dump(" in repr(only)


def test_read_dump_of_write_dump(tmp_path):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 5)), rng.normal(size=(30, 7))
    irp.write_dump(str(tmp_path / "m.h5"), {"a": (a[:20], a[20:]), "b": (b[:20], b[20:])})
    d = irp.read_dump(str(tmp_path / "m.h5"))
    assert d.train_labels is None and d.spaces["b"].dim == 7
    assert np.array_equal(d.spaces["a"].test, a[20:].astype(np.float32))


def _variant(tmp_path, tiny, change):
    p = tmp_path / "v.h5"
    shutil.copy(tiny, p)
    with h5py.File(p, "r+") as f:
        change(f)
    return str(p)


def _replace(f, name, data):
    del f[name]
    f[name] = data


@pytest.mark.parametrize("change, message", [
    (lambda f: f.attrs.__setitem__("schema", "other/1"), r"/: attribute 'schema' is 'other/1'"),
    (lambda f: _replace(f, "spaces/wide/test", f["spaces/wide/test"][()].astype(np.float64)),
     r"/spaces/wide/test: float64 of rank 2; expected float32"),
    (lambda f: f["spaces/wide/train"].__setitem__((3,), 0), r"/spaces/wide/train: row 3 is all zero"),
    (lambda f: f["spaces/rot-a/test"].__setitem__((5, 1), np.nan),
     r"/spaces/rot-a/test: non-finite value at row 5, column 1"),
    (lambda f: f["samples/test/labels"].__setitem__(7, 9), r"label 9 at row 7 is outside \[0, 4\)"),
    (lambda f: f.__delitem__("samples/test/labels"), r"/samples: labels in one split only"),
    (lambda f: _replace(f, "samples/test/ids", np.arange(3)), r"/samples/test/labels: 200 labels for 3 ids"),
    (lambda f: f.create_dataset("spaces/wide/big", shape=(200, 1 << 26), dtype="f4"), None),
    (lambda f: _replace(f, "spaces/wide/heads/linear/bias", np.zeros(3, dtype="f4")),
     r"/spaces/wide/heads/linear/bias|heads/linear: weight \(4, \d+\) and bias \(3,\)"),
    (lambda f: f["spaces/wide/heads/linear/bias"].__setitem__(2, np.nan),
     r"weight or bias is not finite"),
    (lambda f: f["spaces/wide/heads/linear/weight"].__setitem__((1, 0), np.inf),
     r"weight or bias is not finite"),
])
def test_read_dump_refuses_what_irp_refuses(tmp_path, tiny, change, message):
    p = _variant(tmp_path, tiny, change)
    if message is None:  # a dataset the reader never reads: no allocation, no error
        irp.read_dump(p)
        return
    with pytest.raises(ValueError, match="v.h5: .*(" + message + ")"):
        irp.read_dump(p)


def test_read_dump_refuses_declared_sizes_the_file_cannot_hold(tmp_path, tiny):
    def big(f):
        del f["spaces/wide/test"]
        f.create_dataset("spaces/wide/test", shape=(200, 1 << 26), dtype="f4")
    p = _variant(tmp_path, tiny, big)
    with pytest.raises(ValueError, match=r"v.h5: /spaces/wide/test: declared shape 200x67108864 is too large for the file"):
        irp.read_dump(p)


def test_reprs_say_what_is_inside(tiny, table):
    d = irp.read_dump(tiny)
    a, b = d.spaces["rot-a"], d.spaces["narrow"]
    t = irp.Translator.fit(a.train[:100], b.train[:100], source_space="rot-a",
                           target_space="narrow", anchors=np.arange(100))
    r = repr(t)
    assert r.startswith("Translator(rot-a -> narrow, 24 -> 16 dims, scale_y ")
    assert "anchor rows known (100)" in r and "omega=8" in r and "delta=0.65" in r
    assert repr(a).startswith("Space('rot-a', dim 24, 600 train / 200 test, heads [")
    assert repr(a.heads["mlp-relu"]) == "Head(mlp, relu, 24 -> 32 -> 4)"
    assert repr(d).startswith(f"Dump({tiny!r}, dataset 'synthetic', 4 spaces")


# Each activation at known values, between layers only: layer 1 is the identity,
# layer 2 writes h and -h, so an activation after the last layer shows as a
# clipped or squashed second column. GELU(x) = x·Φ(x), values from Φ's tables.
GELU = {-1.0: -0.15865525393145707, 1.0: 0.8413447460685429, 2.0: 1.9544997361036416}


@pytest.mark.parametrize("activation, f", [
    ("identity", lambda x: x), ("relu", lambda x: max(x, 0.0)), ("tanh", np.tanh),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("gelu", GELU.__getitem__)])
def test_head_logits_apply_the_activation_between_layers_only(activation, f):
    layers = [(np.eye(1, dtype="f4"), np.zeros(1, "f4")),
              (np.array([[1.0], [-1.0]], "f4"), np.zeros(2, "f4"))]
    x = np.array(sorted(GELU))
    h = irp.read.Head("mlp", activation, layers, {}).logits(x[:, None])
    want = np.array([f(v) for v in x])
    assert np.allclose(h[:, 0], want, rtol=1e-12, atol=1e-15)
    assert np.allclose(h[:, 1], -want, rtol=1e-12, atol=1e-15)
    # the writer's accuracy (irp.dump.head_accuracy) takes the same path
    labels = np.argmax(h, axis=1)
    assert irp.dump.head_accuracy(layers, activation, x[:, None], labels) == 1.0
    assert irp.dump.head_accuracy(layers, activation, x[:, None], 1 - labels) == 0.0


def test_writer_accuracy_equals_the_reader_logits_for_gelu():
    rng = np.random.default_rng(5)
    layers = [(rng.normal(size=(16, 8)).astype("f4"), rng.normal(size=16).astype("f4")),
              (rng.normal(size=(16, 16)).astype("f4"), rng.normal(size=16).astype("f4")),
              (rng.normal(size=(5, 16)).astype("f4"), rng.normal(size=5).astype("f4"))]
    z = rng.normal(size=(400, 8)).astype("f4")
    labels = np.argmax(irp.read.Head("mlp", "gelu", layers, {}).logits(z), axis=1)
    assert len(set(labels)) > 2
    assert irp.dump.head_accuracy(layers, "gelu", z, labels) == 1.0


@pytest.mark.parametrize("signature", [b"SNOD", b"TREE", b"HEAP"])
def test_corrupted_metadata_is_a_value_error(tmp_path, signature):
    """h5py raises RuntimeError where a corrupted file's metadata cannot be
    read (found by fuzz/fuzz_python.py): both readers turn it into the one
    ValueError naming the file."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(12, 4)), rng.normal(size=(12, 3))
    irp.write_dump(str(tmp_path / "d.h5"), {"a": (a[:8], a[8:]), "b": (b[:8], b[8:])})
    irp.Translator.fit(a, b, omega=1, delta=0).save(str(tmp_path / "t.h5"))
    for name, reader in (("d.h5", irp.read_dump), ("t.h5", irp.Translator.load)):
        raw = bytearray((tmp_path / name).read_bytes())
        hits = [i for i in range(len(raw)) if raw.startswith(signature, i)]
        assert hits, f"{name}: no {signature!r} in the file"
        for i in hits:
            raw[i:i + 4] = b"XXXX"
        bad = tmp_path / ("bad-" + name)
        bad.write_bytes(bytes(raw))
        with pytest.raises(ValueError, match=f"{bad}: .*"):
            reader(str(bad))


def test_compact_dataset_shorter_than_its_shape(tmp_path, irp_bin, tiny):
    """A compact dataset whose stored bytes are fewer than its shape needs
    (libhdf5 would read past its buffer; found by fuzzing the translator
    reader, fuzz/regressions/translator): refused by both Python readers, and
    by irp translate --apply (a hostile row), before reading."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(12, 4)), rng.normal(size=(12, 3))
    p = str(tmp_path / "t.h5")
    irp.Translator.fit(a, b + 5, omega=1, delta=0, center=True).save(p)  # means not zero
    with h5py.File(p, "r+") as f:  # rewritten compact, so the header holds the values
        v = f["translator_mean_y"][()]
        del f["translator_mean_y"]
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple((3,))
        h5py.h5d.create(f.id, b"translator_mean_y", h5py.h5t.IEEE_F64LE, space, dcpl).write(
            h5py.h5s.ALL, h5py.h5s.ALL, v)
    raw = bytearray(open(p, "rb").read())
    # the compact layout message stores its size (24 bytes) in 2 bytes before the values
    data = np.asarray(v, "<f8").tobytes()
    hits = [i for i in range(2, len(raw)) if raw.startswith(data, i)
            and raw[i - 2:i] == (24).to_bytes(2, "little")]
    assert len(hits) == 1
    i = hits[0]
    raw[i - 2:i] = (16).to_bytes(2, "little")
    open(p, "wb").write(bytes(raw))
    with pytest.raises(ValueError, match=r"t.h5: /translator_mean_y: stores 16 bytes, fewer "
                                         r"than its shape 3 needs; corrupted HDF5 file"):
        irp.Translator.load(p)
    r = subprocess.run([irp_bin, "translate", "--apply", p, "--in", tiny, "--space", "rot-a",
                        "--out", str(tmp_path / "o.h5")], capture_output=True, text=True)
    assert r.returncode == 1 and not (tmp_path / "o.h5").exists()
    assert "/translator_mean_y: stores 16 bytes, fewer than its shape 3x1 needs" in r.stderr


def test_guarded_read_contains_a_library_crash_or_hang(tmp_path, monkeypatch, tiny):
    """read_dump and Translator.load read an untrusted file first in a child
    process, as irp does: a crash or hang of libhdf5 there is one ValueError
    naming the file, and the interpreter lives on."""
    import signal
    import time
    from irp._core import _guarded
    p = str(tmp_path / "f.h5")
    open(p, "wb").write(b"x")
    with pytest.raises(ValueError, match=f"{p}: corrupted HDF5 file: the HDF5 library crashed "
                                         r"reading it \(signal 11\)"):
        _guarded(lambda path: os.kill(os.getpid(), signal.SIGSEGV), p)
    monkeypatch.setenv("IRP_LOAD_TIMEOUT", "1")
    with pytest.raises(ValueError, match=f"{p}: corrupted HDF5 file: the HDF5 library did not "
                                         "finish reading it in 1 s"):
        _guarded(lambda path: time.sleep(30), p)
    # the child's own refusal comes back as it is; a sound file is read in this process
    with pytest.raises(ValueError, match="f.h5: cannot open as HDF5"):
        irp.read_dump(p)
    assert irp.read_dump(tiny).dataset == "synthetic"
    assert irp.read_dump(tiny, guarded=False).dataset == "synthetic"
    # a limit the command would refuse is refused here too, in its words, not ignored
    for bad in ("0", "abc", "4294967296"):
        monkeypatch.setenv("IRP_LOAD_TIMEOUT", bad)
        with pytest.raises(ValueError, match=f"IRP_LOAD_TIMEOUT='{bad}' is not a whole number "
                                             "from 1 to 86400"):
            irp.read_dump(tiny)


@pytest.mark.parametrize("name, reader, said", [
    ("crash-dump.h5", irp.read_dump, "crashed reading it"),
    ("crash-translator.h5", irp.Translator.load, "crashed reading it"),
    ("hang-dump.h5", irp.read_dump, "did not finish reading it in 2 s"),
])
def test_fuzz_findings_contained(root, monkeypatch, name, reader, said):
    """Files on which libhdf5 1.10.8 crashed or looped when fuzz/fuzz_python.py
    read them unguarded (fuzz/regressions/python): now one ValueError."""
    monkeypatch.setenv("IRP_LOAD_TIMEOUT", "2")
    path = os.path.join(root, "fuzz/regressions/python", name)
    with pytest.raises(ValueError, match=f"{name}: corrupted HDF5 file: the HDF5 library {said}"):
        reader(path)


@pytest.mark.parametrize("size,env,seconds", [
    (0, None, 10), ((10 << 20) - 1, None, 10), (10 << 20, None, 11), (308 << 20, None, 40),
    (5 << 30, None, 522), (1 << 40, "1", 1), (0, "86400", 86400), (0, "+7", 7),
])
def test_load_limit_as_the_command_computes_it(monkeypatch, size, env, seconds):
    """The guarded read's time limit: 10 s + 1 s per whole 10 MiB (dump.c's
    formula), or IRP_LOAD_TIMEOUT whole."""
    from irp import _core
    if env is None:
        monkeypatch.delenv("IRP_LOAD_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("IRP_LOAD_TIMEOUT", env)
    assert _core._load_limit(size) == seconds


@pytest.mark.parametrize("env", ["0", "86401", "-1", "1.5", "", " 3", "++7", "7\n", "\u0663"])
def test_load_limit_refuses_what_the_command_refuses(monkeypatch, env):
    from irp import _core
    monkeypatch.setenv("IRP_LOAD_TIMEOUT", env)
    if env == "":  # empty is unset, as in env_long
        assert _core._load_limit(0) == 10
        return
    with pytest.raises(ValueError, match="IRP_LOAD_TIMEOUT=.* is not a whole number from 1 to "
                                         "86400"):
        _core._load_limit(0)


def test_read_table_size_limit_at_its_boundary(monkeypatch, table):
    """A table of exactly MAX_TABLE_BYTES is read; one byte over is refused."""
    size = os.path.getsize(table)
    monkeypatch.setattr(irp.read, "MAX_TABLE_BYTES", size)
    assert len(irp.read_table(table)) > 0
    monkeypatch.setattr(irp.read, "MAX_TABLE_BYTES", size - 1)
    with pytest.raises(ValueError, match=f"{size:,} bytes, more than irp reads as a table"):
        irp.read_table(table)
