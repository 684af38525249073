/**
 * The committed IR schema (generated from src/ir/types.ts): it accepts every IR the compiler emits
 * and rejects broken ones, and the precompiled standalone validator (used by the built CLI) agrees
 * with a run-time compile.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import schema from "../src/ir/pnn-ir.schema.json" with { type: "json" };
import { ajvOptions } from "../src/check/ajv-options.js";
import { validatorSource } from "../src/check/validator-source.js";
import type { Ir } from "../src/ir/types.js";
import { compileFile, exampleSpecs, repoRoot } from "./helpers.js";

const runtime = new Ajv(ajvOptions).compile(schema);
const validIrs = exampleSpecs.map((s) => compileFile(s).ir).filter((ir): ir is Ir => ir !== null);

/** Breaks one thing in a copy of a valid IR. */
const breakers: [string, (ir: Ir) => void][] = [
  ["zero-width layer", (ir) => ir.columns[0]!.layers[0] && (ir.columns[0]!.layers[0].units = 0)],
  ["dropout of 1", (ir) => ir.columns[0]!.layers[0] && (ir.columns[0]!.layers[0].dropout = 1)],
  [
    "unknown activation",
    (ir) => ((ir.columns[0]!.layers[0] as { activation: string }).activation = "swish"),
  ],
  ["fractional batch", (ir) => (ir.stages[0]!.batchSize = 2.5)],
  ["negative learning rate", (ir) => (ir.stages[0]!.optimizer.learningRate = -1)],
  ["missing evaluation", (ir) => delete (ir as Partial<Ir>).evaluation],
  ["extra property", (ir) => ((ir as unknown as Record<string, unknown>)["extra"] = 1)],
  ["wrong IR version", (ir) => ((ir as { irVersion: number }).irVersion = 2)],
  ["one-fold split", (ir) => (ir.evaluation.folds = { kind: "stratified", k: 1 })],
  ["duplicate metric", (ir) => (ir.evaluation.metrics = ["uar", "uar"])],
  ["layer 0", (ir) => ir.stages[0]!.freeze.push({ column: "x", layer: 0 })],
  ["bad name", (ir) => (ir.name = "2fast")],
  [
    "non-softmax head",
    (ir) => ((ir.columns[0]!.head as { activation: string }).activation = "relu"),
  ],
  ["repeated training fold count", (ir) => (ir.stages[0]!.trainFolds = [2, 2])],
  ["one class", (ir) => (ir.tasks[0]!.classes = ["a"])],
  ["empty file name", (ir) => (ir.datasets[0]!.file = "")],
  ["32-bit seed overflow", (ir) => (ir.evaluation.seed = 2 ** 32)],
];

describe("IR schema", () => {
  it("is a valid draft-07 schema that compiles in ajv's strict mode", () => {
    expect(() =>
      new Ajv({ ...ajvOptions, strict: true, strictTypes: false }).compile(schema),
    ).not.toThrow();
  });

  it("accepts every example IR", () => {
    expect(validIrs.length).toBe(exampleSpecs.length);
    for (const ir of validIrs) expect(runtime(ir), JSON.stringify(runtime.errors)).toBe(true);
  });

  for (const [name, breakIr] of breakers) {
    it(`rejects an IR with a ${name}`, () => {
      const ir = structuredClone(validIrs[0]!);
      breakIr(ir);
      expect(runtime(ir)).toBe(false);
    });
  }

  it("the precompiled validator agrees with a run-time compile", async () => {
    // Inside the repository, so the module's `require("ajv/…")` resolves.
    const cache = join(repoRoot, "node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, "pnnc-validator-"));
    const file = join(dir, "ir-validator.mjs");
    writeFileSync(file, validatorSource());
    // The generated module `require`s ajv's runtime helpers, resolved from the repository.
    const precompiled = ((await import(pathToFileURL(file).href)) as { default: ValidateFunction })
      .default;
    for (const ir of validIrs) expect(precompiled(ir)).toBe(true);
    for (const [, breakIr] of breakers) {
      const ir = structuredClone(validIrs[0]!);
      breakIr(ir);
      expect(precompiled(ir)).toBe(runtime(ir));
    }
  });
});
