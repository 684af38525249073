/**
 * Content-addressed columns: what changes a column's key and what does not, incremental training
 * through the column store (a new column trains alone, the old ones stay bit-identical; a wider
 * source retrains itself and its readers only), `pnnc store ls|verify|gc`, corrupt and stale
 * entries, two concurrent runs on one store, and `pnnc diff`'s verdicts.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { writeSynthetic } from "../src/data/synth.js";
import { columnKeys } from "../src/store/column-key.js";
import type { Ir } from "../src/ir/types.js";
import { ColumnStore } from "../src/store/column-store.js";
import { pnncIn, repoRoot, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = synthSpecHeader("grow");
const gender = (width = 12) =>
  `column gender {\n  task gender\n  layers { dense ${width} relu }\n}\n`;
const emotion = `column emotion {
  task emotion
  layers { repeat 2 { dense 12 relu } }
  lateral from gender into all
}
`;
const dnn = "column dnn {\n  task emotion\n  layers { dense 12 relu }\n}\n";
const training = (stages: string) => `training {
  learning_rate 0.02
  batch 32
  epochs 4
  seed 2
  ${stages}
}
evaluation {
  folds 3 stratified
  repeats 1
  validation 1
}
`;
const two = `${header}${gender()}${emotion}${training("stage one { train gender }\n  stage two { train emotion\n    freeze gender }")}`;
const three = `${header}task speaker {\n  data synth\n  label speaker\n}\n${gender()}${emotion}${dnn}${training("stage one { train gender }\n  stage two { train [emotion, dnn]\n    freeze gender }")}`;
const wider = `${header}${gender(16)}${emotion}${dnn}${training("stage one { train gender }\n  stage two { train [emotion, dnn]\n    freeze gender }")}`;

function ir(text: string): Ir {
  const result = compileSpec("x.pnn", text);
  if (!result.ir) throw new Error(JSON.stringify(result.diagnostics));
  return result.ir;
}
const keysOf = (text: string) => columnKeys(ir(text), new Map([["synth", "data"]]));

const pnnc = pnncIn(dir);

/** Runs a spec (one worker) and returns which columns it trained and which it reused. */
function run(name: string, text: string, ...extra: string[]) {
  writeFileSync(join(dir, `${name}.pnn`), text);
  const r = pnnc("run", `${name}.pnn`, "--out", name, "--workers", "1", ...extra);
  if (r.status !== 0) throw new Error(r.stderr);
  const lines = r.stderr.split("\n");
  const columns = (pattern: RegExp) =>
    [
      ...new Set(
        lines.flatMap((l) => {
          const column = pattern.test(l) ? / stage \w+: (\w+) UAR/.exec(l)?.[1] : undefined;
          return column ? [column] : [];
        }),
      ),
    ].sort();
  return {
    trained: columns(/ \(\d+ epochs/),
    reused: columns(/reused from the column store/),
    stderr: r.stderr,
  };
}

const bytes = (path: string) => readFileSync(join(dir, path));

describe("column keys", () => {
  it("ignore formatting, comments, declaration order and unrelated columns", () => {
    const base = keysOf(two);
    const noisy = `// a comment\n${two.replace("column gender {", "column gender { // note").replace(/\n/g, "\n\n")}`;
    expect(keysOf(noisy)).toEqual(base);
    const reordered = `${header}${emotion}${gender()}${training("stage one { train gender }\n  stage two { train emotion\n    freeze gender }")}`;
    expect(keysOf(reordered)).toEqual(base);
    const grown = keysOf(three);
    expect(grown.get("gender")).toBe(base.get("gender"));
    expect(grown.get("emotion")).toBe(base.get("emotion"));
    // Renaming an unrelated column changes only that column.
    const renamed = keysOf(three.replace(/\bdnn\b/g, "plain"));
    expect(renamed.get("emotion")).toBe(grown.get("emotion"));
    expect(renamed.get("plain")).not.toBe(grown.get("dnn"));
  });

  it("change with the column, its data and its sources", () => {
    const base = keysOf(three);
    const widened = keysOf(wider);
    expect(widened.get("gender")).not.toBe(base.get("gender"));
    expect(widened.get("emotion")).not.toBe(base.get("emotion")); // reads gender
    expect(widened.get("dnn")).toBe(base.get("dnn"));
    const otherData = columnKeys(ir(three), new Map([["synth", "other data"]]));
    expect(otherData.get("dnn")).not.toBe(base.get("dnn"));
    const otherSeed = keysOf(three.replace("seed 2", "seed 3"));
    expect(otherSeed.get("gender")).not.toBe(base.get("gender"));
  });
});

describe("incremental training through the column store", () => {
  let first: ReturnType<typeof run>;
  beforeAll(() => {
    writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: join(dir, "synth.csv") });
    first = run("two", two);
  });

  it("trains every column the first time", () => {
    expect(first.trained).toEqual(["emotion", "gender"]);
    expect(first.reused).toEqual([]);
    expect(first.stderr).toContain("columns: 6 trained, 0 reused from the column store");
  });

  it("trains only a new column; the old ones' weights and predictions stay bit-identical", () => {
    const grown = run("three", three);
    expect(grown.trained).toEqual(["dnn"]);
    expect(grown.reused).toEqual(["emotion", "gender"]);
    for (const column of ["gender", "emotion"])
      expect(
        bytes(`three/checkpoints/${column}/weights.bin`).equals(
          bytes(`two/checkpoints/${column}/weights.bin`),
        ),
      ).toBe(true);
    type Runs = { runs: { column: string; test: unknown; curve: unknown }[] };
    const old = (JSON.parse(bytes("two/results.json").toString()) as Runs).runs;
    const now = (JSON.parse(bytes("three/results.json").toString()) as Runs).runs;
    for (const r of old) {
      const same = now.filter((n) => n.column === r.column);
      expect(same.map((n) => n.test)).toContainEqual(r.test);
    }
  });

  it("retrains a widened source and what reads it, nothing else", () => {
    const widened = run("wider", wider);
    expect(widened.trained).toEqual(["emotion", "gender"]);
    expect(widened.reused).toEqual(["dnn"]);
  });

  it("lists and verifies entries, and never uses a corrupt one", () => {
    const ls = pnnc("store", "ls", "two.pnn");
    expect(ls.status).toBe(0);
    expect(ls.stdout).toMatch(/^key\s+backend\s+column/);
    expect(ls.stdout).toContain("15 entries");
    expect(pnnc("store", "verify", "two.pnn").status).toBe(0);
    const store = new ColumnStore(join(dir, ".pnn", "store"));
    const victim = store.entries().find((e) => e.entry?.column === "dnn");
    if (!victim) throw new Error("no dnn entry");
    const weights = join(victim.dir, "weights.bin");
    const data = readFileSync(weights);
    data[0] = (data[0] ?? 0) ^ 0xff;
    writeFileSync(weights, data);
    const verify = pnnc("store", "verify", "two.pnn");
    expect(verify.status).toBe(1);
    expect(verify.stderr).toContain("does not match its checksum");
    rmSync(join(dir, "three", "runs"), { recursive: true });
    const rerun = run("three", three);
    expect(rerun.stderr).toContain("not using");
    expect(rerun.trained).toEqual(["dnn"]);
  });

  it("ignores entries of another key version", () => {
    const store = new ColumnStore(join(dir, ".pnn", "store"));
    const entry = store.entries().find((e) => e.entry?.column === "gender" && e.entry.repeat === 1);
    if (!entry?.entry) throw new Error("no gender entry");
    writeFileSync(join(entry.dir, "entry.json"), JSON.stringify({ ...entry.entry, keyVersion: 0 }));
    const lookup = store.load(
      entry.entry.key,
      entry.entry.backend,
      entry.entry.repeat,
      entry.entry.fold,
    );
    expect(lookup).toEqual({ unusable: expect.stringContaining("key version 0") });
  });

  it("collects entries no given spec references", () => {
    const before = new ColumnStore(join(dir, ".pnn", "store")).entries().length;
    const gc = pnnc("store", "gc", "two.pnn");
    expect(gc.status, gc.stderr).toBe(0);
    const left = new ColumnStore(join(dir, ".pnn", "store")).entries();
    expect(left.length).toBeLessThan(before);
    // The entry of another key version is still referenced (by key): `verify --repair` removes it.
    expect(new Set(left.flatMap((e) => (e.entry ? [e.entry.column] : [])))).toEqual(
      new Set(["gender", "emotion"]),
    );
    expect(left).toHaveLength(6);
  });

  it("stays consistent when two runs write one store at once", async () => {
    const spec = three.replace("seed 2", "seed 9");
    writeFileSync(join(dir, "concurrent.pnn"), spec);
    const launch = (out: string) =>
      new Promise<number>((done) => {
        const child = spawn(
          process.execPath,
          [
            join(repoRoot, "dist/cli/main.js"),
            "run",
            "concurrent.pnn",
            "--out",
            out,
            "--workers",
            "1",
            "--store",
            "shared-store",
          ],
          { cwd: dir, stdio: "ignore" },
        );
        child.on("exit", (code) => done(code ?? 1));
      });
    expect(await Promise.all([launch("c1"), launch("c2")])).toEqual([0, 0]);
    const verify = pnnc("store", "verify", "--store", "shared-store");
    expect(verify.status, verify.stderr).toBe(0);
    const store = new ColumnStore(join(dir, "shared-store"));
    expect(store.entries()).toHaveLength(9);
    // No temporary folder is left behind.
    expect(readdirSync(join(dir, "shared-store")).filter((f) => f.startsWith(".tmp"))).toEqual([]);
    expect(
      bytes("c1/results.json")
        .toString()
        .replace(/"seconds": [\d.]+/, ""),
    ).toBe(
      bytes("c2/results.json")
        .toString()
        .replace(/"seconds": [\d.]+/, ""),
    );
  });
});

