/**
 * `pnnc run SPEC --slurm` and `pnnc compare SPEC... --slurm`: the Slurm options checked, the job
 * array submitted (or, with `--dry-run`, its scripts printed), and what happened said.
 * The work is src/experiment/slurm.ts; this parses and renders.
 * In: the prepared command's job and missing runs, parsed options. Out: an exit code.
 */
import type { JobFile } from "../experiment/job-file.js";
import { coded, type Problem } from "../experiment/outcome.js";
import type { RunPair } from "../experiment/slices.js";
import { compactRanges, submitToSlurm, type SlurmOptions } from "../experiment/slurm.js";
import { EXIT_OK } from "./exit-codes.js";
import { exitCodeOf, printReports } from "./output.js";

export interface SlurmFlags {
  slurm?: boolean;
  runsPerTask?: string;
  maxRunning?: string;
  cpusPerTask?: string;
  partition?: string;
  time?: string;
  mem?: string;
  account?: string;
  sbatch?: string[];
  dryRun?: boolean;
  shard?: string;
  assemble?: boolean;
}

type Checked<T> = { value: T } | { problem: string | Problem };

/** Flags that mean something only with `--slurm`, as typed. */
const SLURM_ONLY: [keyof SlurmFlags, string][] = [
  ["runsPerTask", "--runs-per-task"],
  ["maxRunning", "--max-running"],
  ["cpusPerTask", "--cpus-per-task"],
  ["partition", "--partition"],
  ["time", "--time"],
  ["mem", "--mem"],
  ["account", "--account"],
  ["dryRun", "--dry-run"],
];

function count(text: string | undefined, flag: string, max = Infinity): Checked<number | null> {
  if (text === undefined) return { value: null };
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= max
    ? { value: n }
    : {
        problem: coded(
          "PNN5008",
          `\`${flag}\` takes a whole number ${max === Infinity ? "of at least 1" : `from 1 to ${max}`}, not \`${text}\``,
        ),
      };
}

/**
 * The Slurm options (null without `--slurm`), or the usage problem: a Slurm flag without
 * `--slurm`, `--slurm` with `--shard`, `--assemble` or `--keep-going` (a diverged run is never
 * stored, so the assembling job could never finish), a bad number, or a line break in a value.
 */
export function slurmOptions(
  f: SlurmFlags & { keepGoing?: boolean },
): Checked<SlurmOptions | null> {
  if (!f.slurm) {
    const stray =
      SLURM_ONLY.find(([k]) => f[k] !== undefined) ??
      (f.sbatch?.length ? ["sbatch", "--sbatch"] : null);
    return stray ? { problem: `\`${stray[1]}\` goes with \`--slurm\`` } : { value: null };
  }
  if (f.shard !== undefined || f.assemble || f.keepGoing)
    return {
      problem:
        "`--slurm` submits every slice and the assembling step itself, and every run must be stored: leave out `--shard`, `--assemble` and `--keep-going`",
    };
  const runsPerTask = count(f.runsPerTask, "--runs-per-task");
  const maxRunning = count(f.maxRunning, "--max-running");
  // The task's worker threads: `--workers` takes 1 to 64, and a task must not fail after queueing.
  const cpus = count(f.cpusPerTask, "--cpus-per-task", 64);
  if ("problem" in runsPerTask) return runsPerTask;
  if ("problem" in maxRunning) return maxRunning;
  if ("problem" in cpus) return cpus;
  const texts = [f.partition, f.time, f.mem, f.account, ...(f.sbatch ?? [])];
  if (texts.some((t) => t !== undefined && /[\r\n\0]/.test(t)))
    return {
      problem: "a Slurm option's value holds a line break: each goes on one `#SBATCH` line",
    };
  return {
    value: {
      runsPerTask: runsPerTask.value ?? 1,
      maxRunning: maxRunning.value,
      cpusPerTask: cpus.value ?? 1,
      ...(f.partition === undefined ? {} : { partition: f.partition }),
      ...(f.time === undefined ? {} : { time: f.time }),
      ...(f.mem === undefined ? {} : { mem: f.mem }),
      ...(f.account === undefined ? {} : { account: f.account }),
      extra: f.sbatch ?? [],
      dryRun: f.dryRun === true,
    },
  };
}

/** Slices and assembling keep every run: `--keep-going`'s diverged runs are never stored. */
export function keepGoingProblem(f: {
  keepGoing?: boolean;
  shard?: string;
  assemble?: boolean;
}): string | null {
  return f.keepGoing && (f.shard !== undefined || f.assemble)
    ? "`--keep-going` leaves a diverged run unstored, so `--assemble` could never find it: leave it out with `--shard` and `--assemble`"
    : null;
}

export function runSlurm(job: JobFile, missing: RunPair[], options: SlurmOptions): number {
  const submitted = submitToSlurm(job, missing, options);
  printReports(submitted);
  if (!submitted.ok) return exitCodeOf(submitted.failure);
  const s = submitted.value;
  for (const w of s.warnings) process.stderr.write(`warning: ${w}\n`);
  const what = `${s.tasks.length} of ${s.slices} array task(s) (${options.runsPerTask} run(s) each; ${missing.length} run(s) missing)`;
  if (options.dryRun) {
    process.stdout.write(
      `# array job: ${s.tasks.length === 0 ? "nothing to submit" : `sbatch ${s.arrayArgs.join(" ")} --array=${compactRanges(s.tasks)}${options.maxRunning === null ? "" : `%${options.maxRunning}`}`}\n${s.arrayScript}\n# assembling job: sbatch ${s.assembleArgs.join(" ")} --dependency=afterany:ARRAY_JOB\n${s.assembleScript}`,
    );
    process.stderr.write(`dry run: would submit ${what}; nothing submitted\n`);
    return EXIT_OK;
  }
  if (s.jobs === null) {
    process.stdout.write(
      `every run is stored in ${job.out}: nothing to submit; write the results with the same command and \`--assemble\`\n`,
    );
    return EXIT_OK;
  }
  process.stdout.write(
    `submitted array job ${s.jobs.array}: ${what}, and assembling job ${s.jobs.assemble} after it\nfollow it with \`pnnc status ${job.out}\`; submit the same command again to resume what failed\n`,
  );
  return EXIT_OK;
}
