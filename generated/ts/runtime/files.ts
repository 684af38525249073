/**
 * Files around a run, shared by `pnnc run` and generated programs: the run hash (what determines the
 * results: the spec, the compiler version and the data files' bytes), atomic writes, and where a
 * generated program's package root is (dataset paths are resolved from it).
 * In: paths and digests. Out: hex digests, written files, directories.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** sha256 of the checked IR as JSON and the compiler version: fixed when a spec is compiled. */
export function specDigest(irJson: string, version: string): string {
  return createHash("sha256").update(irJson).update(`\u0000pnnc ${version}`).digest("hex");
}

/**
 * The run hash: the spec digest and the bytes of every data file (the spec names a file, not its
 * contents). Stored runs and checkpoints carry it; a resumed run reuses only runs with the same hash.
 */
export async function runHash(
  spec: string,
  datasets: { id: string; path: string }[],
): Promise<string> {
  const hash = createHash("sha256").update(spec);
  for (const dataset of datasets) {
    hash.update(`\u0000${dataset.id}\u0000`);
    for await (const chunk of createReadStream(dataset.path)) hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export function writeAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/** The nearest directory at or above a module that holds a package.json. */
export function packageRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) return dirname(fileURLToPath(moduleUrl));
    dir = parent;
  }
  return dir;
}
