/**
 * `pnnc status DIR`: which (repeat, fold) runs of a sliced or submitted run are stored, being
 * trained (a live lease) or missing, read from DIR/job.json, the run store and its leases, and,
 * for a Slurm submission, what `squeue` says of its jobs. It never claims or changes anything.
 * In: an output directory. Out: a status report, or why none can be made.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { inspectLease } from "../store/lease.js";
import { readJobFile, type JobFile } from "./job-file.js";
import { fail, plain, succeed, type Outcome } from "./outcome.js";
import { protocolRuns, type RunPair } from "./slices.js";

export interface RunningRun {
  run: RunPair;
  holder: string;
}

export interface StatusReport {
  job: JobFile | null;
  /** Runs in the protocol (null without DIR/job.json: only stored and running runs are known). */
  total: number | null;
  done: RunPair[];
  running: RunningRun[];
  missing: RunPair[];
  /** `squeue`'s lines for the Slurm jobs (id, state, reason), or why there are none. */
  queue: { lines: string[] } | { unavailable: string } | null;
  /** results.json or compare.json exists: the results were assembled. */
  assembled: boolean;
}

const RUN_FILE = /^repeat(\d+)-fold(\d+)\.json$/;

export function runStatus(dir: string): Outcome<StatusReport> {
  const runsDir = join(dir, "runs");
  if (!existsSync(dir)) return fail("usage", [plain(`\`${dir}\` does not exist`)]);
  const job = readJobFile(dir);
  const stored = new Set<string>();
  const seen: RunPair[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(runsDir);
  } catch {
    // No run finished yet.
  }
  for (const name of names) {
    const m = RUN_FILE.exec(name);
    if (!m) continue;
    const run: RunPair = [Number(m[1]), Number(m[2])];
    stored.add(`${run[0]}-${run[1]}`);
    seen.push(run);
  }
  const protocol = job ? protocolRuns(job.repeats, job.folds) : null;
  const leased = (protocol ?? leasedRuns(names)).filter(([r, f]) => !stored.has(`${r}-${f}`));
  const running: RunningRun[] = [];
  const missing: RunPair[] = [];
  for (const run of leased) {
    const lease = inspectLease(join(runsDir, `repeat${run[0]}-fold${run[1]}.lease`));
    if (lease && lease.stale === null) running.push({ run, holder: lease.holder });
    else if (protocol) missing.push(run);
  }
  const done = (protocol ?? seen.sort((a, b) => a[0] - b[0] || a[1] - b[1])).filter(([r, f]) =>
    stored.has(`${r}-${f}`),
  );
  return succeed({
    job,
    total: protocol ? protocol.length : null,
    done,
    running,
    missing,
    queue: job?.slurm ? squeue([job.slurm.array, job.slurm.assemble]) : null,
    assembled: ["results.json", "compare.json"].some((f) => existsSync(join(dir, f))),
  });
}

function leasedRuns(names: string[]): RunPair[] {
  return names.flatMap((n) => {
    const m = /^repeat(\d+)-fold(\d+)\.lease$/.exec(n);
    return m ? [[Number(m[1]), Number(m[2])] as RunPair] : [];
  });
}

/** The jobs' lines in `squeue` (finished jobs have left it), or why it could not be asked. */
export function squeue(ids: readonly string[]): { lines: string[] } | { unavailable: string } {
  const r = spawnSync("squeue", ["-h", "-j", ids.join(","), "-o", "%i %T %r"], {
    encoding: "utf8",
  });
  if (r.error) return { unavailable: `squeue: ${r.error.message}` };
  // squeue fails for ids it no longer knows (all finished): that is an empty queue, not a problem.
  if (r.status !== 0)
    return /Invalid job id/i.test(r.stderr) ? { lines: [] } : { unavailable: r.stderr.trim() };
  return { lines: r.stdout.split("\n").filter((l) => l.trim() !== "") };
}
