/**
 * Numbers that do not fit the engine: feature values beyond float32 (PNN4021) and text in a numeric
 * column, in either loader; and a training whose loss becomes NaN, which stops `pnnc run` with
 * PNN4022 and exit 1 instead of a normal-looking table.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { emitProgram, packageFiles, runtimeFiles } from "../src/codegen/emit.js";
import { compileSpec } from "../src/compile.js";
import { loadDataset } from "../src/data/load-dataset.js";
import type { DataProblem } from "../src/data/problem.js";
import { writeSynthetic } from "../src/data/synth.js";
import type { DatasetIr, TaskIr } from "../src/ir/types.js";
import { parseField } from "../src/runtime/parse-number.js";
import { loadRows } from "../src/runtime/table.js";
import { repoRoot, synthSpecHeader } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "pnnc-numbers-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let cases = 0;
function write(content: string): string {
  const dir = join(tmp, String(++cases));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "t.csv"), content);
  return dir;
}

/** `rows` data rows of f1, f2 (f2 is `bad` in data row `at`) and a label; data row r is line r + 1. */
function table(rows: number, at: number, bad: string, column = "f2"): string {
  const lines = ["id,f1,f2,y"];
  for (let r = 1; r <= rows; r++) {
    const f1 = column === "f1" && r === at ? bad : String(r * 0.25);
    const f2 = column === "f2" && r === at ? bad : String(r % 5);
    lines.push([`clip${r}`, f1, f2, "ab"[r % 2]].join(","));
  }
  return lines.join("\n") + "\n";
}

const task: TaskIr = { id: "t", dataset: "d", label: "y", classes: null, merge: [], drop: [] };

function dataset(features: "numeric" | string[]): DatasetIr {
  return {
    id: "d",
    file: "t.csv",
    format: "csv",
    features:
      features === "numeric"
        ? { kind: "numeric", except: ["y"] }
        : { kind: "columns", items: features.map((column) => ({ column })) },
    group: null,
    missing: "error",
    duplicates: "warn",
    exclude: [],
    normalize: "global",
  };
}

const paths = { dataset: "/datasets/0", tasks: new Map([["t", "/tasks/0"]]) };

async function both(dir: string, features: "numeric" | string[]) {
  const ds = dataset(features);
  const pnnc = await loadDataset(ds, [task], dir, paths);
  let runtime: string | string[];
  try {
    runtime = loadRows(ds, [task], dir).featureNames;
  } catch (e) {
    runtime = (e as Error).message;
  }
  return { pnnc, runtime };
}

function problem(x: unknown): DataProblem {
  expect(x).toHaveProperty("code");
  return x as DataProblem;
}

describe("values beyond float32", () => {
  it("parseField tells them from finite float32 values", () => {
    for (const v of ["1e300", "3.5e38", "-1e39", "1e400", "-3.41e38"])
      expect(parseField(v, new Set())).toEqual({ ok: false, why: "out-of-range" });
    for (const v of ["3.4e38", "-3.4028234663852886e38", "1e-50", "0"])
      expect(parseField(v, new Set()).ok).toBe(true);
  });

  for (const [value, features] of [
    ["1e300", "numeric"],
    ["3.5e38", ["f1", "f2"]],
    ["-1e39", "numeric"],
  ] as const) {
    it(`${value} is a located error in both loaders (features ${String(features)})`, async () => {
      const dir = write(table(12, 7, value));
      const { pnnc, runtime } = await both(dir, features as "numeric" | string[]);
      const p = problem(pnnc);
      expect(p.code).toBe("PNN4021");
      expect(p.message).toContain(`\`t.csv\` line 8, column \`f2\`: \`${value}\``);
      expect(runtime).toMatch(
        new RegExp(`\`t.csv\` data row 7, column \`f2\`: \`${value}\` does not fit a 32-bit float`),
      );
    });
  }
});

describe("`pnnc data inspect`", () => {
  it("reports a value beyond float32 with its code, file, line and column", () => {
    const dir = write(table(12, 3, "1e300", "f1"));
    const spec = `pnn 2 inspect
dataset d {
  file "t.csv"
  features numeric except [id, y]
}
task t {
  data d
  label y
}
column c {
  task t
  layers {
    dense 4 relu
  }
}
training {
  stage s {
    train c
  }
}
evaluation {
  folds 2 stratified
  repeats 1
  validation 0
}
`;
    writeFileSync(join(dir, "s.pnn"), spec);
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "dist/cli/main.js"), "data", "inspect", "s.pnn"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("PNN4021");
    expect(r.stderr).toContain("`t.csv` line 4, column `f1`: `1e300` does not fit a 32-bit float");
  }, 60_000);
});

