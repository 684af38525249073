/**
 * One spec ready to train: its bytes read, checked by the front end, its data loaded and folded,
 * and its run hash (the spec, the compiler version and the data files' bytes) computed.
 * In: a spec path. Out: the IR, the data and the hash, with the spec's diagnostics (warnings on success).
 */
import { dirname } from "node:path";
import { compileSpec } from "../compile.js";
import { loadSpecData, settledByData, type SpecData } from "../data/load.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import type { Ir } from "../ir/types.js";
import { runHash, specDigest } from "../runtime/files.js";
import { PNNC_VERSION } from "../version.js";
import { readBytes } from "./files.js";
import { fail, plain, succeed, type Outcome, type SpecDiagnostics } from "./outcome.js";

export interface LoadedSpec {
  file: string;
  /** The bytes that were checked: outputs copy these, not whatever the file holds later. */
  source: Uint8Array;
  ir: Ir;
  data: SpecData;
  /** The run hash: stored runs and checkpoints carry it, and resuming reuses only runs with the same one. */
  hash: string;
}

export async function loadSpec(file: string): Promise<Outcome<LoadedSpec>> {
  const read = readBytes(file);
  if ("problem" in read) return fail("usage", [plain(read.problem)]);
  const front = compileSpec(file, read.bytes);
  // Checking and loading report separately (each with its own summary line), as they happen.
  const diagnostics: SpecDiagnostics[] = [];
  const note = (found: SpecDiagnostics["diagnostics"]) => {
    if (found.length > 0) diagnostics.push({ file: front.file, diagnostics: found });
  };
  if (!front.ir || !front.spans || hasErrors(front.diagnostics)) {
    note(front.diagnostics);
    return fail("failed", [], diagnostics);
  }
  const ir = front.ir;
  const checked = { file: front.file, ir, spans: front.spans };
  const loaded = await loadSpecData(checked, dirname(file));
  // Once the data is loaded, warnings it settles (a text label under `features numeric`) go.
  note(loaded.value ? settledByData(front.diagnostics, checked) : front.diagnostics);
  note(loaded.diagnostics);
  const data = loaded.value;
  if (!data) return fail("failed", [], diagnostics);
  const hash = runHash(specDigest(JSON.stringify(ir), PNNC_VERSION), [...data.datasets.values()]);
  return succeed({ file, source: read.bytes, ir, data, hash }, { diagnostics });
}

/** Runs per repeat: the most folds any dataset of the spec is split into. */
export function foldsPerRepeat(data: SpecData): number {
  return Math.max(...[...data.splits.values()].map((s) => s.runs[0]?.length ?? 0));
}
