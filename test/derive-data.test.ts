/**
 * Derivations end to end, on tables shaped like the ones users bring (issue 16): RAVDESS MFCCs with
 * a `file` column and every row twice, CREMA-D prosody with Windows paths and a demographics table
 * to join. pnnc's loader and a generated program's (runtime/table.ts) must derive the same labels,
 * and each bad input is a located diagnostic.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { loadSpecData } from "../src/data/load.js";
import { loadRows, type DatasetSpec, type TaskSpec } from "../src/runtime/table.js";
import { repoRoot } from "./helpers.js";

const FIXTURES = join(repoRoot, "test/fixtures/data");
const tmp = mkdtempSync(join(tmpdir(), "pnnc-derive-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RAVDESS = join(FIXTURES, "ravdess-mfcc-like/ravdess_mfcc.csv");
const CREMAD = join(FIXTURES, "cremad-like/cremad_prosody_features.csv");
const DEMOGRAPHICS = join(FIXTURES, "cremad-like/VideoDemographics.csv");

/** A spec with one dataset block (its statements given) and one task on `label`. */
function spec(dataset: string[], label: string, extraTask: string[] = []): string {
  return [
    "pnn 2 derive_test",
    "dataset d {",
    ...dataset.map((l) => `  ${l}`),
    "}",
    "task t {",
    "  data d",
    `  label ${label}`,
    ...extraTask.map((l) => `  ${l}`),
    "}",
    "column c {",
    "  task t",
    "  layers { dense 4 relu }",
    "}",
    "training { stage s { train c } }",
    "evaluation {",
    "  folds 2 stratified",
    "  validation 0",
    "}",
    "",
  ].join("\n");
}

function compiled(text: string) {
  const front = compileSpec("derive-test.pnn", text);
  const errors = front.diagnostics.filter((d) => d.severity === "error");
  if (!front.ir || !front.spans || errors.length > 0)
    throw new Error(
      front.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n") + "\n" + text,
    );
  return { file: front.file, ir: front.ir, spans: front.spans, text };
}

async function load(text: string) {
  return loadSpecData(compiled(text), tmp);
}

/** The same spec through a generated program's loader. */
function loadGenerated(text: string) {
  const { ir } = compiled(text);
  const dataset = ir.datasets[0] as unknown as DatasetSpec;
  return loadRows(dataset, ir.tasks as unknown as TaskSpec[], tmp);
}

const cremad = [
  `file ${JSON.stringify(CREMAD)}`,
  "features [mean_f0, std_f0, min_f0, max_f0, energy, speech_rate]",
  "missing mean",
  'fields file_path "{actor}_{sentence}_{emotion_code}_{level}"',
  "derive emotion from emotion_code [ANG -> angry, HAP -> happy, NEU -> neutral, SAD -> sad]",
  `join ${JSON.stringify(DEMOGRAPHICS)} on actor = ActorID take [Sex]`,
  "group actor",
];

describe("a RAVDESS MFCC table with a `file` column", () => {
  const ravdess = (extra: string[] = []) => [
    `file ${JSON.stringify(RAVDESS)}`,
    "preset ravdess on file",
    "group actor",
    ...extra,
  ];

  it("gets emotion, gender and actor from the file names through the preset", async () => {
    const result = await load(spec(ravdess(["duplicates drop"]), "emotion"));
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const data = result.value?.datasets.get("d");
    expect(data?.rows).toBe(64);
    expect(data?.featureNames).toEqual([1, 2, 3, 4, 5, 6].map((i) => `mfcc${i}_mean`));
    const labels = data?.tasks.get("t");
    expect(labels?.classes).toEqual([
      "angry",
      "calm",
      "disgust",
      "fearful",
      "happy",
      "neutral",
      "sad",
      "surprised",
    ]);
    expect(new Set(data?.groups)).toEqual(new Set(["01", "02", "03", "04"]));
    const gender = await load(spec(ravdess(["duplicates drop"]), "gender"));
    expect(gender.value?.datasets.get("d")?.tasks.get("t")?.classes).toEqual(["female", "male"]);
  });

  it("warns that every row is there twice (the default duplicates policy)", async () => {
    const result = await load(spec(ravdess(), "emotion"));
    const warning = result.diagnostics.find((d) => d.code === "PNN4024");
    expect(warning?.message).toContain("64 rows");
  });

  it("derives the same labels in a generated program", async () => {
    const text = spec(ravdess(["duplicates drop"]), "emotion");
    const ours = (await load(text)).value?.datasets.get("d");
    const generated = loadGenerated(text);
    expect(generated.tasks.get("t")?.classes).toEqual(ours?.tasks.get("t")?.classes);
    expect([...(generated.tasks.get("t")?.y ?? [])]).toEqual([...(ours?.tasks.get("t")?.y ?? [])]);
    expect(generated.groups).toEqual(ours?.groups);
    expect(generated.sha256).toBe(ours?.sha256);
  });
});

