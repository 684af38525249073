/**
 * `pnnc data inspect --json` (the one `data` subcommand with `--json`) answers every outcome with one
 * JSON object on stdout, shaped as `check --json`'s: an unreadable spec (missing, a directory) as
 * `problems` with exit 2; a spec or table that is not UTF-8 text, binary or malformed as
 * `diagnostics` with exit 1. Nothing else reaches stdout.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pnncIn } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-data-json-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pnnc = pnncIn(dir);

/** A valid spec over `table` (two groups, two folds). */
const spec = (table: string) => `pnn 2 dj
dataset d {
  file "${table}"
  features numeric except [spk, y]
  group spk
}
task t {
  data d
  label y
}
column c {
  task t
  layers { dense 4 relu }
}
training {
  stage one { train c }
}
evaluation {
  folds 2 grouped
  repeats 1
  validation 0
}
`;

const good = ["id,spk,f1,y", "c1,s1,1.0,a", "c2,s1,2.0,b", "c3,s2,3.0,a", "c4,s2,4.0,b"].join("\n");
writeFileSync(join(dir, "good.csv"), good + "\n");
writeFileSync(join(dir, "good.pnn"), spec("good.csv"));
mkdirSync(join(dir, "folder"));
mkdirSync(join(dir, "folder.csv"));
writeFileSync(
  join(dir, "utf16.pnn"),
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(spec("good.csv"), "utf16le")]),
);
writeFileSync(join(dir, "binary.pnn"), Buffer.from([0x70, 0x6e, 0x6e, 0x00, 0x01, 0xff, 0x02]));
writeFileSync(join(dir, "binary.csv"), Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x0a, 0x00, 0x02]));
writeFileSync(join(dir, "ragged.csv"), "id,spk,f1,y\nc1,s1,1.0\nc2,s2,2.0,b\n");
for (const table of ["missing.csv", "folder.csv", "binary.csv", "ragged.csv"])
  writeFileSync(join(dir, `on-${table.replace(".csv", "")}.pnn`), spec(table));

interface Report {
  diagnostics: { code: string; severity: string; message: string }[];
  problems?: string[];
  datasets?: unknown;
}

/** Runs `data inspect FILE --json`; stdout must be exactly one JSON object. */
function inspect(file: string): { status: number | null; report: Report; stderr: string } {
  const r = pnnc("data", "inspect", file, "--json");
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`stdout is not JSON:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return { status: r.status, report, stderr: r.stderr };
}

describe("pnnc data inspect --json", () => {
  it("reports the datasets of a good spec, with no problems", () => {
    const { status, report } = inspect("good.pnn");
    expect(status).toBe(0);
    expect(report.datasets).toBeDefined();
    expect(report).not.toHaveProperty("problems");
  });

  it.each([
    ["a missing spec", "nope.pnn", /cannot read `nope\.pnn`: no such file/],
    ["a directory", "folder", /cannot read `folder`: it is a directory/],
  ])("puts %s in `problems` with exit 2 and nothing on stderr", (_, file, message) => {
    const { status, report, stderr } = inspect(file);
    expect(status).toBe(2);
    expect(report.diagnostics).toEqual([]);
    expect(report.problems).toHaveLength(1);
    expect(report.problems?.[0]).toMatch(message);
    expect(stderr).toBe("");
  });

  it.each([
    ["a UTF-16 spec", "utf16.pnn", "PNN1007"],
    ["a binary spec", "binary.pnn", "PNN1007"],
    ["a missing table", "on-missing.pnn", "PNN4001"],
    ["a directory as the table", "on-folder.pnn", "PNN4001"],
    ["a binary table", "on-binary.pnn", null],
    ["a malformed CSV", "on-ragged.pnn", "PNN4004"],
  ])("reports %s as a diagnostic with exit 1", (_, file, code) => {
    const { status, report } = inspect(file);
    expect(status).toBe(1);
    expect(report).not.toHaveProperty("datasets");
    const errors = report.diagnostics.filter((d) => d.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    if (code) expect(errors.map((d) => d.code)).toContain(code);
  });
});
