/**
 * File edges of the services (and of the CLI, which re-exports them): reading a spec's bytes, and
 * writing an output atomically so an interrupted command never leaves half a file. Every user-facing
 * output goes through here; the policy (symlinks, modes, devices, inputs) is runtime/atomic-files.ts's.
 * In: paths and contents. Out: bytes, or a problem for the user as a value; files on disk.
 */
import { readFileSync, statSync } from "node:fs";
import {
  OutputRefused,
  resolveOutput,
  writeFileAtomic as writeAtomically,
} from "../runtime/atomic-files.js";

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

/**
 * Whether `path` may be written as an output of a command that reads `reads`: null, or the problem.
 * Commands call it before their work so a refused output costs nothing; the write checks again.
 */
export function checkOutput(path: string, reads: readonly string[] = []): string | null {
  const target = resolveOutput(path, reads);
  return "refused" in target ? `cannot write \`${path}\`: ${target.refused}` : null;
}

/** The atomic writer (runtime/atomic-files.ts) with its failure as a problem for the user. */
export function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  reads: readonly string[] = [],
): string | null {
  try {
    writeAtomically(path, content, { reads });
    return null;
  } catch (e) {
    if (e instanceof OutputRefused) return e.message;
    return `cannot write \`${path}\`: ${reason(e, "its directory does not exist")}`;
  }
}
