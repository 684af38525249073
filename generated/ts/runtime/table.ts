/**
 * A generated program's data loader: reads a CSV, openSMILE (`;`) or ARFF table whole, selects the
 * features the spec names, drops excluded rows, applies the missing-value and duplicate-row policies
 * and maps labels to classes, with the same rules as pnnc's streaming loader (src/data/), which adds located
 * diagnostics; the differential test holds the two together. Bad data throws a DataError.
 * In: a dataset declaration, its tasks, the spec's directory. Out: rows ready for the driver.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { applyDerivations, dataSha256, type DerivationSpec, type TextTable } from "./derive.js";
import type { DatasetRows } from "./driver.js";
import { parseField } from "./parse-number.js";
import type { DuplicatePolicy, MissingPolicy, TableFormat } from "./vocabulary.js";

export interface DatasetSpec {
  id: string;
  /** Relative paths are relative to the spec file. */
  file: string;
  format: TableFormat;
  features:
    | { kind: "numeric"; except: string[] }
    | { kind: "columns"; items: ({ column: string } | { from: string; to: string })[] };
  group: string | null;
  missing: MissingPolicy;
  /** Absent: `warn` (which a generated program does not print). */
  duplicates?: DuplicatePolicy;
  exclude: { column: string; values: string[] }[];
  /** `fields`, `derive` and `join` statements, in order (absent: none). */
  derive?: DerivationSpec[];
}

export interface TaskSpec {
  id: string;
  label: string;
  classes: string[] | null;
  merge: { from: string; to: string }[];
  drop: string[];
}

export interface LoadedRows extends DatasetRows {
  featureNames: string[];
  /** sha256 of the file's bytes, taken from the one read that parsed it. */
  sha256: string;
}

export class DataError extends Error {}

const MISSING = new Set(["?", "NA", "N/A"]);
/** Columns openSMILE writes that are never features. */
const OPENSMILE_META = new Set(["name", "frameTime"]);

export function loadRows(dataset: DatasetSpec, tasks: TaskSpec[], specDir: string): LoadedRows {
  if (dataset.format === "audio")
    throw new DataError(
      `\`${dataset.file}\` is audio: extract it with \`pnnc data extract\` and name the table in \`file\``,
    );
  const path = isAbsolute(dataset.file) ? dataset.file : join(specDir, dataset.file);
  const table = readRecords(path, dataset.format);
  const { header, rows, sha256 } = withDerivedColumns(dataset, table, specDir);
  const where = (r: number) => `\`${dataset.file}\` data row ${r + 1}`;
  const index = new Map(header.map((h, i) => [h, i]));
  const columnOf = (name: string) => {
    const i = index.get(name);
    if (i === undefined) throw new DataError(`\`${name}\` is not a column of \`${dataset.file}\``);
    return i;
  };
  // Named columns first, as pnnc checks them against the header before reading any value.
  const labels = tasks.map((t) => columnOf(t.label));
  const group = dataset.group === null ? null : columnOf(dataset.group);
  const excluded = dataset.exclude.map((e) => ({
    at: columnOf(e.column),
    values: new Set(e.values),
  }));
  // Features come from the table's own columns, never from derived ones.
  const { candidates, strict } = planFeatures(dataset, table.header, columnOf);
  // Under `features numeric` a candidate is a feature when all its non-missing values are numbers
  // and not one when all are text; both in one column is an error at the first text row.
  const features: number[] = [];
  for (const i of candidates) {
    if (strict) {
      features.push(i);
      continue;
    }
    const kinds = rows.map((row) => parseField(row[i] ?? "", MISSING));
    const text = kinds.findIndex((p) => !p.ok && p.why === "text");
    if (text < 0) features.push(i);
    else if (kinds.some((p) => p.ok)) {
      const value = (rows[text]?.[i] ?? "").trim();
      throw new DataError(`${where(text)}, column \`${header[i]}\`: \`${value}\` is not a number`);
    }
  }
  if (features.length === 0)
    throw new DataError(`no numeric feature column was found in \`${dataset.file}\``);
  const kept: number[] = [];
  const values: number[][] = [];
  const removed = { excluded: 0, missing: 0, imputed: 0 };
  rows.forEach((row, r) => {
    if (excluded.some((e) => e.values.has((row[e.at] ?? "").trim()))) {
      removed.excluded++;
      return;
    }
    const parsed = features.map((i) => {
      const p = parseField(row[i] ?? "", MISSING);
      if (p.ok) return p.value;
      if (p.why === "out-of-range")
        throw new DataError(
          `${where(r)}, column \`${header[i]}\`: \`${(row[i] ?? "").trim()}\` does not fit a 32-bit float`,
        );
      if (p.why !== "missing")
        throw new DataError(`${where(r)}, column \`${header[i]}\`: \`${row[i]}\` is not a number`);
      return Number.NaN;
    });
    if (parsed.some(Number.isNaN)) {
      if (dataset.missing === "error")
        throw new DataError(`${where(r)}: a value is missing (use \`missing drop\` or \`mean\`)`);
      if (dataset.missing === "drop") {
        removed.missing++;
        return;
      }
      removed.imputed++;
    }
    kept.push(r);
    values.push(parsed);
  });
  const beforeDuplicates = kept.length;
  if (dataset.duplicates === "drop" || dataset.duplicates === "error") {
    // Identical feature rows: the first of each group stays (as pnnc's loader does).
    const seen = new Set<string>();
    let write = 0;
    for (let k = 0; k < kept.length; k++) {
      const key = Buffer.from(Float32Array.from(values[k] ?? []).buffer).toString("latin1");
      if (seen.has(key)) {
        if (dataset.duplicates === "error")
          throw new DataError(`${where(kept[k] ?? 0)}: its features repeat an earlier row`);
        continue;
      }
      seen.add(key);
      kept[write] = kept[k] ?? 0;
      values[write++] = values[k] ?? [];
    }
    kept.length = write;
    values.length = write;
  }
  const duplicatesDropped = beforeDuplicates - kept.length;
  const dims = features.length;
  const x = new Float32Array(kept.length * dims);
  values.forEach((v, k) => x.set(v, k * dims));
  const text = (column: number) => kept.map((r) => (rows[r]?.[column] ?? "").trim());
  const featureNames = features.map((i) => header[i] ?? "");
  return {
    featureNames,
    sha256,
    dims,
    x,
    groups: group === null ? null : text(group),
    tasks: new Map(tasks.map((t, k) => [t.id, taskLabels(t, text(labels[k] ?? -1), dataset.file)])),
    accounting: {
      file: dataset.file,
      featureNames,
      excluded: removed.excluded,
      missingDropped: removed.missing,
      missingImputed: removed.imputed,
      duplicatesDropped,
    },
  };
}

