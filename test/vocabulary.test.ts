/**
 * Each word list is spelled once (src/runtime/vocabulary.ts) and everything else follows it: the
 * generated schemas' enums, the editor grammar's value words, and the runtime types that cannot
 * import the list yet (their equality with the list's types is checked at compile time here).
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import irSchema from "../src/ir/pnn-ir.schema.json" with { type: "json" };
import resultsSchema from "../src/engine/results.schema.json" with { type: "json" };
import type { FoldsIr, Ir } from "../src/ir/types.js";
import type { FoldScheme } from "../src/runtime/folds.js";
import type { CurveRecord } from "../src/runtime/results.js";
import type { CurvePoint, TrainingStage } from "../src/runtime/train.js";
import {
  ACTIVATIONS,
  BACKENDS,
  COUNTED_FOLD_KINDS,
  EARLY_STOPPING_METRICS,
  FOLD_KINDS,
  HEAD_ACTIVATIONS,
  LATERAL_KINDS,
  METRICS,
  MISSING_POLICIES,
  DUPLICATE_POLICIES,
  PATTERN_KINDS,
  NORMALIZE_MODES,
  OPTIMIZERS,
  RUN_WARNING_KINDS,
  TABLE_FORMATS,
  type EarlyStoppingMetric,
  type OptimizerName,
} from "../src/runtime/vocabulary.js";
import { textMateGrammar } from "../src/tools/grammar-artifacts.js";

type Schema = { [key: string]: unknown };

/** Every `enum` in a schema, in document order. */
function enums(schema: unknown): unknown[][] {
  if (Array.isArray(schema)) return schema.flatMap(enums);
  if (typeof schema !== "object" || schema === null) return [];
  const own = (schema as Schema)["enum"];
  return [...(Array.isArray(own) ? [own] : []), ...Object.values(schema).flatMap(enums)];
}

describe("vocabularies", () => {
  it("are the generated IR schema's enums, in their order", () => {
    const lists = [
      ACTIVATIONS,
      HEAD_ACTIVATIONS,
      OPTIMIZERS,
      EARLY_STOPPING_METRICS,
      METRICS,
      COUNTED_FOLD_KINDS,
      TABLE_FORMATS,
      NORMALIZE_MODES,
      MISSING_POLICIES,
      DUPLICATE_POLICIES,
      PATTERN_KINDS,
    ].map((l) => [...l]);
    const found = enums(irSchema);
    for (const list of lists) expect(found).toContainEqual(list);
    // No enum the schema holds comes from anywhere else.
    for (const e of found) expect(lists).toContainEqual(e);
  });

  it("are the results schema's backends and run warning kinds", () => {
    expect(enums(resultsSchema)).toEqual([[...BACKENDS], [...RUN_WARNING_KINDS]]);
  });

  it("are all highlighted by the editor grammar", () => {
    const grammar = textMateGrammar();
    const words = [
      ACTIVATIONS,
      HEAD_ACTIVATIONS,
      LATERAL_KINDS,
      OPTIMIZERS,
      EARLY_STOPPING_METRICS,
      METRICS,
      FOLD_KINDS,
      TABLE_FORMATS,
      NORMALIZE_MODES,
      MISSING_POLICIES,
      DUPLICATE_POLICIES,
    ].flat();
    for (const w of words) expect(grammar).toMatch(new RegExp(`[|:]${w}[|)]`));
  });

  it("type the runtime's and the IR's copies alike (checked by tsc)", () => {
    // The runtime and the IR name these separately; they must stay the lists' types.
    expectTypeOf<TrainingStage["optimizer"]["name"]>().toEqualTypeOf<OptimizerName>();
    expectTypeOf<
      NonNullable<TrainingStage["earlyStopping"]>["metric"]
    >().toEqualTypeOf<EarlyStoppingMetric>();
    expectTypeOf<CurvePoint>().toEqualTypeOf<CurveRecord>();
    expectTypeOf<FoldScheme>().toEqualTypeOf<FoldsIr>();
    expectTypeOf<Ir["evaluation"]["folds"]["kind"]>().toEqualTypeOf<(typeof FOLD_KINDS)[number]>();
  });
});
