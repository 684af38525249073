/**
 * The Slurm test harness against a real one-node cluster: a four-task array writes one file per
 * task, `scancel` of one task of a running array ends only that task, and stop() leaves no daemon.
 * In: test/slurm-cluster.ts (skipped, with the reason printed, without Slurm or root). Out: pass.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slurmMissing, startSlurmCluster, type SlurmCluster } from "./slurm-cluster.js";

const reason = slurmMissing();
if (reason !== null) console.log(`skipping the Slurm cluster tests: ${reason}`);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe.skipIf(reason !== null)("a one-node Slurm cluster for tests", () => {
  let cluster: SlurmCluster;
  let out: string;

  /** Runs a Slurm client command against the test cluster; rejects on a non-zero exit. */
  const slurm = (command: string, args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(command, args, { env: cluster.env, encoding: "utf8" }, (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(" ")}: ${stderr || error.message}`))
          : resolve(stdout),
      );
    });

  /** The array task IDs (`12_3`) squeue lists for a job, one per line (-r). */
  const listed = async (job: string) =>
    (await slurm("squeue", ["-h", "-r", "-j", job, "-o", "%i %T"]).catch(() => ""))
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => line.trim().split(/\s+/) as [string, string]);

  const until = async (what: string, done: () => Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
      await sleep(250);
    }
  };

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "pnnc-slurm-out-"));
    const started = Date.now();
    cluster = await startSlurmCluster();
    console.log(`Slurm test cluster idle after ${Date.now() - started} ms in ${cluster.dir}`);
  }, 60_000);

  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    if (cluster === undefined) return;
    const { pids, dir } = cluster;
    await cluster.stop();
    const alive = Object.entries(pids).filter(([, pid]) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 30_000);

  it("runs a four-task array, one file per task", async () => {
    const job = (
      await slurm("sbatch", [
        "--parsable",
        "--array=0-3",
        `--output=${join(out, "slurm-%A_%a.out")}`,
        "--wrap",
        `echo "$SLURM_ARRAY_TASK_ID" > ${out}/task-$SLURM_ARRAY_TASK_ID`,
      ])
    ).trim();
    expect(job).toMatch(/^\d+$/);
    await until(`array job ${job} to leave squeue`, async () => (await listed(job)).length === 0);
    for (const task of [0, 1, 2, 3]) {
      expect(readFileSync(join(out, `task-${task}`), "utf8").trim()).toBe(String(task));
    }
    expect(existsSync(join(out, "task-4"))).toBe(false);
  });

  it("scancel of one task ends that task and leaves its sibling running", async () => {
    const job = (
      await slurm("sbatch", [
        "--parsable",
        "--array=0-1",
        "--output=/dev/null",
        "--wrap",
        "sleep 60",
      ])
    ).trim();
    await until(`both tasks of ${job} to run`, async () => {
      const states = await listed(job);
      return states.length === 2 && states.every(([, state]) => state === "RUNNING");
    });
    await slurm("scancel", [`${job}_1`]);
    await until(`task ${job}_1 to leave squeue`, async () =>
      (await listed(job)).every(([id]) => id !== `${job}_1`),
    );
    expect(await listed(job)).toEqual([[`${job}_0`, "RUNNING"]]);
    expect(await slurm("scontrol", ["show", "job", "-o", `${job}_1`])).toMatch(
      /JobState=CANCELLED/,
    );
  });
});
