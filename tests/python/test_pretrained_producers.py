"""data/pretrained/embed_fmnist.py and embed_emoji.py, the producers of the
pretrained dumps: a small real run (two nsfwjs encoders on a slice of Debian's
Fashion-MNIST) writes a dump irp reads, with the provenance of each space; a
second run reuses the feature cache and writes the same features bit for bit; a
damaged cache entry is recomputed, not trusted; bad arguments and bad GloVe
files stop with one line naming them, before any output is written.

Needs the nsfwjs package in data/cache/npm (or IRP_NPM_CACHE): `make test`
fetches it first."""
import json
import os
import subprocess

import h5py
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
FMNIST = os.path.join(ROOT, "data", "pretrained", "embed_fmnist.py")
EMOJI = os.path.join(ROOT, "data", "pretrained", "embed_emoji.py")
NPM = os.environ.get("IRP_NPM_CACHE") or os.path.join(ROOT, "data", "cache", "npm")
IRP = os.path.join(ROOT, "build", "irp")


def run(*args, cwd=ROOT):
    return subprocess.run([PY, *args], cwd=cwd, capture_output=True, text=True, timeout=900)


def one_line_error(p, *needles):
    assert p.returncode != 0, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("pretrained")
    args = [FMNIST, "--encoders", "mobilenet_v2_mid,mobilenet_v2", "--train", "1280",
            "--test", "64", "--head-epochs", "30", "--npm-cache", NPM, "--cache", str(d / "cache")]
    first = run(*args, "--out", str(d / "a.h5"))
    assert first.returncode == 0, first.stderr
    # into a directory that does not exist yet: made at the end, as make's target needs
    second = run(*args, "--out", str(d / "new" / "dir" / "b.h5"))
    assert second.returncode == 0, second.stderr
    return d, first, second


def test_dump_has_both_spaces_with_provenance(small):
    d, first, _ = small
    with h5py.File(d / "a.h5", "r") as f:
        assert f.attrs["schema"] == "irp-embeddings/1"
        assert f.attrs["dataset"] == "fashion-mnist-pretrained"
        assert sorted(f["spaces"]) == ["mobilenet_v2", "mobilenet_v2_mid"]
        for name, dim in (("mobilenet_v2", 1280), ("mobilenet_v2_mid", 1792)):
            s = f["spaces"][name]
            assert s["train"].shape == (1280, dim) and s["test"].shape == (64, dim)
            assert s.attrs["package"] == "nsfwjs@4.4.0"
            assert s.attrs["integrity"].startswith("sha512-")
            assert np.isfinite(s["train"][:]).all()
            assert len(s["heads"]) == 6
            # a linear head on frozen pretrained features is far above chance (0.1)
            assert s["heads"]["linear"].attrs["test_accuracy"] > 0.5
        assert list(f["samples"]["test"]["ids"][:3]) == [100000, 100001, 100002]
    assert "(cached)" not in first.stderr


