/**
 * Backend selection with the native TensorFlow packages absent (as on CI), and the wasm BatchMatMul
 * fix checked against the cpu backend: every transpose combination, batched shapes, and the
 * gradients of a small dense network agree to 1e-5.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../src/runtime/backends.js";
import { useSimdGemm } from "../src/runtime/wasm-matmul.js";

async function on<T>(backend: "cpu" | "wasm", f: () => T): Promise<T> {
  const selected = await selectBackend(backend);
  if ("problem" in selected) throw new Error(selected.problem);
  return f();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

describe("backend selection", () => {
  it("falls back past the absent native packages to wasm", async () => {
    const selected = await selectBackend();
    expect("problem" in selected ? selected.problem : selected.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });

  for (const name of ["gpu", "native"] as const) {
    it(`a requested \`${name}\` backend that is not installed fails clearly`, async () => {
      const selected = await selectBackend(name);
      expect("problem" in selected).toBe(true);
      if ("problem" in selected) {
        expect(selected.problem).toContain(`backend \`${name}\` is not available`);
        expect(selected.problem).toContain(
          name === "gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node",
        );
      }
    });
  }
});

describe("wasm BatchMatMul with transposed operands", () => {
  beforeAll(async () => {
    await selectBackend("wasm");
  });

  const shapes: [number[], number[], boolean, boolean][] = [
    [[7, 5], [5, 3], false, false],
    [[5, 7], [5, 3], true, false],
    [[7, 5], [3, 5], false, true],
    [[5, 7], [3, 5], true, true],
    [[4, 6, 5], [4, 5, 9], false, false],
    [[4, 5, 6], [4, 5, 9], true, false],
    [[4, 6, 5], [4, 9, 5], false, true],
    [[2, 33, 17], [2, 65, 33], true, true],
  ];

  for (const [sa, sb, ta, tb] of shapes) {
    it(`matches cpu for ${JSON.stringify(sa)}·${JSON.stringify(sb)} transposeA=${ta} transposeB=${tb}`, async () => {
      const compute = () =>
        tf.tidy(() => {
          const a = tf.randomNormal(sa, 0, 1, "float32", 11);
          const b = tf.randomNormal(sb, 0, 1, "float32", 12);
          return tf.matMul(a, b, ta, tb).dataSync().slice();
        });
      const cpu = await on("cpu", compute);
      const wasm = await on("wasm", compute);
      expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-5);
    });
  }

  it("gives the same gradients as cpu for a dense network", async () => {
    const grads = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([16, 12], 0, 1, "float32", 1);
        const w1 = tf.randomNormal([12, 8], 0, 0.3, "float32", 2);
        const w2 = tf.randomNormal([8, 3], 0, 0.3, "float32", 3);
        const y = tf.oneHot(
          tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], "int32"),
          3,
        );
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.sigmoid(tf.matMul(x, a)), b)) as tf.Scalar;
        const [g1, g2] = tf.grads(f)([w1, w2]);
        return [...(g1?.dataSync() ?? []), ...(g2?.dataSync() ?? [])];
      });
    const cpu = await on("cpu", grads);
    const wasm = await on("wasm", grads);
    expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-5);
  });

  // g·Wᵀ of a hidden layer's backward pass is computed as (W·gᵀ)ᵀ: each output must still add its
  // products in the same order as the transposed-operand form, bit for bit.
  for (const [sa, sb] of [
    [
      [64, 256],
      [256, 256],
    ],
    [
      [26, 256],
      [200, 256],
    ],
    [
      [7, 5],
      [3, 5],
    ],
  ]) {
    it(`a·bᵀ for ${JSON.stringify(sa)}·${JSON.stringify(sb)}ᵀ is bit-identical to a·transpose(b)`, async () => {
      await selectBackend("wasm");
      const [flagged, explicit] = tf.tidy(() => {
        const a = tf.randomNormal(sa as number[], 0, 1, "float32", 21);
        const b = tf.randomNormal(sb as number[], 0, 1, "float32", 22);
        return [
          tf.matMul(a, b, false, true).dataSync().slice(),
          tf.matMul(a, tf.transpose(b)).dataSync().slice(),
        ];
      });
      expect(Buffer.from(flagged!.buffer).equals(Buffer.from(explicit!.buffer))).toBe(true);
    });
  }

  // gemm-simd.wat must add each output's products in XNNPACK's order: bit-identical, every flag.
  it("gives XNNPACK's bits through gemm-simd.wat, for every shape and transpose flag", async () => {
    await selectBackend("wasm");
    const shapes: [number, number, number][] = [
      [64, 256, 256],
      [26, 88, 256],
      [5, 3, 8],
      [1, 1, 16],
      [7, 300, 24],
      [64, 256, 4],
      [13, 17, 40],
    ];
    const product = (gemm: boolean, m: number, k: number, n: number, ta: boolean, tb: boolean) => {
      useSimdGemm(gemm);
      try {
        return tf.tidy(() => {
          const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, "float32", m + k);
          const b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, "float32", k + n);
          return tf.matMul(a, b, ta, tb).dataSync().slice() as Float32Array;
        });
      } finally {
        useSimdGemm(true);
      }
    };
    for (const [m, k, n] of shapes)
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const ours = product(true, m, k, n, ta, tb);
          const xnnpack = product(false, m, k, n, ta, tb);
          expect(
            Buffer.from(ours.buffer).equals(Buffer.from(xnnpack.buffer)),
            `${m}×${k}×${n} ${ta} ${tb}`,
          ).toBe(true);
        }
  });

  it("does not leak the transposed intermediates", async () => {
    await selectBackend("wasm");
    const a = tf.randomNormal([30, 20]);
    const b = tf.randomNormal([30, 10]);
    tf.matMul(a, b, true, false).dispose();
    const before = tf.memory().numBytes;
    for (let i = 0; i < 20; i++) tf.matMul(a, b, true, false).dispose();
    expect(tf.memory().numBytes).toBe(before);
    // The flipped form (a·bᵀ as (b·aᵀ)ᵀ) makes two intermediates of its own.
    const small = tf.randomNormal([5, 30]);
    const big = tf.randomNormal([60, 30]);
    const after = tf.memory().numBytes;
    for (let i = 0; i < 20; i++) tf.matMul(small, big, false, true).dispose();
    expect(tf.memory().numBytes).toBe(after);
    tf.dispose([a, b, small, big]);
  });
});
