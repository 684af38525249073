/**
 * Every example spec in specs/ (Vega-Lite's examples test): it checks with no diagnostic at all,
 * its IR validates against the committed schema, and equals its committed golden in generated/ir/.
 */
import { describe, expect, it } from "vitest";
import { isValidIr } from "../src/check/validate-schema.js";
import { compileSpec } from "../src/compile.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { espeakAvailable, writeCorpus } from "../src/tools/espeak-corpus.js";
import { compileFile, exampleSpecs, read, repoRoot } from "./helpers.js";

describe("example specs", () => {
  it("include the paper's three methods for both source tasks and the other required examples", () => {
    for (const name of [
      "specs/paper/emotion-dnn.pnn",
      "specs/paper/speaker-ptft.pnn",
      "specs/paper/speaker-prognet.pnn",
      "specs/paper/gender-ptft.pnn",
      "specs/paper/gender-prognet.pnn",
      "specs/three-column.pnn",
      "specs/adapter.pnn",
      "specs/cross-dataset.pnn",
    ]) {
      expect(exampleSpecs).toContain(name);
    }
  });

  for (const spec of exampleSpecs) {
    describe(spec, () => {
      const result = compileFile(spec);

      it("checks without errors or warnings", () => {
        expect(result.diagnostics).toEqual([]);
        expect(result.ir).not.toBeNull();
      });

      it("produces IR that validates against the schema", () => {
        expect(isValidIr(result.ir)).toBe(true);
      });

      it("matches its IR golden", () => {
        const golden = read(
          spec.replace(/^specs\//, "generated/ir/").replace(/\.pnn$/, ".ir.json"),
        );
        expect(result.ir).toEqual(JSON.parse(golden));
      });
    });
  }

  it("the paper's methods are short specs", () => {
    for (const spec of exampleSpecs.filter((s) => s.startsWith("specs/paper/"))) {
      const lines = read(spec)
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.trim().startsWith("//"));
      expect(lines.length, spec).toBeLessThan(70);
    }
  });
});

describe("the paper's network", () => {
  it("speaker ProgNet: 4 x 256 sigmoid with dropout 0.5, laterals into h2..h4 and the head", () => {
    const ir = compileFile("specs/paper/speaker-prognet.pnn").ir;
    const emotion = ir?.columns.find((c) => c.id === "emotion");
    expect(emotion?.layers).toEqual(
      Array.from({ length: 4 }, () => ({
        kind: "dense",
        units: 256,
        activation: "sigmoid",
        dropout: 0.5,
      })),
    );
    expect(emotion?.laterals).toEqual([
      { kind: "linear", from: ["speaker"], into: [2, 3, 4, "head"] },
    ]);
    expect(ir?.stages.map((s) => [s.id, s.train, s.freeze])).toEqual([
      ["source", ["speaker"], []],
      ["target", ["emotion"], [{ column: "speaker", layer: null }]],
    ]);
    expect(ir?.stages[1]?.optimizer).toEqual({ name: "adam", learningRate: 0.0005, momentum: 0 });
    expect(ir?.evaluation.folds).toEqual({ kind: "stratified", k: 10 });
  });

  it("PT/FT initialises the emotion column from the trained source column", () => {
    const ir = compileFile("specs/paper/gender-ptft.pnn").ir;
    expect(ir?.columns.find((c) => c.id === "emotion")?.init).toBe("gender");
    expect(ir?.columns.find((c) => c.id === "emotion")?.laterals).toEqual([]);
  });
});

describe("benchmark specs", () => {
  it("the generated N-column specs are valid, with one lateral per column after the first", async () => {
    const { generateSpec } = await import("../src/bench/spec-generator.js");
    for (const n of [1, 10, 100]) {
      const result = compileSpec(`bench-${n}.pnn`, generateSpec(n));
      expect(result.diagnostics).toEqual([]);
      expect(result.ir?.columns.length).toBe(n);
      expect(result.ir?.columns.flatMap((c) => c.laterals).length).toBe(n - 1);
    }
  });
});

describe("example specs' data", () => {
  it("every example spec loads its data and builds its folds without a diagnostic", async () => {
    const { loadSpecData } = await import("../src/data/load.js");
    const speech = espeakAvailable() ? mkdtempSync(join(tmpdir(), "pnnc-specs-audio-")) : null;
    // The audio demo's speech is made by espeak-ng, not committed: a small corpus stands in.
    if (speech) writeCorpus(join(speech, "wav"), { small: true });
    else
      console.warn(
        "skipping the audio demo specs' data: espeak-ng is missing (.ci/run installs it)",
      );
    for (const spec of exampleSpecs) {
      const front = compileFile(spec);
      if (!front.ir || !front.spans) throw new Error(`${spec} does not compile`);
      const audio = front.ir.datasets.some((d) => d.format === "audio");
      if (audio && !speech) continue;
      if (speech) process.env.PNNC_CACHE = join(speech, "cache");
      const loaded = await loadSpecData(
        { file: front.file, ir: front.ir, spans: front.spans },
        audio && speech ? speech : join(repoRoot, dirname(spec)),
      );
      expect(loaded.diagnostics, spec).toEqual([]);
      expect(loaded.value?.datasets.size, spec).toBe(front.ir.datasets.length);
    }
    if (speech) rmSync(speech, { recursive: true, force: true });
  });
});
