/**
 * The generated programs' loader (src/runtime/table.ts) against pnnc's streaming loader (src/data/):
 * on every accepted format and data option, both give the same features (bit for bit), groups,
 * classes and labels, and the same folds. Also: the standalone loader's own errors.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { loadSpecData } from "../src/data/load.js";
import { writeSynthetic } from "../src/data/synth.js";
import { splitDataset } from "../src/runtime/folds.js";
import type { RowAccounting } from "../src/runtime/plan.js";
import { DataError, loadRows } from "../src/runtime/table.js";
import { repoRoot } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "pnnc-runtime-table-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A spec over `file` with the given dataset and task lines, one column, three folds. */
function spec(file: string, dataset: string[], tasks: string[][]): string {
  return [
    "pnn 1 table_test",
    `dataset d {\n  file ${JSON.stringify(file)}\n${dataset.map((l) => `  ${l}`).join("\n")}\n}`,
    ...tasks.map((t, i) => `task t${i} {\n  data d\n${t.map((l) => `  ${l}`).join("\n")}\n}`),
    "column c {\n  task t0\n  layers { dense 4 relu }\n}",
    "training {\n  stage s { train c }\n}",
    "evaluation {\n  folds 3 stratified\n  repeats 2\n  validation 0\n}",
  ].join("\n\n");
}

/**
 * Loads `text` (a spec in `dir`) both ways and expects the same rows, labels, folds and accounting
 * of removed rows; returns that accounting.
 */
async function expectSameLoad(dir: string, text: string): Promise<RowAccounting | undefined> {
  const path = join(dir, "spec.pnn");
  const front = compileSpec(path, text);
  if (!front.ir || !front.spans) throw new Error(JSON.stringify(front.diagnostics));
  const ir = front.ir;
  const loaded = await loadSpecData({ file: front.file, ir, spans: front.spans }, dir);
  // Warnings about the data (PNN4023, PNN4024) do not change what is loaded.
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const dataset = ir.datasets[0];
  const reference = dataset && loaded.value?.datasets.get(dataset.id);
  if (!dataset || !reference) throw new Error("pnnc did not load the dataset");
  const rows = loadRows(dataset, ir.tasks, dir);
  expect(rows.featureNames).toEqual(reference.featureNames);
  expect(rows.dims).toBe(reference.dims);
  expect(Buffer.from(rows.x.buffer).equals(Buffer.from(reference.x.buffer))).toBe(true);
  expect(rows.groups).toEqual(reference.groups);
  expect(rows.accounting).toEqual(reference.accounting);
  for (const task of ir.tasks) {
    expect(rows.tasks.get(task.id)?.classes).toEqual(reference.tasks.get(task.id)?.classes);
    expect(rows.tasks.get(task.id)?.y).toEqual(reference.tasks.get(task.id)?.y);
  }
  const settings = {
    scheme: ir.evaluation.folds,
    repeats: ir.evaluation.repeats,
    seed: ir.evaluation.seed,
    validationFolds: 0,
  };
  const split = splitDataset(
    [...rows.tasks.values()].map((t) => t.y),
    rows.groups,
    settings,
    "d",
  );
  expect("code" in split ? split : split.folds[1]?.fold).toEqual(
    loaded.value?.splits.get(dataset.id)?.folds[1]?.fold,
  );
  return rows.accounting;
}

let cases = 0;
/** A fresh folder holding one data file. */
function write(name: string, content: string): string {
  const dir = join(tmp, String(++cases));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), content);
  return dir;
}

/** 4 groups × 6 rows of two features and a label, with `?` in row 3 when asked. */
function table(sep: string, opts: { missing?: boolean; quoted?: boolean } = {}): string {
  const lines = [["id", "f1", "f 2", "g", "y"].join(sep)];
  for (let r = 0; r < 24; r++) {
    const f1 = opts.missing && r === 3 ? "" : (Math.sin(r) * 10).toFixed(4);
    const id = opts.quoted ? `"clip ${r}${sep} take ""${r % 2}"""` : `clip${r}`;
    lines.push([id, f1, `${r * 0.5}e-1`, `s${r % 4}`, ["a", "b", "c"][r % 3]].join(sep));
  }
  return lines.join("\r\n") + "\r\n";
}

