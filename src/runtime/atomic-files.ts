/**
 * The one set of file primitives every writer uses (runs, store, checkpoints, synth, CLI outputs,
 * generated programs): a file or a directory is written under a temporary name, fsynced, and renamed
 * into place, so a reader or a crash sees the old version or the new one, never half of one.
 * In: paths and contents. Out: files and directories on disk; failures throw (callers turn them into problems).
 * Output policy (`resolveOutput`, applied by `openAtomic`): a symlink is followed and its target
 * replaced (the link stays); an existing file keeps its mode; /dev/null, /dev/stdout, /dev/stderr,
 * /dev/tty and /dev/fd/1|2 are written directly, never replaced; any other device, a FIFO, a socket or a
 * directory is refused, and so is a file the command reads (same device and inode, so hard links count).
 */
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, normalize, resolve } from "node:path";
import { threadId } from "node:worker_threads";

let counter = 0;

/** A temporary name beside `path`, unique across processes and worker threads (which share a pid). */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${threadId}-${++counter}.tmp`);
}

/** Makes a rename or a new entry in a directory durable; a file system that cannot is no error. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Streams that `-o` may name instead of a file: written through, never replaced by a file. */
const STREAM_PATHS = new Set([
  "/dev/null",
  "/dev/stdout",
  "/dev/stderr",
  "/dev/tty",
  "/dev/fd/1",
  "/dev/fd/2",
  "/proc/self/fd/1",
  "/proc/self/fd/2",
]);

/** Where an output goes: a stream written directly, or a file replaced atomically (keeping its mode). */
export type OutputTarget =
  | { kind: "stream"; path: string }
  | { kind: "file"; path: string; existing?: { mode: number; uid: number; gid: number } };

/** Thrown by `openAtomic` for a target the policy refuses; `reason` reads after "cannot write `X`: ". */
export class OutputRefused extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write \`${path}\`: ${reason}`);
  }
}

const isStream = (path: string) => STREAM_PATHS.has(normalize(resolve(path)));

/** Follows symlinks one hop at a time (a dangling link's target is a new file there); null on a loop. */
function followLinks(path: string): string | null {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      if (!lstatSync(current).isSymbolicLink()) return current;
      link = readlinkSync(current);
    } catch {
      return current; // missing: a new file (or a missing directory, which the write reports)
    }
    current = resolve(dirname(current), link);
    if (isStream(current)) return current;
  }
  return null;
}

/**
 * Applies the output policy to `path`; `reads` are files the command reads, which it must not
 * overwrite. Returns where to write, or why not (as a value: the CLI turns it into a message).
 */
export function resolveOutput(
  path: string,
  reads: readonly string[] = [],
): OutputTarget | { refused: string } {
  if (isStream(path)) return { kind: "stream", path };
  const target = followLinks(path);
  if (target === null) return { refused: "too many levels of symbolic links" };
  if (isStream(target)) return { kind: "stream", path: target };
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return { kind: "file", path: target }; // a new path; a missing directory fails at the write
  }
  if (stat.isDirectory()) return { refused: "it is a directory" };
  if (stat.isFIFO()) return { refused: "it is a FIFO (pnnc writes only regular files)" };
  if (stat.isCharacterDevice() || stat.isBlockDevice())
    return {
      refused: "it is a device (pnnc writes only regular files, /dev/null and /dev/stdout)",
    };
  if (!stat.isFile()) return { refused: "not a regular file" };
  for (const read of reads) {
    try {
      const r = statSync(read);
      if (r.dev === stat.dev && r.ino === stat.ino)
        return { refused: `it is the input \`${read}\`, which pnnc will not overwrite` };
    } catch {
      // An input that is not there cannot be overwritten.
    }
  }
  return {
    kind: "file",
    path: target,
    existing: { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid },
  };
}

/** A file being written under a temporary name; `commit` moves it into place, `abort` drops it. */
export interface AtomicFile {
  write(data: string | Uint8Array): void;
  commit(): void;
  abort(): void;
}

/** The process's own streams by name: a socket stdout (as Node's spawn makes) cannot be opened. */
const OWN_FDS = new Map([
  ["/dev/stdout", 1],
  ["/dev/fd/1", 1],
  ["/proc/self/fd/1", 1],
  ["/dev/stderr", 2],
  ["/dev/fd/2", 2],
  ["/proc/self/fd/2", 2],
]);

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      // A non-blocking pipe or socket stdout that is full: wait for the reader instead of failing.
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** A stream target: written as it is (no temporary, no rename), so /dev/null stays a device. */
function openStream(path: string): AtomicFile {
  const own = OWN_FDS.get(normalize(resolve(path)));
  let fd: number | null = own ?? openSync(path, "w");
  const close = () => {
    if (fd !== null && own === undefined) closeSync(fd);
    fd = null;
  };
  return {
    write(data) {
      if (fd === null) throw new Error(`internal: write after commit or abort of ${path}`);
      writeAll(fd, data);
    },
    commit: close,
    abort: close,
  };
}

