/**
 * The engine (ColumnModel, tfjs cpu backend) against the independent Float64 reference in
 * test/reference/, on seeded random weights and inputs: Eq. 1 and Eq. 2 laterals, the head link, the
 * cross-entropy gradient and one trainer step. Miswired references must differ from the engine.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type * as Tf from "@tensorflow/tfjs";
import { compileSpec } from "../src/compile.js";
import { ColumnModel } from "../src/engine/column-model.js";
import type { Ir } from "../src/ir/types.js";
import { selectBackend } from "../src/runtime/backends.js";
import { Prng } from "../src/runtime/prng.js";
import { sourceActivations, trainColumn } from "../src/runtime/train.js";
import {
  backward,
  crossEntropy,
  forwardAll,
  Mat,
  type Act,
  type Link,
  type RefColumn,
  type Wiring,
} from "./reference/pnn-reference.js";

/** float32 engine vs Float64 reference: max |engine − reference| ≤ RTOL · max |reference|. */
const RTOL = 1e-5;
/** A miswired reference must be further than this from the engine (far above RTOL). */
const DIFFERS = 1e-2;
/** A trainer step read back as (before − after) / lr also carries the float32 rounding of the weights. */
const STEP_RTOL = 1e-4;
const [ROWS, INPUT, CLASSES] = [8, 5, 3];

const layers = (acts: string, dropout: number) =>
  acts
    .split(" ")
    .map((f) => `dense 6 ${f} dropout ${dropout}`)
    .join("\n    ");
const column = (id: string, acts: string, dropout: number, laterals: string[]) => `column ${id} {
  task t
  layers {
    ${layers(acts, dropout)}
  }
  ${laterals.join("\n  ")}
}`;

// a, b: frozen sources with dropout (inference mode must switch it off). c: Eq. 1 from two columns.
// d, e: Eq. 2 adapters. f: the head link alone. g: trained, mixing a linear lateral and an adapter.
const SPEC = `pnn 2 reference
dataset d {
  file "d.csv"
  features numeric except [y]
}
task t {
  data d
  label y
}
${column("a", "sigmoid relu sigmoid", 0.5, [])}
${column("b", "relu sigmoid relu", 0.5, ["lateral from a into all"])}
${column("c", "sigmoid relu sigmoid", 0.5, ["lateral from [a, b] into all"])}
${column("d", "relu relu sigmoid", 0.5, ["lateral from [a, b] into all adapter width 4 alpha 0.5 activation sigmoid"])}
${column("e", "sigmoid sigmoid relu", 0, ["lateral from a into all adapter width 4 alpha 0.1 activation relu"])}
${column("f", "relu sigmoid relu", 0, ["lateral from a into head"])}
${column("g", "sigmoid relu sigmoid", 0, [
  "lateral from a into all",
  "lateral from b into [h3, head] adapter width 4 alpha 0.3 activation sigmoid",
])}
training {
  optimizer sgd
  learning_rate 0.1
  batch 8
  epochs 1
  seed 1
  stage one { train a }
  stage two { train b freeze a }
  stage three { train [c, d, e, f, g] freeze [a, b] }
}
evaluation {
  folds 3
  validation 1
}
`;

let tf: typeof Tf;
let ir: Ir;
const models = new Map<string, ColumnModel>();
const rng = new Prng(20240611);
const uniform = (n: number, lo: number, hi: number) =>
  Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
let xs: number[];
let labels: number[];

beforeAll(async () => {
  const selected = await selectBackend("cpu");
  if ("problem" in selected) throw new Error(selected.problem);
  tf = selected.tf;
  const front = compileSpec("reference.pnn", SPEC);
  if (!front.ir) throw new Error(front.diagnostics.map((d) => d.message).join("\n"));
  ir = front.ir;
  for (const col of ir.columns) {
    const model = new ColumnModel(tf, col, INPUT, CLASSES, models, 1);
    models.set(col.id, model);
    // Glorot kernels but zero biases and spec-valued α: give every variable a random value instead.
    for (const v of model.variables().values())
      v.assign(tf.tensor(uniform(v.size, -1, 1), v.shape, "float32"));
  }
  xs = uniform(ROWS * INPUT, -2, 2);
  labels = Array.from({ length: ROWS }, () => rng.int(CLASSES));
});

function model(id: string): ColumnModel {
  const m = models.get(id);
  if (!m) throw new Error(`no column ${id}`);
  return m;
}

