/**
 * The front-end commands: `check`, `fmt`, `compile --target ir` and `explain` (`--target ts` is in
 * compile-ts-command.ts, loaded only when asked for: it needs prettier).
 * In: parsed arguments. Out: an exit code (0 ok, 1 diagnostics or unformatted files, 2 usage).
 * None of them loads TensorFlow.js.
 */
import { createTwoFilesPatch } from "diff";
import { statSync } from "node:fs";
import { compileSpec, type FrontEndResult } from "../compile.js";
import { catalog, isCode } from "../diagnostics/catalog.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { formatSpec } from "../format/format.js";
import { expandSpecArgs, readBytes, writeFileAtomic } from "./files.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { emit, printDiagnostics, printJsonDiagnostics, printProblem } from "./output.js";

/** Compiles each file; usage problems (missing files) are reported and turn into exit code 2. */
function compileAll(args: string[]): { results: FrontEndResult[]; usageProblems: string[] } {
  const { files, problems } = expandSpecArgs(args);
  const results: FrontEndResult[] = [];
  for (const path of files) {
    const read = readBytes(path);
    if ("problem" in read) problems.push(read.problem);
    else results.push(compileSpec(path, read.bytes));
  }
  return { results, usageProblems: problems };
}

/**
 * Compiles the one spec a command takes (`compile`, `graph`); a directory is a usage problem rather
 * than a silent pick of its first spec.
 */
function compileOne(
  file: string,
  command: string,
): { result?: FrontEndResult; usageProblems: string[] } {
  if (isDirectory(file)) {
    const problem = `\`${command}\` takes one spec, and \`${file}\` is a directory; name a \`.pnn\` file in it`;
    return { usageProblems: [problem] };
  }
  const { results, usageProblems } = compileAll([file]);
  return { result: results[0], usageProblems };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function runCheck(args: string[], opts: { json?: boolean }): number {
  const { results, usageProblems } = compileAll(args);
  const diagnostics = results.flatMap((r) => r.diagnostics);
  if (opts.json) printJsonDiagnostics(diagnostics, usageProblems);
  else {
    usageProblems.forEach(printProblem);
    printDiagnostics(
      diagnostics,
      results.map((r) => r.file),
    );
    if (!hasErrors(diagnostics) && usageProblems.length === 0) {
      const warnings = diagnostics.length;
      const n = results.length;
      process.stderr.write(
        `checked ${n} spec${n === 1 ? "" : "s"}: no errors${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}\n`,
      );
    }
  }
  if (usageProblems.length > 0) return EXIT_USAGE;
  return hasErrors(diagnostics) ? EXIT_FAILED : EXIT_OK;
}

/** Formats a parsed spec; syntax errors make formatting impossible and are reported instead. */
function formatted(r: FrontEndResult): { text: string } | { diagnostics: Diagnostic[] } {
  if (!r.ast) return { diagnostics: r.diagnostics };
  return { text: formatSpec(r.ast, r.comments, r.file.text) };
}

export function runFmt(
  args: string[],
  opts: { check?: boolean; write?: boolean; quiet?: boolean },
): number {
  if (opts.check && opts.write) {
    printProblem("`--check` and `--write` cannot be used together");
    return EXIT_USAGE;
  }
  const { files, problems } = expandSpecArgs(args);
  problems.forEach(printProblem);
  if (problems.length > 0) return EXIT_USAGE;
  if (!opts.check && !opts.write && files.length !== 1) {
    printProblem("without `--check` or `--write`, `fmt` prints one file; pass exactly one");
    return EXIT_USAGE;
  }
  let failed = false;
  for (const path of files) {
    const read = readBytes(path);
    if ("problem" in read) {
      printProblem(read.problem);
      return EXIT_USAGE;
    }
    // Formatting needs only a syntax tree: lowering and checks are not required to pass.
    const result = compileSpec(path, read.bytes);
    const out = formatted(result);
    if ("diagnostics" in out) {
      printDiagnostics(out.diagnostics, [result.file]);
      failed = true;
      continue;
    }
    const changed = out.text !== result.file.text;
    if (opts.check) {
      if (changed) {
        process.stderr.write(`${path}: not formatted\n`);
        // What would change, as a unified diff: "not formatted" alone leaves the user guessing.
        if (!opts.quiet)
          process.stdout.write(
            createTwoFilesPatch(path, `${path} (formatted)`, result.file.text, out.text, "", "", {
              context: 3,
            }),
          );
        failed = true;
      }
    } else if (opts.write) {
      if (changed) {
        const problem = writeFileAtomic(path, out.text);
        if (problem) {
          printProblem(problem);
          failed = true;
        } else process.stderr.write(`formatted ${path}\n`);
      }
    } else {
      process.stdout.write(out.text);
    }
  }
  return failed ? EXIT_FAILED : EXIT_OK;
}

export const targets = ["ir", "ts"] as const;

export function runCompile(file: string, opts: { target: string; output?: string }): number {
  if (!(targets as readonly string[]).includes(opts.target)) {
    printProblem(`unknown target \`${opts.target}\`; available: ${targets.join(", ")}`);
    return EXIT_USAGE;
  }
  const { result, usageProblems } = compileOne(file, "compile");
  usageProblems.forEach(printProblem);
  if (usageProblems.length > 0 || !result) return EXIT_USAGE;
  printDiagnostics(result.diagnostics, [result.file]);
  if (!result.ir) return EXIT_FAILED;
  return emit(JSON.stringify(result.ir, null, 2) + "\n", opts.output, [file]);
}

export function runExplain(code: string): number {
  const upper = code.toUpperCase();
  if (!isCode(upper)) {
    printProblem(`unknown diagnostic code \`${code}\``);
    return EXIT_USAGE;
  }
  const entry = catalog[upper];
  process.stdout.write(`${upper} (${entry.severity}): ${entry.title}\n\n${entry.explanation}\n`);
  return EXIT_OK;
}

export const graphFormats = ["svg", "dot", "mermaid"] as const;

/** `pnnc graph FILE [--format svg|dot|mermaid] [-o OUT]`: the architecture as a picture. */
export async function runGraph(
  file: string,
  opts: { format: string; output?: string },
): Promise<number> {
  if (!(graphFormats as readonly string[]).includes(opts.format)) {
    printProblem(`unknown format \`${opts.format}\`; available: ${graphFormats.join(", ")}`);
    return EXIT_USAGE;
  }
  const { result, usageProblems } = compileOne(file, "graph");
  usageProblems.forEach(printProblem);
  if (usageProblems.length > 0 || !result) return EXIT_USAGE;
  printDiagnostics(result.diagnostics, [result.file]);
  if (!result.ir) return EXIT_FAILED;
  const { graphModel, graphDot, graphMermaid } = await import("../report/graph.js");
  const { graphSvg } = await import("../report/graph-svg.js");
  const model = graphModel(result.ir);
  const print = { svg: graphSvg, dot: graphDot, mermaid: graphMermaid }[opts.format as "svg"];
  return emit(print(model), opts.output, [file]);
}
