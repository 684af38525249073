/**
 * The paper specs (specs/paper/*.pnn) hold Gideon et al. 2017's Table 1 and method definitions, read
 * from their compiled IR: 4 × 256 sigmoid layers with dropout 0.5, Adam at 0.0005, batch 64, 600
 * epochs keeping the best epoch by validation UAR, 10 folds with 1 validation fold; ProgNets read
 * their source through laterals into every layer that can take one, PT/FT starts from the source.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ColumnIr, Ir } from "../src/ir/types.js";
import { compileFile, repoRoot } from "./helpers.js";

const DIR = "specs/paper";
const specs = readdirSync(join(repoRoot, DIR))
  .filter((f) => f.endsWith(".pnn"))
  .sort();

function ir(file: string): Ir {
  const r = compileFile(`${DIR}/${file}`);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  if (!r.ir) throw new Error(`${file} does not compile`);
  return r.ir;
}

function column(spec: Ir, id: string | undefined): ColumnIr {
  const c = spec.columns.find((x) => x.id === id);
  if (!c) throw new Error(`${spec.name}: no column \`${id}\``);
  return c;
}

/** Table 1: "4 hidden layers, 256 units, sigmoid, dropout 0.5". */
const TABLE1_LAYERS = Array.from({ length: 4 }, () => ({
  kind: "dense",
  units: 256,
  activation: "sigmoid",
  dropout: 0.5,
}));

it("specs/paper holds the paper's five methods", () => {
  expect(specs).toEqual([
    "emotion-dnn.pnn",
    "gender-prognet.pnn",
    "gender-ptft.pnn",
    "speaker-prognet.pnn",
    "speaker-ptft.pnn",
  ]);
});

describe.each(specs)("%s follows Table 1", (file) => {
  // Compiled inside each test, so a spec that stops compiling fails its tests, not the collection.
  let compiled: Ir | null = null;
  const get = () => (compiled ??= ir(file));

  it("every column: 4 hidden layers × 256 sigmoid units, dropout 0.5, softmax head", () => {
    const spec = get();
    for (const c of spec.columns) {
      expect(c.layers, c.id).toEqual(TABLE1_LAYERS);
      expect(c.head.activation, c.id).toBe("softmax");
    }
  });

  it("every stage: Adam, learning rate 0.0005, batch 64, 600 epochs, best epoch by validation UAR", () => {
    const spec = get();
    expect(spec.stages.length).toBeGreaterThan(0);
    for (const s of spec.stages) {
      expect(s.optimizer, s.id).toEqual({ name: "adam", learningRate: 0.0005, momentum: 0 });
      expect(s.batchSize, s.id).toBe(64);
      expect(s.epochs, s.id).toBe(600);
      // "maximum number of epochs: 600", the epoch chosen on the validation fold: no patience.
      expect(s.earlyStopping, s.id).toEqual({ metric: "uar", patience: null, minDelta: 0 });
    }
  });

  it("evaluation: 10 folds stratified by speaker, 1 validation fold, UAR reported", () => {
    const spec = get();
    expect(spec.evaluation.folds).toEqual({ kind: "stratified", k: 10 });
    expect(spec.evaluation.validationFolds).toBe(1);
    expect(spec.evaluation.metrics).toContain("uar");
    expect(spec.datasets.map((d) => d.group)).toEqual(["speaker"]);
  });

  it("the target is 4-class emotion: angry, happy, neutral, sad", () => {
    const spec = get();
    const target = spec.tasks.find((t) => t.id === "emotion");
    expect(target?.classes).toEqual(["angry", "happy", "neutral", "sad"]);
    expect(column(spec, spec.stages.at(-1)?.train[0]).task).toBe("emotion");
  });
});

describe("the methods", () => {
  /** The source column (trained in the first stage) and the target (trained in the last). */
  function roles(spec: Ir): { source: ColumnIr; target: ColumnIr } {
    expect(spec.stages).toHaveLength(2);
    expect(spec.stages.map((s) => s.train.length)).toEqual([1, 1]);
    return {
      source: column(spec, spec.stages[0]?.train[0]),
      target: column(spec, spec.stages[1]?.train[0]),
    };
  }

  it("DNN: one emotion column from scratch", () => {
    const spec = ir("emotion-dnn.pnn");
    expect(spec.columns).toHaveLength(1);
    expect(spec.columns[0]?.init).toBeNull();
    expect(spec.columns[0]?.laterals).toEqual([]);
  });

  for (const source of ["speaker", "gender"]) {
    it(`${source} ProgNet: laterals from the frozen ${source} column into every layer and the head`, () => {
      const spec = ir(`${source}-prognet.pnn`);
      const { source: s, target: t } = roles(spec);
      expect(s.id).toBe(source);
      expect(s.task).toBe(source);
      expect(s.laterals).toEqual([]);
      // h1 reads the input only; h2..h4 read the source's h1..h3 and the head reads its h4.
      expect(t.laterals).toEqual([
        {
          kind: "linear",
          from: [source],
          into: [...Array.from({ length: t.layers.length - 1 }, (_, i) => i + 2), "head"],
        },
      ]);
      expect(t.init).toBeNull();
      expect(spec.stages[1]?.freeze).toEqual([{ column: source, layer: null }]);
    });

    it(`${source} PT/FT: the emotion column starts from the trained ${source} column`, () => {
      const spec = ir(`${source}-ptft.pnn`);
      const { source: s, target: t } = roles(spec);
      expect(s.id).toBe(source);
      expect(s.task).toBe(source);
      expect(t.init).toBe(source);
      expect(t.laterals).toEqual([]);
      // Fine-tuning trains everything: nothing frozen.
      expect(spec.stages[1]?.freeze).toEqual([]);
    });
  }
});
