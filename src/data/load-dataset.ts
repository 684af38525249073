/**
 * Loads one dataset of a spec: reads its table, drops excluded rows, applies the missing-value and
 * duplicate-row policies, and derives every task's labels on it.
 * In: the IR dataset, its tasks, the spec's directory. Out: a LoadedDataset (raw, unnormalised
 * features, row-major float32, with warnings about its feature columns) or a DataProblem.
 * Normalisation is per fold, in normalize.ts.
 */
import { isAbsolute, join } from "node:path";
import {
  applyDerivations,
  dataSha256,
  derivedNames,
  sourceColumns,
  sourceOf,
  type DerivationSpec,
  type TextTable,
} from "../runtime/derive.js";
import { fileSha256 } from "../runtime/files.js";
import { audioTable, type AudioTable } from "./audio-table.js";
import type { RowAccounting } from "../runtime/plan.js";
import { readRecords } from "../runtime/table.js";
import type { DatasetIr, TaskIr } from "../ir/types.js";
import { taskLabels, type TaskLabels } from "./labels.js";
import { isProblem, type DataProblem } from "./problem.js";
import { readTable, unreadableTable, type RawTable } from "./read-table.js";
import { checkNamedColumns, planFeatures, unknownColumn, type SpecPaths } from "./select.js";

export interface MissingReport {
  policy: DatasetIr["missing"];
  /** Rows with at least one missing feature value (dropped under `drop`, imputed under `mean`). */
  rows: number;
  /** Missing values per feature column among the rows not excluded; only columns that have some. */
  columns: Record<string, number>;
}

export interface DuplicateReport {
  policy: NonNullable<DatasetIr["duplicates"]>;
  /** Rows whose features repeat an earlier row's (counted before `drop` removes them). */
  rows: number;
  /** Groups of two or more rows with identical features. */
  groups: number;
  /** Rows removed under `duplicates drop`. */
  dropped: number;
  /** Each group's rows (indices into the loaded rows), to tell which groups straddle folds. */
  members: number[][];
  /** Groups whose rows fall in more than one fold of the first repeat (set once folds exist). */
  straddling: number;
}

/** Shares past which the loader warns: a column mostly empty, a policy touching many rows. */
const MOSTLY_EMPTY = 0.5;
const MANY_ROWS = 0.05;

export interface LoadedDataset {
  id: string;
  path: string;
  /** sha256 of the file's bytes: the one hash of it a command takes (run hash, column keys). */
  sha256: string;
  featureNames: string[];
  rows: number;
  dims: number;
  /** rows × dims, row-major; NaN only under `missing mean` (imputed per fold from training rows). */
  x: Float32Array;
  groups: string[] | null;
  /** 1-based line in the file of each kept row. */
  lines: number[];
  tasks: Map<string, TaskLabels>;
  excludedRows: number;
  missing: MissingReport;
  duplicates: DuplicateReport;
  /** What the data suggests is wrong but does not stop the run (PNN3023, PNN4023). */
  warnings: DataProblem[];
  accounting: RowAccounting;
}

