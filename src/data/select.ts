/**
 * Resolves a dataset's declarations against its file's header: which columns are features (a list,
 * ranges by name, or all numeric columns except some), and that every named column exists.
 * In: the IR dataset and the header. Out: a FeaturePlan, or a DataProblem with "did you mean".
 */
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import type { DatasetIr, TaskIr } from "../ir/types.js";
import type { DataProblem } from "./problem.js";
import type { FeaturePlan } from "./read-table.js";

/** Columns openSMILE writes that are never features. */
const OPENSMILE_META = new Set(["name", "frameTime"]);

export function unknownColumn(
  name: string,
  header: string[],
  shownPath: string,
  role: string,
): DataProblem {
  const suggestions = closestNames(name, header);
  return {
    code: "PNN4008",
    message: `${role} \`${name}\` is not a column of \`${shownPath}\``,
    hint:
      didYouMean(suggestions) ??
      `its columns are ${header
        .slice(0, 6)
        .map((h) => `\`${h}\``)
        .join(", ")}${header.length > 6 ? ", …" : ""}`,
    suggestions,
  };
}

/** Every column the spec names outside `features` must exist. */
export function checkNamedColumns(
  dataset: DatasetIr,
  tasks: TaskIr[],
  header: string[],
): DataProblem | null {
  const named: [string, string][] = [
    ...tasks.map((t): [string, string] => [t.label, `the label of task \`${t.id}\``]),
    ...dataset.exclude.map((e): [string, string] => [e.column, "the `exclude` column"]),
  ];
  if (dataset.group !== null) named.push([dataset.group, "the group column"]);
  for (const [name, role] of named) {
    if (!header.includes(name)) return unknownColumn(name, header, dataset.file, role);
  }
  return null;
}

export function planFeatures(dataset: DatasetIr, header: string[]): FeaturePlan | DataProblem {
  const index = new Map(header.map((h, i) => [h, i]));
  const features = dataset.features;
  if (features.kind === "numeric") {
    for (const name of features.except) {
      if (!index.has(name)) return unknownColumn(name, header, dataset.file, "the excepted column");
    }
    const except = new Set(features.except);
    const candidates = header
      .map((h, i) => ({ h, i }))
      .filter(
        ({ h }) => !except.has(h) && !(dataset.format === "opensmile" && OPENSMILE_META.has(h)),
      )
      .map(({ i }) => i);
    return { candidates, strict: false };
  }
  const candidates: number[] = [];
  for (const item of features.items) {
    if ("column" in item) {
      const i = index.get(item.column);
      if (i === undefined) return unknownColumn(item.column, header, dataset.file, "the feature");
      candidates.push(i);
      continue;
    }
    const from = index.get(item.from);
    const to = index.get(item.to);
    if (from === undefined)
      return unknownColumn(item.from, header, dataset.file, "the range start");
    if (to === undefined) return unknownColumn(item.to, header, dataset.file, "the range end");
    if (from > to) {
      return {
        code: "PNN4008",
        message: `the range \`${item.from} .. ${item.to}\` runs backwards in \`${dataset.file}\``,
        hint: `\`${item.to}\` comes before \`${item.from}\` in the header; swap them`,
      };
    }
    for (let i = from; i <= to; i++) candidates.push(i);
  }
  return { candidates: [...new Set(candidates)], strict: true };
}
