/**
 * The parse's fast path keeps behaviour: the parser without recovery gives the recovering parser's
 * tree on every valid spec and finds an error wherever that one does, and no grammar name collides
 * with a member of the CST's plain-object children.
 */
import { describe, expect, it } from "vitest";
import type { IToken } from "chevrotain";
import { PnnParser, pnnParser } from "../src/syntax/parser.js";
import { pnnLexer } from "../src/syntax/tokens.js";
import { exampleSpecs, invalidFixtures, read } from "./helpers.js";

const recovering = new PnnParser();

function parseWith(parser: PnnParser, tokens: IToken[]) {
  parser.input = tokens;
  const cst = parser.spec();
  return { cst, errors: parser.errors };
}

/** A few deterministic damages of a text: a character dropped, a bracket added, a word doubled. */
function damaged(text: string): string[] {
  const at = (k: number) => Math.floor((text.length * k) / 7);
  return [1, 2, 3, 4, 5, 6].flatMap((k) => [
    text.slice(0, at(k)) + text.slice(at(k) + 1),
    text.slice(0, at(k)) + "{" + text.slice(at(k)),
    text.slice(0, at(k)) + " dense " + text.slice(at(k)),
  ]);
}

describe("the parser without recovery", () => {
  for (const spec of exampleSpecs) {
    it(`builds the recovering parser's tree for ${spec}`, () => {
      const tokens = pnnLexer.tokenize(read(spec)).tokens;
      const fast = parseWith(pnnParser, tokens);
      expect(fast.errors).toEqual([]);
      expect(fast.cst).toEqual(parseWith(recovering, tokens).cst);
    });
  }

  it("finds an error exactly where the recovering parser finds one", () => {
    const texts = [...exampleSpecs, ...invalidFixtures]
      .map(read)
      .flatMap((t) => [t, ...damaged(t)]);
    for (const text of texts) {
      const tokens = pnnLexer.tokenize(text).tokens;
      const fast = parseWith(pnnParser, tokens).errors.length > 0;
      expect(fast, text).toBe(parseWith(recovering, tokens).errors.length > 0);
    }
  });
});

describe("CST children keys", () => {
  it("never name a member of Object.prototype", () => {
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (["name", "label", "terminalLabel"].includes(key) && typeof value === "string")
            names.add(value);
          walk(value);
        }
      }
    };
    walk(pnnParser.getSerializedGastProductions());
    expect(names.size).toBeGreaterThan(20);
    expect([...names].filter((n) => n in Object.prototype)).toEqual([]);
  });
});
