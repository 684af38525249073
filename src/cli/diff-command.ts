/**
 * `pnnc diff OLD NEW [--json]`: the semantic diff of two specs. Either side may be a git revision
 * (`HEAD~1:specs/x.pnn`), read with `git show`. Both sides must check cleanly.
 * In: parsed arguments. Out: an exit code (0 ok, 1 a side has errors, 2 unreadable input).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { compileSpec } from "../compile.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { renderDiff, semanticDiff } from "../diff/semantic-diff.js";
import type { Ir } from "../ir/types.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { readBytes } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";

/** A spec's bytes from a file, or from git for `REV:PATH`. */
function readSide(arg: string): { bytes: Uint8Array } | { problem: string } {
  const revision = /^([^:]+):(.+)$/.exec(arg);
  if (existsSync(arg) || !revision) return readBytes(arg);
  try {
    return {
      bytes: execFileSync("git", ["show", `${revision[1]}:${revision[2]}`], {
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 2 ** 21,
      }),
    };
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "")
      .trim()
      .split("\n")[0];
    return { problem: `cannot read \`${arg}\` from git: ${stderr || (e as Error).message}` };
  }
}

function side(arg: string): Ir | number {
  const read = readSide(arg);
  if ("problem" in read) {
    printProblem(read.problem);
    return EXIT_USAGE;
  }
  const front = compileSpec(arg, read.bytes);
  printDiagnostics(front.diagnostics, [front.file]);
  return front.ir && !hasErrors(front.diagnostics) ? front.ir : EXIT_FAILED;
}

export function runDiff(before: string, after: string, opts: { json?: boolean }): number {
  const a = side(before);
  if (typeof a === "number") return a;
  const b = side(after);
  if (typeof b === "number") return b;
  const diff = semanticDiff(a, b);
  process.stdout.write(
    opts.json ? JSON.stringify(diff, null, 2) + "\n" : renderDiff(diff, [before, after]),
  );
  return EXIT_OK;
}
