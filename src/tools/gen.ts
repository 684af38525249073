/**
 * `npm run gen`: rewrites every generated file and golden (see artifacts.ts), removes files in
 * generated/ that no longer have a source, and lists what changed.
 * In: the repository. Out: files on disk; exit code 0.
 *
 *   1 write the JSON Schemas and wasm kernels   2 if one changed, rebuild (dist/ holds a copy of the IR schema and
 *   its precompiled validator) and start again   3 write everything computed through them
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../runtime/atomic-files.js";
import {
  derivedArtifacts,
  listFiles,
  repoRoot,
  schemaArtifacts,
  type Artifact,
} from "./artifacts.js";

function current(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Writes the artefacts that differ from what is on disk; returns how many did. */
function write(artifacts: Artifact[]): number {
  let changed = 0;
  for (const { path, content } of artifacts) {
    const full = join(repoRoot, path);
    if (current(full) === content) continue;
    writeFileAtomic(full, content, { makeDirs: true });
    process.stdout.write(`wrote ${path}\n`);
    changed++;
  }
  return changed;
}

// 1. The schemas, from the types.
const schemasChanged = write(await schemaArtifacts());

// 2. This process already loaded the old IR schema; a rebuilt one computes the rest.
const RESTARTED = "PNNC_GEN_SCHEMAS_CHANGED";
if (schemasChanged > 0) {
  if (process.env[RESTARTED]) throw new Error("schema generation is not deterministic");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
  execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: "inherit",
    env: { ...process.env, [RESTARTED]: String(schemasChanged) },
  });
  process.exit(0);
}

// 3. Everything else; generated/ holds only what gen writes: a program of a deleted spec goes with it.
const artifacts = await derivedArtifacts();
let changed = Number(process.env[RESTARTED] ?? 0);
const wanted = new Set(artifacts.map((a) => a.path));
for (const path of listFiles("generated", "")) {
  if (wanted.has(path)) continue;
  rmSync(join(repoRoot, path));
  process.stdout.write(`removed ${path}\n`);
  changed++;
}
changed += write(artifacts);
process.stdout.write(`${changed} file${changed === 1 ? "" : "s"} changed\n`);
