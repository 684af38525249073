/**
 * Gradients in closed form (src/runtime/backward.ts) against tfjs's tape: bit-identical weights and
 * curves after several epochs on cpu and wasm, for every activation, linear and adapter laterals
 * (one and two sources), frozen layers, `init from`, every optimizer, and a generated-style column
 * whose forward pass bypasses the building blocks (the trainer must fall back to the tape).
 * In: seeded random data and the engine's ColumnModel. Out: assertions.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type * as Tf from "@tensorflow/tfjs";
import { ColumnModel } from "../src/engine/column-model.js";
import type { ColumnIr, LateralIr, StageIr } from "../src/ir/types.js";
import { selectBackend } from "../src/runtime/backends.js";
import type { Column } from "../src/runtime/column.js";
import { trainColumn, type TrainOptions } from "../src/runtime/train.js";
import type { Activation, OptimizerName } from "../src/runtime/vocabulary.js";

const stage = (optimizer: OptimizerName, momentum = 0): StageIr => ({
  id: "s",
  train: [],
  freeze: [],
  optimizer: { name: optimizer, learningRate: 0.01, momentum },
  batchSize: 16,
  epochs: 3,
  earlyStopping: null,
  seed: 9,
  trainFolds: null,
});

const column = (
  id: string,
  activations: Activation[],
  laterals: LateralIr[] = [],
  init: string | null = null,
): ColumnIr => ({
  id,
  task: "t",
  layers: activations.map((activation, i) => ({
    kind: "dense" as const,
    units: 12 + 2 * i,
    activation,
    dropout: i % 2 === 0 ? 0.3 : 0,
  })),
  head: { units: null, activation: "softmax" },
  init,
  laterals,
});

function weightsHash(model: Column): string {
  const hash = createHash("sha256");
  for (const [name, v] of model.variables()) {
    hash.update(name);
    hash.update(new Uint8Array((v.dataSync() as Float32Array).buffer.slice(0)));
  }
  return hash.digest("hex");
}

interface Case {
  name: string;
  sources: ColumnIr[];
  target: ColumnIr;
  optimizer: OptimizerName;
  momentum?: number;
  frozen?: number[];
}

const ALL: Activation[] = ["sigmoid", "relu", "tanh", "elu", "selu", "softplus", "linear"];
const cases: Case[] = [
  {
    name: "every activation, Adam",
    sources: [],
    target: column("t", ALL),
    optimizer: "adam",
  },
  {
    name: "linear laterals from two sources, one hidden layer frozen, momentum",
    sources: [column("a", ["sigmoid", "relu"]), column("b", ["tanh", "sigmoid"])],
    target: column(
      "t",
      ["sigmoid", "relu"],
      [{ kind: "linear", from: ["a", "b"], into: [2, "head"] }],
    ),
    optimizer: "sgd",
    momentum: 0.9,
    frozen: [1],
  },
  {
    name: "adapter laterals over two sources (α, V, c, U), RMSProp",
    sources: [column("a", ["relu", "relu"]), column("b", ["elu", "selu"])],
    target: column(
      "t",
      ["relu", "tanh"],
      [
        {
          kind: "adapter",
          from: ["a", "b"],
          into: [2, "head"],
          width: 5,
          alpha: 0.7,
          activation: "relu",
        },
        { kind: "adapter", from: ["a"], into: [2], width: 3, alpha: 1.3, activation: "softplus" },
      ],
    ),
    optimizer: "rmsprop",
  },
  {
    name: "init from a source (PT/FT) with the head frozen, plain SGD",
    sources: [column("a", ["sigmoid", "sigmoid"])],
    target: column("t", ["sigmoid", "sigmoid"], [], "a"),
    optimizer: "sgd",
  },
];

for (const backend of ["cpu", "wasm"] as const) {
  describe(`closed-form gradients on ${backend}`, () => {
    for (const c of cases) {
      it(`train to the tape's bits: ${c.name}`, async () => {
        const selected = await selectBackend(backend);
        if ("problem" in selected) throw new Error(selected.problem);
        const { tf } = selected;
        const rows = 70;
        const x = tf.randomNormal([rows, 6], 0, 1, "float32", 4) as Tf.Tensor2D;
        const y = Int32Array.from({ length: rows }, (_, i) => (i * 13) % 3);
        const train = (opts: TrainOptions) => {
          const models = new Map<string, Column>();
          for (const [k, s] of c.sources.entries()) {
            const source = new ColumnModel(tf, s, 6, 3, models, k + 1);
            trainColumn(
              tf,
              source,
              models,
              { train: { x, y }, validation: null },
              stage("adam"),
              opts,
            );
            models.set(s.id, source);
          }
          const target = new ColumnModel(tf, c.target, 6, 3, models, 7);
          const frozen = new Set<number | "head">(c.frozen ?? []);
          if (c.target.init) frozen.add("head");
          const result = trainColumn(
            tf,
            target,
            models,
            { train: { x, y }, validation: null },
            stage(c.optimizer, c.momentum),
            { ...opts, frozenLayers: frozen },
          );
          const out = {
            losses: result.curve.map((p) => p.loss),
            weights: [...models.values(), target].map(weightsHash),
          };
          for (const m of [...models.values(), target]) m.dispose();
          return out;
        };
        const tape = train({ closedFormBackward: false });
        const closed = train({ closedFormBackward: true });
        expect(closed.losses).toEqual(tape.losses);
        expect(closed.weights).toEqual(tape.weights);
        expect(tape.losses.every(Number.isFinite)).toBe(true);
        x.dispose();
      });
    }

    it("takes a generated program's columns in closed form too, to the tape's bits", async () => {
      // A generated program imports its own copy of the runtime: its columns and its trainer.
      // Loaded by path, so that the project's type check leaves the generated tree to its own.
      const program = "../generated/ts/paper/speaker-prognet/columns.js";
      const runtime = "../generated/ts/runtime/train.js";
      const { SpeakerColumn, EmotionColumn } = (await import(program)) as Record<
        string,
        new (...args: unknown[]) => Column
      >;
      const generated = (await import(runtime)) as { trainColumn: typeof trainColumn };
      if (!SpeakerColumn || !EmotionColumn) throw new Error("no generated columns");
      const selected = await selectBackend(backend);
      if ("problem" in selected) throw new Error(selected.problem);
      const { tf } = selected;
      const rows = 48;
      const x = tf.randomNormal([rows, 88], 0, 1, "float32", 6) as Tf.Tensor2D;
      const y = Int32Array.from({ length: rows }, (_, i) => i % 4);
      const train = (closedFormBackward: boolean) => {
        const models = new Map<string, Column>();
        const speaker = new SpeakerColumn(tf, 88, 24, models, 1);
        models.set("speaker", speaker);
        const emotion = new EmotionColumn(tf, 88, 4, models, 2);
        const stage1 = { ...stage("adam"), epochs: 2 };
        const first = generated.trainColumn(
          tf,
          speaker,
          models,
          { train: { x, y }, validation: null },
          stage1,
          { closedFormBackward },
        );
        const second = generated.trainColumn(
          tf,
          emotion,
          models,
          { train: { x, y }, validation: null },
          stage1,
          { closedFormBackward },
        );
        const out = {
          closedForm: [first.closedForm, second.closedForm],
          weights: [speaker, emotion].map(weightsHash),
        };
        speaker.dispose();
        emotion.dispose();
        return out;
      };
      const tape = train(false);
      const closed = train(true);
      expect(closed.closedForm).toEqual([true, true]);
      expect(tape.closedForm).toEqual([false, false]);
      expect(closed.weights).toEqual(tape.weights);
      x.dispose();
    });

    it("falls back to the tape for a column that bypasses the building blocks", async () => {
      const selected = await selectBackend(backend);
      if ("problem" in selected) throw new Error(selected.problem);
      const { tf } = selected;
      const rows = 40;
      const x = tf.randomNormal([rows, 6], 0, 1, "float32", 5) as Tf.Tensor2D;
      const y = Int32Array.from({ length: rows }, (_, i) => i % 3);
      const train = (opts: TrainOptions) => {
        const model = new ColumnModel(tf, column("t", ["relu", "sigmoid"]), 6, 3, new Map(), 3);
        // The first layer's activation is applied with tf.relu directly: the closed form cannot see it.
        const bypass: Column = {
          id: model.id,
          sources: [],
          layers: model.layers,
          head: model.head,
          trainable: (f) => model.trainable(f),
          variables: () => model.variables(),
          dispose: () => model.dispose(),
          forward: (input) => {
            const h1 = tf.relu(
              tf.add(tf.matMul(input, model.layers[0]!.kernel), model.layers[0]!.bias),
            );
            const h2 = tf.sigmoid(
              tf.add(tf.matMul(h1 as Tf.Tensor2D, model.layers[1]!.kernel), model.layers[1]!.bias),
            );
            const logits = tf.add(tf.matMul(h2 as Tf.Tensor2D, model.head.kernel), model.head.bias);
            return { hidden: [h1, h2] as Tf.Tensor2D[], logits: logits as Tf.Tensor2D };
          },
        };
        const result = trainColumn(
          tf,
          bypass,
          new Map(),
          { train: { x, y }, validation: null },
          stage("adam"),
          opts,
        );
        const out = {
          losses: result.curve.map((p) => p.loss),
          weights: weightsHash(model),
          closedForm: result.closedForm,
        };
        model.dispose();
        return out;
      };
      const tape = train({ closedFormBackward: false });
      const closed = train({ closedFormBackward: true });
      expect(closed.closedForm).toBe(false);
      expect({ ...closed, closedForm: null }).toEqual({ ...tape, closedForm: null });
      expect(tape.losses.at(-1)).toBeLessThan(tape.losses[0] ?? 0);
      x.dispose();
    });
  });
}
