/**
 * `pnnc compare FILE... [--out DIR] [--task T] [--baseline M] [--df N] [--workers N] [--backend B]`:
 * runs several methods (one spec each, or one spec with `compare [...]`) on identical folds and
 * repeats, trains a column that several specs declare identically once per run, and compares the
 * methods with the corrected repeated k-fold CV t-test. Writes DIR/compare.json, each spec's
 * results as DIR/results/NAME.json, the specs as DIR/specs/NAME.pnn, and DIR/report.html.
 * In: parsed arguments. Out: an exit code (0 ok, 1 spec, data or protocol problem, 2 usage).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { compileSpec } from "../compile.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { loadSpecData, type SpecData } from "../data/load.js";
import { columnKeys, datasetIdentities } from "../store/column-key.js";
import { compareDocument, methodsOf, renderComparison } from "../engine/compare.js";
import type { ColumnModel } from "../engine/column-model.js";
import { planOf } from "../engine/run-spec.js";
import type { Ir } from "../ir/types.js";
import { BACKENDS, selectBackend, type BackendName } from "../runtime/backends.js";
import { runMethods, type Method } from "../runtime/driver.js";
import { runHash, specDigest } from "../runtime/files.js";
import type { RunRecord, RunResults } from "../runtime/results.js";
import { PNNC_VERSION } from "../version.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { readBytes, writeFileAtomic } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";
import { writeReport } from "./report-command.js";
import { fileStore, progressReporter, runInWorkers } from "./run-command.js";

export interface CompareOptions {
  out?: string;
  backend?: string;
  task?: string;
  baseline?: string;
  df?: string;
  repeats?: string;
  workers?: string;
  json?: boolean;
  /** false (`--no-frozen-cache`): recompute frozen sources every batch (for the bench). */
  frozenCache?: boolean;
}

interface Spec {
  file: string;
  ir: Ir;
  data: SpecData;
  hash: string;
}

export interface PreparedCompare {
  specs: Spec[];
  backend: BackendName;
  out: string;
  pending: [number, number][];
  shared: number;
  execute(extra: {
    progress?: (m: string) => void;
    only?: (repeat: number, fold: number) => boolean;
  }): Promise<RunResults[]>;
}

/** The protocol every method must share, as text (to name the one that differs). */
function protocol(ir: Ir): string {
  const e = ir.evaluation;
  const folds =
    e.folds.kind === "leave_one_group_out" ? e.folds.kind : `${e.folds.k} ${e.folds.kind}`;
  return `folds ${folds}, ${e.repeats} repeats, seed ${e.seed}, ${e.validationFolds} validation folds`;
}

/** Spec names must be distinct: they name methods and files. */
function uniqueNames(specs: { ir: Ir }[]): string | null {
  const seen = new Set<string>();
  for (const { ir } of specs) {
    if (seen.has(ir.name)) return ir.name;
    seen.add(ir.name);
  }
  return null;
}

