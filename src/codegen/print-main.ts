/**
 * Step 2b of `pnnc compile --target ts`: prints `main.ts`, the experiment: the spec's datasets and
 * tasks as data, the plan (stages, what each trains and freezes, how each column is built), the
 * evaluation protocol, and a main() that loads, splits, trains and writes results.json (and the spec
 * beside it) as `pnnc run`.
 * In: the codegen model and where the runtime and the spec's directory are. Out: TypeScript source.
 */
import type { DatasetIr, StageIr, TaskIr } from "../ir/types.js";
import { BACKENDS } from "../runtime/vocabulary.js";
import type { ProgramModel } from "./model.js";

const str = (s: string) => JSON.stringify(s);
/** One line; prettier breaks it where it does not fit, so short objects stay on one line. */
const json = (v: unknown) => JSON.stringify(v);

export interface MainContext {
  /** Import path of the runtime folder from the program (`./runtime`, `../runtime`). */
  runtime: string;
  /** The spec's directory relative to the program's package root. */
  specDir: string;
  /** sha256 of the IR and compiler version (runtime/files.ts specDigest). */
  specDigest: string;
  /** The spec's text, written beside the results so that `pnnc report` reads them as a run's. */
  specSource: string;
  version: string;
  header: string;
}

export function printMain(model: ProgramModel, ctx: MainContext): string {
  const { ir } = model;
  const rt = ctx.runtime;
  return `${ctx.header}
/**
 * \`${ir.name}\` (${model.specPath}) as a standalone training program:
 *
 *   1 load every dataset   2 assign folds per repeat   3 train the stages on every fold and repeat
 *   4 write results.json in \`pnnc run\`'s format
 *
 * Usage: node main.js [--out DIR] [--backend ${BACKENDS.join("|")}] [--spec-dir DIR]
 */
import { realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BACKENDS, selectBackend, type BackendName } from "${rt}/backends.js";
import type { Column } from "${rt}/column.js";
import { runExperiment, type DriverOptions, type Plan } from "${rt}/driver.js";
import { writeFileAtomic } from "${rt}/atomic-files.js";
import { runHash, packageRoot } from "${rt}/files.js";
import { splitDataset, type DatasetSplits, type SplitSettings } from "${rt}/folds.js";
import type { ResultsDocument } from "${rt}/results.js";
import { TrainingDiverged } from "${rt}/train.js";
import { DataError, loadRows,${linkedDatasets(model).length > 0 ? " sameFeatures," : ""} type DatasetSpec, type LoadedRows, type TaskSpec } from "${rt}/table.js";
import { ${model.columns.map((c) => c.className).join(", ")} } from "./columns.js";

/** Dataset paths are relative to the spec's directory, found from this program's package root. */
const SPEC_DIR = join(packageRoot(import.meta.url), ${str(ctx.specDir)});
/** The spec as compiled: results carry it, with the data files' bytes, as \`specHash\`. */
const SPEC_DIGEST = ${str(ctx.specDigest)};
/** The spec's text: written beside results.json as spec.pnn, as \`pnnc run\` does, for \`pnnc report\`. */
const SPEC_SOURCE = ${str(ctx.specSource)};
const GENERATOR = ${str(ctx.version)};

${ir.datasets.map((d, i) => printDataset(model, d, i)).join("\n\n")}

${ir.tasks.map((t, i) => printTask(model, t, i)).join("\n\n")}

${printPlan(model)}

/** The evaluation protocol (line ${model.lineOf("/evaluation")}). */
export const evaluation: SplitSettings = ${json({
    scheme: ir.evaluation.folds,
    repeats: ir.evaluation.repeats,
    seed: ir.evaluation.seed,
    validationFolds: ir.evaluation.validationFolds,
  })};

${printLoad(model)}

export interface MainOptions {
  out?: string;
  backend?: BackendName;
  specDir?: string;
  progress?: (message: string) => void;
  /** Called after each (repeat, fold) run with its trained columns, before they are freed. */
  onRunEnd?: DriverOptions<Column>["onRunEnd"];
}

/** What results.json holds, in \`pnnc run\`'s format. */
export type { ResultsDocument };

/** Trains and evaluates everything; writes OUT/results.json and returns what it wrote. */
export async function main(opts: MainOptions = {}): Promise<ResultsDocument> {
  const backend = await selectBackend(opts.backend);
  if ("problem" in backend) throw new DataError(backend.problem);
  const data = loadData(opts.specDir ?? SPEC_DIR);
  const started = performance.now();
  const results = await runExperiment(backend.tf, plan, data, {
    progress: opts.progress,
    onRunEnd: opts.onRunEnd,
  });
  const document: ResultsDocument = {
    pnnc: GENERATOR,
    spec: ${str(ir.name)},
    specHash: runHash(SPEC_DIGEST, data.files),
    backend: backend.name,
    seconds: (performance.now() - started) / 1000,
    ...results,
  };
  const out = opts.out ?? join("results", ${str(`${ir.name}-ts`)});
  writeFileAtomic(join(out, "spec.pnn"), SPEC_SOURCE, { makeDirs: true });
  writeFileAtomic(join(out, "results.json"), JSON.stringify(document, null, 2) + "\\n", { makeDirs: true });
  return document;
}

function cli(): void {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      backend: { type: "string" },
      "spec-dir": { type: "string" },
    },
  });
  const backend = values.backend;
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
    process.stderr.write(\`unknown backend \\\`\${backend}\\\`; choose one of \${BACKENDS.join(", ")}\\n\`);
    process.exit(2);
  }
  main({
    out: values.out,
    backend: backend as BackendName | undefined,
    specDir: values["spec-dir"],
    progress: (m) => process.stderr.write(\`\${m}\\n\`),
  }).then(
    (doc) => {
      for (const s of doc.summary)
        process.stdout.write(\`\${s.column}: test UAR \${s.uarMean.toFixed(3)} ± \${s.uarStd.toFixed(3)} over \${s.runs} runs\\n\`);
    },
    (e: unknown) => {
      // Bad data, a missing backend and a diverged training are the user's to fix: a message,
      // not a stack trace.
      if (e instanceof TrainingDiverged) {
        process.stderr.write(\`error: \${e.message}\\n  hint: \${e.hint}\\n\`);
        process.exit(1);
      }
      if (!(e instanceof DataError)) throw e;
      process.stderr.write(\`error: \${e.message}\\n\`);
      process.exit(1);
    },
  );
}

/** Whether node was asked to run this module (through a symlink, or without \`.js\`, too). */
function isEntry(): boolean {
  const argv = process.argv[1];
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return null;
    }
  };
  const self = real(fileURLToPath(import.meta.url));
  return argv !== undefined && self !== null && [argv, \`\${argv}.js\`].some((p) => real(p) === self);
}

if (isEntry()) cli();
`;
}

