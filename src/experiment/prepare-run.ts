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
import {
  missingRunsProblem,
  protocolRuns,
  runKey,
  sliceOption,
  sliceRuns,
  type RunPair,
  type Slice,
} from "./slices.js";

export interface RunOptions {
  out?: string;
  backend?: string;
  workers?: string;
  /** The column store's folder (default SPEC_DIR/.pnn/store); false (`--no-store`) disables it. */
  store?: string | false;
  /** `--shard I/N`: train only slice I of N of the runs, and write no results (slices.ts). */
  shard?: string;
  /** `--assemble`: train nothing; write the results from the run store, which must hold every run. */
  assemble?: boolean;
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
  /** Pairs (1-based repeat, fold) that the run store does not hold yet (in the slice, if any). */
  pending: [number, number][];
  /** The slice this command trains (`--shard`), or null for every run. */
  slice: Slice | null;
  /** Runs in the whole protocol (within `--repeats`): repeats × folds. */
  total: number;
  shape: { repeats: number; folds: number };
  /** The runs this command covers: the slice's, or every run of the protocol. */
  runs: RunPair[];
  /** The protocol's runs the run store lacks now (read again at each call). */
  missing(): RunPair[];
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
  const slice = sliceOption(opts.shard);
  if ("problem" in slice) return fail("usage", [slice.problem]);
  if (slice.value && opts.assemble)
    return fail("usage", [
      plain("`--shard` trains a slice and `--assemble` trains nothing: give one"),
    ]);
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
  const protocol = protocolRuns(ir.evaluation.repeats, foldsPerRepeat(data));
  const runs = slice.value ? sliceRuns(protocol, slice.value) : protocol;
  const inRuns = new Set(runs.map(runKey));
  const missing = () => pendingRuns(store, ir.evaluation.repeats, foldsPerRepeat(data));
  const pending = missing().filter((p) => inRuns.has(runKey(p)));
  if (opts.assemble && pending.length > 0)
    return fail(
      "failed",
      [missingRunsProblem(pending, protocol.length, join(out, "runs"))],
      diagnostics,
    );
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
      slice: slice.value,
      total: protocol.length,
      shape: { repeats: ir.evaluation.repeats, folds: foldsPerRepeat(data) },
      runs,
      missing,
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