describe("a CREMA-D table with Windows paths and a demographics table", () => {
  it("takes emotion from the file name and gender from the joined table", async () => {
    const emotion = await load(spec(cremad, "emotion"));
    expect(emotion.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(emotion.value?.datasets.get("d")?.tasks.get("t")?.classes).toEqual([
      "angry",
      "happy",
      "neutral",
      "sad",
    ]);
    const gender = await load(spec(cremad, "Sex"));
    const data = gender.value?.datasets.get("d");
    expect(data?.tasks.get("t")?.classes).toEqual(["Female", "Male"]);
    // 1001 and 1005 are male in the fixture: 11 clips each.
    const male = data?.tasks.get("t")?.y.filter((y) => y === 1).length;
    expect(male).toBe(22);
  });

  it("hashes the joined table with the data: editing it changes the data hash", async () => {
    const copy = join(tmp, "demo-copy.csv");
    writeFileSync(copy, readFileSync(DEMOGRAPHICS));
    const withCopy = cremad.map((l) =>
      l.replace(JSON.stringify(DEMOGRAPHICS), JSON.stringify(copy)),
    );
    const before = (await load(spec(withCopy, "Sex"))).value?.datasets.get("d")?.sha256;
    writeFileSync(copy, readFileSync(DEMOGRAPHICS, "utf8").replace("1006,58", "1006,59"));
    const after = (await load(spec(withCopy, "Sex"))).value?.datasets.get("d")?.sha256;
    expect(before).toBeDefined();
    expect(after).not.toBe(before);
    expect(loadGenerated(spec(withCopy, "Sex")).sha256).toBe(after);
  });
});

describe("bad input is a located diagnostic", () => {
  /** The error's code and the 1-based spec line it points at. */
  async function failure(text: string) {
    const result = await load(text);
    const error = result.diagnostics.find((d) => d.severity === "error");
    expect(result.value).toBeNull();
    return { code: error?.code, line: error?.span.line, message: error?.message ?? "" };
  }
  const lineOf = (text: string, needle: string) =>
    text.split("\n").findIndex((l) => l.includes(needle)) + 1;

  it("PNN4028: file names the template does not match, counted and named", async () => {
    const text = spec(
      [...cremad.slice(0, 3), 'fields file_path "{actor}-{sentence}"', "group speaker_id"],
      "ground_truth_4class",
    );
    const f = await failure(text);
    expect(f.code).toBe("PNN4028");
    expect(f.line).toBe(lineOf(text, "fields file_path"));
    expect(f.message).toContain("66 rows");
    expect(f.message).toContain("`1001_DFA_ANG_XX.wav`");
  });

  it("PNN4029: a code without a mapping", async () => {
    const text = spec(
      cremad.map((l) => l.replace(", SAD -> sad", "")),
      "emotion",
    );
    const f = await failure(text);
    expect(f.code).toBe("PNN4029");
    expect(f.line).toBe(lineOf(text, "derive emotion"));
    expect(f.message).toContain("`SAD`");
  });

  it("PNN4030: a key the joined table lacks", async () => {
    const partial = join(tmp, "demo-partial.csv");
    writeFileSync(partial, readFileSync(DEMOGRAPHICS, "utf8").replace(/^1006,.*\n/m, ""));
    const text = spec(
      cremad.map((l) => l.replace(JSON.stringify(DEMOGRAPHICS), JSON.stringify(partial))),
      "Sex",
    );
    const f = await failure(text);
    expect(f.code).toBe("PNN4030");
    expect(f.line).toBe(lineOf(text, "join "));
    expect(f.message).toContain("`1006`");
  });

  it("PNN4031: a derived column that the table already has", async () => {
    const text = spec(
      [...cremad.slice(0, 3), 'fields file_path "{speaker_id}_{rest}"', "group speaker_id"],
      "ground_truth_4class",
    );
    const f = await failure(text);
    expect(f.code).toBe("PNN4031");
    expect(f.message).toContain("`speaker_id`");
  });

  it("PNN4001 / PNN4026: a joined table that is missing, or not UTF-8", async () => {
    const gone = spec(
      cremad.map((l) => l.replace(JSON.stringify(DEMOGRAPHICS), '"no-such-demographics.csv"')),
      "Sex",
    );
    const missing = await failure(gone);
    expect(missing.code).toBe("PNN4001");
    expect(missing.line).toBe(lineOf(gone, "join "));
    expect(missing.message).toContain("`no-such-demographics.csv`");
    const latin1 = join(tmp, "demo-latin1.csv");
    writeFileSync(latin1, Buffer.from("ActorID,Sex\n1001,M\u00e4nnlich\n", "latin1"));
    const text = spec(
      cremad.map((l) => l.replace(JSON.stringify(DEMOGRAPHICS), JSON.stringify(latin1))),
      "Sex",
    );
    const notUtf8 = await failure(text);
    expect(notUtf8.code).toBe("PNN4026");
    expect(() => loadGenerated(text)).toThrow(/cannot read/);
  });

  it("a generated program refuses the same bad input (a code without a mapping)", () => {
    const text = spec(
      cremad.map((l) => l.replace(", SAD -> sad", "")),
      "emotion",
    );
    expect(() => loadGenerated(text)).toThrow(/`SAD`/);
  });

  it("PNN3023: a label derived from a column that `features numeric` selects", async () => {
    const table = join(tmp, "numeric-actor.csv");
    const rows = ["actor,f1,f2"];
    for (let a = 1; a <= 4; a++) for (let k = 0; k < 5; k++) rows.push(`${a},${a + k * 0.1},${k}`);
    writeFileSync(table, rows.join("\n") + "\n");
    const text = spec(
      [
        `file ${JSON.stringify(table)}`,
        "derive gender from actor parity [odd -> male, even -> female]",
      ],
      "gender",
    );
    const result = await load(text);
    const leak = result.diagnostics.find((d) => d.code === "PNN3023");
    expect(leak?.message).toContain(
      "`actor`, from which the label of task `t` (`gender`) is derived",
    );
  });

  it("PNN4008: a derivation reading a column the table lacks", async () => {
    const text = spec(
      [...cremad.slice(0, 3), 'fields path "{actor}_{rest}"', "group speaker_id"],
      "ground_truth_4class",
    );
    const f = await failure(text);
    expect(f.code).toBe("PNN4008");
    expect(f.message).toContain("`path`");
  });
});