export async function prepareCompare(
  files: string[],
  opts: Pick<CompareOptions, "out" | "backend" | "frozenCache" | "task">,
  { quiet = false } = {},
): Promise<PreparedCompare | number> {
  if (opts.backend !== undefined && !(BACKENDS as readonly string[]).includes(opts.backend)) {
    printProblem(`unknown backend \`${opts.backend}\`; choose one of ${BACKENDS.join(", ")}`);
    return EXIT_USAGE;
  }
  const specs: Spec[] = [];
  for (const file of files) {
    const read = readBytes(file);
    if ("problem" in read) {
      printProblem(read.problem);
      return EXIT_USAGE;
    }
    const front = compileSpec(file, read.bytes);
    if (!quiet) printDiagnostics(front.diagnostics, [front.file]);
    if (!front.ir || !front.spans || hasErrors(front.diagnostics)) return EXIT_FAILED;
    const loaded = await loadSpecData(
      { file: front.file, ir: front.ir, spans: front.spans },
      dirname(file),
    );
    if (!quiet) printDiagnostics(loaded.diagnostics, [front.file]);
    if (!loaded.value) return EXIT_FAILED;
    const hash = runHash(specDigest(JSON.stringify(front.ir), PNNC_VERSION), [
      ...loaded.value.datasets.values(),
    ]);
    specs.push({ file, ir: front.ir, data: loaded.value, hash });
  }
  const first = specs[0];
  if (!first) return EXIT_USAGE;
  const duplicate = uniqueNames(specs);
  if (duplicate) {
    printProblem(`two specs are named \`${duplicate}\`; method names come from spec names`);
    return EXIT_FAILED;
  }
  for (const spec of specs.slice(1)) {
    if (protocol(spec.ir) !== protocol(first.ir)) {
      printProblem(
        `\`${spec.file}\` uses ${protocol(spec.ir)}, but \`${first.file}\` uses ${protocol(first.ir)}\n  = hint: methods are compared run by run, so every spec needs the same \`evaluation\` protocol`,
      );
      return EXIT_FAILED;
    }
  }
  // Paired runs need identical folds: the same table and protocol give them (folds depend on
  // nothing else); a spec on other data would silently compare different runs.
  const identities = specs.map((s) => datasetIdentities(s.data));
  const compared = methodsOf(
    specs.map((s) => s.ir),
    opts.task ?? null,
  );
  if (compared.methods.length < 2) {
    printProblem(
      `found ${compared.methods.length} method${compared.methods.length === 1 ? "" : "s"} on task \`${compared.task}\`; compare needs two or more (one spec each, or \`compare [...]\` in one spec)`,
    );
    return EXIT_USAGE;
  }
  const taskOf = (spec: Spec, column: string) =>
    spec.ir.tasks.find((t) => t.id === spec.ir.columns.find((c) => c.id === column)?.task);
  // The same test rows and classes: the same data and folds, and the same task definition.
  const sameRuns = compared.methods.map((m) => {
    const spec = specs[m.spec];
    const task = spec && taskOf(spec, m.column);
    return JSON.stringify({
      data: spec && task ? identities[m.spec]?.get(task.dataset) : null,
      task: task && {
        label: task.label,
        classes: task.classes,
        merge: task.merge,
        drop: task.drop,
      },
    });
  });
  const odd = sameRuns.findIndex((f) => f !== sameRuns[0]);
  if (odd >= 0) {
    const m = compared.methods[odd];
    printProblem(
      `method \`${m?.name}\` is evaluated on other data, folds or classes than \`${compared.methods[0]?.name}\`\n  = hint: compare methods on the same data file and protocol, with the same label, classes, merge and drop`,
    );
    return EXIT_FAILED;
  }
  const backend = await selectBackend(opts.backend as BackendName | undefined);
  if ("problem" in backend) {
    printProblem(backend.problem);
    return EXIT_FAILED;
  }
  const out = opts.out ?? join("results", `compare-${specs.map((s) => s.ir.name).join("-")}`);
  const hash = specDigest(specs.map((s) => s.hash).join("\u0000"), PNNC_VERSION);
  const store = fileStore<RunRecord[]>(join(out, "runs"), hash, backend.name);
  if (!store) {
    printProblem(`cannot create \`${join(out, "runs")}\``);
    return EXIT_FAILED;
  }
  const methods: Method<ColumnModel>[] = specs.map((spec, i) => ({
    name: spec.ir.name,
    plan: { ...planOf(spec.ir), keys: columnKeys(spec.ir, identities[i] ?? new Map()) },
    data: spec.data,
  }));
  // How many column trainings per run sharing saves: keys declared by more than one spec.
  const keyCounts = new Map<string, number>();
  for (const m of methods)
    for (const k of m.plan.keys?.values() ?? []) keyCounts.set(k, (keyCounts.get(k) ?? 0) + 1);
  const shared = [...keyCounts.values()].reduce((n, c) => n + c - 1, 0);
  const pending: [number, number][] = [];
  const runs = Math.max(...[...first.data.splits.values()].map((s) => s.runs[0]?.length ?? 0));
  for (let r = 1; r <= first.ir.evaluation.repeats; r++)
    for (let f = 1; f <= runs; f++) if (!store.load(r, f)) pending.push([r, f]);
  return {
    specs,
    backend: backend.name,
    out,
    pending,
    shared,
    execute: (extra) =>
      runMethods(backend.tf, methods, { ...extra, store, cacheFrozen: opts.frozenCache !== false }),
  };
}

