/**
 * The one set of file primitives every writer uses (runs, store, checkpoints, synth, CLI outputs,
 * generated programs): a file or a directory is written under a temporary name, fsynced, and renamed
 * into place, so a reader or a crash sees the old version or the new one, never half of one.
 * In: paths and contents. Out: files and directories on disk; failures throw (callers turn them into problems).
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
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

/** A file being written under a temporary name; `commit` moves it into place, `abort` drops it. */
export interface AtomicFile {
  write(data: string | Uint8Array): void;
  commit(): void;
  abort(): void;
}

export function openAtomic(path: string, { makeDirs = false } = {}): AtomicFile {
  if (makeDirs) mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryBeside(path);
  let fd: number | null = openSync(temporary, "wx");
  const close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  return {
    write(data) {
      if (fd === null) throw new Error(`internal: write after commit or abort of ${path}`);
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
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
  options: { makeDirs?: boolean } = {},
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
