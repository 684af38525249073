/**
 * `pnnc store ls|verify|gc [SPEC...] [--store DIR]`: the column store's entries (column, run, test
 * UAR, size), a check of every entry (shape, identity, checksums, versions; `--repair` removes bad
 * ones), and garbage collection of the verified entries no given spec references. The store
 * defaults to `.pnn/store` next to the first spec; a missing folder or one that is not a store is
 * an error. In: parsed arguments. Out: an exit code (0 ok, 1 not a store, corrupt entries or
 * unusable specs, 2 usage).
 */
import { dirname, join } from "node:path";
import { compileSpec } from "../compile.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { loadSpecData } from "../data/load.js";
import { columnKeys, datasetIdentities } from "../store/column-key.js";
import { ColumnStore } from "../store/column-store.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { readBytes } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";

export interface StoreOptions {
  store?: string;
  json?: boolean;
  repair?: boolean;
}

/** The store, or null after saying why there is none (missing, a file, not a store). */
function storeOf(specs: string[], opts: StoreOptions, mark = false): ColumnStore | null {
  const first = specs[0];
  const opened = ColumnStore.open(
    opts.store ?? join(first ? dirname(first) : ".", ".pnn", "store"),
    { mark },
  );
  if ("problem" in opened) {
    printProblem(opened.problem);
    return null;
  }
  return opened.store;
}

export function runStoreList(specs: string[], opts: StoreOptions): number {
  const store = storeOf(specs, opts);
  if (!store) return EXIT_FAILED;
  const entries = store.entries();
  if (opts.json) {
    process.stdout.write(
      JSON.stringify(
        entries.map(({ dir, entry, problem }) => ({ dir, problem, ...(entry ?? {}) })),
        null,
        2,
      ) + "\n",
    );
    return EXIT_OK;
  }
  const rows = entries.map(({ dir, key, backend, repeat, fold, entry, problem }) => [
    key.slice(0, 12),
    backend,
    entry?.column ?? "?",
    `r${repeat}f${fold}`,
    entry ? entry.run.test.uar.toFixed(3) : "",
    `${(ColumnStore.size(dir) / 1024).toFixed(0)} KiB`,
    entry?.created.slice(0, 19) ?? "",
    problem ? "CORRUPT" : "",
  ]);
  const header = ["key", "backend", "column", "run", "test UAR", "size", "created", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(
    [line(header), ...rows.map(line), `${entries.length} entries in ${store.dir}`, ""].join("\n"),
  );
  return EXIT_OK;
}

export function runStoreVerify(specs: string[], opts: StoreOptions): number {
  const store = storeOf(specs, opts);
  if (!store) return EXIT_FAILED;
  const entries = store.entries();
  const bad = entries.filter((e) => e.problem !== null);
  for (const e of bad)
    printProblem(
      `corrupt entry: ${e.problem} (${opts.repair ? "removed; " : ""}pnnc run will train it again)`,
    );
  if (opts.repair) store.removeBad();
  process.stderr.write(
    `${entries.length - bad.length} of ${entries.length} entries verified in ${store.dir}${opts.repair && bad.length > 0 ? `; removed ${bad.length}` : ""}\n`,
  );
  // Once repaired, what is left verifies.
  return bad.length > 0 && !opts.repair ? EXIT_FAILED : EXIT_OK;
}

/** Keeps what the given specs reference (on the data they name now); removes everything else. */
export async function runStoreGc(specs: string[], opts: StoreOptions): Promise<number> {
  if (specs.length === 0) {
    printProblem("`pnnc store gc` needs the specs whose columns to keep");
    return EXIT_USAGE;
  }
  const keep = new Set<string>();
  for (const file of specs) {
    const read = readBytes(file);
    if ("problem" in read) {
      printProblem(read.problem);
      return EXIT_USAGE;
    }
    const front = compileSpec(file, read.bytes);
    printDiagnostics(front.diagnostics, [front.file]);
    if (!front.ir || !front.spans || hasErrors(front.diagnostics)) return EXIT_FAILED;
    const data = await loadSpecData(
      { file: front.file, ir: front.ir, spans: front.spans },
      dirname(file),
    );
    printDiagnostics(data.diagnostics, [front.file]);
    // Without its data a spec's keys are unknown: collecting then could delete what it needs.
    if (!data.value) return EXIT_FAILED;
    for (const key of columnKeys(front.ir, datasetIdentities(data.value)).values()) keep.add(key);
  }
  const store = storeOf(specs, opts, true);
  if (!store) return EXIT_FAILED;
  const removed = store.collect(keep);
  process.stderr.write(
    `removed ${removed.length} entr${removed.length === 1 ? "y" : "ies"} no given spec references; kept ${store.entries().length}\n`,
  );
  return EXIT_OK;
}