export async function loadDataset(
  dataset: DatasetIr,
  tasks: TaskIr[],
  specDir: string,
  paths: SpecPaths,
): Promise<LoadedDataset | DataProblem> {
  let path = isAbsolute(dataset.file) ? dataset.file : join(specDir, dataset.file);
  let format = dataset.format;
  const leftOut: DataProblem[] = [];
  if (format === "audio") {
    // The audio becomes a table first; from there on it is read as any CSV.
    const extracted = await audioTable(dataset.file, specDir);
    if (isProblem(extracted)) return { ...extracted, at: `${paths.dataset}/file` };
    [path, format] = [extracted.path, "csv"];
    if (extracted.failures.length > 0) leftOut.push(filesLeftOut(extracted, paths));
  }
  const derive: DerivationSpec[] = dataset.derive ?? [];
  const joined = await readJoinedTables(derive, specDir, paths);
  if (isProblem(joined)) return joined;
  const made = derivedNames(derive, (_, i) => joined.get(i)?.header ?? []);
  const keep = new Set([
    ...tasks.map((t) => t.label),
    ...dataset.exclude.map((e) => e.column),
    ...sourceColumns(derive),
  ]);
  if (dataset.group !== null) keep.add(dataset.group);
  const table = await readTable({
    path,
    shownPath: dataset.file,
    format,
    keep,
    plan: (header) =>
      checkDerivations(dataset, derive, made, header, paths) ??
      checkNamedColumns(dataset, tasks, [...header, ...made.flat()], paths) ??
      planFeatures(dataset, header, paths),
  });
  if (isProblem(table)) return table;
  const derived = applyDerivations(
    derive,
    table.text,
    table.header,
    table.lines,
    dataset.file,
    (_, i) => joined.get(i) ?? { header: [], rows: [], lines: [] },
  );
  if ("message" in derived) {
    const { index, kind, message, hint } = derived;
    const code = DERIVATION_CODES[kind];
    return { code, message, hint, at: `${paths.dataset}/derive/${index}` };
  }
  for (const [name, values] of derived) table.text.set(name, values);
  // Messages name the spec's own path (for audio, its pattern), never the cache's table.
  const shown = isAbsolute(dataset.file) ? dataset.file : join(specDir, dataset.file);
  const assembled = assemble(dataset, tasks, shown, table, paths, originsOf(derive, made));
  if (isProblem(assembled)) return assembled;
  const joinedHashes = [...joined.values()].map((j) => j.sha256);
  return {
    ...assembled,
    warnings: [...leftOut, ...assembled.warnings],
    sha256: dataSha256(await fileSha256(path), joinedHashes),
  };
}

/** PNN4033: the audio files extraction could not read, named with why (the first 10). */
function filesLeftOut(table: AudioTable, paths: SpecPaths): DataProblem {
  const named = table.failures.slice(0, 10).map((f) => `\`${f.file}\`: ${f.problem}`);
  const more = table.failures.length > 10 ? `; and ${table.failures.length - 10} more` : "";
  return {
    code: "PNN4033",
    message: `${table.failures.length} of ${table.files} audio files could not be read and are left out: ${named.join("; ")}${more}`,
    at: `${paths.dataset}/file`,
  };
}

/** The diagnostic of each kind of derivation problem. */
export const DERIVATION_CODES = {
  source: "PNN4008",
  pattern: "PNN4028",
  map: "PNN4029",
  join: "PNN4030",
  clash: "PNN4031",
} as const;

type JoinedTable = TextTable & { sha256: string };

/** Each join's table, read whole (metadata tables are small), by the join's index in `derive`. */
async function readJoinedTables(
  derive: readonly DerivationSpec[],
  specDir: string,
  paths: SpecPaths,
): Promise<Map<number, JoinedTable> | DataProblem> {
  const tables = new Map<number, JoinedTable>();
  for (const [i, d] of derive.entries()) {
    if (d.kind !== "join") continue;
    const at = `${paths.dataset}/derive/${i}/file`;
    const path = isAbsolute(d.file) ? d.file : join(specDir, d.file);
    const unreadable = await unreadableTable(path, d.file);
    if (unreadable) return { ...unreadable, at };
    try {
      const { header, rows, sha256 } = readRecords(path, d.format);
      // Data row k is line k + 2 in tables without blank lines or quoted line breaks, as
      // metadata tables are; the lines only name rows in messages.
      tables.set(i, { header, rows, lines: rows.map((_, k) => k + 2), sha256 });
    } catch (e) {
      const why = (e as Error).message.replaceAll(path, d.file);
      return { code: "PNN4004", message: `the joined table: ${why}`, at };
    }
  }
  return tables;
}

/**
 * Before any value is read: every derivation's source column exists (in the table or derived
 * earlier), and no derived column repeats one of the table's (PNN4031).
 */
function checkDerivations(
  dataset: DatasetIr,
  derive: readonly DerivationSpec[],
  made: readonly (readonly string[])[],
  header: string[],
  paths: SpecPaths,
): DataProblem | null {
  const known = new Set(header);
  for (const [i, d] of derive.entries()) {
    const source = sourceOf(d);
    const at = `${paths.dataset}/derive/${i}`;
    const statement = d.kind === "map" ? "derive" : d.kind;
    if (!known.has(source))
      return unknownColumn(
        source,
        [...known],
        dataset.file,
        `the source column of \`${statement}\``,
        at,
      );
    for (const name of made[i] ?? []) {
      if (header.includes(name))
        return {
          code: "PNN4031",
          message: `the derived column \`${name}\` already exists in \`${dataset.file}\``,
          hint: "give the derived column another name, or use the existing column",
          at,
        };
      known.add(name);
    }
  }
  return null;
}