describe("the runtime loader matches pnnc's loader", () => {
  it("CSV with a BOM, CRLF, a text column skipped and a group", async () => {
    const dir = write("t.csv", "\ufeff" + table(","));
    await expectSameLoad(
      dir,
      spec("t.csv", ["group g", "features numeric except [g, y]"], [["label y"]]),
    );
  });

  it("quoted fields holding separators and doubled quotes", async () => {
    const dir = write("t.csv", table(",", { quoted: true }));
    await expectSameLoad(
      dir,
      spec("t.csv", ["group g", "features numeric except [g, y]"], [["label y"]]),
    );
  });

  it("openSMILE `;` tables, feature ranges and lists", async () => {
    const dir = write("t.csv", table(";"));
    const text = spec(
      "t.csv",
      ["format opensmile", "group g", 'features [f1 .. "f 2"]'],
      [["label y"]],
    );
    await expectSameLoad(dir, text);
  });

  it("missing values imputed (`mean`) or dropped (`drop`)", async () => {
    for (const policy of ["mean", "drop"]) {
      const dir = write("t.csv", table(",", { missing: true }));
      const text = spec(
        "t.csv",
        ["group g", `missing ${policy}`, "features numeric except [g, y]"],
        [["label y"]],
      );
      const accounting = await expectSameLoad(dir, text);
      expect(accounting?.missingDropped).toBe(policy === "drop" ? 1 : 0);
      expect(accounting?.missingImputed).toBe(policy === "mean" ? 1 : 0);
    }
  });

  it("class maps (merge, drop, fixed order) and excluded rows, over two tasks", async () => {
    const dir = write("t.csv", table(","));
    const text = spec(
      "t.csv",
      ["group g", "features numeric except [g, y]", "exclude where g in [s3]"],
      [
        ["label y", "merge c -> b", "classes [b, a]"],
        ["label g", "drop [s0]"],
      ],
    );
    // The 6 rows of group s3 are excluded; the class maps' dropped labels remove no row.
    expect(await expectSameLoad(dir, text)).toMatchObject({ excluded: 6, duplicatesDropped: 0 });
  });

  it("ARFF with quoted names, comments and `?`", async () => {
    const rows = Array.from({ length: 24 }, (_, r) =>
      [r === 5 ? "?" : String(r % 7), String(r * 2), `'s${r % 4}'`, ["x", "y", "z"][r % 3]].join(
        ",",
      ),
    );
    const arff = [
      "% a comment",
      "@relation test",
      "@attribute 'f one' numeric",
      "@attribute f2 numeric",
      "@attribute g string",
      "@attribute y {x,y,z}",
      "@data",
      ...rows,
    ].join("\n");
    const dir = write("t.arff", arff);
    const text = spec(
      "t.arff",
      ["group g", "missing mean", "features numeric except [g, y]"],
      [["label y"]],
    );
    await expectSameLoad(dir, text);
  });

  it("ARFF with CR-only line endings, and a BOM before a quoted header", async () => {
    const rows = Array.from({ length: 24 }, (_, r) => `${r % 5},${r * 3},s${r % 4},${"xy"[r % 2]}`);
    const arff = [
      "@relation t",
      "@attribute f1 numeric",
      "@attribute f2 numeric",
      "@attribute g string",
      "@attribute y {x,y}",
      "@data",
      ...rows,
    ].join("\r");
    const features = ["group g", "features numeric except [g, y]"];
    await expectSameLoad(write("t.arff", arff), spec("t.arff", features, [["label y"]]));
    const quoted = "\ufeff" + table(",").replace("id,f1", '"id","f1"');
    await expectSameLoad(
      write("t.csv", quoted),
      spec("t.csv", ["group g", "features [f1]"], [["label y"]]),
    );
  });

  it("a synthetic eGeMAPS table and the embedded RAVDESS table", async () => {
    const dir = join(tmp, "synth");
    mkdirSync(dir, { recursive: true });
    writeSynthetic({ speakers: 6, utterances: 12, seed: 1, out: join(dir, "s.csv") });
    const features = ["group speaker", "features numeric except [speaker, gender, emotion]"];
    await expectSameLoad(dir, spec("s.csv", features, [["label emotion"], ["label gender"]]));
    const ravdess = join(repoRoot, "specs/data/ravdess_egemaps.csv");
    await expectSameLoad(dir, spec(ravdess, features, [["label emotion", "drop [calm]"]]));
  });

  it("columns typed by all their rows: missing first values, text-only columns, float32's edge", async () => {
    const lines = ["f1,note,f2,g,y"];
    for (let r = 0; r < 24; r++) {
      const f1 = r < 2 ? "" : String(r * 0.5);
      const f2 = r === 4 ? "3.4028234663852886e38" : r === 5 ? "-3.4e38" : `${r}e-40`;
      lines.push([f1, r === 0 ? "" : `take ${r}`, f2, `s${r % 4}`, "ab"[r % 2]].join(","));
    }
    const dir = write("t.csv", lines.join("\n") + "\n");
    const features = ["group g", "missing mean", "features numeric except [g, y]"];
    const accounting = await expectSameLoad(dir, spec("t.csv", features, [["label y"]]));
    // Rows 1 and 2 lack f1 and are imputed; the text column is not a feature.
    expect(accounting).toMatchObject({ file: "t.csv", missingImputed: 2, missingDropped: 0 });
    expect(accounting?.featureNames).toEqual(["f1", "f2"]);
  });

  it("`duplicates drop` keeps the first of each group of identical feature rows", async () => {
    const lines = ["f1,f2,g,y"];
    // (r mod 4, r mod 3) repeats every 12 rows: the second half repeats the first.
    for (let r = 0; r < 24; r++) lines.push([r % 4, r % 3, `s${r % 4}`, "ab"[r % 2]].join(","));
    const dir = write("t.csv", lines.join("\n") + "\n");
    const features = ["group g", "duplicates drop", "features numeric except [g, y]"];
    const accounting = await expectSameLoad(dir, spec("t.csv", features, [["label y"]]));
    expect(accounting).toMatchObject({ duplicatesDropped: 12, excluded: 0, missingDropped: 0 });
    const text = spec("t.csv", features, [["label y"]]);
    const ir = compileSpec(join(dir, "spec.pnn"), text).ir;
    if (!ir?.datasets[0]) throw new Error("no IR");
    expect(loadRows(ir.datasets[0], ir.tasks, dir).x.length).toBe(12 * 2);
  });

  const cremad = join(repoRoot, "test/fixtures/data/cremad.pnn");
  it("a CREMA-D-shaped table (Windows paths, missing F0, prediction columns)", async () => {
    await expectSameLoad(dirname(cremad), readFileSync(cremad, "utf8"));
  });
});