function printDataset(model: ProgramModel, d: DatasetIr, i: number): string {
  const { normalize, ...spec } = d;
  void normalize; // normalisation is per task in the plan (fitted per run on training rows)
  return `/** Dataset \`${d.id}\` (line ${model.lineOf(`/datasets/${i}`)}). */
export const ${model.datasetConsts.get(d.id)}: DatasetSpec = ${json(spec)};`;
}

function printTask(model: ProgramModel, t: TaskIr, i: number): string {
  const { dataset, ...spec } = t;
  void dataset;
  return `/** Task \`${t.id}\` on \`${t.dataset}\` (line ${model.lineOf(`/tasks/${i}`)}). */
export const ${model.taskConsts.get(t.id)}: TaskSpec = ${json(spec)};`;
}

function printStage(model: ProgramModel, stage: StageIr, i: number): string {
  const frozen = stage.freeze.map((f) =>
    f.layer === null ? f.column : `${f.column}.${f.layer === "head" ? "head" : `h${f.layer}`}`,
  );
  const layers = new Map<string, (number | "head")[]>();
  for (const f of stage.freeze)
    if (f.layer !== null) layers.set(f.column, [...(layers.get(f.column) ?? []), f.layer]);
  const { id, train, trainFolds, freeze, ...settings } = stage;
  void freeze;
  return `    // Stage \`${id}\` (line ${model.lineOf(`/stages/${i}`)}): trains ${train.map((c) => `\`${c}\``).join(", ")}${frozen.length ? `; frozen: ${frozen.map((f) => `\`${f}\``).join(", ")}` : ""}.
    {
      id: ${str(id)},
      train: ${json(train)},
      frozenLayers: new Map(${json([...layers])}),
      settings: ${json(settings)},
      trainFolds: ${json(trainFolds)},
    },`;
}

