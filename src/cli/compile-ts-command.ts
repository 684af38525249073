/**
 * `pnnc compile FILE --target ts [-o DIR] [--force]`: writes a standalone TypeScript training program
 * for a checked spec. A spec with errors writes nothing; a directory holding files this compile
 * would not write is left alone unless `--force` (then only this compile's files are replaced).
 * In: parsed arguments. Out: an exit code (0 ok, 1 diagnostics or unwritable output, 2 usage).
 */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { emitProgram, packageFiles, runtimeFiles } from "../codegen/emit.js";
import { compileSpec } from "../compile.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./commands.js";
import { readBytes, writeFileAtomic } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";

export interface CompileTsOptions {
  output?: string;
  force?: boolean;
}

/** Files under `dir` (relative, `/`-separated), skipping what building the program adds. */
function existingFiles(dir: string, under = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) {
      if (under === "" && (entry.name === "node_modules" || entry.name === "dist")) continue;
      out.push(...existingFiles(dir, path));
    } else out.push(path);
  }
  return out;
}

export async function runCompileTs(file: string, opts: CompileTsOptions): Promise<number> {
  const read = readBytes(file);
  if ("problem" in read) {
    printProblem(read.problem);
    return EXIT_USAGE;
  }
  const front = compileSpec(file, read.bytes);
  printDiagnostics(front.diagnostics, [front.file]);
  if (!front.ir || !front.spans) return EXIT_FAILED;
  const out = opts.output ?? `${basename(file).replace(/\.pnn$/, "")}-ts`;
  const files = [
    ...(await emitProgram({
      ir: front.ir,
      file: front.file,
      spans: front.spans,
      dir: "",
      specDir: relative(resolve(out), dirname(resolve(file))) || ".",
    })),
    ...runtimeFiles(),
    ...(await packageFiles(`${front.ir.name.replace(/_/g, "-")}-pnnc`)),
  ];
  let exists = false;
  try {
    exists = statSync(out).isDirectory();
    if (!exists) {
      printProblem(`cannot write to \`${out}\`: it exists and is not a directory`);
      return EXIT_FAILED;
    }
  } catch {
    // A missing directory is created below.
  }
  if (exists && !opts.force) {
    const ours = new Set(files.map((f) => f.path));
    const others = existingFiles(out).filter((f) => !ours.has(f));
    if (others.length > 0) {
      const some = others.slice(0, 3).map((f) => `\`${f}\``);
      printProblem(
        `\`${out}\` already holds other files (${some.join(", ")}${others.length > 3 ? ", …" : ""}); nothing was written\n  = hint: choose an empty directory with \`-o\`, or pass \`--force\` to write into it anyway`,
      );
      return EXIT_FAILED;
    }
  }
  for (const f of files) {
    const path = join(out, f.path);
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch {
      printProblem(`cannot create \`${dirname(path)}\``);
      return EXIT_FAILED;
    }
    const problem = writeFileAtomic(path, f.content);
    if (problem) {
      printProblem(problem);
      return EXIT_FAILED;
    }
  }
  process.stderr.write(
    `wrote ${files.length} files to ${out}\n  build and run: cd ${out} && npm install && npx tsc -p . && node dist/main.js\n`,
  );
  return EXIT_OK;
}
