/**
 * Strict decimal parsing for feature values: `Number()` accepts "", " ", "0x1F" and "Infinity",
 * none of which is a measurement. In: a field. Out: a finite number, "missing", or why it is not one.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

export type ParsedField =
  { ok: true; value: number } | { ok: false; why: "missing" | "non-finite" | "text" };

export function parseField(raw: string, missingMarks: ReadonlySet<string>): ParsedField {
  const s = raw.trim();
  if (s === "" || missingMarks.has(s)) return { ok: false, why: "missing" };
  if (DECIMAL.test(s)) {
    const value = Number(s);
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, why: "non-finite" };
  }
  return { ok: false, why: NON_FINITE.test(s) ? "non-finite" : "text" };
}
