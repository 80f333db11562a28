"""data/pretrained/tfjs_torch.py, the PyTorch interpreter of the pretrained TF.js
models: its wrapper parser refuses anything but the data literal it expects
(with an error naming the file), and nsfwjs MobileNetV2's features of the first
128 Fashion-MNIST test images match TensorFlow.js's own (tests/fixtures/
pretrained-ref.npz, made by data/pretrained/reference.mjs).

The model files come from IRP_NPM_CACHE (default data/cache/npm, where
data/pretrained/fetch.py extracts them; `make test` fetches nsfwjs first);
without them the tests that need them are skipped, which tests/test_python.c
counts as a failure."""
import gzip
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "data", "pretrained"))
import tfjs_torch as T  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "pretrained-ref.npz")
FMNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
CACHE = os.environ.get("IRP_NPM_CACHE") or os.path.join(ROOT, "data", "cache", "npm")
MODEL = os.path.join(T.package_dir("", T.NSFW), T.MODELS["mobilenet_v2"]["model"])
SHARD = os.path.join(T.package_dir("", T.NSFW), T.MODELS["mobilenet_v2"]["shards"][0])

needs_cache = pytest.mark.skipif(
    not CACHE or not os.path.isfile(os.path.join(CACHE or "", MODEL)),
    reason=f"no {MODEL} under {CACHE} (run /usr/bin/python3 data/pretrained/fetch.py nsfwjs)")

HEAD = ('!function(e){if("object"==typeof exports)module.exports=e()}(function(){return '
        'function e(a,n,i){return l}({1:[function(e,a,n){a.exports=')
TAIL = '},{}]},{},[1])(1)});'


def wrapper(tmp_path, body, name="model.min.js"):
    p = tmp_path / name
    p.write_text(HEAD + body + TAIL)
    return str(p)


def test_wrapper_literal_parsed(tmp_path):
    p = wrapper(tmp_path, '{a:[1,-.5,1e-3,!0,!1,null],"b":{c:"x"},d:[]}')
    assert T._js_payload(p) == {"a": [1, -0.5, 1e-3, True, False, None], "b": {"c": "x"}, "d": []}


@pytest.mark.parametrize("body,why", [
    ('{a:require("fs")}', "not a data literal"),          # a call inside the literal
    ('{a:[1,2,(function(){return 1})()]}', "not a data literal"),
    ('{a:x}', "not a data literal"),                       # a bare identifier
    ('{a:1}+1', "browserify tail"),                        # an expression after it
])
def test_wrapper_code_refused(tmp_path, body, why):
    p = wrapper(tmp_path, body)
    with pytest.raises(ValueError, match=why) as e:
        T._js_payload(p)
    assert p in str(e.value)


def test_not_a_wrapper_refused(tmp_path):
    p = tmp_path / "x.min.js"
    p.write_text('module.exports={a:1}')
    with pytest.raises(ValueError, match="browserify") as e:
        T._js_payload(str(p))
    assert str(p) in str(e.value)


@needs_cache
def test_truncated_real_wrapper_refused(tmp_path):
    for src in (MODEL, SHARD):
        with open(os.path.join(CACHE, src), encoding="utf-8") as f:
            text = f.read()
        p = tmp_path / os.path.basename(src)
        p.write_text(text[: len(text) // 2])
        with pytest.raises(ValueError) as e:
            T._js_payload(str(p))
        assert str(p) in str(e.value) and ("truncated" in str(e.value) or "tail" in str(e.value))


@needs_cache
def test_real_wrapper_with_a_call_refused(tmp_path):
    with open(os.path.join(CACHE, MODEL), encoding="utf-8") as f:
        text = f.read()
    assert text.count('dtype:"float32"') > 1
    p = tmp_path / "model.min.js"
    p.write_text(text.replace('dtype:"float32"', 'dtype:require("child_process")', 1))
    with pytest.raises(ValueError, match="not a data literal") as e:
        T._js_payload(str(p))
    assert str(p) in str(e.value)


@needs_cache
def test_mobilenet_v2_matches_tfjs():
    ref = np.load(FIXTURE)
    idx = ref["indices"]
    with gzip.open(FMNIST, "rb") as f:
        raw = f.read()
    imgs = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)[idx]
    feats = T.load("mobilenet_v2", CACHE).features(imgs, batch=64)
    want = ref["features"].astype(np.float32)
    assert feats.dtype == np.float32 and feats.shape == want.shape == (128, 1280)
    # Tolerance: torch (oneDNN) and TF.js (XNNPACK wasm, or the JS cpu backend)
    # sum the same float32 products in different orders through 50-odd layers;
    # measured max |diff| 7.4e-6 on features up to 4.6 (both tfjs backends, and
    # the two tfjs backends differ from each other by 8.3e-6). 1e-4 abs + 1e-4 rel
    # leaves >10x headroom, while a real fault (padding, BN, dequantisation,
    # resize, scaling) moves features by 1e-2 or more.
    np.testing.assert_allclose(feats, want, rtol=1e-4, atol=1e-4)
    cos = (feats * want).sum(1) / np.linalg.norm(feats, axis=1) / np.linalg.norm(want, axis=1)
    assert cos.min() > 0.99999