/**
 * The table with its derived columns appended to every row (after its own columns), and the data's
 * hash covering the joined tables too, as pnnc's loader computes it.
 */
function withDerivedColumns(
  dataset: DatasetSpec,
  table: { header: string[]; rows: string[][]; sha256: string },
  specDir: string,
): { header: string[]; rows: string[][]; sha256: string } {
  const derive = dataset.derive ?? [];
  if (derive.length === 0) return table;
  const joined = new Map<number, TextTable & { sha256: string }>();
  for (const [i, d] of derive.entries()) {
    if (d.kind !== "join") continue;
    const { header, rows, sha256 } = readRecords(
      isAbsolute(d.file) ? d.file : join(specDir, d.file),
      d.format,
    );
    joined.set(i, { header, rows, lines: rows.map((_, k) => k + 2), sha256 });
  }
  const columns = new Map(table.header.map((h, c) => [h, table.rows.map((r) => r[c] ?? "")]));
  const lines = table.rows.map((_, k) => k + 2);
  const derived = applyDerivations(
    derive,
    columns,
    table.header,
    lines,
    dataset.file,
    (_, i) => joined.get(i) ?? { header: [], rows: [], lines: [] },
  );
  if ("message" in derived) throw new DataError(derived.message);
  const names = [...derived.keys()];
  const sha256 = dataSha256(
    table.sha256,
    [...joined.values()].map((j) => j.sha256),
  );
  return {
    header: [...table.header, ...names],
    rows: table.rows.map((row, r) => [...row, ...names.map((n) => derived.get(n)?.[r] ?? "")]),
    sha256,
  };
}

function planFeatures(
  dataset: DatasetSpec,
  header: string[],
  columnOf: (name: string) => number,
): { candidates: number[]; strict: boolean } {
  const features = dataset.features;
  if (features.kind === "numeric") {
    const except = new Set(features.except.map((name) => header[columnOf(name)]));
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
    if ("column" in item) candidates.push(columnOf(item.column));
    else for (let i = columnOf(item.from); i <= columnOf(item.to); i++) candidates.push(i);
  }
  return { candidates: [...new Set(candidates)], strict: true };
}

/** Numeric labels (speaker ids) sort as numbers, others as text. */
export function sortClasses(values: string[]): string[] {
  const numeric = values.every((v) => /^-?\d+(\.\d+)?$/.test(v));
  return [...values].sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b)));
}

