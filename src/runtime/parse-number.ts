/**
 * Strict decimal parsing for feature values: `Number()` accepts "", " ", "0x1F" and "Infinity",
 * none of which is a measurement, and features are stored as float32, so a decimal beyond its range
 * (1e300) would silently become Infinity. In: a field. Out: a number, "missing", or why it is not one.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

export type ParsedField =
  | { ok: true; value: number }
  | { ok: false; why: "missing" | "non-finite" | "out-of-range" | "text" };

const MISSING: ParsedField = { ok: false, why: "missing" };
const OUT_OF_RANGE: ParsedField = { ok: false, why: "out-of-range" };

export function parseField(raw: string, missingMarks: ReadonlySet<string>): ParsedField {
  const s = raw.trim();
  if (s === "" || missingMarks.has(s)) return MISSING;
  // Fast path for the common case: Number() accepts every decimal, and the only non-decimals it
  // accepts are hex/octal/binary literals (a leading 0x, 0o, 0b), excluded here.
  const fast = Number(s);
  if (Number.isFinite(fast) && !(s.length > 1 && s[0] === "0" && /[xXoObB]/.test(s[1] ?? ""))) {
    // Past float32's largest magnitude (3.4028234663852886e38) fround gives ±Infinity.
    return Number.isFinite(Math.fround(fast)) ? { ok: true, value: fast } : OUT_OF_RANGE;
  }
  // A decimal Number() cannot hold (1e400) is out of range too, not a NaN or Infinity written out.
  if (DECIMAL.test(s)) return OUT_OF_RANGE;
  return { ok: false, why: NON_FINITE.test(s) ? "non-finite" : "text" };
}
