/**
 * The options of `run` and `compare` that decide which runs there are and where they go, as
 * command-line words, so a slice, a Slurm array task or the assembling step repeats the command
 * exactly (DIR/job.json keeps them). The backend is the one this command selected, never left to
 * each node: the run store refuses runs of another backend, so mixed nodes would retrain each
 * other's runs. In: parsed options. Out: argument words.
 */
import { resolve } from "node:path";

type Options = Record<string, string | string[] | boolean | undefined>;

function words(opts: Options, names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const value = opts[name];
    const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return typeof value === "string" ? [flag, value] : value === true ? [flag] : [];
  });
}

/** `--store DIR` (made absolute: array tasks may start elsewhere) or `--no-store`. */
function storeArgs(opts: Options): string[] {
  return opts["store"] === false
    ? ["--no-store"]
    : typeof opts["store"] === "string"
      ? ["--store", resolve(opts["store"])]
      : [];
}

export function runArgs(opts: Options): string[] {
  return [...storeArgs(opts), ...words(opts, ["backend", "keepGoing"])];
}

export function compareArgs(opts: Options): string[] {
  return [
    ...storeArgs(opts),
    ...words(opts, ["backend", "task", "baseline", "df", "repeats", "keepGoing"]),
    ...(opts["frozenCache"] === false ? ["--no-frozen-cache"] : []),
  ];
}
