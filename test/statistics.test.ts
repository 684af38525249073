/**
 * The comparison statistics against values worked out by hand and against an independent numerical
 * integration of Student's t density: the corrected repeated k-fold CV t-test, the within-fold std,
 * and the "significantly better" markers.
 */
import { describe, expect, it } from "vitest";
import { compareMethods, correctedTTest, type MethodScores } from "../src/stats/compare-methods.js";

/** Student's t density, integrated with Simpson's rule: an independent two-sided p-value. */
function pByIntegration(t: number, df: number): number {
  const logGamma = (z: number): number => {
    // Lanczos approximation (g = 7, n = 9).
    const c = [
      0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
      -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
      1.5056327351493116e-7,
    ];
    if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
    const x = z - 1;
    let a = c[0] ?? 0;
    for (let i = 1; i < 9; i++) a += (c[i] ?? 0) / (x + i);
    const tt = x + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(tt) - tt + Math.log(a);
  };
  const norm = Math.exp(logGamma((df + 1) / 2) - logGamma(df / 2)) / Math.sqrt(df * Math.PI);
  const density = (x: number) => norm * (1 + (x * x) / df) ** (-(df + 1) / 2);
  const steps = 20000;
  const h = Math.abs(t) / steps;
  let s = density(0) + density(Math.abs(t));
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * density(i * h);
  return 1 - 2 * ((s * h) / 3);
}

describe("the corrected repeated k-fold CV t-test", () => {
  it("matches a hand-worked example", () => {
    // d = [.02, .04, .00, .06, .03]: mean .03, sample variance .002 / 4 = .0005. With 5 folds
    // (n2/n1 = 1/4): se = sqrt((1/5 + 1/4) · .0005) = sqrt(.000225) = .015, so t = .03 / .015 = 2.
    const b = [0.5, 0.6, 0.55, 0.45, 0.7];
    const a = b.map((x, i) => x + ([0.02, 0.04, 0, 0.06, 0.03][i] ?? 0));
    const test = correctedTTest(a, b, 1 / 4);
    expect(test.meanDiff).toBeCloseTo(0.03, 12);
    expect(test.t).toBeCloseTo(2, 10);
    expect(test.df).toBe(4);
    // Two-sided p for t = 2 with 4 df, from tables: 0.1161.
    expect(test.p).toBeCloseTo(0.1161, 4);
    // The uncorrected paired t-test would say t = .03 / sqrt(.0005 / 5) = 3.
    expect(correctedTTest(a, b, 0).t).toBeCloseTo(3, 10);
  });

  it("gives the p-values of an independent integration of the t density", () => {
    for (const [t, df] of [
      [2.228, 10],
      [1.0, 99],
      [3.5, 10],
      [0.3, 4],
    ] as const) {
      const b = Array.from({ length: 12 }, (_, i) => i / 20);
      const test = correctedTTest(b, b, 0, df);
      expect(test.p).toBe(1); // identical scores: no difference at all
      // Run the p-value path directly on a constructed sample with the wanted t.
      const d = [1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1].map((x) => x * 0.01);
      const meanShift = t * Math.sqrt((1 / 12) * ((0.0001 * 12) / 11));
      const a = b.map((x, i) => x + (d[i] ?? 0) + meanShift);
      const shifted = correctedTTest(a, b, 0, df);
      expect(shifted.t).toBeCloseTo(t, 8);
      expect(shifted.p).toBeCloseTo(pByIntegration(t, df), 6);
    }
    // The 5% critical value for 10 df, from tables.
    expect(pByIntegration(2.228, 10)).toBeCloseTo(0.05, 3);
  });

  it("gives no p-value where the variance cannot be estimated, and p = 1 for identical scores", () => {
    // A constant non-zero difference, or a single pair: no variance estimate, so no test.
    expect(correctedTTest([0.6, 0.7], [0.5, 0.6], 0.1).p).toBeNaN();
    expect(correctedTTest([0.6], [0.5], 0.1).p).toBeNaN();
    expect(correctedTTest([0.6, 0.7], [0.6, 0.7], 0.1)).toMatchObject({ t: 0, p: 1 });
  });
});

