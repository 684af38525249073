/**
 * `pnnc compare` end to end on a tiny synthetic table: three methods (DNN, PT/FT, ProgNet) on the
 * same runs, the shared source column trained once per run and giving exactly the results each
 * spec gets alone, the statistics document, and clear refusals (different protocols, one method).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { pnncIn, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const common = (
  name: string,
  folds = "folds 3 stratified",
) => `${synthSpecHeader(name, 1)}evaluation {
  ${folds}
  repeats 2
  validation 1
  seed 4
}
`;

const training = (stages: string) => `
training {
  learning_rate 0.02
  batch 32
  epochs 4
  seed 2
  ${stages}
}
`;

const gender = "column gender {\n  task gender\n  layers { dense 12 relu }\n}\n";

const specs: Record<string, string> = {
  "dnn.pnn": `${common("dnn")}
column emotion {
  task emotion
  layers { repeat 2 { dense 12 relu } }
}
${training("stage target { train emotion }")}`,
  "ptft.pnn": `${common("ptft")}${gender}
column emotion {
  task emotion
  layers { dense 12 relu }
  init from gender
}
${training("stage source { train gender }\n  stage target { train emotion }")}`,
  "prognet.pnn": `${common("prognet")}${gender}
column emotion {
  task emotion
  layers { repeat 2 { dense 12 relu } }
  lateral from gender into all
}
${training("stage source { train gender }\n  stage target { train emotion\n    freeze gender }")}`,
  "fewer-classes.pnn": `${common("fewer")}
column emotion {
  task emotion
  layers { dense 12 relu }
}
${training("stage target { train emotion }")}`.replace(
    "label emotion\n}",
    "label emotion\n  drop [sad]\n}",
  ),
  "other-folds.pnn": `${common("other", "folds 4 stratified")}
column emotion {
  task emotion
  layers { dense 12 relu }
}
${training("stage target { train emotion }")}`,
};

const pnnc = pnncIn(dir);

interface Doc {
  methods: { name: string; column: string }[];
  sharedPerRun: number;
  statistics: {
    methods: { method: string; runs: number; mean: number; withinFoldStd: number }[];
    pairs: { a: string; b: string; df: number; p: number }[];
    baseline: string | null;
  };
  sources: { column: string; runs: number }[];
}

type Runs = {
  runs: { column: string; repeat: number; fold: number; test: unknown; curve: unknown }[];
};

describe("pnnc compare", () => {
  let compare: ReturnType<typeof pnnc>;
  let doc: Doc;
  beforeAll(() => {
    writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: join(dir, "synth.csv") });
    for (const [name, text] of Object.entries(specs)) writeFileSync(join(dir, name), text);
    compare = pnnc(
      "compare",
      "dnn.pnn",
      "ptft.pnn",
      "prognet.pnn",
      "--out",
      "out",
      "--baseline",
      "dnn",
      "--workers",
      "1",
    );
    if (compare.status !== 0) throw new Error(compare.stderr);
    doc = JSON.parse(readFileSync(join(dir, "out", "compare.json"), "utf8")) as Doc;
  });

  it("compares the three methods on every run, with pairwise tests", () => {
    expect(doc.methods.map((m) => m.name)).toEqual(["dnn", "ptft", "prognet"]);
    expect(doc.statistics.methods.map((m) => m.runs)).toEqual([6, 6, 6]);
    expect(doc.statistics.pairs).toHaveLength(3);
    expect(doc.statistics.pairs.every((p) => p.df === 5 && p.p >= 0 && p.p <= 1)).toBe(true);
    expect(doc.statistics.baseline).toBe("dnn");
    expect(compare.stdout).toMatch(/^dnn \(baseline\)\s+6\s+0\.\d{3} ± 0\.\d{3}/m);
    expect(compare.stdout).toContain("corrected repeated k-fold CV t-test");
    // The source column is reported once, with its own scores.
    expect(doc.sources.map((s) => [s.column, s.runs])).toEqual([["gender", 6]]);
  });

  it("trains the shared source column once per run", () => {
    expect(doc.sharedPerRun).toBe(1);
    const trainedGender = compare.stderr.match(/stage source: gender UAR [\d.]+ \(\d+ epochs\)/g);
    const sharedGender = compare.stderr.match(
      /stage source: gender UAR [\d.]+ \(shared with ptft\)/g,
    );
    expect(trainedGender).toHaveLength(6);
    expect(sharedGender).toHaveLength(6);
  });

  it("gives every spec exactly the results it gets alone", () => {
    for (const name of ["ptft", "prognet"]) {
      const alone = pnnc(
        "run",
        `${name}.pnn`,
        "--out",
        `alone-${name}`,
        "--workers",
        "1",
        "--no-store",
      );
      expect(alone.status, alone.stderr).toBe(0);
      const read = (path: string) =>
        (JSON.parse(readFileSync(join(dir, path), "utf8")) as Runs).runs;
      expect(read(`out/results/${name}.json`)).toEqual(read(`alone-${name}/results.json`));
    }
  });

  it("honours --df (the paper's 10) and resumes from its run store", () => {
    const again = pnnc(
      "compare",
      "dnn.pnn",
      "prognet.pnn",
      "--out",
      "out-df",
      "--df",
      "10",
      "--json",
    );
    expect(again.status, again.stderr).toBe(0);
    const stats = JSON.parse(again.stdout) as Doc["statistics"];
    expect(stats.pairs.map((p) => p.df)).toEqual([10]);
    const resumed = pnnc(
      "compare",
      "dnn.pnn",
      "prognet.pnn",
      "--out",
      "out-df",
      "--df",
      "10",
      "--json",
    );
    expect(resumed.stderr).toContain("done in an earlier run, reused");
    expect(JSON.parse(resumed.stdout)).toEqual(stats);
  });

  it("runs only the first repeats with --repeats, and refuses more than the protocol has", () => {
    const one = pnnc(
      "compare",
      "dnn.pnn",
      "prognet.pnn",
      "--out",
      "one",
      "--repeats",
      "1",
      "--json",
    );
    expect(one.status, one.stderr).toBe(0);
    const stats = JSON.parse(one.stdout) as Doc["statistics"];
    expect(stats.methods.map((m) => m.runs)).toEqual([3, 3]);
    expect(pnnc("compare", "dnn.pnn", "prognet.pnn", "--repeats", "5").status).toBe(2);
  });

  it("refuses methods on other classes, a task without methods and an unknown --task", () => {
    const classes = pnnc("compare", "dnn.pnn", "fewer-classes.pnn");
    expect(classes.status).toBe(1);
    expect(classes.stderr).toContain("evaluated on other data, folds or classes");
    const task = pnnc("compare", "dnn.pnn", "prognet.pnn", "--task", "bogus");
    expect(task.status).toBe(2);
    expect(task.stderr).toContain("found 0 methods on task `bogus`");
  });

  it("refuses methods on different protocols, a single method and an unknown baseline", () => {
    const folds = pnnc("compare", "dnn.pnn", "other-folds.pnn");
    expect(folds.status).toBe(1);
    expect(folds.stderr).toContain("uses folds 4 stratified");
    // A protocol problem is catalogued: its code (for `pnnc explain`) and hint are printed.
    expect(folds.stderr).toMatch(/^pnnc: error\[PNN5002\]: `other-folds.pnn` uses/m);
    expect(folds.stderr).toContain("\n  = hint: methods are compared run by run");
    expect(folds.stderr).not.toMatch(/\n\s+at /);
    const one = pnnc("compare", "dnn.pnn");
    expect(one.status).toBe(2);
    expect(one.stderr).toContain("compare needs two or more");
    const baseline = pnnc("compare", "dnn.pnn", "ptft.pnn", "--baseline", "nope");
    expect(baseline.status).toBe(2);
    expect(baseline.stderr).toContain("no method is named `nope`");
  });
});
