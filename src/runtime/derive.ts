/**
 * A dataset's derivations (`fields`, `derive`, `join`): text columns computed from the table's own
 * text columns and from joined metadata tables, in the order the spec lists them. Shared by pnnc's
 * loader (src/data/) and generated programs' (table.ts), so both derive the same labels.
 * In: the derivations, the table's text columns by name, each row's line, the joined tables.
 * Out: the derived columns by name, or the first problem, located at a row's line.
 */
import { createHash } from "node:crypto";
import type { PatternKind, TableFormat } from "./vocabulary.js";

export interface FieldsSpec {
  kind: "fields";
  column: string;
  pattern: { kind: PatternKind; source: string };
  fields: readonly string[];
}

export interface MapSpec {
  kind: "map";
  name: string;
  from: string;
  parity: boolean;
  map: readonly { from: string; to: string }[];
}

export interface JoinSpec {
  kind: "join";
  file: string;
  format: TableFormat;
  on: string;
  key: string;
  take: readonly string[] | null;
}

export type DerivationSpec = FieldsSpec | MapSpec | JoinSpec;

/** A joined table as text records (header trimmed), with each record's 1-based line. */
export interface TextTable {
  header: string[];
  rows: string[][];
  lines: number[];
}

/** Which derivation failed (its index in the spec's list), why, and what to do about it. */
export interface DerivationProblem {
  index: number;
  /** Says which rule applies: `pattern`, `map`, `join` or `clash` (a diagnostic code each). */
  kind: "source" | "pattern" | "map" | "join" | "clash";
  message: string;
  hint: string;
}

/** How many offending rows a message names before it says "and N more". */
const SHOWN = 3;

/** The part of a path after its last `/` or `\`: Windows and POSIX paths alike. */
export function fileNameOf(path: string): string {
  return path.trim().split(/[\\/]/).pop() ?? "";
}

/** The column a derivation reads: a `fields` path column, a `derive` source, a join's key. */
export function sourceOf(d: DerivationSpec): string {
  return d.kind === "fields" ? d.column : d.kind === "map" ? d.from : d.on;
}

/**
 * The data's one hash: the table's sha256, or with joins a sha256 over it and the joined tables',
 * so that editing a metadata table invalidates stored runs as editing the table does. Both
 * loaders call it, so pnnc and generated programs give one data hash.
 */
export function dataSha256(own: string, joined: readonly string[]): string {
  if (joined.length === 0) return own;
  const hash = createHash("sha256").update(own);
  for (const j of joined) hash.update(j);
  return hash.digest("hex");
}

/**
 * The columns each derivation makes, in order. A join without `take` brings every column of its
 * table but the key, so its header is needed (`joinedHeader`).
 */
export function derivedNames(
  derivations: readonly DerivationSpec[],
  joinedHeader: (join: JoinSpec, index: number) => string[],
): (readonly string[])[] {
  return derivations.map((d, i) => {
    if (d.kind === "fields") return d.fields;
    if (d.kind === "map") return [d.name];
    return d.take ?? joinedHeader(d, i).filter((h) => h !== d.key);
  });
}

/**
 * The table columns the derivations read (not those they make themselves), so that a loader keeps
 * their text.
 */
export function sourceColumns(derivations: readonly DerivationSpec[]): string[] {
  const made = new Set<string>();
  const read: string[] = [];
  for (const d of derivations) {
    const source = sourceOf(d);
    if (!made.has(source) && !read.includes(source)) read.push(source);
    if (d.kind === "fields") d.fields.forEach((f) => made.add(f));
    else if (d.kind === "map") made.add(d.name);
    else (d.take ?? []).forEach((t) => made.add(t));
  }
  return read;
}

/**
 * A template as an anchored regular expression: literal text matched as written, each `{name}` one
 * or more characters, as few as let the rest match.
 */
