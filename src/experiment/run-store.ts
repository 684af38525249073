/**
 * The run store: one JSON file per finished (repeat, fold) run in DIR/runs/, written atomically, so
 * an interrupted run or comparison resumes from completed work. A file is reused only when it was
 * written for the same run hash and backend, so a changed spec or data file never mixes in stale results.
 * In: a folder, the run hash, the backend. Out: load/save by (repeat, fold), or null when the folder cannot be made.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunRecord } from "../runtime/results.js";
import { writeFileAtomic } from "./files.js";
import type { Problem } from "./outcome.js";

export interface FileStore<T> {
  load(repeat: number, fold: number): T | null;
  save(repeat: number, fold: number, record: T): void;
  /**
   * Runs that could not be saved. Not fatal: their results are still reported; only resuming
   * them is lost (a later command trains them again).
   */
  readonly unsaved: Problem[];
}

export function fileStore<T = RunRecord>(
  dir: string,
  specHash: string,
  backend: string,
): FileStore<T> | null {
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return null;
  }
  const path = (repeat: number, fold: number) => join(dir, `repeat${repeat}-fold${fold}.json`);
  const unsaved: Problem[] = [];
  return {
    unsaved,
    load(repeat, fold) {
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
    save(repeat, fold, record) {
      const problem = writeFileAtomic(
        path(repeat, fold),
        JSON.stringify({ specHash, backend, record }),
      );
      if (problem)
        unsaved.push({
          message: `${problem} (repeat ${repeat}, fold ${fold} will not be resumable)`,
        });
    },
  };
}

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
