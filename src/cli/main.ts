#!/usr/bin/env node
/**
 * `pnnc`, the command line: parses arguments with commander and dispatches to the commands.
 * In: argv. Out: an exit code: 0 ok, 1 failed check or run, 2 usage error, 70 internal error,
 * 74 stdout or stderr failed. Bad input never produces a stack trace; only an internal bug does,
 * and only with PNNC_DEBUG=1.
 */
import { writeSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { LANGUAGE_VERSION, PNNC_VERSION } from "../version.js";
import { EXIT_INTERNAL, EXIT_IOERR, EXIT_USAGE } from "./exit-codes.js";
import {
  graphFormats,
  runCheck,
  runCompile,
  runExplain,
  runFmt,
  runGraph,
  targets,
} from "./commands.js";
import type { ExtractOptions } from "./extract-command.js";

/** Data commands load the CSV reader and friends; `check` and `fmt` should not pay for them. */
const dataCommands = () => import("./data-commands.js");

/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[]) => [...previous, value];

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("pnnc")
    .description("A declarative language and compiler for progressive neural networks.")
    .version(`pnnc ${PNNC_VERSION} (language version ${LANGUAGE_VERSION})`, "-V, --version")
    .showHelpAfterError("(run `pnnc --help` for usage)")
    .exitOverride();

  program
    .command("check")
    .description("check specs and report diagnostics (a directory means every .pnn file in it)")
    .argument("<files...>", "spec files or directories")
    .option("--json", "print diagnostics as one JSON object on stdout")
    .action((files: string[], opts: { json?: boolean }) => setExit(runCheck(files, opts)));

  program
    .command("fmt")
    .description("format specs canonically (prints one file unless --check or --write)")
    .argument("<files...>", "spec files or directories")
    .option("--check", "exit 1 when a file is not formatted, printing what would change (a diff)")
    .option("--quiet", "with --check: name the files only, no diff")
    .option("--write", "rewrite files in place")
    .action((files: string[], opts: { check?: boolean; write?: boolean; quiet?: boolean }) =>
      setExit(runFmt(files, opts)),
    );

  program
    .command("compile")
    .description("compile a spec to a target: its IR (JSON) or a TypeScript training program")
    .argument("<file>", "spec file")
    .option("-t, --target <target>", `output target (${targets.join(", ")})`, "ir")
    .option("-o, --output <path>", "ir: a file instead of stdout; ts: the program's directory")
    .option("--force", "ts: write into a directory that holds other files")
    .action(async (file: string, opts: { target: string; output?: string; force?: boolean }) =>
      setExit(
        opts.target === "ts"
          ? await (await import("./compile-ts-command.js")).runCompileTs(file, opts)
          : runCompile(file, opts),
      ),
    );

  program
    .command("graph")
    .description("draw a spec's architecture: columns, frozen ones, lateral links and adapters")
    .argument("<file>", "spec file")
    .option("-f, --format <format>", `output format (${graphFormats.join(", ")})`, "svg")
    .option("-o, --output <path>", "write to a file instead of stdout")
    .action(async (file: string, opts: { format: string; output?: string }) =>
      setExit(await runGraph(file, opts)),
    );

  program
    .command("run")
    .description("train and evaluate everything a spec declares")
    .argument("<file>", "spec file")
    .option("-o, --out <dir>", "results directory (default: results/<spec name>)")
    .option("-b, --backend <backend>", "gpu, native, wasm or cpu (default: the first that loads)")
    .option("--json", "print the summary as JSON on stdout")
    .option("--store <dir>", "the column store (default: .pnn/store next to the spec)")
    .option("--no-store", "train every column, reusing and keeping nothing")
    .option(
      "-w, --workers <n>",
      "worker threads for independent folds and repeats (default: cores)",
    )
    .option(
      "--keep-going",
      "leave out a (repeat, fold) run whose training diverges (a PNN4022 warning); run the rest",
    )
    .option("--shard <i/n>", "train only slice i of n of the runs, writing no results")
    .option("--assemble", "train nothing: write the results from the stored runs (all must be)")
    .option("--slurm", "submit the runs to Slurm as a job array, then a job that assembles them")
    .option("--runs-per-task <n>", "with --slurm: runs per array task (default 1)")
    .option("--max-running <k>", "with --slurm: at most k array tasks at once (--array=…%k)")
    .option("--cpus-per-task <n>", "with --slurm: cores (and worker threads) per task (default 1)")
    .option("--partition <p>", "with --slurm: the Slurm partition")
    .option("--time <t>", "with --slurm: each task's time limit (Slurm's format, e.g. 2:00:00)")
    .option("--mem <m>", "with --slurm: each task's memory (Slurm's format, e.g. 4G)")
    .option("--account <a>", "with --slurm: the account to charge")
    .option("--sbatch <line>", "with --slurm: an extra #SBATCH line (repeatable)", collect, [])
    .option("--dry-run", "with --slurm: print the job scripts and submit nothing")
    .action(
      async (
        file: string,
        opts: {
          out?: string;
          backend?: string;
          json?: boolean;
          workers?: string;
          store?: string | false;
          keepGoing?: boolean;
          shard?: string;
          assemble?: boolean;
        } & import("./slurm-command.js").SlurmFlags,
      ) => setExit(await (await import("./run-command.js")).runRun(file, opts)),
    );

  program
    .command("compare")
    .description("run several methods on the same folds and test whether they differ")
    .argument("<files...>", "spec files: one per method, or one with `compare [...]`")
    .option("-o, --out <dir>", "output directory (default: results/compare-<spec names>)")
    .option("-b, --backend <backend>", "gpu, native, wasm or cpu (default: the first that loads)")
    .option("--task <task>", "the task the methods are compared on (default: the first method's)")
    .option("--baseline <method>", "the method the others are tested against")
    .option("--df <n>", "degrees of freedom of every t-test (default: runs - 1; the paper used 10)")
    .option("--repeats <n>", "run only the protocol's first n repeats (resumable later)")
    .option("--store <dir>", "the column store (default: .pnn/store next to the first spec)")
    .option("--no-store", "train every column, reusing and keeping nothing")
    .option("--no-frozen-cache", "recompute frozen columns every batch (same results; for timing)")
    .option(
      "-w, --workers <n>",
      "worker threads for independent folds and repeats (default: cores)",
    )
    .option(
      "--keep-going",
      "leave out a (repeat, fold) run whose training diverges (a PNN4022 warning); run the rest",
    )
    .option("--shard <i/n>", "train only slice i of n of the runs, writing no results")
    .option("--assemble", "train nothing: compare from the stored runs (all must be)")
    .option("--slurm", "submit the runs to Slurm as a job array, then a job that assembles them")
    .option("--runs-per-task <n>", "with --slurm: runs per array task (default 1)")
    .option("--max-running <k>", "with --slurm: at most k array tasks at once (--array=…%k)")
    .option("--cpus-per-task <n>", "with --slurm: cores (and worker threads) per task (default 1)")
    .option("--partition <p>", "with --slurm: the Slurm partition")
    .option("--time <t>", "with --slurm: each task's time limit (Slurm's format, e.g. 2:00:00)")
    .option("--mem <m>", "with --slurm: each task's memory (Slurm's format, e.g. 4G)")
    .option("--account <a>", "with --slurm: the account to charge")
    .option("--sbatch <line>", "with --slurm: an extra #SBATCH line (repeatable)", collect, [])
    .option("--dry-run", "with --slurm: print the job scripts and submit nothing")
    .option("--json", "print the statistics as JSON on stdout")
    .action(async (files: string[], opts: Record<string, string | boolean | undefined>) =>
      setExit(
        await (
          await import("./compare-command.js")
        ).runCompare(files, opts as import("./compare-command.js").CompareOptions),
      ),
    );

  program
    .command("status")
    .description(
      "show which runs of a sliced or Slurm-submitted run are stored, running or missing",
    )
    .argument("<dir>", "results directory")
    .option("--json", "print the status as JSON on stdout")
    .action(async (dir: string, opts: { json?: boolean }) =>
      setExit((await import("./status-command.js")).runStatusCommand(dir, opts)),
    );

  program
    .command("report")
    .description("write the HTML report of a `pnnc run` or `pnnc compare` results directory")
    .argument("<dir>", "results directory")
    .option("-o, --output <file>", "where to write it (default: DIR/report.html)")
    .action(async (dir: string, opts: { output?: string }) =>
      setExit((await import("./report-command.js")).runReport(dir, opts)),
    );

  program
    .command("predict")
    .description("predict classes for new data with a checkpoint saved by `pnnc run`")
    .argument("<checkpoint>", "checkpoint directory (RESULTS/checkpoints/COLUMN)")
    .argument("<data>", "CSV or ARFF table with the training features")
    .option("-o, --out <file>", "write the predictions to a file instead of stdout")
    .option(
      "--id <column>",
      "start each output row with this column's value, e.g. a file name (repeatable)",
      // No default array, which help would print as "(default: [])".
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .action(async (dir: string, data: string, opts: { out?: string; id?: string[] }) =>
      setExit(await (await import("./predict-command.js")).runPredict(dir, data, opts)),
    );

  const data = program.command("data").description("inspect, prepare and synthesise data tables");
  data
    .command("inspect")
    .description("load a spec's datasets, build its folds and report them")
    .argument("<file>", "spec file")
    .option("--json", "print the report as JSON on stdout")
    .action(async (file: string, opts: { json?: boolean }) =>
      setExit(await (await dataCommands()).runDataInspect(file, opts)),
    );
  data
    .command("synth")
    .description("write a synthetic table shaped like an eGeMAPS export")
    .requiredOption("--speakers <n>", "number of speakers")
    .requiredOption("--utterances <m>", "utterances per speaker")
    .requiredOption("--out <file>", "output CSV")
    .option("--seed <s>", "random seed", "0")
    .option("--domain <d>", "another corpus of the same seed: new speakers, shifted channel", "0")
    .option("--noise <std>", "noise around each utterance's latent state", "0.8")
    .action(
      async (opts: {
        speakers: string;
        utterances: string;
        out: string;
        seed: string;
        domain: string;
        noise: string;
      }) => setExit((await dataCommands()).runDataSynth(opts)),
    );
  data
    .command("extract")
    .description("extract pnnc's eGeMAPS-like features from a folder or glob of WAV files")
    .argument("<audio>", "a folder (every .wav below it) or a glob such as `wav/**/*.wav`")
    .requiredOption("--out <file>", "output table")
    .option("--set <name>", "feature set", "egemaps-like")
    .option("--format <format>", "csv (`file,…`) or opensmile (`name;frameTime;…`)", "csv")
    .option("--workers <n>", "worker threads", "1")
    .option("--cache <dir>", "row cache (default: $PNNC_CACHE or ~/.cache/pnnc)")
    .option("--no-cache", "extract every file again and cache nothing")
    .option("--max-seconds <s>", "refuse files longer than this", "3600")
    .action(async (audio: string, opts: ExtractOptions) =>
      setExit(await (await import("./extract-command.js")).runDataExtract(audio, opts)),
    );
  data
    .command("prepare-ravdess")
    .description("derive speaker, gender and emotion columns from RAVDESS file names")
    .argument("<input>", "feature CSV with a column of RAVDESS file names")
    .argument("<output>", "prepared CSV")
    .option("--column <name>", "the column of file names (default: `filename`, else `file`)")
    .option("--replace", "replace existing speaker, gender and emotion columns instead of refusing")
    .action(async (input: string, output: string, opts: { column?: string; replace?: boolean }) =>
      setExit((await dataCommands()).runPrepareRavdess(input, output, opts)),
    );

  const store = program
    .command("store")
    .description("list, verify and garbage-collect the column store (trained columns by key)");
  const storeCommand = () => import("./store-command.js");
  store
    .command("ls")
    .description("list the stored columns")
    .argument("[specs...]", "specs whose store to use (default store: ./.pnn/store)")
    .option("--store <dir>", "the column store")
    .option("--json", "print the entries as JSON")
    .action(async (specs: string[], opts: { store?: string; json?: boolean }) =>
      setExit((await storeCommand()).runStoreList(specs, opts)),
    );
  store
    .command("verify")
    .description("check every entry's weights against its checksum and key version")
    .argument("[specs...]", "specs whose store to use (default store: ./.pnn/store)")
    .option("--store <dir>", "the column store")
    .option("--repair", "remove the entries that do not verify (pnnc run retrains them)")
    .action(async (specs: string[], opts: { store?: string; repair?: boolean }) =>
      setExit((await storeCommand()).runStoreVerify(specs, opts)),
    );
  store
    .command("gc")
    .description("remove the entries that none of the given specs references")
    .argument("<specs...>", "the specs whose trained columns to keep")
    .option("--store <dir>", "the column store (default: .pnn/store next to the first spec)")
    .action(async (specs: string[], opts: { store?: string }) =>
      setExit(await (await storeCommand()).runStoreGc(specs, opts)),
    );

  program
    .command("diff")
    .description("what changed between two specs, and which trained columns stay valid")
    .argument("<old>", "spec file or git revision (HEAD~1:specs/x.pnn)")
    .argument("<new>", "spec file or git revision")
    .option("--json", "print the changes and verdicts as JSON")
    .action(async (before: string, after: string, opts: { json?: boolean }) =>
      setExit((await import("./diff-command.js")).runDiff(before, after, opts)),
    );

  program
    .command("upgrade")
    .description("migrate specs to the current language version, keeping comments")
    .argument("<files...>", "spec files or directories")
    .option("--write", "rewrite the files in place")
    .action(async (files: string[], opts: { write?: boolean }) =>
      setExit((await import("./upgrade-command.js")).runUpgrade(files, opts)),
    );

  program
    .command("explain")
    .description("explain a diagnostic code, e.g. `pnnc explain PNN3008`")
    .argument("<code>", "diagnostic code")
    .action((code: string) => setExit(runExplain(code)));

  for (const command of program.commands)
    command.exitOverride().showHelpAfterError(`(run \`pnnc ${command.name()} --help\` for usage)`);
  return program;
}