export function templateRegex(template: string): RegExp {
  const parts = template.split(/\{[A-Za-z_][A-Za-z0-9_]*\}/);
  const escaped = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join("(.+?)")}$`, "s");
}

/**
 * Whether a template reads the file name with its extension: only when the text after its last
 * placeholder holds a `.` (as `{a}_{b}.wav` does). Otherwise the extension is cut first, so that
 * `{a}.{b}` never takes `take2.wav` for `b`, and `{actor}_{sentence}` reads `1001_DFA.WAV` too.
 */
export function templateKeepsExtension(template: string): boolean {
  return (template.split(/\{[A-Za-z_][A-Za-z0-9_]*\}/).at(-1) ?? "").includes(".");
}

function matcher(d: FieldsSpec): (value: string) => string[] | null {
  if (d.pattern.kind === "template") {
    const re = templateRegex(d.pattern.source);
    const keepExtension = templateKeepsExtension(d.pattern.source);
    return (value) => {
      let name = fileNameOf(value);
      if (!keepExtension) name = name.replace(/\.[^.]*$/, "");
      const m = re.exec(name);
      // Trimmed, as the loaders trim every text column: a field is a label, group or key.
      return m ? m.slice(1, d.fields.length + 1).map((f) => f.trim()) : null;
    };
  }
  const re = new RegExp(d.pattern.source);
  return (value) => {
    const groups = re.exec(fileNameOf(value))?.groups;
    if (!groups) return null;
    const values = d.fields.map((f) => groups[f]);
    return values.every((v): v is string => v !== undefined) ? values.map((v) => v.trim()) : null;
  };
}

/** "line 4 `a`, line 9 `b` and 3 more" for the offending rows. */
function listed(rows: readonly number[], lines: readonly number[], value: (r: number) => string) {
  const shown = rows.slice(0, SHOWN).map((r) => `line ${lines[r]} \`${value(r)}\``);
  const more = rows.length > SHOWN ? ` and ${rows.length - SHOWN} more` : "";
  return `${shown.join(", ")}${more}`;
}

/** `n thing(s)`. */
function count(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? "" : "s"}`;
}

/**
 * Applies the derivations in order. `columns` holds the table's text columns (at least those
 * sourceColumns names), `lines` each row's line in `file`; `joined` gives a join's table.
 */
export function applyDerivations(
  derivations: readonly DerivationSpec[],
  columns: ReadonlyMap<string, string[]>,
  header: readonly string[],
  lines: readonly number[],
  file: string,
  joined: (join: JoinSpec, index: number) => TextTable,
): Map<string, string[]> | DerivationProblem {
  const made = new Map<string, string[]>();
  const column = (name: string) => made.get(name) ?? columns.get(name);
  for (const [index, d] of derivations.entries()) {
    const source = sourceOf(d);
    const values = column(source);
    if (values === undefined)
      return {
        index,
        kind: "source",
        message: `\`${source}\` is not a column of \`${file}\` nor derived before`,
        hint: "name a column of the table, or one an earlier derivation makes",
      };
    const result =
      d.kind === "fields"
        ? fields(d, values, lines, file)
        : d.kind === "map"
          ? mapped(d, values, lines, file)
          : join(d, values, lines, file, joined(d, index));
    if ("message" in result) return { ...result, index };
    for (const [name, values] of result) {
      if (header.includes(name) || made.has(name))
        return {
          index,
          kind: "clash",
          message: `the derived column \`${name}\` already exists${header.includes(name) ? ` in \`${file}\`` : ""}`,
          hint: "give the derived column another name, or drop the derivation and use the existing column",
        };
      made.set(name, values);
    }
  }
  return made;
}

type Result = Map<string, string[]> | Omit<DerivationProblem, "index">;

function fields(d: FieldsSpec, values: string[], lines: readonly number[], file: string): Result {
  const match = matcher(d);
  const out = d.fields.map(() => new Array<string>(values.length));
  const failed: number[] = [];
  values.forEach((v, r) => {
    const m = match(v);
    if (!m) failed.push(r);
    else m.forEach((field, k) => ((out[k] as string[])[r] = field));
  });
  if (failed.length > 0) {
    const how = d.pattern.kind === "template" ? "template" : "regex";
    return {
      kind: "pattern",
      message: `the ${how} \`${d.pattern.source}\` does not match the file name in column \`${d.column}\` of ${count(failed.length, "row")} of \`${file}\`: ${listed(failed, lines, (r) => fileNameOf(values[r] ?? ""))}`,
      hint: "fix the pattern, or remove those rows from the file (derivations run before `exclude`)",
    };
  }
  return new Map(d.fields.map((f, k) => [f, out[k] as string[]]));
}

