/**
 * Strict decimal parsing for feature values: `Number()` accepts "", " ", "0x1F" and "Infinity",
 * none of which is a measurement. In: a field. Out: a finite number, "missing", or why it is not one.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

export type ParsedField =
  { ok: true; value: number } | { ok: false; why: "missing" | "non-finite" | "text" };

const MISSING: ParsedField = { ok: false, why: "missing" };

export function parseField(raw: string, missingMarks: ReadonlySet<string>): ParsedField {
  const s = raw.trim();
  if (s === "" || missingMarks.has(s)) return MISSING;
  // Fast path for the common case: Number() accepts every decimal, and the only non-decimals it
  // accepts are hex/octal/binary literals (a leading 0x, 0o, 0b), excluded here.
  const fast = Number(s);
  if (Number.isFinite(fast) && !(s.length > 1 && s[0] === "0" && /[xXoObB]/.test(s[1] ?? ""))) {
    return { ok: true, value: fast };
  }
  if (DECIMAL.test(s)) {
    const value = Number(s);
    return Number.isFinite(value) ? { ok: true, value } : { ok: false, why: "non-finite" };
  }
  return { ok: false, why: NON_FINITE.test(s) ? "non-finite" : "text" };
}
