/**
 * The two backends agree: for each spec below, the program `pnnc compile --target ts` writes and
 * `pnnc run`'s engine, on the same tiny synthetic table, seed and backend, give identical metrics,
 * learning curves and forgetting tables, and bit-identical final weights for every column of every
 * run. The generated programs run in this process (imported as TypeScript) and, once, as a real
 * `tsc`-built program in a child process, compared with the `pnnc run` command's results.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitProgram, packageFiles, runtimeFiles } from "../src/codegen/emit.js";
import { compileSpec } from "../src/compile.js";
import { loadSpecData } from "../src/data/load.js";
import { writeSynthetic } from "../src/data/synth.js";
import { runSpec } from "../src/engine/run-spec.js";
import type { Ir } from "../src/ir/types.js";
import { selectBackend, type BackendName } from "../src/runtime/backends.js";
import type { Column } from "../src/runtime/column.js";
import { runHash, specDigest } from "../src/runtime/files.js";
import { PNNC_VERSION } from "../src/version.js";
import { repoRoot } from "./helpers.js";

// Under the repository, so the generated programs resolve @tensorflow/tfjs from its node_modules.
const root = join(repoRoot, "tmp", `codegen-equivalence-${process.pid}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const header = (name: string) => `pnn 1 ${name}

dataset synth {
  file "synth.csv"
  features numeric except [speaker, gender, emotion]
  group speaker
  normalize per_group
}

task speaker {
  data synth
  label speaker
}

task gender {
  data synth
  label gender
}

task emotion {
  data synth
  label emotion
  drop [sad]
}
`;

const evaluation = `
evaluation {
  folds 4 stratified
  repeats 1
  validation 1
}
`;

/** The five kinds the issue names, plus layer freezing, SGD and a `train_folds` sweep. */
const specs: Record<string, string> = {
  dnn: `${header("dnn")}
column emotion {
  task emotion
  layers {
    dense 12 relu dropout 0.2
    dense 8 tanh
  }
}

training {
  learning_rate 0.01
  batch 16
  epochs 4
  early_stop uar patience 2
  seed 3
  stage only {
    train emotion
  }
}
${evaluation}`,
  prognet: `${header("prognet")}
column gender {
  task gender
  layers {
    repeat 2 { dense 10 sigmoid dropout 0.3 }
  }
}

column emotion {
  task emotion
  layers {
    repeat 2 { dense 10 sigmoid }
  }
  lateral from gender into all
}

training {
  learning_rate 0.02
  batch 16
  epochs 3
  seed 5
  stage source {
    train gender
  }
  stage target {
    train emotion
    freeze gender
    train_folds [1, 2]
    best_epoch uar
  }
}
${evaluation}`,
  adapter: `${header("adapter")}
column gender {
  task gender
  layers {
    repeat 2 { dense 10 relu }
  }
}

column emotion {
  task emotion
  layers {
    repeat 2 { dense 10 relu }
  }
  lateral from gender into all adapter width 4 alpha 0.5 activation tanh
}

training {
  optimizer rmsprop
  learning_rate 0.005
  batch 16
  epochs 3
  seed 8
  stage source {
    train gender
  }
  stage target {
    train emotion
    freeze gender
  }
}
${evaluation}`,
  "three-column": `${header("three_column")}
column speaker {
  task speaker
  layers {
    repeat 3 { dense 8 relu }
  }
}

column gender {
  task gender
  layers {
    dense 6 elu
  }
}

column emotion {
  task emotion
  layers {
    repeat 3 { dense 8 softplus }
  }
  lateral from [speaker, gender] into [h2, head]
  lateral from speaker into h3
}

training {
  optimizer sgd
  momentum 0.9
  learning_rate 0.05
  batch 16
  epochs 3
  seed 11
  stage sources {
    train [speaker, gender]
  }
  stage target {
    train emotion
    freeze [speaker, gender]
  }
}
${evaluation}`,
  ptft: `${header("ptft")}
column gender {
  task gender
  layers {
    repeat 2 { dense 10 selu dropout 0.1 }
  }
}

column emotion {
  task emotion
  layers {
    repeat 2 { dense 10 selu dropout 0.1 }
  }
  init from gender
}

training {
  learning_rate 0.01
  batch 16
  epochs 3
  seed 13
  stage pretrain {
    train gender
  }
  stage finetune {
    train emotion
    freeze emotion.h1
  }
}
${evaluation}`,
};

interface Document {
  specHash: string;
  runs: unknown[];
  forgetting: unknown[];
  summary: unknown[];
}

type Weights = Map<string, Float32Array>;

/** Every variable of every trained column of every run, copied off the backend. */
function weightRecorder(weights: Weights) {
  return (repeat: number, fold: number, trained: { id: string; model: Column }[]) => {
    for (const { model } of trained) {
      for (const [name, v] of model.variables())
        weights.set(`${repeat}/${fold}/${name}`, (v.dataSync() as Float32Array).slice());
    }
  };
}

function front(name: string) {
  const path = join(root, `${name}.pnn`);
  const result = compileSpec(path, readFileSync(path));
  if (!result.ir || !result.spans)
    throw new Error(`${name}: ${JSON.stringify(result.diagnostics)}`);
  return { ...result, ir: result.ir as Ir, spans: result.spans };
}

