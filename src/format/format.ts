/**
 * `pnnc fmt`: prints an AST back as canonical `.pnn` text, one function per construct, keeping every
 * comment (re-attached by position) and at most one blank line where the author left one.
 * In: an error-free AST, its comments and source text. Out: the formatted text. format(format(x)) =
 * format(x), and parsing the output gives the same AST and the same IR.
 */
import type * as A from "../syntax/ast.js";
import { CommentCursor } from "./comment-cursor.js";

const INDENT = "  ";
const WIDTH = 100;

interface Printable {
  range: A.Range;
  /** Lines of the construct, first line unindented; nested lines carry their own relative indent. */
  print(indent: string): string[];
}

export function formatSpec(spec: A.Spec, comments: readonly A.Comment[], text: string): string {
  const cursor = new CommentCursor(comments, text);
  const header: Printable = {
    range: spec.header.range,
    print: () => [`pnn ${spec.header.version.raw} ${spec.header.name.text}`],
  };
  const decls = spec.decls.map((d): Printable => ({
    range: d.range,
    print: (i) => printDecl(d, i, cursor),
  }));
  const lines = printBody([header, ...decls], "", cursor, text.length, { blankBetween: "always" });
  return lines.join("\n").replace(/[ \t]+$/gm, "") + "\n";
}

/**
 * Prints a sequence of constructs with their comments: leading comments on their own lines, a comment
 * on the construct's last line kept there, and comments after the last construct before `end`.
 */
function printBody(
  items: Printable[],
  indent: string,
  cursor: CommentCursor,
  end: number,
  opts: { blankBetween: "always" | "preserve" },
): string[] {
  const out: string[] = [];
  let previousEnd: number | null = null;
  /** Comments on their own lines, keeping one blank line where the source had one. */
  const emitComments = (cs: A.Comment[], after: number | null) => {
    let last = after;
    for (const c of cs) {
      if (last !== null && out.length > 0 && cursor.blankLineBetween(last, c.range.start))
        out.push("");
      out.push(indent + c.text);
      last = c.range.end;
    }
    return last;
  };
  items.forEach((item, i) => {
    const leading = cursor.takeBefore(item.range.start);
    const groupStart = leading[0]?.range.start ?? item.range.start;
    const blank =
      opts.blankBetween === "always" ||
      (previousEnd !== null && cursor.blankLineBetween(previousEnd, groupStart));
    if (i > 0 && blank) out.push("");
    const afterLeading = emitComments(leading, null);
    if (afterLeading !== null && cursor.blankLineBetween(afterLeading, item.range.start))
      out.push("");
    const [first = "", ...rest] = item.print(indent);
    // Comments inside a construct that its printer did not place (e.g. between two words) go above it.
    emitComments(cursor.takeBefore(item.range.end), null);
    const trailing = cursor.takeTrailing(item.range.end);
    const lines = [indent + first, ...rest];
    if (trailing) lines[lines.length - 1] += " " + trailing.text;
    out.push(...lines);
    previousEnd = trailing?.range.end ?? item.range.end;
  });
  emitComments(cursor.takeBefore(end), previousEnd);
  return out;
}

// ── declarations and blocks ─────────────────────────────────────────────────────────────────────────

function printDecl(d: A.Decl, indent: string, cursor: CommentCursor): string[] {
  const head = d.name ? `${d.kind} ${d.name.text}` : d.kind;
  return printBlock(head, d.body, d.range, indent, cursor, (s, i) => printStmt(s, i, cursor));
}

function printBlock<T extends { range: A.Range }>(
  head: string,
  body: T[],
  range: A.Range,
  indent: string,
  cursor: CommentCursor,
  printItem: (item: T, indent: string) => string[],
): string[] {
  const inner = indent + INDENT;
  const close = range.end - 1;
  if (body.length === 0 && !cursor.hasBefore(close)) return [`${head} {}`];
  const items = body.map((s): Printable => ({ range: s.range, print: (i) => printItem(s, i) }));
  return [
    `${head} {`,
    ...printBody(items, inner, cursor, close, { blankBetween: "preserve" }),
    `${indent}}`,
  ];
}

