/**
 * `pnnc data prepare-ravdess`: writes a RAVDESS feature table with `speaker`, `gender` and `emotion`
 * columns, derived from the file names by the `ravdess` preset (the same derivations a spec gets
 * from `preset ravdess on COLUMN`), and without rows whose features repeat an earlier row's.
 * In: the table's text, the file-name column, whether to replace existing label columns. Out: the
 * prepared CSV text and a report, or a DataProblem.
 */
import Papa from "papaparse";
import { presetDerivations } from "../ir/preset-derivations.js";
import { applyDerivations, fileNameOf } from "../runtime/derive.js";
import { DERIVATION_CODES } from "./load-dataset.js";
import type { DataProblem } from "./problem.js";

/** The columns this command writes after the file name, in order. */
const LABELS = ["speaker", "gender", "emotion"] as const;

export interface PrepareReport {
  rows: number;
  duplicates: { kept: string; dropped: string }[];
}

export interface PrepareOptions {
  /** The file-name column; by default `filename` (openSMILE's), else `file`. */
  column?: string;
  /** Replace `speaker`, `gender` and `emotion` columns the table already has, instead of refusing. */
  replace?: boolean;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function prepareRavdess(
  text: string,
  shownPath: string,
  opts: PrepareOptions = {},
): { csv: string; report: PrepareReport } | DataProblem {
  const records = Papa.parse<string[]>(text.replace(/^\ufeff/, ""), {
    delimiter: ",",
    skipEmptyLines: true,
  }).data;
  const header = records[0];
  if (!header) return { code: "PNN4002", message: `\`${shownPath}\` is empty` };
  const column = opts.column ?? (header.includes("filename") ? "filename" : "file");
  const fileCol = header.indexOf(column);
  if (fileCol < 0) {
    return {
      code: "PNN4008",
      message: `\`${shownPath}\` has no \`${column}\` column (its columns: ${header.slice(0, 6).join(", ")}${header.length > 6 ? ", …" : ""})`,
      hint: "name the column of file names with `--column NAME`: the RAVDESS labels come from them",
    };
  }
  const existing = LABELS.filter((l) => header.includes(l));
  if (existing.length > 0 && !opts.replace) {
    return {
      code: "PNN4031",
      message: `\`${shownPath}\` already has ${existing.map((l) => `\`${l}\``).join(", ")}: writing them again would make two columns of one name`,
      hint: "pass `--replace` to replace them with the columns derived from the file names",
    };
  }
  const rows = records.slice(1);
  for (const [r, record] of rows.entries()) {
    if (record.length !== header.length) {
      return {
        code: "PNN4004",
        message: `\`${shownPath}\` line ${r + 2}: ${record.length} fields, but the header has ${header.length}`,
      };
    }
  }
  const derived = applyDerivations(
    presetDerivations("ravdess", column),
    new Map([[column, rows.map((r) => r[fileCol] ?? "")]]),
    [column],
    rows.map((_, r) => r + 2),
    shownPath,
    () => ({ header: [], rows: [], lines: [] }),
  );
  if ("message" in derived) {
    return { code: DERIVATION_CODES[derived.kind], message: derived.message, hint: derived.hint };
  }
  const value = (name: string, r: number) => derived.get(name)?.[r] ?? "";
  const features = header
    .map((_, i) => i)
    .filter((i) => i !== fileCol && !LABELS.some((l) => header[i] === l));
  const out = [
    [column, ...LABELS, ...features.map((i) => header[i] ?? "")].map(csvField).join(","),
  ];
  const seen = new Map<string, string>();
  const duplicates: PrepareReport["duplicates"] = [];
  for (const [r, record] of rows.entries()) {
    const file = fileNameOf(record[fileCol] ?? "");
    const vector = features.map((i) => record[i] ?? "").join(",");
    const earlier = seen.get(vector);
    if (earlier !== undefined) {
      duplicates.push({ kept: earlier, dropped: file });
      continue;
    }
    seen.set(vector, file);
    // The speaker is the actor number without its leading zero, as the embedded table has it.
    const speaker = String(Number(value("actor", r)));
    const labels = [speaker, value("gender", r), value("emotion", r)];
    out.push([file, ...labels, ...features.map((i) => record[i] ?? "")].map(csvField).join(","));
  }
  return { csv: out.join("\n") + "\n", report: { rows: out.length - 1, duplicates } };
}
