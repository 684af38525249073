/**
 * `pnnc data extract DIR|GLOB --out FILE`: a folder of WAV files to a feature table of pnnc's
 * eGeMAPS-like set (one row per file: its path, then the 88 parameters), written atomically.
 * In: parsed arguments. Out: an exit code; the summary names every file that failed and why.
 */
import { extractAll, listAudio, terminalProgress } from "../audio/extract-batch.js";
import type { ExtractedRow } from "../audio/extract.js";
import {
  defaultCacheDir,
  featureTable,
  OUTPUT_FORMATS,
  type OutputFormat,
} from "../audio/feature-table.js";
import type { AudioProblem } from "../audio/wav.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { checkOutput, writeFileAtomic } from "./files.js";
import { printProblem } from "./output.js";

export interface ExtractOptions {
  out: string;
  set: string;
  workers: string;
  format: string;
  cache?: string | false;
  maxSeconds?: string;
}

export const FEATURE_SETS = ["egemaps-like"] as const;

export async function runDataExtract(input: string, opts: ExtractOptions): Promise<number> {
  const usage = (message: string) => {
    printProblem(message);
    return EXIT_USAGE;
  };
  if (!(FEATURE_SETS as readonly string[]).includes(opts.set))
    return usage(`unknown feature set \`${opts.set}\`; available: ${FEATURE_SETS.join(", ")}`);
  if (!(OUTPUT_FORMATS as readonly string[]).includes(opts.format))
    return usage(`unknown format \`${opts.format}\`; available: ${OUTPUT_FORMATS.join(", ")}`);
  const workers = Number(opts.workers);
  if (!Number.isInteger(workers) || workers < 1)
    return usage(`\`--workers\` takes a whole number ≥ 1, not \`${opts.workers}\``);
  const maxSeconds = Number(opts.maxSeconds ?? "3600");
  if (!(maxSeconds > 0)) return usage(`\`--max-seconds\` takes a positive number`);
  const refused = checkOutput(opts.out);
  if (refused) {
    printProblem(refused);
    return EXIT_FAILED;
  }
  const files = await listAudio(input, process.cwd());
  if ("problem" in files) {
    printProblem(files.problem);
    return EXIT_FAILED;
  }
  const cacheDir = opts.cache === false ? undefined : (opts.cache ?? defaultCacheDir());
  const bar = terminalProgress(files.length);
  const started = performance.now();
  const outcomes = await extractAll(files, process.cwd(), {
    cacheDir,
    workers,
    maxSeconds,
    progress: (file) => bar.tick(file),
  });
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  const rows: { file: string; values: Float64Array; row: ExtractedRow }[] = [];
  const failed: { file: string; problem: AudioProblem }[] = [];
  outcomes.forEach((o, i) => {
    const file = files[i] ?? "";
    if ("problem" in o) failed.push({ file, problem: o });
    else rows.push({ file, values: o.values, row: o });
  });
  if (rows.length > 0) {
    const problem = writeFileAtomic(opts.out, featureTable(rows, opts.format as OutputFormat));
    if (problem) {
      printProblem(problem);
      return EXIT_FAILED;
    }
  }
  const audio = rows.reduce((a, r) => a + r.row.seconds, 0);
  const cached = rows.filter((r) => r.row.cached).length;
  const pace = audio > 0 && seconds > 0 ? `, ${(audio / seconds).toFixed(0)}× real time` : "";
  process.stderr.write(
    `${rows.length > 0 ? `wrote ${rows.length} rows to ${opts.out}` : "wrote nothing"}: ${audio.toFixed(1)} s of audio in ${seconds.toFixed(1)} s${pace}, ${cached} from the cache\n`,
  );
  if (failed.length > 0) {
    process.stderr.write(`${failed.length} of ${files.length} files failed:\n`);
    for (const f of failed.slice(0, 20))
      process.stderr.write(`  ${f.file}: ${f.problem.problem}\n`);
    if (failed.length > 20) process.stderr.write(`  … and ${failed.length - 20} more\n`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}
