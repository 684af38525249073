/**
 * DIR/job.json: what a sliced or submitted run or comparison is (its command, how many runs, the
 * Slurm jobs), written by `--shard` and `--slurm` so that `pnnc status DIR` and a later submission
 * know the whole protocol without the specs. In: the prepared command. Out: the file, read or written.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PNNC_VERSION } from "../version.js";
import { writeFileAtomic } from "./files.js";

export interface SlurmJobs {
  /** The array job's id, and the assembling job's that depends on it. */
  array: string;
  assemble: string;
  /** Array task ids submitted (0-based; task t trains slice t+1 of `slices`). */
  tasks: number[];
  slices: number;
  submitted: string;
}

export interface JobFile {
  pnnc: string;
  kind: "run" | "compare";
  /** Absolute paths of the specs, and of the output directory. */
  files: string[];
  out: string;
  /** The options that decide the runs and where they go (`--store`, `--repeats`, …), as typed. */
  args: string[];
  repeats: number;
  folds: number;
  slurm?: SlurmJobs;
}

export const jobPath = (out: string) => join(out, "job.json");

export function jobFile(
  kind: JobFile["kind"],
  files: readonly string[],
  out: string,
  args: readonly string[],
  protocol: { repeats: number; folds: number },
): JobFile {
  return {
    pnnc: PNNC_VERSION,
    kind,
    files: files.map((f) => resolve(f)),
    out: resolve(out),
    args: [...args],
    ...protocol,
  };
}

/** The job file, or null when there is none or it cannot be read as one. */
export function readJobFile(out: string): JobFile | null {
  try {
    const job = JSON.parse(readFileSync(jobPath(out), "utf8")) as JobFile;
    return Array.isArray(job.files) && Number.isInteger(job.repeats) && Number.isInteger(job.folds)
      ? job
      : null;
  } catch {
    return null;
  }
}

/**
 * Writes DIR/job.json atomically; a problem message, or null. A slice (an array task among them)
 * keeps the Slurm jobs an earlier submission of the same command recorded.
 */
export function writeJobFile(job: JobFile): string | null {
  const before = readJobFile(job.out);
  const same =
    before !== null &&
    before.kind === job.kind &&
    JSON.stringify(before.files) === JSON.stringify(job.files);
  const kept = !job.slurm && same && before.slurm ? { ...job, slurm: before.slurm } : job;
  const text = JSON.stringify(kept, null, 2) + "\n";
  if (same && JSON.stringify(before, null, 2) + "\n" === text) return null;
  return writeFileAtomic(jobPath(job.out), text);
}
