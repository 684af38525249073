/**
 * A real one-node Slurm cluster for tests: its own munged, slurmctld and slurmd, started from
 * Debian's slurm-wlm and munge in a fresh temporary directory on free ports (run as root).
 * In: nothing (`slurmMissing()` says why it cannot run here). Out: the environment that client
 * commands (sbatch, squeue, scancel) need, and `stop()`, which kills only what it started, by PID.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface SlurmCluster {
  /** process.env without inherited Slurm settings, plus SLURM_CONF: pass it to sbatch, squeue... */
  env: NodeJS.ProcessEnv;
  /** The temporary directory holding the configuration, key, state, spool and logs. */
  dir: string;
  partition: "debug";
  /** The daemons' PIDs (the harness's own children). */
  pids: { munged: number; slurmctld: number; slurmd: number };
  /** Resolves once sinfo shows the node idle; rejects, with the daemons' log tails, after timeoutMs. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Cancels every job, stops the daemons (by PID), kills what jobs left behind, removes `dir`. */
  stop(): Promise<void>;
}

const DAEMONS = ["munged", "slurmctld", "slurmd"] as const;
const CLIENTS = ["sbatch", "squeue", "scancel", "sinfo"] as const;
type Daemon = (typeof DAEMONS)[number];

/** An executable on PATH or in the sbin folders (which a non-login PATH may lack), or null. */
function findExecutable(name: string): string | null {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/sbin",
    "/sbin",
    "/usr/local/sbin",
  ];
  for (const dir of dirs.filter((d) => d !== "")) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

/** Why a cluster cannot be started here, or null when it can. */
export function slurmMissing(): string | null {
  if (process.platform !== "linux") return `Slurm tests need Linux (this is ${process.platform})`;
  const missing = [...DAEMONS, ...CLIENTS].filter((name) => findExecutable(name) === null);
  if (missing.length > 0) {
    return `Slurm or munge is not installed (missing ${missing.join(", ")}; apt-get install slurm-wlm munge)`;
  }
  if (process.getuid?.() !== 0) return "the Slurm test cluster runs its daemons as root";
  return null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { env, encoding: "utf8", timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr: stderr || (error?.message ?? "") });
    });
  });
}

/** A TCP port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** Process environment without anything that would steer Slurm's client commands elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SLURM|SBATCH|SALLOC|SRUN|SQUEUE|SINFO|SACCT|SCANCEL|SCONTROL)_/.test(key)) continue;
    env[key] = value;
  }
  return env;
}

function tail(path: string, lines = 15): string {
  try {
    const text = readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    return text === "" ? "(empty)" : text;
  } catch {
    return "(none)";
  }
}

/**
 * The cluster's slurm.conf. Without slurmdbd, plain `sacct` answers "accounting storage is
 * disabled"; `sacct -c` reads the jobcomp file, but 22.05's reader rejects array tasks' records
 * ("Unknown type ArrayJobId"), so tests read squeue, scontrol or the file itself instead.
 */
function slurmConf(dir: string, ports: { ctld: number; d: number }): string {
  // At least two, so that two array tasks run at once even on one core (config_overrides lets the
  // configuration differ from the hardware without draining the node).
  const cpuCount = Math.max(2, cpus().length);
  return `# Written by test/slurm-cluster.ts for one test run; everything lives in ${dir}.
ClusterName=pnnctest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=${ports.ctld}
SlurmdPort=${ports.d}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${join(dir, "munge.socket")}
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${join(dir, "state")}
SlurmdSpoolDir=${join(dir, "spool")}
SlurmctldPidFile=${join(dir, "slurmctld.pid")}
SlurmdPidFile=${join(dir, "slurmd.pid")}
SlurmctldLogFile=${join(dir, "slurmctld.log")}
SlurmdLogFile=${join(dir, "slurmd.log")}
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${join(dir, "jobcomp.txt")}
NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpuCount} RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
`;
}

