/**
 * Cross-validation folds and runs. Folds are assigned once per dataset and repeat, from the
 * evaluation seed, so every task and method of a spec sees the same split (paired comparisons).
 * In: the fold scheme, each row's group and stratum, a seed. Out: a fold per row, or a FoldProblem.
 *   stratified           every group appears in every fold, classes balanced within groups (the paper)
 *   grouped              each group in exactly one fold, folds balanced by size (group-independent)
 *   leave_one_group_out  one fold per group
 */
import { hashSeed, Prng } from "./prng.js";
import type { CountedFoldKind, FoldKind } from "./vocabulary.js";

/** The spec's `folds` setting (the IR's FoldsIr). */
export type FoldScheme =
  { kind: CountedFoldKind; k: number } | { kind: Exclude<FoldKind, CountedFoldKind> };

/** Why folds cannot be assigned; pnnc turns it into a located diagnostic. */
export interface FoldProblem {
  code: "PNN4010" | "PNN4016";
  message: string;
  hint: string;
}

export interface FoldAssignment {
  k: number;
  /** Fold index per row. */
  fold: Int32Array;
}

export interface RowKeys {
  /** Group per row (null: the dataset declares none and all rows form one group). */
  groups: readonly string[] | null;
  /** Stratum per row: the row's labels across the dataset's tasks. */
  strata: readonly string[];
}

function rowsByGroup(keys: RowKeys): Map<string, number[]> {
  const out = new Map<string, number[]>();
  keys.strata.forEach((_, r) => {
    const g = keys.groups?.[r] ?? "";
    const list = out.get(g);
    if (list) list.push(r);
    else out.set(g, [r]);
  });
  // Code-unit order, not localeCompare: ICU versions differ between Node builds, folds must not.
  return new Map([...out].sort(([a], [b]) => compare(a, b)));
}

export function assignFolds(
  scheme: FoldScheme,
  keys: RowKeys,
  seed: number,
  shownPath: string,
): FoldAssignment | FoldProblem {
  const rng = new Prng(seed);
  const groups = rowsByGroup(keys);
  const fold = new Int32Array(keys.strata.length);
  if (scheme.kind === "leave_one_group_out") {
    [...groups.values()].forEach((rows, g) => rows.forEach((r) => (fold[r] = g)));
    return { k: groups.size, fold };
  }
  const k = scheme.k;
  if (scheme.kind === "grouped") {
    if (groups.size < k) {
      return {
        code: "PNN4016",
        message: `\`${shownPath}\` has ${groups.size} groups, fewer than the ${k} group-independent folds`,
        hint: `use at most ${groups.size} folds, or \`folds leave_one_group_out\``,
      };
    }
    const sizes = new Array<number>(k).fill(0);
    const order = rng.shuffle([...groups.values()]).sort((a, b) => b.length - a.length);
    for (const rows of order) {
      const target = sizes.indexOf(Math.min(...sizes));
      sizes[target] = (sizes[target] ?? 0) + rows.length;
      for (const r of rows) fold[r] = target;
    }
    return { k, fold };
  }
  for (const [group, rows] of groups) {
    if (rows.length < k) {
      const who = keys.groups ? `group \`${group}\` of \`${shownPath}\`` : `\`${shownPath}\``;
      return {
        code: "PNN4010",
        message: `${who} has ${rows.length} row${rows.length === 1 ? "" : "s"}, fewer than the ${k} folds`,
        hint: "every group needs a row in every fold; use fewer folds or drop the group with `exclude`",
      };
    }
  }
  dealStratified(k, [...groups.values()], keys.strata, rng, fold);
  return { k, fold };
}

/**
 * Within each group, rows ordered by stratum are dealt round-robin over consecutive folds, so a group
 * with at least k rows lands in every fold. Where the deal starts is chosen per group (groups in
 * shuffled order) to put each row where its stratum is rarest so far, which keeps every class spread
 * over all folds even when it has only a few rows per group.
 */
