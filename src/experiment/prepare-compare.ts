/**
 * Everything `pnnc compare` does before training, shared by the main thread and worker threads:
 * checking the options, the specs and the protocol, and planning the runs the run store lacks.
 * In: spec paths and the comparison's options. Out: a PreparedCompare whose `execute` trains, or why not.
 */
import { dirname, join } from "node:path";
import type { ColumnModel } from "../engine/column-model.js";
import type { MethodRef } from "../engine/compare.js";
import { planOf } from "../engine/run-spec.js";
import { selectBackend, type BackendName } from "../runtime/backends.js";
import { runMethods, type DivergedRun, type Method } from "../runtime/driver.js";
import { specDigest } from "../runtime/files.js";
import type { RunRecord, RunResults } from "../runtime/results.js";
import { columnKeys } from "../store/column-key.js";
import { ColumnStore } from "../store/column-store.js";
import { storeCache } from "../store/store-cache.js";
import { PNNC_VERSION } from "../version.js";
import { foldsPerRepeat, loadSpec, type LoadedSpec } from "./load-spec.js";
import { compareOptions } from "./options.js";
import {
  fail,
  plain,
  succeed,
  type Outcome,
  type Problem,
  type SpecDiagnostics,
} from "./outcome.js";
import { checkComparison } from "./protocol.js";
import { checkRunRecords, fileStore, pendingRuns } from "./run-store.js";
import {
  missingRunsProblem,
  protocolRuns,
  runKey,
  sliceOption,
  sliceRuns,
  type RunPair,
  type Slice,
} from "./slices.js";

export interface CompareOptions {
  out?: string;
  backend?: string;
  task?: string;
  baseline?: string;
  df?: string;
  repeats?: string;
  workers?: string;
  /** false (`--no-frozen-cache`): recompute frozen sources every batch (for the bench). */
  frozenCache?: boolean;
  /** `--shard I/N`: train only slice I of N of the runs, and write no results (slices.ts). */
  shard?: string;
  /** `--assemble`: train nothing; compare from the run store, which must hold every run. */
  assemble?: boolean;
  /**
   * The column store's folder (default: .pnn/store beside the first spec, as `pnnc run` uses for
   * it); false (`--no-store`) disables it. Columns `run` trained are reused here, and vice versa.
   */
  store?: string | false;
}

export interface PreparedCompare {
  files: string[];
  /** The options as given (a worker thread prepares with the same ones). */
  options: CompareOptions;
  specs: LoadedSpec[];
  /** The compared methods (a column of a spec each) and their task. */
  compared: { task: string; methods: MethodRef[] };
  backend: BackendName;
  out: string;
  /** The protocol's first `repeats` repeats are run (Infinity: all of them). */
  repeats: number;
  df: number | undefined;
  /** Pending (1-based repeat, fold) pairs within `repeats` (and the slice) that the run store lacks. */
  pending: [number, number][];
  /** The slice this command trains (`--shard`), or null for every run. */
  slice: Slice | null;
  /** Runs in the whole protocol (within `--repeats`): repeats × folds. */
  total: number;
  shape: { repeats: number; folds: number };
  /** The runs this command covers: the slice's, or every run within `repeats`. */
  runs: RunPair[];
  /** The runs within `repeats` the run store lacks now (read again at each call). */
  missing(): RunPair[];
  /** Worker threads to train the pending runs in (1: this thread only). */
  workers: number;
  /** Column trainings per run that sharing saves: keys declared by more than one spec. */
  shared: number;
  /** Runs the run store could not save (filled while executing). */
  unsaved: readonly Problem[];
  execute(extra: {
    progress?: (m: string) => void;
    only?: (repeat: number, fold: number) => boolean;
    onDiverged?: (run: DivergedRun) => void;
  }): Promise<RunResults[]>;
}

/**
 * 1. Check the options; 2. load every spec; 3. check the protocol (distinct names, one evaluation
 * protocol); 4. check the methods (two or more, on the same runs and classes) and the request
 * (`--repeats` within the protocol, a known baseline); 5. select the backend; 6. build one driver
 * method per spec, with column keys so a column several specs declare identically trains once per
 * run; 7. open the run store and plan the pending (repeat, fold) runs.
 */
