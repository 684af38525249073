/**
 * Leases: an O_EXCL file saying "this process trains this run (or column) now", kept fresh by a
 * heartbeat thread and taken over once its holder is gone, so concurrent commands train each once.
 * In: a lease path. Out: the lease held, or who holds it.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { threadId, Worker } from "node:worker_threads";

export interface Lease {
  readonly path: string;
  /** Removes the lease file, unless another process has taken it over meanwhile. */
  release(): void;
}

export type Claim = { held: Lease } | { busy: string };

export interface LeaseTiming {
  /** A lease whose heartbeat is older than this is stale. */
  ttlMs: number;
  /** How often a holder refreshes its leases. */
  heartbeatMs: number;
}

/**
 * A minute leaves a loaded machine's heartbeat (every 5 s) a wide margin; on the holder's own host
 * a killed holder is seen at once from its pid, so the ttl only matters across hosts (a cluster's
 * shared file system) and for a worker thread that died inside a live process.
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 60_000, heartbeatMs: 5_000 };

interface Holder {
  host: string;
  pid: number;
  thread: number;
  token: string;
  since: string;
}

export function claimLease(path: string, timing: LeaseTiming = DEFAULT_LEASE_TIMING): Claim {
  // Again after creating the lease's folder or removing a stale lease; a third race is given up.
  for (let attempt = 0; attempt < 3; attempt++) {
    const holder: Holder = {
      host: hostname(),
      pid: process.pid,
      thread: threadId,
      token: randomUUID(),
      since: new Date().toISOString(),
    };
    const created = create(path, JSON.stringify(holder));
    if (created === "created") {
      heartbeat(timing.heartbeatMs).postMessage({ add: path });
      return { held: leaseOf(path, holder.token) };
    }
    if (created === "no folder") continue;
    // A folder we cannot write leases into (read-only, full): work goes on uncoordinated, as
    // before leases existed; the results are the same, only possibly trained twice.
    if (created === "unwritable") return { held: { path, release: () => {} } };
    const seen = readLease(path);
    if (seen === null) continue; // released between our create and our read
    const stale = staleness(seen, path, timing);
    if (stale === null) return { busy: describe(seen.holder) };
    // Remove only the lease we judged, not one another process has just put in its place. Two
    // processes judging one stale lease at once can still both take it (read-compare-unlink is not
    // atomic): the cost is a run trained twice, never a wrong result (writes are atomic).
    if (readLease(path)?.text === seen.text) tryUnlink(path);
  }
  const seen = readLease(path);
  return { busy: seen ? describe(seen.holder) : "another process" };
}

/** Creates the lease file with O_EXCL; a half-written one (a full disk) is removed again. */
function create(path: string, body: string): "created" | "exists" | "no folder" | "unwritable" {
  try {
    writeFileSync(path, body, { flag: "wx" });
    return "created";
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return "exists";
    if (code === "ENOENT") {
      // One level only: a lease's folder sits in one pnnc made (DIR/runs, STORE), and Node's
      // recursive mkdir never returns on some file systems (seen on /proc).
      try {
        mkdirSync(dirname(path));
        return "no folder";
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EEXIST" ? "no folder" : "unwritable";
      }
    }
    // O_EXCL may have created the file before the write failed: it must not look held.
    tryUnlink(path);
    return "unwritable";
  }
}

function leaseOf(path: string, token: string): Lease {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      heartbeatWorker?.postMessage({ remove: path });
      if (readLease(path)?.holder?.token === token) tryUnlink(path);
    },
  };
}

function readLease(path: string): { text: string; holder: Holder | null } | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  try {
    const holder = JSON.parse(text) as Holder;
    return { text, holder: typeof holder.pid === "number" ? holder : null };
  } catch {
    // Being written right now, or damaged: its age decides.
    return { text, holder: null };
  }
}

/**
 * The lease at `path` as another process sees it: null when there is none, else who holds it and
 * why it is stale (null while its holder lives). For `pnnc status`, which never claims.
 */
export function inspectLease(
  path: string,
  timing: LeaseTiming = DEFAULT_LEASE_TIMING,
): { holder: string; stale: string | null } | null {
  const seen = readLease(path);
  return seen ? { holder: describe(seen.holder), stale: staleness(seen, path, timing) } : null;
}

/** Why the lease is stale, or null while its holder lives. */
function staleness(
  seen: { holder: Holder | null },
  path: string,
  timing: LeaseTiming,
): string | null {
  const { holder } = seen;
  if (holder && holder.host === hostname() && !processAlive(holder.pid)) return "holder exited";
  let age: number;
  try {
    age = Date.now() - statSync(path).mtimeMs;
  } catch {
    return "gone";
  }
  return age > timing.ttlMs ? "heartbeat stopped" : null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const describe = (h: Holder | null) =>
  h ? `pid ${h.pid} on ${h.host}, since ${h.since}` : "another process";

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: someone else released or took it over.
  }
}

let heartbeatWorker: Worker | undefined;

/**
 * One thread per holding thread that touches every held lease, since a training step keeps this
 * thread busy for minutes. It is unref'd: it never keeps a finished command alive, and it dies
 * with its parent, so a dead holder's leases go stale.
 */
function heartbeat(everyMs: number): Worker {
  heartbeatWorker ??= (() => {
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       const { utimesSync } = require("node:fs");
       const held = new Set();
       parentPort.on("message", (m) => (m.add ? held.add(m.add) : held.delete(m.remove)));
       setInterval(() => {
         const now = new Date();
         for (const path of held) try { utimesSync(path, now, now); } catch {}
       }, ${Math.max(10, Math.floor(everyMs))});`,
      { eval: true },
    );
    worker.unref();
    return worker;
  })();
  return heartbeatWorker;
}
