/**
 * `npm run gen`: rewrites every generated file and golden (see artifacts.ts), removes files in
 * generated/ that no longer have a source, and lists what changed.
 * In: the repository. Out: files on disk; exit code 0.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { allArtifacts, listFiles, repoRoot } from "./artifacts.js";

function current(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

let changed = 0;
const artifacts = await allArtifacts();
// generated/ holds only what gen writes: a program of a deleted spec goes with it.
const wanted = new Set(artifacts.map((a) => a.path));
for (const path of listFiles("generated", "")) {
  if (wanted.has(path)) continue;
  rmSync(join(repoRoot, path));
  process.stdout.write(`removed ${path}\n`);
  changed++;
}
for (const { path, content } of artifacts) {
  const full = join(repoRoot, path);
  if (current(full) === content) continue;
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  process.stdout.write(`wrote ${path}\n`);
  changed++;
}
process.stdout.write(`${changed} file${changed === 1 ? "" : "s"} changed\n`);
