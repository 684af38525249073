/**
 * Training columns on small synthetic data (8 speakers × 40 utterances) through the real data
 * phase: columns learn (UAR far above chance), frozen columns stay bit-identical, training is
 * deterministic under a seed, adapter α is trained, laterals change the result, and early stopping
 * and best-epoch selection restore the best epoch.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Tf from "@tensorflow/tfjs";
import { compileSpec } from "../src/compile.js";
import { rowsIn } from "../src/runtime/folds.js";
import { loadSpecData } from "../src/data/load.js";
import { applyNormalizer, fitNormalizer } from "../src/runtime/normalize.js";
import { writeSynthetic } from "../src/data/synth.js";
import { selectBackend } from "../src/runtime/backends.js";
import { ColumnModel } from "../src/engine/column-model.js";
import { metrics } from "../src/runtime/metrics.js";
import { saveCheckpoint, toLayersModel } from "../src/engine/checkpoint.js";
import { predict, sourceActivations, trainColumn, type Split } from "../src/runtime/train.js";
import type { ColumnIr, Ir, StageIr } from "../src/ir/types.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = (lateral: string) => `pnn 1 t
dataset synth {
  file "synth.csv"
  features numeric except [speaker, gender, emotion]
  group speaker
}
task speaker {
  data synth
  label speaker
}
task emotion {
  data synth
  label emotion
}
column speaker {
  task speaker
  layers { repeat 2 { dense 32 relu dropout 0.1 } }
}
column emotion {
  task emotion
  layers { repeat 2 { dense 32 relu dropout 0.1 } }
  ${lateral}
}
training {
  optimizer adam
  learning_rate 0.005
  batch 32
  epochs 25
  seed 3
  stage one { train speaker }
  stage two { train emotion freeze speaker }
}
evaluation {
  folds 5 stratified
  validation 1
}
`;

let tf: typeof Tf;
interface Prepared {
  ir: Ir;
  splits: Record<"train" | "validation" | "test", Record<string, Split>>;
  inputDim: number;
  classes: Record<string, number>;
}

async function prepare(lateral: string): Promise<Prepared> {
  const path = join(dir, "spec.pnn");
  writeFileSync(path, SPEC(lateral));
  const front = compileSpec(path, SPEC(lateral));
  if (!front.ir || !front.spans)
    throw new Error(front.diagnostics.map((d) => d.message).join("\n"));
  const loaded = await loadSpecData({ file: front.file, ir: front.ir, spans: front.spans }, dir);
  const data = loaded.value?.datasets.get("synth");
  const split = loaded.value?.splits.get("synth");
  const fold = split?.folds[0];
  const run = split?.runs[0]?.[0];
  if (!data || !fold || !run) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  const rows = {
    train: rowsIn(fold, run.train),
    validation: rowsIn(fold, run.validation),
    test: rowsIn(fold, [run.test]),
  };
  const norm = fitNormalizer("global", data.x, data.dims, rows.train, data.groups);
  const splits = {} as Prepared["splits"];
  for (const part of ["train", "validation", "test"] as const) {
    const x = applyNormalizer(norm, data.x, data.dims, rows[part], data.groups);
    splits[part] = {};
    for (const [task, labels] of data.tasks) {
      splits[part][task] = {
        x: tf.tensor2d(x, [rows[part].length, data.dims]),
        y: Int32Array.from(rows[part], (r) => labels.y[r] ?? 0),
      };
    }
  }
  const classes = Object.fromEntries([...data.tasks].map(([t, l]) => [t, l.classes.length]));
  return { ir: front.ir, splits, inputDim: data.dims, classes };
}

function column(p: Prepared, id: string): ColumnIr {
  const c = p.ir.columns.find((x) => x.id === id);
  if (!c) throw new Error(`no column ${id}`);
  return c;
}

function stage(p: Prepared, i: number): StageIr {
  const s = p.ir.stages[i];
  if (!s) throw new Error(`no stage ${i}`);
  return s;
}

function snapshot(model: ColumnModel): Map<string, Float32Array> {
  return new Map([...model.variables()].map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
}

function newColumn(
  p: Prepared,
  id: string,
  models: Map<string, ColumnModel>,
  seed: number,
): ColumnModel {
  return new ColumnModel(tf, column(p, id), p.inputDim, p.classes[id] ?? 0, models, seed);
}

/** Trains `speaker` then `emotion`; returns the models and the test UARs. */
function trainBoth(p: Prepared) {
  const models = new Map<string, ColumnModel>();
  const speaker = newColumn(p, "speaker", models, 3);
  models.set("speaker", speaker);
  const speakerSplits = {
    train: p.splits.train["speaker"]!,
    validation: p.splits.validation["speaker"]!,
  };
  const speakerResult = trainColumn(tf, speaker, models, speakerSplits, stage(p, 0));
  const beforeWeights = snapshot(speaker);
  const test = p.splits.test;
  const speakerBefore = predict(tf, speaker, test["speaker"]!.x, new Map());
  const emotion = newColumn(p, "emotion", models, 3);
  models.set("emotion", emotion);
  const alphaBefore = [...emotion.variables()]
    .filter(([k]) => k.endsWith("alpha"))
    .map(([, v]) => v.dataSync()[0]);
  const emotionSplits = {
    train: p.splits.train["emotion"]!,
    validation: p.splits.validation["emotion"]!,
  };
  const emotionResult = trainColumn(tf, emotion, models, emotionSplits, stage(p, 1));
  const hidden = sourceActivations(tf, emotion, models, test["emotion"]!.x);
  const emotionPred = predict(tf, emotion, test["emotion"]!.x, hidden);
  const alphaAfter = [...emotion.variables()]
    .filter(([k]) => k.endsWith("alpha"))
    .map(([, v]) => v.dataSync()[0]);
  return {
    models,
    speaker,
    emotion,
    speakerResult,
    emotionResult,
    beforeWeights,
    speakerBefore,
    speakerAfter: predict(tf, speaker, test["speaker"]!.x, new Map()),
    speakerUar: metrics(test["speaker"]!.y, speakerBefore, p.classes["speaker"] ?? 0).uar,
    emotionUar: metrics(test["emotion"]!.y, emotionPred, p.classes["emotion"] ?? 0).uar,
    emotionWeights: snapshot(emotion),
    alphaBefore,
    alphaAfter,
  };
}

