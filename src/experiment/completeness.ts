/**
 * Whether assembled results hold the runs the protocol asks for, checked by `pnnc run` on
 * results.json and by `pnnc compare` on each method's results before compare.json is written.
 * In: the results, the repeats and folds run, the runs left out on purpose, the file's name.
 * Out: one problem per (repeat, fold) lacking runs or holding a column's run twice.
 */
import type { RunResults } from "../runtime/results.js";
import { plain, type Problem } from "./outcome.js";

/**
 * Every (repeat, fold) must have runs, as many as the others, and no column's run twice. The run
 * store validates each file, but not that a record holds all of its columns, so a damaged or
 * edited store can still assemble incomplete results. Runs left out (`--keep-going`) are reported
 * on their own and not counted here.
 */
export function incompleteRuns(
  results: Pick<RunResults, "runs">,
  protocol: { repeats: number; folds: number },
  leftOut: (repeat: number, fold: number) => boolean,
  file: string,
): Problem[] {
  const byRun = new Map<string, string[]>();
  for (const r of results.runs) {
    const at = `repeat ${r.repeat}, fold ${r.fold}`;
    byRun.set(at, [...(byRun.get(at) ?? []), `${r.column}\u0000${r.trainFolds ?? ""}`]);
  }
  const expected = Math.max(0, ...[...byRun.values()].map((ids) => ids.length));
  const problems: Problem[] = [];
  for (let repeat = 1; repeat <= protocol.repeats; repeat++)
    for (let fold = 1; fold <= protocol.folds; fold++) {
      if (leftOut(repeat, fold)) continue;
      const at = `repeat ${repeat}, fold ${fold}`;
      const ids = byRun.get(at) ?? [];
      if (ids.length < expected)
        problems.push(
          plain(`${file} lacks runs of ${at} (${ids.length} of ${expected} column runs)`),
        );
      if (new Set(ids).size !== ids.length)
        problems.push(plain(`${file} holds a column's run twice in ${at}`));
    }
  return problems;
}
