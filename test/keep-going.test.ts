/**
 * `--keep-going` for `pnnc run` and `pnnc compare`: a (repeat, fold) run whose training diverges
 * (PNN4022) is left out, warned about and recorded in `failedRuns`, never stored as done; the rest
 * finish. Without the flag, or when every run diverges, the command fails as before. Also the
 * completeness check that both commands run on the results they assemble from the run store.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { loadSpecData } from "../src/data/load.js";
import { runSpec } from "../src/engine/run-spec.js";
import type { DivergedRun } from "../src/runtime/driver.js";
import { selectBackend } from "../src/runtime/backends.js";
import { pnncIn } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-keep-going-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pnnc = pnncIn(dir);

/**
 * 3 speakers, 12 rows each; the speakers in `huge` have every feature at 3e38 (still a float32), so
 * a training fold holding one overflows the loss to NaN in epoch 1. With `folds 3 grouped` and
 * `validation 1`, fold i tests, fold i+1 validates and only the third trains.
 */
function table(file: string, huge: readonly number[]): void {
  const lines = ["id,spk,f1,f2,f3,f4,y"];
  let n = 0;
  for (let spk = 1; spk <= 3; spk++)
    for (let u = 0; u < 12; u++) {
      const y = "ab"[u % 2] ?? "a";
      // Deterministic, class-dependent features without a random generator.
      const fs = [1, 2, 3, 4].map((k) =>
        huge.includes(spk) ? "3e38" : ((y === "a" ? 1 : -1) + Math.sin(++n * k)).toFixed(4),
      );
      lines.push([`c${n}`, `s${spk}`, ...fs, y].join(","));
    }
  writeFileSync(join(dir, file), lines.join("\n") + "\n");
}

function spec(
  name: string,
  data: string,
  opts: { lr?: number; validation?: number; columns?: number } = {},
): string {
  const columns = Array.from(
    { length: opts.columns ?? 1 },
    (_, i) => `column c${i + 1} {\n  task t\n  layers { dense 4 relu }\n}\n`,
  ).join("");
  const trained = Array.from({ length: opts.columns ?? 1 }, (_, i) => `c${i + 1}`).join(", ");
  return `pnn 2 ${name}
dataset d {
  file "${data}"
  features numeric except [spk, y]
  group spk
  normalize none
}
task t {
  data d
  label y
}
${columns}training {
  learning_rate ${opts.lr ?? 0.1}
  batch 8
  epochs 3
  seed 1
  stage one { train [${trained}] }
}
evaluation {
  folds 3 grouped
  repeats 1
  validation ${opts.validation ?? 1}
}
`;
}

table("some.csv", [1]);
table("all.csv", [1, 2]);
table("none.csv", []);
writeFileSync(join(dir, "some.pnn"), spec("some", "some.csv"));
writeFileSync(join(dir, "some2.pnn"), spec("some2", "some.csv", { lr: 0.05 }));
// Validation 0: every training set holds speaker 1 or 2.
writeFileSync(join(dir, "all.pnn"), spec("all", "all.csv", { validation: 0 }));
writeFileSync(join(dir, "two.pnn"), spec("two", "none.csv", { columns: 2 }));
writeFileSync(join(dir, "two2.pnn"), spec("two2", "none.csv", { columns: 2, lr: 0.05 }));

const json = (path: string) =>
  JSON.parse(readFileSync(join(dir, path), "utf8")) as Record<string, unknown>;
const DIVERGED =
  /repeat 1, fold 2, stage `one`: the training loss of column `c1` became (NaN|Infinity) in epoch 1/;

interface Failed {
  repeat: number;
  fold: number;
  method?: string;
  message: string;
}

/** `pnnc run SPEC --out OUT` on cpu without the column store, with N workers and more flags. */
const runOnCpu = (spec: string, out: string, workers: number, ...more: string[]) =>
  pnnc(
    "run",
    spec,
    "--out",
    out,
    "--no-store",
    "--backend",
    "cpu",
    "--workers",
    String(workers),
    ...more,
  );

