/**
 * Lowering and checking semantics on small inline specs: defaults, `repeat` expansion, lateral targets,
 * stage settings inherited from `training`, spans of inherited values, and the stage-order rules.
 */
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";

const base = `pnn 1 t
dataset d {
  file "data/table.ARFF"
  features numeric except [speaker, emotion]
  group speaker
}
task emotion {
  data d
  label emotion
}
`;

function compile(extra: string) {
  return compileSpec("t.pnn", base + extra);
}

function ir(extra: string) {
  const r = compile(extra);
  if (!r.ir) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return r.ir;
}

const oneColumn = `column c {
  task emotion
  layers {
    repeat 2 {
      dense 16 relu
      repeat 2 { dense 8 tanh dropout 0.2 }
    }
  }
}
`;

describe("lowering", () => {
  it("fills every default", () => {
    const out = ir(oneColumn + "training { stage s { train c } }");
    expect(out.datasets[0]).toMatchObject({
      format: "arff",
      normalize: "global",
      missing: "error",
      exclude: [],
    });
    expect(out.tasks[0]).toMatchObject({ classes: null, merge: [], drop: [] });
    expect(out.columns[0]).toMatchObject({
      head: { units: null, activation: "softmax" },
      init: null,
      laterals: [],
    });
    expect(out.stages[0]).toEqual({
      id: "s",
      train: ["c"],
      freeze: [],
      optimizer: { name: "adam", learningRate: 0.001, momentum: 0 },
      batchSize: 32,
      epochs: 100,
      earlyStopping: null,
      seed: 0,
      trainFolds: null,
    });
    expect(out.evaluation).toEqual({
      folds: { kind: "stratified", k: 10 },
      repeats: 1,
      seed: 0,
      validationFolds: 1,
      metrics: ["uar", "accuracy"],
      compare: [],
      baseline: null,
    });
  });

  it("expands nested repeats in order into h1..hN", () => {
    const layers = ir(oneColumn + "training { stage s { train c } }").columns[0]?.layers;
    expect(layers?.map((l) => `${l.units}${l.activation}${l.dropout}`)).toEqual([
      "16relu0",
      "8tanh0.2",
      "8tanh0.2",
      "16relu0",
      "8tanh0.2",
      "8tanh0.2",
    ]);
  });

  it("resolves lateral targets: all, hidden, names and head", () => {
    const spec = (into: string) =>
      ir(`${oneColumn}column n {
  task emotion
  layers { repeat 3 { dense 8 relu } }
  lateral from c into ${into}
}
training {
  stage one { train c }
  stage two { train n freeze c }
}`).columns[1]?.laterals[0]?.into;
    expect(spec("all")).toEqual([2, 3, "head"]);
    expect(spec("hidden")).toEqual([2, 3]);
    expect(spec("[h3, head]")).toEqual([3, "head"]);
    expect(spec("head")).toEqual(["head"]);
  });

  it("gives adapters their default alpha and nonlinearity", () => {
    const out = ir(`${oneColumn}column n {
  task emotion
  layers { repeat 2 { dense 8 relu } }
  lateral from c into all adapter width 4
}
training {
  stage one { train c }
  stage two { train n freeze c }
}`);
    expect(out.columns[1]?.laterals[0]).toEqual({
      kind: "adapter",
      from: ["c"],
      into: [2, "head"],
      width: 4,
      alpha: 0.01,
      activation: "relu",
    });
  });

  it("lets stages override the training block and inherit the rest", () => {
    const out = ir(`${oneColumn}training {
  optimizer sgd
  momentum 0.9
  batch 16
  early_stop uar patience 7
  stage a { train c epochs 5 }
}`);
    expect(out.stages[0]).toMatchObject({
      optimizer: { name: "sgd", learningRate: 0.001, momentum: 0.9 },
      batchSize: 16,
      epochs: 5,
      earlyStopping: { metric: "uar", patience: 7, minDelta: 0 },
    });
  });

  it("`early_stop off` in a stage turns off inherited early stopping", () => {
    const out = ir(`${oneColumn}training {
  early_stop loss
  stage a { train c early_stop off }
}`);
    expect(out.stages[0]?.earlyStopping).toBeNull();
  });

  it("keeps the spelling of numeric names (class `01` is not class `1`)", () => {
    const out = ir(`task speaker { data d label speaker classes [01, 02] }
${oneColumn}training { stage s { train c } }`);
    expect(out.tasks.find((t) => t.id === "speaker")?.classes).toEqual(["01", "02"]);
  });

  it("blames an inherited bad value on the training block's line", () => {
    const r = compile(`${oneColumn}training {
  batch 0
  stage a { train c }
  stage b { train c2 }
}
column c2 { task emotion }`);
    const batch = r.diagnostics.filter((d) => d.code === "PNN2002");
    const line = r.file.text.split("\n").indexOf("  batch 0") + 1;
    // Inherited by both stages, reported once: one diagnostic per cause.
    expect(batch.map((d) => d.span.line)).toEqual([line]);
    expect(batch[0]?.message).toBe("`batch` must be >= 1, found 0");
  });
});

describe("stage order", () => {
  const twoColumns = oneColumn + oneColumn.replace("column c {", "column n {\n  init from c");

  it("allows freezing copied layers of an `init from` column (partial fine-tuning)", () => {
    const r = compile(`${twoColumns}training {
  stage one { train c }
  stage two { train n freeze n.h1 }
}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.ir?.stages[1]?.freeze).toEqual([{ column: "n", layer: 1 }]);
  });

  it("rejects `init from` a column trained in the same stage", () => {
    const r = compile(`${twoColumns}training { stage one { train [c, n] } }`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["PNN3008"]);
  });

  it("rejects a column that reads itself", () => {
    const r = compile(
      `${oneColumn}training { stage one { train c } }`.replace(
        "task emotion\n  layers",
        "task emotion\n  init from c\n  layers",
      ),
    );
    expect(r.diagnostics.map((d) => d.code)).toContain("PNN3008");
  });
});
