/**
 * `pnnc compile FILE --target ts [-o DIR] [--force]`: writes a standalone TypeScript training program
 * for a checked spec. A spec with errors writes nothing. An existing directory is written into only
 * when every file there that this compile would replace or leave beside its own was written by pnnc
 * and not edited since (a manifest records their hashes); anything else needs `--force`.
 * In: parsed arguments. Out: an exit code (0 ok, 1 diagnostics or refused output, 2 usage).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { emitProgram, packageFiles, runtimeFiles, type EmittedFile } from "../codegen/emit.js";
import { compileSpec } from "../compile.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { checkOutput, readBytes, writeFileAtomic } from "./files.js";
import { printDiagnostics, printProblem } from "./output.js";

export interface CompileTsOptions {
  output?: string;
  force?: boolean;
}

/** Written last, so an interrupted compile never vouches for files it did not finish. */
const MANIFEST = ".pnnc-compile.json";
/** What building and running the program adds; never a conflict. */
const BUILD_OUTPUTS = new Set(["node_modules", "dist", "results", "package-lock.json"]);

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/** Files under `dir` (relative, `/`-separated), or why they cannot be listed. */
function existingFiles(dir: string, under = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    if (under === "" && (BUILD_OUTPUTS.has(entry.name) || entry.name === MANIFEST)) continue;
    if (entry.isDirectory()) out.push(...existingFiles(dir, path));
    else out.push(path);
  }
  return out;
}

function readManifest(dir: string): Map<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as {
      files?: Record<string, string>;
    };
    return new Map(Object.entries(parsed.files ?? {}));
  } catch {
    return new Map();
  }
}

/** Existing files this compile must not touch or stand beside without `--force`, with why. */
function conflicts(dir: string, files: EmittedFile[]): string[] {
  const manifest = readManifest(dir);
  const ours = new Map(files.map((f) => [f.path, f.content]));
  const out: string[] = [];
  for (const path of existingFiles(dir)) {
    const current = sha256(readFileSync(join(dir, path)));
    if (ours.get(path) !== undefined && sha256(ours.get(path) ?? "") === current) continue;
    const recorded = manifest.get(path);
    if (recorded === current) continue;
    out.push(`\`${path}\` (${recorded ? "edited since pnnc wrote it" : "not written by pnnc"})`);
  }
  return out;
}

/** A target path whose folders are files, or that is itself a folder, cannot be written. */
function unwritable(dir: string, files: EmittedFile[], spec: string): string | null {
  const kind = (path: string) => {
    try {
      return statSync(path).isDirectory() ? "dir" : "file";
    } catch {
      return "missing";
    }
  };
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const folder = join(dir, ...parts.slice(0, i));
      if (kind(folder) === "file") return `\`${folder}\` is a file, but a folder is needed there`;
    }
    if (kind(join(dir, f.path)) === "dir") return `\`${join(dir, f.path)}\` is a directory`;
    // A FIFO, a device, or the spec itself (`-o .` beside it) must not be replaced by a program file.
    const refused = checkOutput(join(dir, f.path), [spec]);
    if (refused) return refused;
  }
  return null;
}

export async function runCompileTs(file: string, opts: CompileTsOptions): Promise<number> {
  if (opts.output !== undefined && opts.output.trim() === "") {
    printProblem("`-o` needs a directory name");
    return EXIT_USAGE;
  }
  const read = readBytes(file);
  if ("problem" in read) {
    printProblem(read.problem);
    return EXIT_USAGE;
  }
  const front = compileSpec(file, read.bytes);
  printDiagnostics(front.diagnostics, [front.file]);
  if (!front.ir || !front.spans) return EXIT_FAILED;
  // Generated programs read tables; the extractor stays in pnnc, which writes the table for them.
  const audio = front.ir.datasets.find((d) => d.format === "audio");
  if (audio) {
    printProblem(
      `dataset \`${audio.id}\` is audio: generated programs read tables. Extract it first (\`pnnc data extract ${audio.file} --out ${audio.id}.csv\`) and name that table in \`file\``,
    );
    return EXIT_FAILED;
  }
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
  const kind = (() => {
    try {
      return statSync(out).isDirectory() ? "dir" : "file";
    } catch {
      return "missing";
    }
  })();
  if (kind === "file") {
    printProblem(`cannot write to \`${out}\`: it exists and is not a directory`);
    return EXIT_FAILED;
  }
  if (kind === "dir") {
    let clashes: string[];
    try {
      clashes = opts.force ? [] : conflicts(out, files);
    } catch (e) {
      printProblem(`cannot read \`${out}\`: ${(e as Error).message.split("\n")[0] ?? ""}`);
      return EXIT_FAILED;
    }
    if (clashes.length > 0) {
      const some = clashes.slice(0, 3).join(", ");
      printProblem(
        `\`${out}\` holds files pnnc would overwrite or did not write: ${some}${clashes.length > 3 ? ", …" : ""}; nothing was written\n  = hint: choose another directory with \`-o\`, or pass \`--force\` to write into it anyway`,
      );
      return EXIT_FAILED;
    }
  }
  const blocked = unwritable(out, files, file);
  if (blocked) {
    printProblem(`cannot write the program into \`${out}\`: ${blocked}; nothing was written`);
    return EXIT_FAILED;
  }
  for (const f of files) {
    const path = join(out, f.path);
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch {
      printProblem(`cannot create \`${dirname(path)}\``);
      return EXIT_FAILED;
    }
    const problem = writeFileAtomic(path, f.content, [file]);
    if (problem) {
      printProblem(problem);
      return EXIT_FAILED;
    }
  }
  const manifest = { generator: "pnnc compile --target ts", files: {} as Record<string, string> };
  for (const f of files) manifest.files[f.path] = sha256(f.content);
  const problem = writeFileAtomic(join(out, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  if (problem) printProblem(`${problem} (a later compile into it will need \`--force\`)`);
  process.stderr.write(
    `wrote ${files.length} files to ${out}\n  build and run: cd ${out} && npm install && npx tsc -p . && node dist/main.js\n`,
  );
  return EXIT_OK;
}
