/**
 * Streams a feature table (CSV, openSMILE CSV with `;`, or ARFF) into typed float32 columns.
 * In: a path, a format, the columns whose text to keep and a plan that picks feature candidates
 * from the header. Out: the table, or a DataProblem naming the file, row (line) and column.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import Papa from "papaparse";
import { firstInvalidUtf8, otherEncoding } from "../diagnostics/text-encoding.js";
import { Float32Column, StringColumn } from "./columns.js";
import { parseField } from "../runtime/parse-number.js";
import { splitArffRow } from "../runtime/table.js";
import type { TableFormat } from "../runtime/vocabulary.js";
import type { DataProblem } from "./problem.js";

export interface FeaturePlan {
  candidates: number[];
  /** Explicitly listed features must all be numeric; `numeric` selections skip text columns. */
  strict: boolean;
}

export interface TableRequest {
  path: string;
  /** The path as the spec wrote it, for messages. */
  shownPath: string;
  format: TableFormat;
  keep: ReadonlySet<string>;
  plan: (header: string[]) => FeaturePlan | DataProblem;
}

export interface RawTable {
  header: string[];
  rows: number;
  /** 1-based line of each data row in the file. */
  lines: number[];
  /** Numeric feature candidates by column index; NaN marks a missing value. */
  numeric: Map<number, Float32Array>;
  text: Map<string, string[]>;
}

const MISSING = new Set(["?", "NA", "N/A"]);

export async function readTable(req: TableRequest): Promise<RawTable | DataProblem> {
  const exists = await stat(req.path).then(
    (s) => (s.isFile() ? null : "it is not a file"),
    () => "no such file",
  );
  if (exists) return { code: "PNN4001", message: `cannot read \`${req.shownPath}\`: ${exists}` };
  const notText = await notUtf8Text(req);
  if (notText) return notText;
  try {
    return await (req.format === "arff" ? readArff(req) : readDelimited(req));
  } catch (e) {
    return {
      code: "PNN4004",
      message: `\`${req.shownPath}\` is not a valid ${req.format} file: ${(e as Error).message}`,
    };
  }
}

/**
 * A table file's reason not to be read, before reading it: missing (PNN4001) or not UTF-8 text
 * (PNN4026); null when it is fine. For tables read whole elsewhere (joined metadata tables).
 */
export async function unreadableTable(
  path: string,
  shownPath: string,
): Promise<DataProblem | null> {
  const exists = await stat(path).then(
    (s) => (s.isFile() ? null : "it is not a file"),
    () => "no such file",
  );
  if (exists) return { code: "PNN4001", message: `cannot read \`${shownPath}\`: ${exists}` };
  return notUtf8Text({
    path,
    shownPath,
    format: "csv",
    keep: new Set(),
    plan: () => ({ candidates: [], strict: false }),
  });
}

/** How much of a table is checked for its encoding: an encoding shows in its first bytes. */
const SNIFFED_BYTES = 64 * 1024;

/**
 * PNN4026 when the table's first bytes are not UTF-8 text; read as UTF-8 they would become a
 * header of noise ("label is not a column") and control characters echoed to the terminal.
 */
