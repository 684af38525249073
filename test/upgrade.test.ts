/**
 * Spec upgrades: the version 1 → 2 migration (`early_stop` → `early_stopping`) rewrites only what it
 * must, keeps every comment and blank line, is idempotent and yields a spec with the same meaning;
 * unknown and future versions are refused; each spelling is held to its language version.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { LANGUAGE_VERSION } from "../src/version.js";
import { migrations, upgrade } from "../src/upgrade/migrations.js";
import { repoRoot } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-upgrade-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v1 = `// A version-1 spec. early_stop in a comment stays as written.
pnn 1 old_spec /* the header */

dataset d {
  file "data.csv"
  features numeric except [speaker, emotion]
  group speaker
}

task emotion {
  data d
  label emotion
}

column c {
  task emotion
  layers {
    dense 8 relu
  }
}

training {
  early_stop uar patience 5 // stop when UAR stalls
  stage s {
    train c
    early_stop   loss   patience 3
  }
}
`;

describe("upgrade", () => {
  it("moves a version-1 spec to the current version, keeping comments and layout", () => {
    const result = upgrade(v1);
    if ("problem" in result) throw new Error(result.problem);
    expect(result.from).toBe(1);
    expect(result.to).toBe(LANGUAGE_VERSION);
    expect(result.applied.map((m) => `${m.from}→${m.to}`)).toEqual(["1→2"]);
    expect(result.text).toBe(
      v1
        .replace("pnn 1 old_spec", "pnn 2 old_spec")
        .replace("  early_stop uar", "  early_stopping uar")
        .replace("    early_stop   loss", "    early_stopping   loss"),
    );
    expect(result.text).toContain("// A version-1 spec. early_stop in a comment stays as written.");
  });

  it("keeps the spec's meaning and is idempotent", () => {
    const result = upgrade(v1);
    if ("problem" in result) throw new Error(result.problem);
    const before = compileSpec("old.pnn", v1);
    const after = compileSpec("new.pnn", result.text);
    expect(before.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(after.diagnostics).toEqual(
      before.diagnostics.map((d) => ({ ...d, span: { ...d.span, file: "new.pnn" } })),
    );
    expect({ ...after.ir, language: 1 }).toEqual(before.ir);
    const again = upgrade(result.text);
    expect(again).toMatchObject({ text: result.text, applied: [] });
  });

  it("has a migration for every older version", () => {
    for (let v = 1; v < LANGUAGE_VERSION; v++)
      expect(migrations.some((m) => m.from === v && m.to === v + 1)).toBe(true);
  });

  it("refuses future, invalid and missing versions", () => {
    expect(upgrade(v1.replace("pnn 1", "pnn 9"))).toEqual({
      problem: `the spec is written for language version 9, newer than this pnnc's ${LANGUAGE_VERSION}; upgrade pnnc instead`,
    });
    expect(upgrade(v1.replace("pnn 1", "pnn 0"))).toMatchObject({
      problem: expect.stringContaining("is not a language version"),
    });
    expect(upgrade("dataset d {}")).toMatchObject({ problem: expect.stringContaining("header") });
  });

  it("holds each spelling to its version", () => {
    const v2WithOld = compileSpec("x.pnn", v1.replace("pnn 1", "pnn 2"));
    expect(v2WithOld.diagnostics.map((d) => d.code)).toContain("PNN3027");
    expect(v2WithOld.diagnostics.find((d) => d.code === "PNN3027")?.message).toContain(
      "since language version 2",
    );
    const v1WithNew = compileSpec("y.pnn", v1.replaceAll("early_stop ", "early_stopping "));
    expect(v1WithNew.diagnostics.find((d) => d.code === "PNN3027")?.message).toContain(
      "needs language version 2",
    );
  });
});

describe("pnnc upgrade", () => {
  const pnnc = (...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, "dist/cli/main.js"), ...args], {
      cwd: dir,
      encoding: "utf8",
    });

  it("prints the upgraded spec, or rewrites files with --write", () => {
    writeFileSync(join(dir, "a.pnn"), v1);
    writeFileSync(join(dir, "b.pnn"), v1.replace("old_spec", "other"));
    const printed = pnnc("upgrade", "a.pnn");
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toContain("pnn 2 old_spec /* the header */");
    expect(printed.stderr).toContain("a.pnn: language version 1 → 2");
    expect(readFileSync(join(dir, "a.pnn"), "utf8")).toBe(v1);
    expect(pnnc("upgrade", "a.pnn", "b.pnn").status).toBe(2);
    const written = pnnc("upgrade", "a.pnn", "b.pnn", "--write");
    expect(written.status, written.stderr).toBe(0);
    expect(readFileSync(join(dir, "b.pnn"), "utf8")).toContain(
      "early_stopping uar patience 5 // stop when UAR stalls",
    );
    const again = pnnc("upgrade", "a.pnn", "--write");
    expect(again.stderr).toContain("already at language version 2");
  });

  it("fails clearly on a future version", () => {
    writeFileSync(join(dir, "future.pnn"), v1.replace("pnn 1", "pnn 7"));
    const r = pnnc("upgrade", "future.pnn", "--write");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("newer than this pnnc's");
    expect(readFileSync(join(dir, "future.pnn"), "utf8")).toContain("pnn 7");
  });
});
