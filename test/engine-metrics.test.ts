/**
 * UAR, accuracy, per-class recall and the confusion matrix against hand-worked examples.
 */
import { describe, expect, it } from "vitest";
import { metrics } from "../src/runtime/metrics.js";

describe("metrics", () => {
  it("match a hand-worked imbalanced example", () => {
    // class 0: 4 rows, 3 right; class 1: 2 rows, 1 right; class 2: 1 row, 0 right.
    const truth = [0, 0, 0, 0, 1, 1, 2];
    const predicted = [0, 0, 0, 1, 1, 0, 0];
    const m = metrics(truth, predicted, 3);
    expect(m.confusion).toEqual([
      [3, 1, 0],
      [1, 1, 0],
      [1, 0, 0],
    ]);
    expect(m.recall).toEqual([0.75, 0.5, 0]);
    expect(m.uar).toBeCloseTo((0.75 + 0.5 + 0) / 3, 12);
    expect(m.accuracy).toBeCloseTo(4 / 7, 12);
  });

  it("UAR of always predicting the majority class is chance, unlike accuracy", () => {
    const truth = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    const m = metrics(truth, new Array(10).fill(0), 3);
    expect(m.accuracy).toBe(0.8);
    expect(m.uar).toBeCloseTo(1 / 3, 12);
  });

  it("leaves classes without true rows out of UAR", () => {
    const m = metrics([0, 1], [0, 1], 3);
    expect(m.recall).toEqual([1, 1, null]);
    expect(m.uar).toBe(1);
  });
});
