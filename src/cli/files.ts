/**
 * File system edges of the CLI: expanding arguments (a directory means every `.pnn` under it),
 * reading specs as bytes, and writing outputs atomically so an interrupted run never leaves half a file.
 * In: paths. Out: bytes or a usage problem as a value; atomic writes.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export type Expanded = { files: string[]; problems: string[] };

export function expandSpecArgs(args: string[]): Expanded {
  const files: string[] = [];
  const problems: string[] = [];
  for (const arg of args) {
    let stat;
    try {
      stat = statSync(arg);
    } catch {
      problems.push(`cannot read \`${arg}\`: no such file or directory`);
      continue;
    }
    if (!stat.isDirectory() && !stat.isFile()) {
      // A FIFO or device would block or stream forever.
      problems.push(`cannot read \`${arg}\`: not a regular file`);
      continue;
    }
    if (stat.isDirectory()) {
      const found = listSpecs(arg);
      if (found.length === 0) problems.push(`\`${arg}\` holds no \`.pnn\` file`);
      files.push(...found);
    } else {
      files.push(arg);
    }
  }
  return { files, problems };
}

function listSpecs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith("."))
      out.push(...listSpecs(path));
    else if (entry.isFile() && entry.name.endsWith(".pnn")) out.push(path);
  }
  return out;
}

/** Reading specs and writing outputs are shared with the services (src/experiment/files.ts). */
export { checkOutput, readBytes, writeFileAtomic } from "../experiment/files.js";
