/**
 * A dataset with `format audio`: its files (a folder or glob, relative to the spec) extracted to
 * pnnc's eGeMAPS-like table, cached by content and extractor version, and the table written once
 * under the cache. In: the pattern, the spec's folder. Out: the table's path and the failed files.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { extractAll, listAudio, terminalProgress } from "../audio/extract-batch.js";
import { defaultCacheDir, featureTable } from "../audio/feature-table.js";
import { writeFileAtomic } from "../runtime/atomic-files.js";
import type { DataProblem } from "./problem.js";

export interface AudioTable {
  /** The extracted table (CSV, `file` then the 88 parameters), under the cache. */
  path: string;
  files: number;
  failures: { file: string; problem: string }[];
}

export async function audioTable(
  pattern: string,
  specDir: string,
): Promise<AudioTable | DataProblem> {
  const files = await listAudio(pattern, specDir);
  if ("problem" in files) return { code: "PNN4032", message: files.problem };
  const cacheDir = defaultCacheDir();
  const bar = terminalProgress(files.length);
  const outcomes = await extractAll(files, specDir, {
    cacheDir,
    // Extraction is per file and independent: every core, up to 8.
    workers: Math.min(8, availableParallelism()),
    progress: (file) => bar.tick(file),
  });
  bar.stop();
  const rows: { file: string; values: Float64Array }[] = [];
  const failures: AudioTable["failures"] = [];
  outcomes.forEach((o, i) => {
    const file = files[i] ?? "";
    if ("problem" in o) failures.push({ file, problem: o.problem });
    else rows.push({ file, values: o.values });
  });
  const first = failures[0];
  if (rows.length === 0 && first)
    return {
      code: "PNN4032",
      message: `none of the ${files.length} audio files could be read (\`${first.file}\`: ${first.problem})`,
    };
  const text = featureTable(rows, "csv");
  // Named by content: the same audio and extractor give the same table, and so the same run hash.
  const path = join(
    cacheDir,
    "tables",
    `${createHash("sha256").update(text).digest("hex").slice(0, 40)}.csv`,
  );
  if (!existsSync(path)) {
    try {
      writeFileAtomic(path, text, { makeDirs: true });
    } catch (e) {
      return {
        code: "PNN4032",
        message: `cannot write the extracted table to \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        hint: "set PNNC_CACHE to a writable folder",
      };
    }
  }
  return { path, files: files.length, failures };
}
