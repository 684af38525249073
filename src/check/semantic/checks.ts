/**
 * Phase 4, semantics: the table of checks, keyed by the IR node kind each one inspects
 * (Langium's registry style). Adding a check is one line here plus its function.
 * In: a schema-valid IR + spans. Out: PNN3xxx diagnostics.
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { SourceFile } from "../../diagnostics/source-file.js";
import type { SpanIndex } from "../../ir/span-index.js";
import type { ColumnIr, Ir, TaskIr } from "../../ir/types.js";
import { LANGUAGE_VERSION } from "../../version.js";
import { CheckContext } from "./context.js";
import {
  checkDuplicateLinks,
  checkHeadSize,
  checkInitShape,
  checkLateralLayers,
  checkSourceFeatures,
} from "./columns.js";
import { checkClassMap, checkLabelLeak } from "./data.js";
import { checkDerivedNames } from "./derive.js";
import {
  checkComparison,
  checkEarlyStopping,
  checkFoldCounts,
  checkFoldGroups,
} from "./evaluation.js";
import { checkDuplicateNames, checkReferences } from "./names.js";
import {
  checkFrozenSets,
  checkLateralSourcesFrozen,
  checkOptimizerSettings,
  checkSomethingToTrain,
  checkSourcesEarlier,
  checkTrainedOnce,
} from "./stages.js";

type NodeCheck<T> = (ctx: CheckContext, node: T, path: string) => void;

export const checks: {
  spec: ((ctx: CheckContext) => void)[];
  task: NodeCheck<TaskIr>[];
  column: NodeCheck<ColumnIr>[];
} = {
  spec: [
    checkLanguageVersion,
    checkSomethingToTrain,
    checkDuplicateNames,
    checkReferences,
    checkTrainedOnce,
    checkSourcesEarlier,
    checkFrozenSets,
    checkLateralSourcesFrozen,
    checkOptimizerSettings,
    checkFoldGroups,
    checkFoldCounts,
    checkEarlyStopping,
    checkComparison,
    checkDerivedNames,
  ],
  task: [checkClassMap, checkLabelLeak],
  column: [
    checkLateralLayers,
    checkDuplicateLinks,
    checkHeadSize,
    checkInitShape,
    checkSourceFeatures,
  ],
};

function checkLanguageVersion(ctx: CheckContext): void {
  const v = ctx.ir.language;
  if (Number.isInteger(v) && v >= 1 && v <= LANGUAGE_VERSION) return;
  ctx.report(
    "PNN3021",
    "/language",
    `language version ${v} is not supported; this pnnc reads versions 1 to ${LANGUAGE_VERSION}`,
    {
      hint:
        v > LANGUAGE_VERSION
          ? "the spec was written for a newer pnnc; upgrade pnnc"
          : "migrate the spec with `pnnc upgrade`",
    },
  );
}

export function checkSemantics(file: SourceFile, ir: Ir, spans: SpanIndex): Diagnostic[] {
  const ctx = new CheckContext(file, ir, spans);
  for (const check of checks.spec) check(ctx);
  ir.tasks.forEach((t, i) => checks.task.forEach((check) => check(ctx, t, `/tasks/${i}`)));
  ir.columns.forEach((c, i) => checks.column.forEach((check) => check(ctx, c, `/columns/${i}`)));
  return ctx.diagnostics;
}
