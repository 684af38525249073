/**
 * Turns a spec's bytes into a SourceFile, refusing what is not a spec: too large, binary, not UTF-8.
 * In: a path and raw bytes. Out: the SourceFile (always, for locating) and PNN1007/PNN1009 diagnostics.
 */
import { makeDiagnostic, type Diagnostic, type Result } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../diagnostics/source-file.js";
import { firstInvalidUtf8, otherEncoding } from "../diagnostics/text-encoding.js";

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
