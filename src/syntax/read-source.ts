/**
 * Turns a spec's bytes into a SourceFile, refusing what is not a spec: too large, binary, not UTF-8.
 * In: a path and raw bytes. Out: the SourceFile (always, for locating) and PNN1007/PNN1009 diagnostics.
 */
import { makeDiagnostic, type Diagnostic, type Result } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../diagnostics/source-file.js";

export const MAX_SPEC_BYTES = 1024 * 1024;

export function readSource(path: string, bytes: Uint8Array): Result<SourceFile> {
  const lossy = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const file = new SourceFile(path, lossy);
  const diagnostics: Diagnostic[] = [];
  if (bytes.length > MAX_SPEC_BYTES) {
    const size = `${bytes.length} bytes`;
    diagnostics.push(
      makeDiagnostic(
        "PNN1009",
        file,
        { start: 0, end: 0 },
        `spec is ${size}, over the 1 MiB limit`,
        {
          hint: "a spec describes an experiment; keep data in the files that `dataset` blocks name",
        },
      ),
    );
    return { value: new SourceFile(path, ""), diagnostics };
  }
  const encoding = otherEncoding(bytes);
  if (encoding) {
    // Decoded as UTF-8 the text is noise; an empty file keeps the excerpt from echoing it.
    const empty = new SourceFile(path, "");
    diagnostics.push(
      makeDiagnostic(
        "PNN1007",
        empty,
        { start: 0, end: 0 },
        `the file is ${encoding}; save it as UTF-8`,
        { hint: "a `.pnn` spec must be UTF-8 text" },
      ),
    );
    return { value: empty, diagnostics };
  }
  const nul = bytes.indexOf(0);
  const invalid = firstInvalidUtf8(bytes);
  const bad = nul >= 0 && (invalid < 0 || nul < invalid) ? nul : invalid;
  if (bad >= 0) {
    const offset = new TextDecoder().decode(bytes.subarray(0, bad)).length;
    const what = bad === nul ? "a NUL byte" : "a byte that is not valid UTF-8";
    diagnostics.push(
      makeDiagnostic(
        "PNN1007",
        file,
        { start: offset, end: offset + 1 },
        `not a text file: ${what} at byte ${bad}`,
        {
          hint: "a `.pnn` spec must be UTF-8 text",
        },
      ),
    );
  }
  return { value: file, diagnostics };
}

/**
 * The name of a Unicode encoding other than UTF-8 that the bytes are in, by byte-order mark or, without
 * one, by UTF-16's pattern of NUL bytes beside ASCII letters; null for anything else.
 */
function otherEncoding(bytes: Uint8Array): string | null {
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
function firstInvalidUtf8(bytes: Uint8Array): number {
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