def test_irp_reads_it(small):
    d, _, _ = small
    p = subprocess.run([IRP, "inspect", str(d / "a.h5")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "mobilenet_v2_mid" in p.stdout and "1792" in p.stdout


def test_second_run_reuses_the_cache_bit_for_bit(small):
    d, _, second = small
    assert second.stderr.count("(cached)") == 2, second.stderr
    with h5py.File(d / "a.h5", "r") as a, h5py.File(d / "new" / "dir" / "b.h5", "r") as b:
        for name in a["spaces"]:
            for split in ("train", "test"):
                assert np.array_equal(a["spaces"][name][split][:], b["spaces"][name][split][:])
            w = "heads/linear/weight"
            assert np.array_equal(a["spaces"][name][w][:], b["spaces"][name][w][:])


def test_damaged_cache_entry_is_recomputed(small, tmp_path):
    d, _, _ = small
    cache = tmp_path / "cache"
    os.makedirs(cache)
    for p in (d / "cache").iterdir():
        if p.name.startswith("mobilenet_v2_mid-"):
            (cache / p.name).write_bytes(p.read_bytes())
    hit = [p for p in cache.iterdir() if "-64-" in p.name]
    assert len(hit) == 1
    hit[0].write_bytes(hit[0].read_bytes()[:100])  # truncated .npy
    p = run(FMNIST, "--encoders", "mobilenet_v2_mid", "--train", "1280", "--test", "64",
            "--head-epochs", "1", "--npm-cache", NPM, "--cache", str(cache),
            "--out", str(tmp_path / "c.h5"))
    assert p.returncode == 0, p.stderr
    assert "(cached)" not in p.stderr  # the test rows were recomputed
    with h5py.File(d / "a.h5", "r") as a, h5py.File(tmp_path / "c.h5", "r") as c:
        s = "spaces/mobilenet_v2_mid/test"
        assert np.array_equal(a[s][:], c[s][:])


@pytest.mark.parametrize("args,needles", [
    (["--encoders", "resnet50"], ["--encoders", "resnet50", "mobilenet_v2"]),
    (["--encoders", ","], ["--encoders", "at least one"]),
    (["--train", "100"], ["--train", "1280"]),
    (["--data-dir", "/nonexistent-fmnist"], ["/nonexistent-fmnist"]),
])
def test_fmnist_bad_arguments(tmp_path, args, needles):
    out = tmp_path / "x.h5"
    p = run(FMNIST, "--out", str(out), "--npm-cache", NPM, "--cache", str(tmp_path / "c"), *args)
    one_line_error(p, *needles)
    assert not out.exists() and not (tmp_path / "c").exists()


def test_fmnist_output_is_a_directory(tmp_path):
    p = run(FMNIST, "--out", str(tmp_path), "--npm-cache", NPM)
    one_line_error(p, str(tmp_path))


def test_emoji_bad_arguments(tmp_path):
    out = tmp_path / "x.h5"
    p = run(EMOJI, "--data", str(tmp_path / "none.npz"), "--out", str(out), "--npm-cache", NPM)
    one_line_error(p, "none.npz")
    p = run(EMOJI, "--data", str(tmp_path / "none.npz"), "--out", str(out),
            "--encoders", "vgg")
    one_line_error(p, "--encoders", "vgg")
    assert not out.exists()


@pytest.mark.parametrize("content,needle", [
    ("[1, 2]", "no 100-dimensional"),
    ('{"dimensions": 100, "vectors": []}', "no 100-dimensional"),
    ('{"dimensions": 50, "vectors": {}}', "no 100-dimensional"),
    ('{"dimensions": 100, "vectors": {"cat": [1, 2]}}', "vectors['cat']"),
    ('{"dimensions": 100, "vectors": {"cat": ' + json.dumps(["x"] * 100) + '}}', "vectors['cat']"),
    ('{"dimensions": 100, "vectors": {"cat": ' + json.dumps([True] * 100) + '}}', "vectors['cat']"),
    ('{"dimensions": 100, "vectors": {"cat": [1e999' + ", 0" * 99 + ']}}', "non-finite"),
    ('{"dimensions": 100, "vectors"', "cannot read"),
    ("", "empty"),
])
def test_glove_file_checked(tmp_path, content, needle):
    path = tmp_path / "glove.json"
    path.write_text(content)
    code = ("import sys; sys.path.insert(0, 'data/pretrained'); import embed_emoji as E; "
            f"E.load_glove({str(path)!r}, ['cat', 'dog'])")
    p = run("-c", code)
    one_line_error(p, str(path), needle)


def test_glove_mean_of_known_words():
    # in a child: the producer pins the numerics at import, before NumPy loads
    code = ("import sys; sys.path.insert(0, 'data/pretrained'); import embed_emoji as E; "
            "import numpy as np; "
            "g = {'red': np.full(100, 1, np.float32), 'heart': np.full(100, 3, np.float32)}; "
            "z, empty = E.glove_space(['Red heart', 'zzz qqq', 'heart'], g); "
            "assert np.allclose(z[0], 2) and np.allclose(z[2], 3), z; "
            "assert empty == [1] and not z[1].any(), empty; print('ok')")
    p = run("-c", code)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr
