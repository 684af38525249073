/**
 * `--slurm`: a run or comparison as a Slurm job array. Array task t trains slice t+1 of N of the
 * (repeat, fold) runs (`--shard`, runs-per-task runs each) into DIR/runs and the column store; a
 * second job, after the array whatever its outcome, assembles the results (`--assemble`, which
 * names any missing run). Only tasks whose slice lacks a run are submitted, so submitting again
 * resumes. In: the job, the runs missing, Slurm options. Out: the scripts and the job ids, or why not.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PNNC_VERSION } from "../version.js";
import { writeFileAtomic } from "./files.js";
import { readJobFile, writeJobFile, type JobFile } from "./job-file.js";
import { coded, fail, succeed, type Outcome, type Problem } from "./outcome.js";
import { protocolRuns, runKey, sliceRuns, type RunPair } from "./slices.js";
import { squeue } from "./status.js";

export interface SlurmOptions {
  runsPerTask: number;
  /** At most this many array tasks at once (`--array=…%K`); null: no limit. */
  maxRunning: number | null;
  cpusPerTask: number;
  partition?: string;
  time?: string;
  mem?: string;
  account?: string;
  /** Free-form `#SBATCH` lines (`--sbatch "--qos=long"`), added to both scripts. */
  extra: string[];
  dryRun: boolean;
}

export interface Submission {
  arrayScript: string;
  assembleScript: string;
  /** sbatch's arguments besides the script (job name and log file; see jobArgs). */
  arrayArgs: string[];
  assembleArgs: string[];
  /** 0-based array task ids submitted, and the number of slices the runs are cut into. */
  tasks: number[];
  slices: number;
  /** The submitted jobs; null for `--dry-run`, or when every run is stored already. */
  jobs: { array: string; assemble: string } | null;
  warnings: string[];
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The pnnc that is running now, so that every node runs the same one (on the shared file system). */
const PNNC_MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));

/**
 * The script's #SBATCH lines. The job name and log path hold the output directory's path, which
 * may hold spaces: they go on sbatch's command line instead (`jobArgs`), where no shell splits them.
 */
function sbatchLines(job: JobFile, o: SlurmOptions): string[] {
  const flags: [string, string | undefined][] = [
    ["cpus-per-task", String(o.cpusPerTask)],
    ["partition", o.partition],
    ["time", o.time],
    ["mem", o.mem],
    ["account", o.account],
  ];
  return [
    "#!/bin/bash",
    `# Written by pnnc ${PNNC_VERSION} for ${job.kind === "run" ? "`pnnc run`" : "`pnnc compare`"} into ${job.out}.`,
    ...flags.flatMap(([k, v]) => (v === undefined ? [] : [`#SBATCH --${k}=${v}`])),
    ...o.extra.map((line) => `#SBATCH ${line.replace(/^#SBATCH\s+/, "")}`),
    "set -euo pipefail",
  ];
}

function pnncCommand(job: JobFile, last: string[]): string {
  const words = [
    process.execPath,
    PNNC_MAIN,
    job.kind,
    ...job.files,
    "--out",
    job.out,
    ...job.args,
  ];
  return `exec ${[...words.map(quote), ...last].join(" ")}`;
}

/** sbatch's own arguments for the array job and the assembling job: name and log file. */
function jobArgs(job: JobFile): { array: string[]; assemble: string[] } {
  const name = `pnnc-${basename(job.out)}`;
  const logs = join(job.out, "slurm", "logs");
  return {
    array: [`--job-name=${name}`, `--output=${join(logs, "%A_%a.out")}`],
    assemble: [`--job-name=${name}-assemble`, `--output=${join(logs, "assemble-%j.out")}`],
  };
}

export function slurmScripts(
  job: JobFile,
  o: SlurmOptions,
  slices: number,
): { array: string; assemble: string } {
  const array = [
    ...sbatchLines(job, o),
    `# Array task t trains slice t+1 of ${slices} of the runs; a run already stored is not trained again.`,
    pnncCommand(job, [
      "--workers",
      String(o.cpusPerTask),
      "--shard",
      `"$((SLURM_ARRAY_TASK_ID + 1))/${slices}"`,
    ]),
  ];
  const assemble = [
    ...sbatchLines(job, { ...o, cpusPerTask: 1 }),
    "# Runs after the array, whatever its outcome: fails, naming them, if some runs are missing.",
    pnncCommand(job, ["--assemble"]),
  ];
  return { array: array.join("\n") + "\n", assemble: assemble.join("\n") + "\n" };
}

/** Under a folder that is usually node-local, where other nodes would not see the results. */
function nodeLocal(path: string): boolean {
  return /^\/(tmp|var\/tmp|dev\/shm|scratch\/local)(\/|$)/.test(resolve(path));
}

const slurmProblem = (message: string, hint?: string): Problem => coded("PNN5010", message, hint);

function sbatchMissing(error: Error): Problem {
  return slurmProblem(
    `cannot run \`sbatch\`: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "it is not on the PATH" : error.message}`,
    "submit from a Slurm login node, or use `--dry-run` to see the scripts",
  );
}

/** Runs `sbatch --parsable ARGS`; the job id, or the problem. */
function sbatch(args: string[]): { id: string } | { problem: Problem } {
  const r = spawnSync("sbatch", ["--parsable", ...args], { encoding: "utf8" });
  if (r.error) return { problem: sbatchMissing(r.error) };
  const id = r.stdout.trim().split(";")[0] ?? "";
  if (r.status !== 0 || !/^\d+$/.test(id))
    return { problem: slurmProblem(`sbatch refused the job: ${(r.stderr || r.stdout).trim()}`) };
  return { id };
}

export function submitToSlurm(
  job: JobFile,
  missing: readonly RunPair[],
  o: SlurmOptions,
): Outcome<Submission> {
  const protocol = protocolRuns(job.repeats, job.folds);
  const slices = Math.ceil(protocol.length / o.runsPerTask);
  const lacking = new Set(missing.map(runKey));
  const tasks = Array.from({ length: slices }, (_, t) => t).filter((t) =>
    sliceRuns(protocol, { index: t + 1, count: slices }).some((run) => lacking.has(runKey(run))),
  );
  const scripts = slurmScripts(job, o, slices);
  const warnings = nodeLocal(job.out)
    ? [
        `\`${job.out}\` is under a folder that is usually local to one node: the array tasks must all see the same output directory and column store`,
      ]
    : [];
  const args = jobArgs(job);
  const planned = {
    arrayScript: scripts.array,
    assembleScript: scripts.assemble,
    arrayArgs: args.array,
    assembleArgs: args.assemble,
    tasks,
    slices,
  };
  if (o.dryRun || tasks.length === 0) return succeed({ ...planned, jobs: null, warnings });
  // Nothing is written where sbatch is missing: asked first, before the scripts and job.json.
  const version = spawnSync("sbatch", ["--version"], { encoding: "utf8" });
  if (version.error) return fail("failed", [sbatchMissing(version.error)]);
  const before = readJobFile(job.out)?.slurm;
  if (before) {
    const queued = squeue([before.array, before.assemble]);
    if ("unavailable" in queued)
      return fail("failed", [
        slurmProblem(
          `cannot tell whether the earlier submission into \`${job.out}\` (array job ${before.array}) is still queued: ${queued.unavailable}`,
          "submit from a node where `squeue` works",
        ),
      ]);
    if (queued.lines.length > 0)
      return fail("failed", [
        slurmProblem(
          `\`${job.out}\` already has a submission in the queue (array job ${before.array}, assembling job ${before.assemble})`,
          `wait for it (\`pnnc status ${job.out}\`) or cancel it (\`scancel ${before.array} ${before.assemble}\`), then submit again: only missing runs are submitted`,
        ),
      ]);
  }
  const dir = join(job.out, "slurm");
  try {
    mkdirSync(join(dir, "logs"), { recursive: true });
  } catch (e) {
    return fail("failed", [slurmProblem(`cannot create \`${dir}\`: ${(e as Error).message}`)]);
  }
  const arrayPath = join(dir, "array.sh");
  const assemblePath = join(dir, "assemble.sh");
  for (const [path, text] of [
    [arrayPath, scripts.array],
    [assemblePath, scripts.assemble],
  ] as const) {
    const problem = writeFileAtomic(path, text);
    if (problem) return fail("failed", [slurmProblem(problem)]);
  }
  // Recorded before submitting: an array task that starts at once finds the same job.json and
  // leaves it, so it cannot overwrite the job ids written below.
  const recorded = writeJobFile({ ...job });
  if (recorded) return fail("failed", [slurmProblem(recorded)]);
  const throttle = o.maxRunning === null ? "" : `%${o.maxRunning}`;
  const array = sbatch([...args.array, `--array=${compactRanges(tasks)}${throttle}`, arrayPath]);
  if ("problem" in array) return fail("failed", [array.problem]);
  const assemble = sbatch([...args.assemble, `--dependency=afterany:${array.id}`, assemblePath]);
  if ("problem" in assemble) {
    // An array without its assembling job would leave results unwritten: take it back.
    spawnSync("scancel", [array.id]);
    return fail("failed", [assemble.problem]);
  }
  const jobs = { array: array.id, assemble: assemble.id };
  const unrecorded = writeJobFile({
    ...job,
    slurm: { ...jobs, tasks, slices, submitted: new Date().toISOString() },
  });
  if (unrecorded) warnings.push(`${unrecorded}: \`pnnc status\` will not know the jobs`);
  return succeed({ ...planned, jobs, warnings });
}

/** [0, 1, 2, 5, 7, 8] → "0-2,5,7-8", as `--array` takes it. */
export function compactRanges(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && (ids[j + 1] as number) === (ids[j] as number) + 1) j++;
    parts.push(j === i ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
