/**
 * Everything `pnnc compare` does before training, shared by the main thread and worker threads:
 * 1. check the options; 2. load every spec; 3. check the protocol (distinct names, one evaluation
 * protocol); 4. check the methods (two or more, on the same runs and classes, a known baseline,
 * `--repeats` within the protocol); 5. select the backend; 6. build one driver method per spec,
 * with column keys so a column several specs declare identically trains once per run; 7. open the
 * run store and plan the pending (repeat, fold) runs.
 * In: spec paths and the comparison's options. Out: a PreparedCompare whose `execute` trains, or why not.
 */
import { join } from "node:path";
import type { ColumnModel } from "../engine/column-model.js";
import { methodsOf, type MethodRef } from "../engine/compare.js";
import { planOf } from "../engine/run-spec.js";
import { selectBackend, type BackendName } from "../runtime/backends.js";
import { runMethods, type Method } from "../runtime/driver.js";
import { specDigest } from "../runtime/files.js";
import type { RunRecord, RunResults } from "../runtime/results.js";
import { columnKeys, datasetIdentities } from "../store/column-key.js";
import { PNNC_VERSION } from "../version.js";
import { foldsPerRepeat, loadSpec, type LoadedSpec } from "./load-spec.js";
import { backendOption, dfOption, repeatsOption, workersOption } from "./options.js";
import {
  fail,
  plain,
  succeed,
  type Outcome,
  type Problem,
  type SpecDiagnostics,
} from "./outcome.js";
import {
  duplicateName,
  otherProtocol,
  otherRuns,
  tooFewMethods,
  tooManyRepeats,
  unknownBaseline,
} from "./protocol.js";
import { fileStore, pendingRuns } from "./run-store.js";

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
  /** Pending (1-based repeat, fold) pairs within `repeats` that the run store lacks. */
  pending: [number, number][];
  /** Worker threads to train the pending runs in (1: this thread only). */
  workers: number;
  /** Column trainings per run that sharing saves: keys declared by more than one spec. */
  shared: number;
  /** Runs the run store could not save (filled while executing). */
  unsaved: readonly Problem[];
  execute(extra: {
    progress?: (m: string) => void;
    only?: (repeat: number, fold: number) => boolean;
  }): Promise<RunResults[]>;
}

export async function prepareCompare(
  files: string[],
  opts: CompareOptions,
): Promise<Outcome<PreparedCompare>> {
  // 1. Options.
  const workers = workersOption(opts.workers);
  if ("problem" in workers) return fail("usage", [workers.problem]);
  const repeats = repeatsOption(opts.repeats);
  if ("problem" in repeats) return fail("usage", [repeats.problem]);
  const df = dfOption(opts.df);
  if ("problem" in df) return fail("usage", [df.problem]);
  const requested = backendOption(opts.backend);
  if ("problem" in requested) return fail("usage", [requested.problem]);
  // 2. Specs.
  const loaded = await loadSpecs(files);
  if (!loaded.ok) return loaded;
  const { diagnostics } = loaded;
  const specs = loaded.value;
  const first = specs[0];
  if (!first) return fail("usage", [plain("no spec to compare")]);
  const refuse = (failure: "usage" | "failed", problem: Problem) =>
    fail(failure, [problem], diagnostics);
  // 3. Protocol.
  const protocol = duplicateName(specs) ?? otherProtocol(specs);
  if (protocol) return refuse("failed", protocol);
  // 4. Methods.
  const identities = specs.map((s) => datasetIdentities(s.data));
  const compared = methodsOf(
    specs.map((s) => s.ir),
    opts.task ?? null,
  );
  const few = tooFewMethods(compared);
  if (few) return refuse("usage", few);
  const odd = otherRuns(specs, compared.methods, identities);
  if (odd) return refuse("failed", odd);
  const request =
    tooManyRepeats(repeats.value, first.ir) ?? unknownBaseline(opts.baseline, compared.methods);
  if (request) return refuse("usage", request);
  // 5. Backend.
  const backend = await selectBackend(requested.value);
  if ("problem" in backend) return refuse("failed", plain(backend.problem));
  // 6. Methods for the driver.
  const methods = driverMethods(specs, identities);
  // 7. Run store and pending runs.
  const out = opts.out ?? join("results", `compare-${specs.map((s) => s.ir.name).join("-")}`);
  const hash = specDigest(specs.map((s) => s.hash).join("\u0000"), PNNC_VERSION);
  const store = fileStore<RunRecord[]>(join(out, "runs"), hash, backend.name);
  if (!store) return refuse("failed", plain(`cannot create \`${join(out, "runs")}\``));
  const repeatsRun = Math.min(repeats.value, first.ir.evaluation.repeats);
  const pending = pendingRuns(store, repeatsRun, foldsPerRepeat(first.data));
  return succeed(
    {
      files,
      options: opts,
      specs,
      compared,
      backend: backend.name,
      out,
      repeats: repeats.value,
      df: df.value,
      pending,
      workers: Math.min(workers.value, pending.length),
      shared: sharedTrainings(methods),
      unsaved: store.unsaved,
      execute: (extra) =>
        runMethods(backend.tf, methods, {
          ...extra,
          store,
          cacheFrozen: opts.frozenCache !== false,
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