/** Reference columns for the whole spec, their parameters read out of the engine by variable name. */
function reference(): { cols: RefColumn[]; params: Map<string, Mat> } {
  const params = new Map<string, Mat>();
  for (const m of models.values())
    for (const [name, v] of m.variables()) {
      const [rows, cols] = v.rank === 2 ? v.shape : [1, v.size];
      params.set(name, Mat.of(rows ?? 1, cols ?? 1, v.dataSync()));
    }
  const p = (name: string) => {
    const m = params.get(name);
    if (!m) throw new Error(`the engine has no variable \`${name}\``);
    return m;
  };
  const fn = (f: string): Act => {
    if (["linear", "relu", "sigmoid", "tanh"].includes(f)) return f as Act;
    throw new Error(`the reference has no ${f}`);
  };
  const cols = ir.columns.map((c): RefColumn => {
    const links = c.laterals.flatMap((lat, j) =>
      lat.into.map((into): Link => {
        const at = `${c.id}/lateral${j}/${into === "head" ? "head" : `h${into}`}`;
        if (lat.kind === "linear")
          return { into, from: lat.from, u: lat.from.map((s) => p(`${at}/U_${s}`)), adapter: null };
        const adapter = { alpha: p(`${at}/alpha`), v: p(`${at}/V`), c: p(`${at}/c`) };
        return {
          into,
          from: lat.from,
          u: [p(`${at}/U`)],
          adapter: { ...adapter, f: fn(lat.activation) },
        };
      }),
    );
    return {
      id: c.id,
      layers: c.layers.map((l, i) => ({
        w: p(`${c.id}/h${i + 1}/kernel`),
        b: p(`${c.id}/h${i + 1}/bias`),
        f: fn(l.activation),
      })),
      head: { w: p(`${c.id}/head/kernel`), b: p(`${c.id}/head/bias`) },
      links,
    };
  });
  return { cols, params };
}

const X = () => Mat.of(ROWS, INPUT, xs);

/** The engine's hidden layers and logits of one column in inference mode (sources computed by it too). */
function engine(id: string): Float32Array[] {
  const m = model(id);
  return tf.tidy(() => {
    const x = tf.tensor2d(xs, [ROWS, INPUT]);
    const out = m.forward(x, sourceActivations(tf, m, models, x), false);
    return [...out.hidden, out.logits].map((t) => t.dataSync() as Float32Array);
  });
}

/** The reference's hidden layers and logits of one column, every column computed by the reference. */
function ref(id: string, edit: (c: RefColumn) => RefColumn = (c) => c, wiring?: Wiring): Mat[] {
  const cols = reference().cols.map((c) => (c.id === id ? edit(c) : c));
  const out = forwardAll(cols, X(), wiring).get(id);
  if (!out) throw new Error(`no column ${id}`);
  return [...out.hidden, out.logits];
}

