/**
 * Lowering of a dataset's derivations: `fields`, `derive`, `join`, and `preset` (expanded into the
 * others). In: the dataset block's statements. Out: the IR `derive` list in statement order, spans for
 * each path, and the diagnostics that need the source text: the shape of a template or regex
 * (PNN3032, PNN3033), code tables (PNN3034), unknown presets (PNN3035), a name repeated inside one
 * statement (PNN3031); names repeated across statements are a semantic check (check/semantic/derive.ts).
 */
import type * as A from "../syntax/ast.js";
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import type { Range } from "../diagnostics/source-file.js";
import type { JsonObject, LoweringContext } from "./lowering-context.js";
import { expandPreset, presets } from "./presets.js";

type Derivation = A.Fields | A.Derive | A.Join;

export function lowerDerivations(
  ctx: LoweringContext,
  body: A.Stmt[],
  path: string,
  defaultFormat: (file: string) => string,
): JsonObject[] {
  const stmts: Derivation[] = [];
  for (const s of body) {
    if (s.kind === "fields" || s.kind === "derive" || s.kind === "join") stmts.push(s);
    else if (s.kind === "preset") stmts.push(...preset(ctx, s));
  }
  return stmts.map((s, i) => {
    const p = `${path}/${i}`;
    ctx.spans.set(p, s.range);
    if (s.kind === "fields") return lowerFields(ctx, s, p);
    if (s.kind === "derive") return lowerMap(ctx, s, p);
    return lowerJoin(ctx, s, p, defaultFormat);
  });
}

function preset(ctx: LoweringContext, s: A.Preset): Derivation[] {
  const stmts = expandPreset(s);
  if (stmts) return stmts.filter((x): x is Derivation => x.kind !== "preset");
  const name = String(s.name.value);
  const known = Object.keys(presets);
  const suggestions = closestNames(name, known);
  ctx.report("PNN3035", s.name.range, `there is no preset \`${name}\``, {
    hint:
      didYouMean(suggestions) ??
      `the presets are ${known.map((k) => `\`${k}\``).join(", ")}; write \`fields\` and \`derive\` for another corpus`,
    suggestions,
  });
  return [];
}

// ── fields ───────────────────────────────────────────────────────────────────────────────────────

function lowerFields(ctx: LoweringContext, s: A.Fields, p: string): JsonObject {
  const source = String(s.pattern.value);
  const at = valueRanges(s.pattern);
  const found = s.regex ? regexGroups(ctx, s.pattern, source, at) : placeholders(ctx, s, at);
  ctx.spans.set(`${p}/pattern`, s.pattern.range);
  ctx.spans.set(`${p}/fields`, s.pattern.range);
  const first = new Map<string, Range>();
  const fields = found.map((f, k) => {
    const earlier = first.get(f.name);
    if (earlier) {
      ctx.report("PNN3031", f.range, `\`${f.name}\` is derived twice by this pattern`, {
        labels: [{ range: earlier, message: "first here" }],
        hint: "give each field its own name",
      });
    } else first.set(f.name, f.range);
    return ctx.at(`${p}/fields/${k}`, f.range, f.name);
  });
  return {
    kind: "fields",
    column: ctx.name(`${p}/column`, s.column),
    pattern: {
      kind: ctx.at(
        `${p}/pattern/kind`,
        s.regex ? s.keyRange : s.pattern.range,
        s.regex ? "regex" : "template",
      ),
      source: ctx.at(`${p}/pattern/source`, s.pattern.range, source),
    },
    fields,
  };
}

interface Found {
  name: string;
  range: Range;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A template's `{name}` placeholders in order; reports what would make matching it ill-defined. */
function placeholders(ctx: LoweringContext, s: A.Fields, at: ValueRanges): Found[] {
  const source = String(s.pattern.value);
  const out: Found[] = [];
  let previousEnd = -1;
  let previous = "";
  for (const m of source.matchAll(/\{([^{}]*)\}/g)) {
    const start = m.index;
    const end = start + m[0].length;
    const name = m[1] ?? "";
    const range = at(start, end);
    if (!IDENTIFIER.test(name)) {
      ctx.report("PNN3032", range, `placeholder \`${m[0]}\` is not a name`, {
        hint: "a placeholder is `{name}`: a letter or `_`, then letters, digits or `_`",
      });
    }
    if (start === previousEnd) {
      ctx.report(
        "PNN3032",
        at(start - previous.length, end),
        `placeholders \`${previous}\` and \`${m[0]}\` have no text between them, so where one ends is ambiguous`,
        { hint: "put the separator the file names use between them, or match them with `regex`" },
      );
    }
    out.push({ name, range });
    previousEnd = end;
    previous = m[0];
  }
  if (out.length === 0) {
    ctx.report("PNN3032", s.pattern.range, "the template has no `{name}` placeholder", {
      hint: 'name the parts of the file name, e.g. `"{actor}_{emotion}.wav"`',
    });
  }
  return out;
}

/** A regex's named groups `(?<name>…)` in order; reports one that does not compile or names none. */
function regexGroups(
  ctx: LoweringContext,
  pattern: A.Literal,
  source: string,
  at: ValueRanges,
): Found[] {
  try {
    new RegExp(source);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    ctx.report("PNN3033", pattern.range, `the regex does not compile: ${why}`, {
      hint: "in a .pnn string a regex's backslash is written `\\\\`, e.g. `\\\\d+`",
    });
    return [];
  }
  const out = namedGroups(source).map((g) => ({ name: g.name, range: at(g.start, g.end) }));
  if (out.length === 0) {
    ctx.report("PNN3033", pattern.range, "the regex has no named group", {
      hint: "name each part it captures: `(?<actor>[0-9]+)`",
    });
  }
  return out;
}

/** `(?<name>` openings, skipping escapes, character classes and lookbehinds `(?<=` `(?<!`. */
export function namedGroups(source: string): { name: string; start: number; end: number }[] {
  const out: { name: string; start: number; end: number }[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") {
      i++;
    } else if (inClass) {
      if (ch === "]") inClass = false;
    } else if (ch === "[") {
      inClass = true;
    } else if (ch === "(" && source.startsWith("?<", i + 1) && !/[=!]/.test(source[i + 3] ?? "")) {
      const close = source.indexOf(">", i + 3);
      if (close > 0) out.push({ name: source.slice(i + 3, close), start: i, end: close + 1 });
    }
  }
  return out;
}