describe("compareMethods", () => {
  const runs = (f: (r: number, k: number) => number): Map<string, number> => {
    const out = new Map<string, number>();
    for (let r = 1; r <= 3; r++) for (let k = 1; k <= 5; k++) out.set(`${r}/${k}`, f(r, k));
    return out;
  };
  const noise = (r: number, k: number) => Math.sin(r * 7 + k * 3) * 0.02;
  const methods: MethodScores[] = [
    { method: "dnn", scores: runs((r, k) => 0.55 + noise(r, k)) },
    { method: "ptft", scores: runs((r, k) => 0.555 + noise(k, r) * 1.5) },
    { method: "prognet", scores: runs((r, k) => 0.62 + noise(r, k) + noise(k, r) / 4) },
  ];

  it("summarises each method: mean, std over all runs, within-fold std averaged over repeats", () => {
    const c = compareMethods(methods, { testTrainRatio: 1 / 4 });
    const dnn = c.methods[0];
    const values = [...(methods[0]?.scores.values() ?? [])];
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    expect(dnn?.mean).toBeCloseTo(m, 12);
    expect(dnn?.runs).toBe(15);
    const repeatStd = [1, 2, 3].map((r) => {
      const vs = [1, 2, 3, 4, 5].map((k) => 0.55 + noise(r, k));
      const mu = vs.reduce((a, b) => a + b, 0) / 5;
      return Math.sqrt(vs.reduce((a, v) => a + (v - mu) ** 2, 0) / 4);
    });
    expect(dnn?.withinFoldStd).toBeCloseTo((repeatStd[0]! + repeatStd[1]! + repeatStd[2]!) / 3, 12);
  });

  it("tests every pair and marks the method better than all others and than the baseline", () => {
    const c = compareMethods(methods, { testTrainRatio: 1 / 4, baseline: "dnn" });
    expect(c.pairs.map((p) => `${p.a}-${p.b}`)).toEqual([
      "dnn-ptft",
      "dnn-prognet",
      "ptft-prognet",
    ]);
    expect(c.pairs.every((p) => p.df === 14)).toBe(true);
    expect(c.best).toBe("prognet");
    expect(c.betterThanBaseline).toEqual(["prognet"]);
    // With the paper's 10 degrees of freedom the p-values grow (a heavier-tailed t).
    const ten = compareMethods(methods, { testTrainRatio: 1 / 4, df: 10 });
    expect(ten.pairs[0]?.df).toBe(10);
    expect(ten.pairs[0]?.p).toBeGreaterThan(c.pairs[0]?.p ?? 1);
  });

  it("marks only the better side of a significant difference", () => {
    // The same pair with the methods listed the other way round: the marker follows the means.
    const reversed = compareMethods([methods[2]!, methods[0]!], {
      testTrainRatio: 1 / 4,
      baseline: "dnn",
    });
    expect(reversed.pairs[0]?.meanDiff).toBeGreaterThan(0);
    expect(reversed.best).toBe("prognet");
    const worse = compareMethods([methods[0]!, methods[2]!], {
      testTrainRatio: 1 / 4,
      baseline: "prognet",
    });
    expect(worse.pairs[0]?.meanDiff).toBeLessThan(0);
    expect(worse.best).toBe("prognet");
    expect(worse.betterThanBaseline).toEqual([]);
  });

  it("uses only the runs every method has, and marks nothing without a test", () => {
    const partial = { method: "partial", scores: new Map([["1/1", 0.9]]) };
    const c = compareMethods([methods[0]!, partial], { testTrainRatio: 1 / 4, baseline: "dnn" });
    expect(c.methods.map((m) => m.runs)).toEqual([1, 1]);
    expect(c.methods[0]?.mean).toBe(methods[0]?.scores.get("1/1"));
    expect(c.pairs[0]?.p).toBeNaN();
    expect(c.best).toBeNull();
    expect(c.betterThanBaseline).toEqual([]);
  });

  it("marks nobody when no method beats all others", () => {
    const tied = [methods[0]!, { method: "copy", scores: methods[0]!.scores }];
    const c = compareMethods(tied, { testTrainRatio: 1 / 4, baseline: "dnn" });
    expect(c.best).toBeNull();
    expect(c.betterThanBaseline).toEqual([]);
  });
});
