/**
 * Gathers what a report shows from a results directory: `pnnc compare`'s (compare.json, results/,
 * specs/) or `pnnc run`'s (results.json, spec.pnn). Results are validated against the committed
 * schema and specs recompiled for their architecture, so a damaged directory is a clear problem.
 * In: a directory. Out: a ReportInput, or a problem naming the file at fault.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { compileSpec } from "../compile.js";
import { compareDocument, type ComparisonDocument } from "../engine/compare.js";
import resultsSchema from "../engine/results.schema.json" with { type: "json" };
import type { ResultsDocument, RunResults } from "../runtime/results.js";
import type { ReportInput, ReportSpec } from "./html.js";

type Loaded<T> = { value: T } | { problem: string };

function readJson(path: string): Loaded<unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { problem: `cannot read \`${path}\`` };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { problem: `\`${path}\` is not valid JSON: ${(e as Error).message}` };
  }
}

let validateResults: ((x: unknown) => boolean) | null = null;
let validateComparison: ((x: unknown) => boolean) | null = null;

const number = { type: "number" };
const maybeNumber = { type: ["number", "null"] };
const string = { type: "string" };
const name = { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" };
/** What the report reads of compare.json; names become file paths, so they must be spec names. */
const comparisonSchema = {
  type: "object",
  required: ["task", "specs", "methods", "statistics", "sources"],
  // Runs left out with `--keep-going`: the same shape as results.json's.
  definitions: {
    FailedRun: resultsSchema.definitions.FailedRun,
    Ordinal: resultsSchema.definitions.Ordinal,
  },
  properties: {
    failedRuns: { type: "array", items: { $ref: "#/definitions/FailedRun" } },
    task: string,
    specs: {
      type: "array",
      minItems: 1,
      items: { type: "object", required: ["name"], properties: { name } },
    },
    methods: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "spec", "column"],
        properties: { name: string, spec: { type: "integer", minimum: 0 }, column: name },
      },
    },
    statistics: {
      type: "object",
      required: [
        "methods",
        "pairs",
        "alpha",
        "testTrainRatio",
        "best",
        "baseline",
        "betterThanBaseline",
      ],
      properties: {
        methods: {
          type: "array",
          items: {
            type: "object",
            required: ["method", "runs", "mean", "std", "withinFoldStd"],
            properties: {
              method: string,
              runs: { type: "integer" },
              mean: maybeNumber,
              std: maybeNumber,
              withinFoldStd: maybeNumber,
            },
          },
        },
        pairs: {
          type: "array",
          items: {
            type: "object",
            required: ["a", "b", "meanDiff", "t", "df", "p"],
            properties: {
              a: string,
              b: string,
              meanDiff: maybeNumber,
              t: maybeNumber,
              df: number,
              p: maybeNumber,
            },
          },
        },
        alpha: number,
        testTrainRatio: number,
        best: { type: ["string", "null"] },
        baseline: { type: ["string", "null"] },
        betterThanBaseline: { type: "array", items: string },
      },
    },
    sources: {
      type: "array",
      items: {
        type: "object",
        required: ["column", "task", "runs", "uarMean", "accuracyMean"],
        properties: {
          column: string,
          task: string,
          runs: { type: "integer" },
          uarMean: number,
          accuracyMean: number,
        },
      },
    },
  },
};

function readResults(path: string): Loaded<ResultsDocument> {
  const json = readJson(path);
  if ("problem" in json) return json;
  validateResults ??= new Ajv({ allErrors: false }).compile(resultsSchema);
  if (!validateResults(json.value))
    return {
      problem: `\`${path}\` is not a pnnc results file (it does not match the results schema)`,
    };
  return { value: json.value as ResultsDocument };
}

function readSpec(path: string, name: string, results: RunResults): Loaded<ReportSpec> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { problem: `cannot read \`${path}\`, the spec the results came from` };
  }
  const front = compileSpec(path, text);
  if (!front.ir) return { problem: `\`${path}\` no longer compiles; run \`pnnc check ${path}\`` };
  return { value: { name, text, ir: front.ir, results } };
}

export function loadReport(dir: string): Loaded<ReportInput> {
  const compare = readJson(join(dir, "compare.json"));
  if ("value" in compare) {
    const doc = compare.value as ComparisonDocument & {
      pnnc?: string;
      backend?: string;
      seconds?: number;
      specs?: { name: string }[];
    };
    validateComparison ??= new Ajv({ allErrors: false }).compile(comparisonSchema);
    if (!validateComparison(doc))
      return {
        problem: `\`${join(dir, "compare.json")}\` is not a pnnc comparison (it does not match its schema)`,
      };
    const specs: ReportSpec[] = [];
    for (const { name } of doc.specs ?? []) {
      const results = readResults(join(dir, "results", `${name}.json`));
      if ("problem" in results) return results;
      const spec = readSpec(join(dir, "specs", `${name}.pnn`), name, results.value);
      if ("problem" in spec) return spec;
      specs.push(spec.value);
    }
    return {
      value: {
        title: `pnnc compare: ${specs.map((s) => s.name).join(", ")}`,
        pnnc: doc.pnnc ?? "?",
        backend: doc.backend ?? "?",
        seconds: doc.seconds ?? 0,
        specs,
        comparison: doc,
      },
    };
  }
  const results = readResults(join(dir, "results.json"));
  if ("problem" in results)
    return {
      problem: `\`${dir}\` holds neither a comparison (compare.json) nor a run: ${results.problem}`,
    };
  const spec = readSpec(join(dir, "spec.pnn"), results.value.spec, results.value);
  if ("problem" in spec) return spec;
  const { ir } = spec.value;
  // A spec that lists methods to compare gets the statistics of `pnnc compare` too.
  const k = Math.max(...results.value.runs.map((r) => r.fold));
  const comparison =
    ir.evaluation.compare.length >= 2
      ? compareDocument([ir], [results.value], { task: null, baseline: null, k })
      : null;
  return {
    value: {
      title: `pnnc run: ${ir.name}`,
      pnnc: results.value.pnnc,
      backend: results.value.backend,
      seconds: results.value.seconds,
      specs: [spec.value],
      comparison,
    },
  };
}
