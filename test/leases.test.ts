/**
 * Leases (issue 12 item 9): concurrent runs into one output folder or one column store train each
 * run and column once, a lease whose holder died never blocks, and a live holder is waited for.
 * In: lease files made by hand, and `pnnc run` processes started side by side. Out: assertions.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { claimLease } from "../src/store/lease.js";
import type { RunResults } from "../src/runtime/results.js";
import { repoRoot, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-leases-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fast = { ttlMs: 400, heartbeatMs: 50 };
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], {
    encoding: "utf8",
  });
  return Number(child.stdout.trim());
}

function foreignLease(path: string, holder: Partial<{ host: string; pid: number }>): void {
  const body = { host: "other-host", pid: 1, thread: 0, token: "t", since: "then", ...holder };
  writeFileSync(path, JSON.stringify(body));
}

describe("a lease file", () => {
  it("is held by one claimant at a time and free again once released", () => {
    const path = join(dir, "one.lease");
    const first = claimLease(path, fast);
    expect("held" in first).toBe(true);
    const second = claimLease(path, fast);
    expect(second).toEqual({ busy: expect.stringContaining(`pid ${process.pid}`) });
    if ("held" in first) first.held.release();
    expect(existsSync(path)).toBe(false);
    const third = claimLease(path, fast);
    expect("held" in third).toBe(true);
    if ("held" in third) third.held.release();
  });

  it("is taken over when its holder on this host has exited", () => {
    const path = join(dir, "dead.lease");
    foreignLease(path, { host: spawnSync("hostname").stdout.toString().trim(), pid: deadPid() });
    const claim = claimLease(path, fast);
    expect("held" in claim).toBe(true);
    if ("held" in claim) claim.held.release();
  });

  it("from another host is waited for while its heartbeat is fresh, taken over once it stops", () => {
    const path = join(dir, "remote.lease");
    foreignLease(path, { host: "some-other-node" });
    expect(claimLease(path, fast)).toEqual({ busy: expect.stringContaining("some-other-node") });
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    const claim = claimLease(path, fast);
    expect("held" in claim).toBe(true);
    if ("held" in claim) claim.held.release();
  });

  it("is kept fresh by its holder's heartbeat, so it never looks stale while held", async () => {
    const path = join(dir, "beat.lease");
    const claim = claimLease(path, fast);
    if (!("held" in claim)) throw new Error("not held");
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    await sleep(300);
    expect(Date.now() - statSync(path).mtimeMs).toBeLessThan(fast.ttlMs);
    claim.held.release();
  });

  it("released late does not remove the lease another process took over meanwhile", () => {
    const path = join(dir, "taken.lease");
    const claim = claimLease(path, fast);
    if (!("held" in claim)) throw new Error("not held");
    foreignLease(path, { host: "some-other-node", pid: 7 });
    claim.held.release();
    expect(readFileSync(path, "utf8")).toContain("some-other-node");
  });

  it("in a folder that cannot be written does not stop the work", () => {
    const readOnly = join(dir, "read-only");
    mkdirSync(readOnly);
    writeFileSync(join(readOnly, "x"), "");
    // A lease under a file: ENOTDIR, as a read-only or full file system would fail.
    const claim = claimLease(join(readOnly, "x", "run.lease"), fast);
    expect("held" in claim).toBe(true);
  });

  it("whose folder cannot be created does not stop the work either", () => {
    // /proc refuses new folders, even to root: the lease's folder can never be made.
    const claim = claimLease("/proc/self/pnnc-no-such-folder/run.lease", fast);
    expect("held" in claim).toBe(true);
    if ("held" in claim) claim.held.release();
  });
});

const spec = (name: string, columns: string, stages: string) => `${synthSpecHeader(name)}${columns}
training {
  learning_rate 0.02
  batch 16
  epochs 12
  seed 3
${stages}
}
evaluation {
  folds 4 stratified
  repeats 2
  validation 1
}
`;
const genderColumn = `column gender {
  task gender
  layers { dense 16 relu }
}
`;
const emotionColumn = `column emotion {
  task emotion
  layers { dense 16 relu }
  lateral from gender into all
}
`;

beforeAll(() => {
  writeSynthetic({ speakers: 8, utterances: 32, seed: 4, out: join(dir, "synth.csv") });
  writeFileSync(join(dir, "one.pnn"), spec("one", genderColumn, "  stage one { train gender }"));
  writeFileSync(
    join(dir, "two.pnn"),
    spec(
      "two",
      genderColumn + emotionColumn,
      "  stage one { train gender }\n  stage two {\n    train emotion\n    freeze gender\n  }",
    ),
  );
});

interface Finished {
  status: number | null;
  stderr: string;
}

/** `pnnc ARGS` in the test folder, started now; resolves when it exits. */
function start(...args: string[]): { done: Promise<Finished>; pid: number; stderr: () => string } {
  const child = spawn(process.execPath, [join(repoRoot, "dist/cli/main.js"), ...args], {
    cwd: dir,
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const done = new Promise<Finished>((resolve) =>
    child.on("close", (status) => resolve({ status, stderr })),
  );
  return { done, pid: child.pid ?? 0, stderr: () => stderr };
}

const trainedLines = (stderr: string) =>
  stderr.split("\n").filter((l) => / \(\d+ epochs\)/.test(l)).length;

function results(out: string): RunResults {
  const r = JSON.parse(readFileSync(join(dir, out, "results.json"), "utf8")) as RunResults & {
    seconds?: number;
  };
  delete r.seconds;
  return r;
}

describe("concurrent runs", () => {
  it("into one folder train each of the 8 runs once, and both report the solo run's results", async () => {
    const solo = spawnSync(
      process.execPath,
      [join(repoRoot, "dist/cli/main.js"), "run", "one.pnn", "--out", "solo", "--no-store"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(solo.status).toBe(0);
    const args = ["run", "one.pnn", "--out", "shared", "--no-store", "--workers", "1"];
    const [a, b] = await Promise.all([start(...args).done, start(...args).done]);
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(trainedLines(a.stderr) + trainedLines(b.stderr)).toBe(8);
    expect(a.stderr + b.stderr).toContain("another pnnc is training it");
    expect(results("shared")).toEqual(results("solo"));
    expect(existsSync(join(dir, "shared", "runs", "repeat1-fold1.lease"))).toBe(false);
  });

  it("wait for a run a live process holds, and take it over when that process dies", async () => {
    const out = "held";
    mkdirSync(join(dir, out, "runs"), { recursive: true });
    const holder = spawn("sleep", ["60"]);
    const host = spawnSync("hostname").stdout.toString().trim();
    foreignLease(join(dir, out, "runs", "repeat1-fold2.lease"), { host, pid: holder.pid ?? 0 });
    const run = start("run", "one.pnn", "--out", out, "--no-store", "--workers", "1");
    // Every other run finishes; the held one is waited for, not trained, while its holder lives.
    while (!run.stderr().includes("repeat 2, fold 4, stage one")) await sleep(100);
    await sleep(1500);
    expect(existsSync(join(dir, out, "results.json"))).toBe(false);
    expect(trainedLines(run.stderr())).toBe(7);
    holder.kill("SIGKILL");
    const finished = await run.done;
    expect(finished.status).toBe(0);
    expect(trainedLines(finished.stderr)).toBe(8);
    expect(results(out)).toEqual(results("solo"));
  });

  it("of two specs sharing a column store train the shared column once per run", async () => {
    const store = join(dir, "store");
    const [a, b] = await Promise.all([
      start("run", "one.pnn", "--out", "s1", "--store", store, "--workers", "1").done,
      start("run", "two.pnn", "--out", "s2", "--store", store, "--workers", "1").done,
    ]);
    expect([a.status, b.status]).toEqual([0, 0]);
    const counts = (stderr: string) => {
      const m = /columns: (\d+) trained, (\d+) reused/.exec(stderr);
      return { trained: Number(m?.[1]), reused: Number(m?.[2]) };
    };
    // 8 gender runs (shared) and 8 emotion runs (two.pnn only), each trained by one process.
    expect(counts(a.stderr).trained + counts(b.stderr).trained).toBe(16);
    expect(counts(a.stderr).reused + counts(b.stderr).reused).toBe(8);
  });
});