describe("the runtime loader's errors", () => {
  it("names the file and row of a bad value, a missing file and an unknown column", () => {
    const dir = write("t.csv", "f1,y\n1,a\nabc,b\n");
    const dataset = {
      id: "d",
      file: "t.csv",
      format: "csv" as const,
      features: { kind: "columns" as const, items: [{ column: "f1" }] },
      group: null,
      missing: "error" as const,
      duplicates: "warn" as const,
      exclude: [],
    };
    const task = { id: "t", label: "y", classes: null, merge: [], drop: [] };
    expect(() => loadRows(dataset, [task], dir)).toThrow(
      /`t.csv` data row 2, column `f1`: `abc` is not a number/,
    );
    expect(() => loadRows({ ...dataset, file: "nope.csv" }, [task], dir)).toThrow(DataError);
    const arff = write(
      "t.arff",
      "@relation t\n@attribute f1 numeric\n@atribute y {a,b}\n@data\n1,a\n",
    );
    expect(() => loadRows({ ...dataset, file: "t.arff", format: "arff" }, [task], arff)).toThrow(
      /not an ARFF header line: `@atribute y/,
    );
    const single = write("t.csv", "f1,y\n1,a\n2,a\n");
    expect(() => loadRows(dataset, [task], single)).toThrow(/fewer than two classes/);
    const two = write("t.csv", "f1,y\n1,a\n2,b\n");
    expect(() => loadRows(dataset, [{ ...task, classes: ["a", "b", "c"] }], two)).toThrow(
      /task `t` has no `c` rows/,
    );
    expect(() => loadRows(dataset, [{ ...task, label: "label" }], dir)).toThrow(
      /`label` is not a column/,
    );
    const huge = write("t.csv", "f1,y\n1,a\n-1e39,b\n");
    expect(() => loadRows(dataset, [task], huge)).toThrow(
      /`t.csv` data row 2, column `f1`: `-1e39` does not fit a 32-bit float/,
    );
  });
});