async function notUtf8Text(req: TableRequest): Promise<DataProblem | null> {
  let head: Uint8Array;
  try {
    const file = await open(req.path, "r");
    try {
      const buffer = new Uint8Array(SNIFFED_BYTES);
      const { bytesRead } = await file.read(buffer, 0, SNIFFED_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (e) {
    return {
      code: "PNN4001",
      message: `cannot read \`${req.shownPath}\`: ${(e as Error).message}`,
    };
  }
  const problem = (what: string): DataProblem => ({
    code: "PNN4026",
    message: `\`${req.shownPath}\` ${what}`,
    hint: "save the table as UTF-8 text (CSV UTF-8 in a spreadsheet program)",
  });
  const encoding = otherEncoding(head);
  if (encoding) return problem(`is ${encoding} text, not UTF-8`);
  const nul = head.indexOf(0);
  if (nul >= 0) return problem(`is not a text file: a NUL byte at byte ${nul}`);
  const invalid = firstInvalidUtf8(head);
  // A multi-byte character cut by the sniffed length is not an error; a bad byte near the end is.
  const cut = head.length === SNIFFED_BYTES && runsOffEnd(head, invalid);
  if (invalid >= 0 && !cut) {
    const line = head.subarray(0, invalid).filter((b) => b === 10).length + 1;
    return problem(`is not UTF-8: byte ${invalid} (line ${line}) is not valid UTF-8`);
  }
  return null;
}

/** Whether the UTF-8 sequence starting at `i` is whole but for bytes past the end of `bytes`. */
function runsOffEnd(bytes: Uint8Array, i: number): boolean {
  const lead = bytes[i] ?? 0;
  const need =
    lead >= 0xc2 && lead <= 0xdf
      ? 1
      : lead >= 0xe0 && lead <= 0xef
        ? 2
        : lead >= 0xf0 && lead <= 0xf4
          ? 3
          : 0;
  for (let k = 1; k <= need; k++) {
    const next = bytes[i + k];
    if (next === undefined) return true;
    if ((next & 0xc0) !== 0x80) return false;
  }
  return false;
}

/** Consumes records one by one; shared by the CSV and ARFF readers. */
class TableBuilder {
  header: string[] = [];
  private plan: FeaturePlan | null = null;
  private readonly numeric = new Map<number, Float32Column>();
  /** Per `numeric` candidate: the first line holding a number, and the first holding text. */
  private readonly seen = new Map<
    number,
    { number: number | null; text: { line: number; value: string } | null }
  >();
  private readonly text = new Map<string, StringColumn>();
  private textIndex: [number, StringColumn][] = [];
  private readonly lines: number[] = [];
  problem: DataProblem | null = null;

  constructor(private readonly req: TableRequest) {}

  setHeader(names: string[], line: number): boolean {
    this.header = names.map((n) => n.trim());
    const seen = new Map<string, number>();
    for (const [i, name] of this.header.entries()) {
      const first = seen.get(name);
      if (first !== undefined) {
        return this.fail({
          code: "PNN4007",
          message: `\`${this.req.shownPath}\` line ${line}: column \`${name}\` appears twice (columns ${first + 1} and ${i + 1})`,
        });
      }
      seen.set(name, i);
    }
    const plan = this.req.plan(this.header);
    if ("code" in plan) return this.fail(plan);
    this.plan = plan;
    for (const i of plan.candidates) this.numeric.set(i, new Float32Column());
    for (const name of this.req.keep) {
      const i = seen.get(name);
      if (i === undefined) continue;
      const column = new StringColumn();
      this.text.set(name, column);
      this.textIndex.push([i, column]);
    }
    return true;
  }

  addRow(fields: string[], line: number): boolean {
    if (fields.length === 1 && (fields[0] ?? "").trim() === "") return true;
    if (fields.length !== this.header.length) {
      return this.fail({
        code: "PNN4004",
        message: `\`${this.req.shownPath}\` line ${line}: ${fields.length} fields, but the header has ${this.header.length}`,
        hint: "every row needs one value per header column; quote values that contain the separator",
      });
    }
    const row = this.lines.length;
    this.lines.push(line);
    for (const [name, column] of this.text)
      column.push((fields[this.header.indexOf(name)] ?? "").trim());
    for (const [i, column] of this.numeric) {
      const parsed = parseField(fields[i] ?? "", MISSING);
      if (parsed.ok || parsed.why === "missing") {
        if (parsed.ok && !this.noteNumber(i, line)) return false;
        column.push(parsed.ok ? parsed.value : Number.NaN);
        continue;
      }
      const name = this.header[i] ?? "";
      const where = `\`${this.req.shownPath}\` line ${line}, column \`${name}\``;
      if (parsed.why === "non-finite") {
        return this.fail({
          code: "PNN4006",
          message: `${where}: \`${fields[i]}\` is not a finite number`,
        });
      }
      if (parsed.why === "out-of-range") {
        return this.fail({
          code: "PNN4021",
          message: `${where}: \`${(fields[i] ?? "").trim()}\` does not fit a 32-bit float (largest magnitude about 3.4e38)`,
          hint: "rescale the column, or write the value as missing",
        });
      }
      if (this.plan?.strict) {
        return this.fail({
          code: "PNN4005",
          message: `${where}: \`${fields[i]}\` is not a number`,
          hint: "list only numeric columns in `features`",
        });
      }
      if (!this.noteText(i, line, (fields[i] ?? "").trim())) return false;
      // Kept as missing until the column is known: a text column is dropped when the table ends.
      column.push(Number.NaN);
    }
    void row;
    return true;
  }

  /**
   * Under `features numeric` a column is a feature when all its non-missing values are numbers and
   * not one when all are text (a label, a file name); numbers and text together are an error that
   * names the first text row, whichever came first. Each returns false once it has failed.
   */
  private noteNumber(i: number, line: number): boolean {
    const seen = this.seen.get(i);
    if (!seen) this.seen.set(i, { number: line, text: null });
    else if (seen.text) return this.mixed(i, seen.text, line);
    return true;
  }

  private noteText(i: number, line: number, value: string): boolean {
    const seen = this.seen.get(i);
    if (seen && seen.number !== null) return this.mixed(i, { line, value }, seen.number);
    if (!seen) this.seen.set(i, { number: null, text: { line, value } });
    return true;
  }

  private mixed(i: number, text: { line: number; value: string }, numberLine: number): false {
    const name = this.header[i] ?? "";
    return this.fail({
      code: "PNN4005",
      message: `\`${this.req.shownPath}\` line ${text.line}, column \`${name}\`: \`${text.value}\` is not a number`,
      hint: `line ${numberLine} of \`${name}\` holds a number; fix the value, leave it empty (missing), or leave the column out with \`except\``,
    });
  }

  fail(problem: DataProblem): false {
    this.problem ??= problem;
    return false;
  }

  finish(): RawTable | DataProblem {
    if (this.problem) return this.problem;
    if (this.header.length === 0)
      return { code: "PNN4002", message: `\`${this.req.shownPath}\` is empty` };
    if (this.lines.length === 0) {
      return {
        code: "PNN4003",
        message: `\`${this.req.shownPath}\` has a header but no data rows`,
      };
    }
    // A candidate that held only text is not a feature (a number beside it would have failed).
    const numeric = new Map(
      [...this.numeric].filter(([i]) => !this.seen.get(i)?.text).map(([i, c]) => [i, c.view()]),
    );
    const text = new Map([...this.text].map(([n, c]) => [n, c.values]));
    return { header: this.header, rows: this.lines.length, lines: this.lines, numeric, text };
  }
}

/**
 * CSV via PapaParse (streamed; about 7× faster than csv-parse on an 86 MB table here). Lines are
 * counted one per record, so a quoted field spanning lines shifts the reported line numbers.
 */
async function readDelimited(req: TableRequest): Promise<RawTable | DataProblem> {
  const delimiter = req.format === "opensmile" ? ";" : ",";
  const builder = new TableBuilder(req);
  let line = 0;
  let problem: DataProblem | null = null;
  await new Promise<void>((done, fail) => {
    Papa.parse<string[]>(createReadStream(req.path, "utf8"), {
      delimiter,
      skipEmptyLines: false,
      // Before parsing: a BOM left in front of a quoted first name would keep its quotes.
      beforeFirstChunk: (chunk) => chunk.replace(/^\ufeff/, ""),
      step: (result, parser) => {
        line++;
        const record = result.data;
        if (line === 1) {
          if (record[0] !== undefined) record[0] = record[0].replace(/^\ufeff/, "");
          const other = otherSeparator(record, delimiter);
          if (other) {
            problem = wrongSeparator(req, other);
            parser.abort();
            return;
          }
          if (!builder.setHeader(record, line)) parser.abort();
          return;
        }
        if (!builder.addRow(record, line)) parser.abort();
      },
      complete: () => done(),
      error: (e) => fail(e),
    });
  });
  return problem ?? builder.finish();
}

function wrongSeparator(req: TableRequest, other: string): DataProblem {
  const hint =
    other === ";"
      ? "write `format opensmile` for `;`-separated files"
      : other === ","
        ? "write `format csv` for `,`-separated files"
        : `save the table with \`${req.format === "opensmile" ? ";" : ","}\` separators`;
  return {
    code: "PNN4012",
    message: `\`${req.shownPath}\` has a one-column header; it looks \`${other}\`-separated`,
    hint,
  };
}

function otherSeparator(header: string[], delimiter: string): string | null {
  if (header.length !== 1) return null;
  const only = header[0] ?? "";
  return [";", ",", "\t", "|"].find((s) => s !== delimiter && only.includes(s)) ?? null;
}

/** ARFF: `@attribute NAME TYPE` lines up to `@data`, then comma-separated rows with `?` for missing. */
async function readArff(req: TableRequest): Promise<RawTable | DataProblem> {
  const builder = new TableBuilder(req);
  const names: string[] = [];
  const lines = createInterface({ input: createReadStream(req.path), crlfDelay: Infinity });
  let lineNo = 0;
  let inData = false;
  for await (const rawLine of lines) {
    lineNo++;
    const line = lineNo === 1 ? rawLine.replace(/^\ufeff/, "") : rawLine;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("%")) continue;
    if (!inData) {
      const attr = /^@attribute\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)\s+(.+)$/i.exec(trimmed);
      if (attr) names.push((attr[1] ?? "").replace(/^['"]|['"]$/g, ""));
      else if (/^@data\b/i.test(trimmed)) {
        inData = true;
        if (!builder.setHeader(names, lineNo)) break;
      } else if (!/^@relation\b/i.test(trimmed)) {
        lines.close();
        return {
          code: "PNN4015",
          message: `\`${req.shownPath}\` line ${lineNo}: not an ARFF header line: \`${trimmed.slice(0, 40)}\``,
        };
      }
      continue;
    }
    if (!builder.addRow(splitArffRow(trimmed), lineNo)) break;
  }
  lines.close();
  if (!inData && !builder.problem) {
    return names.length === 0
      ? { code: "PNN4002", message: `\`${req.shownPath}\` is empty` }
      : { code: "PNN4015", message: `\`${req.shownPath}\` has no \`@data\` section` };
  }
  return builder.finish();
}
