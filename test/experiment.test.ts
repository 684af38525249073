/**
 * The services under the CLI (src/experiment/), called directly: every comparison-protocol and
 * option problem as its catalogued code (PNN5xxx) without printing anything, the run store's resume
 * behaviour (alone and through prepareRun/executeRun), and predict's features prepared by the
 * runtime's normaliser exactly as the former hand-written loop did.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { catalog, type Code } from "../src/diagnostics/catalog.js";
import { executeRun } from "../src/experiment/execute-run.js";
import type { Outcome } from "../src/experiment/outcome.js";
import { features, predict } from "../src/experiment/predict.js";
import { normalizerOf } from "../src/experiment/read-checkpoint.js";
import { prepareCompare, type CompareOptions } from "../src/experiment/prepare-compare.js";
import { prepareRun } from "../src/experiment/prepare-run.js";
import { jobFile } from "../src/experiment/job-file.js";
import { submitToSlurm } from "../src/experiment/slurm.js";
import { fileStore, pendingRuns } from "../src/experiment/run-store.js";
import { fitNormalizer, type NormalizeMode } from "../src/runtime/normalize.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-experiment-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (name: string, { folds = "folds 3 stratified", drop = "", repeats = 2 } = {}) =>
  `pnn 1 ${name}
dataset synth {
  file "synth.csv"
  features numeric except [speaker, gender, emotion]
  group speaker
}
task emotion {
  data synth
  label emotion${drop}
}
column emotion {
  task emotion
  layers { dense 8 relu }
}
training {
  learning_rate 0.02
  batch 32
  epochs 2
  seed 2
  stage target { train emotion }
}
evaluation {
  ${folds}
  repeats ${repeats}
  validation 1
  seed 4
}
`;

const specs: Record<string, string> = {
  "a.pnn": spec("a"),
  "b.pnn": spec("b"),
  "a-again.pnn": spec("a"),
  "other-folds.pnn": spec("other", { folds: "folds 4 stratified" }),
  "fewer-classes.pnn": spec("fewer", { drop: "\n  drop [sad]" }),
};
const path = (name: string) => join(dir, name);

beforeAll(() => {
  writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: path("synth.csv") });
  for (const [name, text] of Object.entries(specs)) writeFileSync(path(name), text);
});

/** The codes of an outcome's problems, and its failure (null on success). */
function refusal(outcome: Outcome<unknown>) {
  return {
    failure: outcome.ok ? null : outcome.failure,
    codes: outcome.problems.map((p) => p.code),
  };
}