function assemble(
  dataset: DatasetIr,
  tasks: TaskIr[],
  path: string,
  table: RawTable,
  paths: SpecPaths,
  origins: ReadonlyMap<string, string>,
): Omit<LoadedDataset, "sha256"> | DataProblem {
  const featureIdx = [...table.numeric.keys()];
  const columns = featureIdx.map((i) => table.numeric.get(i) ?? new Float32Array());
  const featureNames = featureIdx.map((i) => table.header[i] ?? "");
  if (featureNames.length === 0) {
    return {
      code: "PNN4008",
      message: `no numeric feature column was found in \`${dataset.file}\``,
    };
  }
  const excluded = excludedRows(dataset, table);
  const considered = table.rows - excluded.size;
  let keepRows: number[] = [];
  let missingRows = 0;
  const missingBy = new Array<number>(columns.length).fill(0);
  for (let r = 0; r < table.rows; r++) {
    if (excluded.has(r)) continue;
    const gap = columns.findIndex((c) => Number.isNaN(c[r] ?? Number.NaN));
    if (gap >= 0) {
      missingRows++;
      columns.forEach((c, j) => {
        if (Number.isNaN(c[r] ?? Number.NaN)) missingBy[j] = (missingBy[j] ?? 0) + 1;
      });
      if (dataset.missing === "error") {
        return {
          code: "PNN4013",
          message: `\`${dataset.file}\` line ${table.lines[r]}, column \`${featureNames[gap]}\`: the value is missing`,
          hint: "add `missing drop` or `missing mean` to the dataset to accept rows with missing values",
        };
      }
      if (dataset.missing === "drop") continue;
    }
    keepRows.push(r);
  }
  const duplicates = findDuplicates(columns, keepRows, dataset.duplicates ?? "warn");
  if (dataset.duplicates === "error" && duplicates.rows > 0) {
    const [first, second] = duplicates.members[0] ?? [];
    return {
      code: "PNN4025",
      message: `\`${dataset.file}\` line ${table.lines[keepRows[second ?? 0] ?? 0]} repeats the features of line ${table.lines[keepRows[first ?? 0] ?? 0]}: ${plural(duplicates.rows, "row")} repeat an earlier row's features (${plural(duplicates.groups, "group")} of identical rows)`,
      hint: "remove the repeated rows, or use `duplicates drop` to keep the first row of each group",
      at: `${paths.dataset}/duplicates`,
    };
  }
  if (dataset.duplicates === "drop" && duplicates.dropped > 0) {
    const later = new Set(duplicates.members.flatMap((m) => m.slice(1)));
    keepRows = keepRows.filter((_, k) => !later.has(k));
    duplicates.members = [];
  }
  const warnings = featureWarnings(dataset, featureNames, columns, keepRows, paths, {
    considered,
    missingRows,
    missingBy,
  });
  warnings.push(...selectedLeaks(dataset, tasks, featureNames, paths, origins));
  const dims = columns.length;
  const x = new Float32Array(keepRows.length * dims);
  keepRows.forEach((r, k) => columns.forEach((c, j) => (x[k * dims + j] = c[r] ?? Number.NaN)));
  const pick = (values: string[] | undefined) => keepRows.map((r) => values?.[r] ?? "");
  const lines = keepRows.map((r) => table.lines[r] ?? 0);
  const labels = new Map<string, TaskLabels>();
  for (const task of tasks) {
    const result = taskLabels(task, pick(table.text.get(task.label)), lines, dataset.file);
    if (isProblem(result)) {
      const at = `${paths.tasks.get(task.id) ?? paths.dataset}/label`;
      const lost = [
        ...(dataset.missing === "drop" && missingRows > 0
          ? [`\`missing drop\` dropped ${plural(missingRows, "row")} with missing values`]
          : []),
        ...(duplicates.dropped > 0
          ? [`\`duplicates drop\` dropped ${plural(duplicates.dropped, "row")}`]
          : []),
      ];
      // A class gone missing is often a class whose rows the policies dropped: say so.
      return result.code === "PNN4009" && lost.length > 0
        ? { ...result, message: `${result.message} (${lost.join("; ")})`, at }
        : { ...result, at };
    }
    labels.set(task.id, result);
  }
  const groups = dataset.group === null ? null : pick(table.text.get(dataset.group));
  const emptyGroup = groups?.findIndex((g) => g.trim() === "") ?? -1;
  if (dataset.group !== null && emptyGroup >= 0)
    return {
      code: "PNN4027",
      message: `\`${dataset.file}\` line ${lines[emptyGroup]}, column \`${dataset.group}\`: the group is empty`,
      hint: "every row needs its group (speaker): fill it in, or remove the row",
      at: `${paths.dataset}/group`,
    };
  return {
    id: dataset.id,
    path,
    featureNames,
    rows: keepRows.length,
    dims,
    x,
    groups,
    lines,
    tasks: labels,
    excludedRows: excluded.size,
    missing: {
      policy: dataset.missing,
      rows: missingRows,
      columns: Object.fromEntries(
        featureNames.flatMap((f, j) => ((missingBy[j] ?? 0) > 0 ? [[f, missingBy[j] ?? 0]] : [])),
      ),
    },
    duplicates,
    warnings,
    accounting: {
      file: dataset.file,
      featureNames,
      excluded: excluded.size,
      missingDropped: dataset.missing === "drop" ? missingRows : 0,
      missingImputed: dataset.missing === "mean" ? missingRows : 0,
      duplicatesDropped: duplicates.dropped,
    },
  };
}

