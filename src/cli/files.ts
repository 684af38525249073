/**
 * File system edges of the CLI: expanding arguments (a directory means every `.pnn` under it),
 * reading specs as bytes, and writing outputs atomically so an interrupted run never leaves half a file.
 * In: paths. Out: bytes or a usage problem as a value; atomic writes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic as writeAtomically } from "../runtime/atomic-files.js";

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

/** What an errno means to someone who typed the path. */
function reason(e: unknown, missing: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return missing;
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return (e as Error).message;
}

export function readBytes(path: string): { bytes: Uint8Array } | { problem: string } {
  try {
    const stat = statSync(path);
    if (!stat.isFile() && !stat.isDirectory()) {
      return { problem: `cannot read \`${path}\`: not a regular file` };
    }
    return { bytes: readFileSync(path) };
  } catch (e) {
    return { problem: `cannot read \`${path}\`: ${reason(e, "no such file")}` };
  }
}

/** The atomic writer (runtime/atomic-files.ts) with its failure as a problem for the user. */
export function writeFileAtomic(path: string, content: string): string | null {
  try {
    writeAtomically(path, content);
    return null;
  } catch (e) {
    return `cannot write \`${path}\`: ${reason(e, "its directory does not exist")}`;
  }
}