describe("pnnc run --keep-going", () => {
  it("leaves the diverged fold out, warns, records it, and exits 0", () => {
    const r = runOnCpu("some.pnn", "run1", 1, "--keep-going");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning\[PNN4022\]: repeat 1, fold 2, stage `one`: the training loss/,
    );
    expect(r.stderr).toMatch(DIVERGED);
    expect(r.stderr).toContain("left out (--keep-going)");
    expect(r.stderr).not.toContain("lacks runs");
    const doc = json("run1/results.json");
    const failed = doc["failedRuns"] as Failed[];
    expect(failed.map((f) => [f.repeat, f.fold, f.method])).toEqual([[1, 2, undefined]]);
    expect(failed[0]?.message).toMatch(DIVERGED);
    const summary = doc["summary"] as { runs: number }[];
    expect(summary[0]?.runs).toBe(2);
    expect((doc["runs"] as { fold: number }[]).map((x) => x.fold)).toEqual([1, 3]);
    // Never stored as done: only the finished runs are in the run store.
    expect(existsSync(join(dir, "run1/runs/repeat1-fold1.json"))).toBe(true);
    expect(existsSync(join(dir, "run1/runs/repeat1-fold2.json"))).toBe(false);
    // The report reads a results.json with failedRuns (it validates against the schema).
    expect(pnnc("report", "run1").status).toBe(0);
  }, 120_000);

  it("tries the diverged fold again without the flag, and stops with PNN4022 and exit 1", () => {
    const r = runOnCpu("some.pnn", "run1", 1);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("fold 1: done in an earlier run, reused");
    expect(r.stderr).toMatch(/error\[PNN4022\]: repeat 1, fold 2, stage `one`/);
  }, 120_000);

  it("does the same with worker threads", () => {
    const r = runOnCpu("some.pnn", "run2", 3, "--keep-going");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning\[PNN4022\]: repeat 1, fold 2, stage `one`/);
    const failed = json("run2/results.json")["failedRuns"] as Failed[];
    expect(failed.map((f) => [f.repeat, f.fold])).toEqual([[1, 2]]);
    expect(existsSync(join(dir, "run2/runs/repeat1-fold2.json"))).toBe(false);
  }, 120_000);

  it("writes an empty failedRuns when nothing diverged", () => {
    const r = runOnCpu("two.pnn", "run3", 1, "--keep-going");
    expect(r.status, r.stderr).toBe(0);
    expect(json("run3/results.json")["failedRuns"]).toEqual([]);
  }, 120_000);

  it("fails with exit 1 even with the flag when every run diverged", () => {
    const r = runOnCpu("all.pnn", "run4", 1, "--keep-going");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr.match(/error\[PNN4022\]/g)).toHaveLength(3);
    expect(r.stderr).not.toContain("warning[PNN4022]");
    expect(existsSync(join(dir, "run4/results.json"))).toBe(false);
  }, 120_000);
});

describe("pnnc compare --keep-going", () => {
  it("leaves the run out for every method, names the method, and exits 0", () => {
    const args = [
      "compare",
      "some.pnn",
      "some2.pnn",
      "--out",
      "cmp1",
      "--backend",
      "cpu",
      "--workers",
      "1",
    ];
    const without = pnnc(...args);
    expect(without.status, without.stderr).toBe(1);
    expect(without.stderr).toMatch(/error\[PNN4022\]/);
    const r = pnnc(...args, "--keep-going");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning\[PNN4022\]: method `some`, repeat 1, fold 2, stage `one`/);
    const failed = json("cmp1/compare.json")["failedRuns"] as Failed[];
    expect(failed.map((f) => [f.repeat, f.fold, f.method])).toEqual([[1, 2, "some"]]);
    for (const name of ["some", "some2"]) {
      const doc = json(`cmp1/results/${name}.json`);
      expect(doc["failedRuns"]).toEqual(failed);
      expect((doc["runs"] as { fold: number }[]).map((x) => x.fold)).toEqual([1, 3]);
    }
    const stats = json("cmp1/compare.json")["statistics"] as { methods: { runs: number }[] };
    expect(stats.methods.map((m) => m.runs)).toEqual([2, 2]);
    expect(existsSync(join(dir, "cmp1/runs/repeat1-fold2.json"))).toBe(false);
    // The report validates compare.json, failedRuns included.
    expect(pnnc("report", "cmp1").status).toBe(0);
  }, 120_000);

  it("fails when every run diverged, even with the flag", () => {
    writeFileSync(join(dir, "all2.pnn"), spec("all2", "all.csv", { validation: 0, lr: 0.05 }));
    const r = pnnc(
      "compare",
      "all.pnn",
      "all2.pnn",
      "--out",
      "cmp2",
      "--backend",
      "cpu",
      "--workers",
      "1",
      "--keep-going",
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error\[PNN4022\]: method `all`/);
    expect(existsSync(join(dir, "cmp2/compare.json"))).toBe(false);
  }, 120_000);
});

