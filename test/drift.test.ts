/**
 * Generated files and goldens are in sync with their sources: `npm run gen` output, computed in
 * memory, must equal what is committed (the IR and results JSON Schemas, generated from their
 * TypeScript types; grammar artefacts, CST types, IR goldens, error baselines, README's diagnostic
 * table, the generated TypeScript programs and the versions their package.json pins). Also: the
 * reference grammar is the parser's, and the parser is valid.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allArtifacts, listFiles, repoRoot } from "../src/tools/artifacts.js";
import { SCHEMAS } from "../src/tools/schemas.js";
import { PnnParser } from "../src/syntax/parser.js";

describe("generated artefacts", async () => {
  const artifacts = await allArtifacts();

  it("cover the schemas, the grammar, the CST types, every golden and the README", () => {
    const paths = artifacts.map((a) => a.path);
    for (const p of [
      // Where validate-schema.ts and load-report.ts import them from.
      "src/ir/pnn-ir.schema.json",
      "src/engine/results.schema.json",
      "grammar/pnn.ebnf",
      "grammar/pnn-railroad.html",
      "grammar/pnn.tmLanguage.json",
    ]) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith("generated/ir/")).length).toBeGreaterThanOrEqual(8);
    // A TypeScript program (main.ts, columns.ts) per example spec over tables (specs over audio
    // have none: `pnnc compile` refuses them), over one shared runtime.
    const irs = artifacts.filter((a) => a.path.startsWith("generated/ir/"));
    const overAudio = irs.filter((a) => a.content.includes('"format": "audio"'));
    expect(overAudio.length).toBeGreaterThan(0);
    const specs = irs.length - overAudio.length;
    expect(paths.filter((p) => /^generated\/ts\/.+\/main\.ts$/.test(p))).toHaveLength(specs);
    expect(paths.filter((p) => /^generated\/ts\/.+\/columns\.ts$/.test(p))).toHaveLength(specs);
    expect(paths).toContain("generated/ts/runtime/driver.ts");
  });

  for (const { path, content } of artifacts) {
    it(`${path} is up to date (run \`npm run gen\` if not)`, () => {
      expect(readFileSync(join(repoRoot, path), "utf8")).toBe(content);
    });
  }

  it("generated/ holds nothing else (a stale program would still type-check and mislead)", () => {
    const paths = new Set(artifacts.map((a) => a.path));
    expect(listFiles("generated", "").filter((p) => !paths.has(p))).toEqual([]);
  });

  it("the schemas say where they come from and who they are", () => {
    for (const { path, type, from, id } of SCHEMAS) {
      const schema = JSON.parse(artifacts.find((a) => a.path === path)?.content ?? "{}") as Record<
        string,
        unknown
      >;
      expect(schema["$id"]).toBe(id);
      expect(schema["$comment"]).toContain(`${type} in ${from}`);
      expect(schema["additionalProperties"]).toBe(false);
    }
  });

  it("generated programs pin the versions pnnc's package.json pins", () => {
    const own = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as Record<
      string,
      Record<string, string>
    >;
    const pinned = {
      ...own["devDependencies"],
      ...own["optionalDependencies"],
      ...own["dependencies"],
    };
    const pkg = JSON.parse(
      artifacts.find((a) => a.path === "generated/ts/package.json")?.content ?? "{}",
    ) as Record<string, Record<string, string>>;
    const deps = {
      ...pkg["dependencies"],
      ...pkg["optionalDependencies"],
      ...pkg["devDependencies"],
    };
    expect(Object.keys(deps).length).toBeGreaterThanOrEqual(7);
    for (const [name, version] of Object.entries(deps)) expect(version).toBe(pinned[name]);
  });

  it("the railroad diagrams need no network", () => {
    const html = artifacts.find((a) => a.path === "grammar/pnn-railroad.html")?.content ?? "";
    expect(html).not.toMatch(/src=['"]https?:/);
    expect(html).not.toMatch(/href=['"]https?:/);
    expect(html).toContain("serializedGrammar");
  });

  it("the EBNF names every parser rule", () => {
    const ebnf = artifacts.find((a) => a.path === "grammar/pnn.ebnf")?.content ?? "";
    const parser = new PnnParser();
    for (const rule of parser.getSerializedGastProductions()) {
      expect(ebnf).toMatch(new RegExp(`^${(rule as unknown as { name: string }).name} = `, "m"));
    }
  });
});

describe("the grammar", () => {
  it("passes Chevrotain's grammar validations (no ambiguity, no left recursion)", () => {
    expect(() => new PnnParser({ validate: true })).not.toThrow();
  });
});
