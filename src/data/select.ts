/**
 * Resolves a dataset's declarations against its file's header: which columns are features (a list,
 * ranges by name, or all numeric columns except some), and that every named column exists.
 * In: the IR dataset, its tasks, the header and the IR paths to blame. Out: a FeaturePlan, or a
 * DataProblem with "did you mean", located at the misspelt name in the spec.
 */
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import type { DatasetIr, TaskIr } from "../ir/types.js";
import type { DataProblem } from "./problem.js";
import type { FeaturePlan } from "./read-table.js";

/** Columns openSMILE writes that are never features. */
const OPENSMILE_META = new Set(["name", "frameTime"]);

/** IR paths of the spec values a data problem can blame: the dataset, and each task by id. */
export interface SpecPaths {
  dataset: string;
  tasks: ReadonlyMap<string, string>;
}

export function unknownColumn(
  name: string,
  header: string[],
  shownPath: string,
  role: string,
  at: string,
): DataProblem {
  const suggestions = closestNames(name, header);
  const some = header.slice(0, 6).map((h) => `\`${h}\``);
  return {
    code: "PNN4008",
    message: `${role} \`${name}\` is not a column of \`${shownPath}\``,
    hint:
      didYouMean(suggestions) ??
      `its columns are ${some.join(", ")}${header.length > 6 ? ", …" : ""}`,
    suggestions,
    at,
  };
}

/** Every column the spec names outside `features` must exist. */
export function checkNamedColumns(
  dataset: DatasetIr,
  tasks: TaskIr[],
  header: string[],
  paths: SpecPaths,
): DataProblem | null {
  const named: [name: string, role: string, at: string][] = [
    ...tasks.map((t): [string, string, string] => [
      t.label,
      `the label of task \`${t.id}\``,
      `${paths.tasks.get(t.id) ?? paths.dataset}/label`,
    ]),
    ...dataset.exclude.map((e, k): [string, string, string] => [
      e.column,
      "the `exclude` column",
      `${paths.dataset}/exclude/${k}/column`,
    ]),
  ];
  if (dataset.group !== null)
    named.push([dataset.group, "the group column", `${paths.dataset}/group`]);
  for (const [name, role, at] of named) {
    if (!header.includes(name)) return unknownColumn(name, header, dataset.file, role, at);
  }
  return null;
}

export function planFeatures(
  dataset: DatasetIr,
  header: string[],
  paths: SpecPaths,
): FeaturePlan | DataProblem {
  const at = `${paths.dataset}/features`;
  const index = new Map(header.map((h, i) => [h, i]));
  const features = dataset.features;
  const unknown = (name: string, role: string, path: string) =>
    unknownColumn(name, header, dataset.file, role, path);
  if (features.kind === "numeric") {
    for (const [k, name] of features.except.entries()) {
      if (!index.has(name)) return unknown(name, "the excepted column", `${at}/except/${k}`);
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
  for (const [k, item] of features.items.entries()) {
    const itemAt = `${at}/items/${k}`;
    if ("column" in item) {
      const i = index.get(item.column);
      if (i === undefined) return unknown(item.column, "the feature", itemAt);
      candidates.push(i);
      continue;
    }
    const from = index.get(item.from);
    const to = index.get(item.to);
    if (from === undefined) return unknown(item.from, "the range start", `${itemAt}/from`);
    if (to === undefined) return unknown(item.to, "the range end", `${itemAt}/to`);
    if (from > to) {
      return {
        code: "PNN4008",
        message: `the range \`${item.from} .. ${item.to}\` runs backwards in \`${dataset.file}\``,
        hint: `\`${item.to}\` comes before \`${item.from}\` in the header; swap them`,
        at: itemAt,
      };
    }
    for (let i = from; i <= to; i++) candidates.push(i);
  }
  return { candidates: [...new Set(candidates)], strict: true };
}