export async function runCompare(files: string[], opts: CompareOptions): Promise<number> {
  const workers = opts.workers === undefined ? availableParallelism() : Number(opts.workers);
  const df = opts.df === undefined ? undefined : Number(opts.df);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    printProblem(
      `\`--workers\` takes a whole number from 1 to 64, not \`${String(opts.workers)}\``,
    );
    return EXIT_USAGE;
  }
  const repeats = opts.repeats === undefined ? Infinity : Number(opts.repeats);
  if (!(repeats === Infinity || (Number.isInteger(repeats) && repeats >= 1))) {
    printProblem(
      `\`--repeats\` takes a whole number of at least 1, not \`${String(opts.repeats)}\``,
    );
    return EXIT_USAGE;
  }
  if (df !== undefined && !(Number.isInteger(df) && df >= 1)) {
    printProblem(`\`--df\` takes a whole number of at least 1, not \`${String(opts.df)}\``);
    return EXIT_USAGE;
  }
  const prepared = await prepareCompare(files, opts);
  if (typeof prepared !== "number") {
    const protocolRepeats = prepared.specs[0]?.ir.evaluation.repeats ?? 1;
    if (repeats !== Infinity && repeats > protocolRepeats) {
      printProblem(`\`--repeats ${repeats}\` exceeds the protocol's ${protocolRepeats} repeats`);
      return EXIT_USAGE;
    }
  }
  if (typeof prepared === "number") return prepared;
  const { specs, out } = prepared;
  const irs = specs.map((s) => s.ir);
  const names = methodsOf(irs, opts.task ?? null);
  if (opts.baseline !== undefined && !names.methods.some((m) => m.name === opts.baseline)) {
    printProblem(
      `no method is named \`${opts.baseline}\`; the methods are ${names.methods.map((m) => `\`${m.name}\``).join(", ")}`,
    );
    return EXIT_USAGE;
  }
  // `--repeats N` runs the protocol's first N repeats (their folds do not depend on N); a later
  // compare into the same directory reuses them and runs the rest.
  const only = (r: number) => r <= repeats;
  const pending = prepared.pending.filter(([r]) => only(r));
  const parallel = Math.min(workers, pending.length);
  process.stderr.write(
    `backend: ${prepared.backend}${parallel > 1 ? `, ${parallel} workers` : ""}; ${prepared.shared} column training${prepared.shared === 1 ? "" : "s"} per run shared between specs\n`,
  );
  const started = performance.now();
  const progress = progressReporter(
    irs,
    specs[0]?.data ?? { datasets: new Map(), splits: new Map() },
  );
  const job = (pairs: [number, number][]) => ({
    kind: "compare",
    files,
    out,
    backend: prepared.backend,
    frozenCache: opts.frozenCache,
    task: opts.task,
    pairs,
  });
  if (parallel > 1 && !(await runInWorkers(job, pending, parallel, progress.report))) {
    progress.stop();
    return EXIT_FAILED;
  }
  const results = await prepared.execute({
    progress: parallel > 1 ? () => {} : progress.report,
    only,
  });
  progress.stop();
  const seconds = (performance.now() - started) / 1000;
  const first = specs[0]?.data.splits.values().next().value;
  const comparison = compareDocument(irs, results, {
    task: opts.task ?? null,
    baseline: opts.baseline ?? null,
    df,
    k: first?.folds[0]?.k ?? 1,
  });
  const document = {
    pnnc: PNNC_VERSION,
    backend: prepared.backend,
    seconds,
    specs: specs.map((s) => ({ name: s.ir.name, file: s.file, specHash: s.hash })),
    sharedPerRun: prepared.shared,
    /** Repeats actually run (`--repeats` may stop short of the protocol's). */
    repeatsRun: Math.min(repeats, specs[0]?.ir.evaluation.repeats ?? 1),
    ...comparison,
  };
  const problems: string[] = [];
  const write = (path: string, text: string) => {
    const problem = writeFileAtomic(path, text);
    if (problem) problems.push(problem);
  };
  try {
    mkdirSync(join(out, "results"), { recursive: true });
    mkdirSync(join(out, "specs"), { recursive: true });
    specs.forEach((s, i) => {
      const doc = {
        pnnc: PNNC_VERSION,
        spec: s.ir.name,
        specHash: s.hash,
        backend: prepared.backend,
        seconds,
        ...results[i],
      };
      write(join(out, "results", `${s.ir.name}.json`), JSON.stringify(doc, null, 2) + "\n");
      copyFileSync(s.file, join(out, "specs", `${s.ir.name}.pnn`));
    });
  } catch (e) {
    problems.push(`cannot write into \`${out}\`: ${(e as Error).message}`);
  }
  // compare.json goes last, and only over complete results: it must never describe stale files.
  if (problems.length === 0)
    write(join(out, "compare.json"), JSON.stringify(document, null, 2) + "\n");
  if (problems.length > 0) {
    problems.forEach(printProblem);
    return EXIT_FAILED;
  }
  const report = writeReport(out);
  if ("problem" in report) printProblem(`no report: ${report.problem}`);
  if (opts.json) process.stdout.write(JSON.stringify(comparison.statistics, null, 2) + "\n");
  else
    process.stdout.write(
      `${renderComparison(comparison)}${seconds.toFixed(1)} s; results in ${join(out, "compare.json")}\n`,
    );
  if ("path" in report) process.stderr.write(`report: ${report.path}\n`);
  return EXIT_OK;
}
