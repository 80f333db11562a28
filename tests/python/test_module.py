"""The Python module over libirp: its numbers against the irp command's and
against independent NumPy, and clear errors for bad input (never a crash)."""
import os
import re
import stat
import subprocess
import sys

import h5py
import numpy as np
import pytest

import irp

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import peers  # noqa: E402  (an independent NumPy IRP: splitmix64 draws, FPS, pinv)


def spaces(path, *names, split="train"):
    with h5py.File(path, "r") as f:
        return [f["spaces"][n][split][:].astype(np.float64) for n in names]


def test_blas_pinned_like_the_command():
    assert irp.BLAS_PINNED, "conftest imports irp before NumPy, so the kernel must be pinned"


PIN_PROBE = """
import builtins, io, json, os, sys
cpuinfo = os.environ.pop("PROBE_CPUINFO", None)
if cpuinfo is not None:
    real = builtins.open
    def fake(path, *a, **k):
        if path == "/proc/cpuinfo":
            if cpuinfo == "missing":
                raise FileNotFoundError(path)
            return io.StringIO(cpuinfo)
        return real(path, *a, **k)
    builtins.open = fake
if os.environ.pop("PROBE_NUMPY_FIRST", None):
    import numpy
sys.path.insert(0, sys.argv[1])
import irp
print(json.dumps([irp.BLAS_PINNED, os.environ.get("OPENBLAS_CORETYPE")]))
"""


def _cpu_has(*flags):
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
        have = set(next((l for l in f if l.startswith("flags")), "").split())
    return set(flags) <= have


