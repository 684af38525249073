/**
 * The data phase against real files: every PNN4xxx problem from small tables written to a temp dir,
 * the accepted formats (BOM/CRLF CSV, openSMILE, ARFF), feature selection and class maps, and the
 * real tables (CREMA-D prosody, embedded RAVDESS, prepare-ravdess, synthetic data).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import type { Code } from "../src/diagnostics/catalog.js";
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import { loadSpecData, type SpecData } from "../src/data/load.js";
import type { LoadedDataset } from "../src/data/load-dataset.js";
import { prepareRavdess } from "../src/data/prepare-ravdess.js";
import { isProblem } from "../src/data/problem.js";
import { writeSynthetic } from "../src/data/synth.js";
import { repoRoot } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "pnnc-data-load-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileCount = 0;
/** Writes a data file into the temp dir under a fresh name and returns its absolute path. */
function dataFile(name: string, content: string | Uint8Array): string {
  const path = join(tmp, `${++fileCount}-${name}`);
  writeFileSync(path, content);
  return path;
}

/** Rows as CSV text, one line each, with a final newline. */
function csv(...rows: string[]): string {
  return rows.join("\n") + "\n";
}

interface SpecParts {
  file: string;
  /** Extra lines for the dataset block (format, features, missing, exclude, …). */
  dataset?: string[];
  features?: string;
  group?: string | null;
  label?: string;
  /** Extra lines for the task block (classes, merge, drop). */
  task?: string[];
  folds?: string;
  /** Extra lines for the stage (train_folds). */
  stage?: string[];
}

/** A tiny valid spec: one dataset, one task, one column, one stage. */
function spec(p: SpecParts): string {
  const group = p.group === undefined ? "g" : p.group;
  const label = p.label ?? "y";
  const features = p.features ?? `numeric except [${[group, label].filter(Boolean).join(", ")}]`;
  return [
    "pnn 1 data_test",
    "",
    "dataset d {",
    `  file ${JSON.stringify(p.file)}`,
    `  features ${features}`,
    ...(group ? [`  group ${group}`] : []),
    ...(p.dataset ?? []).map((l) => `  ${l}`),
    "}",
    "",
    "task t {",
    "  data d",
    `  label ${label}`,
    ...(p.task ?? []).map((l) => `  ${l}`),
    "}",
    "",
    "column c {",
    "  task t",
    "  layers {",
    "    dense 4 relu",
    "  }",
    "}",
    "",
    "training {",
    "  stage s {",
    "    train c",
    ...(p.stage ?? []).map((l) => `    ${l}`),
    "  }",
    "}",
    "",
    "evaluation {",
    `  folds ${p.folds ?? "2 stratified"}`,
    "  validation 0",
    "}",
    "",
  ].join("\n");
}

const SPEC_PATH = "data-test.pnn";