describe("feature columns are typed by all their rows", () => {
  it("text in the first data row of a numeric column is an error, not a dropped column", async () => {
    const dir = write(table(60, 1, "oops"));
    const { pnnc, runtime } = await both(dir, "numeric");
    const p = problem(pnnc);
    expect(p.code).toBe("PNN4005");
    expect(p.message).toBe("`t.csv` line 2, column `f2`: `oops` is not a number");
    expect(p.hint).toContain("line 3 of `f2` holds a number");
    expect(runtime).toMatch(/`t.csv` data row 1, column `f2`: `oops` is not a number/);
  });

  it("text in row 50 of a numeric column is an error naming that row", async () => {
    const dir = write(table(60, 50, "n/a?", "f1"));
    const { pnnc, runtime } = await both(dir, "numeric");
    const p = problem(pnnc);
    expect(p.code).toBe("PNN4005");
    expect(p.message).toBe("`t.csv` line 51, column `f1`: `n/a?` is not a number");
    expect(runtime).toMatch(/`t.csv` data row 50, column `f1`: `n\/a\?` is not a number/);
  });

  it("a column of text only (here `id`) is not a feature, and missing values do not type it", async () => {
    const dir = write(table(12, 1, "", "f2"));
    const ds = { ...dataset("numeric"), missing: "mean" } as DatasetIr;
    const pnnc = await loadDataset(ds, [task], dir, paths);
    expect("featureNames" in pnnc && pnnc.featureNames).toEqual(["f1", "f2"]);
    expect(loadRows(ds, [task], dir).featureNames).toEqual(["f1", "f2"]);
  });
});

describe("a training that diverges", () => {
  const dir = join(tmp, "diverge");
  const spec = `${synthSpecHeader("diverge")}
column gender {
  task gender
  layers {
    dense 16 relu
  }
}

training {
  optimizer sgd
  learning_rate 10
  momentum 0.99
  batch 8
  epochs 20
  seed 1
  stage one {
    train gender
  }
}

evaluation {
  folds 2 stratified
  repeats 1
  validation 0
}
`;

  it("stops `pnnc run` with PNN4022, exit 1 and no stack trace", () => {
    mkdirSync(dir, { recursive: true });
    writeSynthetic({ speakers: 4, utterances: 8, seed: 3, out: join(dir, "synth.csv") });
    writeFileSync(join(dir, "diverge.pnn"), spec);
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "dist/cli/main.js"), "run", "diverge.pnn", "--no-store", "--backend", "cpu"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("PNN4022");
    expect(r.stderr).toMatch(
      /repeat 1, fold 1, stage `one`: the training loss of column `gender` became (NaN|Infinity) in epoch \d/,
    );
    expect(r.stderr).toContain("learning_rate");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("stops a generated program the same way", async () => {
    // Under the repository, so the program's imports resolve to its node_modules.
    const root = join(repoRoot, "tmp", `numbers-${process.pid}`);
    try {
      mkdirSync(join(root, "programs"), { recursive: true });
      writeSynthetic({ speakers: 4, utterances: 8, seed: 3, out: join(root, "synth.csv") });
      const front = compileSpec(join(root, "diverge.pnn"), spec);
      if (!front.ir || !front.spans) throw new Error(JSON.stringify(front.diagnostics));
      const files = [
        ...runtimeFiles(),
        ...(await packageFiles("numbers")),
        ...(await emitProgram({
          ...front,
          ir: front.ir,
          spans: front.spans,
          dir: "diverge",
          specDir: "..",
        })),
      ];
      for (const f of files) {
        mkdirSync(dirname(join(root, "programs", f.path)), { recursive: true });
        writeFileSync(join(root, "programs", f.path), f.content);
      }
      const url = pathToFileURL(join(root, "programs", "diverge", "main.ts")).href;
      const program = (await import(url)) as { main(opts: object): Promise<unknown> };
      const run = program.main({ out: join(root, "out"), backend: "cpu" });
      await expect(run).rejects.toThrow(
        /repeat 1, fold 1, stage `one`: the training loss of column `gender` became (NaN|Infinity) in epoch \d/,
      );
      await expect(run).rejects.toHaveProperty("name", "TrainingDiverged");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
