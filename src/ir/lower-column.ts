/**
 * Lowering of `column` blocks: `repeat` expanded into hidden layers h1..hN, the head, `init from`,
 * and lateral links with their targets resolved to layer indices (`all` = h2..hN and the head).
 * In: a column's AST declaration. Out: its IR object.
 */
import type * as A from "../syntax/ast.js";
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import {
  BlockReader,
  declaration,
  type Json,
  type JsonObject,
  type LoweringContext,
} from "./lowering-context.js";
import { isOneOf, LATERAL_KINDS } from "../runtime/vocabulary.js";

const MAX_REPEAT = 1000;
/** Matches the schema's limit; checked during expansion so `repeat 1000 { repeat 1000 {…} }` stays cheap. */
const MAX_LAYERS = 10000;

export function lowerColumn(ctx: LoweringContext, decl: A.Decl, path: string): JsonObject {
  const r = new BlockReader(ctx, decl.body, `column \`${decl.name?.text}\``, new Set(["lateral"]));
  const out = declaration(ctx, decl, path);
  const task = r.setting("task");
  if (task) out["task"] = ctx.name(`${path}/task`, task.value);
  const layersStmt = r.one("layers");
  if (layersStmt) ctx.spans.set(`${path}/layers`, layersStmt.range);
  const layers: JsonObject[] = [];
  expandLayers(ctx, layersStmt?.body ?? [], `${path}/layers`, layers);
  out["layers"] = layers;
  out["head"] = lowerHead(ctx, r.one("head"), `${path}/head`);
  const init = r.one("init");
  out["init"] = init ? ctx.name(`${path}/init`, init.source) : null;
  out["laterals"] = r
    .all("lateral", "lateral")
    .map((l, i) => lowerLateral(ctx, l, `${path}/laterals/${i}`, layers.length));
  return out;
}

/** Appends the layers of `body` to `out`, unrolling `repeat N { … }` blocks. */
function expandLayers(
  ctx: LoweringContext,
  body: A.LayerStmt[],
  path: string,
  out: JsonObject[],
): void {
  for (const stmt of body) {
    if (stmt.kind === "dense") {
      const p = `${path}/${out.length}`;
      ctx.spans.set(p, stmt.range);
      out.push({
        kind: "dense",
        units: ctx.value(`${p}/units`, stmt.units),
        activation: ctx.value(`${p}/activation`, stmt.activation),
        dropout: stmt.dropout ? ctx.value(`${p}/dropout`, stmt.dropout) : 0,
      });
      continue;
    }
    const count = repeatCount(ctx, stmt.count);
    for (let i = 0; i < count && out.length <= MAX_LAYERS; i++)
      expandLayers(ctx, stmt.body, path, out);
    if (out.length > MAX_LAYERS && !ctx.spans.has(`${path}/tooMany`)) {
      ctx.spans.set(`${path}/tooMany`, stmt.range);
      ctx.report(
        "PNN2002",
        stmt.count.range,
        `this \`repeat\` makes more than ${MAX_LAYERS} layers`,
      );
      out.length = MAX_LAYERS;
    }
  }
}

function repeatCount(ctx: LoweringContext, lit: A.Literal): number {
  const n = lit.value;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    ctx.report("PNN2001", lit.range, `\`repeat\` takes a whole number, found \`${lit.raw}\``);
    return 1;
  }
  if (n < 1 || n > MAX_REPEAT) {
    ctx.report(
      "PNN2002",
      lit.range,
      `\`repeat\` must be between 1 and ${MAX_REPEAT}, found ${lit.raw}`,
    );
    return n < 1 ? 0 : 1;
  }
  return n;
}

function lowerHead(ctx: LoweringContext, head: A.Head | undefined, path: string): JsonObject {
  if (!head) return { units: null, activation: "softmax" };
  ctx.spans.set(path, head.range);
  return {
    units: head.units ? ctx.value(`${path}/units`, head.units) : null,
    activation: ctx.value(`${path}/activation`, head.activation),
  };
}

const adapterDefaults = { alpha: 0.01, activation: "relu" };

function lowerLateral(ctx: LoweringContext, l: A.Lateral, path: string, depth: number): JsonObject {
  ctx.spans.set(path, l.range);
  const kind = l.type ? String(l.type.value) : "linear";
  if (l.type) ctx.spans.set(`${path}/kind`, l.type.range);
  const out: JsonObject = {
    kind: isOneOf(LATERAL_KINDS, kind) ? kind : "linear",
    from: ctx.names(`${path}/from`, l.sources, "lateral sources"),
    into: lateralTargets(ctx, l.targets, `${path}/into`, depth),
  };
  if (l.type && !isOneOf(LATERAL_KINDS, kind)) {
    const suggestions = closestNames(kind, LATERAL_KINDS);
    ctx.report("PNN2003", l.type.range, `unknown lateral kind \`${kind}\``, {
      hint: didYouMean(suggestions) ?? "a lateral is `linear` (Rusu Eq. 1) or `adapter` (Eq. 2)",
      suggestions,
    });
  }
  const seen = new Map<string, A.Option>();
  for (const o of l.options) {
    const first = seen.get(o.key);
    if (first) {
      ctx.report("PNN3002", o.keyRange, `\`${o.key}\` is set twice in this lateral`, {
        labels: [{ range: first.keyRange, message: "first set here" }],
      });
      continue;
    }
    seen.set(o.key, o);
    if (kind !== "adapter") {
      ctx.report("PNN3003", o.keyRange, `\`${o.key}\` applies to adapter laterals only`, {
        hint: "write `adapter` before the options, or remove them",
      });
      continue;
    }
    out[o.key] =
      o.key === "activation"
        ? ctx.value(`${path}/activation`, o.value)
        : ctx.value(`${path}/${o.key}`, o.value);
  }
  if (out["kind"] === "adapter") {
    out["alpha"] ??= adapterDefaults.alpha;
    out["activation"] ??= adapterDefaults.activation;
  }
  return out;
}

/** `all` = h2..hN plus the head; `hidden` = h2..hN; `hK` = K; `head` = the output layer. */
function lateralTargets(
  ctx: LoweringContext,
  list: A.ItemList,
  path: string,
  depth: number,
): Json[] {
  ctx.spans.set(path, list.range);
  const hidden = Array.from({ length: Math.max(0, depth - 1) }, (_, i) => i + 2);
  const out: Json[] = [];
  for (const item of list.items) {
    if (!ctx.plain(item, "lateral targets")) continue;
    const word = item.first.type === "number" ? item.first.raw : String(item.first.value);
    const expanded: Json[] | null =
      word === "all" ? [...hidden, "head"] : word === "hidden" ? hidden : layerRef(word);
    if (expanded === null) {
      const suggestions = closestNames(word, [
        "all",
        "hidden",
        "head",
        ...hidden.map((i) => `h${i}`),
      ]);
      ctx.report("PNN3007", item.first.range, `unknown layer \`${word}\``, {
        hint:
          didYouMean(suggestions) ??
          "name layers `h2`, `h3`, …, `head`, or write `all` or `hidden`",
        suggestions,
      });
      continue;
    }
    for (const ref of expanded) {
      ctx.spans.set(`${path}/${out.length}`, item.range);
      out.push(ref);
    }
  }
  return out;
}

/** `h3` → 3, `head` → "head", anything else → null. */
export function layerRef(word: string): Json[] | null {
  if (word === "head") return ["head"];
  const m = /^h([0-9]+)$/.exec(word);
  return m ? [Number(m[1])] : null;
}
