/**
 * Extracted rows as table text, and where extraction caches its rows and tables.
 * In: rows (a file name and its 88 values). Out: CSV (`file,<88 names>`) or openSMILE's `;` shape.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { EGEMAPS_NAMES } from "./egemaps-names.js";

export const OUTPUT_FORMATS = ["csv", "opensmile"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** $PNNC_CACHE, else $XDG_CACHE_HOME/pnnc, else ~/.cache/pnnc: rows by file content and extractor. */
export function defaultCacheDir(): string {
  const root =
    process.env.PNNC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pnnc");
  return join(root, "audio-features");
}

/** Up to 8 significant digits: more than the 32-bit floats pnnc trains on hold. Undefined: empty. */
const cell = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(8))) : "");

/**
 * `csv`: `file,<88 names>`. `opensmile`: openSMILE's functional CSV shape (`name;frameTime;…`,
 * `;`-separated), which pnnc's `format opensmile` and other tools read.
 */
export function featureTable(
  rows: readonly { file: string; values: Float64Array }[],
  format: OutputFormat,
): string {
  const opensmile = format === "opensmile";
  const header = opensmile ? ["name", "frameTime", ...EGEMAPS_NAMES] : ["file", ...EGEMAPS_NAMES];
  const body = rows.map((r) => [
    r.file,
    ...(opensmile ? ["0.000000"] : []),
    ...Array.from(r.values, cell),
  ]);
  return (
    Papa.unparse([header, ...body], { delimiter: opensmile ? ";" : ",", newline: "\n" }) + "\n"
  );
}