/**
 * PNN3023 as the data settles it: under `features numeric` the check phase can only say a label or
 * group column may be selected; here it is known, and only a column really selected is reported.
 */
/** Each derived column's source column (a join's columns come from its `on` column). */
function originsOf(
  derive: readonly DerivationSpec[],
  made: readonly (readonly string[])[],
): Map<string, string> {
  const origins = new Map<string, string>();
  derive.forEach((d, i) => {
    const source = sourceOf(d);
    for (const name of made[i] ?? []) origins.set(name, source);
  });
  return origins;
}

/**
 * PNN3023 for a label or group column that `features numeric` selected, or that is derived from one
 * (`derive gender from actor parity …` with a numeric `actor` among the features): either way the
 * model reads the answer.
 */
function selectedLeaks(
  dataset: DatasetIr,
  tasks: TaskIr[],
  featureNames: string[],
  paths: SpecPaths,
  origins: ReadonlyMap<string, string>,
): DataProblem[] {
  if (dataset.features.kind !== "numeric") return [];
  const selected = new Set(featureNames);
  const roles = [
    ...tasks.map((t) => [t.label, `the label of task \`${t.id}\``] as const),
    ...(dataset.group === null ? [] : [[dataset.group, "the group column"] as const]),
  ];
  const seen = new Set<string>();
  return roles.flatMap(([column, role]) => {
    // The column itself, else the first selected column it is derived from.
    let source: string | undefined = column;
    const chain = new Set<string>();
    while (source !== undefined && !selected.has(source) && !chain.has(source)) {
      chain.add(source);
      source = origins.get(source);
    }
    if (source === undefined || !selected.has(source) || seen.has(source)) return [];
    seen.add(source);
    const what =
      source === column
        ? `\`${column}\`, ${role}`
        : `\`${source}\`, from which ${role} (\`${column}\`) is derived`;
    return [
      {
        code: "PNN3023" as const,
        message: `\`features numeric\` of \`${dataset.id}\` selects ${what}: its values in \`${dataset.file}\` are numbers`,
        hint: `add \`${source}\` to \`except\``,
        at: `${paths.dataset}/features`,
      },
    ];
  });
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Names, then "and N more" past five: a warning about 88 columns stays readable. */
function someNames(items: string[]): string {
  const shown = items.slice(0, 5).join(", ");
  return items.length > 5 ? `${shown} and ${items.length - 5} more` : shown;
}

/**
 * Groups of kept rows whose features are bit-for-bit identical, in row order (the first of each
 * group is the one `drop` keeps). Under `keep` and `warn` the groups are kept for the fold check.
 * Rows are bucketed by a 32-bit hash of their bits and compared in full within a bucket: a string
 * key per row would cost hundreds of bytes a row on a million-row table.
 */
function findDuplicates(
  columns: Float32Array[],
  keepRows: number[],
  policy: NonNullable<DatasetIr["duplicates"]>,
): DuplicateReport {
  const bits = columns.map((c) => new Uint32Array(c.buffer, c.byteOffset, c.length));
  const same = (a: number, b: number) => bits.every((c) => c[a] === c[b]);
  const buckets = new Map<number, number[]>();
  const groups = new Map<number, number[]>();
  keepRows.forEach((r, k) => {
    let h = 0x811c9dc5;
    for (const c of bits) h = Math.imul(h ^ (c[r] ?? 0), 0x01000193);
    const bucket = buckets.get(h);
    const earlier = bucket?.find((e) => same(keepRows[e] ?? 0, r));
    if (earlier !== undefined) {
      const group = groups.get(earlier);
      if (group) group.push(k);
      else groups.set(earlier, [earlier, k]);
    } else if (bucket) bucket.push(k);
    else buckets.set(h, [k]);
  });
  const members = [...groups.values()];
  const rows = members.reduce((n, m) => n + m.length - 1, 0);
  return {
    policy,
    rows,
    groups: members.length,
    dropped: policy === "drop" ? rows : 0,
    members,
    straddling: 0,
  };
}

/**
 * Feature columns that carry little (mostly empty, or one value in every kept row), and a missing-value
 * policy that touches more than a small share of rows, as PNN4023 warnings naming the columns.
 */
function featureWarnings(
  dataset: DatasetIr,
  featureNames: string[],
  columns: Float32Array[],
  keepRows: number[],
  paths: SpecPaths,
  missing: { considered: number; missingRows: number; missingBy: number[] },
): DataProblem[] {
  const out: DataProblem[] = [];
  const { considered, missingRows, missingBy } = missing;
  const at = `${paths.dataset}/features`;
  const empty = featureNames.flatMap((f, j) =>
    considered > 0 && (missingBy[j] ?? 0) > considered * MOSTLY_EMPTY
      ? [`\`${f}\` (${missingBy[j]} of ${considered} rows)`]
      : [],
  );
  if (empty.length > 0)
    out.push({
      code: "PNN4023",
      message: `${empty.length === 1 ? "feature column" : `${empty.length} feature columns`} of \`${dataset.file}\` ${empty.length === 1 ? "is" : "are"} mostly empty: ${someNames(empty)}`,
      hint: "leave them out of `features` (or `except` them), or fill in the data",
      at,
    });
  const constant = featureNames.flatMap((f, j) => {
    const c = columns[j];
    if (!c || keepRows.length < 2) return [];
    let value = Number.NaN;
    for (const r of keepRows) {
      const v = c[r] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      if (Number.isNaN(value)) value = v;
      else if (v !== value) return [];
    }
    return Number.isNaN(value) ? [] : [`\`${f}\` (${value})`];
  });
  if (constant.length > 0)
    out.push({
      code: "PNN4023",
      message: `${constant.length === 1 ? "feature column" : `${constant.length} feature columns`} of \`${dataset.file}\` ${constant.length === 1 ? "has" : "have"} the same value in all ${keepRows.length} rows used: ${someNames(constant)}`,
      hint: "a constant column cannot help the model; leave it out of `features` (or `except` it)",
      at,
    });
  if (dataset.missing !== "error" && considered > 0 && missingRows > considered * MANY_ROWS) {
    const blamed = featureNames
      .map((f, j) => ({ f, n: missingBy[j] ?? 0 }))
      .filter((c) => c.n > 0)
      .sort((a, b) => b.n - a.n)
      .map((c) => `\`${c.f}\` (${plural(c.n, "row")})`);
    const share = Math.round((100 * missingRows) / considered);
    const verb = dataset.missing === "drop" ? "drops" : "imputes values in";
    out.push({
      code: "PNN4023",
      message: `\`missing ${dataset.missing}\` ${verb} ${missingRows} of ${considered} rows (${share}%) of \`${dataset.file}\`; missing values are in ${someNames(blamed)}`,
      hint: "leave mostly empty columns out of `features`, or fill in the data",
      at: `${paths.dataset}/missing`,
    });
  }
  return out;
}

function excludedRows(dataset: DatasetIr, table: RawTable): Set<number> {
  const out = new Set<number>();
  for (const rule of dataset.exclude) {
    const values = new Set(rule.values);
    table.text.get(rule.column)?.forEach((v, r) => {
      if (values.has(v)) out.add(r);
    });
  }
  return out;
}