export function openAtomic(
  requested: string,
  { makeDirs = false, reads = [] as readonly string[] } = {},
): AtomicFile {
  const target = resolveOutput(requested, reads);
  if ("refused" in target) throw new OutputRefused(requested, target.refused);
  if (target.kind === "stream") return openStream(target.path);
  const { path, existing } = target;
  if (makeDirs) mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryBeside(path);
  // An existing file's content may be private: the temporary starts owner-only, then takes its mode.
  let fd: number | null = openSync(temporary, "wx", existing ? 0o600 : 0o666);
  if (existing) {
    try {
      fchmodSync(fd, existing.mode);
      const uid = process.getuid?.();
      if (uid === 0 && (existing.uid !== 0 || existing.gid !== 0))
        fchownSync(fd, existing.uid, existing.gid);
    } catch (e) {
      closeSync(fd);
      rmSync(temporary, { force: true });
      throw e;
    }
  }
  const close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  return {
    write(data) {
      if (fd === null) throw new Error(`internal: write after commit or abort of ${path}`);
      writeAll(fd, data);
    },
    commit() {
      if (fd === null) throw new Error(`internal: second commit or abort of ${path}`);
      try {
        fsyncSync(fd);
        close();
        renameSync(temporary, path);
      } catch (e) {
        close();
        rmSync(temporary, { force: true });
        throw e;
      }
      syncDirectory(dirname(path));
    },
    abort() {
      close();
      rmSync(temporary, { force: true });
    },
  };
}

/** Writes a whole file atomically and durably; throws on failure and leaves no temporary file. */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: { makeDirs?: boolean; reads?: readonly string[] } = {},
): void {
  const file = openAtomic(path, options);
  try {
    file.write(content);
  } catch (e) {
    file.abort();
    throw e;
  }
  file.commit();
}

/** Fills a fresh temporary directory beside `dir` with durable files. */
function stageDirectory(dir: string, files: ReadonlyMap<string, string | Uint8Array>): string {
  mkdirSync(dirname(dir), { recursive: true });
  const temporary = temporaryBeside(dir);
  mkdirSync(temporary);
  try {
    for (const [name, content] of files) writeFileAtomic(join(temporary, name), content);
    syncDirectory(temporary);
  } catch (e) {
    rmSync(temporary, { recursive: true, force: true });
    throw e;
  }
  return temporary;
}

/**
 * Creates `dir` with these files unless it exists already (for content-addressed entries, where an
 * existing directory holds the same content by construction). Returns whether this call created it.
 */
export function createDirectoryAtomic(
  dir: string,
  files: ReadonlyMap<string, string | Uint8Array>,
): boolean {
  const temporary = stageDirectory(dir, files);
  try {
    renameSync(temporary, dir);
    syncDirectory(dirname(dir));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
    return false;
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}

/** Where the previous version of `dir` waits while a replacement is moved in. */
const previousOf = (dir: string) => join(dirname(dir), `.${basename(dir)}.previous`);

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Replaces `dir` with a directory holding exactly these files. rename(2) cannot swap two non-empty
 * directories, so the old one is first moved aside to `.NAME.previous`; a crash between the two
 * renames leaves it there, and the next replacement (or `recoverDirectory`) puts it back first.
 * The old version is deleted only once the new one is in place.
 */
export function replaceDirectoryAtomic(
  dir: string,
  files: ReadonlyMap<string, string | Uint8Array>,
): void {
  recoverDirectory(dir);
  const temporary = stageDirectory(dir, files);
  const previous = previousOf(dir);
  try {
    if (isDirectory(dir)) renameSync(dir, previous);
    renameSync(temporary, dir);
    syncDirectory(dirname(dir));
  } catch (e) {
    rmSync(temporary, { recursive: true, force: true });
    recoverDirectory(dir);
    throw e;
  }
  rmSync(previous, { recursive: true, force: true });
}

/** Puts back a previous version that an interrupted replacement left aside; true if it did. */
export function recoverDirectory(dir: string): boolean {
  const previous = previousOf(dir);
  if (!isDirectory(previous)) return false;
  if (isDirectory(dir)) {
    rmSync(previous, { recursive: true, force: true });
    return false;
  }
  renameSync(previous, dir);
  syncDirectory(dirname(dir));
  return true;
}
