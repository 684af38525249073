/**
 * Training throughput of the paper's network (88 inputs, 4 × 256 sigmoid, dropout 0.5, 4-way
 * softmax, Adam, batch 64) in a plain hand-written TensorFlow.js loop, in a fresh process per
 * backend so the wasm kernel fix can be measured on and off.
 * In: argv backend (wasm|cpu) and `fix`|`nofix`. Out: one JSON line with samples per second.
 */
import { selectBackend, type BackendName } from "../runtime/backends.js";

const backend = (process.argv[2] ?? "wasm") as BackendName;
const fix = process.argv[3] !== "nofix";
const selected = await selectBackend(backend, { wasmMatMulFix: fix });
if ("problem" in selected) throw new Error(selected.problem);
const { tf } = selected;

const BATCH = 64;
const widths = [88, 256, 256, 256, 256, 4];
const weights = widths.slice(1).map((w, i) => ({
  kernel: tf.variable(
    tf.randomNormal([widths[i] ?? 0, w], 0, Math.sqrt(1 / (widths[i] ?? 1)), "float32", i),
  ),
  bias: tf.variable(tf.zeros([w])),
}));
const x = tf.randomNormal([BATCH * 8, 88], 0, 1, "float32", 42);
const y = tf.oneHot(tf.randomUniform([BATCH * 8], 0, 4, "int32", 43), 4);
const optimizer = tf.train.adam(0.0005);

function step(batch: number): void {
  tf.tidy(() => {
    const xb = x.slice([batch * BATCH, 0], [BATCH, 88]);
    const yb = y.slice([batch * BATCH, 0], [BATCH, 4]);
    optimizer.minimize(() => {
      let h: import("@tensorflow/tfjs").Tensor = xb;
      weights.forEach((layer, i) => {
        h = tf.add(tf.matMul(h, layer.kernel), layer.bias);
        if (i < weights.length - 1) h = tf.dropout(tf.sigmoid(h), 0.5);
      });
      return tf.losses.softmaxCrossEntropy(yb, h) as import("@tensorflow/tfjs").Scalar;
    });
  });
}

for (let i = 0; i < 10; i++) step(i % 8);
const steps = backend === "cpu" || !fix ? 30 : 150;
const t0 = performance.now();
for (let i = 0; i < steps; i++) step(i % 8);
await tf.ready();
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  JSON.stringify({ backend: selected.name, fix, samplesPerSecond: (steps * BATCH) / seconds }) +
    "\n",
);
