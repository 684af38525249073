/**
 * Everything `pnnc run` does before training, shared by the main thread and worker threads: check
 * the options, check the spec and load its data, select the backend, open the run store and list
 * the (repeat, fold) runs it lacks.
 * In: a spec path and the run's options. Out: a PreparedRun whose `execute` trains, or why not.
 */
import { dirname, join } from "node:path";
import type { SpecData } from "../data/load.js";
import { columnKeys, datasetIdentities } from "../store/column-key.js";
import { ColumnStore } from "../store/column-store.js";
import { storeCache } from "../store/store-cache.js";
import { selectBackend, type BackendName } from "../runtime/backends.js";
import { checkpointsMissing } from "../engine/checkpoint.js";
import { runSpec, type RunResults, type RunSpecOptions } from "../engine/run-spec.js";
import type { Ir } from "../ir/types.js";
import { PNNC_VERSION } from "../version.js";
import { foldsPerRepeat, loadSpec } from "./load-spec.js";
import { backendOption, workersOption } from "./options.js";
import { fail, plain, succeed, type Outcome, type Problem } from "./outcome.js";
import { checkRunRecord, fileStore, pendingRuns, type FileStore } from "./run-store.js";

export interface RunOptions {
  out?: string;
  backend?: string;
  workers?: string;
  /** The column store's folder (default SPEC_DIR/.pnn/store); false (`--no-store`) disables it. */
  store?: string | false;
}

export interface PreparedRun {
  file: string;
  /** The spec's bytes as checked (copied beside the results for the report). */
  source: Uint8Array;
  ir: Ir;
  data: SpecData;
  backend: BackendName;
  out: string;
  specHash: string;
  /** Pairs (1-based repeat, fold) that the run store does not hold yet. */
  pending: [number, number][];
  /** Worker threads to train the pending runs in (1: this thread only). */
  workers: number;
  /** The column store's folder, or null when disabled. */
  storeDir: string | null;
  /** Runs the run store could not save (filled while executing). */
  unsaved: readonly Problem[];
  execute(extra: Pick<RunSpecOptions, "progress" | "only" | "onDiverged">): Promise<RunResults>;
}

export async function prepareRun(file: string, opts: RunOptions): Promise<Outcome<PreparedRun>> {
  const workers = workersOption(opts.workers);
  if ("problem" in workers) return fail("usage", [workers.problem]);
  const requested = backendOption(opts.backend);
  if ("problem" in requested) return fail("usage", [requested.problem]);
  const loaded = await loadSpec(file);
  if (!loaded.ok) return loaded;
  const { diagnostics } = loaded;
  const { ir, data, source, hash: specHash } = loaded.value;
  const backend = await selectBackend(requested.value);
  if ("problem" in backend) return fail("failed", [plain(backend.problem)], diagnostics);
  const out = opts.out ?? join("results", ir.name);
  const storeDir =
    opts.store === false ? null : (opts.store ?? join(dirname(file), ".pnn", "store"));
  // A mistyped --store (a file, an unrelated folder) is refused before anything is written into it.
  const columnStore = storeDir === null ? null : ColumnStore.create(storeDir);
  if (columnStore && "problem" in columnStore)
    return fail("failed", [plain(columnStore.problem)], diagnostics);
  const stored = fileStore(join(out, "runs"), specHash, backend.name, checkRunRecord);
  if (!stored)
    return fail("failed", [plain(`cannot create \`${join(out, "runs")}\``)], diagnostics);
  const store = withCheckpointsOfFirstRun(stored, join(out, "checkpoints"), specHash);
  const pending = pendingRuns(store, ir.evaluation.repeats, foldsPerRepeat(data));
  return succeed(
    {
      file,
      source,
      ir,
      data,
      backend: backend.name,
      out,
      specHash,
      pending,
      workers: Math.min(workers.value, pending.length),
      storeDir,
      unsaved: store.unsaved,
      execute: async (extra) =>
        runSpec(backend.tf, ir, data, {
          ...extra,
          store,
          checkpoints: { dir: join(out, "checkpoints"), pnnc: PNNC_VERSION, specHash },
          ...(columnStore === null
            ? {}
            : {
                keys: columnKeys(ir, datasetIdentities(data)),
                columns: storeCache(
                  columnStore.store,
                  backend.name,
                  PNNC_VERSION,
                  extra.progress ?? (() => {}),
                ),
              }),
        }),
    },
    { diagnostics },
  );
}

/**
 * The run store, except that the first run counts as not done while its checkpoints are missing
 * (deleted, or written for another spec): only training it again brings them back, and its record
 * is the same by determinism. Asked at every load, so a worker that rewrote them is seen.
 */
function withCheckpointsOfFirstRun<T>(
  store: FileStore<T>,
  dir: string,
  specHash: string,
): FileStore<T> {
  return {
    ...store,
    save: (repeat, fold, record) => store.save(repeat, fold, record),
    load: (repeat, fold) =>
      repeat === 1 && fold === 1 && checkpointsMissing(dir, specHash)
        ? null
        : store.load(repeat, fold),
  };
}
