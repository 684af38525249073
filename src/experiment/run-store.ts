/**
 * The run store: one JSON file per finished (repeat, fold) run in DIR/runs/, written atomically, so
 * an interrupted run or comparison resumes from completed work. A file is reused only when its
 * shape validates, it names the same run hash, backend, repeat and fold, and its checksum (over all
 * it holds) matches; anything else is reported once and trained again, and the new file replaces it.
 * While a run trains, a lease beside its file (store/lease.ts) makes concurrent commands wait for it.
 * In: a folder, the run hash, the backend, a record validator. Out: load/save/claim by (repeat, fold).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import resultsSchema from "../engine/results.schema.json" with { type: "json" };
import type { RunClaims } from "../runtime/driver.js";
import type { RunRecord } from "../runtime/results.js";
import { claimLease, DEFAULT_LEASE_TIMING, type Lease, type LeaseTiming } from "../store/lease.js";
import { writeFileAtomic } from "./files.js";
import type { Problem } from "./outcome.js";

/**
 * Run file format 2 added `format`, `repeat`, `fold` and `checksum`. Files without them (format 1)
 * cannot be verified, so their runs are trained again once and rewritten.
 */
export const RUN_FILE_FORMAT = 2;

export interface FileStore<T> extends RunClaims {
  load(repeat: number, fold: number): T | null;
  save(repeat: number, fold: number, record: T): void;
  /**
   * Runs that could not be saved, and files that were not trusted. Not fatal: results are still
   * reported; only resuming is lost (a later command trains them again).
   */
  readonly unsaved: Problem[];
}

/** What is wrong with a stored record for (repeat, fold), or null when it may be used. */
export type RecordCheck = (record: unknown, repeat: number, fold: number) => string | null;

const anyObject: RecordCheck = (record) =>
  typeof record === "object" && record !== null ? null : "holds no record";

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

export function fileStore<T = RunRecord>(
  dir: string,
  specHash: string,
  backend: string,
  check: RecordCheck = anyObject,
  timing: LeaseTiming = DEFAULT_LEASE_TIMING,
): FileStore<T> | null {
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return null;
  }
  const path = (repeat: number, fold: number) => join(dir, `repeat${repeat}-fold${fold}.json`);
  const unsaved: Problem[] = [];
  // A run being trained has a lease beside its future file, so a concurrent command waits for it.
  const leases = new Map<string, Lease>();
  // pendingRuns and the driver both load each file; a distrusted one is worth saying once.
  const reported = new Set<string>();
  const distrust = (file: string, why: string) => {
    if (reported.has(file)) return null;
    reported.add(file);
    unsaved.push({ message: `not using \`${file}\`: ${why}; training that run again` });
    return null;
  };
  return {
    unsaved,
    pollMs: Math.min(1000, timing.ttlMs / 4),
    claim(repeat, fold) {
      const claim = claimLease(join(dir, `repeat${repeat}-fold${fold}.lease`), timing);
      if ("busy" in claim) return claim;
      leases.set(`${repeat}-${fold}`, claim.held);
      return true;
    },
    release(repeat, fold) {
      leases.get(`${repeat}-${fold}`)?.release();
      leases.delete(`${repeat}-${fold}`);
    },
    load(repeat, fold) {
      const file = path(repeat, fold);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        return null;
      }
      let saved: unknown;
      try {
        saved = JSON.parse(text);
      } catch {
        return distrust(file, "it is not JSON");
      }
      if (typeof saved !== "object" || saved === null || Array.isArray(saved))
        return distrust(file, "it is not a run file");
      const { checksum, ...body } = saved as Record<string, unknown>;
      // Another spec, data or backend: stale by design, not damage, so said nothing about.
      if (body.specHash !== specHash || body.backend !== backend) return null;
      if (body.format !== RUN_FILE_FORMAT)
        return distrust(file, `it is in run file format ${String(body.format ?? 1)}`);
      if (checksum !== digest(JSON.stringify(body)))
        return distrust(file, "it does not match its checksum");
      if (body.repeat !== repeat || body.fold !== fold)
        return distrust(file, "it holds another repeat or fold");
      const problem = check(body.record, repeat, fold);
      if (problem) return distrust(file, problem);
      return body.record as T;
    },
    save(repeat, fold, record) {
      const body = { format: RUN_FILE_FORMAT, specHash, backend, repeat, fold, record };
      const checksum = digest(JSON.stringify(body));
      const problem = writeFileAtomic(path(repeat, fold), JSON.stringify({ ...body, checksum }));
      if (problem)
        unsaved.push({
          message: `${problem} (repeat ${repeat}, fold ${fold} will not be resumable)`,
        });
    },
  };
}

let validateRecord: ValidateFunction | undefined;

/** Checks one spec's record: results.json's shapes, at least one run, all of this repeat and fold. */
export const checkRunRecord: RecordCheck = (record, repeat, fold) => {
  validateRecord ??= new Ajv({ allErrors: false }).compile({
    definitions: resultsSchema.definitions,
    type: "object",
    required: ["runs", "forgetting"],
    properties: {
      runs: { type: "array", minItems: 1, items: { $ref: "#/definitions/ColumnRun" } },
      forgetting: { type: "array", items: { $ref: "#/definitions/Forgetting" } },
    },
  });
  if (!validateRecord(record)) return "its record does not have the shape of a run";
  const { runs, forgetting } = record as RunRecord;
  if (
    runs.some((r) => r.repeat !== repeat || r.fold !== fold) ||
    forgetting.some((f) => f.repeat !== repeat || f.fold !== fold)
  )
    return "its record holds another repeat's or fold's runs";
  const ids = runs.map((r) => `${r.column}\u0000${r.trainFolds ?? ""}`);
  if (new Set(ids).size !== ids.length) return "its record holds a column's run twice";
  return null;
};

/** Checks a comparison's records: one per method, each a valid run record. */
export const checkRunRecords =
  (methods: number): RecordCheck =>
  (records, repeat, fold) => {
    if (!Array.isArray(records) || records.length !== methods)
      return `it does not hold one record for each of the ${methods} methods`;
    for (const record of records) {
      const problem = checkRunRecord(record, repeat, fold);
      if (problem) return problem;
    }
    return null;
  };

/** The (repeat, fold) pairs, 1-based, of `repeats` repeats of `folds` runs that `store` lacks. */
export function pendingRuns(
  store: Pick<FileStore<unknown>, "load">,
  repeats: number,
  folds: number,
): [number, number][] {
  const pending: [number, number][] = [];
  for (let r = 1; r <= repeats; r++)
    for (let f = 1; f <= folds; f++) if (!store.load(r, f)) pending.push([r, f]);
  return pending;
}