/** stdout failed under a command: thrown from the write so nothing after it (a "done" line) prints. */
class StreamFailure extends Error {}

const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EPIPE: "the reader closed the pipe",
  EIO: "input/output error",
  EDQUOT: "disk quota exceeded",
  EBADF: "it is closed",
};

let streamFailed = false;

/** One line on stderr (if stderr still works) the first time a stream fails; never a stack trace. */
function reportStreamFailure(stream: "stdout" | "stderr", e: NodeJS.ErrnoException): void {
  if (streamFailed) return;
  streamFailed = true;
  if (stream === "stderr") return; // nowhere left to say it; the exit code says it
  const why = e.code ? `${ERRNO_WORDS[e.code] ?? e.message} (${e.code})` : e.message;
  try {
    writeSync(2, `pnnc: cannot write to stdout: ${why}\n`);
  } catch {
    // stderr failed too: the exit code is all that is left.
  }
}

/**
 * Node reports a failed stdout write as an 'error' event a tick later, after the command has gone
 * on (and perhaps said it succeeded). A file or device stdout fails synchronously, though, and marks
 * the stream errored at once: the wrapped `write` turns that into a throw inside the command.
 */
function guardStreams(): void {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout) as (...args: unknown[]) => boolean;
  stdout.write = ((...args: unknown[]) => {
    const ok = write(...args);
    const error = stdout.errored as NodeJS.ErrnoException | null;
    if (error) {
      reportStreamFailure("stdout", error);
      throw new StreamFailure(error.message);
    }
    return ok;
  }) as typeof stdout.write;
  for (const [name, stream] of [
    ["stdout", process.stdout],
    ["stderr", process.stderr],
  ] as const)
    stream.on("error", (e: NodeJS.ErrnoException) => {
      reportStreamFailure(name, e);
      process.exit(EXIT_IOERR);
    });
}

export async function main(argv: string[]): Promise<number> {
  let exit = 0;
  const program = buildProgram((code) => (exit = code));
  try {
    await program.parseAsync(argv, { from: "user" });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(
        e.code,
      );
      return ok ? 0 : EXIT_USAGE;
    }
    if (e instanceof StreamFailure || streamFailed) return EXIT_IOERR;
    const err = e as Error;
    process.stderr.write(
      `pnnc: internal error: ${err.message}\n(this is a bug in pnnc; please report it with the spec that caused it)\n`,
    );
    if (process.env["PNNC_DEBUG"]) process.stderr.write(`${err.stack ?? ""}\n`);
    return EXIT_INTERNAL;
  }
}

// A full disk or a closed pipe (`pnnc predict … | head`) ends the command with 74 and one line.
guardStreams();
const code = await main(process.argv.slice(2));
process.exitCode = streamFailed ? EXIT_IOERR : code;
