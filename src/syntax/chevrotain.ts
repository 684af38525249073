/**
 * Chevrotain's runtime, loaded from the single-file ESM bundle the package ships.
 * In: nothing. Out: the Chevrotain values pnnc uses. Why: the package's main entry loads hundreds of
 * lodash-es modules (about 0.5 s at start-up on a 2-core machine); the bundle loads in about 40 ms,
 * and `check` and `fmt` must start fast. Types still come from the package ("chevrotain").
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

type Chevrotain = typeof import("chevrotain");

const entry = createRequire(import.meta.url).resolve("chevrotain");
const bundle = join(dirname(entry), "..", "chevrotain.mjs");
const chevrotain = (await import(pathToFileURL(bundle).href)) as Chevrotain;

export const {
  createToken,
  Lexer,
  CstParser,
  EOF,
  tokenLabel,
  generateCstDts,
  createSyntaxDiagramsCode,
} = chevrotain;
