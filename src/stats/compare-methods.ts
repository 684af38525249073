/**
 * Statistics for comparing methods evaluated on the same (repeat, fold) runs: mean ± std of test
 * UAR, the within-fold std averaged over repeats (what Gideon et al. 2017 report), and the corrected
 * repeated k-fold CV paired t-test between every pair of methods (Nadeau & Bengio 2003, as evaluated
 * by Bouckaert & Frank 2004), with markers for "better than every other method" and "better than
 * the baseline". In: per-method scores keyed by run. Out: plain JSON-ready numbers.
 */
import tCdf from "@stdlib/stats-base-dists-t-cdf";

/** One method's score (test UAR) for each run, keyed `repeat/fold`. */
export interface MethodScores {
  method: string;
  scores: ReadonlyMap<string, number>;
}

export interface MethodSummary {
  method: string;
  runs: number;
  mean: number;
  /** Sample std over all runs (repeats × folds). */
  std: number;
  /** For each repeat, the std over its folds; then the mean over repeats (the paper's ±). */
  withinFoldStd: number;
}

export interface PairTest {
  a: string;
  b: string;
  /** mean(a − b) over the paired runs. */
  meanDiff: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
}

export interface Comparison {
  methods: MethodSummary[];
  pairs: PairTest[];
  alpha: number;
  /** n_test / n_train used in the variance correction. */
  testTrainRatio: number;
  /** The method significantly better than every other one, if any. */
  best: string | null;
  baseline: string | null;
  /** Methods significantly better than the baseline. */
  betterThanBaseline: string[];
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

function summarize(method: MethodScores): MethodSummary {
  const values = [...method.scores.values()];
  const byRepeat = new Map<string, number[]>();
  for (const [key, v] of method.scores) {
    const repeat = key.split("/")[0] ?? "";
    byRepeat.set(repeat, [...(byRepeat.get(repeat) ?? []), v]);
  }
  const withinFold = [...byRepeat.values()].map((vs) => Math.sqrt(sampleVariance(vs)));
  return {
    method: method.method,
    runs: values.length,
    mean: mean(values),
    std: Math.sqrt(sampleVariance(values)),
    withinFoldStd: mean(withinFold),
  };
}

/**
 * The corrected resampled t statistic: t = mean(d) / sqrt((1/n + n2/n1) · var(d)) over the n paired
 * differences d, where n2/n1 is the test/training size ratio. The 1/n term alone (the plain paired
 * t-test) ignores that training sets overlap between runs, which makes it far too eager to call a
 * difference significant. df defaults to n − 1; Gideon et al. used 10 (pass it explicitly).
 */
export function correctedTTest(
  a: readonly number[],
  b: readonly number[],
  testTrainRatio: number,
  df = a.length - 1,
): { meanDiff: number; t: number; df: number; p: number } {
  if (a.length !== b.length) throw new Error("internal: unpaired scores");
  const d = a.map((x, i) => x - (b[i] ?? Number.NaN));
  const n = d.length;
  const meanDiff = mean(d);
  const variance = sampleVariance(d);
  const se = Math.sqrt((1 / n + testTrainRatio) * variance);
  // Identical scores: no difference at all (t = 0, p = 1). Fewer than two pairs, or a constant
  // non-zero difference, leave the variance unestimated: no p-value (NaN), so no marker either.
  if (n >= 2 && variance === 0 && meanDiff === 0) return { meanDiff, t: 0, df, p: 1 };
  if (n < 2 || df < 1 || !(se > 0)) return { meanDiff, t: Number.NaN, df, p: Number.NaN };
  const t = meanDiff / se;
  const p = 2 * (1 - tCdf(Math.abs(t), df));
  return { meanDiff, t, df, p: Math.min(1, Math.max(0, p)) };
}

export interface CompareOptions {
  testTrainRatio: number;
  /** Degrees of freedom for every test; default n − 1 (runs − 1). */
  df?: number;
  alpha?: number;
  baseline?: string | null;
}

/**
 * Every statistic is over the runs all methods share, so the table's means and the tests see the
 * same runs (methods normally share all of them: compare runs them on identical folds).
 */
export function compareMethods(all: readonly MethodScores[], opts: CompareOptions): Comparison {
  const alpha = opts.alpha ?? 0.05;
  const common = [...(all[0]?.scores.keys() ?? [])].filter((k) =>
    all.every((m) => m.scores.has(k)),
  );
  const methods = all.map((m) => ({
    method: m.method,
    scores: new Map(common.map((k) => [k, m.scores.get(k) ?? Number.NaN])),
  }));
  const pairs: PairTest[] = [];
  for (const [i, a] of methods.entries()) {
    for (const b of methods.slice(i + 1)) {
      const keys = [...a.scores.keys()].filter((k) => b.scores.has(k)).sort();
      const sa = keys.map((k) => a.scores.get(k) ?? Number.NaN);
      const sb = keys.map((k) => b.scores.get(k) ?? Number.NaN);
      const test = correctedTTest(sa, sb, opts.testTrainRatio, opts.df ?? keys.length - 1);
      pairs.push({ a: a.method, b: b.method, ...test });
    }
  }
  /** Whether x is significantly better than y. */
  const beats = (x: string, y: string) =>
    pairs.some(
      (p) =>
        p.p < alpha && // NaN (no test possible) is never below alpha
        ((p.a === x && p.b === y && p.meanDiff > 0) || (p.a === y && p.b === x && p.meanDiff < 0)),
    );
  const names = methods.map((m) => m.method);
  const best =
    names.length > 1
      ? (names.find((x) => names.every((y) => y === x || beats(x, y))) ?? null)
      : null;
  const baseline = opts.baseline ?? null;
  return {
    methods: methods.map(summarize),
    pairs,
    alpha,
    testTrainRatio: opts.testTrainRatio,
    best,
    baseline,
    betterThanBaseline: baseline ? names.filter((x) => x !== baseline && beats(x, baseline)) : [],
  };
}