beforeAll(async () => {
  writeSynthetic({ speakers: 8, utterances: 40, seed: 5, out: join(dir, "synth.csv") });
  const selected = await selectBackend("wasm");
  if ("problem" in selected) throw new Error(selected.problem);
  tf = selected.tf;
});

describe("training progressive columns", () => {
  let linear: ReturnType<typeof trainBoth>;
  beforeAll(async () => {
    linear = trainBoth(await prepare("lateral from speaker into all"));
  });

  it("learns both tasks far above chance", () => {
    expect(linear.speakerUar).toBeGreaterThan(0.5); // chance 1/8
    expect(linear.emotionUar).toBeGreaterThan(0.5); // chance 1/4
    const losses = linear.emotionResult.curve.map((c) => c.loss);
    expect(losses.at(-1)).toBeLessThan(losses[0] ?? 0);
  });

  it("leaves the frozen column bit-identical, weights and predictions", () => {
    const after = snapshot(linear.speaker);
    for (const [name, values] of linear.beforeWeights)
      expect(after.get(name), name).toEqual(values);
    expect(linear.speakerAfter).toEqual(linear.speakerBefore);
  });

  it("is deterministic under a seed", async () => {
    const again = trainBoth(await prepare("lateral from speaker into all"));
    expect(again.emotionResult.curve).toEqual(linear.emotionResult.curve);
    for (const [name, values] of linear.emotionWeights)
      expect(again.emotionWeights.get(name), name).toEqual(values);
  });

  it("laterals change the result", async () => {
    const alone = trainBoth(await prepare(""));
    expect(alone.emotionResult.curve).not.toEqual(linear.emotionResult.curve);
  });

  it("trains the adapter's α", async () => {
    const adapter = trainBoth(
      await prepare("lateral from speaker into all adapter width 8 alpha 0.1"),
    );
    expect(adapter.alphaBefore.length).toBe(2);
    adapter.alphaAfter.forEach((a, i) => expect(a).not.toBe(adapter.alphaBefore[i]));
    expect(adapter.emotionUar).toBeGreaterThan(0.4);
  });
});

