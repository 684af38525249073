/**
 * `pnnc upgrade`: moves a spec from its header's language version to the current one through a
 * chain of registered migrations, each a list of token-level edits (so comments, layout and every
 * untouched character stay as written). In: spec text. Out: the upgraded text and the migrations
 * applied, or a problem (a version that is unknown, newer than this pnnc, or not a number).
 */
import type { IToken } from "chevrotain";
import { LANGUAGE_VERSION } from "../version.js";
import { kw, NumberLiteral, pnnLexer } from "../syntax/tokens.js";

interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface Migration {
  from: number;
  to: number;
  title: string;
  edits(tokens: IToken[]): Edit[];
}

const replace = (t: IToken, text: string): Edit => ({
  start: t.startOffset,
  end: t.startOffset + t.image.length,
  text,
});

/** The registered migrations, version by version. A new language version adds one here. */
export const migrations: readonly Migration[] = [
  {
    from: 1,
    to: 2,
    title: "`early_stop` is renamed `early_stopping`",
    edits: (tokens) =>
      tokens
        .filter((t) => t.tokenType === kw("early_stop"))
        .map((t) => replace(t, "early_stopping")),
  },
];

export type Upgraded =
  { text: string; from: number; to: number; applied: Migration[] } | { problem: string };

/** The `pnn VERSION` header's version token, if the text starts with one. */
function versionToken(tokens: IToken[]): IToken | null {
  const [pnn, version] = tokens;
  return pnn?.tokenType === kw("pnn") && version?.tokenType === NumberLiteral ? version : null;
}

export function upgrade(text: string): Upgraded {
  let current = text;
  const applied: Migration[] = [];
  const first = versionToken(pnnLexer.tokenize(current).tokens);
  if (!first) return { problem: "the spec does not start with a `pnn VERSION NAME` header" };
  const from = Number(first.image);
  if (!Number.isInteger(from) || from < 1)
    return { problem: `\`${first.image}\` is not a language version (versions are 1, 2, …)` };
  if (from > LANGUAGE_VERSION)
    return {
      problem: `the spec is written for language version ${from}, newer than this pnnc's ${LANGUAGE_VERSION}; upgrade pnnc instead`,
    };
  for (let v = from; v < LANGUAGE_VERSION; v++) {
    const migration = migrations.find((m) => m.from === v);
    if (!migration) return { problem: `internal: no migration from language version ${v}` };
    const tokens = pnnLexer.tokenize(current).tokens;
    const version = versionToken(tokens);
    if (!version) return { problem: "the spec lost its header while upgrading" };
    const edits = [replace(version, String(migration.to)), ...migration.edits(tokens)];
    // Right to left, so earlier offsets stay valid.
    for (const e of edits.sort((a, b) => b.start - a.start))
      current = current.slice(0, e.start) + e.text + current.slice(e.end);
    applied.push(migration);
  }
  return { text: current, from, to: LANGUAGE_VERSION, applied };
}
