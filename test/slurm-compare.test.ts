/**
 * `pnnc compare --slurm` on a real one-node Slurm cluster (test/slurm-cluster.ts): a small
 * comparison as four array tasks assembles to the same compare.json as a local run, run for run; a
 * task cancelled mid-run loses only its runs, `pnnc status` names them, and submitting again trains
 * only those, leaving every stored run untouched. Skipped, with the reason printed, without Slurm.
 * In: synthetic data, two specs, the CLI. Out: assertions.
 */
import { execFile, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { repoRoot, synthSpecHeader } from "./helpers.js";
import { slurmMissing, startSlurmCluster, type SlurmCluster } from "./slurm-cluster.js";

const reason = slurmMissing();
if (reason !== null) console.log(`skipping the pnnc-on-Slurm tests: ${reason}`);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const training = `training {
  learning_rate 0.02
  batch 16
  epochs 40
  seed 3
`;
const evaluation = `evaluation {
  folds 4 stratified
  repeats 2
  validation 1
}
`;
const dnn = `${synthSpecHeader("dnn")}column emotion {
  task emotion
  layers { dense 16 relu }
}
${training}  stage target { train emotion }
}
${evaluation}`;
const prognet = `${synthSpecHeader("prognet")}column gender {
  task gender
  layers { dense 16 relu }
}
column emotion {
  task emotion
  layers { dense 16 relu }
  lateral from gender into all
}
${training}  stage source { train gender }
  stage target {
    train emotion
    freeze gender
  }
}
${evaluation}`;

describe.skipIf(reason !== null)("pnnc compare on a one-node Slurm cluster", () => {
  let cluster: SlurmCluster;
  const root = mkdtempSync(join(tmpdir(), "pnnc-slurm-compare-"));

  /** A folder with the data and both specs: each has its own column store (.pnn/store). */
  const project = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir);
    cpSync(join(root, "synth.csv"), join(dir, "synth.csv"));
    writeFileSync(join(dir, "dnn.pnn"), dnn);
    writeFileSync(join(dir, "prognet.pnn"), prognet);
    return dir;
  };

  const pnnc = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, "dist/cli/main.js"), ...args], {
      cwd,
      encoding: "utf8",
      env: cluster?.env ?? process.env,
    });

  const slurm = (command: string, args: string[]) =>
    new Promise<string>((resolve) =>
      execFile(command, args, { env: cluster.env, encoding: "utf8" }, (_e, stdout) =>
        resolve(stdout ?? ""),
      ),
    );

  /** squeue's (id, state) lines of the given jobs (array tasks one per line). */
  const queued = async (...jobs: string[]) =>
    (await slurm("squeue", ["-h", "-r", "-j", jobs.join(","), "-o", "%i %T"]))
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => l.trim().split(/\s+/) as [string, string]);

  const until = async (what: string, done: () => Promise<boolean>, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
      await sleep(250);
    }
  };

  const jobs = (out: string) => {
    const job = JSON.parse(readFileSync(join(out, "job.json"), "utf8")) as {
      slurm: { array: string; assemble: string; tasks: number[]; slices: number };
    };
    return job.slurm;
  };

  const submit = (dir: string, ...extra: string[]) =>
    pnnc(
      dir,
      "compare",
      "dnn.pnn",
      "prognet.pnn",
      "--out",
      "out",
      "--slurm",
      "--runs-per-task",
      "2",
      "--partition",
      cluster.partition,
      ...extra,
    );

  const runsOf = (file: string) =>
    (
      JSON.parse(readFileSync(file, "utf8")) as { methods: { name: string; runs: unknown[] }[] }
    ).methods.map((m) => [m.name, m.runs]);

  let local: string;

  beforeAll(async () => {
    writeSynthetic({ speakers: 8, utterances: 24, seed: 6, out: join(root, "synth.csv") });
    const here = project("local");
    const r = pnnc(here, "compare", "dnn.pnn", "prognet.pnn", "--out", "out", "--workers", "1");
    if (r.status !== 0) throw new Error(`local compare failed: ${r.stderr}`);
    local = join(here, "out", "compare.json");
    cluster = await startSlurmCluster();
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("as 4 array tasks assembles the local run's compare.json, run for run", async () => {
    const dir = project("cluster");
    const dry = submit(dir, "--dry-run");
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain("--array=0-3");
    expect(dry.stdout).toContain(`#SBATCH --partition=${cluster.partition}`);
    expect(existsSync(join(dir, "out", "job.json"))).toBe(false);
    const r = submit(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/submitted array job \d+: 4 of 4 array task/);
    const { array, assemble, tasks } = jobs(join(dir, "out"));
    expect(tasks).toEqual([0, 1, 2, 3]);
    await until(
      "the array and the assembling job to finish",
      async () => (await queued(array, assemble)).length === 0,
    );
    const file = join(dir, "out", "compare.json");
    expect(
      existsSync(file),
      readFileSync(join(dir, "out", "slurm", "logs", `assemble-${assemble}.out`), "utf8"),
    ).toBe(true);
    expect(runsOf(file)).toEqual(runsOf(local));
    // A second submission finds every run stored and submits nothing.
    const again = submit(dir);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("nothing to submit");
  }, 240_000);

  it("loses only a cancelled task's runs, and a resubmission trains just those", async () => {
    const dir = project("cancelled");
    const out = join(dir, "out");
    // One task at a time, so the last is still to come when it is cancelled.
    const r = submit(dir, "--max-running", "1");
    expect(r.status, r.stderr).toBe(0);
    const first = jobs(out);
    await until("task 3 to start", async () =>
      (await queued(first.array)).some(
        ([id, state]) => id === `${first.array}_3` && state === "RUNNING",
      ),
    );
    await slurm("scancel", [`${first.array}_3`]);
    await until(
      "the array and the assembling job to finish",
      async () => (await queued(first.array, first.assemble)).length === 0,
    );
    // The assembling job ran after the array and failed, naming the missing runs.
    expect(existsSync(join(out, "compare.json"))).toBe(false);
    const log = readFileSync(join(out, "slurm", "logs", `assemble-${first.assemble}.out`), "utf8");
    expect(log).toContain("PNN5009");
    const status = pnnc(dir, "status", "out");
    expect(status.stdout).toContain("6 of 8 runs stored");
    expect(status.stdout).toContain("missing: repeat 2 fold 3, repeat 2 fold 4");
    const stored = [
      "repeat1-fold1",
      "repeat1-fold2",
      "repeat1-fold3",
      "repeat1-fold4",
      "repeat2-fold1",
      "repeat2-fold2",
    ];
    const before = stored.map((run) => statSync(join(out, "runs", `${run}.json`)).mtimeMs);
    const resumed = submit(dir);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/1 of 4 array task\(s\)/);
    const second = jobs(out);
    expect(second.tasks).toEqual([3]);
    await until(
      "the resubmitted jobs to finish",
      async () => (await queued(second.array, second.assemble)).length === 0,
    );
    expect(runsOf(join(out, "compare.json"))).toEqual(runsOf(local));
    expect(stored.map((run) => statSync(join(out, "runs", `${run}.json`)).mtimeMs)).toEqual(before);
    expect(pnnc(dir, "status", "out").stdout).toContain("8 of 8 runs stored");
  }, 300_000);

  it("refuses a second submission while the first is queued, and a bad partition clearly", async () => {
    const dir = project("twice");
    const r = submit(dir, "--max-running", "1");
    expect(r.status, r.stderr).toBe(0);
    const twice = submit(dir);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain("PNN5010");
    expect(twice.stderr).toContain("already has a submission in the queue");
    const { array, assemble } = jobs(join(dir, "out"));
    await slurm("scancel", [array, assemble]);
    const bad = pnnc(
      dir,
      "compare",
      "dnn.pnn",
      "prognet.pnn",
      "--out",
      "bad",
      "--slurm",
      "--partition",
      "no-such-partition",
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/PNN5010.*sbatch refused the job.*partition/is);
    expect(existsSync(join(dir, "bad", "compare.json"))).toBe(false);
  }, 120_000);
});
