/**
 * Parser error messages in the rustc style: lowercase, names in backticks, "expected …, found …".
 * In: what Chevrotain knows at a failure (expected token types, actual tokens, rule). Out: one message.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF, tokenLabel } from "./chevrotain.js";

/** What a rule is called in messages, for the rules where the token list alone is unhelpful. */
const ruleDescriptions: Record<string, string> = {
  declaration: "a declaration",
  datasetStmt: "a dataset setting",
  taskStmt: "a task setting",
  columnStmt: "a column setting",
  layerStmt: "a layer",
  trainingStmt: "a training setting",
  stageStmt: "a stage setting",
  evaluationStmt: "an evaluation setting",
  literal: "a value",
  item: "a value",
  items: "a value or a `[` list",
  mapping: "a mapping `from -> to`",
  mappings: "a mapping `from -> to` or a `[` list of them",
};

export function describeToken(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return "end of file";
  return `\`${token.image}\``;
}

function labelOf(type: TokenType): string {
  const label = tokenLabel(type);
  if (label === "name" || label === "number" || label === "string") return `a ${label}`;
  return label.startsWith("`") ? label : `\`${label}\``;
}

function oneOf(types: TokenType[]): string {
  const labels = [...new Set(types.map(labelOf))];
  if (labels.length === 1) return labels[0] ?? "";
  return `one of ${labels.join(", ")}`;
}

function firstTokens(paths: TokenType[][]): TokenType[] {
  return paths.map((p) => p[0]).filter((t): t is TokenType => t !== undefined);
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${labelOf(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a declaration (\`dataset\`, \`task\`, \`column\`, \`training\` or \`evaluation\`), found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const expected = ruleDescriptions[ruleName] ?? oneOf(expectedPathsPerAlt.flatMap(firstTokens));
    const starts = oneOf(expectedPathsPerAlt.flatMap(firstTokens));
    const isStatement = ruleName.endsWith("Stmt") || ruleName === "declaration";
    const detail = isStatement && starts.startsWith("one of") ? ` (${starts})` : "";
    return `expected ${expected}${detail}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const expected = ruleDescriptions[ruleName] ?? oneOf(firstTokens(expectedIterationPaths));
    return `expected ${expected}, found ${describeToken(actual[0])}`;
  },
};
