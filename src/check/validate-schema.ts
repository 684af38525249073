/**
 * Phase 3, schema: validates the lowered IR against the committed JSON Schema (ajv) and turns each
 * violation into a located PNN2xxx diagnostic through the span index.
 * In: unvalidated IR + spans. Out: the IR typed as `Ir` when valid, and diagnostics.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import schema from "../ir/pnn-ir.schema.json" with { type: "json" };
import { makeDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Code } from "../diagnostics/catalog.js";
import type { SourceFile } from "../diagnostics/source-file.js";
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import type { Ir } from "../ir/types.js";
import type { SpanIndex } from "../ir/span-index.js";

let compiled: ValidateFunction | undefined;

/** Compiled once, on first use, so commands that never validate do not pay for it. */
export function irValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, discriminator: true, strict: false }).compile(schema);
  return compiled;
}

export function isValidIr(ir: unknown): ir is Ir {
  return irValidator()(ir) === true;
}

/** IR property → the spec keyword a user wrote (or would write) for it. */
const specWords: Record<string, string> = {
  language: "language version",
  batchSize: "batch",
  learningRate: "learning_rate",
  minDelta: "min_delta",
  trainFolds: "train_folds",
  validationFolds: "validation",
  k: "folds",
  dataset: "data",
  except: "except",
};

function describe(path: string): string {
  const segments = path.split("/").filter((s) => s !== "" && !/^\d+$/.test(s));
  const last = segments.at(-1) ?? "spec";
  const parent = segments.at(-2);
  if (last === "name" && parent === "optimizer") return "`optimizer`";
  if (last === "metric" && parent === "earlyStopping") return "`early_stop`";
  if (last === "units" && parent === "head") return "`head` width";
  if (last === "activation" && parent === "head") return "`head` activation";
  if (last === "units") return "`dense` width";
  return `\`${specWords[last] ?? last}\``;
}

const priority = ["required", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "type"];

/** One diagnostic per failing value: ajv reports each failed `oneOf` branch; keep the most telling. */
function bestPerPath(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject>();
  const rank = (e: ErrorObject) => {
    const r = priority.indexOf(e.keyword);
    return r < 0 ? priority.length : r;
  };
  for (const e of errors) {
    if (e.keyword === "oneOf" || e.keyword === "anyOf" || e.keyword === "if") continue;
    const key = e.keyword === "required" ? `${e.instancePath}/${String(e.params["missingProperty"])}` : e.instancePath;
    const seen = byPath.get(key);
    if (!seen || rank(e) < rank(seen)) byPath.set(key, e);
  }
  return [...byPath.values()];
}

export function validateSchema(file: SourceFile, ir: unknown, spans: SpanIndex): { ir: Ir | null; diagnostics: Diagnostic[] } {
  const validate = irValidator();
  if (validate(ir)) return { ir: ir as Ir, diagnostics: [] };
  const diagnostics = bestPerPath(validate.errors ?? []).map((e) => toDiagnostic(file, e, spans));
  return { ir: null, diagnostics };
}

function toDiagnostic(file: SourceFile, e: ErrorObject, spans: SpanIndex): Diagnostic {
  const range = spans.get(e.instancePath);
  const written = file.text.slice(range.start, range.end);
  const what = describe(e.instancePath);
  const make = (code: Code, message: string, hint?: string, suggestions?: string[]) =>
    makeDiagnostic(code, file, range, message, { hint, suggestions });
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "type": {
      const expected = p["type"] === "integer" ? "a whole number" : p["type"] === "number" ? "a number" : `a ${String(p["type"])}`;
      return make("PNN2001", `${what} takes ${expected}, found \`${written}\``);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return make(
        "PNN2002",
        `${what} must be ${String(p["comparison"])} ${String(p["limit"])}, found ${written}`,
      );
    case "enum": {
      const allowed = (p["allowedValues"] as unknown[]).map(String);
      const suggestions = closestNames(written.replace(/^"|"$/g, ""), allowed);
      return make(
        "PNN2003",
        `unknown ${what.replace(/`/g, "")} \`${written}\``,
        didYouMean(suggestions) ?? `expected one of ${allowed.map((a) => `\`${a}\``).join(", ")}`,
        suggestions,
      );
    }
    case "minItems":
      return make("PNN2004", `${what} needs at least ${String(p["limit"])} item${p["limit"] === 1 ? "" : "s"}`);
    case "uniqueItems": {
      const dup = spans.get(`${e.instancePath}/${String(p["i"])}`);
      return makeDiagnostic("PNN2004", file, dup, `${what} lists \`${file.text.slice(dup.start, dup.end)}\` twice`, {
        hint: "remove the repeated item",
      });
    }
    case "required": {
      const missing = String(p["missingProperty"]);
      return make("PNN2005", `missing \`${specWords[missing] ?? missing}\` here`, `add a \`${specWords[missing] ?? missing}\` setting to this block`);
    }
    default:
      return make("PNN2000", `${what} is invalid: ${e.message ?? e.keyword}`);
  }
}
