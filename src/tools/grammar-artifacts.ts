/**
 * Grammar artefacts derived from the parser itself, so they cannot drift from it: the reference
 * grammar (EBNF, printed from Chevrotain's grammar model), the railroad diagrams (one self-contained
 * HTML file) and the TextMate grammar for editors.
 * In: the parser's serialized productions, the token table and the vocabularies. Out: file contents
 * as strings.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ISerializedGast } from "chevrotain";
import { createSyntaxDiagramsCode } from "../syntax/chevrotain.js";
import { pnnParser } from "../syntax/parser.js";
import { migrations } from "../upgrade/migrations.js";
import { LANGUAGE_VERSION } from "../version.js";
import {
  BlockComment,
  Identifier,
  keywords,
  LineComment,
  NumberLiteral,
  ClosedString,
} from "../syntax/tokens.js";
import {
  ACTIVATIONS,
  EARLY_STOPPING_METRICS,
  FOLD_KINDS,
  HEAD_ACTIVATIONS,
  LATERAL_KINDS,
  METRICS,
  MISSING_POLICIES,
  DUPLICATE_POLICIES,
  NORMALIZE_MODES,
  OPTIMIZERS,
  TABLE_FORMATS,
} from "../runtime/vocabulary.js";

type Gast = ISerializedGast & {
  name?: string;
  pattern?: string;
  separator?: Gast;
  definition?: Gast[];
};

const literalTokens: Record<string, string> = {
  NumberLiteral: "NUMBER",
  StringLiteral: "STRING",
  Identifier: "NAME",
};

function terminal(g: Gast): string {
  const name = g.name ?? "";
  if (literalTokens[name]) return literalTokens[name];
  return JSON.stringify(g.pattern ?? name);
}

function sequence(defs: Gast[] | undefined): string {
  return (defs ?? []).map(expression).join(" ");
}

function expression(g: Gast): string {
  switch (g.type) {
    case "NonTerminal":
      return g.name ?? "";
    case "Terminal":
      return terminal(g);
    case "Alternation":
      return `( ${(g.definition ?? []).map((alt) => sequence(alt.definition)).join(" | ")} )`;
    case "Option":
      return `[ ${sequence(g.definition)} ]`;
    case "Repetition":
      return `{ ${sequence(g.definition)} }`;
    case "RepetitionMandatory":
      return `${sequence(g.definition)} { ${sequence(g.definition)} }`;
    case "RepetitionWithSeparator":
      return `[ ${sequence(g.definition)} { ${terminal(g.separator ?? g)} ${sequence(g.definition)} } ]`;
    case "RepetitionMandatoryWithSeparator":
      return `${sequence(g.definition)} { ${terminal(g.separator ?? g)} ${sequence(g.definition)} }`;
    default:
      return sequence(g.definition);
  }
}

/** ISO-14977-style EBNF: `[ ]` optional, `{ }` zero or more, `( | )` choice. */
export function ebnf(): string {
  const rules = pnnParser.getSerializedGastProductions() as Gast[];
  const lines = [
    `(* The .pnn reference grammar, language version ${LANGUAGE_VERSION}. It also accepts the spellings of`,
    "   older versions; the spec's `pnn VERSION` header decides which ones it may use (PNN3027).",
    ...migrations.map((m) => `   Version ${m.from} → ${m.to}: ${m.title}.`),
    "   Generated from pnnc's parser by `npm run gen`; a test fails when it drifts. Do not edit. *)",
    "",
  ];
  for (const rule of rules) {
    const body = sequence(rule.definition).replace(/^\( (.*) \)$/, "$1");
    lines.push(`${rule.name} = ${body} ;`);
  }
  const source = (t: { PATTERN?: unknown }) => String(t.PATTERN);
  lines.push(
    "",
    "(* Lexical grammar (regular expressions). Keywords are reserved; write a data column that",
    "   shares a keyword's spelling as a STRING. *)",
    `NAME    = ${source(Identifier)} ;`,
    `NUMBER  = ${source(NumberLiteral)} ;`,
    `STRING  = ${source(ClosedString)} ;  (* escapes: \\" \\\\ \\n \\t *)`,
    `comment = ${source(LineComment)} | ${source(BlockComment)} ;`,
    `keyword = ${[...keywords.keys()].map((k) => JSON.stringify(k)).join(" | ")} ;`,
  );
  return lines.join("\n") + "\n";
}