/** Drops one column run from the record in a run file and re-signs it, as the store would. */
function dropColumnRun(path: string, method: number | null): void {
  const { checksum: _, ...body } = JSON.parse(readFileSync(join(dir, path), "utf8")) as {
    checksum: string;
    record: { runs: unknown[] } | { runs: unknown[] }[];
  };
  const record = method === null ? body.record : (body.record as { runs: unknown[] }[])[method];
  (record as { runs: unknown[] }).runs.pop();
  const checksum = createHash("sha256").update(JSON.stringify(body)).digest("hex");
  writeFileSync(join(dir, path), JSON.stringify({ ...body, checksum }));
}

describe("the completeness check on assembled results", () => {
  it("warns in `pnnc run` when a stored run lacks a column's run", () => {
    const args = [
      "run",
      "two.pnn",
      "--out",
      "full1",
      "--no-store",
      "--backend",
      "cpu",
      "--workers",
      "1",
    ];
    expect(pnnc(...args).status).toBe(0);
    // Without --keep-going, results.json has no failedRuns at all, as before.
    expect(json("full1/results.json")).not.toHaveProperty("failedRuns");
    dropColumnRun("full1/runs/repeat1-fold2.json", null);
    const r = pnnc(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("results.json lacks runs of repeat 1, fold 2 (1 of 2 column runs)");
  }, 120_000);

  it("warns in `pnnc compare`, naming the method's results file", () => {
    const args = [
      "compare",
      "two.pnn",
      "two2.pnn",
      "--out",
      "full2",
      "--backend",
      "cpu",
      "--workers",
      "1",
    ];
    const first = pnnc(...args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).not.toContain("lacks runs");
    dropColumnRun("full2/runs/repeat1-fold3.json", 1);
    const r = pnnc(...args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("fold 3: done in an earlier run, reused");
    expect(r.stderr).toContain(
      "results/two2.json lacks runs of repeat 1, fold 3 (1 of 2 column runs)",
    );
    expect(r.stderr).not.toContain("results/two.json lacks");
  }, 120_000);
});

describe("the driver's onDiverged", () => {
  it("frees what a left-out run built in earlier stages", async () => {
    // Stage one trains c1 on clean data; stage two's c2 reads some.csv, which diverges in fold 2.
    const text = spec("leak", "none.csv", { columns: 2 })
      .replace(
        "task t {",
        'dataset e {\n  file "some.csv"\n  features numeric except [spk, y]\n  group spk\n  normalize none\n}\ntask u {\n  data e\n  label y\n}\ntask t {',
      )
      // Linear, so no dead ReLU caps the loss of the huge rows and it overflows.
      .replace(
        "column c2 {\n  task t\n  layers { dense 4 relu }",
        "column c2 {\n  task u\n  layers { dense 4 linear }",
      )
      .replace("stage one { train [c1, c2] }", "stage one { train c1 }\n  stage two { train c2 }");
    const front = compileSpec(join(dir, "leak.pnn"), text);
    if (!front.ir || !front.spans) throw new Error(JSON.stringify(front.diagnostics));
    const loaded = await loadSpecData({ file: front.file, ir: front.ir, spans: front.spans }, dir);
    if (!loaded.value) throw new Error(JSON.stringify(loaded.diagnostics));
    const backend = await selectBackend("cpu");
    if ("problem" in backend) throw new Error(backend.problem);
    const { tf } = backend;
    const diverged: DivergedRun[] = [];
    const before = tf.memory().numTensors;
    const results = await runSpec(tf, front.ir, loaded.value, {
      onDiverged: (r) => diverged.push(r),
    });
    expect(diverged.map((d) => [d.repeat, d.fold, d.error.column])).toEqual([[1, 2, "c2"]]);
    expect(results.runs.map((r) => [r.fold, r.column])).toEqual([
      [1, "c1"],
      [1, "c2"],
      [3, "c1"],
      [3, "c2"],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
