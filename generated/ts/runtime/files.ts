/**
 * Files around a run, shared by `pnnc run` and generated programs: the run hash (what determines the
 * results: the spec, the compiler version and the data files' bytes) and where a generated
 * program's package root is (dataset paths are resolved from it). Writes go through atomic-files.ts.
 * In: paths and digests. Out: hex digests, directories.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** sha256 of the checked IR as JSON and the compiler version: fixed when a spec is compiled. */
export function specDigest(irJson: string, version: string): string {
  return createHash("sha256").update(irJson).update(`\u0000pnnc ${version}`).digest("hex");
}

/** sha256 of a file's bytes, read as a stream; each command hashes a data file once, at load. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * The run hash: the spec digest and the digest of every data file (the spec names a file, not its
 * contents). Stored runs and checkpoints carry it; a resumed run reuses only runs with the same hash.
 */
export function runHash(spec: string, datasets: { id: string; sha256: string }[]): string {
  const hash = createHash("sha256").update(spec);
  for (const dataset of datasets) hash.update(`\u0000${dataset.id}\u0000${dataset.sha256}`);
  return hash.digest("hex");
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
