/**
 * `npm run bench`: times the front end (`compileSpec`: parse, lower, schema, semantics) on every
 * example spec under specs/, on synthetic specs of 10, 100 and 1000 columns and on very long lists,
 * the CLI's cold start, training throughput, worker threads, data loading, and codegen (compile
 * time, generated program vs `pnnc run`). Out: tables on stdout, ratios with verdicts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { compileSpec } from "../compile.js";
import { timeCommand, timeFunction, type Timing } from "./measure.js";
import { generateSpec } from "./spec-generator.js";
import { runDataBench } from "./data-bench.js";
import { runTrainBench, runWorkersBench } from "./train-bench.js";
import { runCompileBench, runGeneratedThroughputBench } from "./codegen-bench.js";
import { runCompareBench } from "./compare-bench.js";
import { runStoreBench } from "./store-bench.js";
import { runListBench } from "./list-bench.js";
import { runProtocolBench } from "./protocol-bench.js";
import { runExtractBench } from "./extract-bench.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SIZES = [10, 100, 1000] as const;
const COLD_START_RUNS = 5;
const COLD_START_SPEC = "specs/paper/speaker-prognet.pnn";

interface Row extends Timing {
  name: string;
  bytes: number;
  lines: number;
}

function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (const b of bytes) if (b === 0x0a) lines++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? lines + 1 : lines;
}

/** Every `.pnn` file under `dir`, as paths relative to the repository root, sorted. */
function findSpecs(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((p) => p.endsWith(".pnn"))
    .map((p) => relative(ROOT, join(dir, p)))
    .sort();
}

function timeSpec(name: string, bytes: Uint8Array): Row {
  const timing = timeFunction(() => void compileSpec(name, bytes));
  return { name, bytes: bytes.length, lines: countLines(bytes), ...timing };
}

/** Fails loudly unless the generated spec compiles with no diagnostic at all. */
function assertClean(name: string, bytes: Uint8Array): void {
  const result = compileSpec(name, bytes);
  if (result.ir !== null && result.diagnostics.length === 0) return;
  const listed = result.diagnostics.map((d) => `  ${d.code} ${d.message}`).join("\n");
  throw new Error(`generated spec ${name} is not clean (ir: ${result.ir !== null}):\n${listed}`);
}

function exampleRows(): { rows: Row[]; unclean: string[] } {
  const rows: Row[] = [];
  const unclean: string[] = [];
  for (const path of findSpecs(join(ROOT, "specs"))) {
    const bytes = readFileSync(join(ROOT, path));
    if (compileSpec(path, bytes).ir === null) unclean.push(path);
    rows.push(timeSpec(path, bytes));
  }
  return { rows, unclean };
}

function generatedRows(): Map<number, Row> {
  const rows = new Map<number, Row>();
  for (const n of SIZES) {
    const name = `generated-${n}-columns.pnn`;
    const bytes = new TextEncoder().encode(generateSpec(n));
    assertClean(name, bytes);
    rows.set(n, timeSpec(name, bytes));
  }
  return rows;
}

function printTable(rows: readonly Row[]): void {
  const header = ["spec", "bytes", "lines", "median ms", "runs"];
  const cells = rows.map((r) => [
    r.name,
    String(r.bytes),
    String(r.lines),
    r.medianMs.toFixed(3),
    String(r.runs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: readonly string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const c of cells) console.log(line(c));
}

function medianOf(rows: Map<number, Row>, n: number): number {
  const row = rows.get(n);
  if (!row) throw new Error(`no timing for ${n} columns`);
  return row.medianMs;
}

function printScaling(rows: Map<number, Row>): void {
  const big = medianOf(rows, 1000) / medianOf(rows, 100);
  const small = medianOf(rows, 100) / medianOf(rows, 10);
  console.log(`time(1000)/time(100) = ${big.toFixed(2)}`);
  console.log(`time(100)/time(10)   = ${small.toFixed(2)}`);
  const linear = big >= 5 && big <= 20;
  console.log(
    `verdict: ${linear ? "linear" : "NOT linear"} (1000/100 ratio ${big.toFixed(2)}, linear band [5, 20])`,
  );
  for (const n of SIZES) {
    console.log(
      `  ${String(n).padStart(4)} columns: ${(medianOf(rows, n) / n).toFixed(4)} ms/column`,
    );
  }
}

function printColdStart(): void {
  const args = ["dist/cli/main.js", "check", COLD_START_SPEC];
  const timing = timeCommand(process.execPath, args, ROOT, COLD_START_RUNS);
  console.log(
    `cold start: node ${args.join(" ")}: median ${timing.medianMs.toFixed(1)} ms over ${timing.runs} runs`,
  );
  if (timing.failures.length > 0) {
    console.log(
      `  note: ${timing.failures.length} run(s) exited non-zero: ${timing.failures.join(", ")}`,
    );
  }
}

/**
 * `npm run bench -- codegen`, `-- compare`, `-- store`, `-- lists`, `-- extract` or `-- protocol` runs only that
 * part; `-- protocol --protocol-folds K --protocol-workers W --throughput-rounds R` measures K folds with
 * W workers and takes the best of R alternating throughput runs per side (`--throughput-only`: no
 * protocol part).
 */
async function main(only: string | undefined, rest: readonly string[]): Promise<void> {
  const started = performance.now();
  console.log(`pnnc bench: node ${process.version}, ${cpus().length} CPUs`);
  console.log("");
  if (only === "compare") {
    runCompareBench(ROOT);
    return;
  }
  if (only === "store") {
    runStoreBench(ROOT);
    return;
  }
  if (only === "lists") {
    runListBench();
    return;
  }
  if (only === "extract") {
    if (!(await runExtractBench())) process.exitCode = 1;
    return;
  }
  if (only === "protocol") {
    if (!runProtocolBench(ROOT, rest)) process.exitCode = 1;
    console.log(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  if (only === "codegen") {
    await runCodegenBench();
    console.log(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return;
  }
  const examples = exampleRows();
  const generated = generatedRows();
  printTable([...examples.rows, ...generated.values()]);
  for (const path of examples.unclean) {
    console.log(
      `note: ${path} has errors, so its time covers only the steps before the first error`,
    );
  }
  console.log("");
  printScaling(generated);
  console.log("");
  runListBench();
  console.log("");
  printColdStart();
  console.log("");
  runTrainBench();
  console.log("");
  runWorkersBench(ROOT);
  console.log("");
  runDataBench();
  if (!(await runExtractBench())) process.exitCode = 1;
  console.log("");
  await runCodegenBench();
  runCompareBench(ROOT);
  console.log("");
  runStoreBench(ROOT);
  console.log("");
  // Last: its protocol prefix trains for minutes (one fold of the paper's 600-epoch protocol).
  if (!runProtocolBench(ROOT, [])) process.exitCode = 1;
  console.log("");
  console.log(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function runCodegenBench(): Promise<void> {
  await runCompileBench(ROOT, findSpecs(join(ROOT, "specs")));
  console.log("");
  await runGeneratedThroughputBench(ROOT);
  console.log("");
}

await main(process.argv[2], process.argv.slice(3));