export async function prepareCompare(
  files: string[],
  opts: CompareOptions,
): Promise<Outcome<PreparedCompare>> {
  // 1. Options.
  const options = compareOptions(opts);
  if ("problem" in options) return fail("usage", [options.problem]);
  const slice = sliceOption(opts.shard);
  if ("problem" in slice) return fail("usage", [slice.problem]);
  if (slice.value && opts.assemble)
    return fail("usage", [
      plain("`--shard` trains a slice and `--assemble` trains nothing: give one"),
    ]);
  const { workers, repeats, df, backend: requested } = options.value;
  // 2. Specs.
  const loaded = await loadSpecs(files);
  if (!loaded.ok) return loaded;
  const { diagnostics, value: specs } = loaded;
  const first = specs[0];
  if (!first) return fail("usage", [plain("no spec to compare")]);
  // 3 and 4. Protocol, methods and request.
  const checked = checkComparison(specs, opts, repeats);
  if ("problem" in checked) return fail(checked.failure, [checked.problem], diagnostics);
  const { compared, identities } = checked;
  // 5. Backend.
  const backend = await selectBackend(requested);
  if ("problem" in backend) return fail("failed", [plain(backend.problem)], diagnostics);
  // 6. Methods for the driver.
  const methods = driverMethods(specs, identities);
  // 7. The column store shared with `pnnc run`, the run store and the pending runs.
  const storeDir =
    opts.store === false ? null : (opts.store ?? join(dirname(files[0] ?? "."), ".pnn", "store"));
  // A mistyped --store (a file, an unrelated folder) is refused before anything is written into it.
  const columnStore = storeDir === null || opts.assemble ? null : ColumnStore.create(storeDir);
  if (columnStore && "problem" in columnStore)
    return fail("failed", [plain(columnStore.problem)], diagnostics);
  const out = opts.out ?? join("results", `compare-${specs.map((s) => s.ir.name).join("-")}`);
  const hash = specDigest(specs.map((s) => s.hash).join("\u0000"), PNNC_VERSION);
  const store = fileStore<RunRecord[]>(
    join(out, "runs"),
    hash,
    backend.name,
    checkRunRecords(methods.length),
  );
  if (!store) return fail("failed", [plain(`cannot create \`${join(out, "runs")}\``)], diagnostics);
  const repeatsRun = Math.min(repeats, first.ir.evaluation.repeats);
  const protocol = protocolRuns(repeatsRun, foldsPerRepeat(first.data));
  const runs = slice.value ? sliceRuns(protocol, slice.value) : protocol;
  const inRuns = new Set(runs.map(runKey));
  const missing = () => pendingRuns(store, repeatsRun, foldsPerRepeat(first.data));
  const pending = missing().filter((p) => inRuns.has(runKey(p)));
  if (opts.assemble && pending.length > 0)
    return fail(
      "failed",
      [missingRunsProblem(pending, protocol.length, join(out, "runs"))],
      diagnostics,
    );
  return succeed(
    {
      files,
      options: opts,
      specs,
      compared,
      backend: backend.name,
      out,
      repeats,
      df,
      pending,
      slice: slice.value,
      total: protocol.length,
      shape: { repeats: repeatsRun, folds: foldsPerRepeat(first.data) },
      runs,
      missing,
      workers: Math.min(workers, pending.length),
      shared: sharedTrainings(methods),
      unsaved: store.unsaved,
      execute: (extra) =>
        runMethods(backend.tf, methods, {
          ...extra,
          store,
          cacheFrozen: opts.frozenCache !== false,
          ...(columnStore === null
            ? {}
            : {
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

/** Each spec checked and loaded in turn; the first that fails stops the comparison. */
async function loadSpecs(files: string[]): Promise<Outcome<LoadedSpec[]>> {
  const specs: LoadedSpec[] = [];
  const diagnostics: SpecDiagnostics[] = [];
  for (const file of files) {
    const loaded = await loadSpec(file);
    diagnostics.push(...loaded.diagnostics);
    if (!loaded.ok) return { ...loaded, diagnostics };
    specs.push(loaded.value);
  }
  return succeed(specs, { diagnostics });
}

/** One driver method per spec, its columns keyed by content so identical ones are trained once. */
function driverMethods(
  specs: readonly LoadedSpec[],
  identities: readonly ReadonlyMap<string, string>[],
): Method<ColumnModel>[] {
  return specs.map((spec, i) => ({
    name: spec.ir.name,
    plan: { ...planOf(spec.ir), keys: columnKeys(spec.ir, identities[i] ?? new Map()) },
    data: spec.data,
  }));
}

function sharedTrainings(methods: readonly Method<ColumnModel>[]): number {
  const keyCounts = new Map<string, number>();
  for (const m of methods)
    for (const k of m.plan.keys?.values() ?? []) keyCounts.set(k, (keyCounts.get(k) ?? 0) + 1);
  return [...keyCounts.values()].reduce((n, c) => n + c - 1, 0);
}