@pytest.mark.parametrize("env,expect", [
    ({}, [True, "Haswell" if _cpu_has("avx2", "fma") else "Prescott"]),
    ({"IRP_UNPINNED": "1"}, [False, None]),
    ({"IRP_UNPINNED": "0"}, [True, "Haswell" if _cpu_has("avx2", "fma") else "Prescott"]),
    ({"PROBE_NUMPY_FIRST": "1"}, [False, None]),
    ({"PROBE_CPUINFO": "missing"}, [True, "Prescott"]),
    ({"PROBE_CPUINFO": "processor : 0\nflags : fma avx2\n"}, [True, "Haswell"]),
    ({"PROBE_CPUINFO": "flags\t\t: sse2 avx2 fma avx\n"}, [True, "Haswell"]),
    ({"PROBE_CPUINFO": "flags : sse2 avx2\n"}, [True, "Prescott"]),
    ({"PROBE_CPUINFO": "model name : avx2 fma\nflags : sse2\n"}, [True, "Prescott"]),
])
def test_blas_kernel_pinned_by_the_cpu_flags(root, env, expect):
    """Which OpenBLAS kernel importing irp pins: Haswell only when the first
    'flags' line of /proc/cpuinfo has both avx2 and fma (the C side's choice),
    Prescott otherwise or without /proc/cpuinfo; nothing when IRP_UNPINNED=1 or
    NumPy was imported first (OpenBLAS has already chosen)."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_CORETYPE", "IRP_UNPINNED")}
    out = subprocess.run([sys.executable, "-c", PIN_PROBE, os.path.join(root, "python")],
                         env=dict(base, **env), capture_output=True, text=True, check=True)
    import json
    assert json.loads(out.stdout) == expect


def test_version_is_the_packages(root):
    text = open(os.path.join(root, "python", "pyproject.toml"), encoding="utf-8").read()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == irp.__version__


@pytest.mark.parametrize("opts,flags", [
    (dict(), ""),
    (dict(omega=4, delta=0.5, center=True, seed=3),
     "--omega 4 --delta 0.5 --center --seed 3"),
    (dict(omega=2, delta=0.3, rcond=1e-4, completion=True), "--omega 2 --delta 0.3 --rcond 1e-4 "
     "--completion"),
    (dict(delta=0.25, prune="fraction", rescale=False), "--delta 0.25 --prune fraction "
     "--rescale none"),
])
def test_translator_equals_the_command(tmp_path, irp_bin, tiny, opts, flags):
    out = tmp_path / "tr.h5"
    subprocess.run([irp_bin, "translate", "--data", tiny, "--from", "rot-a", "--to", "narrow",
                    "--anchors", "200", "--anchor-seed", "5", "--out", str(out), "--translator",
                    *flags.split()], check=True, capture_output=True)
    ax, ay = spaces(tiny, "rot-a", "narrow")
    idx = irp.anchor_indices(len(ax), 200, seed=5)
    t = irp.Translator.fit(ax[idx], ay[idx], anchors=idx, **opts)
    with h5py.File(out, "r") as f:
        assert np.array_equal(f["anchor_indices"][:], idx)
        assert np.array_equal(f["translator"][:], t.T)  # the same bits
        assert np.array_equal(f["translator_mean_x"][:], t.mean_x)
        assert f["translator"].attrs["scale_y"] == t.scale_y
        for split in ("train", "test"):
            x, = spaces(tiny, "rot-a", split=split)
            want = f["spaces/rot-a-to-narrow"][split][:]  # float32, as written
            assert np.array_equal(t.transform(x).astype(np.float32), want)
    # and the command's file loads into an equal translator
    back = irp.Translator.load(str(out))
    x, = spaces(tiny, "rot-a", split="test")
    assert np.array_equal(back.transform(x), t.transform(x))


def test_relative_projection_is_cosines(tiny):
    x, = spaces(tiny, "wide")
    a, q = x[:50], x[100:130]
    for center in (False, True):
        mu = a.mean(0) if center else 0
        want = peers.norm(q - mu) @ peers.norm(a - mu).T
        assert np.abs(irp.relative_projection(q, a, center=center) - want).max() < 1e-12


def test_anchors_and_fps_match_an_independent_implementation(tiny):
    x, = spaces(tiny, "rot-b")
    for seed in (0, 1, 7):
        assert np.array_equal(irp.anchor_indices(len(x), 100, seed), peers.anchor_indices(
            len(x), 100, seed))
    a = x[peers.anchor_indices(len(x), 120, 0)]
    for delta in (0.1, 0.4, 0.7):
        subs = irp.fps_subsets(a, 3, delta=delta, seed=2)
        for s, sub in enumerate(subs):
            assert list(sub) == peers.fps(peers.norm(a), delta, peers.first_point(2, s, len(a)))
    assert [len(s) for s in irp.fps_subsets(a, 2, delta=0)] == [120, 120]
    assert len(irp.fps(a, fraction=0.25)) == 30


def test_save_load_round_trip(tmp_path, tiny):
    ax, ay = spaces(tiny, "rot-a", "rot-b")
    t = irp.Translator.fit(ax[:150], ay[:150], omega=3, delta=0.4, center=True,
                           anchors=np.arange(150))
    t.save(str(tmp_path / "t.h5"))
    u = irp.Translator.load(str(tmp_path / "t.h5"))
    assert np.array_equal(u.T, t.T) and np.array_equal(u.anchors, t.anchors)
    assert np.array_equal(u.transform(ax[200:220]), t.transform(ax[200:220]))
    assert not os.path.exists(str(tmp_path / "t.h5.tmp"))
    assert u.options == t.options and u.anchor_hash == t.anchor_hash
    # every setting irp translate writes survives, with its type
    every = dict(anchors=150, anchor_seed=2**64 - 1, omega=3, delta=0.4, prune="fraction",
                 rcond=1e-4, **{"lambda": 0.01}, rescale=False, center=True, completion=True,
                 seed=7)
    v = irp.Translator(t.T, t.mean_x, t.mean_y, t.scale_y, False, every, t.anchors,
                       source_space="rot-a", target_space="rot-b")
    v.save(str(tmp_path / "v.h5"))
    w = irp.Translator.load(str(tmp_path / "v.h5"))
    assert w.options == every and [type(x) for x in w.options.values()] == \
        [type(x) for x in every.values()]
    assert (w.source_space, w.target_space, w.rescale, w.anchor_hash) == \
        ("rot-a", "rot-b", False, None)
    with h5py.File(str(tmp_path / "v.h5"), "r") as f:  # the syntax irp translate writes
        assert f["translator"].attrs["settings"] == (
            "anchors=150 anchor_seed=18446744073709551615 omega=3 delta=0.4 prune=fraction "
            "rcond=0.0001 lambda=0.01 rescale=none center=true completion=true seed=7")
        assert f.attrs["translator_schema"] == irp.TRANSLATOR_SCHEMA


@pytest.mark.parametrize("options,message", [
    (dict(foo=1), "'foo' is not a translator setting"),
    (dict(omega=0), "omega'\\]: expected an integer from 1"),
    (dict(delta=float("nan")), "expected a finite number"),
    (dict(center="yes"), "expected True or False"),
    (dict(prune="some"), "expected 'threshold' or 'fraction'"),
], ids=range(5))
def test_save_refuses_settings_it_cannot_write(tmp_path, options, message):
    t = irp.Translator(np.eye(2), np.zeros(2), np.zeros(2), 1.0, options=options)
    with pytest.raises(ValueError, match=message):
        t.save(str(tmp_path / "t.h5"))
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("call,message", [
    (lambda a, b: irp.Translator.fit(a, b[:10]), "anchors must be paired"),
    (lambda a, b: irp.Translator.fit(a[0], b), "expected a 2-D array"),
    (lambda a, b: irp.Translator.fit(a[:0], b[:0]), "empty array"),
    (lambda a, b: irp.Translator.fit([["x"]], b[:1]), "array of real numbers, got dtype <U1"),
    (lambda a, b: irp.Translator.fit(a, b, omega=0), "omega: expected an integer from 1 to"),
    (lambda a, b: irp.Translator.fit(a, b, prune="some"), "expected 'threshold' or 'fraction'"),
    (lambda a, b: irp.Translator.fit(a, b).transform(b), "expected 24 columns"),
    (lambda a, b: irp.relative_projection(a[:, :3], a), "expected 24 columns"),
    (lambda a, b: irp.anchor_indices(10, -1), "k: expected an integer from 1 to"),
    (lambda a, b: irp.fps(a), "give delta"),
], ids=range(10))
def test_bad_shapes_raise_value_error(tiny, call, message):
    a, b = spaces(tiny, "rot-a", "narrow")
    with pytest.raises(ValueError, match=message):
        call(a[:60], b[:60])


@pytest.mark.parametrize("call,message", [
    (lambda a, b: irp.Translator.fit(a, b, delta=1.5), "delta must be in"),
    (lambda a, b: irp.Translator.fit(np.where(a > 0, np.nan, a), b), "non-finite"),
    (lambda a, b: irp.Translator.fit(np.vstack([a[:-1], 0 * a[:1]]), b), "zero"),
    (lambda a, b: irp.anchor_indices(10, 20), "20"),
    (lambda a, b: irp.fps(a, delta=0.5, first=99), "first point 99"),
], ids=range(5))
def test_core_errors_raise_irp_error(tiny, call, message):
    a, b = spaces(tiny, "rot-a", "narrow")
    with pytest.raises(irp.IrpError, match=message):
        call(a[:60], b[:60])


def test_load_refuses_other_files(tmp_path, tiny):
    with pytest.raises(ValueError, match="/translator: missing"):
        irp.Translator.load(tiny)
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="cannot open as HDF5"):
        irp.Translator.load(str(tmp_path / "junk.h5"))


def test_write_dump_with_scikit_learn_and_torch_heads(tmp_path, irp_bin):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    import torch
    rng = np.random.default_rng(0)
    n, m = 300, 100
    y = rng.integers(0, 3, n + m)
    base = rng.normal(size=(n + m, 6)) + 2.0 * np.eye(6)[y * 2]
    e1, e2 = base @ rng.normal(size=(6, 8)), np.tanh(base @ rng.normal(size=(6, 5)))
    lr = LogisticRegression(max_iter=500).fit(e1[:n], y[:n])
    mlp = MLPClassifier(hidden_layer_sizes=(7,), max_iter=300, random_state=0).fit(e2[:n], y[:n])
    binary = LogisticRegression().fit(e2[:n], y[:n] == 1)  # one row of coef_
    torch.manual_seed(0)
    lin = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    path = str(tmp_path / "mine.h5")
    irp.write_dump(path, {"e1": (e1[:n], e1[n:]), "e2": (e2[:n], e2[n:])}, y[:n], y[n:],
                   class_names=["a", "b", "c"],
                   heads={"e1": {"linear": lr, "torch": lin}, "e2": {"mlp": mlp}})
    out = subprocess.run([irp_bin, "inspect", path], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr  # every recorded accuracy recomputed equal
    assert out.stdout.count(" ok") == 3
    # the binary head's two logits [0, score] predict what scikit-learn predicts
    layers, act = irp.head_layers(binary)
    w, b = layers[0]
    pred = np.argmax(e2[n:] @ w.T + b, axis=1) == 1
    assert np.array_equal(pred, binary.predict(e2[n:]))
    # the MLP's [in, out] weights are transposed to irp's [out, in]
    layers, act = irp.head_layers(mlp)
    assert act == "relu" and layers[0][0].shape == (7, 5)


@pytest.mark.parametrize("kwargs,message", [
    (dict(spaces={}), "at least one space"),
    (dict(spaces={"a/b": None}), "without '/'"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 3)))}), "train has 2 columns"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2))), "b": (np.ones((4, 2)),
                                                                np.ones((2, 2)))}), "parallel"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_ids=[1, 2, 3],
          test_ids=[3, 4]), "unique"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_labels=[0, 1, 2]),
     "both or neither"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_labels=[0, 1, -1],
          test_labels=[0, 1]), "negative"),
    (dict(spaces={"a": (np.ones((3, 2)), np.full((2, 2), np.inf))}), "non-finite"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_labels=[0, 1, 1],
          test_labels=[0, 1], heads={"a": {"h": (np.ones((3, 2)), np.ones(3))}}),
     "maps 2 inputs to 3 classes"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_labels=[0, 1, 2],
          test_labels=[0, 1], class_names=["x", "y"]), "at least 3 names"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_labels=[0, 1, 1],
          test_labels=[0, 1], class_names=["x", "y,z"]), "without commas"),
], ids=range(11))
def test_write_dump_refuses_bad_input(tmp_path, kwargs, message):
    path = str(tmp_path / "bad.h5")
    with pytest.raises(ValueError, match=message):
        irp.write_dump(path, **kwargs)
    assert not os.path.exists(path) and not os.path.exists(path + ".tmp")


# ---- hostile input found by an independent trial ----

@pytest.mark.parametrize("call,message", [
    (lambda a, b: irp.relative_projection(a + 1j, a), "real numbers, got dtype complex"),
    (lambda a, b: irp.relative_projection(a.astype(str), a), "real numbers, got dtype <U"),
    (lambda a, b: irp.relative_projection(a > 0, a), "real numbers, got dtype bool"),
    (lambda a, b: irp.relative_projection(np.float64(1.0), a), r"got shape \(\)"),
    (lambda a, b: irp.anchor_indices(10, 3, seed=2**64), "seed: expected an integer from 0"),
    (lambda a, b: irp.Translator.fit(a, b, seed=2**64 + 5), "seed: expected"),
    (lambda a, b: irp.fps(a, delta=0.5, first=2**64), "first: expected"),
    (lambda a, b: irp.anchor_indices(2**70, 3), "n: expected"),
    (lambda a, b: irp.Translator.fit(a, b, omega=2**64), "omega: expected"),
    (lambda a, b: irp.Translator.fit(a, b, anchors=np.arange(3)), "anchors: expected the 60"),
    (lambda a, b: irp.Translator(np.eye(2), np.zeros(2), np.zeros(2), 1.0, rescale="false"),
     "rescale must be True or False"),
    (lambda a, b: irp.Translator(np.eye(2), np.zeros(2), np.zeros(2), np.ones(2)),
     "scale_y must be one real number"),
], ids=range(12))
def test_hostile_values_raise_value_error(tiny, call, message):
    a, b = spaces(tiny, "rot-a", "narrow")
    with pytest.raises(ValueError, match=message):
        call(a[:60], b[:60])


def test_hostile_sizes_and_degenerate_anchors_raise_irp_error():
    with pytest.raises(irp.IrpError, match="out of memory"):  # was a segfault (size overflow)
        irp.anchor_indices(2**61, 2)
    with pytest.raises(irp.IrpError, match="zero norm"):  # all anchors equal: centring leaves 0
        irp.relative_projection(np.ones((3, 8)), np.ones((50, 8)), center=True)
    with pytest.raises(irp.IrpError, match="zero norm"):
        irp.Translator.fit(np.ones((50, 8)), np.random.default_rng(0).normal(size=(50, 4)),
                           center=True)


def test_outputs_are_regular_files_only(tmp_path, tiny):
    ax, ay = spaces(tiny, "rot-a", "rot-b")
    t = irp.Translator.fit(ax[:100], ay[:100])
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, tmp_path / "out.h5.tmp")  # a stale temp that is a link: unlinked
    t.save(str(tmp_path / "out.h5"))
    assert victim.read_text() == "keep me" and not os.path.islink(tmp_path / "out.h5")
    os.mkfifo(tmp_path / "fifo.h5")
    with pytest.raises(ValueError, match="not a regular file"):
        t.save(str(tmp_path / "fifo.h5"))
    with pytest.raises(ValueError, match="not a regular file"):
        irp.write_dump(str(tmp_path / "fifo.h5"), {"a": (ax[:5], ax[5:8])})
    with pytest.raises(ValueError, match="not a regular file"):  # never a hang
        irp.Translator.load(str(tmp_path / "fifo.h5"))
    os.symlink(victim, tmp_path / "link.h5")
    with pytest.raises(ValueError, match="not a regular file"):
        t.save(str(tmp_path / "link.h5"))
    assert victim.read_text() == "keep me" and stat.S_ISFIFO(os.stat(tmp_path / "fifo.h5").st_mode)


@pytest.mark.parametrize("content,message", [
    (lambda f: f.create_dataset("translator", data=np.array(1.0)), "rank 0"),
    (lambda f: f.create_dataset("translator", data=np.array([[b"a"]])), "expected float64"),
], ids=range(2))
def test_load_names_the_file_for_bad_datasets(tmp_path, content, message):
    p = str(tmp_path / "t.h5")
    with h5py.File(p, "w") as f:
        content(f)
        f["translator"].attrs["scale_y"] = 1.0
        f["translator"].attrs["rescale"] = 1
        f.create_dataset("translator_mean_x", data=np.zeros(1))
        f.create_dataset("translator_mean_y", data=np.zeros(1))
    with pytest.raises(ValueError, match=f"{p}: .*{message}"):
        irp.Translator.load(p)


@pytest.mark.parametrize("kwargs,message", [
    (dict(spaces={"a": (np.full((3, 2), 1e39), np.ones((2, 2)))}), "float32's range"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, schema="evil"), "schema: set by"),
    (dict(spaces={"a\nb": (np.ones((3, 2)), np.ones((2, 2)))}), "printable name"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_labels=[0, 1, 10**9],
          test_labels=[0, 1]), "at most 1,000,000 classes"),
    (dict(spaces={"a": (np.ones((3, 2)), np.ones((2, 2)))}, train_ids=[0.5, 1.5, 2.5]),
     "train_ids: expected integers"),
    (dict(spaces={"a": (np.ones((3, 2)) + 1j, np.ones((2, 2)))}), "real numbers"),
], ids=range(6))
def test_write_dump_refuses_hostile_values(tmp_path, kwargs, message):
    path = str(tmp_path / "bad.h5")
    with pytest.raises(ValueError, match=message):
        irp.write_dump(path, **kwargs)
    assert not os.path.exists(path) and not os.path.exists(path + ".tmp")


# ---- hostile input, round two (issue 29) ----

def test_write_dump_closes_once_and_names_the_path(tmp_path, monkeypatch):
    """A close that fails (HDF5 flushing to a full disk) is not tried again
    (libhdf5 1.10.8 crashed on the second close), and leaves no .tmp."""
    path = tmp_path / "d.h5"
    path.write_text("previous")
    real, calls = h5py.File.close, []

    def failing_close(self):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        real(self)
    monkeypatch.setattr(h5py.File, "close", failing_close)
    with pytest.raises(OSError, match=f"{path}: cannot write .*No space left"):
        irp.write_dump(str(path), {"a": (np.ones((3, 2)), np.ones((2, 2)))})
    assert len(calls) == 1
    assert path.read_text() == "previous" and not os.path.exists(str(path) + ".tmp")


FULL_DISK = """
import resource, signal, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import irp
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))  # a disk that fills at 64 KiB
a = np.random.default_rng(0).normal(size=(20000, 16))
try:
    irp.write_dump(sys.argv[1], {"a": (a, a[:100])})
