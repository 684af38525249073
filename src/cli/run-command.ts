/**
 * `pnnc run FILE [--out DIR] [--backend B] [--json]`: checks the spec, loads its data, selects a
 * TensorFlow.js backend, trains and evaluates every stage of every fold and repeat, prints a result
 * table (per column: mean ± std test UAR) and writes DIR/results.json atomically, with the first
 * run's trained columns as TF.js checkpoints in DIR/checkpoints/COLUMN/. Each finished (repeat, fold)
 * run is kept in DIR/runs/, so an interrupted run resumes from completed work. With `--workers N`
 * (default: the number of cores) independent (repeat, fold) runs train in worker threads.
 * In: parsed arguments. Out: an exit code (0 ok, 1 spec, data or backend problem, 2 usage).
 */
import { Presets, SingleBar } from "cli-progress";
import { mkdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { dirname, join } from "node:path";
import { compileSpec } from "../compile.js";
import { PNNC_VERSION } from "../version.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { loadSpecData, type SpecData } from "../data/load.js";
import type { Ir } from "../ir/types.js";
import { runHash, specDigest } from "../runtime/files.js";
import { columnKeys, datasetIdentities } from "../store/column-key.js";
import { ColumnStore } from "../store/column-store.js";
import { storeCache } from "../store/store-cache.js";
import { BACKENDS, selectBackend, type BackendName } from "../runtime/backends.js";
import {
  runSpec,
  type RunRecord,
  type RunResults,
  type RunSpecOptions,
} from "../engine/run-spec.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { readBytes, writeFileAtomic } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";
import { writeReport } from "./report-command.js";

export interface RunOptions {
  out?: string;
  backend?: string;
  json?: boolean;
  workers?: string;
  /** The column store's folder (default SPEC_DIR/.pnn/store); false (`--no-store`) disables it. */
  store?: string | false;
}

export interface PreparedRun {
  ir: Ir;
  data: SpecData;
  backend: BackendName;
  out: string;
  specHash: string;
  /** Pairs (1-based repeat, fold) that the run store does not hold yet. */
  pending: [number, number][];
  /** The column store's folder, or null when disabled. */
  storeDir: string | null;
  execute(extra: Pick<RunSpecOptions, "progress" | "only">): Promise<RunResults>;
}

/**
 * Everything before training, shared by the main thread and worker threads: check the spec, load
 * its data, select the backend, open the run store. Returns an exit code when something fails.
 */
export async function prepareRun(
  file: string,
  opts: Pick<RunOptions, "out" | "backend" | "store">,
  { quiet = false } = {},
): Promise<PreparedRun | number> {
  if (opts.backend !== undefined && !(BACKENDS as readonly string[]).includes(opts.backend)) {
    printProblem(`unknown backend \`${opts.backend}\`; choose one of ${BACKENDS.join(", ")}`);
    return EXIT_USAGE;
  }
  const read = readBytes(file);
  if ("problem" in read) {
    printProblem(read.problem);
    return EXIT_USAGE;
  }
  const front = compileSpec(file, read.bytes);
  if (!quiet) printDiagnostics(front.diagnostics, [front.file]);
  if (!front.ir || !front.spans || hasErrors(front.diagnostics)) return EXIT_FAILED;
  const ir = front.ir;
  const loaded = await loadSpecData({ file: front.file, ir, spans: front.spans }, dirname(file));
  if (!quiet) printDiagnostics(loaded.diagnostics, [front.file]);
  const data = loaded.value;
  if (!data) return EXIT_FAILED;
  const backend = await selectBackend(opts.backend as BackendName | undefined);
  if ("problem" in backend) {
    printProblem(backend.problem);
    return EXIT_FAILED;
  }
  const out = opts.out ?? join("results", ir.name);
  const storeDir =
    opts.store === false ? null : (opts.store ?? join(dirname(file), ".pnn", "store"));
  const specHash = runHash(specDigest(JSON.stringify(ir), PNNC_VERSION), [
    ...data.datasets.values(),
  ]);
  const store = fileStore(join(out, "runs"), specHash, backend.name);
  if (!store) {
    printProblem(`cannot create \`${join(out, "runs")}\``);
    return EXIT_FAILED;
  }
  const pending: [number, number][] = [];
  const runs = Math.max(...[...data.splits.values()].map((s) => s.runs[0]?.length ?? 0));
  for (let r = 1; r <= ir.evaluation.repeats; r++) {
    for (let f = 1; f <= runs; f++) if (!store.load(r, f)) pending.push([r, f]);
  }
  return {
    ir,
    data,
    backend: backend.name,
    out,
    specHash,
    pending,
    storeDir,
    execute: async (extra) =>
      runSpec(backend.tf, ir, data, {
        ...extra,
        store,
        checkpoints: { dir: join(out, "checkpoints"), pnnc: PNNC_VERSION, specHash },
        ...(storeDir === null
          ? {}
          : {
              keys: columnKeys(ir, datasetIdentities(data)),
              columns: storeCache(
                new ColumnStore(storeDir),
                backend.name,
                PNNC_VERSION,
                extra.progress ?? (() => {}),
              ),
            }),
      }),
  };
}

/**
 * Runs the pending (repeat, fold) pairs in worker threads (run-worker.ts); each leaves its runs in
 * the store. `job` makes a worker's workerData from its share of the pairs.
 */
export async function runInWorkers(
  job: (pairs: [number, number][]) => object,
  pending: [number, number][],
  workers: number,
  report: (m: string) => void,
): Promise<boolean> {
  const shares: [number, number][][] = Array.from({ length: workers }, () => []);
  pending.forEach((pair, k) => shares[k % workers]?.push(pair));
  const exits = shares
    .filter((pairs) => pairs.length > 0)
    .map(
      (pairs) =>
        new Promise<boolean>((done) => {
          const worker = new Worker(new URL("./run-worker.js", import.meta.url), {
            workerData: job(pairs),
          });
          worker.on("message", (m: string) => report(m));
          worker.on("error", (e) => {
            printProblem(`a worker failed: ${e.message}`);
            done(false);
          });
          worker.on("exit", (code) => done(code === 0));
        }),
    );
  return (await Promise.all(exits)).every(Boolean);
}

export async function runRun(file: string, opts: RunOptions): Promise<number> {
  const workers = opts.workers === undefined ? availableParallelism() : Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    printProblem(
      `\`--workers\` takes a whole number from 1 to 64, not \`${String(opts.workers)}\``,
    );
    return EXIT_USAGE;
  }
  const prepared = await prepareRun(file, opts);
  if (typeof prepared === "number") return prepared;
  const { ir, data, out, specHash } = prepared;
  for (const d of data.datasets.values()) {
    if (d.missing.rows > 0) {
      process.stderr.write(
        `dataset ${d.id}: ${d.missing.rows} rows with missing values (${d.missing.policy})\n`,
      );
    }
  }
  const parallel = Math.min(workers, prepared.pending.length);
  process.stderr.write(
    `backend: ${prepared.backend}${parallel > 1 ? `, ${parallel} workers` : ""}\n`,
  );
  const started = performance.now();
  const reporter = progressReporter([ir], data);
  const counts = { reused: 0, trained: 0 };
  const progress = {
    stop: reporter.stop,
    report: (m: string) => {
      if (/reused from the column store/.test(m)) counts.reused++;
      else if (/ \(\d+ epochs/.test(m)) counts.trained++;
      reporter.report(m);
    },
  };
  const job = (pairs: [number, number][]) => ({
    kind: "run",
    files: [file],
    out: prepared.out,
    backend: prepared.backend,
    store: prepared.storeDir ?? false,
    pairs,
  });
  if (parallel > 1 && !(await runInWorkers(job, prepared.pending, parallel, progress.report))) {
    progress.stop();
    return EXIT_FAILED;
  }
  // With workers, every run is in the store by now and this only reads them back in order.
  const results = await prepared.execute({ progress: parallel > 1 ? () => {} : progress.report });
  progress.stop();
  const seconds = (performance.now() - started) / 1000;
  const document = {
    pnnc: PNNC_VERSION,
    spec: ir.name,
    specHash,
    backend: prepared.backend,
    seconds,
    ...results,
  };
  const problem = writeFileAtomic(
    join(out, "results.json"),
    JSON.stringify(document, null, 2) + "\n",
  );
  if (problem) {
    printProblem(problem);
    return EXIT_FAILED;
  }
  // The report needs the spec it came from; a failed report does not fail the run.
  const copied = writeFileAtomic(join(out, "spec.pnn"), readFileSync(file, "utf8"));
  const report = copied ? { problem: copied } : writeReport(out);
  if ("problem" in report) printProblem(`no report: ${report.problem}`);
  if (opts.json) process.stdout.write(JSON.stringify(document.summary, null, 2) + "\n");
  else process.stdout.write(renderSummary(results, seconds, join(out, "results.json")));
  if ("path" in report) process.stderr.write(`report: ${report.path}\n`);
  if (prepared.storeDir !== null)
    process.stderr.write(
      `columns: ${counts.trained} trained, ${counts.reused} reused from the column store (${prepared.storeDir})\n`,
    );
  return EXIT_OK;
}

/**
 * A progress bar on a terminal (one step per trained column), plain lines anywhere else (CI, pipes),
 * so logs stay readable and a person at a terminal sees how far the run is.
 */
export function progressReporter(
  irs: readonly Ir[],
  data: SpecData,
): { report: (m: string) => void; stop: () => void } {
  if (!process.stderr.isTTY)
    return { report: (m) => process.stderr.write(`${m}\n`), stop: () => {} };
  const runs = Math.max(...[...data.splits.values()].map((s) => s.runs[0]?.length ?? 0));
  const perRun = irs.reduce(
    (total, ir) =>
      total + ir.stages.reduce((n, s) => n + s.train.length * (s.trainFolds?.length ?? 1), 0),
    0,
  );
  const ir = irs[0] ?? { evaluation: { repeats: 1 } };
  const bar = new SingleBar(
    {
      format: "{bar} {value}/{total} columns trained | {message}",
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(ir.evaluation.repeats * runs * perRun, 0, { message: "" });
  return {
    report: (m) => {
      const reused = /reused$/.test(m);
      bar.increment(reused ? perRun : 1, { message: m });
    },
    stop: () => bar.stop(),
  };
}

/**
 * One JSON file per finished (repeat, fold) run, written atomically. A file is reused only when it
 * was written for the same spec hash and backend, so a changed spec never mixes in stale results.
 */
export function fileStore<T = RunRecord>(
  dir: string,
  specHash: string,
  backend: string,
): {
  load(repeat: number, fold: number): T | null;
  save(repeat: number, fold: number, record: T): void;
} | null {
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return null;
  }
  const path = (repeat: number, fold: number) => join(dir, `repeat${repeat}-fold${fold}.json`);
  return {
    load(repeat: number, fold: number) {
      try {
        const saved = JSON.parse(readFileSync(path(repeat, fold), "utf8")) as {
          specHash?: string;
          backend?: string;
          record?: T;
        };
        return saved.specHash === specHash && saved.backend === backend && saved.record
          ? saved.record
          : null;
      } catch {
        return null;
      }
    },
    save(repeat: number, fold: number, record: T) {
      const problem = writeFileAtomic(
        path(repeat, fold),
        JSON.stringify({ specHash, backend, record }),
      );
      // Not fatal: the results are still reported; only resuming this run is lost.
      if (problem)
        printProblem(`${problem} (repeat ${repeat}, fold ${fold} will not be resumable)`);
    },
  };
}

export function renderSummary(results: RunResults, seconds: number, path: string): string {
  const rows = results.summary.map((s) => [
    s.column,
    s.task,
    s.trainFolds === null ? "all" : String(s.trainFolds),
    String(s.runs),
    `${s.uarMean.toFixed(3)} ± ${s.uarStd.toFixed(3)}`,
    s.accuracyMean.toFixed(3),
  ]);
  const header = ["column", "task", "train folds", "runs", "test UAR", "accuracy"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const largest = (fs: RunResults["forgetting"]) =>
    fs.length === 0 ? null : Math.max(...fs.map((f) => Math.abs(f.change)));
  const frozen = largest(results.forgetting.filter((f) => f.via === null));
  const tuned = results.forgetting.filter((f) => f.via !== null);
  const tunedMean =
    tuned.length === 0 ? null : tuned.reduce((a, f) => a + f.change, 0) / tuned.length;
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `forgetting: frozen columns' largest |change| in test UAR after later stages: ${frozen === null ? "n/a" : frozen.toFixed(6)}`,
    ...(tunedMean === null
      ? []
      : [
          `forgetting: PT/FT bodies with the source head back: mean change in source-task UAR ${tunedMean.toFixed(3)}`,
        ]),
    `${seconds.toFixed(1)} s; results in ${path}`,
    "",
  ].join("\n");
}