describe("comparison protocol and options, as catalogued problems", () => {
  const seen = new Set<Code | undefined>();
  const compare = async (files: string[], opts: CompareOptions = {}) => {
    const outcome = await prepareCompare(files.map(path), { out: path("cmp"), ...opts });
    outcome.problems.forEach((p) => seen.add(p.code));
    return outcome;
  };
  let stderr: MockInstance;
  let stdout: MockInstance;
  beforeAll(() => {
    stderr = vi.spyOn(process.stderr, "write");
    stdout = vi.spyOn(process.stdout, "write");
  });
  afterEach(() => {
    // Services return what they found; only the CLI prints it.
    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
  });
  afterAll(() => {
    vi.restoreAllMocks();
    // Every PNN5xxx code is produced by one of these cases (they have no invalid-spec fixture).
    const protocolCodes = Object.keys(catalog).filter((c) => c.startsWith("PNN5"));
    expect(protocolCodes.filter((c) => !seen.has(c as Code))).toEqual([]);
  });

  it("PNN5001: two specs with the same name", async () => {
    const outcome = await compare(["a.pnn", "a-again.pnn"]);
    expect(refusal(outcome)).toEqual({ failure: "failed", codes: ["PNN5001"] });
    expect(outcome.problems[0]?.message).toBe(
      "two specs are named `a`; method names come from spec names",
    );
  });

  it("PNN5002: different protocols, naming both files and both protocols", async () => {
    const outcome = await compare(["a.pnn", "other-folds.pnn"]);
    expect(refusal(outcome)).toEqual({ failure: "failed", codes: ["PNN5002"] });
    expect(outcome.problems[0]?.message).toBe(
      `\`${path("other-folds.pnn")}\` uses folds 4 stratified, 2 repeats, seed 4, 1 validation folds, ` +
        `but \`${path("a.pnn")}\` uses folds 3 stratified, 2 repeats, seed 4, 1 validation folds`,
    );
    expect(outcome.problems[0]?.hint).toContain("the same `evaluation` protocol");
  });

  it("PNN5003: fewer than two methods (a usage error)", async () => {
    expect(refusal(await compare(["a.pnn"]))).toEqual({ failure: "usage", codes: ["PNN5003"] });
    const task = await compare(["a.pnn", "b.pnn"], { task: "bogus" });
    expect(refusal(task)).toEqual({ failure: "usage", codes: ["PNN5003"] });
    expect(task.problems[0]?.message).toContain("found 0 methods on task `bogus`");
  });

  it("PNN5004: a method evaluated on other classes", async () => {
    const outcome = await compare(["a.pnn", "fewer-classes.pnn"]);
    expect(refusal(outcome)).toEqual({ failure: "failed", codes: ["PNN5004"] });
    expect(outcome.problems[0]?.message).toBe(
      "method `fewer` is evaluated on other data, folds or classes than `a`",
    );
  });

  it("PNN5005 and PNN5006: an unknown baseline, more repeats than the protocol", async () => {
    const baseline = await compare(["a.pnn", "b.pnn"], { baseline: "nope" });
    expect(refusal(baseline)).toEqual({ failure: "usage", codes: ["PNN5005"] });
    expect(baseline.problems[0]?.message).toBe(
      "no method is named `nope`; the methods are `a`, `b`",
    );
    const repeats = await compare(["a.pnn", "b.pnn"], { repeats: "5" });
    expect(refusal(repeats)).toEqual({ failure: "usage", codes: ["PNN5006"] });
    // Refused before anything is written.
    expect(existsSync(path("cmp"))).toBe(false);
  });

  it("PNN5007 and PNN5008: an unknown backend and invalid numbers, before any spec is read", async () => {
    expect(refusal(await compare(["missing.pnn"], { backend: "tpu" }))).toEqual({
      failure: "usage",
      codes: ["PNN5007"],
    });
    for (const opts of [{ workers: "0" }, { workers: "65" }, { df: "x" }, { repeats: "0" }])
      expect(refusal(await compare(["missing.pnn"], opts))).toEqual({
        failure: "usage",
        codes: ["PNN5008"],
      });
    const run = await prepareRun(path("missing.pnn"), { backend: "tpu" });
    expect(refusal(run)).toEqual({ failure: "usage", codes: ["PNN5007"] });
  });

  it("PNN5009 and PNN5010: assembling with runs missing, submitting without sbatch", async () => {
    const assemble = await compare(["a.pnn", "b.pnn"], {
      out: path("cmp-assemble"),
      assemble: true,
    });
    expect(refusal(assemble)).toEqual({ failure: "failed", codes: ["PNN5009"] });
    expect(assemble.problems[0]?.message).toContain("repeat 1 fold 1, repeat 1 fold 2");
    const job = jobFile("compare", [path("a.pnn"), path("b.pnn")], path("cmp-slurm"), [], {
      repeats: 1,
      folds: 3,
    });
    const options = { runsPerTask: 1, maxRunning: null, cpusPerTask: 1, extra: [], dryRun: false };
    const saved = process.env["PATH"];
    process.env["PATH"] = dir; // no sbatch there
    try {
      const submitted = submitToSlurm(job, [[1, 1]], options);
      submitted.problems.forEach((p) => seen.add(p.code));
      expect(refusal(submitted)).toEqual({ failure: "failed", codes: ["PNN5010"] });
    } finally {
      process.env["PATH"] = saved;
    }
    expect(existsSync(path("cmp-slurm"))).toBe(false);
  });

  it("an unreadable spec is a usage problem without a code", async () => {
    expect(refusal(await compare(["missing.pnn", "a.pnn"]))).toEqual({
      failure: "usage",
      codes: [undefined],
    });
  });

  it("prepares a valid comparison: every run pending, within --repeats", async () => {
    const outcome = await compare(["a.pnn", "b.pnn"], {
      out: path("cmp-ok"),
      repeats: "1",
      workers: "8",
      df: "10",
    });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
    const prepared = outcome.value;
    expect(prepared.compared.methods.map((m) => m.name)).toEqual(["a", "b"]);
    expect(prepared.pending).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    expect(prepared.workers).toBe(3);
    expect(prepared.df).toBe(10);
    // Both specs declare the same column on the same data: one training per run is shared.
    expect(prepared.shared).toBe(1);
  });
});

