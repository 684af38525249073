/**
 * Many audio files to feature rows: the files a folder or glob names, extracted in order on this
 * thread or by N worker threads taking files from one shared counter, with progress per file.
 * In: a folder or glob, options. Out: per file its row or its problem, in the listed order.
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Presets, SingleBar } from "cli-progress";
import { escapePath, glob } from "tinyglobby";
import { extractFile, type ExtractedRow } from "./extract.js";
import type { AudioProblem } from "./wav.js";

export interface BatchOptions {
  cacheDir?: string;
  workers?: number;
  maxSeconds?: number;
  /** Called once per finished file, in completion order. */
  progress?: (file: string, outcome: ExtractedRow | AudioProblem) => void;
}

/** What a worker posts: the file it starts on, then that file's outcome. */
export type WorkerMessage =
  { started: number } | { index: number; outcome: ExtractedRow | AudioProblem };

/**
 * The WAV files a folder holds (recursively, `.wav` in any case) or a glob matches, sorted, as
 * given relative to `cwd` when they were given so. A pattern that matches nothing is a problem.
 */
export async function listAudio(pattern: string, cwd: string): Promise<string[] | AudioProblem> {
  let isDirectory = false;
  try {
    isDirectory = statSync(resolve(cwd, pattern)).isDirectory();
  } catch {
    // not a folder: a glob or a file
  }
  // A folder's name is a path, not a pattern: `Speech (f)` must not be read as a glob group.
  const patterns = isDirectory
    ? [`${escapePath(pattern.replace(/\/+$/, ""))}/**/*.[wW][aA][vV]`]
    : [pattern];
  const files = (await glob(patterns, { cwd, onlyFiles: true, expandDirectories: false })).sort();
  if (files.length === 0)
    return {
      problem: isDirectory ? `\`${pattern}\` holds no .wav file` : `\`${pattern}\` matches no file`,
    };
  return files;
}

export async function extractAll(
  files: readonly string[],
  cwd: string,
  opts: BatchOptions = {},
): Promise<(ExtractedRow | AudioProblem)[]> {
  // From TypeScript sources (tests) there is no compiled worker script: extract on this thread.
  const script = new URL("./extract-worker.js", import.meta.url);
  const workers = existsSync(fileURLToPath(script))
    ? Math.max(1, Math.min(opts.workers ?? 1, files.length, availableParallelism()))
    : 1;
  const settings = { cacheDir: opts.cacheDir, maxSeconds: opts.maxSeconds };
  if (workers === 1) {
    const inOrder: (ExtractedRow | AudioProblem)[] = [];
    for (const file of files) {
      const outcome = await extractOne(resolve(cwd, file), settings);
      inOrder.push(outcome);
      opts.progress?.(file, outcome);
    }
    return inOrder;
  }
  const outcomes = new Array<ExtractedRow | AudioProblem | undefined>(files.length).fill(undefined);
  const next = new SharedArrayBuffer(4);
  await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<void>((done) => {
          const worker = new Worker(script, {
            workerData: { files: files.map((f) => resolve(cwd, f)), next, settings },
          });
          // The file a worker is on: if the thread dies (out of memory, a broken build), that file
          // fails by name and the other workers take the rest from the shared counter.
          let current: number | null = null;
          worker.on("message", (m: WorkerMessage) => {
            if ("started" in m) current = m.started;
            else {
              outcomes[m.index] = m.outcome;
              current = null;
              opts.progress?.(files[m.index] ?? "", m.outcome);
            }
          });
          worker.on("error", (e) => {
            if (current !== null)
              outcomes[current] = { problem: `a worker thread failed on it: ${e.message}` };
          });
          worker.on("exit", () => done());
        }),
    ),
  );
  // Files no worker reached (every worker died): failed, never silently missing from the table.
  return outcomes.map(
    (o) => o ?? { problem: "not extracted: the worker threads failed before reaching it" },
  );
}

/** One file; an internal failure in a DSP module becomes that file's problem, not the batch's. */
export async function extractOne(
  path: string,
  settings: { cacheDir?: string; maxSeconds?: number },
): Promise<ExtractedRow | AudioProblem> {
  try {
    return await extractFile(path, settings);
  } catch (e) {
    return { problem: `extraction failed: ${(e as Error).message}` };
  }
}

/** A bar on a terminal (one step per file); nothing elsewhere, where the summary line suffices. */
export function terminalProgress(total: number): {
  tick: (file: string) => void;
  stop: () => void;
} {
  if (!process.stderr.isTTY) return { tick: () => {}, stop: () => {} };
  const bar = new SingleBar(
    { format: "{bar} {value}/{total} files | {file}", stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0, { file: "" });
  return { tick: (file) => bar.increment(1, { file }), stop: () => bar.stop() };
}