function dealStratified(
  k: number,
  groups: number[][],
  strata: readonly string[],
  rng: Prng,
  fold: Int32Array,
): void {
  const stratumIds = new Map<string, number>();
  const idOf = (r: number) => {
    const key = strata[r] ?? "";
    let id = stratumIds.get(key);
    if (id === undefined) stratumIds.set(key, (id = stratumIds.size));
    return id;
  };
  const counts: number[][] = [];
  const count = (f: number, s: number) => counts[s]?.[f] ?? 0;
  for (const rows of rng.shuffle([...groups])) {
    const dealt = rng.shuffle([...rows]).sort((a, b) => compare(strata[a], strata[b]));
    const ids = dealt.map(idOf);
    let best = 0;
    let bestCost = Infinity;
    for (const offset of rng.shuffle(Array.from({ length: k }, (_, i) => i))) {
      let cost = 0;
      ids.forEach((s, i) => (cost += count((offset + i) % k, s)));
      if (cost < bestCost) [best, bestCost] = [offset, cost];
    }
    dealt.forEach((r, i) => {
      const f = (best + i) % k;
      const s = ids[i] ?? 0;
      fold[r] = f;
      (counts[s] ??= new Array<number>(k).fill(0))[f] = count(f, s) + 1;
    });
  }
}

function compare(a: string | undefined, b: string | undefined): number {
  return (a ?? "") < (b ?? "") ? -1 : (a ?? "") > (b ?? "") ? 1 : 0;
}

export interface Run {
  repeat: number;
  /** Index within the repeat: run i tests fold i. */
  index: number;
  test: number;
  validation: number[];
  /** Training folds in a fixed order; `train_folds n` uses the first n. */
  train: number[];
}

/** k runs per repeat: fold i tests, the next `validation` folds early-stop, the rest train. */
export function runsOf(k: number, validationFolds: number, repeat: number): Run[] {
  return Array.from({ length: k }, (_, i) => {
    const after = Array.from({ length: k - 1 }, (_, j) => (i + 1 + j) % k);
    return {
      repeat,
      index: i,
      test: i,
      validation: after.slice(0, validationFolds),
      train: after.slice(validationFolds),
    };
  });
}

/** The rows of a dataset that fall in the given folds. */
export function rowsIn(assignment: FoldAssignment, folds: readonly number[]): Int32Array {
  const wanted = new Set(folds);
  const out: number[] = [];
  assignment.fold.forEach((f, r) => {
    if (wanted.has(f)) out.push(r);
  });
  return Int32Array.from(out);
}

/** The seed of repeat r: depends on the evaluation seed only, so specs over the same data pair up. */
export function foldSeed(seed: number, repeat: number): number {
  return hashSeed("folds", seed, repeat);
}

export interface DatasetSplits {
  /** One fold assignment per repeat. */
  folds: FoldAssignment[];
  /** Runs per repeat (k each). */
  runs: Run[][];
}

export interface SplitSettings {
  scheme: FoldScheme;
  repeats: number;
  /** The evaluation seed; repeat r assigns folds with foldSeed(seed, r). */
  seed: number;
  validationFolds: number;
}

/** Whether a label never changes within a group (a speaker's id or gender, grouped by speaker). */
function constantWithinGroups(y: Int32Array, groups: readonly string[]): boolean {
  const seen = new Map<string, number>();
  return groups.every((g, r) => {
    const first = seen.get(g);
    if (first === undefined) seen.set(g, y[r] ?? -1);
    return first === undefined || first === y[r];
  });
}

/**
 * A dataset's folds for every repeat. Rows are stratified by their labels across the dataset's tasks
 * (in declaration order), so every task of the dataset shares one split. Labels that are constant
 * within each group carry nothing to balance inside a group and are left out, so specs that add a
 * speaker or gender task next to emotion keep the folds of an emotion-only spec: their methods
 * are compared on identical runs.
 */
export function splitDataset(
  labels: readonly Int32Array[],
  groups: readonly string[] | null,
  settings: SplitSettings,
  shownPath: string,
): DatasetSplits | FoldProblem {
  const rows = labels[0]?.length ?? 0;
  const varying = groups ? labels.filter((y) => !constantWithinGroups(y, groups)) : labels;
  const strata = Array.from({ length: rows }, (_, r) => varying.map((y) => y[r]).join("|"));
  const folds: FoldAssignment[] = [];
  for (let repeat = 0; repeat < settings.repeats; repeat++) {
    const seed = foldSeed(settings.seed, repeat);
    const assignment = assignFolds(settings.scheme, { groups, strata }, seed, shownPath);
    if ("code" in assignment) return assignment;
    folds.push(assignment);
  }
  const k = folds[0]?.k ?? 0;
  return { folds, runs: folds.map((_, r) => runsOf(k, settings.validationFolds, r)) };
}
