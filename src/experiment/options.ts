/**
 * The numeric and named options of `run` and `compare`, checked before any spec is read.
 * In: option texts as typed (undefined when absent). Out: the value, or a catalogued problem (PNN5007, PNN5008).
 */
import { availableParallelism } from "node:os";
import { BACKENDS, type BackendName } from "../runtime/backends.js";
import { coded, type Problem } from "./outcome.js";

export type Checked<T> = { value: T } | { problem: Problem };

/** `--workers N`: 1 to 64 threads; the number of cores by default. */
export function workersOption(text: string | undefined): Checked<number> {
  const workers = text === undefined ? availableParallelism() : Number(text);
  return Number.isInteger(workers) && workers >= 1 && workers <= 64
    ? { value: workers }
    : invalid(`\`--workers\` takes a whole number from 1 to 64, not \`${String(text)}\``);
}

/** `--repeats N`: the protocol's first N repeats; all of them (Infinity) by default. */
export function repeatsOption(text: string | undefined): Checked<number> {
  const repeats = text === undefined ? Infinity : Number(text);
  return repeats === Infinity || (Number.isInteger(repeats) && repeats >= 1)
    ? { value: repeats }
    : invalid(`\`--repeats\` takes a whole number of at least 1, not \`${String(text)}\``);
}

/** `--df N`: the t-tests' degrees of freedom; runs − 1 (undefined) by default. */
export function dfOption(text: string | undefined): Checked<number | undefined> {
  const df = text === undefined ? undefined : Number(text);
  return df === undefined || (Number.isInteger(df) && df >= 1)
    ? { value: df }
    : invalid(`\`--df\` takes a whole number of at least 1, not \`${String(text)}\``);
}

/** `--backend B`: one of BACKENDS; the first that loads (undefined) by default. */
export function backendOption(text: string | undefined): Checked<BackendName | undefined> {
  if (text === undefined) return { value: undefined };
  return (BACKENDS as readonly string[]).includes(text)
    ? { value: text as BackendName }
    : {
        problem: coded(
          "PNN5007",
          `unknown backend \`${text}\`; choose one of ${BACKENDS.join(", ")}`,
        ),
      };
}

/** `compare`'s options, in the order they are checked. */
export function compareOptions(opts: {
  workers?: string;
  repeats?: string;
  df?: string;
  backend?: string;
}): Checked<{
  workers: number;
  repeats: number;
  df: number | undefined;
  backend: BackendName | undefined;
}> {
  const workers = workersOption(opts.workers);
  if ("problem" in workers) return workers;
  const repeats = repeatsOption(opts.repeats);
  if ("problem" in repeats) return repeats;
  const df = dfOption(opts.df);
  if ("problem" in df) return df;
  const backend = backendOption(opts.backend);
  if ("problem" in backend) return backend;
  return {
    value: {
      workers: workers.value,
      repeats: repeats.value,
      df: df.value,
      backend: backend.value,
    },
  };
}

function invalid(message: string): { problem: Problem } {
  return { problem: coded("PNN5008", message) };
}
