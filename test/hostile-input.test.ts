/**
 * Hostile inputs from the issue-12 audit: huge lists check in linear time with the same PNN2004,
 * floods of diagnostics are capped and long lines cut, and inputs that are not one UTF-8 spec
 * (a directory, a missing file, UTF-16, ESC bytes) are named clearly. CLI cases spawn dist/cli/main.js.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { afterAll, describe, expect, it } from "vitest";
import schema from "../src/ir/pnn-ir.schema.json" with { type: "json" };
import { ajvOptions } from "../src/check/ajv-options.js";
import { irValidator, validateSchema } from "../src/check/validate-schema.js";
import { compileSpec } from "../src/compile.js";
import { MAX_RENDERED, renderDiagnostics } from "../src/diagnostics/render.js";
import { SourceFile } from "../src/diagnostics/source-file.js";
import { makeDiagnostic } from "../src/diagnostics/diagnostic.js";
import { read, repoRoot } from "./helpers.js";

const CLI = join(repoRoot, "dist/cli/main.js");
const BASE = read("test/fixtures/invalid/PNN2004-invalid-list.pnn").replace(
  "classes [happy, sad, happy]",
  "classes [happy, sad]",
);
const tmp = mkdtempSync(join(tmpdir(), "pnnc-hostile-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pnnc(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["FORCE_COLOR"];
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: repoRoot,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function write(name: string, content: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("long lists check in linear time", () => {
  const front = compileSpec("base.pnn", BASE);

  it("finds the duplicate in a 100,000-item list with PNN2004 on the later copy", () => {
    expect(front.ir).not.toBeNull();
    const ir = structuredClone(front.ir!);
    const drop = names(100_000, "n");
    drop[70_000] = "n5";
    drop[90_000] = "n7";
    ir.tasks[0]!.drop = drop;
    const { diagnostics } = validateSchema(front.file, ir, front.spans!);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe("PNN2004");
    expect(diagnostics[0]!.message).toMatch(/^`drop` lists `.*` twice$/);
    const errors = irValidator().errors ?? [];
    expect(errors.map((e) => e.params)).toContainEqual({ i: 90_000, j: 7 });
  });

  it("reports the same item as ajv's own uniqueItems on small lists", () => {
    const reference = new Ajv(ajvOptions).compile(schema);
    const pairs = (errors: ErrorObject[] | null | undefined) =>
      (errors ?? [])
        .filter((e) => e.keyword.endsWith("niqueItems"))
        .map((e) => [e.instancePath, e.params["i"], e.params["j"]]);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 6;
    for (let trial = 0; trial < 200; trial++) {
      const ir = structuredClone(front.ir!);
      ir.tasks[0]!.drop = Array.from({ length: 2 + (trial % 9) }, () => `c${random()}`);
      reference(ir);
      irValidator()(ir);
      expect(pairs(irValidator().errors)).toEqual(pairs(reference.errors));
    }
  });

  it("checks a 95,000-name drop list in a spec and points at the repeated name", () => {
    const list = names(95_000, "n");
    list[80_000] = "n3";
    const text = BASE.replace(
      "classes [happy, sad]",
      `classes [happy, sad]\n  drop [${list.join(", ")}]`,
    );
    const result = compileSpec("long.pnn", text);
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["PNN2004", "`drop` lists `n3` twice"],
    ]);
    const at = result.diagnostics[0]!.span.start;
    // The later copy, as the pairwise loop reported it.
    expect(at).toBe(text.lastIndexOf(" n3,") + 1);
    expect(at).toBeGreaterThan(text.indexOf(" n3,") + 1);
  }, 120_000);
});

describe("floods of diagnostics", () => {
  it("prints at most the cap, a count of the rest, and short lines for a 600 KB spec", () => {
    const unknown = names(27_000, "u").map((n) => `${n}_${"x".repeat(15)}`);
    const text = BASE.replace("train c", `train [${unknown.join(", ")}]`);
    expect(text.length).toBeGreaterThan(600_000);
    const r = pnnc("check", write("flood.pnn", text));
    expect(r.status).toBe(1);
    expect(r.stderr.match(/^error\[/gm)?.length).toBe(MAX_RENDERED);
    expect(r.stderr).toContain(`... and ${27_000 - MAX_RENDERED} more errors`);
    expect(r.stderr).toContain("27000 errors, 0 warnings");
    for (const line of r.stderr.split("\n")) expect(line.length).toBeLessThan(200);
    expect(r.stderr.length).toBeLessThan(60_000);
  }, 120_000);

  it("keeps `--json` complete", () => {
    const text = BASE.replace("train c", `train [${names(300, "u").join(", ")}]`);
    const r = pnnc("check", "--json", write("flood-json.pnn", text));
    expect((JSON.parse(r.stdout) as { diagnostics: unknown[] }).diagnostics).toHaveLength(300);
  });

  it("leaves short lines whole", () => {
    const file = new SourceFile("short.pnn", "task t {\n  label emo\n}\n");
    const d = makeDiagnostic("PNN3006", file, { start: 17, end: 20 }, "unknown column `emo`");
    const out = renderDiagnostics([d], new Map([[file.path, file]]), { color: false });
    expect(out).toContain("2 |   label emo\n");
    expect(out).not.toContain("…");
  });
});

describe("inputs named clearly", () => {
  it("refuses a directory given to compile or graph", () => {
    const dir = join(tmp, "specs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "a.pnn"), BASE);
    for (const command of ["compile", "graph"]) {
      const r = pnnc(command, dir);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("is a directory");
      expect(r.stdout).toBe("");
    }
  });

  it("puts a missing file in `check --json`'s JSON and exits 2", () => {
    const r = pnnc("check", "--json", join(tmp, "missing.pnn"));
    expect(r.status).toBe(2);
    const json = JSON.parse(r.stdout) as { diagnostics: unknown[]; problems: string[] };
    expect(json.diagnostics).toEqual([]);
    expect(json.problems).toHaveLength(1);
    expect(json.problems[0]).toContain("missing.pnn");
  });

  const utf16 = (text: string, order: "LE" | "BE", bom: boolean) => {
    const le = Buffer.from(text, "utf16le");
    const bytes = order === "LE" ? le : Buffer.from(le).swap16();
    const mark = order === "LE" ? [0xff, 0xfe] : [0xfe, 0xff];
    return bom ? Buffer.concat([Buffer.from(mark), bytes]) : bytes;
  };

  for (const order of ["LE", "BE"] as const) {
    for (const bom of [true, false]) {
      it(`names UTF-16 ${order} (${bom ? "with" : "without"} a byte-order mark) as PNN1007`, () => {
        const result = compileSpec("u16.pnn", utf16(BASE, order, bom));
        expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
          ["PNN1007", `the file is UTF-16 ${order}; save it as UTF-8`],
        ]);
      });
    }
  }

  it("refuses a binary file with PNN1007", () => {
    const bytes = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37) % 256);
    expect(compileSpec("bin.pnn", bytes).diagnostics.map((d) => d.code)).toEqual(["PNN1007"]);
  });

  it("never echoes an ESC byte from a spec to stderr", () => {
    const esc = BASE.replace("label emotion", "label emo\u001b[31mtion").replace(
      '"data.csv"',
      '"da\u001b[2Jta.csv"',
    );
    const r = pnnc("check", write("esc\u001b.pnn", esc));
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain("\u001b");
    const u16 = pnnc("check", write("u16.pnn", utf16(BASE, "LE", true)));
    expect(u16.stderr).toContain("UTF-16 LE");
    expect(u16.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it("escapes control characters quoted in messages", () => {
    const file = new SourceFile("m.pnn", "x\n");
    const d = makeDiagnostic("PNN3006", file, { start: 0, end: 1 }, "unknown `a\u001bb`", {
      hint: "not \u0007 this",
    });
    const out = renderDiagnostics([d], new Map([[file.path, file]]), { color: false });
    expect(out).toContain("unknown `a\\u001bb`");
    expect(out).toContain("not \\u0007 this");
    expect(out).not.toMatch(/[\u0000-\u0008\u001b]/);
  });
});