describe("the run store", () => {
  type Record = { uar: number };

  it("reuses a run only for the same run hash and backend", () => {
    const runs = path("store-a");
    const store = fileStore<Record>(runs, "hash", "cpu");
    if (!store) throw new Error("no store");
    expect(store.load(1, 1)).toBeNull();
    store.save(1, 1, { uar: 0.5 });
    expect(store.load(1, 1)).toEqual({ uar: 0.5 });
    expect(fileStore<Record>(runs, "hash", "cpu")?.load(1, 1)).toEqual({ uar: 0.5 });
    expect(fileStore<Record>(runs, "other", "cpu")?.load(1, 1)).toBeNull();
    expect(fileStore<Record>(runs, "hash", "wasm")?.load(1, 1)).toBeNull();
    expect(readdirSync(runs)).toEqual(["repeat1-fold1.json"]);
  });

  it("ignores a damaged file and lists what is pending", () => {
    const runs = path("store-b");
    const store = fileStore<Record>(runs, "hash", "cpu");
    if (!store) throw new Error("no store");
    store.save(1, 1, { uar: 0.5 });
    store.save(2, 2, { uar: 0.7 });
    writeFileSync(join(runs, "repeat1-fold2.json"), "{ half a fi");
    expect(store.load(1, 2)).toBeNull();
    expect(pendingRuns(store, 2, 2)).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it("reports a run it cannot save as a problem, and no store where it cannot make the folder", () => {
    const runs = path("store-c");
    const store = fileStore<Record>(runs, "hash", "cpu");
    if (!store) throw new Error("no store");
    rmSync(runs, { recursive: true });
    store.save(1, 3, { uar: 0.5 });
    expect(store.unsaved.map((p) => p.message)).toEqual([
      `cannot write \`${join(runs, "repeat1-fold3.json")}\`: its directory does not exist (repeat 1, fold 3 will not be resumable)`,
    ]);
    writeFileSync(path("a-file"), "");
    expect(fileStore(join(path("a-file"), "runs"), "hash", "cpu")).toBeNull();
  });

  it("resumes a run from the runs it kept, through prepareRun and executeRun", async () => {
    const opts = { out: path("run-a"), store: false as const, workers: "1" };
    const first = await prepareRun(path("a.pnn"), opts);
    if (!first.ok) throw new Error(JSON.stringify(first.problems));
    expect(first.value.pending).toHaveLength(6);
    const messages: string[] = [];
    const done = await executeRun(first.value, (m) => messages.push(m));
    if (!done.ok) throw new Error(JSON.stringify(done.problems));
    expect(messages.filter((m) => m.endsWith("reused"))).toEqual([]);
    expect(done.value.columns).toEqual({ trained: 6, reused: 0 });
    expect(done.value.report).toBe(join(opts.out, "report.html"));

    rmSync(join(opts.out, "runs", "repeat2-fold3.json"));
    const again = await prepareRun(path("a.pnn"), opts);
    if (!again.ok) throw new Error(JSON.stringify(again.problems));
    expect(again.value.pending).toEqual([[2, 3]]);
    const resumedMessages: string[] = [];
    const resumed = await executeRun(again.value, (m) => resumedMessages.push(m));
    if (!resumed.ok) throw new Error(JSON.stringify(resumed.problems));
    expect(resumedMessages.filter((m) => m.endsWith("reused"))).toHaveLength(5);
    expect(resumed.value.document.runs).toEqual(done.value.document.runs);
  });

  it("predicts from the run's checkpoint, and refuses a table without its features", async () => {
    const checkpoint = join(path("run-a"), "checkpoints", "emotion");
    const ok = await predict(checkpoint, path("synth.csv"));
    if (!ok.ok) throw new Error(JSON.stringify(ok.problems));
    expect(ok.value.csv.trim().split("\n")).toHaveLength(6 * 24 + 1);
    writeFileSync(path("other.csv"), "a,b\n1,2\n");
    const mismatch = await predict(checkpoint, path("other.csv"));
    expect(refusal(mismatch)).toEqual({ failure: "failed", codes: ["PNN4017"] });
  });
});

describe("predict's features", () => {
  /** The loop `pnnc predict` used before it shared the runtime's normaliser, as the reference. */
  function formerFeatures(
    numeric: Float32Array[],
    rows: number,
    meta: {
      mode: string;
      mean: number[];
      std: number[];
      groups: Record<string, { mean: number[]; std: number[] }>;
    },
    groups: string[] | undefined,
  ): Float32Array {
    const dims = numeric.length;
    const x = new Float32Array(rows * dims);
    for (let r = 0; r < rows; r++) {
      const own = meta.mode === "per_group" ? meta.groups[groups?.[r] ?? ""] : undefined;
      const { mean, std } = own ?? meta;
      for (let j = 0; j < dims; j++) {
        const raw = numeric[j]?.[r] ?? Number.NaN;
        const v = Number.isNaN(raw) ? (mean[j] ?? 0) : raw;
        x[r * dims + j] = meta.mode === "none" ? v : (v - (mean[j] ?? 0)) / (std[j] ?? 1);
      }
    }
    return x;
  }

  // Columns with missing values, large offsets and a constant; rows of a group unseen in training.
  const rows = 40;
  const dims = 4;
  const numeric = Array.from({ length: dims }, (_, j) =>
    Float32Array.from({ length: rows }, (_, r) =>
      j === 3 ? 7 : (r * 7 + j * 3) % 11 === 0 ? Number.NaN : 1000 * j + Math.sin(r + j) * 3.7,
    ),
  );
  const groups = Array.from({ length: rows }, (_, r) => (r < 30 ? `s${r % 3}` : "unseen"));
  const table = {
    header: ["f0", "f1", "f2", "f3"],
    rows,
    numeric: new Map(numeric.map((column, j) => [j, column])),
  };

  for (const mode of ["global", "per_group", "none"] as NormalizeMode[]) {
    it(`are bit-identical to the former loop (${mode})`, () => {
      // Fit on the first 30 rows, as a run's training rows; save as a checkpoint does and read back.
      const x = new Float32Array(rows * dims);
      numeric.forEach((c, j) => c.forEach((v, r) => (x[r * dims + j] = v)));
      const train = Int32Array.from({ length: 30 }, (_, r) => r);
      const norm = fitNormalizer(mode, x, dims, train, groups);
      const saved = {
        mode,
        group: "speaker",
        mean: Array.from(norm.global.mean),
        std: Array.from(norm.global.std),
        groups: Object.fromEntries(
          [...norm.byGroup].map(([g, s]) => [
            g,
            { mean: Array.from(s.mean), std: Array.from(s.std) },
          ]),
        ),
      };
      const expected = formerFeatures(numeric, rows, saved, groups);
      const actual = features(table, table.header, normalizerOf(saved), groups);
      expect(Buffer.from(actual.buffer)).toEqual(Buffer.from(expected.buffer));
    });
  }
});