/** Maps a span of a string literal's decoded value back to the source, escapes included. */
type ValueRanges = (start: number, end: number) => Range;

function valueRanges(lit: A.Literal): ValueRanges {
  // offsets[i]: where the value's i-th character starts in the file; one more for its end.
  const offsets: number[] = [];
  const closed = lit.raw.length > 1 && lit.raw.endsWith('"');
  const last = lit.raw.length - (closed ? 1 : 0);
  for (let i = 1; i < last; i += lit.raw[i] === "\\" ? 2 : 1) offsets.push(lit.range.start + i);
  offsets.push(lit.range.start + last);
  const offset = (k: number) => offsets[Math.min(k, offsets.length - 1)] ?? lit.range.start;
  return (start, end) => ({ start: offset(start), end: offset(end) });
}

// ── derive ───────────────────────────────────────────────────────────────────────────────────────

function lowerMap(ctx: LoweringContext, s: A.Derive, p: string): JsonObject {
  ctx.spans.set(`${p}/map`, s.mappingsRange);
  const keys = new Map<string, A.Mapping>();
  const map = s.mappings.map((m, k) => {
    const q = `${p}/map/${k}`;
    ctx.spans.set(q, m.range);
    const from = ctx.name(`${q}/from`, m.from);
    const earlier = keys.get(from);
    if (earlier) {
      ctx.report("PNN3034", m.from.range, `code \`${from}\` is mapped twice`, {
        labels: [{ range: earlier.from.range, message: "first mapped here" }],
        hint: "keep one of them",
      });
    } else keys.set(from, m);
    if (s.parity && from !== "odd" && from !== "even") {
      ctx.report("PNN3034", m.from.range, `\`parity\` maps \`odd\` and \`even\`, not \`${from}\``, {
        hint: "write `parity [odd -> …, even -> …]`",
      });
    }
    return { from, to: ctx.name(`${q}/to`, m.to) };
  });
  if (s.parity) {
    const missing = ["odd", "even"].filter((k) => !keys.has(k));
    if (missing.length > 0 && s.mappings.length > 0) {
      ctx.report(
        "PNN3034",
        s.mappingsRange,
        `\`parity\` maps both \`odd\` and \`even\`; \`${missing.join("` and `")}\` is missing`,
        { hint: "write `parity [odd -> …, even -> …]`" },
      );
    }
  }
  return {
    kind: "map",
    name: ctx.name(`${p}/name`, s.name),
    from: ctx.name(`${p}/from`, s.from),
    parity: s.parity,
    map,
  };
}

// ── join ─────────────────────────────────────────────────────────────────────────────────────────

function lowerJoin(
  ctx: LoweringContext,
  s: A.Join,
  p: string,
  defaultFormat: (file: string) => string,
): JsonObject {
  const file = ctx.name(`${p}/file`, s.file);
  const on = ctx.name(`${p}/on`, s.on);
  let take: string[] | null = null;
  if (s.take) {
    take = ctx.names(`${p}/take`, s.take, "`take`");
    const seen = new Map<string, Range>();
    s.take.items.forEach((item) => {
      const name = item.first.type === "number" ? item.first.raw : String(item.first.value);
      const earlier = seen.get(name);
      if (earlier) {
        ctx.report("PNN3031", item.range, `\`take\` names \`${name}\` twice`, {
          labels: [{ range: earlier, message: "first here" }],
          hint: "name each column once",
        });
      } else seen.set(name, item.range);
    });
  }
  return {
    kind: "join",
    file,
    format: s.format ? ctx.value(`${p}/format`, s.format) : defaultFormat(file),
    on,
    key: s.keyColumn ? ctx.name(`${p}/key`, s.keyColumn) : ctx.at(`${p}/key`, s.on.range, on),
    take,
  };
}
