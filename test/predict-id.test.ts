/**
 * `pnnc predict --id`: one tiny run's checkpoint predicts a table whose ID column holds commas,
 * quotes and a line break; each output row starts with its row's IDs, quoted as CSV, the rest
 * unchanged from a prediction without `--id`, and a missing ID column is refused naming the columns.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { pnncIn, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-predict-id-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = `${synthSpecHeader("ids")}
column emotion {
  task emotion
  layers {
    dense 8 relu
  }
}

training {
  learning_rate 0.01
  batch 32
  epochs 2
  seed 1
  stage one {
    train emotion
  }
}

evaluation {
  folds 3 stratified
  repeats 1
  validation 1
}
`;

const pnnc = pnncIn(dir);
const checkpoint = join("out", "checkpoints", "emotion");

/** IDs a file column may hold: a comma, quotes, a line break, spaces inside. */
const awkward = ["a,b.wav", 'say "hi".wav', "two\nlines.wav", "C:\\x y\\z.wav"];

let header: string[];
/** The data rows of `new.csv` as written: the first few with awkward file names. */
let rows: string[][];

function parse(csv: string): string[][] {
  return Papa.parse<string[]>(csv, { skipEmptyLines: true }).data;
}

describe("pnnc predict --id", () => {
  beforeAll(() => {
    writeSynthetic({ speakers: 6, utterances: 12, seed: 3, out: join(dir, "synth.csv") });
    writeFileSync(join(dir, "ids.pnn"), spec);
    const r = pnnc("run", "ids.pnn", "--out", "out", "--no-store");
    if (r.status !== 0) throw new Error(r.stderr);
    // A table to predict: the training table with awkward file names and one missing feature.
    const table = parse(readFileSync(join(dir, "synth.csv"), "utf8"));
    header = table[0]!;
    rows = table.slice(1, 9);
    awkward.forEach((name, i) => (rows[i]![0] = name));
    rows[5]![4] = ""; // a missing feature value: predicted with the training mean, not dropped
    writeFileSync(join(dir, "new.csv"), Papa.unparse([header, ...rows]) + "\n");
  });

  it("starts each row with its ID, quoted as CSV, and leaves the rest as without --id", () => {
    const plain = pnnc("predict", checkpoint, "new.csv");
    expect(plain.status, plain.stderr).toBe(0);
    const r = pnnc("predict", checkpoint, "new.csv", "--id", "filename");
    expect(r.status, r.stderr).toBe(0);
    const out = parse(r.stdout);
    expect(out).toHaveLength(rows.length + 1);
    expect(out.map((row) => row[0])).toEqual(["filename", ...rows.map((row) => row[0])]);
    expect(out.map((row) => row.slice(1))).toEqual(parse(plain.stdout));
    // Only the fields that need it are quoted: a plain line reads as before with the ID in front.
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`filename,${plain.stdout.split("\n")[0]}`);
    expect(r.stdout).toContain('"a,b.wav",');
    expect(r.stdout).toContain('"say ""hi"".wav",');
    expect(r.stdout).toContain('"two\nlines.wav",');
    expect(r.stdout).toContain(`\nC:\\x y\\z.wav,`);
  });

  it("carries several ID columns in the order given, a feature column among them", () => {
    const feature = header[4]!;
    const r = pnnc("predict", checkpoint, "new.csv", "--id", "speaker", "--id", feature);
    expect(r.status, r.stderr).toBe(0);
    const out = parse(r.stdout);
    expect(out[0]!.slice(0, 3)).toEqual(["speaker", feature, "line"]);
    // The feature's text as written, the missing one empty.
    expect(out.slice(1).map((row) => row.slice(0, 2))).toEqual(rows.map((row) => [row[1], row[4]]));
    expect(out[6]![1]).toBe("");
  });

  it("refuses a missing ID column, naming the table's columns, and writes nothing", () => {
    const target = join(dir, "predictions.csv");
    const r = pnnc("predict", checkpoint, "new.csv", "--id", "filenme", "-o", target);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(existsSync(target)).toBe(false);
    expect(r.stderr).toContain("error[PNN4008]");
    expect(r.stderr).toContain("the header of `new.csv` has no column `filenme`");
    expect(r.stderr).toContain(
      "its columns are `filename`, `speaker`, `gender`, `emotion` and the checkpoint's 88 feature columns",
    );
    expect(r.stderr).toContain("did you mean `filename`?");
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });
});
