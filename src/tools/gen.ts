/**
 * `npm run gen`: rewrites every generated file and golden (see artifacts.ts) and lists what changed.
 * In: the repository. Out: files on disk; exit code 0.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { allArtifacts, repoRoot } from "./artifacts.js";

function current(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

let changed = 0;
for (const { path, content } of await allArtifacts()) {
  const full = join(repoRoot, path);
  if (current(full) === content) continue;
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  process.stdout.write(`wrote ${path}\n`);
  changed++;
}
process.stdout.write(`${changed} file${changed === 1 ? "" : "s"} changed\n`);
