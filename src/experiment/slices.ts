/**
 * Splitting a run's or comparison's (repeat, fold) runs between separate commands: `--shard I/N`
 * takes the I-th of N contiguous, near-equal slices of the protocol's runs in order, the same slice
 * whatever is stored already, so any scheduler can hand slice I to whichever machine it likes.
 * In: option text, repeats and folds. Out: slices, the runs in one, and the problem of runs missing.
 */
import { coded, type Problem } from "./outcome.js";
import type { Checked } from "./options.js";

export type RunPair = [repeat: number, fold: number];

/** Slice `index` (1-based) of `count`. */
export interface Slice {
  index: number;
  count: number;
}

/** `--shard I/N`: whole numbers with 1 ≤ I ≤ N. */
export function sliceOption(text: string | undefined): Checked<Slice | null> {
  if (text === undefined) return { value: null };
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || count < 1 || index > count)
    return {
      problem: coded(
        "PNN5008",
        `\`--shard\` takes I/N with 1 ≤ I ≤ N (slice I of N), not \`${text}\``,
      ),
    };
  return { value: { index, count } };
}

/** Every (repeat, fold) run of `repeats` × `folds`, repeat-major, as the driver runs them. */
export function protocolRuns(repeats: number, folds: number): RunPair[] {
  const runs: RunPair[] = [];
  for (let r = 1; r <= repeats; r++) for (let f = 1; f <= folds; f++) runs.push([r, f]);
  return runs;
}

/** The runs of `slice`: contiguous, sizes differing by at most one; empty when N exceeds the runs. */
export function sliceRuns(runs: readonly RunPair[], slice: Slice): RunPair[] {
  const start = Math.floor(((slice.index - 1) * runs.length) / slice.count);
  const end = Math.floor((slice.index * runs.length) / slice.count);
  return runs.slice(start, end);
}

export const runKey = ([repeat, fold]: RunPair) => `${repeat}-${fold}`;

export function runLabel([repeat, fold]: RunPair): string {
  return `repeat ${repeat} fold ${fold}`;
}

/** "repeat 1 fold 3, repeat 2 fold 7 and 4 more". */
export function runList(runs: readonly RunPair[], shown = 8): string {
  const named = runs.slice(0, shown).map(runLabel).join(", ");
  return runs.length > shown ? `${named} and ${runs.length - shown} more` : named;
}

/** `--assemble` found runs the store lacks (PNN5009). */
export function missingRunsProblem(
  missing: readonly RunPair[],
  total: number,
  dir: string,
): Problem {
  return coded(
    "PNN5009",
    `${missing.length} of ${total} runs are not in \`${dir}\`: ${runList(missing)}`,
    "train them first (the slices that hold them: `--shard I/N` again, or resubmit with `--slurm`; `pnnc status DIR` lists them), or run without `--assemble` to train them here",
  );
}
