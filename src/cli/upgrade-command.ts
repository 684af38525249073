/**
 * `pnnc upgrade FILE... [--write]`: migrates specs to the current language version, keeping their
 * comments and layout; prints one upgraded file, or rewrites them in place with `--write`. An
 * upgraded spec that does not check is reported and not written.
 * In: parsed arguments. Out: an exit code (0 ok, 1 unknown or future version or a failed check,
 * 2 usage).
 */
import { compileSpec } from "../compile.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { upgrade } from "../upgrade/migrations.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { expandSpecArgs, readBytes, writeFileAtomic } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";

export function runUpgrade(args: string[], opts: { write?: boolean }): number {
  const { files, problems } = expandSpecArgs(args);
  problems.forEach(printProblem);
  if (problems.length > 0) return EXIT_USAGE;
  if (files.length > 1 && !opts.write) {
    printProblem("upgrading several specs needs `--write`");
    return EXIT_USAGE;
  }
  let failed = false;
  for (const path of files) {
    const read = readBytes(path);
    if ("problem" in read) {
      printProblem(read.problem);
      failed = true;
      continue;
    }
    const text = new TextDecoder().decode(read.bytes);
    const result = upgrade(text);
    if ("problem" in result) {
      printProblem(`${path}: ${result.problem}`);
      failed = true;
      continue;
    }
    const checked = compileSpec(path, result.text);
    if (hasErrors(checked.diagnostics)) {
      printProblem(`${path}: the upgraded spec does not check; nothing was written`);
      printDiagnostics(checked.diagnostics, [checked.file]);
      failed = true;
      continue;
    }
    const what =
      result.applied.length === 0
        ? `already at language version ${result.to}`
        : `language version ${result.from} → ${result.to}: ${result.applied.map((m) => m.title).join("; ")}`;
    if (!opts.write) {
      process.stdout.write(result.text);
      process.stderr.write(`${path}: ${what}\n`);
      continue;
    }
    if (result.text !== text) {
      const problem = writeFileAtomic(path, result.text);
      if (problem) {
        printProblem(problem);
        failed = true;
        continue;
      }
    }
    process.stderr.write(`${path}: ${what}\n`);
  }
  return failed ? EXIT_FAILED : EXIT_OK;
}