function printStmt(s: A.Stmt, indent: string, cursor: CommentCursor): string[] {
  switch (s.kind) {
    case "setting":
      return [`${s.key} ${s.value.raw}`];
    case "list-setting":
      return printList(s.key, s.value, indent, cursor);
    case "features":
      if (!s.numeric) return printList("features", s.list ?? emptyList(s.range), indent, cursor);
      return s.list
        ? printList("features numeric except", s.list, indent, cursor)
        : ["features numeric"];
    case "exclude":
      return printList(`exclude where ${s.column.raw} in`, s.values, indent, cursor);
    case "merge":
      return [`merge ${bracket(s.mappings.map((m) => `${m.from.raw} -> ${m.to.raw}`))}`];
    case "fields":
      return [`fields ${s.column.raw}${s.regex ? " regex" : ""} ${s.pattern.raw}`];
    case "derive": {
      const head = `derive ${s.name.raw} from ${s.from.raw}${s.parity ? " parity" : ""}`;
      return printMappings(head, s.mappings, s.mappingsRange, indent, cursor);
    }
    case "join": {
      const format = s.format ? ` format ${s.format.raw}` : "";
      const key = s.keyColumn ? ` = ${s.keyColumn.raw}` : "";
      const head = `join ${s.file.raw}${format} on ${s.on.raw}${key}`;
      return s.take ? printList(`${head} take`, s.take, indent, cursor) : [head];
    }
    case "preset":
      return [`preset ${s.name.raw} on ${s.column.raw}`];
    case "layers":
      return printBlock("layers", s.body, s.range, indent, cursor, (l, i) =>
        printLayer(l, i, cursor),
      );
    case "head":
      return [`head ${s.units ? s.units.raw + " " : ""}${s.activation.raw}`];
    case "init":
      return [`init from ${s.source.raw}`];
    case "lateral": {
      const opts = s.options.map((o) => ` ${o.key} ${o.value.raw}`).join("");
      const kind = s.type ? ` ${s.type.raw}${opts}` : "";
      return [`lateral from ${inlineList(s.sources)} into ${inlineList(s.targets)}${kind}`];
    }
    case "early-stop":
      return [
        `${s.key} ${s.metric.raw}${s.options.map((o) => ` ${o.key} ${o.value.raw}`).join("")}`,
      ];
    case "best-epoch":
      return [`best_epoch ${s.metric.raw}`];
    case "folds":
      return [`folds ${s.first.raw}${s.second ? " " + s.second.raw : ""}`];
    case "stage":
      return printBlock(`stage ${s.name.text}`, s.body, s.range, indent, cursor, (x, i) =>
        printStmt(x, i, cursor),
      );
  }
}

function printLayer(l: A.LayerStmt, indent: string, cursor: CommentCursor): string[] {
  if (l.kind === "dense") {
    return [
      `dense ${l.units.raw} ${l.activation.raw}${l.dropout ? ` dropout ${l.dropout.raw}` : ""}`,
    ];
  }
  const head = `repeat ${l.count.raw}`;
  const only = l.body[0];
  if (l.body.length === 1 && only?.kind === "dense" && !cursor.hasBefore(l.range.end)) {
    return [`${head} { ${printLayer(only, indent, cursor).join("")} }`];
  }
  return printBlock(head, l.body, l.range, indent, cursor, (x, i) => printLayer(x, i, cursor));
}

// ── lists and items ─────────────────────────────────────────────────────────────────────────────────

function emptyList(range: A.Range): A.ItemList {
  return { items: [], range };
}

function printItem(item: A.Item): string {
  if (item.last) return `${item.first.raw} .. ${item.last.raw}`;
  // `21.22` would lex as one number: a numeric item keeps spaces around the dot (the checker
  // rejects it anyway, but formatting must never change what a spec parses to).
  if (item.layer)
    return item.first.type === "number" || item.layer.type === "number"
      ? `${item.first.raw} . ${item.layer.raw}`
      : `${item.first.raw}.${item.layer.raw}`;
  return item.first.raw;
}

function bracket(parts: string[]): string {
  return parts.length === 1 ? (parts[0] ?? "") : `[${parts.join(", ")}]`;
}

function inlineList(list: A.ItemList): string {
  return bracket(list.items.map(printItem));
}

/**
 * `key a -> b`, `key [a -> b, c -> d]`, or one mapping per line when too wide or when comments sit
 * inside: a corpus's code table (eight emotions) rarely fits on one line.
 */
function printMappings(
  key: string,
  mappings: A.Mapping[],
  range: A.Range,
  indent: string,
  cursor: CommentCursor,
): string[] {
  const text = (m: A.Mapping) => `${m.from.raw} -> ${m.to.raw}`;
  const inline = `${key} ${bracket(mappings.map(text))}`;
  const hasComments = cursor.hasBefore(range.end) && mappings.length > 0;
  if (!hasComments && indent.length + inline.length <= WIDTH) return [inline];
  const inner = indent + INDENT;
  const out = [`${key} [`];
  mappings.forEach((m, i) => {
    for (const c of cursor.takeBefore(m.range.start)) out.push(inner + c.text);
    const comma = i < mappings.length - 1 ? "," : "";
    const trailing = cursor.takeTrailing(m.range.end);
    out.push(`${inner}${text(m)}${comma}${trailing ? " " + trailing.text : ""}`);
  });
  for (const c of cursor.takeBefore(range.end)) out.push(inner + c.text);
  out.push(`${indent}]`);
  return out;
}

/** `key item`, `key [a, b]`, or one item per line when too wide or when comments sit inside. */
function printList(key: string, list: A.ItemList, indent: string, cursor: CommentCursor): string[] {
  const inline = `${key} ${inlineList(list)}`;
  const hasComments = cursor.hasBefore(list.range.end) && list.items.length > 0;
  if (!hasComments && indent.length + inline.length <= WIDTH) return [inline];
  const inner = indent + INDENT;
  const out = [`${key} [`];
  list.items.forEach((item, i) => {
    for (const c of cursor.takeBefore(item.range.start)) out.push(inner + c.text);
    const comma = i < list.items.length - 1 ? "," : "";
    const trailing = cursor.takeTrailing(item.range.end);
    out.push(`${inner}${printItem(item)}${comma}${trailing ? " " + trailing.text : ""}`);
  });
  for (const c of cursor.takeBefore(list.range.end)) out.push(inner + c.text);
  out.push(`${indent}]`);
  return out;
}
