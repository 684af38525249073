/**
 * Phase 3, schema: validates the lowered IR against the committed JSON Schema (ajv) and turns each
 * violation into a located PNN2xxx diagnostic through the span index.
 * In: unvalidated IR + spans. Out: the IR typed as `Ir` when valid, and diagnostics.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import schema from "../ir/pnn-ir.schema.json" with { type: "json" };
import { makeDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Code } from "../diagnostics/catalog.js";
import type { SourceFile } from "../diagnostics/source-file.js";
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import { ajvOptions, uniqueListKeyword, validatorSchema } from "./ajv-options.js";
import type { Ir } from "../ir/types.js";
import type { SpanIndex } from "../ir/span-index.js";

/**
 * The build precompiles the schema (tools/build-validator.ts); when run from source (tests) the
 * precompiled module is absent and the schema is compiled here, with the same options.
 */
const validator: ValidateFunction = await import(
  new URL("./ir-validator.js", import.meta.url).href
).then(
  (m: { default: ValidateFunction }) => m.default,
  async () =>
    new (await import("ajv")).Ajv(ajvOptions)
      .addKeyword(uniqueListKeyword)
      .compile(validatorSchema(schema)),
);

export function irValidator(): ValidateFunction {
  return validator;
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

const priority = [
  "required",
  "enum",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "uniqueItems",
  "pnnUniqueItems",
  "minItems",
  "maxItems",
  "maxLength",
  "type",
  "const",
];

/** One diagnostic per failing value: ajv reports each failed `oneOf` branch; keep the most telling. */
function bestPerPath(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject>();
  const rank = (e: ErrorObject) => {
    const r = priority.indexOf(e.keyword);
    return r < 0 ? priority.length : r;
  };
  for (const e of errors) {
    if (e.keyword === "oneOf" || e.keyword === "anyOf" || e.keyword === "if") continue;
    // `T | null` values: the failed `null` branch says nothing about what was written.
    if (e.keyword === "type" && e.params["type"] === "null") continue;
    const key =
      e.keyword === "required"
        ? `${e.instancePath}/${String(e.params["missingProperty"])}`
        : e.instancePath;
    const seen = byPath.get(key);
    if (!seen || rank(e) < rank(seen)) byPath.set(key, e);
  }
  return [...byPath.values()];
}

export function validateSchema(
  file: SourceFile,
  ir: unknown,
  spans: SpanIndex,
): { ir: Ir | null; diagnostics: Diagnostic[] } {
  const validate = irValidator();
  if (validate(ir)) return { ir: ir as Ir, diagnostics: [] };
  const diagnostics = bestPerPath(validate.errors ?? []).map((e) =>
    toDiagnostic(file, e, spans, ir),
  );
  return { ir: null, diagnostics };
}

/** What a user calls the object at an IR path: "dataset `d`", "stage `s`", "this lateral". */
function objectName(ir: unknown, path: string): string {
  const [kind, index, sub] = path.split("/").slice(1);
  const list = (ir as Record<string, unknown>)[kind ?? ""];
  const item = Array.isArray(list)
    ? (list[Number(index)] as { id?: unknown } | undefined)
    : undefined;
  const singular: Record<string, string> = {
    datasets: "dataset",
    tasks: "task",
    columns: "column",
    stages: "stage",
  };
  if (sub === "laterals") return "this lateral";
  if (item && typeof item.id === "string" && kind && singular[kind])
    return `${singular[kind]} \`${item.id}\``;
  return "this block";
}

function toDiagnostic(file: SourceFile, e: ErrorObject, spans: SpanIndex, ir: unknown): Diagnostic {
  const range = spans.get(e.instancePath);
  const written = file.text.slice(range.start, range.end);
  const what = describe(e.instancePath);
  const make = (code: Code, message: string, hint?: string, suggestions?: string[]) =>
    makeDiagnostic(code, file, range, message, { hint, suggestions });
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "type": {
      const expected =
        p["type"] === "integer"
          ? "a whole number"
          : p["type"] === "number"
            ? "a number"
            : `a ${String(p["type"])}`;
      return make("PNN2001", `${what} takes ${expected}, found \`${written}\``);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return make(
        "PNN2002",
        `${what} must be ${String(p["comparison"])} ${String(p["limit"])}, found ${written}`,
        // A budget of no epochs would train nothing and leave the columns at their random weights.
        e.keyword === "minimum" && e.instancePath.endsWith("/epochs")
          ? "a budget of 0 epochs trains nothing: give at least 1"
          : undefined,
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
      return make(
        "PNN2004",
        `${what} needs at least ${String(p["limit"])} item${p["limit"] === 1 ? "" : "s"}`,
      );
    case "uniqueItems":
    case "pnnUniqueItems": {
      const dup = spans.get(`${e.instancePath}/${String(p["i"])}`);
      return makeDiagnostic(
        "PNN2004",
        file,
        dup,
        `${what} lists \`${file.text.slice(dup.start, dup.end)}\` twice`,
        {
          hint: "remove the repeated item",
        },
      );
    }
    case "required": {
      const missing = String(p["missingProperty"]);
      const word = specWords[missing] ?? missing;
      return make(
        "PNN2005",
        `${objectName(ir, e.instancePath)} has no \`${word}\``,
        `add a \`${word}\` setting`,
      );
    }
    default:
      return make("PNN2000", `${what} is invalid: ${e.message ?? e.keyword}`);
  }
}
