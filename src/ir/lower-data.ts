/**
 * Lowering of `dataset` and `task` blocks.
 * In: their AST declarations. Out: IR dataset and task objects with defaults filled in
 * (format from the file extension, numeric features, global z-score, missing values are errors, identical rows warned about)
 * and the dataset's derivations (lower-derive.ts).
 */
import type * as A from "../syntax/ast.js";
import {
  BlockReader,
  declaration,
  type Json,
  type JsonObject,
  type LoweringContext,
} from "./lowering-context.js";
import { lowerDerivations } from "./lower-derive.js";

/** Statements a dataset block may hold several of; the derivations keep their order. */
const REPEATABLE: ReadonlySet<string> = new Set(["exclude", "fields", "derive", "join", "preset"]);

export function lowerDataset(ctx: LoweringContext, decl: A.Decl, path: string): JsonObject {
  const r = new BlockReader(ctx, decl.body, `dataset \`${decl.name?.text}\``, REPEATABLE);
  const out = declaration(ctx, decl, path);
  const file = r.setting("file");
  if (file) out["file"] = ctx.name(`${path}/file`, file.value);
  const format = r.setting("format");
  out["format"] = format ? ctx.value(`${path}/format`, format.value) : defaultFormat(out["file"]);
  out["features"] = lowerFeatures(ctx, r.one("features"), `${path}/features`);
  const group = r.setting("group");
  out["group"] = group ? ctx.name(`${path}/group`, group.value) : null;
  const normalize = r.setting("normalize");
  out["normalize"] = normalize ? ctx.value(`${path}/normalize`, normalize.value) : "global";
  const missing = r.setting("missing");
  out["missing"] = missing ? ctx.value(`${path}/missing`, missing.value) : "error";
  const duplicates = r.setting("duplicates");
  // The default (`warn`) is left out, so the IR and the run hash of a spec without the setting
  // are what they were before it existed.
  const policy = duplicates ? ctx.value(`${path}/duplicates`, duplicates.value) : "warn";
  if (policy !== "warn") out["duplicates"] = policy;
  out["exclude"] = r.all("exclude", "exclude").map((e, i) => {
    const p = `${path}/exclude/${i}`;
    ctx.spans.set(p, e.range);
    return {
      column: ctx.name(`${p}/column`, e.column),
      values: ctx.names(`${p}/values`, e.values, "`exclude`"),
    };
  });
  // Only when there is one, so that the IR and run hash of a spec without derivations are unchanged.
  // A joined table is a table: a `.wav` name does not make it audio.
  const tableFormat = (file: Json | undefined) => {
    const format = defaultFormat(file);
    return format === "audio" ? "csv" : format;
  };
  const derive = lowerDerivations(ctx, decl.body, `${path}/derive`, tableFormat);
  if (derive.length > 0) out["derive"] = derive;
  return out;
}

/**
 * The format its file name implies: `.arff` is ARFF; a `.wav` file or a glob of them
 * (`wav/**\/*.wav`) is audio (a folder needs `format audio`); anything else CSV.
 */
function defaultFormat(file: Json | undefined): string {
  if (typeof file !== "string") return "csv";
  const name = file.toLowerCase();
  if (name.endsWith(".arff")) return "arff";
  return name.endsWith(".wav") ? "audio" : "csv";
}

function lowerFeatures(ctx: LoweringContext, f: A.Features | undefined, path: string): JsonObject {
  if (!f) return { kind: "numeric", except: [] };
  ctx.spans.set(path, f.range);
  if (f.numeric) {
    return {
      kind: "numeric",
      except: f.list ? ctx.names(`${path}/except`, f.list, "`except`") : [],
    };
  }
  const list = f.list;
  if (!list) throw new Error("internal: `features` without a list");
  ctx.spans.set(`${path}/items`, list.range);
  const items = list.items.flatMap((item, i): JsonObject[] => {
    const p = `${path}/items/${i}`;
    if (item.layer) {
      ctx.plain(item, "`features`");
      return [];
    }
    ctx.spans.set(p, item.range);
    if (item.last)
      return [{ from: ctx.name(`${p}/from`, item.first), to: ctx.name(`${p}/to`, item.last) }];
    return [{ column: ctx.name(`${p}/column`, item.first) }];
  });
  return { kind: "columns", items };
}

export function lowerTask(ctx: LoweringContext, decl: A.Decl, path: string): JsonObject {
  const r = new BlockReader(ctx, decl.body, `task \`${decl.name?.text}\``);
  const out = declaration(ctx, decl, path);
  const data = r.setting("data");
  if (data) out["dataset"] = ctx.name(`${path}/dataset`, data.value);
  const label = r.setting("label");
  if (label) out["label"] = ctx.name(`${path}/label`, label.value);
  const classes = r.list("classes");
  out["classes"] = classes ? ctx.names(`${path}/classes`, classes.value, "`classes`") : null;
  const merge = r.one("merge");
  if (merge) ctx.spans.set(`${path}/merge`, merge.range);
  out["merge"] = (merge?.mappings ?? []).map((m, i) => {
    ctx.spans.set(`${path}/merge/${i}`, m.range);
    return {
      from: ctx.name(`${path}/merge/${i}/from`, m.from),
      to: ctx.name(`${path}/merge/${i}/to`, m.to),
    };
  });
  const drop = r.list("drop");
  out["drop"] = drop ? ctx.names(`${path}/drop`, drop.value, "`drop`") : [];
  return out;
}