describe("early stopping", () => {
  it("stops after `patience` epochs without improvement and restores the best epoch", async () => {
    const p = await prepare("");
    const models = new Map<string, ColumnModel>();
    const model = newColumn(p, "emotion", models, 9);
    const early: StageIr = {
      ...stage(p, 1),
      epochs: 200,
      optimizer: { name: "adam", learningRate: 0.02, momentum: 0 },
      earlyStopping: { metric: "accuracy", patience: 3, minDelta: 0 },
    };
    const validation = p.splits.validation["emotion"]!;
    const result = trainColumn(
      tf,
      model,
      models,
      { train: p.splits.train["emotion"]!, validation },
      early,
    );
    expect(result.epochsTrained).toBeLessThan(200);
    const scores = result.curve.map((c) => c.validation ?? -1);
    const best = Math.max(...scores);
    expect(result.bestEpoch).toBe(scores.indexOf(best) + 1);
    expect(result.epochsTrained - result.bestEpoch).toBe(3);
    const now = metrics(
      validation.y,
      predict(tf, model, validation.x, new Map()),
      p.classes["emotion"] ?? 0,
    );
    expect(now.accuracy).toBe(best);
    model.dispose();
  });
});

describe("best epoch over a fixed budget (patience null)", () => {
  it("trains every epoch and restores the earliest of the best validation epochs", async () => {
    const p = await prepare("");
    const models = new Map<string, ColumnModel>();
    const model = newColumn(p, "emotion", models, 9);
    const best: StageIr = {
      ...stage(p, 1),
      epochs: 30,
      optimizer: { name: "adam", learningRate: 0.02, momentum: 0 },
      earlyStopping: { metric: "accuracy", patience: null, minDelta: 0 },
    };
    const validation = p.splits.validation["emotion"]!;
    const result = trainColumn(
      tf,
      model,
      models,
      { train: p.splits.train["emotion"]!, validation },
      best,
    );
    expect(result.epochsTrained).toBe(30);
    expect(result.curve).toHaveLength(30);
    const scores = result.curve.map((c) => c.validation ?? -1);
    const top = Math.max(...scores);
    // Ties keep the earliest epoch, as early stopping's "better by more than min_delta" does.
    expect(result.bestEpoch).toBe(scores.indexOf(top) + 1);
    expect(result.bestEpoch).toBeLessThan(30);
    const now = metrics(
      validation.y,
      predict(tf, model, validation.x, new Map()),
      p.classes["emotion"] ?? 0,
    );
    expect(now.accuracy).toBe(top);
    model.dispose();
  });
});

describe("checkpoints", () => {
  for (const lateral of [
    "lateral from speaker into all",
    "lateral from speaker into all adapter width 8 alpha 0.1",
  ]) {
    it(`round-trip through plain tf.loadLayersModel with the same predictions (${lateral.includes("adapter") ? "adapter" : "linear"})`, async () => {
      const p = await prepare(lateral);
      const trained = trainBoth(p);
      const model = toLayersModel(tf, trained.emotion, trained.models, p.inputDim);
      const out = join(dir, `ckpt-${lateral.length}`);
      const metadata = {
        pnnc: "test",
        specHash: "0".repeat(64),
        taskColumns: { emotion: "emotion", speaker: "speaker" },
        column: "emotion",
        classes: ["angry", "happy", "neutral", "sad"],
        featureNames: [],
        normalization: { mode: "global", mean: [], std: [], group: null, groups: {} },
      };
      await saveCheckpoint(tf, model, metadata, out);
      const json = JSON.parse(readFileSync(join(out, "model.json"), "utf8")) as {
        modelTopology: object;
        weightsManifest: { weights: Tf.io.WeightsManifestEntry[] }[];
        userDefinedMetadata: typeof metadata;
      };
      const weights = readFileSync(join(out, "weights.bin"));
      const loaded = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0]?.weights ?? [],
          weightData: weights.buffer.slice(
            weights.byteOffset,
            weights.byteOffset + weights.byteLength,
          ),
        }),
      );
      expect(json.userDefinedMetadata.specHash).toBe(metadata.specHash);
      expect(json.userDefinedMetadata.taskColumns).toEqual(metadata.taskColumns);
      const test = p.splits.test["emotion"]!;
      const probabilities = loaded.predict(test.x) as Tf.Tensor2D;
      const fromCheckpoint = tf.argMax(probabilities, 1).dataSync();
      const hidden = sourceActivations(tf, trained.emotion, trained.models, test.x);
      expect(Array.from(fromCheckpoint)).toEqual(
        Array.from(predict(tf, trained.emotion, test.x, hidden)),
      );
      const direct = tf.softmax(trained.emotion.forward(test.x, hidden, false).logits).dataSync();
      const saved = probabilities.dataSync();
      let diff = 0;
      for (let i = 0; i < direct.length; i++)
        diff = Math.max(diff, Math.abs((direct[i] ?? 0) - (saved[i] ?? 0)));
      expect(diff).toBeLessThan(1e-5);
    });
  }
});

