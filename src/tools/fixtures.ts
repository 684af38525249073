/**
 * Invalid inputs too large to commit, built on demand for tests, baselines and benchmarks.
 * In: nothing. Out: a spec path and its bytes.
 */
import { MAX_SPEC_BYTES } from "../syntax/read-source.js";

/** A syntactically plausible spec just over the size limit (PNN1009). */
export function oversizedSpec(): { path: string; bytes: Uint8Array } {
  const line = "// padding: a spec describes an experiment, not data.\n";
  const text = "pnn 1 oversized\n" + line.repeat(Math.ceil((MAX_SPEC_BYTES + 1) / line.length));
  return {
    path: "test/fixtures/invalid/PNN1009-spec-too-large.pnn",
    bytes: new TextEncoder().encode(text),
  };
}
