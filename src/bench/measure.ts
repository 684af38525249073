/**
 * Timing helpers for the benchmark: a function (or a command line) in, the median wall time of
 * several runs in milliseconds out. Warm-up runs come first so JIT and lazy set-up stay out of the
 * median, and the number of runs follows a time budget so large inputs do not blow the bench up.
 */
import { spawnSync } from "node:child_process";

export interface Timing {
  /** Median of the measured runs, in milliseconds. */
  medianMs: number;
  /** How many runs the median was taken over (warm-ups not counted). */
  runs: number;
}

export interface TimingOptions {
  /** Warm-up calls: at least `warmups` of them, and more until `warmupMs` have passed. */
  warmups: number;
  warmupMs: number;
  /** Wall time the measured runs should take together, in milliseconds. */
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
}

export const DEFAULT_TIMING: TimingOptions = {
  warmups: 3,
  warmupMs: 200,
  budgetMs: 1500,
  minRuns: 5,
  maxRuns: 200,
};

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
}

/** Present when node runs with --expose-gc (as `npm run bench` does). */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/**
 * A full collection before each timed call, so one call does not pay for the garbage of the calls
 * before it: without it, large inputs look super-linear only because old garbage piles up.
 */
function timeOnce(fn: () => void): number {
  collectGarbage?.();
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Runs to fit `budgetMs`, judged from the last warm-up, clamped to [minRuns, maxRuns]. */
function runsFor(lastWarmupMs: number, opts: TimingOptions): number {
  const fit = Math.floor(opts.budgetMs / Math.max(lastWarmupMs, 0.001));
  return Math.min(opts.maxRuns, Math.max(opts.minRuns, fit));
}

/** Calls `fn` at least `warmups` times and until `warmupMs` have passed; returns the last time. */
function warmUp(fn: () => void, opts: TimingOptions): number {
  let last = timeOnce(fn);
  let spent = last;
  for (let i = 1; i < opts.warmups || (spent < opts.warmupMs && i < opts.maxRuns); i++) {
    last = timeOnce(fn);
    spent += last;
  }
  return last;
}

/** Median wall time of `fn`, measured after the warm-up calls `opts` asks for. */
export function timeFunction(fn: () => void, opts: TimingOptions = DEFAULT_TIMING): Timing {
  const runs = runsFor(warmUp(fn, opts), opts);
  const samples = Array.from({ length: runs }, () => timeOnce(fn));
  return { medianMs: median(samples), runs };
}

export interface CommandTiming extends Timing {
  /** Exit statuses that were not 0 (null: killed by a signal), one per such run. */
  failures: (number | null)[];
}

/** Median wall time of running `command args` to completion, `runs` times, in `cwd`. */
export function timeCommand(
  command: string,
  args: readonly string[],
  cwd: string,
  runs: number,
): CommandTiming {
  const samples: number[] = [];
  const failures: (number | null)[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { cwd, stdio: "ignore" });
    samples.push(performance.now() - start);
    if (result.error) throw result.error;
    if (result.status !== 0) failures.push(result.status);
  }
  return { medianMs: median(samples), runs, failures };
}
