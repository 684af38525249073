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
import { EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { exitCodeOf, printProblem, printReports } from "./output.js";

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

type Counted = { value: number | null; problem?: undefined } | { problem: string };

function count(text: string | undefined, flag: string, fallback: number | null): Counted {
  if (text === undefined) return { value: fallback };
  const n = Number(text);
  return Number.isInteger(n) && n >= 1
    ? { value: n }
    : { problem: `\`${flag}\` takes a whole number of at least 1, not \`${text}\`` };
}

/** The Slurm options, or the usage problem (printed) as an exit code. */
export function slurmOptions(f: SlurmFlags): SlurmOptions | number {
  const usage = (problem: string | Problem) => {
    printProblem(problem);
    return EXIT_USAGE;
  };
  if (f.shard !== undefined || f.assemble)
    return usage(
      "`--slurm` submits every slice and the assembling step itself: leave out `--shard` and `--assemble`",
    );
  const runsPerTask = count(f.runsPerTask, "--runs-per-task", 1);
  const maxRunning = count(f.maxRunning, "--max-running", null);
  const cpus = count(f.cpusPerTask, "--cpus-per-task", 1);
  for (const c of [runsPerTask, maxRunning, cpus])
    if (c.problem !== undefined) return usage(coded("PNN5008", c.problem));
  return {
    runsPerTask: ("value" in runsPerTask ? runsPerTask.value : null) ?? 1,
    maxRunning: "value" in maxRunning ? maxRunning.value : null,
    cpusPerTask: ("value" in cpus ? cpus.value : null) ?? 1,
    ...(f.partition === undefined ? {} : { partition: f.partition }),
    ...(f.time === undefined ? {} : { time: f.time }),
    ...(f.mem === undefined ? {} : { mem: f.mem }),
    ...(f.account === undefined ? {} : { account: f.account }),
    extra: f.sbatch ?? [],
    dryRun: f.dryRun === true,
  };
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
      `# array job: ${s.tasks.length === 0 ? "nothing to submit" : `sbatch --array=${compactRanges(s.tasks)}${options.maxRunning === null ? "" : `%${options.maxRunning}`}`}\n${s.arrayScript}\n# assembling job: sbatch --dependency=afterany:ARRAY_JOB\n${s.assembleScript}`,
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
