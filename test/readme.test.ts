/**
 * The spec examples of README.md and of every page under docs/ are specs this pnnc accepts, in the
 * current language version, so a reader who copies one gets a spec that checks.
 *
 * Convention for their fenced code blocks:
 * - every fence carries a tag: ```pnn for a spec, ```sh for commands, ```text for anything else
 *   (pipelines, printed output), so no spec can hide in an untagged block;
 * - a ```pnn block is a whole spec, header included, checked exactly as written: there are no
 *   fragments to wrap (write a short whole spec instead of a fragment; docs/language.md lists the
 *   one-line forms);
 * - a block that starts like a spec (`pnn N NAME`) must be tagged ```pnn.
 * Tables stay within a screen: no row wider than 160 characters.
 * Checking is `pnnc check`'s front end (`compileSpec`): no diagnostic of severity error, and the
 * header declares the current language version. Warnings are allowed. Data files are not loaded, so a
 * `file` that does not exist next to README.md is fine.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { catalog } from "../src/diagnostics/catalog.js";
import { LANGUAGE_VERSION } from "../src/version.js";
import { read, repoRoot } from "./helpers.js";

interface Block {
  /** The info string after the opening fence: `pnn`, `sh`, `text`, or "" when untagged. */
  tag: string;
  /** 1-based line of the opening fence in README.md. */
  line: number;
  body: string;
}

/** CommonMark fenced code blocks: ``` or ~~~ (three or more), closed by a fence at least as long. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? "");
    if (!open) continue;
    const fence = open[1] ?? "```";
    const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
    blocks.push({ tag: open[2] ?? "", line: start + 1, body: body.join("\n") + "\n" });
  }
  return blocks;
}

const pages = [
  "README.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

it("README.md and docs/ hold spec examples to check (the checks cannot pass vacuously)", () => {
  const all = pages.flatMap((page) => fencedBlocks(read(page)).filter((b) => b.tag === "pnn"));
  expect(all.length).toBeGreaterThan(1);
});

for (const page of pages)
  describe(page, () => {
    const readme = read(page);
    const blocks = fencedBlocks(readme);
    const specs = blocks.filter((b) => b.tag === "pnn");

    it("keeps every table row within a screen (160 characters)", () => {
      const wide = readme
        .split("\n")
        .flatMap((l, i) => (l.startsWith("|") && l.length > 160 ? [`${page}:${i + 1}`] : []));
      expect(wide).toEqual([]);
    });

    it("tags every fenced code block", () => {
      expect(blocks.filter((b) => b.tag === "").map((b) => `${page}:${b.line}`)).toEqual([]);
    });

    it("tags every block that holds a spec as `pnn`", () => {
      const firstCode = (b: Block) =>
        b.body.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "";
      const untagged = blocks.filter((b) => b.tag !== "pnn" && /^pnn\s+\d/.test(firstCode(b)));
      expect(untagged.map((b) => `${page}:${b.line} (tagged \`${b.tag}\`)`)).toEqual([]);
    });

    for (const block of specs) {
      it(`the spec at ${page}:${block.line} checks with no errors in language version ${LANGUAGE_VERSION}`, () => {
        const result = compileSpec(`${page}:${block.line}.pnn`, block.body);
        // Lines in the block count from 1 at the line after the opening fence.
        const errors = result.diagnostics
          .filter((d) => d.severity === "error")
          .map(
            (d) => `${page}:${block.line + d.span.line}:${d.span.column} ${d.code} ${d.message}`,
          );
        expect(errors, `the \`pnn\` block at ${page}:${block.line}`).toEqual([]);
        expect(result.ir?.language, `the header of the block at ${page}:${block.line}`).toBe(
          LANGUAGE_VERSION,
        );
      });
    }

    it("writes every example header (`pnn N NAME`) in the current language version", () => {
      const stale = readme
        .split("\n")
        .flatMap((text, i) =>
          [...text.matchAll(/\bpnn (\d+) [A-Za-z_]/g)]
            .filter((m) => Number(m[1]) !== LANGUAGE_VERSION)
            .map((m) => `${page}:${i + 1}: ${m[0]}`),
        );
      expect(stale).toEqual([]);
    });
  });

describe("version text outside the examples", () => {
  it("`pnnc explain PNN3021` names the current language version as the one pnnc writes", () => {
    expect(catalog.PNN3021.explanation).toContain(`writes ${LANGUAGE_VERSION}`);
  });
});
