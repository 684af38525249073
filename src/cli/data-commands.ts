/**
 * The `pnnc data` commands: `inspect` (load a spec's datasets and folds and report them), `synth`
 * (write a synthetic eGeMAPS-shaped table) and `prepare-ravdess` (derive labels from file names).
 * In: parsed arguments. Out: an exit code (0 ok, 1 diagnostics, 2 usage). Nothing is written on error;
 * with `--json` every outcome, an unreadable spec included, is one JSON object on stdout.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { compileSpec } from "../compile.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { loadSpecData, settledByData } from "../data/load.js";
import { prepareRavdess } from "../data/prepare-ravdess.js";
import { isProblem } from "../data/problem.js";
import { renderSummary, summarize } from "../data/summary.js";
import { writeSynthetic } from "../data/synth.js";
import { OutputRefused } from "../runtime/atomic-files.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit-codes.js";
import { checkOutput, readBytes, writeFileAtomic } from "./files.js";
import { printDiagnostics, printJsonDiagnostics, printProblem } from "./output.js";

export async function runDataInspect(file: string, opts: { json?: boolean }): Promise<number> {
  const read = readBytes(file);
  if ("problem" in read) {
    // As `check --json`: a tool reading stdout learns why nothing was inspected.
    if (opts.json) printJsonDiagnostics([], [read.problem]);
    else printProblem(read.problem);
    return EXIT_USAGE;
  }
  const front = compileSpec(file, read.bytes);
  const fail = (diagnostics: typeof front.diagnostics) => {
    if (opts.json) printJsonDiagnostics(diagnostics);
    else printDiagnostics(diagnostics, [front.file]);
    return EXIT_FAILED;
  };
  if (!front.ir || !front.spans || hasErrors(front.diagnostics)) return fail(front.diagnostics);
  const checked = { file: front.file, ir: front.ir, spans: front.spans };
  const loaded = await loadSpecData(checked, dirname(file));
  if (!loaded.value) return fail([...front.diagnostics, ...loaded.diagnostics]);
  // The check phase's guesses the data settles go; the loader's warnings about the data come in.
  const diagnostics = [...settledByData(front.diagnostics, checked), ...loaded.diagnostics];
  const summary = summarize(front.ir, loaded.value);
  if (opts.json)
    process.stdout.write(JSON.stringify({ diagnostics, datasets: summary }, null, 2) + "\n");
  else {
    printDiagnostics(diagnostics, [front.file]);
    process.stdout.write(renderSummary(summary));
  }
  return EXIT_OK;
}

function positiveInt(name: string, raw: string, min: number): number | string {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= 1e9
    ? n
    : `\`--${name}\` takes a whole number ≥ ${min}, not \`${raw}\``;
}

export function runDataSynth(opts: {
  speakers: string;
  utterances: string;
  out: string;
  seed: string;
  domain?: string;
  noise?: string;
}): number {
  const speakers = positiveInt("speakers", opts.speakers, 2);
  const utterances = positiveInt("utterances", opts.utterances, 1);
  const seed = positiveInt("seed", opts.seed, 0);
  const domain = positiveInt("domain", opts.domain ?? "0", 0);
  const noise = Number(opts.noise ?? "0.8");
  if (!(Number.isFinite(noise) && noise >= 0)) {
    printProblem(`\`--noise\` takes a number of at least 0, not \`${String(opts.noise)}\``);
    return EXIT_USAGE;
  }
  for (const v of [speakers, utterances, seed, domain]) {
    if (typeof v === "string") {
      printProblem(v);
      return EXIT_USAGE;
    }
  }
  // Checked first so a refused target costs no generation; the synthesiser's own write checks again.
  const refused = checkOutput(opts.out);
  if (refused) {
    printProblem(refused);
    return EXIT_FAILED;
  }
  try {
    const rows = writeSynthetic({
      speakers: speakers as number,
      utterances: utterances as number,
      seed: seed as number,
      out: opts.out,
      domain: domain as number,
      noise,
    });
    process.stderr.write(`wrote ${rows} rows to ${opts.out}\n`);
    return EXIT_OK;
  } catch (e) {
    printProblem(
      e instanceof OutputRefused
        ? e.message
        : `cannot write \`${opts.out}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
    return EXIT_FAILED;
  }
}

export function runPrepareRavdess(
  input: string,
  output: string,
  opts: { column?: string; replace?: boolean } = {},
): number {
  let text: string;
  try {
    text = readFileSync(input, "utf8");
  } catch {
    printProblem(`cannot read \`${input}\``);
    return EXIT_USAGE;
  }
  const prepared = prepareRavdess(text, input, opts);
  if (isProblem(prepared)) {
    printProblem(
      `${prepared.code}: ${prepared.message}${prepared.hint ? `\n  hint: ${prepared.hint}` : ""}`,
    );
    return EXIT_FAILED;
  }
  const problem = writeFileAtomic(output, prepared.csv, [input]);
  if (problem) {
    printProblem(problem);
    return EXIT_FAILED;
  }
  const { rows, duplicates } = prepared.report;
  // One line, however many rows repeat: a table written twice over has as many as it has clips.
  const first = duplicates[0];
  const dropped = first
    ? `; dropped ${duplicates.length} row${duplicates.length === 1 ? "" : "s"} whose features repeat an earlier row's (first: ${first.dropped}, same as ${first.kept})`
    : "";
  process.stderr.write(`wrote ${rows} rows to ${output}${dropped}\n`);
  return EXIT_OK;
}
