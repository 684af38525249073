/**
 * String literal decoding.
 * In: a string token's raw text, quotes included. Out: its value and the offset of a bad escape, if any.
 */

const escapes: Record<string, string> = { '"': '"', "\\": "\\", n: "\n", t: "\t" };

export function decodeString(
  raw: string,
  closed: boolean,
): { value: string; badEscapeAt: number | null } {
  const body = raw.slice(1, closed ? -1 : undefined);
  let value = "";
  let badEscapeAt: number | null = null;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== "\\") {
      value += ch;
      continue;
    }
    const next = body[i + 1] ?? "";
    const decoded = escapes[next];
    if (decoded === undefined && badEscapeAt === null) badEscapeAt = i + 1;
    value += decoded ?? next;
    i++;
  }
  return { value, badEscapeAt };
}

/** The canonical way to write a string value back. */
export function encodeString(value: string): string {
  return (
    '"' +
    value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t") +
    '"'
  );
}