describe("one store of work for run and compare", () => {
  const both = `${header}${gender()}${emotion}${dnn}${training(
    "stage one { train gender }\n  stage two { train [emotion, dnn]\n    freeze gender }",
  ).replace("validation 1", "validation 1\n  compare [emotion, dnn]")}`;
  const trainedIn = (stderr: string) => stderr.split("\n").filter((l) => / \(\d+ epochs/.test(l));
  const reusedIn = (stderr: string) =>
    stderr.split("\n").filter((l) => /reused from the column store/.test(l));

  it("compare reuses every column that run put in the store, and run what compare put there", () => {
    writeFileSync(join(dir, "both.pnn"), both);
    const store = ["--store", "sw-store", "--workers", "1"];
    const first = pnnc("run", "both.pnn", "--out", "sw-run", ...store);
    expect(first.status, first.stderr).toBe(0);
    expect(trainedIn(first.stderr).length).toBeGreaterThan(0);
    // A spec that declares `compare` gets compare's table from `run` too.
    expect(first.stdout).toContain("task `emotion`: 2 methods on the same runs");
    expect(first.stdout).toMatch(/emotion vs dnn: Δ [+-]\d\.\d{3}/);
    const compared = pnnc("compare", "both.pnn", "--out", "sw-compare", ...store);
    expect(compared.status, compared.stderr).toBe(0);
    expect(trainedIn(compared.stderr)).toEqual([]);
    expect(reusedIn(compared.stderr).length).toBe(trainedIn(first.stderr).length);
    // The same results either way: the comparison read the columns run trained.
    const runDoc = JSON.parse(readFileSync(join(dir, "sw-run", "results.json"), "utf8")) as {
      runs: unknown[];
    };
    const cmpDoc = JSON.parse(
      readFileSync(join(dir, "sw-compare", "results", "grow.json"), "utf8"),
    ) as { runs: unknown[] };
    expect(cmpDoc.runs).toEqual(runDoc.runs);
    // --no-store trains everything again.
    const fresh = pnnc("compare", "both.pnn", "--out", "sw-fresh", "--no-store", "--workers", "1");
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(reusedIn(fresh.stderr)).toEqual([]);
  });
});

describe("pnnc diff", () => {
  it("reports changes as columns, layers and laterals, with verdicts", () => {
    writeFileSync(join(dir, "d-two.pnn"), two);
    writeFileSync(join(dir, "d-wider.pnn"), wider);
    const r = pnnc("diff", "d-two.pnn", "d-wider.pnn", "--json");
    expect(r.status, r.stderr).toBe(0);
    const diff = JSON.parse(r.stdout) as {
      changes: { kind: string; message: string }[];
      columns: { column: string; status: string; reason: string }[];
    };
    const messages = diff.changes.map((c) => c.message);
    expect(messages).toContain("column `dnn` added");
    expect(messages).toContain("column gender.h1: width 12 → 16");
    expect(messages).toContain("stage two: train [emotion] → [emotion, dnn]");
    expect(diff.columns).toEqual([
      {
        column: "gender",
        status: "retrain",
        reason: "its own definition, task, data or stage settings changed",
      },
      { column: "emotion", status: "retrain", reason: "it reads `gender`, which must retrain" },
      { column: "dnn", status: "new", reason: "new column: trained on the next run" },
    ]);
  });

  it("sees renames, lateral and freeze changes, and nothing in formatting", () => {
    writeFileSync(join(dir, "d-fmt.pnn"), `// only a comment\n${two}`);
    const same = pnnc("diff", "d-two.pnn", "d-fmt.pnn");
    expect(same.stdout).toContain("no semantic changes");
    const renamed = two
      .replace("column gender {", "column sex {")
      .replace("from gender into", "from sex into")
      .replace("train gender", "train sex")
      .replace("freeze gender", "freeze sex");
    writeFileSync(
      join(dir, "d-renamed.pnn"),
      renamed.replace("lateral from sex into all", "lateral from sex into [h2]"),
    );
    const r = pnnc("diff", "d-two.pnn", "d-renamed.pnn");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("column `gender` renamed to `sex`");
    expect(r.stdout).toContain("lateral added: from [sex] into [h2]");
    expect(r.stdout).toContain("stage two: now freezes `sex`");
  });

  it("says settings in the spec's words, and a lateral that changes kind is one change", () => {
    const tuned = two
      .replace("learning_rate 0.02", "optimizer sgd\n  learning_rate 0.005")
      .replace("folds 3 stratified", "folds 4 grouped")
      .replace("lateral from gender into all", "lateral from gender into all adapter width 4");
    writeFileSync(join(dir, "d-tuned.pnn"), tuned);
    const r = pnnc("diff", "d-two.pnn", "d-tuned.pnn");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("stage one: optimizer adam → sgd, learning_rate 0.02 → 0.005");
    expect(r.stdout).toContain("evaluation: folds 3 stratified → 4 grouped");
    expect(r.stdout).toMatch(/lateral from \[gender\] into \[h2, head\]: linear → adapter width 4/);
    expect(r.stdout).not.toContain("lateral added");
    expect(r.stdout).not.toContain("{");
    // --json keeps the IR values.
    const json = JSON.parse(pnnc("diff", "d-two.pnn", "d-tuned.pnn", "--json").stdout) as {
      changes: { subject: string; before?: unknown; after?: unknown }[];
    };
    const optimizer = json.changes.find((c) => c.subject === "stage one optimizer");
    expect(optimizer?.after).toEqual({ name: "sgd", learningRate: 0.005, momentum: 0 });
  });

  it("reads git revisions and fails clearly on a bad one", () => {
    const head = pnnc(
      "diff",
      "HEAD:specs/quick-prognet.pnn",
      join(repoRoot, "specs/quick-prognet.pnn"),
    );
    expect(head.stderr).not.toMatch(/\n\s+at /);
    const bad = spawnSync(
      process.execPath,
      [
        join(repoRoot, "dist/cli/main.js"),
        "diff",
        "nope-rev:specs/x.pnn",
        "specs/quick-prognet.pnn",
      ],
      { cwd: repoRoot, encoding: "utf8" },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("cannot read `nope-rev:specs/x.pnn` from git");
  });
});
