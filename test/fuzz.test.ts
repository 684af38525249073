/**
 * Property test over mutated example specs (tokens and characters deleted, duplicated, swapped or
 * replaced): no exception escapes the front end, every span lies inside its file with consistent
 * line/column, and whatever still parses formats idempotently without changing its AST or IR.
 * `npm test` runs a fixed seed; `npm run fuzz` runs many more mutations from a fresh seed (printed,
 * so a failure reproduces with PNNC_FUZZ_SEED=that).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { formatSpec } from "../src/format/format.js";
import { pnnLexer } from "../src/syntax/tokens.js";
import { exampleSpecs, read, shape } from "./helpers.js";

type Mutation =
  | { op: "deleteToken" | "duplicateToken"; at: number }
  | { op: "swapTokens"; a: number; b: number }
  | { op: "deleteChar"; at: number }
  | { op: "insertChar" | "replaceChar"; at: number; ch: string };

const noise = [
  "{",
  "}",
  "[",
  "]",
  ",",
  ".",
  "..",
  "->",
  '"',
  "/*",
  "//",
  "\n",
  "-",
  "0",
  "1e9",
  "x",
  "é",
  "\u0000",
  " ",
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom("deleteToken" as const, "duplicateToken" as const),
    at: fc.nat(),
  }),
  fc.record({ op: fc.constant("swapTokens" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constant("deleteChar" as const), at: fc.nat() }),
  fc.record({
    op: fc.constantFrom("insertChar" as const, "replaceChar" as const),
    at: fc.nat(),
    ch: fc.constantFrom(...noise),
  }),
);

function apply(text: string, m: Mutation): string {
  const tokens = pnnLexer.tokenize(text).tokens;
  const tok = (i: number) => tokens[i % Math.max(1, tokens.length)];
  const span = (i: number) => {
    const t = tok(i);
    return t ? [t.startOffset, t.startOffset + t.image.length] : [0, 0];
  };
  const at = (i: number) => i % (text.length + 1);
  switch (m.op) {
    case "deleteToken": {
      const [s, e] = span(m.at);
      return text.slice(0, s) + text.slice(e);
    }
    case "duplicateToken": {
      const [s, e] = span(m.at);
      return text.slice(0, e) + " " + text.slice(s, e) + text.slice(e);
    }
    case "swapTokens": {
      const [[s1, e1], [s2, e2]] = [span(m.a), span(m.b)].sort((x, y) => x[0]! - y[0]!) as [
        number[],
        number[],
      ];
      if (e1! > s2!) return text;
      return (
        text.slice(0, s1) +
        text.slice(s2, e2) +
        text.slice(e1, s2) +
        text.slice(s1, e1) +
        text.slice(e2)
      );
    }
    case "deleteChar":
      return text.slice(0, at(m.at)) + text.slice(at(m.at) + 1);
    case "insertChar":
      return text.slice(0, at(m.at)) + m.ch + text.slice(at(m.at));
    case "replaceChar":
      return text.slice(0, at(m.at)) + m.ch + text.slice(at(m.at) + 1);
  }
}

function assertWellFormed(text: string): void {
  const result = compileSpec("fuzz.pnn", text);
  for (const d of result.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeLessThanOrEqual(result.file.text.length);
    expect(d.span.start).toBeLessThanOrEqual(d.span.end);
    expect(result.file.position(d.span.start)).toEqual({
      line: d.span.line,
      column: d.span.column,
    });
    expect(d.message.length).toBeGreaterThan(0);
  }
  if (!result.ast) return;
  const once = formatSpec(result.ast, result.comments, result.file.text);
  const again = compileSpec("fuzz.pnn", once);
  expect(again.ast, "formatted output must parse").not.toBeNull();
  expect(shape(again.ast)).toEqual(shape(result.ast));
  expect(again.ir).toEqual(result.ir);
  // fmt drops trailing blanks on every line, inside comments too: the words must survive, not those.
  const words = (cs: { text: string }[]) => cs.map((c) => c.text.replace(/[ \t]+$/gm, ""));
  expect(words(again.comments)).toEqual(words(result.comments));
  if (again.ast) expect(formatSpec(again.ast, again.comments, again.file.text)).toBe(once);
}

/** How many mutations per spec, and from which seed: fixed in the suite, chosen by `npm run fuzz`. */
const RUNS = Number(process.env.PNNC_FUZZ_RUNS ?? 150);
const SEED =
  process.env.PNNC_FUZZ_SEED === "random"
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.PNNC_FUZZ_SEED ?? 20261125);
if (RUNS !== 150 || SEED !== 20261125)
  console.log(`fuzz: ${RUNS} mutations per spec, seed ${SEED} (PNNC_FUZZ_SEED=${SEED} repeats it)`);

describe("fuzzed specs", () => {
  for (const spec of exampleSpecs) {
    it(
      `mutations of ${spec} never crash the front end`,
      () => {
        const text = read(spec);
        fc.assert(
          fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
            assertWellFormed(ms.reduce(apply, text));
          }),
          { numRuns: RUNS, seed: SEED },
        );
      },
      Math.max(60_000, RUNS * 40),
    );
  }

  it("the unmutated specs stay valid", () => {
    for (const spec of exampleSpecs) expect(compileSpec(spec, read(spec)).ir).not.toBeNull();
  });
});
