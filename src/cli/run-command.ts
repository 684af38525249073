/**
 * `pnnc run FILE [--out DIR] [--backend B] [--json]`: checks the spec, loads its data, selects a
 * TensorFlow.js backend, trains and evaluates every stage of every fold and repeat, prints a result
 * table (per column: mean ± std test UAR) and writes DIR/results.json atomically, with the first
 * run's trained columns as TF.js checkpoints in DIR/checkpoints/COLUMN/. Each finished (repeat, fold)
 * run is kept in DIR/runs/, so an interrupted run resumes from completed work.
 * In: parsed arguments. Out: an exit code (0 ok, 1 spec, data or backend problem, 2 usage).
 */
import { createHash } from "node:crypto";
import { Presets, SingleBar } from "cli-progress";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compileSpec } from "../compile.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { loadSpecData, type SpecData } from "../data/load.js";
import type { Ir } from "../ir/types.js";
import { BACKENDS, selectBackend, type BackendName } from "../engine/backends.js";
import { runSpec, type RunRecord, type RunResults, type RunStore } from "../engine/run-spec.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./commands.js";
import { readBytes, writeFileAtomic } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";

export interface RunOptions {
  out?: string;
  backend?: string;
  json?: boolean;
}

function packageVersion(): string {
  return (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    }
  ).version;
}

export async function runRun(file: string, opts: RunOptions): Promise<number> {
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
  printDiagnostics(front.diagnostics, [front.file]);
  if (!front.ir || !front.spans || hasErrors(front.diagnostics)) return EXIT_FAILED;
  const loaded = await loadSpecData(
    { file: front.file, ir: front.ir, spans: front.spans },
    dirname(file),
  );
  printDiagnostics(loaded.diagnostics, [front.file]);
  if (!loaded.value) return EXIT_FAILED;
  const backend = await selectBackend(opts.backend as BackendName | undefined);
  if ("problem" in backend) {
    printProblem(backend.problem);
    return EXIT_FAILED;
  }
  for (const d of loaded.value.datasets.values()) {
    if (d.missing.rows > 0)
      process.stderr.write(
        `dataset ${d.id}: ${d.missing.rows} rows with missing values (${d.missing.policy})\n`,
      );
  }
  process.stderr.write(`backend: ${backend.name}\n`);
  const out = opts.out ?? join("results", front.ir.name);
  const started = performance.now();
  const specHash = createHash("sha256").update(JSON.stringify(front.ir)).digest("hex");
  const store = fileStore(join(out, "runs"), specHash, backend.name);
  if (!store) {
    printProblem(`cannot create \`${join(out, "runs")}\``);
    return EXIT_FAILED;
  }
  const progress = progressReporter(front.ir, loaded.value);
  const results = await runSpec(backend.tf, front.ir, loaded.value, {
    store,
    progress: progress.report,
    checkpoints: { dir: join(out, "checkpoints"), pnnc: packageVersion(), specHash },
  });
  progress.stop();
  const seconds = (performance.now() - started) / 1000;
  const document = {
    pnnc: packageVersion(),
    spec: front.ir.name,
    specHash,
    backend: backend.name,
    seconds,
    ...results,
  };
  try {
    mkdirSync(out, { recursive: true });
  } catch {
    printProblem(`cannot create \`${out}\``);
    return EXIT_FAILED;
  }
  const problem = writeFileAtomic(
    join(out, "results.json"),
    JSON.stringify(document, null, 2) + "\n",
  );
  if (problem) {
    printProblem(problem);
    return EXIT_FAILED;
  }
  if (opts.json) process.stdout.write(JSON.stringify(document.summary, null, 2) + "\n");
  else process.stdout.write(renderSummary(results, seconds, join(out, "results.json")));
  return EXIT_OK;
}

/**
 * A progress bar on a terminal (one step per trained column), plain lines anywhere else (CI, pipes),
 * so logs stay readable and a person at a terminal sees how far the run is.
 */
function progressReporter(
  ir: Ir,
  data: SpecData,
): { report: (m: string) => void; stop: () => void } {
  if (!process.stderr.isTTY)
    return { report: (m) => process.stderr.write(`${m}\n`), stop: () => {} };
  const runs = Math.max(...[...data.splits.values()].map((s) => s.runs[0]?.length ?? 0));
  const perRun = ir.stages.reduce((n, s) => n + s.train.length * (s.trainFolds?.length ?? 1), 0);
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
function fileStore(dir: string, specHash: string, backend: string): RunStore | null {
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return null;
  }
  const path = (repeat: number, fold: number) => join(dir, `repeat${repeat}-fold${fold}.json`);
  return {
    load(repeat, fold) {
      try {
        const saved = JSON.parse(readFileSync(path(repeat, fold), "utf8")) as {
          specHash?: string;
          backend?: string;
          record?: RunRecord;
        };
        return saved.specHash === specHash && saved.backend === backend && saved.record
          ? saved.record
          : null;
      } catch {
        return null;
      }
    },
    save(repeat, fold, record) {
      writeFileAtomic(path(repeat, fold), JSON.stringify({ specHash, backend, record }));
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
  const forgetting =
    results.forgetting.length === 0
      ? 0
      : Math.max(...results.forgetting.map((f) => Math.abs(f.change)));
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `forgetting: largest |change| of an earlier column's test UAR after a later stage: ${forgetting.toFixed(6)}`,
    `${seconds.toFixed(1)} s; results in ${path}`,
    "",
  ].join("\n");
}