function taskLabels(task: TaskSpec, raw: string[], file: string) {
  const merged = new Map(task.merge.map((m) => [m.from, m.to]));
  const dropped = new Set(task.drop);
  const mapped = raw.map((v) => merged.get(v) ?? v);
  const classes = task.classes ?? sortClasses([...new Set(mapped.filter((v) => !dropped.has(v)))]);
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from(mapped, (v) => {
    if (dropped.has(v)) return -1;
    const i = index.get(v);
    if (i === undefined)
      throw new DataError(`\`${file}\`: \`${v}\` is not a class of task \`${task.id}\``);
    return i;
  });
  const used = new Set(y.filter((c) => c >= 0));
  const absent = classes.filter((_, c) => !used.has(c));
  if (used.size < 2 || absent.length > 0) {
    const why = used.size < 2 ? "fewer than two classes" : `no \`${absent.join("`, `")}\` rows`;
    throw new DataError(`task \`${task.id}\` has ${why} in \`${file}\``);
  }
  return { classes, y };
}

/** A table's header and text records, whole, with the sha256 of its bytes. */
export function readRecords(path: string, format: DatasetSpec["format"]) {
  // Only a dataset's own `file` may be audio (pnnc extracts it first); a joined table may not.
  if (format === "audio") throw new DataError("a table to join cannot be `format audio`");
  let text: string;
  let sha256: string;
  try {
    const bytes = readFileSync(path);
    sha256 = createHash("sha256").update(bytes).digest("hex");
    // fatal: a table that is not UTF-8 (a Latin-1 metadata table) is refused, as pnnc refuses it
    // (PNN4026), rather than read with replacement characters in its labels.
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\ufeff/, "");
  } catch (e) {
    throw new DataError(`cannot read \`${path}\`: ${(e as Error).message}`);
  }
  const records =
    format === "arff"
      ? arffRecords(text)
      : delimitedRecords(text, format === "opensmile" ? ";" : ",");
  const [header, ...rows] = records;
  if (!header || rows.length === 0) throw new DataError(`\`${path}\` has no data rows`);
  const width = header.length;
  // A blank line yields one empty field; pnnc skips those too.
  const data = rows.filter((r) => !(r.length === 1 && (r[0] ?? "").trim() === ""));
  data.forEach((r, k) => {
    if (r.length !== width)
      throw new DataError(
        `\`${path}\` data row ${k + 1}: ${r.length} fields, but the header has ${width}`,
      );
  });
  return { header: header.map((h) => h.trim()), rows: data, sha256 };
}

/** RFC 4180 records: quoted fields may hold the separator, newlines and doubled quotes. */
function delimitedRecords(text: string, separator: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? "";
    if (ch === '"' && field === "") {
      const end = closingQuote(text, i + 1);
      field = text.slice(i + 1, end).replace(/""/g, '"');
      i = end + 1;
      continue;
    }
    if (ch === separator) {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      if (ch === "\r" && text[i + 1] === "\n") i++;
    } else field += ch;
    i++;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}

function closingQuote(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === '"' && text[i + 1] === '"') i += 2;
    else if (text[i] === '"') return i;
    else i++;
  }
  return text.length;
}

/** ARFF: `@attribute NAME TYPE` lines up to `@data`, then comma-separated rows with `?` for missing. */
function arffRecords(text: string): string[][] {
  const names: string[] = [];
  const rows: string[][] = [];
  let inData = false;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("%")) continue;
    if (inData) rows.push(splitArffRow(trimmed));
    else {
      const attr = /^@attribute\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)\s+(.+)$/i.exec(trimmed);
      if (attr) names.push((attr[1] ?? "").replace(/^['"]|['"]$/g, ""));
      else if (/^@data\b/i.test(trimmed)) inData = true;
      else if (!/^@relation\b/i.test(trimmed))
        throw new DataError(`not an ARFF header line: \`${trimmed.slice(0, 40)}\``);
    }
  }
  return [names, ...rows];
}

/** Splits one ARFF data row on commas outside single or double quotes. */
export function splitArffRow(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? "";
    if (quote) {
      if (ch === "\\") field += line[++i] ?? "";
      else if (ch === quote) quote = null;
      else field += ch;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** Columns that read each other across datasets need the same features in the same order. */
export function sameFeatures(a: LoadedRows, b: LoadedRows, names: [string, string]): void {
  if (a.featureNames.join("\u0000") === b.featureNames.join("\u0000")) return;
  throw new DataError(
    `datasets \`${names[0]}\` and \`${names[1]}\` select different features (${a.dims} vs ${b.dims} columns), but a column reads across them`,
  );
}
