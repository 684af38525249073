/**
 * Run warnings (src/runtime/run-warnings.ts): a best epoch at the end of the budget in most runs,
 * early stopping while the validation score still rose, a test UAR near chance; and through
 * `pnnc run`, in its summary, results.json and the report.
 * In: made-up column runs, and a tiny spec trained for 3 epochs. Out: assertions.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import type { ColumnRun, RunResults } from "../src/runtime/results.js";
import { lateRise, runWarnings } from "../src/runtime/run-warnings.js";
import type { TrainingStage } from "../src/runtime/train.js";
import { pnncIn, synthSpecHeader } from "./helpers.js";

/** A stage whose kept epoch is chosen by patience N, by `best_epoch` (null), or by no rule. */
const stage = (epochs: number, patience: number | null | "no rule"): TrainingStage => ({
  optimizer: { name: "adam", learningRate: 0.001, momentum: 0 },
  batchSize: 32,
  epochs,
  earlyStopping: patience === "no rule" ? null : { metric: "uar", patience, minDelta: 0 },
  seed: 1,
});

function run(fold: number, o: Partial<ColumnRun> & { scores?: number[] }): ColumnRun {
  const scores = o.scores ?? [0.5];
  return {
    repeat: 1,
    fold,
    stage: "s",
    column: "c",
    task: "t",
    trainFolds: null,
    test: { uar: 0.8, accuracy: 0.8 } as ColumnRun["test"],
    epochsTrained: scores.length,
    bestEpoch: scores.length,
    curve: scores.map((validation, i) => ({ epoch: i + 1, loss: 1, validation })),
    ...o,
  };
}

const classes = { t: ["a", "b", "c", "d"] };
const kinds = (runs: ColumnRun[], s: TrainingStage) =>
  runWarnings(runs, new Map([["s", s]]), classes).map((w) => w.kind);

describe("run warnings", () => {
  it("flag a best epoch in the last 10% of the budget in most runs, not in a minority", () => {
    const late = [95, 100, 92, 40].map((bestEpoch, i) => run(i + 1, { bestEpoch }));
    expect(kinds(late, stage(100, null))).toEqual(["late-best-epoch"]);
    const early = [95, 40, 50, 60].map((bestEpoch, i) => run(i + 1, { bestEpoch }));
    expect(kinds(early, stage(100, null))).toEqual([]);
    // 90 of 100 is not in the last 10% (91–100).
    expect(kinds([run(1, { bestEpoch: 90 })], stage(100, null))).toEqual([]);
    // With no rule the last epoch is kept by definition, not chosen: nothing to say.
    const kept = [1, 2, 3].map((f) => run(f, { bestEpoch: 100, epochsTrained: 100 }));
    expect(kinds(kept, stage(100, "no rule"))).toEqual([]);
  });

  it("flag early stopping while the validation score still rose, not a plateau or a full budget", () => {
    const rising = Array.from({ length: 40 }, (_, e) => 0.3 + e * 0.005);
    const flat = Array.from({ length: 40 }, (_, e) => 0.5 + (e % 2) * 0.01);
    const stopped = (scores: number[]) => [1, 2, 3].map((f) => run(f, { scores, bestEpoch: 10 }));
    expect(kinds(stopped(rising), stage(100, 20))).toEqual(["stopped-while-rising"]);
    expect(kinds(stopped(flat), stage(100, 20))).toEqual([]);
    // The whole budget trained: nothing was cut short, whatever the curve.
    expect(kinds(stopped(rising), stage(40, 20))).toEqual([]);
    expect(lateRise(run(1, { scores: rising }), "uar")).toBeCloseTo(0.095, 6);
    // A falling loss is the loss's way of rising.
    expect(lateRise(run(1, { scores: rising.map((v) => 1 - v) }), "loss")).toBeCloseTo(0.095, 6);
  });

  it("flag a mean test UAR near chance, and name the chance level", () => {
    const near = [0.27, 0.3].map((uar, i) => run(i + 1, { test: { uar } as ColumnRun["test"] }));
    const warnings = runWarnings(near, new Map([["s", stage(10, null)]]), classes);
    expect(warnings.map((w) => w.kind)).toEqual(["near-chance"]);
    expect(warnings[0]?.message).toContain("chance (0.250 for 4 classes)");
    const learnt = [0.4, 0.45].map((uar, i) => run(i + 1, { test: { uar } as ColumnRun["test"] }));
    expect(kinds(learnt, stage(10, null))).toEqual([]);
  });
});

describe("run warnings through `pnnc run`", () => {
  const dir = mkdtempSync(join(tmpdir(), "pnnc-warnings-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are printed in the summary, kept in results.json and listed in the report", () => {
    writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: join(dir, "synth.csv") });
    writeFileSync(
      join(dir, "short.pnn"),
      `${synthSpecHeader("short")}column gender {
  task gender
  layers { dense 8 relu }
}
training {
  learning_rate 0.001
  batch 32
  epochs 3
  best_epoch loss
  seed 3
  stage one { train gender }
}
evaluation {
  folds 3 stratified
  repeats 1
  validation 1
}
`,
    );
    const r = pnncIn(dir)("run", "short.pnn", "--out", "out", "--no-store", "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    // Three epochs are too few: the best validation epoch is the last in every run.
    expect(r.stdout).toMatch(
      /warning: column `gender`: the best validation epoch fell in the last 10% of the 3-epoch budget in 3 of 3 runs/,
    );
    const results = JSON.parse(
      readFileSync(join(dir, "out", "results.json"), "utf8"),
    ) as RunResults;
    expect(results.warnings?.map((w) => [w.kind, w.column, w.runs, w.of])).toContainEqual([
      "late-best-epoch",
      "gender",
      3,
      3,
    ]);
    const html = readFileSync(join(dir, "out", "report.html"), "utf8");
    expect(html).toContain('<section id="warnings">');
    expect(html).toContain("more epochs may help");
  });
});