/** Chevrotain's railroad diagrams with their scripts and CSS inlined: viewable offline. */
export function railroadHtml(): string {
  const diagrams = join(
    dirname(createRequire(import.meta.url).resolve("chevrotain")),
    "..",
    "..",
    "diagrams",
  );
  const html = createSyntaxDiagramsCode(pnnParser.getSerializedGastProductions(), {
    resourceBase: "RESOURCE/",
    css: "RESOURCE/diagrams.css",
  });
  return html
    .replace(/<link rel='stylesheet' href='RESOURCE\/([^']+)'>/g, (_, file: string) => {
      return `<style>\n${readFileSync(join(diagrams, file), "utf8")}\n</style>`;
    })
    .replace(/<script src='RESOURCE\/([^']+)'><\/script>/g, (_, file: string) => {
      return `<script>\n${readFileSync(join(diagrams, file), "utf8")}\n</script>`;
    })
    .replace(/[ \t]+$/gm, "");
}

const declarationWords = ["pnn", "dataset", "task", "column", "training", "evaluation", "stage"];
/** Every word of the language's vocabularies, then the few value words that are no list's. */
const valueWords = [
  ...new Set([
    ...TABLE_FORMATS,
    ...NORMALIZE_MODES,
    ...MISSING_POLICIES,
    ...DUPLICATE_POLICIES,
    ...ACTIVATIONS,
    ...HEAD_ACTIVATIONS,
    ...LATERAL_KINDS,
    ...OPTIMIZERS,
    ...EARLY_STOPPING_METRICS,
    ...METRICS,
    "off",
    ...FOLD_KINDS,
    "all",
    "hidden",
  ]),
];

/** A TextMate grammar (VS Code, Sublime, GitHub's linguist) built from the token table. */
export function textMateGrammar(): string {
  const others = [...keywords.keys()].filter((k) => !declarationWords.includes(k));
  const words = (ws: readonly string[]) => `\\b(?:${ws.join("|")})\\b`;
  const grammar = {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "pnn",
    scopeName: "source.pnn",
    fileTypes: ["pnn"],
    patterns: [
      "comments",
      "strings",
      "declarations",
      "keywords",
      "values",
      "layers",
      "numbers",
      "operators",
    ].map((name) => ({ include: `#${name}` })),
    repository: {
      comments: {
        patterns: [
          { name: "comment.line.double-slash.pnn", match: "//.*$" },
          { name: "comment.block.pnn", begin: "/\\*", end: "\\*/" },
        ],
      },
      strings: {
        name: "string.quoted.double.pnn",
        begin: '"',
        end: '"|$',
        patterns: [{ name: "constant.character.escape.pnn", match: '\\\\["\\\\nt]' }],
      },
      declarations: {
        match: `${words(declarationWords.filter((w) => w !== "pnn"))}\\s+([A-Za-z_][A-Za-z0-9_]*)?`,
        captures: { "0": { name: "storage.type.pnn" }, "1": { name: "entity.name.type.pnn" } },
      },
      keywords: {
        patterns: [
          { name: "keyword.control.pnn", match: words(["pnn"]) },
          { name: "keyword.other.pnn", match: words(others) },
        ],
      },
      values: { name: "support.constant.pnn", match: words(valueWords) },
      layers: { name: "variable.other.layer.pnn", match: "\\b(?:h[0-9]+|head)\\b" },
      numbers: {
        name: "constant.numeric.pnn",
        match: "-?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?",
      },
      operators: { name: "keyword.operator.pnn", match: "->|\\.\\.|\\." },
    },
  };
  return JSON.stringify(grammar, null, 2) + "\n";
}
