/**
 * The fused Adam kernel (src/runtime/fused-adam.ts; WebAssembly SIMD on wasm, a loop on cpu) against
 * tf.train.adam: bit-identical weights, losses and curves after several epochs, for a plain column
 * and a ProgNet column reading a frozen source through laterals with one of its own layers frozen
 * (widths 24, 16 and 3, so the SIMD kernel's one-at-a-time tail runs too).
 * In: seeded random data and the engine's ColumnModel. Out: assertions.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type * as Tf from "@tensorflow/tfjs";
import { ColumnModel } from "../src/engine/column-model.js";
import type { ColumnIr, StageIr } from "../src/ir/types.js";
import { selectBackend } from "../src/runtime/backends.js";
import { fusedAdamPays } from "../src/runtime/fused-adam.js";
import { trainColumn, type TrainResult } from "../src/runtime/train.js";

const stage: StageIr = {
  id: "s",
  train: [],
  freeze: [],
  optimizer: { name: "adam", learningRate: 0.002, momentum: 0 },
  batchSize: 32,
  epochs: 4,
  earlyStopping: null,
  seed: 5,
  trainFolds: null,
};

const column = (id: string, sources: string[]): ColumnIr => ({
  id,
  task: "t",
  layers: [
    { kind: "dense", units: 24, activation: "sigmoid", dropout: 0.5 },
    { kind: "dense", units: 16, activation: "relu", dropout: 0 },
  ],
  head: { units: null, activation: "softmax" },
  init: null,
  laterals: sources.length > 0 ? [{ kind: "linear", from: sources, into: [2, "head"] }] : [],
});

function weightsHash(model: ColumnModel): string {
  const hash = createHash("sha256");
  for (const [name, v] of model.variables()) {
    hash.update(name);
    hash.update(new Uint8Array((v.dataSync() as Float32Array).buffer.slice(0)));
  }
  return hash.digest("hex");
}

for (const backend of ["wasm", "cpu"] as const) {
  describe(`fused Adam on ${backend}`, () => {
    it("trains to the same bits as tf.train.adam, for a source and a lateral column", async () => {
      const selected = await selectBackend(backend);
      if ("problem" in selected) throw new Error(selected.problem);
      const { tf } = selected;
      // On wasm this is the SIMD kernel (adam-simd.wat), which Node 20 runs; on cpu the JS loop.
      expect(fusedAdamPays(tf)).toBe(true);
      const rows = 150;
      const x = tf.randomNormal([rows, 10], 0, 1, "float32", 3) as Tf.Tensor2D;
      const y = Int32Array.from({ length: rows }, (_, i) => (i * 31) % 3);
      const validation = { x: x.slice([0, 0], [40, 10]) as Tf.Tensor2D, y: y.slice(0, 40) };
      const train = (fused: boolean) => {
        const source = new ColumnModel(tf, column("a", []), 10, 3, new Map(), 1);
        const first = trainColumn(tf, source, new Map(), { train: { x, y }, validation }, stage, {
          fusedOptimizer: fused,
        });
        const models = new Map([["a", source]]);
        const target = new ColumnModel(tf, column("b", ["a"]), 10, 3, models, 2);
        const frozenBefore = weightsHash(source);
        const second = trainColumn(
          tf,
          target,
          models,
          { train: { x, y }, validation },
          { ...stage, earlyStopping: { metric: "loss", patience: 2, minDelta: 0 } },
          { fusedOptimizer: fused, frozenLayers: new Set([1]) },
        );
        expect(weightsHash(source)).toBe(frozenBefore);
        const out = {
          curves: [first, second].map((r: TrainResult) => r.curve),
          weights: [weightsHash(source), weightsHash(target)],
        };
        source.dispose();
        target.dispose();
        return out;
      };
      const reference = train(false);
      const fused = train(true);
      expect(fused.curves).toEqual(reference.curves);
      expect(fused.weights).toEqual(reference.weights);
      // The loss fell: both really trained.
      const losses = reference.curves[0]?.map((p) => p.loss) ?? [];
      expect(losses.at(-1)).toBeLessThan(losses[0] ?? 0);
      tf.dispose([x, validation.x]);
    });
  });
}
