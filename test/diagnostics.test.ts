/**
 * One invalid spec per diagnostic code (test/fixtures/invalid/CODE-*.pnn): each reports its own code,
 * and its rendering matches the committed `.errors.txt` baseline (TypeScript's baseline style).
 * Every code in the catalog has a fixture, and every diagnostic's span lies inside its file.
 */
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { catalog } from "../src/diagnostics/catalog.js";
import { renderBaseline, renderDiagnostic } from "../src/diagnostics/render.js";
import { oversizedSpec } from "../src/tools/fixtures.js";
import { compileFile, invalidFixtures, read } from "./helpers.js";

const codeOf = (path: string) => /(PNN\d{4})/.exec(path)?.[1] ?? "";

describe("invalid fixtures", () => {
  // PNN4xxx data codes are covered in data tests; PNN5xxx protocol codes, which come from several
  // specs or a command's options, in test/experiment.test.ts.
  it("cover every front-end code in the catalog", () => {
    const covered = new Set([...invalidFixtures.map(codeOf), codeOf(oversizedSpec().path)]);
    const frontEnd = Object.keys(catalog).filter((c) => !/^PNN[45]/.test(c));
    expect(frontEnd.filter((c) => !covered.has(c))).toEqual([]);
  });

  for (const path of invalidFixtures) {
    it(`${path} reports ${codeOf(path)} and matches its baseline`, () => {
      const result = compileFile(path);
      expect(result.diagnostics.map((d) => d.code)).toContain(codeOf(path));
      const severity = catalog[codeOf(path) as keyof typeof catalog].severity;
      expect(result.ir === null).toBe(severity === "error");
      const baseline = read(path.replace(/\.pnn$/, ".errors.txt"));
      expect(renderBaseline(result.file, result.diagnostics)).toBe(baseline);
      for (const d of result.diagnostics) {
        expect(d.span.start).toBeGreaterThanOrEqual(0);
        expect(d.span.end).toBeLessThanOrEqual(result.file.text.length);
        expect(d.span.start).toBeLessThanOrEqual(d.span.end);
      }
    });
  }

  it("an oversized spec reports PNN1009 without lexing it", () => {
    const { path, bytes } = oversizedSpec();
    const result = compileSpec(path, bytes);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["PNN1009"]);
    expect(renderBaseline(result.file, result.diagnostics)).toBe(
      read(path.replace(/\.pnn$/, ".errors.txt")),
    );
  });
});

describe("unreadable input", () => {
  it("locates the first byte that is not UTF-8", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("pnn 1 x\n// caf"), 0xe9, 0x0a]);
    const d = compileSpec("latin1.pnn", bytes).diagnostics;
    expect(d.map((x) => [x.code, x.span.line, x.span.column])).toEqual([["PNN1007", 2, 7]]);
  });

  it("accepts UTF-8 with a byte-order mark and CRLF line endings", () => {
    const text = "\ufeffpnn 1 x\r\ncolumn c {\r\n  layers {\r\n    dense 8 relu\r\n  }\r\n}\r\n";
    const codes = compileSpec("crlf.pnn", text).diagnostics.map((x) => x.code);
    expect(codes).toEqual(["PNN2005"]);
  });

  it("refuses absurd nesting before it can exhaust the stack", () => {
    const text =
      "pnn 1 x\ncolumn c { layers {" + "repeat 1 {".repeat(20000) + "}".repeat(20000) + "} }\n";
    expect(compileSpec("deep.pnn", text).diagnostics.map((x) => x.code)).toEqual(["PNN1011"]);
  });

  it("stops expanding `repeat` at the layer limit", () => {
    const text = "pnn 1 x\ncolumn c { layers { repeat 1000 { repeat 1000 { dense 8 relu } } } }\n";
    expect(compileSpec("wide.pnn", text).diagnostics.map((x) => x.code)).toContain("PNN2002");
  });
});

describe("diagnostic quality", () => {
  it("suggests the closest name for a misspelt reference", () => {
    const d = compileFile("test/fixtures/invalid/PNN3005-unknown-task.pnn").diagnostics[0];
    expect(d?.suggestions).toEqual(["emotion"]);
    expect(d?.hint).toBe("did you mean `emotion`?");
  });

  it("points a duplicate at both declarations", () => {
    const d = compileFile("test/fixtures/invalid/PNN3001-duplicate-name.pnn").diagnostics[0];
    expect(d?.span.line).toBe(22);
    expect(d?.labels?.[0]?.span.line).toBe(15);
    expect(d?.labels?.[0]?.message).toBe("first declared here");
  });

  it("reports several independent syntax errors in one pass", () => {
    const text = [
      "pnn 1 x",
      'dataset d { file "a.csv" group @s }',
      "task t { data d lable x }",
      "column c { task t layers { dense 8 } }",
    ].join("\n");
    const codes = compileSpec("x.pnn", text).diagnostics.map((d) => `${d.code}@${d.span.line}`);
    expect(codes).toEqual(["PNN1001@2", "PNN1005@3", "PNN1005@4"]);
  });

  it("renders rustc style with location, source line, carets and hint", () => {
    const result = compileFile("test/fixtures/invalid/PNN2003-unknown-option.pnn");
    const d = result.diagnostics.find((x) => x.message.includes("optimizer"));
    if (!d) throw new Error("no optimizer diagnostic");
    const text = renderDiagnostic(d, result.file, { color: false });
    expect(text).toBe(
      [
        "error[PNN2003]: unknown optimizer `adamm`",
        "  --> test/fixtures/invalid/PNN2003-unknown-option.pnn:23:13",
        "   |",
        "23 |   optimizer adamm",
        "   |             ^^^^^",
        "   = hint: did you mean `adam`?",
      ].join("\n"),
    );
  });

  it("anchors an unexpected end of file at the end and labels the unclosed brace", () => {
    const d = compileFile("test/fixtures/invalid/PNN1006-unexpected-end-of-file.pnn")
      .diagnostics[0];
    expect(d?.code).toBe("PNN1006");
    expect(d?.labels?.[0]?.message).toBe("this bracket is never closed");
    expect(d?.labels?.[0]?.span.line).toBe(22);
  });

  it("never colours output unless asked", () => {
    const result = compileFile("test/fixtures/invalid/PNN3004-unknown-dataset.pnn");
    const d = result.diagnostics[0];
    if (!d) throw new Error("no diagnostic");
    expect(renderDiagnostic(d, result.file, { color: false })).not.toContain("\u001b[");
    expect(renderDiagnostic(d, result.file, { color: true })).toContain("\u001b[");
  });
});
