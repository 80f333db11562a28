// Reference activations from TensorFlow.js itself, to check data/pretrained/tfjs_torch.py.
//
// Pinned, installed with `npm install --ignore-scripts --save-exact` into a scratch
// directory (pure JS/wasm, no native download):
//   @tensorflow/tfjs@4.22.0
//     sha512-0TrIrXs6/b7FLhLVNmfh8Sah6JgjBPH4mZ8JGb7NU6WW+cx00qK5BcAZxw7NCzxj6N8MRAIfHq+oNbPUNG5VAg==
//   @tensorflow/tfjs-backend-wasm@4.22.0
//     sha512-/IYhReRIp4jg/wYW0OwbbJZG8ON87mbz0PgkiP3CdcACRSvUN0h8rvC0O3YcDtkTQtFWF/tcXq/KlVDyV49wmA==
//   (pulled in by tfjs: tfjs-core, tfjs-layers, tfjs-converter, tfjs-backend-cpu, all 4.22.0)
//
// Usage: node resolves the packages relative to the script, so copy it next to
// the scratch node_modules:  cp reference.mjs $SCRATCH/ && node $SCRATCH/reference.mjs job.json
// (tfjs_torch.write_reference_job writes job.json, the model and the inputs).
// job.json: {"model_dir": dir holding a standard model.json + weights.bin
//              (tfjs_torch.export_standard writes them),
//            "kind": "layers" | "graph", "tap": layer name / graph node name,
//            "pool": null | [axes] (mean over these axes of the tap),
//            "input": raw little-endian float32 file, "shape": [N, ...] of one input,
//            "output": raw float32 file to write [N, d], "backend": "wasm" | "cpu",
//            "batch": images per predict call}
// Runs the already preprocessed inputs through the model and writes the tap's
// (pooled) activations. Only reads files; the models are data, never code.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function handler(dir) {
  // A file IOHandler over a standard TF.js model.json + its weight files.
  return {
    async load() {
      const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const specs = [];
      const bufs = [];
      for (const g of mj.weightsManifest) {
        specs.push(...g.weights);
        for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(bufs);
      return {
        modelTopology: mj.modelTopology, format: mj.format, generatedBy: mj.generatedBy,
        convertedBy: mj.convertedBy, signature: mj.signature,
        userDefinedMetadata: mj.userDefinedMetadata, weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

await tf.setBackend(job.backend || 'wasm');
await tf.ready();
let run;
if (job.kind === 'layers') {
  const m = await tf.loadLayersModel(handler(job.model_dir));
  const sub = tf.model({ inputs: m.inputs, outputs: m.getLayer(job.tap).output });
  run = (x) => sub.predict(x);
} else {
  const m = await tf.loadGraphModel(handler(job.model_dir));
  run = (x) => m.execute(x, job.tap);
}
const raw = fs.readFileSync(job.input);
const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const [n, ...one] = job.shape;
const per = one.reduce((a, b) => a * b, 1);
if (data.length !== n * per) throw new Error(`input: ${data.length} floats, want ${n}x${per}`);
const bs = job.batch || 8;
const out = [];
for (let i = 0; i < n; i += bs) {
  const k = Math.min(bs, n - i);
  const y = tf.tidy(() => {
    const x = tf.tensor(data.subarray(i * per, (i + k) * per), [k, ...one], 'float32');
    let t = run(x);
    if (job.pool) t = tf.mean(t, job.pool);
    return t.reshape([k, -1]);
  });
  out.push(await y.data());
  y.dispose();
}
const d = out[0].length / Math.min(bs, n);
const all = new Float32Array(n * d);
let off = 0;
for (const o of out) { all.set(o, off); off += o.length; }
fs.writeFileSync(job.output, Buffer.from(all.buffer));
console.log(JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version.tfjs, n, d }));