async function runEngine(name: string, backend: BackendName) {
  const spec = front(name);
  const loaded = await loadSpecData(spec, root);
  const data = loaded.value;
  const active = await selectBackend(backend);
  if (!data || "problem" in active) throw new Error(`${name}: cannot load data or backend`);
  const weights: Weights = new Map();
  const results = await runSpec(active.tf, spec.ir, data, { onRunEnd: weightRecorder(weights) });
  const specHash = runHash(specDigest(JSON.stringify(spec.ir), PNNC_VERSION), [
    ...data.datasets.values(),
  ]);
  return { document: { specHash, ...results } as Document, weights };
}

interface GeneratedMain {
  main(opts: {
    out: string;
    backend: BackendName;
    onRunEnd: ReturnType<typeof weightRecorder>;
  }): Promise<Document>;
}

async function runGenerated(name: string, backend: BackendName) {
  const url = pathToFileURL(join(root, "programs", name, "main.ts")).href;
  const program = (await import(url)) as GeneratedMain;
  const weights: Weights = new Map();
  const document = await program.main({
    out: join(root, "out", `${name}-${backend}`),
    backend,
    onRunEnd: weightRecorder(weights),
  });
  return { document, weights };
}

function expectSameWeights(a: Weights, b: Weights): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, w] of a) {
    const other = b.get(name) ?? new Float32Array();
    // Bit for bit: Buffer equality compares the float32 bytes, so even -0 vs 0 would differ.
    expect(Buffer.from(w.buffer).equals(Buffer.from(other.buffer)), name).toBe(true);
  }
}

const comparable = (d: Document) =>
  JSON.stringify({
    specHash: d.specHash,
    runs: d.runs,
    forgetting: d.forgetting,
    summary: d.summary,
  });

beforeAll(async () => {
  mkdirSync(join(root, "programs"), { recursive: true });
  writeSynthetic({ speakers: 8, utterances: 20, seed: 9, out: join(root, "synth.csv") });
  const files = [...runtimeFiles(), ...(await packageFiles("equivalence"))];
  for (const [name, text] of Object.entries(specs)) {
    writeFileSync(join(root, `${name}.pnn`), text);
    const spec = front(name);
    files.push(
      ...(await emitProgram({
        ...spec,
        dir: name,
        specDir: relative(join(root, "programs"), root),
      })),
    );
  }
  for (const f of files) {
    mkdirSync(dirname(join(root, "programs", f.path)), { recursive: true });
    writeFileSync(join(root, "programs", f.path), f.content);
  }
});

describe("generated programs and `pnnc run` on the cpu backend", () => {
  for (const name of Object.keys(specs)) {
    it(`${name}: identical metrics, curves, forgetting and final weights`, async () => {
      const engine = await runEngine(name, "cpu");
      const generated = await runGenerated(name, "cpu");
      expect(comparable(generated.document)).toBe(comparable(engine.document));
      expectSameWeights(generated.weights, engine.weights);
      // Guard against comparing nothing: every run trained something and learned a curve.
      expect(engine.weights.size).toBeGreaterThan(0);
      expect(engine.document.runs.length).toBeGreaterThan(0);
    });
  }
});

describe("on the wasm backend", () => {
  it("three-column: the same kernels in the same order give the same bits there too", async () => {
    const engine = await runEngine("three-column", "wasm");
    const generated = await runGenerated("three-column", "wasm");
    expect(comparable(generated.document)).toBe(comparable(engine.document));
    expectSameWeights(generated.weights, engine.weights);
  });
});

describe("a generated program built with tsc and run with node", () => {
  it("writes the results.json that `pnnc run` writes, but for the time taken", () => {
    const tsc = spawnSync(
      process.execPath,
      [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", join(root, "programs")],
      { encoding: "utf8" },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const out = join(root, "out", "node");
    const program = spawnSync(
      process.execPath,
      [join(root, "programs/dist/prognet/main.js"), "--backend", "cpu", "--out", out],
      { encoding: "utf8" },
    );
    expect(program.status, program.stderr).toBe(0);
    expect(program.stdout).toMatch(/^emotion: test UAR \d\.\d{3} ± \d\.\d{3} over \d+ runs$/m);
    const run = spawnSync(
      process.execPath,
      [
        join(repoRoot, "dist/cli/main.js"),
        "run",
        join(root, "prognet.pnn"),
        "--backend",
        "cpu",
        "--workers",
        "1",
        "--no-store",
        "--out",
        join(root, "out", "pnnc"),
      ],
      { encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    const read = (dir: string) => {
      const doc = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Record<
        string,
        unknown
      >;
      return { ...doc, seconds: 0 };
    };
    expect(read(out)).toEqual(read(join(root, "out", "pnnc")));
    // The spec beside the results, as `pnnc run` writes it, so `pnnc report` reads the folder.
    expect(readFileSync(join(out, "spec.pnn"), "utf8")).toBe(
      readFileSync(join(root, "prognet.pnn"), "utf8"),
    );
    const report = spawnSync(
      process.execPath,
      [join(repoRoot, "dist/cli/main.js"), "report", out],
      {
        encoding: "utf8",
      },
    );
    expect(report.status, report.stderr).toBe(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  });
});
