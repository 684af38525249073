/**
 * CST → AST: one small builder per grammar rule, typed by the generated CST types (cst.generated.ts),
 * so a grammar change that a builder does not follow fails to type-check.
 * In: an error-free CST. Out: the AST with a range on every node.
 */
import type { CstNode, IToken } from "chevrotain";
import type * as C from "./cst.generated.js";
import type * as A from "./ast.js";
import { decodeString } from "./strings.js";
import { ClosedString } from "./tokens.js";

type Range = A.Range;

function tokenRange(t: IToken): Range {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

/**
 * A node's range, from its first token's start to its last token's end. The parser records no node
 * locations (that was a fifth of the parse of a long list); every rule consumes a token, and only an
 * error-free tree reaches here, so the first and last tokens are the ones the parser would record.
 */
function nodeRange(n: CstNode): Range {
  return { start: firstStart(n), end: lastEnd(n) };
}

function firstStart(n: CstNode): number {
  let start = Infinity;
  for (const key in n.children) {
    const x = n.children[key]?.[0];
    if (x === undefined) continue;
    const s = "image" in x ? x.startOffset : firstStart(x);
    if (s < start) start = s;
  }
  return start;
}

function lastEnd(n: CstNode): number {
  let end = -Infinity;
  for (const key in n.children) {
    const xs = n.children[key];
    const x = xs?.[xs.length - 1];
    if (x === undefined) continue;
    const e = "image" in x ? x.startOffset + x.image.length : lastEnd(x);
    if (e > end) end = e;
  }
  return end;
}

function first<T>(xs: T[] | undefined, what: string): T {
  const x = xs?.[0];
  if (x === undefined) throw new Error(`internal: CST has no ${what}`);
  return x;
}

function name(t: IToken): A.Name {
  return { text: t.image, range: tokenRange(t) };
}

function literal(n: C.LiteralCstNode): A.Literal {
  const c = n.children;
  const range = nodeRange(n);
  if (c.NumberLiteral) {
    const raw = first(c.NumberLiteral, "number").image;
    return { type: "number", raw, value: Number(raw), range };
  }
  if (c.StringLiteral) {
    const token = first(c.StringLiteral, "string");
    const raw = token.image;
    return {
      type: "string",
      raw,
      value: decodeString(raw, token.tokenType === ClosedString).value,
      range,
    };
  }
  const t = first(c.Identifier ?? c.Kw_head ?? c.Kw_drop ?? c.Kw_file, "name");
  return { type: "name", raw: t.image, value: t.image, range };
}

function item(n: C.ItemCstNode): A.Item {
  const c = n.children;
  const out: A.Item = { first: literal(first(c.first, "item")), range: nodeRange(n) };
  if (c.last) out.last = literal(first(c.last, "range end"));
  if (c.layer) out.layer = literal(first(c.layer, "layer"));
  return out;
}

function items(n: C.ItemsCstNode): A.ItemList {
  return { items: (n.children.item ?? []).map(item), range: nodeRange(n) };
}

function mapping(n: C.MappingCstNode): A.Mapping {
  const c = n.children;
  return {
    from: literal(first(c.from, "mapping source")),
    to: literal(first(c.to, "mapping target")),
    range: nodeRange(n),
  };
}

/** A `key value` or `key items` setting node (the `keyed` rules of the parser). */
function keyedSetting(
  n: CstNode & { children: { key?: IToken[]; value: C.LiteralCstNode[] } },
): A.Setting {
  const key = first(n.children.key, "key");
  return {
    kind: "setting",
    key: key.image,
    keyRange: tokenRange(key),
    value: literal(first(n.children.value, "value")),
    range: nodeRange(n),
  };
}

function keyedList(
  n: CstNode & { children: { key?: IToken[]; value: C.ItemsCstNode[] } },
): A.ListSetting {
  const key = first(n.children.key, "key");
  return {
    kind: "list-setting",
    key: key.image,
    keyRange: tokenRange(key),
    value: items(first(n.children.value, "value")),
    range: nodeRange(n),
  };
}

function options(keys: IToken[] | undefined, values: C.LiteralCstNode[] | undefined): A.Option[] {
  return (keys ?? []).map((k, i) => ({
    key: k.image,
    keyRange: tokenRange(k),
    value: literal(first(values?.slice(i, i + 1), "option value")),
  }));
}

// ── statements ──────────────────────────────────────────────────────────────────────────────────

function features(n: C.FeaturesStmtCstNode): A.Features {
  const c = n.children;
  const list = c.except ?? c.columns;
  return {
    kind: "features",
    key: "features",
    keyRange: tokenRange(first(c.Kw_features, "features")),
    numeric: c.Kw_numeric !== undefined,
    list: list ? items(first(list, "features list")) : null,
    range: nodeRange(n),
  };
}

function exclude(n: C.ExcludeStmtCstNode): A.Exclude {
  const c = n.children;
  return {
    kind: "exclude",
    key: "exclude",
    keyRange: tokenRange(first(c.Kw_exclude, "exclude")),
    column: literal(first(c.column, "column")),
    values: items(first(c.values, "values")),
    range: nodeRange(n),
  };
}

function fields(n: C.FieldsStmtCstNode): A.Fields {
  const c = n.children;
  const token = first(c.pattern, "pattern");
  return {
    kind: "fields",
    key: "fields",
    keyRange: tokenRange(first(c.Kw_fields, "fields")),
    column: literal(first(c.column, "column")),
    regex: c.Kw_regex !== undefined,
    pattern: {
      type: "string",
      raw: token.image,
      value: decodeString(token.image, token.tokenType === ClosedString).value,
      range: tokenRange(token),
    },
    range: nodeRange(n),
  };
}

function derive(n: C.DeriveStmtCstNode): A.Derive {
  const c = n.children;
  const m = first(c.mappings, "mappings");
  return {
    kind: "derive",
    key: "derive",
    keyRange: tokenRange(first(c.Kw_derive, "derive")),
    name: literal(first(c.name, "name")),
    from: literal(first(c.source, "source")),
    parity: c.Kw_parity !== undefined,
    mappings: (m.children.mapping ?? []).map(mapping),
    mappingsRange: nodeRange(m),
    range: nodeRange(n),
  };
}

function join(n: C.JoinStmtCstNode): A.Join {
  const c = n.children;
  return {
    kind: "join",
    key: "join",
    keyRange: tokenRange(first(c.Kw_join, "join")),
    file: literal(first(c.file, "file")),
    format: c.format ? literal(first(c.format, "format")) : null,
    on: literal(first(c.on, "on")),
    keyColumn: c.key ? literal(first(c.key, "key")) : null,
    take: c.take ? items(first(c.take, "take")) : null,
    range: nodeRange(n),
  };
}

function preset(n: C.PresetStmtCstNode): A.Preset {
  const c = n.children;
  return {
    kind: "preset",
    key: "preset",
    keyRange: tokenRange(first(c.Kw_preset, "preset")),
    name: literal(first(c.name, "preset name")),
    column: literal(first(c.column, "column")),
    range: nodeRange(n),
  };
}

function merge(n: C.MergeStmtCstNode): A.Merge {
  const c = n.children;
  const m = first(c.mappings, "mappings").children;
  return {
    kind: "merge",
    key: "merge",
    keyRange: tokenRange(first(c.Kw_merge, "merge")),
    mappings: (m.mapping ?? []).map(mapping),
    range: nodeRange(n),
  };
}

function layerStmt(n: C.LayerStmtCstNode): A.LayerStmt {
  const c = n.children;
  if (c.denseLayer) {
    const d = first(c.denseLayer, "dense").children;
    return {
      kind: "dense",
      units: literal(first(d.units, "units")),
      activation: literal(first(d.activation, "activation")),
      dropout: d.dropout ? literal(first(d.dropout, "dropout")) : null,
      range: nodeRange(first(c.denseLayer, "dense")),
    };
  }
  const r = first(c.repeatBlock, "repeat");
  return {
    kind: "repeat",
    count: literal(first(r.children.count, "count")),
    body: (r.children.layerStmt ?? []).map(layerStmt),
    range: nodeRange(r),
  };
}

function layers(n: C.LayersBlockCstNode): A.Layers {
  const c = n.children;
  return {
    kind: "layers",
    key: "layers",
    keyRange: tokenRange(first(c.Kw_layers, "layers")),
    body: (c.layerStmt ?? []).map(layerStmt),
    range: nodeRange(n),
  };
}

function head(n: C.HeadStmtCstNode): A.Head {
  const c = n.children;
  const a = literal(first(c.first, "head"));
  const b = c.second ? literal(first(c.second, "head activation")) : null;
  return {
    kind: "head",
    key: "head",
    keyRange: tokenRange(first(c.Kw_head, "head")),
    units: b ? a : null,
    activation: b ?? a,
    range: nodeRange(n),
  };
}

function init(n: C.InitStmtCstNode): A.Init {
  const c = n.children;
  return {
    kind: "init",
    key: "init",
    keyRange: tokenRange(first(c.Kw_init, "init")),
    source: literal(first(c.source, "source")),
    range: nodeRange(n),
  };
}

function lateral(n: C.LateralStmtCstNode): A.Lateral {
  const c = n.children;
  const kind = c.kind?.[0];
  return {
    kind: "lateral",
    key: "lateral",
    keyRange: tokenRange(first(c.Kw_lateral, "lateral")),
    sources: items(first(c.sources, "sources")),
    targets: items(first(c.targets, "targets")),
    type: kind
      ? { type: "name", raw: kind.image, value: kind.image, range: tokenRange(kind) }
      : null,
    options: (c.lateralOption ?? []).map((o) =>
      first(options(o.children.key, o.children.value), "option"),
    ),
    range: nodeRange(n),
  };
}

function earlyStop(n: C.EarlyStopStmtCstNode): A.EarlyStop {
  const c = n.children;
  return {
    kind: "early-stop",
    key: c.Kw_early_stopping ? "early_stopping" : "early_stop",
    keyRange: tokenRange(first(c.Kw_early_stopping ?? c.Kw_early_stop, "early_stopping")),
    metric: literal(first(c.metric, "metric")),
    options: options(c.key, c.value),
    range: nodeRange(n),
  };
}

function bestEpoch(n: C.BestEpochStmtCstNode): A.BestEpoch {
  const c = n.children;
  return {
    kind: "best-epoch",
    key: "best_epoch",
    keyRange: tokenRange(first(c.Kw_best_epoch, "best_epoch")),
    metric: literal(first(c.metric, "metric")),
    range: nodeRange(n),
  };
}

function folds(n: C.FoldsStmtCstNode): A.Folds {
  const c = n.children;
  return {
    kind: "folds",
    key: "folds",
    keyRange: tokenRange(first(c.Kw_folds, "folds")),
    first: literal(first(c.first, "folds")),
    second: c.second ? literal(first(c.second, "folds kind")) : null,
    range: nodeRange(n),
  };
}

function stage(n: C.StageDeclCstNode): A.Stage {
  const c = n.children;
  return {
    kind: "stage",
    key: "stage",
    keyRange: tokenRange(first(c.Kw_stage, "stage")),
    name: name(first(c.name, "stage name")),
    body: (c.stageStmt ?? []).map(stageStmt),
    range: nodeRange(n),
  };
}

function stageStmt(n: C.StageStmtCstNode): A.Stmt {
  const c = n.children;
  if (c.trainingSetting) return keyedSetting(first(c.trainingSetting, "setting"));
  if (c.stageList) return keyedList(first(c.stageList, "list"));
  if (c.bestEpochStmt) return bestEpoch(first(c.bestEpochStmt, "best_epoch"));
  return earlyStop(first(c.earlyStopStmt, "early_stop"));
}

// ── declarations ────────────────────────────────────────────────────────────────────────────────

function datasetStmt(n: C.DatasetStmtCstNode): A.Stmt {
  const c = n.children;
  if (c.datasetSetting) return keyedSetting(first(c.datasetSetting, "setting"));
  if (c.featuresStmt) return features(first(c.featuresStmt, "features"));
  if (c.fieldsStmt) return fields(first(c.fieldsStmt, "fields"));
  if (c.deriveStmt) return derive(first(c.deriveStmt, "derive"));
  if (c.joinStmt) return join(first(c.joinStmt, "join"));
  if (c.presetStmt) return preset(first(c.presetStmt, "preset"));
  return exclude(first(c.excludeStmt, "exclude"));
}

function taskStmt(n: C.TaskStmtCstNode): A.Stmt {
  const c = n.children;
  if (c.taskSetting) return keyedSetting(first(c.taskSetting, "setting"));
  if (c.taskList) return keyedList(first(c.taskList, "list"));
  return merge(first(c.mergeStmt, "merge"));
}

function columnStmt(n: C.ColumnStmtCstNode): A.Stmt {
  const c = n.children;
  if (c.columnSetting) return keyedSetting(first(c.columnSetting, "setting"));
  if (c.layersBlock) return layers(first(c.layersBlock, "layers"));
  if (c.headStmt) return head(first(c.headStmt, "head"));
  if (c.initStmt) return init(first(c.initStmt, "init"));
  return lateral(first(c.lateralStmt, "lateral"));
}

function trainingStmt(n: C.TrainingStmtCstNode): A.Stmt {
  const c = n.children;
  if (c.trainingSetting) return keyedSetting(first(c.trainingSetting, "setting"));
  if (c.earlyStopStmt) return earlyStop(first(c.earlyStopStmt, "early_stop"));
  if (c.bestEpochStmt) return bestEpoch(first(c.bestEpochStmt, "best_epoch"));
  return stage(first(c.stageDecl, "stage"));
}

function evaluationStmt(n: C.EvaluationStmtCstNode): A.Stmt {
  const c = n.children;
  if (c.evaluationSetting) return keyedSetting(first(c.evaluationSetting, "setting"));
  if (c.evaluationList) return keyedList(first(c.evaluationList, "list"));
  return folds(first(c.foldsStmt, "folds"));
}

function declaration(n: C.DeclarationCstNode): A.Decl {
  const c = n.children;
  const block = (
    kind: A.DeclKind,
    node: CstNode,
    keyword: IToken[],
    nameTok: IToken[] | undefined,
    body: A.Stmt[],
  ): A.Decl => ({
    kind,
    key: kind,
    keyRange: tokenRange(first(keyword, kind)),
    name: nameTok ? name(first(nameTok, "name")) : null,
    body,
    range: nodeRange(node),
  });
  if (c.datasetDecl) {
    const d = first(c.datasetDecl, "dataset");
    return block(
      "dataset",
      d,
      d.children.Kw_dataset,
      d.children.name,
      (d.children.datasetStmt ?? []).map(datasetStmt),
    );
  }
  if (c.taskDecl) {
    const d = first(c.taskDecl, "task");
    return block(
      "task",
      d,
      d.children.Kw_task,
      d.children.name,
      (d.children.taskStmt ?? []).map(taskStmt),
    );
  }
  if (c.columnDecl) {
    const d = first(c.columnDecl, "column");
    return block(
      "column",
      d,
      d.children.Kw_column,
      d.children.name,
      (d.children.columnStmt ?? []).map(columnStmt),
    );
  }
  if (c.trainingDecl) {
    const d = first(c.trainingDecl, "training");
    return block(
      "training",
      d,
      d.children.Kw_training,
      undefined,
      (d.children.trainingStmt ?? []).map(trainingStmt),
    );
  }
  const d = first(c.evaluationDecl, "evaluation");
  return block(
    "evaluation",
    d,
    d.children.Kw_evaluation,
    undefined,
    (d.children.evaluationStmt ?? []).map(evaluationStmt),
  );
}

export function buildAst(cst: C.SpecCstNode): A.Spec {
  const h = first(cst.children.header, "header");
  return {
    header: {
      version: literal(first(h.children.version, "version")),
      name: name(first(h.children.name, "spec name")),
      range: nodeRange(h),
    },
    decls: (cst.children.declaration ?? []).map(declaration),
    range: nodeRange(cst),
  };
}