except OSError as e:
    print(e)
    sys.exit(3)
"""


def test_write_dump_on_a_full_disk_is_one_error(tmp_path, root):
    """A real write error (RLIMIT_FSIZE stands in for a full disk): one
    OSError naming the file, no crash (it was exit 139), nothing left."""
    path = str(tmp_path / "d.h5")
    out = subprocess.run([sys.executable, "-c", FULL_DISK, path, os.path.join(root, "python")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 3, (out.returncode, out.stderr[-2000:])
    assert out.stdout.count("\n") == 1 and out.stdout.startswith(f"{path}: cannot write")
    assert not os.path.exists(path) and not os.path.exists(path + ".tmp")


def test_text_trainer_refuses_a_fifo_corpus(tmp_path, root):
    """--corpus FIFO blocked for ever on open(); now one line naming it, at once."""
    fifo = str(tmp_path / "corpus.tsv")
    os.mkfifo(fifo)
    script = os.path.join(root, "data", "text", "train_text_encoders.py")
    out = subprocess.run(["/usr/bin/python3", script, "--corpus", fifo, "--out",
                          str(tmp_path / "out.h5")], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert out.stderr.count("\n") == 1 and fifo in out.stderr and "not a regular file" in \
        out.stderr, out.stderr
    assert os.listdir(tmp_path) == ["corpus.tsv"]  # nothing written


@pytest.mark.parametrize("name,shape", [
    ("translator", (5000, 5000)),          # 200 MB as float64, declared by a few KB
    ("translator_mean_x", (2**40,)),
    ("anchor_indices", (10**9,)),
], ids=range(3))
def test_load_refuses_shapes_larger_than_the_file(tmp_path, name, shape):
    """A small file declaring a huge dataset (fill values, never stored) is
    refused before anything is allocated (a 406 KB file made it allocate 2 GB)."""
    p = str(tmp_path / "t.h5")
    with h5py.File(p, "w") as f:
        real = {"translator": np.eye(3), "translator_mean_x": np.zeros(3),
                "translator_mean_y": np.zeros(3), "anchor_indices": np.arange(3)}
        for k, v in real.items():
            if k == name:
                f.create_dataset(k, shape=shape, dtype=v.dtype)  # declared, not stored
            else:
                f.create_dataset(k, data=v)
        f["translator"].attrs["scale_y"] = 1.0
        f["translator"].attrs["rescale"] = 1
    assert os.path.getsize(p) < 100000
    with pytest.raises(ValueError, match=f"{p}: /{name}: declared shape .* is too large for the file"):
        irp.Translator.load(p)


def test_load_refuses_means_that_do_not_fit_before_reading(tmp_path):
    p = str(tmp_path / "t.h5")
    with h5py.File(p, "w") as f:
        f.create_dataset("translator", data=np.eye(3))
        f.create_dataset("translator_mean_x", data=np.zeros(4))
        f.create_dataset("translator_mean_y", data=np.zeros(3))
        f["translator"].attrs["scale_y"] = 1.0
        f["translator"].attrs["rescale"] = 1
    with pytest.raises(ValueError, match=rf"{p}: /translator is 3x3 but the means have 4 and 3 values"):
        irp.Translator.load(p)


@pytest.mark.parametrize("omega", [0, -1, 1025, 10**7, 2.0, 1.5, "4", True, None],
                         ids=range(9))
def test_omega_is_an_integer_from_1_to_1024(tiny, omega):
    """Like the irp command (1 to 1024): a huge omega ran for ever or ran out
    of memory (fps_subsets built omega lists)."""
    a, b = spaces(tiny, "rot-a", "narrow")
    with pytest.raises(ValueError, match="omega: expected an integer from 1 to 1024"):
        irp.Translator.fit(a[:60], b[:60], omega=omega)
    with pytest.raises(ValueError, match="omega: expected an integer from 1 to 1024"):
        irp.fps_subsets(a[:60], omega, delta=0.0)
    assert len(irp.fps_subsets(a[:60], np.int64(1024), delta=0.0)) == 1024


def _two(x=None, y=None):
    return (np.ones((3, 2)) if x is None else x, np.ones((2, 2)) if y is None else y)


_LAB = dict(train_labels=[0, 1, 1], test_labels=[0, 1])
_W, _B = np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2)


@pytest.mark.parametrize("kwargs,message", [
    (dict(spaces={"a": _two(np.array([[1.0, 2.0], [1e-50, -1e-60], [3.0, 4.0]]))}),
     r"spaces\['a'\] train: row 1 is all zero in float32 \(its values underflow"),
    (dict(spaces={"a": _two(), "b": _two(y=np.array([[0.0, 0.0], [1.0, 1.0]]))}),
     r"spaces\['b'\] test: row 0 is all zero; irp normalises"),
    (dict(spaces={"a": _two()}, heads={"a": {"h": (np.array([[np.nan, 0], [0, 1]]), _B)}},
          **_LAB), r"heads\['a'\]\['h'\] weight: has non-finite values"),
    (dict(spaces={"a": _two()}, heads={"a": {"h": (_W * 1e39, _B)}}, **_LAB),
     r"heads\['a'\]\['h'\] weight: values beyond float32's range"),
    (dict(spaces={"a": _two()}, heads={"a": {"h": (_W, np.array([0.0, -1e300]))}}, **_LAB),
     r"heads\['a'\]\['h'\] bias: values beyond float32's range"),
    (dict(spaces={"a": _two()}, heads={"a": {"h": ([(np.ones((4, 2)), np.zeros(4)),
                                                    (np.ones((2, 4)), [0, np.inf])], "relu")}},
          **_LAB), r"heads\['a'\]\['h'\] layer 1 bias: has non-finite"),
    (dict(spaces={"a": _two()}, heads={"a": {"h": ([(np.ones((4, 2)), np.zeros(4)),
                                                    (np.ones((2, 3)), np.zeros(2))], "relu")}},
          **_LAB), r"layer 1 weight: takes 3 inputs, but layer 0 has 4 outputs"),
    (dict(spaces={"a": _two()}, heads={"a": {"h": ([(np.ones((2, 2)), np.zeros(3))],
                                                   "identity")}}, **_LAB),
     r"heads\['a'\]\['h'\] bias: shape \(3,\) for a weight of shape \(2, 2\)"),
    (dict(spaces={"a": _two()}, heads={"a": {"h": ([(_W, _B)] * 65, "relu")}}, **_LAB),
     "65 layers; irp reads 1 to 64"),
], ids=range(9))
def test_write_dump_refuses_what_irp_would_refuse(tmp_path, irp_bin, kwargs, message):
    """Dumps the C loader refuses (harness/plumbing/dump.c: all-zero rows,
    non-finite float32 head values, layers that do not chain, more than 64)
    are refused by write_dump up front, naming the space or head."""
    path = str(tmp_path / "bad.h5")
    with pytest.raises(ValueError, match=message):
        irp.write_dump(path, **kwargs)
    assert os.listdir(tmp_path) == []


def test_write_dump_accepts_tiny_but_representable_values(tmp_path, irp_bin):
    """The refusals above leave alone what irp reads: subnormal float32 values
    in a row with others, and float32's largest weights."""
    x = np.array([[1.0, 1e-40], [2.0, 0.0], [1e-44, 0.0]])
    big = np.array([[3e38, 0.0], [0.0, 1.0]])
    path = str(tmp_path / "ok.h5")
    irp.write_dump(path, {"a": (x, x[:2])}, heads={"a": {"h": (big, _B)}}, **_LAB)
    out = subprocess.run([irp_bin, "inspect", path], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_an_all_zero_translator_is_an_error(tmp_path, tiny):
    """A zero translator gave zero rows (or the target mean) silently."""
    ax, ay = spaces(tiny, "rot-a", "narrow")
    t = irp.Translator.fit(ax[:100], ay[:100])
    with pytest.raises(ValueError, match=r"T \(24 x 16\) is all zero"):
        irp.Translator(np.zeros_like(t.T), t.mean_x, t.mean_y, t.scale_y)
    p = str(tmp_path / "zero.h5")
    t.save(p)
    with h5py.File(p, "r+") as f:
        f["translator"][...] = 0
    with pytest.raises(ValueError, match=f"{p}: .*is all zero"):
        irp.Translator.load(p)
    for rescale in (True, False):  # built past the constructor's check
        z = irp.Translator(t.T, t.mean_x, t.mean_y, t.scale_y, rescale=rescale)
        z.T = np.zeros_like(t.T)
        with pytest.raises(irp.IrpError, match="row 0 translates to the target mean"):
            z.transform(ax[:5])
    # a row T maps to zero (in its null space), and values that vanish under rescaling
    part = irp.Translator(t.T, t.mean_x, t.mean_y, t.scale_y, rescale=False)
    part.T = t.T.copy()
    part.T[0] = 0
    x = np.zeros((2, ax.shape[1]))
    x[:, 0] = 1.0
    with pytest.raises(irp.IrpError, match="row 0 translates to the target mean"):
        part.transform(x)
    tiny_t = irp.Translator(t.T * 1e-320, t.mean_x, t.mean_y, t.scale_y)
    with pytest.raises(irp.IrpError, match="instead of the target scale"):
        tiny_t.transform(ax[:5])
    assert np.all(np.isfinite(t.transform(ax[:5])))  # a real translator is untouched


# ---- one translator format: Translator.save <-> irp translate --translator / --apply ----

def apply(irp_bin, *args):
    return subprocess.run([irp_bin, "translate", "--apply", *args], capture_output=True,
                          text=True)


def fitted(tiny, **kw):
    ax, ay = spaces(tiny, "rot-a", "narrow")
    idx = irp.anchor_indices(len(ax), 200, seed=0)
    return irp.Translator.fit(ax[idx], ay[idx], omega=2, delta=0.4, center=True, anchors=idx,
                              **kw)


def new_rows_dump(tiny, path, labelled=False):
    """A dump of rows the translator never saw as anchors: 30 training rows
    (fewer than the anchors' indices reach) and 50 test rows, from rot-a's
    test split; unlabelled unless asked."""
    x, = spaces(tiny, "rot-a", split="test")
    kw = dict(train_labels=np.zeros(30, int), test_labels=np.arange(50) % 4) if labelled else {}
    irp.write_dump(path, {"mine": (x[:30], x[30:80])}, **kw)
    return x[:30], x[30:80]


def test_python_translator_applied_by_the_command(tmp_path, irp_bin, tiny):
    t = fitted(tiny, source_space="rot-a", target_space="narrow")
    t.save(str(tmp_path / "py.h5"))
    new = str(tmp_path / "new.h5")
    rows = new_rows_dump(tiny, new)
    out = str(tmp_path / "out.h5")
    r = apply(irp_bin, str(tmp_path / "py.h5"), "--in", new, "--space", "mine", "--out", out)
    assert r.returncode == 0, r.stderr
    notes = [l for l in r.stderr.splitlines() if "note" in l]
    assert len(notes) == 1 and "the anchors could not be checked" in notes[0]
    with h5py.File(out, "r") as f:
        for split, x in zip(("train", "test"), rows):
            got = f["spaces/mine-to-narrow"][split][:]  # float32, as written
            assert np.array_equal(got, t.transform(x).astype(np.float32))
        assert "heads" not in f["spaces/mine-to-narrow"]
    assert subprocess.run([irp_bin, "inspect", out], capture_output=True).returncode == 0
    # on the dump it was fitted from, the anchors are checked: the hash Python recorded
    # is the one the command computes
    r = apply(irp_bin, str(tmp_path / "py.h5"), "--in", tiny, "--out", str(tmp_path / "o2.h5"))
    assert r.returncode == 0 and "anchors match " + t.anchor_hash in r.stderr, r.stderr
    # another encoder's rows at the anchors' indices: still refused
    r = apply(irp_bin, str(tmp_path / "py.h5"), "--in", tiny, "--space", "rot-b", "--out",
              str(tmp_path / "o3.h5"))
    assert r.returncode == 1 and "not the anchors it was fitted on" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not os.path.exists(tmp_path / "o3.h5")


def test_command_translator_loaded_in_python(tmp_path, irp_bin, tiny):
    tr = str(tmp_path / "tr.h5")
    subprocess.run([irp_bin, "translate", "--data", tiny, "--from", "rot-a", "--to", "narrow",
                    "--anchors", "200", "--omega", "2", "--delta", "0.4", "--center",
                    "--lambda", "0.01", "--rescale", "none", "--out", tr, "--translator"],
                   check=True, capture_output=True)
    t = irp.Translator.load(tr)
    assert t.options == dict(anchors=200, anchor_seed=0, omega=2, delta=0.4, prune="threshold",
                             rcond=-1.0, rescale=False, center=True, completion=False, seed=0,
                             **{"lambda": 0.01})
    assert (t.source_space, t.target_space, t.rescale) == ("rot-a", "narrow", False)
    new = str(tmp_path / "new.h5")
    rows = new_rows_dump(tiny, new)
    out = str(tmp_path / "out.h5")
    r = apply(irp_bin, tr, "--in", new, "--space", "mine", "--out", out)
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as f:
        assert f.attrs["num_classes"] == 4  # unlabelled input: the heads' classes
        for split, x in zip(("train", "test"), rows):
            got = f["spaces/mine-to-narrow"][split][:].astype(np.float64)
            want = t.transform(x)
            assert np.abs(got - want).max() <= 1e-6 * np.abs(want).max()
            assert np.array_equal(got, want.astype(np.float32))
    # saved again from Python, the command applies it the same
    t.save(str(tmp_path / "again.h5"))
    r = apply(irp_bin, str(tmp_path / "again.h5"), "--in", new, "--space", "mine", "--out",
              str(tmp_path / "o2.h5"))
    assert r.returncode == 0, r.stderr
    with h5py.File(out, "r") as a, h5py.File(str(tmp_path / "o2.h5"), "r") as b:
        for split in ("train", "test"):
            assert np.array_equal(a["spaces/mine-to-narrow"][split][:],
                                  b["spaces/mine-to-narrow"][split][:])


def test_old_python_translator_still_loads(tmp_path, irp_bin, tiny):
    """save() before the format had a version: Translator.load reads it (and
    its settings); the command refuses it with what to do."""
    t = fitted(tiny)
    p = str(tmp_path / "old.h5")
    with h5py.File(p, "w") as f:
        f["translator"] = t.T
        f["translator"].attrs["scale_y"] = t.scale_y
        f["translator"].attrs["rescale"] = np.int32(1)
        f["translator_mean_x"], f["translator_mean_y"] = t.mean_x, t.mean_y
        f["anchor_indices"] = t.anchors
        f.attrs["irp_settings"] = "omega=2 delta=0.4 prune=threshold center=True rescale=True"
    u = irp.Translator.load(p)
    assert np.array_equal(u.T, t.T)
    assert u.options == dict(omega=2, delta=0.4, prune="threshold", center=True, rescale=True)
    r = apply(irp_bin, p, "--in", tiny, "--space", "rot-a", "--out", str(tmp_path / "o.h5"))
    assert r.returncode == 1 and "attribute 'translator_schema': missing" in r.stderr
    assert "Translator.load" in r.stderr


def _set(name, value):
    def change(f):
        if name.startswith("/"):
            f.attrs[name[1:]] = value
        else:
            f["translator"].attrs[name] = value
    return change


def _replace(name, value):
    def change(f):
        del f[name]
        f[name] = value
    return change


def _huge(f):  # 2 GB declared in a file of a few KB: refused before anything is read
    del f["translator"]
    f.create_dataset("translator", shape=(16384, 16384), dtype="<f8")
    f["translator"].attrs["scale_y"] = 1.0
    f["translator"].attrs["rescale"] = np.int32(1)


def _external(f):
    f["ext"] = h5py.ExternalLink("elsewhere.h5", "/x")


# every broken field: Translator.load and irp translate --apply both refuse it,
# each in one line naming the file and what was expected
@pytest.mark.parametrize("change,message", [
    (_huge, "/translator: declared shape 16384x16384 is too large for the file"),
    (_replace("translator_mean_x", np.full(24, np.nan)), "hold a NaN or infinity"),
    (_replace("translator_mean_x", np.zeros(23)), "the means have 23 and 16 values"),
    (_replace("translator_mean_y", np.zeros((16, 1))), "/translator_mean_y: expected rank 1"),
    (_replace("translator_mean_y", np.zeros(16, np.float32)), "expected float64 values"),
    (_replace("anchor_indices", np.arange(200.0)), "/anchor_indices: expected an integer"),
    (_replace("anchor_indices", -np.arange(1, 201)), "/anchor_indices: -1 at position 0"),
    (_replace("anchor_indices", np.zeros(0, np.int64)), "/anchor_indices: empty"),
    (_set("scale_y", -1.0), "attribute 'scale_y': expected a finite number > 0"),
    (_set("scale_y", np.inf), "attribute 'scale_y': expected a finite number > 0"),
    (_set("rescale", np.int32(2)), "attribute 'rescale': expected 0 or 1"),
    (_set("anchor_hash", "xyz"), "attribute 'anchor_hash': expected 16 hex digits"),
    (_set("anchor_split", "test"), "attribute 'anchor_split': expected 'train'"),
    (_set("settings", "omega=2 omega=2"), "'omega=2': given twice"),
    (_set("settings", "omega=0"), "'omega=0': expected an integer >= 1"),
    (_set("settings", "delta=nan"), "'delta=nan': expected a finite number"),
    (_set("settings", "delta=0x1p3"), "'delta=0x1p3': expected a finite number"),
    (_set("settings", "rescale=none"), "'rescale=none': disagrees with the attribute rescale"),
    (_set("settings", "head=linear"), "'head=linear': not a translator setting"),
    (_set("settings", "omega=2  seed=1"), "'': expected key=value"),
    (_set("settings", "x" * 300 + "=1"), "expected key=value"),
    (_set("source_space", "a/b"), "'source_space': a name with '/'"),
    (_set("/translator_schema", "irp-translator/2"), "expected \"irp-translator/1\""),
    (_external, "/ext is a link to another file"),
], ids=range(24))
def test_broken_translators_refused_alike(tmp_path, irp_bin, tiny, change, message):
    p = str(tmp_path / "t.h5")
    fitted(tiny, source_space="rot-a", target_space="narrow").save(p)
    with h5py.File(p, "r+") as f:
        change(f)
    assert os.path.getsize(p) < 100_000
    with pytest.raises(ValueError, match=f"^{p}: .*{re.escape(message)}"):
        irp.Translator.load(p)
    r = apply(irp_bin, p, "--in", tiny, "--out", str(tmp_path / "o.h5"))
    assert r.returncode == 1 and message in r.stderr and p in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not os.path.exists(tmp_path / "o.h5") and not os.path.exists(tmp_path / "o.h5.tmp")


def test_labelled_input_of_another_task_refused(tmp_path, irp_bin, tiny):
    tr = str(tmp_path / "tr.h5")
    subprocess.run([irp_bin, "translate", "--data", tiny, "--from", "rot-a", "--to", "narrow",
                    "--anchors", "200", "--out", tr, "--translator"], check=True,
                   capture_output=True)
    x, = spaces(tiny, "rot-a", split="test")
    new = str(tmp_path / "new.h5")
    irp.write_dump(new, {"mine": (x[:30], x[30:80])}, np.arange(30) % 7, np.arange(50) % 7)
    r = apply(irp_bin, tr, "--in", new, "--space", "mine", "--out", str(tmp_path / "o.h5"))
    assert r.returncode == 1 and "has 7 classes but the heads in" in r.stderr
    # labelled with the heads' classes: applied
    irp.write_dump(new, {"mine": (x[:30], x[30:80])}, np.arange(30) % 4, np.arange(50) % 4)
    r = apply(irp_bin, tr, "--in", new, "--space", "mine", "--out", str(tmp_path / "o.h5"))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("kind,text,value", [
    ("seed", "0", 0), ("seed", str(2**64 - 1), 2**64 - 1), ("seed", str(2**64), None),
    ("seed", "-1", None), ("count", "1", 1), ("count", "0", None),
])
def test_setting_integer_bounds(kind, text, value):
    """A translator file's seeds are 0 .. 2^64-1 (uint64 in the C core) and its
    counts at least 1; one past either end is refused, not wrapped."""
    from irp import _core
    if value is None:
        with pytest.raises(ValueError, match="expected an integer"):
            _core._setting_value(kind, text)
    else:
        assert _core._setting_value(kind, text) == value


def test_names_at_their_length_limit(tmp_path, irp_bin):
    """A space name of 200 characters is written and read by both sides; 201
    is refused before anything is written."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=(12, 3))
    ok, long = "n" * 200, "n" * 201
    irp.write_dump(str(tmp_path / "ok.h5"), {ok: (a[:8], a[8:])})
    assert list(irp.read_dump(str(tmp_path / "ok.h5")).spaces) == [ok]
    r = subprocess.run([irp_bin, "inspect", str(tmp_path / "ok.h5")], capture_output=True,
                       text=True)
    assert r.returncode == 0 and ok in r.stdout, r.stderr
    with pytest.raises(ValueError, match="expected a printable name of 1 to 200 characters"):
        irp.write_dump(str(tmp_path / "long.h5"), {long: (a[:8], a[8:])})
    assert not os.path.exists(tmp_path / "long.h5")


def test_label_limit_at_its_boundary(tmp_path):
    """Labels 0 .. 999999 (a million classes) are written; 1,000,000 is refused."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(8, 2))
    lab = np.zeros(4, dtype=np.int64)
    lab[0] = 999999
    irp.write_dump(str(tmp_path / "m.h5"), {"a": (a[:4], a[4:])}, train_labels=lab,
                   test_labels=np.zeros(4, dtype=np.int64))
    assert irp.read_dump(str(tmp_path / "m.h5")).num_classes == 1000000
    lab[0] = 1000000
    with pytest.raises(ValueError, match="a label of 1000000; irp reads at most 1,000,000"):
        irp.write_dump(str(tmp_path / "n.h5"), {"a": (a[:4], a[4:])}, train_labels=lab,
                       test_labels=np.zeros(4, dtype=np.int64))


def test_apply_checks_anchors_up_to_the_last_training_row(tmp_path, irp_bin, tiny):
    """--apply checks the anchors when the input's training split holds the
    largest anchor index (index = rows - 1: checked, and a match), and applies
    on trust with one note when it is one row short (index = rows)."""
    ax, = spaces(tiny, "rot-a")
    t = fitted(tiny, source_space="rot-a", target_space="narrow")
    t.save(str(tmp_path / "tr.h5"))
    last = int(t.anchors.max())
    test_x, = spaces(tiny, "rot-a", split="test")
    for rows, said in ((last + 1, "anchors match " + t.anchor_hash),
                       (last, "the anchors could not be checked")):
        d = str(tmp_path / f"in{rows}.h5")
        irp.write_dump(d, {"rot-a": (ax[:rows], test_x[:20])})
        r = apply(irp_bin, str(tmp_path / "tr.h5"), "--in", d, "--out",
                  str(tmp_path / f"out{rows}.h5"))
        assert r.returncode == 0 and said in r.stderr, (rows, r.stderr)
    # a source wider than the translator: refused by the dimension check, naming both
    wide = np.hstack([ax, ax[:, :1]])
    d = str(tmp_path / "wide.h5")
    irp.write_dump(d, {"rot-a": (wide, np.hstack([test_x, test_x[:, :1]])[:20])})
    r = apply(irp_bin, str(tmp_path / "tr.h5"), "--in", d, "--out", str(tmp_path / "w.h5"))
    assert r.returncode == 1 and not os.path.exists(tmp_path / "w.h5")
    assert (f"/spaces/rot-a has dimension {ax.shape[1] + 1} but {tmp_path / 'tr.h5'} translates "
            f"from dimension {ax.shape[1]}") in r.stderr, r.stderr


@pytest.mark.parametrize("settings", ["omega=1", "omega=+1", "anchors=1", "seed=0",
                                      "seed=18446744073709551615", "delta=0 omega=1024"])
def test_settings_at_their_limits_accepted_alike(tmp_path, irp_bin, tiny, settings):
    """The smallest and largest values a translator file's settings may hold are
    read by Translator.load and by irp translate --apply alike (the settings are
    the record of how it was fitted; the numbers come from its datasets)."""
    p = str(tmp_path / "t.h5")
    fitted(tiny, source_space="rot-a", target_space="narrow").save(p)
    with h5py.File(p, "r+") as f:
        f["translator"].attrs["settings"] = settings
    irp.Translator.load(p)
    r = apply(irp_bin, p, "--in", tiny, "--out", str(tmp_path / "o.h5"))
    assert r.returncode == 0, r.stderr