function mapped(d: MapSpec, values: string[], lines: readonly number[], file: string): Result {
  const table = new Map(d.map.map((m) => [m.from, m.to]));
  const out = new Array<string>(values.length);
  const unmapped: number[] = [];
  values.forEach((raw, r) => {
    const v = raw.trim();
    const key = d.parity ? parity(v) : v;
    const to = key === null ? undefined : table.get(key);
    if (to === undefined) unmapped.push(r);
    else out[r] = to;
  });
  if (unmapped.length > 0) {
    const codes = [...new Set(unmapped.map((r) => (values[r] ?? "").trim()))];
    const what = d.parity
      ? `is not a whole number, so it has no parity`
      : `has no mapping (${count(codes.length, "code")} without one: ${codes
          .slice(0, 8)
          .map((c) => `\`${c}\``)
          .join(", ")}${codes.length > 8 ? ", …" : ""})`;
    return {
      kind: "map",
      message: `\`derive ${d.name} from ${d.from}\`: the value in ${count(unmapped.length, "row")} of \`${file}\` ${what}: ${listed(unmapped, lines, (r) => (values[r] ?? "").trim())}`,
      hint: d.parity
        ? "parity applies to columns of whole numbers (such as actor numbers)"
        : "add a mapping for each code, or remove those rows from the file (derivations run before `exclude`)",
    };
  }
  return new Map([[d.name, out]]);
}

function parity(v: string): string | null {
  if (!/^[+-]?\d+$/.test(v)) return null;
  return Number(v.slice(-1)) % 2 === 0 ? "even" : "odd";
}

function join(
  d: JoinSpec,
  values: string[],
  lines: readonly number[],
  file: string,
  other: TextTable,
): Result {
  const problem = (message: string, hint: string): Result => ({ kind: "join", message, hint });
  const keyAt = other.header.indexOf(d.key);
  if (keyAt < 0)
    return problem(
      `\`${d.key}\` is not a column of \`${d.file}\` (its columns: ${other.header.join(", ")})`,
      "name the joined table's key column after `=`",
    );
  const taken = d.take ?? other.header.filter((h) => h !== d.key);
  const missing = taken.find((t) => !other.header.includes(t));
  if (missing !== undefined)
    return problem(
      `\`${missing}\` is not a column of \`${d.file}\` (its columns: ${other.header.join(", ")})`,
      "`take` lists columns of the joined table",
    );
  const rowOf = new Map<string, number>();
  for (const [k, row] of other.rows.entries()) {
    const key = (row[keyAt] ?? "").trim();
    // Spreadsheet exports end in blank rows; a blank key matches nothing, so it cannot be ambiguous.
    if (key === "") continue;
    const earlier = rowOf.get(key);
    if (earlier !== undefined)
      return problem(
        `\`${d.file}\` lines ${other.lines[earlier]} and ${other.lines[k]} both have the key \`${key}\` in column \`${d.key}\`, so a row joined on it would be ambiguous`,
        "keep one row per key in the joined table",
      );
    rowOf.set(key, k);
  }
  const unmatched: number[] = [];
  const at = taken.map((t) => other.header.indexOf(t));
  const out = taken.map(() => new Array<string>(values.length));
  values.forEach((raw, r) => {
    const k = rowOf.get(raw.trim());
    if (k === undefined) return void unmatched.push(r);
    at.forEach((c, j) => ((out[j] as string[])[r] = (other.rows[k]?.[c] ?? "").trim()));
  });
  if (unmatched.length > 0)
    return problem(
      `the \`${d.on}\` value of ${count(unmatched.length, "row")} of \`${file}\` matches no row of \`${d.file}\` (column \`${d.key}\`): ${listed(unmatched, lines, (r) => (values[r] ?? "").trim())}`,
      "add the missing keys to the joined table, or remove those rows from the file",
    );
  return new Map(taken.map((t, j) => [t, out[j] as string[]]));
}