/** Starts munged, slurmctld and slurmd in a new temporary directory and waits for an idle node. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const reason = slurmMissing();
  if (reason !== null) throw new Error(`cannot start a Slurm cluster: ${reason}`);
  const dir = mkdtempSync(join(tmpdir(), "pnnc-slurm-"));
  // munged warns about a socket in a folder that others cannot traverse.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "spool"));
  const conf = join(dir, "slurm.conf");
  const ports = { ctld: await freePort(), d: await freePort() };
  writeFileSync(conf, slurmConf(dir, ports));
  // A private key and socket: a munged that something else runs is never used, stopped or changed.
  writeFileSync(join(dir, "munge.key"), randomBytes(1024), { mode: 0o400 });

  // The marker lets stop() find processes that jobs left behind, by their environment.
  const marker = `PNNC_SLURM_CLUSTER=${dir}`;
  const env: NodeJS.ProcessEnv = { ...cleanEnv(), SLURM_CONF: conf, PNNC_SLURM_CLUSTER: dir };
  const children = new Map<Daemon, ChildProcess>();
  const spawnErrors = new Map<Daemon, Error>();

  const logs = () =>
    DAEMONS.map((name) => {
      const child = children.get(name);
      const state =
        child === undefined
          ? "not started"
          : child.exitCode !== null || child.signalCode !== null
            ? `exited (${child.exitCode ?? child.signalCode})`
            : `running, pid ${child.pid}`;
      const spawnError = spawnErrors.get(name);
      return [
        `--- ${name}: ${state}${spawnError ? `; ${spawnError.message}` : ""}`,
        `${name}.log:`,
        tail(join(dir, `${name}.log`)),
        `${name} stdout/stderr:`,
        tail(join(dir, `${name}.out`)),
      ].join("\n");
    }).join("\n");

  const start = (name: Daemon, args: string[]) => {
    const out = openSync(join(dir, `${name}.out`), "a");
    const bin = findExecutable(name) ?? name;
    // setpriv execs the daemon under the same PID and has the kernel kill it if this process dies
    // before stop() runs (a crashed or killed test worker).
    const setpriv = findExecutable("setpriv");
    const [command, argv] = setpriv
      ? [setpriv, ["--pdeathsig", "KILL", "--", bin, ...args]]
      : [bin, args];
    const child = spawn(command, argv, {
      env,
      cwd: dir,
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    child.on("error", (error) => spawnErrors.set(name, error));
    children.set(name, child);
  };
  const dead = () =>
    [...children].filter(([, c]) => c.exitCode !== null || c.signalCode !== null || !c.pid);

  // If the test process exits without stop(), take the daemons with it (setpriv covers kills).
  const killOnExit = () => {
    for (const child of children.values()) if (child.pid) tryKill(child.pid, "SIGKILL");
  };
  process.once("exit", killOnExit);

  const waitFor = async (what: string, ready: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const gone = dead();
      if (gone.length > 0) {
        throw new Error(`${gone.map(([n]) => n).join(", ")} exited while ${what}\n${logs()}`);
      }
      if (await ready()) return;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms ${what}\n${logs()}`);
      await sleep(200);
    }
  };

  const waitForIdle = (timeoutMs = 30_000) =>
    waitFor(
      "waiting for the node to be idle",
      async () => {
        const r = await run("sinfo", ["-h", "-N", "-n", "localhost", "-o", "%T"], env);
        return r.code === 0 && r.stdout.trim() === "idle";
      },
      timeoutMs,
    );

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const slurmctld = children.get("slurmctld");
    if (slurmctld && slurmctld.exitCode === null && slurmctld.signalCode === null) {
      // Cancel jobs first so that slurmd ends their steps; the sweep below catches stragglers.
      await run("scancel", ["--partition", "debug"], env);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const r = await run("squeue", ["-h", "-o", "%i"], env);
        if (r.code !== 0 || r.stdout.trim() === "") break;
        await sleep(250);
      }
    }
    for (const name of ["slurmd", "slurmctld", "munged"] as const) {
      const child = children.get(name);
      if (child) await terminate(child);
    }
    await sweep(marker);
    process.removeListener("exit", killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    start("munged", [
      "--foreground",
      "--force",
      `--key-file=${join(dir, "munge.key")}`,
      `--socket=${join(dir, "munge.socket")}`,
      `--pid-file=${join(dir, "munged.pid")}`,
      `--log-file=${join(dir, "munged.log")}`,
      `--seed-file=${join(dir, "munged.seed")}`,
    ]);
    await waitFor(
      "waiting for munged's socket",
      async () => existsSync(join(dir, "munge.socket")),
      10_000,
    );
    start("slurmctld", ["-D", "-f", conf]);
    start("slurmd", ["-D", "-N", "localhost", "-f", conf]);
    await waitForIdle(45_000);
  } catch (error) {
    await stop();
    throw error;
  }

  const pid = (name: Daemon) => children.get(name)?.pid ?? -1;
  return {
    env,
    dir,
    partition: "debug",
    pids: { munged: pid("munged"), slurmctld: pid("slurmctld"), slurmd: pid("slurmd") },
    waitForIdle,
    stop,
  };
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the child has exited (and been reaped). */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** PIDs of live processes whose environment holds `marker` (job steps and jobs of this cluster). */
function markedPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(marker)) {
        pids.push(pid);
      }
    } catch {
      // gone, or a zombie
    }
  }
  return pids;
}

async function sweep(marker: string): Promise<void> {
  for (let round = 0; round < 25; round++) {
    const left = markedPids(marker);
    if (left.length === 0) return;
    if (round === 0) {
      const names = left.map((pid) => `${pid} ${commandLine(pid)}`).join(", ");
      console.warn(`slurm-cluster: killing what the cluster's jobs left behind: ${names}`);
    }
    for (const pid of left) tryKill(pid, "SIGKILL");
    await sleep(200);
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim();
  } catch {
    return "?";
  }
}
