/**
 * Phase 2, AST → IR: resolve defaults, expand `repeat`, turn layer names into indices, and record
 * where every IR value came from in a SpanIndex kept beside the IR.
 * In: an error-free AST. Out: an unvalidated IR (plain JSON) plus spans and structural diagnostics;
 * the schema (validate-schema.ts) and the semantic checks run on the result.
 */
import type * as A from "../syntax/ast.js";
import type { Result } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/source-file.js";
import { IR_VERSION } from "./types.js";
import { LoweringContext, type JsonObject } from "./lowering-context.js";
import { lowerDataset, lowerTask } from "./lower-data.js";
import { lowerColumn } from "./lower-column.js";
import { lowerEvaluation, lowerStages } from "./lower-training.js";
import type { SpanIndex } from "./span-index.js";

export interface Lowered {
  ir: JsonObject;
  spans: SpanIndex;
}

export function lower(file: SourceFile, spec: A.Spec): Result<Lowered> {
  const ctx = new LoweringContext(file);
  ctx.spans.set("", spec.header.range);
  if (typeof spec.header.version.value === "number") ctx.language = spec.header.version.value;
  const byKind = (kind: A.DeclKind) => spec.decls.filter((d) => d.kind === kind);
  const single = (kind: "training" | "evaluation"): A.Decl | undefined => {
    const [first, ...rest] = byKind(kind);
    for (const extra of rest) {
      ctx.report("PNN3002", extra.keyRange, `the spec has more than one \`${kind}\` block`, {
        labels: first ? [{ range: first.keyRange, message: "first block here" }] : [],
        hint: `merge them into one \`${kind}\` block`,
      });
    }
    return first;
  };
  const ir: JsonObject = {
    irVersion: IR_VERSION,
    language: ctx.value("/language", spec.header.version),
    name: ctx.at("/name", spec.header.name.range, spec.header.name.text),
    datasets: byKind("dataset").map((d, i) => lowerDataset(ctx, d, `/datasets/${i}`)),
    tasks: byKind("task").map((d, i) => lowerTask(ctx, d, `/tasks/${i}`)),
    columns: byKind("column").map((d, i) => lowerColumn(ctx, d, `/columns/${i}`)),
    stages: lowerStages(ctx, single("training")),
    evaluation: lowerEvaluation(ctx, single("evaluation")),
  };
  return { value: { ir, spans: ctx.spans }, diagnostics: ctx.diagnostics };
}