/** Compiles the spec (failing loudly on any front-end error) and loads its data. */
async function load(text: string, specDir = tmp, path = SPEC_PATH) {
  const front = compileSpec(path, text);
  const errors = front.diagnostics.filter((d) => d.severity === "error");
  if (!front.ir || !front.spans || errors.length > 0) {
    const shown = front.diagnostics.map(
      (d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`,
    );
    throw new Error(`the test spec does not compile:\n${shown.join("\n")}\n---\n${text}`);
  }
  return loadSpecData({ file: front.file, ir: front.ir, spans: front.spans }, specDir);
}

/** Loads a spec that must succeed, with exactly the warnings `warnings` (by code) and no other. */
async function loadOk(
  text: string,
  specDir = tmp,
  path = SPEC_PATH,
  warnings: Code[] = [],
): Promise<SpecData> {
  const result = await load(text, specDir, path);
  const found = result.diagnostics.map((d) => `${d.code}: ${d.message}`);
  expect(found.map((d) => d.slice(0, 7))).toEqual(warnings);
  if (!result.value) throw new Error("no data and no diagnostic");
  return result.value;
}

async function loadDataset(text: string, warnings: Code[] = []): Promise<LoadedDataset> {
  const data = await loadOk(text, tmp, SPEC_PATH, warnings);
  const d = data.datasets.get("d");
  if (!d) throw new Error("dataset `d` was not loaded");
  return d;
}

/** Loads a spec that must fail with exactly one error diagnostic of `code`, located in the spec. */
async function loadFails(text: string, code: Code): Promise<Diagnostic> {
  const result = await load(text);
  expect(result.value).toBeNull();
  expect(result.diagnostics.map((d) => d.code)).toEqual([code]);
  const d = result.diagnostics[0];
  if (!d) throw new Error("unreachable");
  expect(d.severity).toBe("error");
  expect(d.span.file).toBe(SPEC_PATH);
  expect(d.span.start).toBeGreaterThanOrEqual(0);
  expect(d.span.end).toBeGreaterThan(d.span.start);
  expect(d.span.end).toBeLessThanOrEqual(text.length);
  return d;
}

/** The text of the spec that a diagnostic points at. */
function spanned(text: string, d: Diagnostic): string {
  return text.slice(d.span.start, d.span.end);
}

/** A well-formed table: 2 groups × 4 rows, classes a/b, features f1, f2. */
const GOOD = csv(
  "id,g,f1,f2,y",
  "r1,s1,1.5,10,a",
  "r2,s1,2.5,20,b",
  "r3,s1,3.5,30,a",
  "r4,s1,4.5,40,b",
  "r5,s2,5.5,50,a",
  "r6,s2,6.5,60,b",
  "r7,s2,7.5,70,a",
  "r8,s2,8.5,80,b",
);

describe("the helper spec", () => {
  it("accepts every documented `missing` policy, `drop` included (a keyword elsewhere)", () => {
    for (const policy of ["error", "drop", "mean"]) {
      const result = compileSpec(
        SPEC_PATH,
        spec({ file: "x.csv", dataset: [`missing ${policy}`] }),
      );
      expect(result.diagnostics).toEqual([]);
      expect(result.ir?.datasets[0]?.missing).toBe(policy);
    }
  });

  it("compiles and loads a well-formed table", async () => {
    const d = await loadDataset(spec({ file: dataFile("good.csv", GOOD) }));
    expect(d.featureNames).toEqual(["f1", "f2"]);
    expect(d.rows).toBe(8);
    expect(d.dims).toBe(2);
    expect(Array.from(d.x.subarray(0, 4))).toEqual([1.5, 10, 2.5, 20]);
    expect(d.groups).toEqual(["s1", "s1", "s1", "s1", "s2", "s2", "s2", "s2"]);
    expect(d.lines).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(d.tasks.get("t")?.classes).toEqual(["a", "b"]);
    expect(Array.from(d.tasks.get("t")?.y ?? [])).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });
});

describe("bad data: each problem has its code, an error, and a message naming file, line, column", () => {
  it("PNN4001 missing file", async () => {
    const file = join(tmp, "does-not-exist.csv");
    const text = spec({ file });
    const d = await loadFails(text, "PNN4001");
    expect(d.message).toContain(file);
    expect(d.message).toContain("no such file");
    expect(spanned(text, d)).toContain(file);
  });

  it("PNN4001 a directory is not a file", async () => {
    const d = await loadFails(spec({ file: tmp }), "PNN4001");
    expect(d.message).toContain("not a file");
  });

  it("PNN4002 empty file", async () => {
    const file = dataFile("empty.csv", "");
    const d = await loadFails(spec({ file }), "PNN4002");
    expect(d.message).toContain(file);
  });

  it("PNN4003 header only", async () => {
    const file = dataFile("header.csv", "id,g,f1,f2,y\n");
    const d = await loadFails(spec({ file }), "PNN4003");
    expect(d.message).toContain(file);
  });

  it("PNN4004 ragged row", async () => {
    const file = dataFile(
      "ragged.csv",
      csv("id,g,f1,f2,y", "r1,s1,1,2,a", "r2,s1,1,2", "r3,s1,1,2,b"),
    );
    const d = await loadFails(spec({ file }), "PNN4004");
    expect(d.message).toContain(file);
    expect(d.message).toContain("line 3");
    expect(d.message).toContain("4 fields, but the header has 5");
  });

  it("PNN4005 a text value after numbers names line and column", async () => {
    const file = dataFile(
      "text.csv",
      csv("id,g,f1,f2,y", "r1,s1,1,2,a", "r2,s1,1,2,b", "r3,s1,1,oops,a"),
    );
    const d = await loadFails(spec({ file }), "PNN4005");
    expect(d.message).toContain(file);
    expect(d.message).toContain("line 4");
    expect(d.message).toContain("column `f2`");
    expect(d.message).toContain("`oops`");
  });

  it("PNN4005 an explicitly listed text column", async () => {
    const file = dataFile("listed-text.csv", GOOD);
    const d = await loadFails(spec({ file, features: "[f1, id]" }), "PNN4005");
    expect(d.message).toContain("line 2");
    expect(d.message).toContain("column `id`");
  });

  // A decimal too large for float32, even for a double (1e999), is out of range, not "non-finite".
  for (const [bad, code] of [
    ["NaN", "PNN4006"],
    ["Infinity", "PNN4006"],
    ["-inf", "PNN4006"],
    ["1e999", "PNN4021"],
    ["3.5e38", "PNN4021"],
  ] as const) {
    it(`${code} \`${bad}\` is not a finite float32`, async () => {
      const file = dataFile(
        "nonfinite.csv",
        csv("id,g,f1,f2,y", "r1,s1,1,2,a", `r2,s1,${bad},2,b`),
      );
      const d = await loadFails(spec({ file }), code);
      expect(d.message).toContain(file);
      expect(d.message).toContain("line 3");
      expect(d.message).toContain("column `f1`");
    });
  }

  it("PNN4007 duplicate column names", async () => {
    const file = dataFile("dup.csv", csv("id,g,f1,f1,y", "r1,s1,1,2,a"));
    const d = await loadFails(spec({ file }), "PNN4007");
    expect(d.message).toContain(file);
    expect(d.message).toContain("line 1");
    expect(d.message).toContain("`f1` appears twice (columns 3 and 4)");
  });

  it("PNN4008 an unknown label column, with did-you-mean", async () => {
    const file = dataFile("labels.csv", GOOD.replace(",y\n", ",emotion\n"));
    const text = spec({ file, label: "emotoin", features: "numeric except [g, emotion]" });
    const d = await loadFails(text, "PNN4008");
    expect(d.message).toContain(file);
    expect(d.message).toContain("`emotoin`");
    expect(d.suggestions).toEqual(["emotion"]);
    expect(d.hint).toContain("did you mean");
  });

  // Regression: an unknown column was blamed on the dataset's `file` string, not the misspelt name.
  it("PNN4008 for an unknown label points at the label name", async () => {
    const file = dataFile("labels.csv", GOOD.replace(",y\n", ",emotion\n"));
    const text = spec({ file, label: "emotoin", features: "numeric except [g, emotion]" });
    const d = await loadFails(text, "PNN4008");
    expect(spanned(text, d)).toBe("emotoin");
  });

  it("PNN4008 unknown group, excepted and listed columns", async () => {
    const file = dataFile("names.csv", GOOD);
    const group = await loadFails(spec({ file, group: "gg", features: "[f1, f2]" }), "PNN4008");
    expect(group.suggestions).toContain("g");
    const except = await loadFails(
      spec({ file, features: "numeric except [g, y, idd]" }),
      "PNN4008",
    );
    expect(except.suggestions).toContain("id");
    const listed = await loadFails(spec({ file, features: "[f1, f3]" }), "PNN4008");
    expect(listed.message).toContain("`f3`");
    const backwards = await loadFails(spec({ file, features: "[f2 .. f1]" }), "PNN4008");
    expect(backwards.message).toContain("backwards");
  });

  it("PNN4009 a label with one class only", async () => {
    const file = dataFile("one-class.csv", GOOD.replace(/,b\n/g, ",a\n"));
    const text = spec({ file });
    const d = await loadFails(text, "PNN4009");
    expect(d.message).toContain(file);
    expect(d.message).toContain("only the class `a`");
    expect(spanned(text, d)).toBe("y"); // blamed on the task's label
  });

  it("PNN4010 a group with fewer rows than folds", async () => {
    const file = dataFile("small-group.csv", GOOD + "r9,s3,9,90,a\n");
    const text = spec({ file });
    const d = await loadFails(text, "PNN4010");
    // Unlike the other codes, PNN4010 and PNN4011 do not name the data file in the message.
    expect(d.message).toContain("group `s3` of");
    expect(d.message).toContain("has 1 row, fewer than the 2 folds");
    expect(spanned(text, d)).toBe("g");
  });

  it("PNN4011 a class with one row vanishes from the training folds of some run", async () => {
    // With stratified folds the only `c` row lies in one fold; the run testing that fold trains
    // on the other fold alone, whatever the seed.
    const file = dataFile("rare.csv", GOOD + "r9,s1,9,90,c\n");
    const text = spec({ file });
    const d = await loadFails(text, "PNN4011");
    expect(d.message).toContain("class `c` of task `t` (`");
    expect(d.message).toContain("has no training row");
    expect(spanned(text, d)).toBe("folds 2 stratified");
  });

  it("PNN4011 with train_folds: a class missing from the one training fold used", async () => {
    // One group of 8 rows dealt round-robin over 4 folds: the two `c` rows land in two folds, so
    // every run's three training folds hold a `c`, but `train_folds 1` (the first training fold
    // only) leaves some run without one, whatever the seed.
    const labels = ["a", "a", "a", "b", "b", "b", "c", "c"];
    const rows = labels.map((y, i) => `r${i},s1,${i},${i * 2},${y}`);
    const file = dataFile("train-folds.csv", csv("id,g,f1,f2,y", ...rows));
    await loadOk(spec({ file, folds: "4 stratified" }));
    const d = await loadFails(
      spec({ file, folds: "4 stratified", stage: ["train_folds 1"] }),
      "PNN4011",
    );
    expect(d.message).toMatch(
      /^class `[abc]` of task `t` \(`[^`]+`\) has no training row in repeat 1, run \d \(training folds \d\)$/,
    );
  });

  it("PNN4012 a `;`-separated file declared as csv", async () => {
    const file = dataFile("semicolon.csv", GOOD.replace(/,/g, ";"));
    const d = await loadFails(spec({ file }), "PNN4012");
    expect(d.message).toContain(file);
    expect(d.message).toContain("`;`-separated");
    expect(d.hint).toContain("format opensmile");
  });

  it("PNN4012 a `,`-separated file declared as opensmile", async () => {
    const file = dataFile("comma.csv", GOOD);
    const d = await loadFails(spec({ file, dataset: ["format opensmile"] }), "PNN4012");
    expect(d.message).toContain("`,`-separated");
  });

  // Regression: the hint for a `,` file declared opensmile said to use `,` separators.
  it("PNN4012 hint for a `,` file declared opensmile suggests `format csv`", async () => {
    const file = dataFile("comma.csv", GOOD);
    const d = await loadFails(spec({ file, dataset: ["format opensmile"] }), "PNN4012");
    expect(d.hint).toContain("format csv");
  });

  it("PNN4013 a missing value under the default policy", async () => {
    const file = dataFile("missing.csv", csv("id,g,f1,f2,y", "r1,s1,1,2,a", "r2,s1,,2,b"));
    const d = await loadFails(spec({ file }), "PNN4013");
    expect(d.message).toContain(file);
    expect(d.message).toContain("line 3");
    expect(d.message).toContain("column `f1`");
    expect(d.hint).toContain("missing drop");
  });

  it("PNN4014 an unexpected label value", async () => {
    const file = dataFile("unexpected.csv", GOOD.replace("r7,s2,7.5,70,a", "r7,s2,7.5,70,bb"));
    const text = spec({ file, task: ["classes [a, b]"] });
    const d = await loadFails(text, "PNN4014");
    expect(d.message).toContain(file);
    expect(d.message).toContain("line 8");
    expect(d.message).toContain("column `y`");
    expect(d.message).toContain("`bb` is not a class of task `t`");
    expect(d.suggestions).toEqual(["b"]);
    expect(spanned(text, d)).toBe("y");
  });

  it("PNN4015 malformed ARFF", async () => {
    const garbage = dataFile(
      "bad.arff",
      "@relation r\n@attribute f1 numeric\nthis is no header\n@data\n1\n",
    );
    const d = await loadFails(spec({ file: garbage }), "PNN4015");
    expect(d.message).toContain(garbage);
    expect(d.message).toContain("line 3");
    const noData = dataFile(
      "nodata.arff",
      "@relation r\n@attribute g string\n@attribute f1 numeric\n@attribute y {a,b}\n",
    );
    const e = await loadFails(spec({ file: noData }), "PNN4015");
    expect(e.message).toContain("no `@data`");
  });

  it("PNN4016 too few groups for group-independent folds", async () => {
    const file = dataFile("groups.csv", GOOD);
    const text = spec({ file, folds: "3 grouped" });
    const d = await loadFails(text, "PNN4016");
    expect(d.message).toContain(file);
    expect(spanned(text, d)).toBe("g");
    expect(d.message).toContain("2 groups, fewer than the 3");
  });
});

/** The integers from..to, inclusive. */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** A table of `groups` × labels: one row per label per group, features derived from the row index. */
function table(groups: string[], labels: string[], extra?: (r: number) => string[]): string {
  const rows: string[] = [];
  let r = 0;
  for (const g of groups) {
    for (const y of labels) {
      r++;
      rows.push([`r${r}`, g, r, r * 10 + 0.25, y, ...(extra?.(r) ?? [])].join(","));
    }
  }
  return rows.join("\n") + "\n";
}

describe("accepted formats", () => {
  it("a CSV with a UTF-8 BOM and CRLF line endings loads the same as the plain one", async () => {
    const plain = await loadDataset(spec({ file: dataFile("plain.csv", GOOD) }));
    const bytes = Buffer.from("\ufeff" + GOOD.replace(/\n/g, "\r\n"), "utf8");
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const bom = await loadDataset(spec({ file: dataFile("bom-crlf.csv", bytes) }));
    expect(bom.featureNames).toEqual(plain.featureNames);
    expect(bom.x).toEqual(plain.x);
    expect(bom.groups).toEqual(plain.groups);
    expect(bom.lines).toEqual(plain.lines);
    expect(bom.tasks.get("t")).toEqual(plain.tasks.get("t"));
  });

  it("line numbers in messages count blank lines and CRLF endings", async () => {
    const text = "id,g,f1,f2,y\r\nr1,s1,1,2,a\r\n\r\nr2,s1,1,2,b\r\nr3,s1,x,2,a\r\n";
    const d = await loadFails(spec({ file: dataFile("blank.csv", text) }), "PNN4005");
    expect(d.message).toContain("line 5");
  });

  it("an openSMILE CSV loads the same feature matrix as the equivalent CSV", async () => {
    const plain = await loadDataset(spec({ file: dataFile("plain.csv", GOOD) }));
    const lines = GOOD.trimEnd().split("\n");
    const smile = [
      "name;frameTime;f1;f2;g;y",
      ...lines.slice(1).map((l, i) => {
        const [id, g, f1, f2, y] = l.split(",");
        // openSMILE quotes the instance name; one name holds the separator inside double quotes.
        const name = i === 1 ? `"${id};x"` : `'${id}'`;
        return [name, (i * 0.01).toFixed(6), f1, f2, g, y].join(";");
      }),
    ];
    const file = dataFile("smile.csv", csv(...smile));
    const d = await loadDataset(spec({ file, dataset: ["format opensmile"] }));
    expect(d.featureNames).toEqual(["f1", "f2"]);
    expect(d.x).toEqual(plain.x);
    expect(d.groups).toEqual(plain.groups);
    expect(d.tasks.get("t")).toEqual(plain.tasks.get("t"));
    // Even a listed-by-range selection never makes `name` or `frameTime` features unless listed.
    const ranged = await loadDataset(
      spec({ file, dataset: ["format opensmile"], features: "[f1 .. f2]" }),
    );
    expect(ranged.x).toEqual(plain.x);
  });

  it("an ARFF file with a nominal label and `?` loads the same as the equivalent CSV", async () => {
    const withGap = GOOD.replace("r3,s1,3.5,30,a", "r3,s1,,30,a");
    const plain = await loadDataset(
      spec({ file: dataFile("gap.csv", withGap), dataset: ["missing mean"] }),
      ["PNN4023"], // one row in eight imputed: more than a small share
    );
    const arff = [
      "% an ARFF export",
      "@RELATION emotions",
      "",
      "@attribute id string",
      "@attribute g {s1,s2}",
      "@attribute f1 numeric",
      "@attribute 'f2' NUMERIC",
      "@attribute y {a,b}",
      "",
      "@data",
      ...withGap
        .trimEnd()
        .split("\n")
        .slice(1)
        .map((l, i) => {
          const cells = l.split(",").map((c) => (c === "" ? "?" : c));
          if (i === 0) cells[0] = `'${cells[0]}'`;
          return cells.join(",");
        }),
    ].join("\n");
    const file = dataFile("data.arff", arff + "\n");
    const d = await loadDataset(spec({ file, dataset: ["missing mean"] }), ["PNN4023"]);
    expect(d.featureNames).toEqual(plain.featureNames);
    expect(d.featureNames).toEqual(["f1", "f2"]);
    expect(d.x).toEqual(plain.x);
    expect(Number.isNaN(d.x[2 * 2])).toBe(true);
    expect(d.missing).toEqual({ policy: "mean", rows: 1, columns: { f1: 1 } });
    expect(d.groups).toEqual(plain.groups);
    expect(d.tasks.get("t")).toEqual(plain.tasks.get("t"));
    expect(d.lines[0]).toBe(11);
  });
});

describe("feature selection", () => {
  const header = "id,g,a,txt,b,c,skip,d,y";
  const rows = [header];
  for (let r = 1; r <= 8; r++) {
    rows.push(
      `r${r},s${r <= 4 ? 1 : 2},${r},w${r},${r + 0.5},${r * 2},${-r},${r * 3},${"ab"[r % 2]}`,
    );
  }
  const text = csv(...rows);

  it("`features numeric except` skips text columns and the excepted ones", async () => {
    const file = dataFile("select.csv", text);
    const d = await loadDataset(spec({ file, features: "numeric except [g, y, skip]" }));
    expect(d.featureNames).toEqual(["a", "b", "c", "d"]);
    expect(Array.from(d.x.subarray(0, 4))).toEqual([1, 1.5, 2, 3]);
  });

  it("an explicit list with a range selects exactly those columns, in the listed order", async () => {
    const file = dataFile("select.csv", text);
    const range = await loadDataset(spec({ file, features: "[b .. skip]" }));
    expect(range.featureNames).toEqual(["b", "c", "skip"]);
    expect(Array.from(range.x.subarray(0, 3))).toEqual([1.5, 2, -1]);
    const mixed = await loadDataset(spec({ file, features: "[d, a .. a, c]" }));
    expect(mixed.featureNames).toEqual(["d", "a", "c"]);
    expect(Array.from(mixed.x.subarray(0, 6))).toEqual([3, 1, 2, 6, 2, 4]);
  });

  it("a range over a text column is an error, not a silent drop", async () => {
    const file = dataFile("select.csv", text);
    const d = await loadFails(spec({ file, features: "[a .. b]" }), "PNN4005");
    expect(d.message).toContain("column `txt`");
  });

  it("`missing drop` drops the row, `missing mean` keeps it as NaN; both count it", async () => {
    // Two groups of a,b,a,b,a,b; empty, `?`, `NA` and `N/A` all mark a missing value.
    const gaps = ("id,g,f1,f2,y\n" + table(["s1", "s2"], ["a", "b", "a", "b", "a", "b"]))
      .replace("r2,s1,2,20.25,b", "r2,s1,,20.25,b")
      .replace("r7,s2,7,70.25,a", "r7,s2,?,NA,a")
      .replace("r10,s2,10,100.25,b", "r10,s2,10,N/A,b");
    const file = dataFile("gaps.csv", gaps);
    // A quarter of the rows: each policy warns (PNN4023), naming the columns.
    const dropped = await loadDataset(spec({ file, dataset: ["missing drop"] }), ["PNN4023"]);
    const kept = [1, 3, 4, 5, 6, 8, 9, 11, 12];
    expect(dropped.rows).toBe(9);
    expect(dropped.missing).toEqual({ policy: "drop", rows: 3, columns: { f1: 2, f2: 2 } });
    expect(dropped.lines).toEqual(kept.map((r) => r + 1));
    expect(Array.from(dropped.x)).toEqual(kept.flatMap((r) => [r, r * 10 + 0.25]));
    expect(dropped.groups).toEqual(kept.map((r) => (r <= 6 ? "s1" : "s2")));
    expect(Array.from(dropped.tasks.get("t")?.y ?? [])).toEqual(kept.map((r) => (r + 1) % 2));

    const mean = await loadDataset(spec({ file, dataset: ["missing mean"] }), ["PNN4023"]);
    expect(mean.rows).toBe(12);
    expect(mean.missing).toEqual({ policy: "mean", rows: 3, columns: { f1: 2, f2: 2 } });
    const nan = Array.from(mean.x, (v, i) => (Number.isNaN(v) ? i : -1)).filter((i) => i >= 0);
    expect(nan).toEqual([1 * 2, 6 * 2, 6 * 2 + 1, 9 * 2 + 1]);
  });
});

describe("class maps and row filters", () => {
  // Three groups with two rows of each label (so every class reaches both folds); s2 is `f`.
  const labels = ["neutral", "calm", "happy", "sad", "angry", "fearful"].flatMap((l) => [l, l]);
  const text =
    "id,g,f1,f2,y,gender\n" +
    table(["s1", "s2", "s3"], labels, (r) => [Math.ceil(r / 12) === 2 ? "f" : "m"]);

  it("without a class map, classes are the sorted labels", async () => {
    const d = await loadDataset(spec({ file: dataFile("classes.csv", text) }));
    expect(d.tasks.get("t")?.classes).toEqual([
      "angry",
      "calm",
      "fearful",
      "happy",
      "neutral",
      "sad",
    ]);
  });

  it("`merge`, `drop` and a fixed `classes` order give the classes and y (-1 when dropped)", async () => {
    const file = dataFile("classes.csv", text);
    const d = await loadDataset(
      spec({
        file,
        task: ["classes [sad, neutral, happy]", "merge [calm -> neutral]", "drop [angry, fearful]"],
      }),
    );
    const t = d.tasks.get("t");
    expect(t?.classes).toEqual(["sad", "neutral", "happy"]);
    // neutral, calm→neutral, happy, sad, angry, fearful: two rows each, per group
    const perGroup = [1, 1, 2, 0, -1, -1].flatMap((y) => [y, y]);
    expect(Array.from(t?.y ?? [])).toEqual([...perGroup, ...perGroup, ...perGroup]);
    expect(d.rows).toBe(36); // dropped classes keep their rows (other tasks may use them)
  });

  it("`exclude where COLUMN in [...]` removes rows and counts them", async () => {
    const file = dataFile("classes.csv", text);
    const d = await loadDataset(
      spec({
        file,
        features: "numeric except [g, y, gender]",
        dataset: ["exclude where g in [s2]", "exclude where y in [fearful]"],
      }),
    );
    expect(d.excludedRows).toBe(12 + 4);
    expect(d.rows).toBe(20);
    expect(new Set(d.groups)).toEqual(new Set(["s1", "s3"]));
    expect(d.tasks.get("t")?.classes).toEqual(["angry", "calm", "happy", "neutral", "sad"]);
    const byGender = await loadDataset(
      spec({
        file,
        features: "numeric except [g, y, gender]",
        dataset: ["exclude where gender in [f]"],
      }),
    );
    expect(byGender.excludedRows).toBe(12);
    expect(byGender.groups).not.toContain("s2");
    expect(byGender.lines).toEqual([...range(2, 13), ...range(26, 37)]); // row r is on line r + 1
  });

  it("an `exclude` column that does not exist is PNN4008", async () => {
    const file = dataFile("classes.csv", text);
    const d = await loadFails(spec({ file, dataset: ["exclude where gendr in [f]"] }), "PNN4008");
    expect(d.suggestions).toContain("gender");
  });
});

const CREMAD_SPEC = "test/fixtures/data/cremad.pnn";
const CREMAD_DIR = join(repoRoot, dirname(CREMAD_SPEC));
const CREMAD_TEXT = readFileSync(join(repoRoot, CREMAD_SPEC), "utf8");
const CREMAD_CSV = join(
  CREMAD_DIR,
  /file "([^"]+)"/.exec(CREMAD_TEXT)?.[1] ?? "the spec names no file",
);

/** Rows per class of a task. */
function classCounts(d: LoadedDataset, task: string): Record<string, number> {
  const t = d.tasks.get(task);
  const out: Record<string, number> = {};
  for (const y of t?.y ?? []) {
    if (y >= 0) out[t?.classes[y] ?? "?"] = (out[t?.classes[y] ?? "?"] ?? 0) + 1;
  }
  return out;
}

describe("a CREMA-D-shaped table (test/fixtures/data/cremad.pnn)", () => {
  it("checks with no diagnostic at all", () => {
    expect(compileSpec(CREMAD_SPEC, CREMAD_TEXT).diagnostics).toEqual([]);
  });

  it("names a table inside the repository by a path relative to the spec", () => {
    expect(CREMAD_CSV.startsWith(repoRoot)).toBe(true);
    expect(existsSync(CREMAD_CSV)).toBe(true);
  });

  it("loads 6 prosodic features, 66 rows, 6 speakers and the 4 classes of its SOURCE.md", async () => {
    const data = await loadOk(CREMAD_TEXT, CREMAD_DIR, CREMAD_SPEC);
    const d = data.datasets.get("cremad");
    if (!d) throw new Error("no dataset `cremad`");
    expect(d.featureNames).toEqual([
      "mean_f0",
      "std_f0",
      "min_f0",
      "max_f0",
      "energy",
      "speech_rate",
    ]);
    expect(d.featureNames.some((f) => f.startsWith("e2v"))).toBe(false);
    expect(d.rows).toBe(66);
    expect(new Set(d.groups).size).toBe(6);
    expect(d.tasks.get("emotion")?.classes).toEqual(["angry", "happy", "neutral", "sad"]);
    expect(classCounts(d, "emotion")).toEqual({ angry: 18, happy: 18, neutral: 12, sad: 18 });
    // `missing mean`: only the near-silent clip has gaps, in its four F0 columns.
    expect(d.missing).toEqual({
      policy: "mean",
      rows: 1,
      columns: { max_f0: 1, mean_f0: 1, min_f0: 1, std_f0: 1 },
    });
    const gaps = new Set<number>();
    d.x.forEach((v, i) => Number.isNaN(v) && gaps.add(Math.floor(i / d.dims)));
    expect(gaps.size).toBe(1);
    const silent = [...gaps][0] ?? -1;
    const lines = readFileSync(CREMAD_CSV, "utf8").split("\n");
    expect(lines[(d.lines[silent] ?? 0) - 1]).toContain("1004_ITS_SAD_XX.wav");
    expect(Array.from(d.x.subarray(silent * 6, silent * 6 + 6))).toEqual([
      NaN,
      NaN,
      NaN,
      NaN,
      0,
      0,
    ]);
    expect(data.splits.get("cremad")?.runs).toHaveLength(1);
  });

  it("with `missing drop`, loses exactly the near-silent clip", async () => {
    const text = CREMAD_TEXT.replace("missing mean", "missing drop");
    const d = (await loadOk(text, CREMAD_DIR, CREMAD_SPEC)).datasets.get("cremad");
    if (!d) throw new Error("no dataset `cremad`");
    expect(d.rows).toBe(65);
    expect(d.missing).toEqual({
      policy: "drop",
      rows: 1,
      columns: { max_f0: 1, mean_f0: 1, min_f0: 1, std_f0: 1 },
    });
    expect(d.x.some((v) => Number.isNaN(v))).toBe(false);
    expect(new Set(d.groups).size).toBe(6);
    expect(classCounts(d, "emotion")).toEqual({ angry: 18, happy: 18, neutral: 12, sad: 17 });
  });
});

describe("the embedded RAVDESS table through specs/paper/speaker-prognet.pnn", () => {
  it("has 1439 rows, 88 features, 24 speakers, 4 emotions on 671 rows and 24 speaker classes", async () => {
    const path = "specs/paper/speaker-prognet.pnn";
    const data = await loadOk(
      readFileSync(join(repoRoot, path), "utf8"),
      dirname(join(repoRoot, path)),
      path,
    );
    const d = data.datasets.get("ravdess");
    if (!d) throw new Error("no dataset `ravdess`");
    expect(d.rows).toBe(1439);
    expect(d.dims).toBe(88);
    expect(d.featureNames).toHaveLength(88);
    expect(d.featureNames[0]).toBe("F0semitoneFrom27.5Hz_sma3nz_amean");
    expect(new Set(d.groups).size).toBe(24);
    expect(d.missing.rows).toBe(0);
    expect(d.tasks.get("emotion")?.classes).toEqual(["angry", "happy", "neutral", "sad"]);
    expect(classCounts(d, "emotion")).toEqual({ angry: 192, happy: 191, neutral: 96, sad: 192 });
    expect(d.tasks.get("emotion")?.y.filter((y) => y >= 0)).toHaveLength(671);
    const speaker = d.tasks.get("speaker");
    expect(speaker?.classes).toEqual(Array.from({ length: 24 }, (_, i) => String(i + 1)));
    expect(speaker?.y.every((y) => y >= 0)).toBe(true);
    const splits = data.splits.get("ravdess");
    expect(splits?.folds).toHaveLength(10);
    expect(splits?.runs[0]?.[0]).toMatchObject({ test: 0, validation: [1] });
  });
});

describe("prepare-ravdess", () => {
  /**
   * The raw openSMILE table as it was downloaded (88 features, then `filename`, sorted by file name,
   * with the duplicated clip present), rebuilt from the shipped copy: a clone has no raw file.
   */
  function rawFromEmbedded(): string {
    const lines = readFileSync(join(repoRoot, "specs/data/ravdess_egemaps.csv"), "utf8")
      .trimEnd()
      .split("\n");
    const [header = "", ...rows] = lines.map((l) => l.split(","));
    const raw = rows.map((r) => [...r.slice(4), r[0] ?? ""]);
    const kept = raw.find((r) => r.at(-1) === "03-01-03-01-02-01-07.wav");
    if (!kept) throw new Error("the shipped table lost the kept clip");
    raw.push([...kept.slice(0, -1), "03-01-03-01-02-02-07.wav"]);
    raw.sort((a, b) => ((a.at(-1) ?? "") < (b.at(-1) ?? "") ? -1 : 1));
    return [[...header.slice(4), "filename"], ...raw].map((r) => r.join(",")).join("\n") + "\n";
  }

  it("reproduces specs/data/ravdess_egemaps.csv byte for byte from the raw table", () => {
    const result = prepareRavdess(rawFromEmbedded(), "ravdess_egemaps88.csv");
    if (isProblem(result)) throw new Error(`${result.code}: ${result.message}`);
    expect(
      result.csv === readFileSync(join(repoRoot, "specs/data/ravdess_egemaps.csv"), "utf8"),
    ).toBe(true);
    expect(result.report).toEqual({
      rows: 1439,
      duplicates: [{ kept: "03-01-03-01-02-01-07.wav", dropped: "03-01-03-01-02-02-07.wav" }],
    });
  });

  it("derives speaker, gender and emotion from a (Windows) path", () => {
    const result = prepareRavdess(
      "f1,filename\n1.5,C:\\audio\\03-01-05-02-01-01-12.wav\n",
      "raw.csv",
    );
    if (isProblem(result)) throw new Error(`${result.code}: ${result.message}`);
    expect(result.csv).toBe(
      "filename,speaker,gender,emotion,f1\n03-01-05-02-01-01-12.wav,12,female,angry,1.5\n",
    );
  });

  for (const [bad, code, shown] of [
    ["clip7.wav", "PNN4028", "line 3 `clip7.wav`"],
    ["03-01-09-01-01-01-01.wav", "PNN4029", "line 3 `09`"],
  ] as const) {
    it(`reports a bad file name: ${bad}`, () => {
      const text = `f1,filename\n1,03-01-01-01-01-01-01.wav\n2,${bad}\n`;
      const result = prepareRavdess(text, "raw.csv");
      expect(isProblem(result) && result.code).toBe(code);
      expect(isProblem(result) && result.message).toContain(shown);
      expect(isProblem(result) && result.message).toContain("`raw.csv`");
    });
  }

  it("reads a `file` column by default when there is no `filename`, or the column named", () => {
    const text = "file,f1\nActor_12/03-01-05-02-01-01-12.wav,1.5\n";
    const byDefault = prepareRavdess(text, "raw.csv");
    if (isProblem(byDefault)) throw new Error(byDefault.message);
    expect(byDefault.csv).toBe(
      "file,speaker,gender,emotion,f1\n03-01-05-02-01-01-12.wav,12,female,angry,1.5\n",
    );
    const named = prepareRavdess(text.replace(/^file/, "path"), "raw.csv", { column: "path" });
    expect(isProblem(named)).toBe(false);
    const missing = prepareRavdess(text, "raw.csv", { column: "path" });
    expect(isProblem(missing) && missing.code).toBe("PNN4008");
  });

  it("refuses to write a second `emotion` column, and replaces it when asked", () => {
    const text = "file,emotion,f1\n03-01-05-02-01-01-12.wav,cross,1.5\n";
    const refused = prepareRavdess(text, "raw.csv");
    expect(isProblem(refused) && refused.code).toBe("PNN4031");
    expect(isProblem(refused) && refused.hint).toContain("--replace");
    const replaced = prepareRavdess(text, "raw.csv", { replace: true });
    if (isProblem(replaced)) throw new Error(replaced.message);
    expect(replaced.csv).toBe(
      "file,speaker,gender,emotion,f1\n03-01-05-02-01-01-12.wav,12,female,angry,1.5\n",
    );
  });

  it("drops a table's repeated rows and counts them (the MFCC table holds every row twice)", () => {
    const text = readFileSync(
      join(repoRoot, "test/fixtures/data/ravdess-mfcc-like/ravdess_mfcc.csv"),
      "utf8",
    );
    const result = prepareRavdess(text, "ravdess_mfcc.csv");
    if (isProblem(result)) throw new Error(result.message);
    expect(result.report.rows).toBe(64);
    expect(result.report.duplicates).toHaveLength(64);
  });
});

describe("synthetic data", () => {
  const synth = (seed: number, speakers = 8, utterances = 40) => {
    const out = join(tmp, `synth-${seed}-${++fileCount}.csv`);
    const rows = writeSynthetic({ speakers, utterances, seed, out });
    return { out, rows, bytes: readFileSync(out) };
  };

  it("is deterministic per seed and differs between seeds", () => {
    const a = synth(7);
    const b = synth(7);
    const c = synth(8);
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.equals(c.bytes)).toBe(false);
    expect(a.rows).toBe(8 * 40);
    const lines = a.bytes.toString("utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(1 + 8 * 40);
    expect(lines.every((l) => l.split(",").length === 92)).toBe(true);
    expect(lines[0]?.split(",").slice(0, 4)).toEqual(["filename", "speaker", "gender", "emotion"]);
  });

  it("loads cleanly, and emotion is learnable across speakers by nearest class mean", async () => {
    const { out } = synth(3);
    const d = await loadDataset(
      spec({
        file: out,
        group: "speaker",
        label: "emotion",
        features: "numeric except [speaker, gender, emotion]",
      }),
    );
    expect(d.rows).toBe(320);
    expect(d.dims).toBe(88);
    expect(new Set(d.groups).size).toBe(8);
    const labels = d.tasks.get("t");
    expect(labels?.classes).toEqual(["angry", "happy", "neutral", "sad"]);
    // Fit on speakers 1–4, test on 5–8: z-score with training statistics, then nearest class mean.
    const dims = d.dims;
    const train: number[] = [];
    const test: number[] = [];
    d.groups?.forEach((g, r) => (Number(g) <= 4 ? train : test).push(r));
    const value = (r: number, j: number) => d.x[r * dims + j] ?? 0;
    const mean = Array.from(
      { length: dims },
      (_, j) => train.reduce((s, r) => s + value(r, j), 0) / train.length,
    );
    const std = mean.map(
      (m, j) =>
        Math.sqrt(train.reduce((s, r) => s + (value(r, j) - m) ** 2, 0) / (train.length - 1)) || 1,
    );
    const z = (r: number) => mean.map((m, j) => (value(r, j) - m) / (std[j] ?? 1));
    const y = (r: number) => labels?.y[r] ?? -1;
    const centroids = [0, 1, 2, 3].map((c) => {
      const rows = train.filter((r) => y(r) === c).map(z);
      return mean.map((_, j) => rows.reduce((s, v) => s + (v[j] ?? 0), 0) / rows.length);
    });
    const predict = (v: number[]) => {
      const dist = centroids.map((m) => m.reduce((s, mj, j) => s + (mj - (v[j] ?? 0)) ** 2, 0));
      return dist.indexOf(Math.min(...dist));
    };
    const correct = test.filter((r) => predict(z(r)) === y(r)).length;
    expect(correct / test.length).toBeGreaterThan(0.5);
  });
});