function printPlan(model: ProgramModel): string {
  const { ir } = model;
  const normalizeOf = new Map(ir.datasets.map((d) => [d.id, d.normalize]));
  const tasks = ir.tasks.map((t) => [
    t.id,
    { dataset: t.dataset, normalize: normalizeOf.get(t.dataset) },
  ]);
  const columns = model.columns.map(
    (c) =>
      `    [${str(c.id)}, { task: ${str(c.task)}, init: ${c.init === null ? "null" : str(c.init)}, build: (tf, inputDim, classes, built, seed, initFrom) => new ${c.className}(tf, inputDim, classes, built, seed, initFrom) }],`,
  );
  return `/**
 * What to train, in order. Earlier stages' columns stay frozen in later ones (pnnc's frozen-column
 * semantics); each stage's settings are resolved from the \`training\` block.
 */
export const plan: Plan<Column> = {
  repeats: ${ir.evaluation.repeats},
  tasks: new Map(${json(tasks)}),
  columns: new Map([
${columns.join("\n")}
  ]),
  stages: [
${ir.stages.map((s, i) => printStage(model, s, i)).join("\n")}
  ],
};`;
}

/** Pairs of datasets that some column reads across (laterals or `init from`). */
function linkedDatasets(model: ProgramModel): [string, string][] {
  const { ir } = model;
  const datasetOf = (column: string) => {
    const task = ir.columns.find((c) => c.id === column)?.task;
    return ir.tasks.find((t) => t.id === task)?.dataset ?? "";
  };
  const pairs = new Map<string, [string, string]>();
  for (const column of ir.columns) {
    const mine = datasetOf(column.id);
    for (const source of [
      ...column.laterals.flatMap((l) => l.from),
      ...(column.init ? [column.init] : []),
    ]) {
      const theirs = datasetOf(source);
      if (theirs !== mine) pairs.set(`${mine}\u0000${theirs}`, [mine, theirs]);
    }
  }
  return [...pairs.values()];
}

/** loadData(): every dataset with the tasks that read it, then its folds for every repeat. */
function printLoad(model: ProgramModel): string {
  const { ir } = model;
  const loads = ir.datasets.map((d) => {
    const tasks = ir.tasks.filter((t) => t.dataset === d.id);
    const taskConsts = tasks.map((t) => model.taskConsts.get(t.id));
    return `    [${str(d.id)}, loadRows(${model.datasetConsts.get(d.id)}, [${taskConsts.join(", ")}], specDir)],`;
  });
  return `/** Every dataset with the labels of the tasks that read it, and its folds for every repeat. */
export function loadData(specDir: string): {
  datasets: Map<string, LoadedRows>;
  splits: Map<string, DatasetSplits>;
  files: { id: string; sha256: string }[];
} {
  const datasets = new Map<string, LoadedRows>([
${loads.join("\n")}
  ]);
${linkedDatasets(model)
  .map(
    ([a, b]) =>
      `  sameFeatures(datasets.get(${str(a)}) as LoadedRows, datasets.get(${str(b)}) as LoadedRows, [${str(a)}, ${str(b)}]);`,
  )
  .join("\n")}
  const splits = new Map<string, DatasetSplits>();
  for (const [id, rows] of datasets) {
    const split = splitDataset([...rows.tasks.values()].map((t) => t.y), rows.groups, evaluation, id);
    if ("code" in split) throw new DataError(\`dataset \\\`\${id}\\\`: \${split.message}\`);
    splits.set(id, split);
  }
  const files = [...datasets].map(([id, rows]) => ({ id, sha256: rows.sha256 }));
  return { datasets, splits, files };
}`;
}