function relErr(engine: ArrayLike<number>, reference: ArrayLike<number>): number {
  expect(engine.length).toBe(reference.length);
  let [err, scale] = [0, 0];
  for (let i = 0; i < reference.length; i++) {
    err = Math.max(err, Math.abs((engine[i] ?? NaN) - (reference[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(reference[i] ?? NaN));
  }
  expect(scale).toBeGreaterThan(0);
  return err / scale;
}

/** Every hidden layer and the logits agree within RTOL. */
function expectMatches(id: string): void {
  const [e, r] = [engine(id), ref(id)];
  expect(e.length).toBe(r.length);
  r.forEach((m, i) =>
    expect(relErr(e[i] ?? [], m.data), `${id} layer ${i + 1}`).toBeLessThan(RTOL),
  );
}

/** The engine's logits are far from a miswired reference's. */
function expectDiffers(id: string, edit?: (c: RefColumn) => RefColumn, wiring?: Wiring): void {
  const logits = engine(id).at(-1) ?? [];
  const wrong = ref(id, edit, wiring).at(-1)?.data ?? [];
  expect(relErr(logits, wrong)).toBeGreaterThan(DIFFERS);
}

/** Wrong layer: hidden layer i reads the sources' h_i instead of h_{i-1}; the head reads the one before last. */
const sameLayer: Wiring = (h, into) => (into === "head" ? h.at(-2) : h[into - 1]);
const withoutLinks = (keep: (l: Link) => boolean) => (c: RefColumn) => ({
  ...c,
  links: c.links.filter(keep),
});

describe("the forward pass against the Float64 reference (inference mode)", () => {
  it("a column without laterals (sigmoid and relu layers, dropout off)", () => {
    expectMatches("a");
  });

  it("Eq. 1: linear laterals from one earlier column", () => {
    expectMatches("b");
  });

  it("Eq. 1: linear laterals from two earlier columns, each through its own U", () => {
    expectMatches("c");
  });

  it("Eq. 1: a dropped, one-source or misplaced lateral would not match", () => {
    expectDiffers(
      "c",
      withoutLinks((l) => l.into !== 3),
    );
    expectDiffers("c", (c) => ({
      ...c,
      links: c.links.map((l) => ({ ...l, from: l.from.slice(0, 1), u: l.u.slice(0, 1) })),
    }));
    expectDiffers("c", undefined, sameLayer);
    expectDiffers("b", undefined, sameLayer);
  });

  it("Eq. 2: adapters over two earlier columns (sigmoid) and one (relu)", () => {
    expectMatches("d");
    expectMatches("e");
  });

  it("Eq. 2: an adapter without α, or misplaced, would not match", () => {
    const noAlpha = (c: RefColumn) => ({
      ...c,
      links: c.links.map((l) =>
        l.adapter ? { ...l, adapter: { ...l.adapter, alpha: Mat.of(1, 1, [1]) } } : l,
      ),
    });
    expectDiffers("d", noAlpha);
    expectDiffers("d", undefined, sameLayer);
    expectDiffers(
      "e",
      withoutLinks((l) => l.into !== 2),
    );
  });

  it("the head link: the source's last hidden layer feeds the output layer", () => {
    expectMatches("f");
    expectDiffers("f", undefined, sameLayer);
    expectDiffers(
      "f",
      withoutLinks(() => false),
    );
  });
});

describe("the gradient of the softmax cross-entropy", () => {
  /** Reference loss and gradients for column g, from the engine's current weights. */
  function referenceGradients() {
    const { cols, params } = reference();
    const logits = forwardAll(cols, X()).get("g")?.logits ?? Mat.of(0, 0, []);
    const loss = crossEntropy(logits, labels);
    backward(loss);
    return { loss: loss.data[0] ?? NaN, params, cols };
  }

  it("the reference's backprop agrees with central differences (Float64)", () => {
    const { params, cols } = referenceGradients();
    const lossAt = () =>
      crossEntropy(forwardAll(cols, X()).get("g")?.logits ?? X(), labels).data[0] ?? NaN;
    for (const name of [
      "g/lateral0/h2/U_a",
      "g/lateral1/head/alpha",
      "g/head/kernel",
      "g/h1/bias",
      "a/h1/kernel",
    ]) {
      const m = params.get(name);
      if (!m) throw new Error(`no ${name}`);
      for (const i of [0, m.data.length - 1]) {
        const keep = m.data[i] ?? NaN;
        m.data[i] = keep + 1e-6;
        const up = lossAt();
        m.data[i] = keep - 1e-6;
        const down = lossAt();
        m.data[i] = keep;
        expect((up - down) / 2e-6, `${name}[${i}]`).toBeCloseTo(m.grad[i] ?? NaN, 7);
      }
    }
  });

  it("tf.variableGrads over the engine's forward pass equals the reference backprop", () => {
    const g = model("g");
    const trainable = g.trainable(new Set());
    const stable = new Map([...g.variables()].map(([name, v]) => [v.name, name]));
    const { value, grads } = tf.variableGrads(() => {
      const x = tf.tensor2d(xs, [ROWS, INPUT]);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), CLASSES);
      const logits = g.forward(x, sourceActivations(tf, g, models, x), true, 5).logits;
      return tf.losses.softmaxCrossEntropy(y, logits) as Tf.Scalar;
    }, trainable);
    const expected = referenceGradients();
    expect(relErr(value.dataSync(), [expected.loss])).toBeLessThan(RTOL);
    const names = trainable.map((v) => stable.get(v.name) ?? v.name);
    expect(names).toEqual(
      expect.arrayContaining(["g/lateral0/h2/U_a", "g/lateral1/head/alpha", "g/head/kernel"]),
    );
    expect(names.every((n) => n.startsWith("g/"))).toBe(true);
    expect(Object.keys(grads).sort(), "a gradient for every trainable variable").toEqual(
      trainable.map((v) => v.name).sort(),
    );
    for (const v of trainable) {
      const name = stable.get(v.name) ?? "";
      const got = grads[v.name]?.dataSync() ?? [];
      expect(relErr(got, expected.params.get(name)?.grad ?? []), name).toBeLessThan(RTOL);
    }
    // The maths would move the sources; freezing is what keeps them still.
    expect(
      Math.max(...(expected.params.get("a/h1/kernel")?.grad ?? []).map(Math.abs)),
    ).toBeGreaterThan(1e-4);
    tf.dispose([value, ...Object.values(grads)]);
  });

  it("one full-batch SGD step of the trainer moves g by −lr × the reference gradient, the sources not at all", () => {
    const LR = 2;
    const g = model("g");
    const snapshot = () =>
      new Map(
        [...models.values()].flatMap((m) =>
          [...m.variables()].map(([k, v]) => [k, v.dataSync().slice()] as const),
        ),
      );
    const before = snapshot();
    const expected = referenceGradients();
    for (const cacheFrozen of [true, false]) {
      for (const [name, v] of g.variables()) v.assign(tf.tensor(before.get(name) ?? [], v.shape));
      const train = { x: tf.tensor2d(xs, [ROWS, INPUT]), y: Int32Array.from(labels) };
      const stage = {
        optimizer: { name: "sgd" as const, learningRate: LR, momentum: 0 },
        batchSize: ROWS,
        epochs: 1,
        earlyStopping: null,
        seed: 3,
      };
      trainColumn(tf, g, models, { train, validation: null }, stage, { cacheFrozen });
      train.x.dispose();
      const after = snapshot();
      for (const [name, values] of before) {
        const now = after.get(name) ?? [];
        if (!name.startsWith("g/")) {
          expect(now, name).toEqual(values);
          continue;
        }
        const step = Array.from(now, (w, i) => ((values[i] ?? NaN) - w) / LR);
        expect(
          relErr(step, expected.params.get(name)?.grad ?? []),
          `${name} cache ${cacheFrozen}`,
        ).toBeLessThan(STEP_RTOL);
      }
    }
  });
});