describe("the frozen-activation cache", () => {
  it("trains to the same weights as recomputing the frozen columns for every batch (cpu)", async () => {
    const p = await prepare("lateral from speaker into all");
    const results: Map<string, Float32Array>[] = [];
    await selectBackend("cpu");
    for (const cacheFrozen of [true, false]) {
      const models = new Map<string, ColumnModel>();
      const speaker = newColumn(p, "speaker", models, 3);
      models.set("speaker", speaker);
      const short = { ...stage(p, 0), epochs: 3 };
      trainColumn(
        tf,
        speaker,
        models,
        { train: p.splits.train["speaker"]!, validation: null },
        short,
      );
      const emotion = newColumn(p, "emotion", models, 3);
      trainColumn(
        tf,
        emotion,
        models,
        { train: p.splits.train["emotion"]!, validation: null },
        { ...stage(p, 1), epochs: 3 },
        { cacheFrozen },
      );
      results.push(snapshot(emotion));
      speaker.dispose();
      emotion.dispose();
    }
    await selectBackend("wasm");
    for (const [name, values] of results[0] ?? new Map())
      expect(results[1]?.get(name), name).toEqual(values);
  });
});

describe("optimizers", () => {
  for (const optimizer of [
    { name: "sgd", learningRate: 0.1, momentum: 0 },
    { name: "sgd", learningRate: 0.05, momentum: 0.9 },
    { name: "rmsprop", learningRate: 0.005, momentum: 0 },
    { name: "adam", learningRate: 0.01, momentum: 0 },
  ] as const) {
    it(`${optimizer.name}${optimizer.momentum ? " with momentum" : ""} lowers the training loss`, async () => {
      const p = await prepare("");
      const model = newColumn(p, "emotion", new Map(), 5);
      const result = trainColumn(
        tf,
        model,
        new Map(),
        { train: p.splits.train["emotion"]!, validation: null },
        {
          ...stage(p, 1),
          epochs: 8,
          optimizer,
        },
      );
      const losses = result.curve.map((c) => c.loss);
      expect(losses.at(-1)).toBeLessThan((losses[0] ?? 0) * 0.8);
      model.dispose();
    });
  }
});

describe("training mechanics", () => {
  it("steps SGD on the batch-mean gradient, whatever the batch size", async () => {
    const p = await prepare("");
    const train = p.splits.train["emotion"]!;
    const ir = column(p, "emotion");
    const noDropout = { ...ir, layers: ir.layers.map((l) => ({ ...l, dropout: 0 })) };
    const model = new ColumnModel(
      tf,
      noDropout,
      p.inputDim,
      p.classes["emotion"] ?? 0,
      new Map(),
      11,
    );
    const before = model.head.bias.dataSync().slice();
    const y = tf.oneHot(tf.tensor1d(train.y, "int32"), 4);
    const [gradient] = tf.grads((b: Tf.Tensor) => {
      const logits = tf.add(
        tf.sub(model.forward(train.x, new Map(), false).logits, model.head.bias),
        b,
      );
      return tf.losses.softmaxCrossEntropy(y, logits) as Tf.Scalar;
    })([model.head.bias]);
    const sgd: StageIr = {
      ...stage(p, 1),
      epochs: 1,
      batchSize: train.y.length,
      optimizer: { name: "sgd", learningRate: 0.1, momentum: 0 },
    };
    trainColumn(tf, model, new Map(), { train, validation: null }, sgd);
    const after = model.head.bias.dataSync();
    const expected = gradient?.dataSync() ?? [];
    for (let c = 0; c < after.length; c++) {
      expect((after[c] ?? 0) - (before[c] ?? 0)).toBeCloseTo(-0.1 * (expected[c] ?? 0), 5);
    }
    model.dispose();
  });

  it("building and disposing a column leaves no tensor behind", async () => {
    const p = await prepare("lateral from speaker into all adapter width 4");
    const models = new Map<string, ColumnModel>();
    const speaker = newColumn(p, "speaker", models, 1);
    models.set("speaker", speaker);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) newColumn(p, "emotion", models, i).dispose();
    expect(tf.memory().numTensors).toBe(before);
    speaker.dispose();
  });
});
