/**
 * The protocol bench's pure helpers (src/bench/protocol-math.ts): FLOPs per sample against issue
 * 13's figures and a hand count, the wiring of `lateral from S into all`, the extrapolation from a
 * measured prefix, and reading the PyTorch script's JSON line. Nothing here is timed.
 */
import { describe, expect, it } from "vitest";
import type { ColumnIr } from "../src/ir/types.js";
import {
  columnShape,
  extrapolate,
  formatDuration,
  forwardFlopsPerSample,
  lateralsIntoAll,
  matMulFlops,
  parseTorchOutput,
  trainFlopsPerSample,
} from "../src/bench/protocol-math.js";

const hidden = [256, 256, 256, 256];
const dnn = { widths: [88, ...hidden, 4], laterals: [] };
const prognet = { widths: [88, ...hidden, 4], laterals: lateralsIntoAll(hidden, hidden, 4) };

const column = (id: string, laterals: ColumnIr["laterals"]): ColumnIr => ({
  id,
  task: id,
  layers: hidden.map((units) => ({
    kind: "dense" as const,
    units,
    activation: "sigmoid" as const,
    dropout: 0.5,
  })),
  head: { units: null, activation: "softmax" },
  init: null,
  laterals,
});

describe("FLOPs per sample", () => {
  it("is 6 × the chain's weights for a plain column (issue 13: about 1.3 MFLOP)", () => {
    const weights = 88 * 256 + 3 * 256 * 256 + 256 * 4;
    expect(trainFlopsPerSample(dnn)).toBe(6 * weights);
    expect(trainFlopsPerSample(dnn) / 1e6).toBeCloseTo(1.32, 2);
    expect(forwardFlopsPerSample(dnn)).toBe(2 * weights);
  });

  it("adds 4 × the lateral weights for a ProgNet column (issue 13: about 2.1 MFLOP)", () => {
    const laterals = 3 * 256 * 256 + 256 * 4;
    expect(trainFlopsPerSample(prognet)).toBe(trainFlopsPerSample(dnn) + 4 * laterals);
    expect(trainFlopsPerSample(prognet) / 1e6).toBeCloseTo(2.11, 2);
  });

  it("counts a matrix product as 2mkn", () => {
    expect(matMulFlops(64, 256, 256)).toBe(8_388_608);
  });
});

describe("lateral wiring", () => {
  it("`into all`: source hidden i into target layer i + 1, the last hidden into the head", () => {
    expect(lateralsIntoAll([10, 20, 30], [40, 50, 60], 3)).toEqual([
      [10, 50],
      [20, 60],
      [30, 3],
    ]);
  });

  it("columnShape reads the IR as column-model.ts wires it", () => {
    const source = column("speaker", []);
    const target = column("emotion", [
      { kind: "linear", from: ["speaker"], into: [2, 3, 4, "head"] },
    ]);
    expect(columnShape(target, [source, target], 88, 4)).toEqual(prognet);
    expect(columnShape(source, [source, target], 88, 24).laterals).toEqual([]);
  });
});

describe("extrapolation", () => {
  it("one run on one thread: seconds × runs ÷ workers", () => {
    const e = extrapolate(1, 600, 1, 2);
    expect(e.secondsPerRun).toBe(600);
    expect(e.oneByTen).toBe(3000);
    expect(e.tenByTen).toBe(30_000);
  });

  it("two runs on two threads at once cost one run's wall time each per core", () => {
    const e = extrapolate(2, 600, 2, 2);
    expect(e.secondsPerRun).toBe(600);
    expect(e.oneByTen).toBe(3000);
  });

  it("never counts more busy threads than runs", () => {
    expect(extrapolate(1, 100, 4, 1).secondsPerRun).toBe(100);
    expect(() => extrapolate(0, 1, 1, 1)).toThrow(RangeError);
  });

  it("formats durations", () => {
    expect(formatDuration(45.64)).toBe("45.6 s");
    expect(formatDuration(750)).toBe("12.5 min");
    expect(formatDuration(3599.9)).toBe("60.0 min");
    expect(formatDuration(3600 + 59.9 * 60)).toBe("2 h 00 min");
  });
});

describe("the PyTorch script's output", () => {
  const line =
    '{"torch": "1.13.0a0", "column": 2, "threads": 1, "samplesPerSecond": 3899.1, "maxRssKiB": 268812}';

  it("reads its last JSON line", () => {
    expect(parseTorchOutput(`warning: something\n${line}\n`)).toEqual({
      torch: "1.13.0a0",
      column: 2,
      threads: 1,
      samplesPerSecond: 3899.1,
      maxRssKiB: 268812,
    });
  });

  it("says why output is not a measurement", () => {
    expect(parseTorchOutput("")).toBe("no JSON line in its output");
    expect(parseTorchOutput("{oops")).toMatch(/^unreadable JSON/);
    expect(parseTorchOutput(line.replace("3899.1", "0"))).toBe("no positive samplesPerSecond");
    expect(parseTorchOutput(line.replace('"column": 2', '"column": 3'))).toBe(
      "column is not 1 or 2",
    );
    expect(parseTorchOutput('{"samplesPerSecond": 5, "column": 1}')).toBe(
      "no maxRssKiB or threads",
    );
  });
});
