/**
 * The dropout masks made in one loop (src/runtime/dropout-mask.ts) against tfjs's own generator:
 * the same uniform numbers as tf.randomUniform and the same multipliers as tf.dropout, bit for bit,
 * over seeds of both signs, odd lengths and several rates, from the WebAssembly generator and the
 * JavaScript fallback alike; and a dropout layer's output unchanged.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { dropout } from "../src/runtime/column.js";
import {
  dropoutMultiplier,
  jsDropoutMultiplier,
  seededUniform,
} from "../src/runtime/dropout-mask.js";
import { hashSeed } from "../src/runtime/prng.js";
import { selectBackend } from "../src/runtime/backends.js";

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const cases = Array.from({ length: 40 }, (_, k) => ({
  seed: k % 3 === 0 ? -((k * 2654435761) % 2 ** 31) : (k * 2654435761) % 2 ** 32,
  n: 1 + ((k * 977) % 5000),
  rate: [0.1, 0.25, 0.5, 0.7, 0.9][k % 5] ?? 0.5,
}));

describe("dropout masks", () => {
  beforeAll(async () => {
    await selectBackend("cpu");
  });

  it("draws tf.randomUniform's numbers for every seed", () => {
    for (const { seed, n } of cases) {
      const expected = tf.tidy(() => tf.randomUniform([n], 0, 1, "float32", seed).dataSync());
      expect(bits(seededUniform(n, seed)).equals(bits(expected as Float32Array))).toBe(true);
    }
  });

  it("makes tf.dropout's multiplier for every rate", () => {
    for (const { seed, n, rate } of cases) {
      const expected = tf.tidy(() => tf.dropout(tf.ones([n]), rate, undefined, seed).dataSync());
      const mask = dropoutMultiplier(n, rate, seed);
      expect(bits(mask).equals(bits(expected as Float32Array))).toBe(true);
      // About `rate` of the units are dropped, and the kept ones scaled by 1 / keep.
      const dropped = mask.filter((m) => m === 0).length / n;
      if (n > 2000) expect(Math.abs(dropped - rate)).toBeLessThan(0.05);
      expect(mask.every((m) => m === 0 || m === Math.fround(1 / Math.fround(1 - rate)))).toBe(true);
    }
  });

  it("is the same from the WebAssembly generator and the JavaScript fallback", () => {
    for (const { seed, n, rate } of cases) {
      const keep = Math.fround(1 - rate);
      const js = jsDropoutMultiplier(n, keep, Math.fround(1 / keep), seed);
      expect(bits(dropoutMultiplier(n, rate, seed)).equals(bits(js))).toBe(true);
    }
  });

  it("leaves a dropout layer's output as tf.dropout gave it, on cpu and wasm", async () => {
    for (const backend of ["cpu", "wasm"] as const) {
      await selectBackend(backend);
      const [ours, theirs] = tf.tidy(() => {
        const h = tf.randomNormal([64, 256], 0, 1, "float32", 3) as tf.Tensor2D;
        return [
          dropout(tf, h, 0.5, 77, "emotion", 2).dataSync(),
          tf.dropout(h, 0.5, undefined, hashSeed(77, "emotion", 2)).dataSync(),
        ] as Float32Array[];
      });
      expect(bits(ours!).equals(bits(theirs!))).toBe(true);
    }
  });
});
