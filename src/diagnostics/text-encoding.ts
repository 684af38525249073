/**
 * What text a file's bytes hold, for readers that must refuse what is not UTF-8 text (specs, data
 * tables): another Unicode encoding named by its byte-order mark or NUL pattern, or the first byte
 * that is not valid UTF-8. In: bytes. Out: an encoding's name or a byte offset.
 */

/**
 * The name of a Unicode encoding other than UTF-8 that the bytes are in, by byte-order mark or, without
 * one, by UTF-16's pattern of NUL bytes beside ASCII letters; null for anything else.
 */
export function otherEncoding(bytes: Uint8Array): string | null {
  const [b0, b1, b2, b3] = bytes;
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) return "UTF-32 LE";
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return "UTF-32 BE";
  if (b0 === 0xff && b1 === 0xfe) return "UTF-16 LE";
  if (b0 === 0xfe && b1 === 0xff) return "UTF-16 BE";
  const pairs = Math.min(256, Math.floor(bytes.length / 2));
  if (pairs < 2) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let k = 0; k < pairs; k++) {
    if (bytes[2 * k] === 0) evenNul++;
    if (bytes[2 * k + 1] === 0) oddNul++;
  }
  // Mostly-ASCII UTF-16 text: one byte of each pair is NUL, the other almost never.
  if (oddNul >= pairs * 0.6 && evenNul <= pairs * 0.1) return "UTF-16 LE";
  if (evenNul >= pairs * 0.6 && oddNul <= pairs * 0.1) return "UTF-16 BE";
  return null;
}

/** Byte offset of the first malformed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b <= 0xdf
          ? 1
          : b >= 0xe0 && b <= 0xef
            ? 2
            : b >= 0xf0 && b <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    if (need === 2 || need === 3) {
      const c1 = bytes[i + 1] ?? 0;
      // Reject overlong forms, surrogates and code points above U+10FFFF.
      if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f)) return i;
      if ((b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    }
    i += need + 1;
  }
  return -1;
}
