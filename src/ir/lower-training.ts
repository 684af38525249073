/**
 * Lowering of the `training` block (with its ordered stages) and the `evaluation` block.
 * In: their AST declarations (either may be absent). Out: IR stages, each carrying its full resolved
 * settings (block defaults, then the stage's overrides), and the IR evaluation object.
 */
import type * as A from "../syntax/ast.js";
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import {
  BlockReader,
  type Json,
  type JsonObject,
  type LoweringContext,
} from "./lowering-context.js";
import { layerRef } from "./lower-column.js";
import { EARLY_STOPPING_METRICS, FOLD_KINDS, isOneOf } from "../runtime/vocabulary.js";

export const trainingDefaults = {
  optimizer: "adam",
  learning_rate: 0.001,
  momentum: 0,
  batch: 32,
  epochs: 100,
  seed: 0,
  patience: 10,
  min_delta: 0,
};

/** Spec keyword → IR property of a stage's settings. */
const stageSettings = {
  optimizer: "optimizer/name",
  learning_rate: "optimizer/learningRate",
  momentum: "optimizer/momentum",
  batch: "batchSize",
  epochs: "epochs",
  seed: "seed",
} as const;

type SettingKey = keyof typeof stageSettings;

interface Settings {
  values: Record<SettingKey, Json>;
  ranges: Partial<Record<SettingKey, A.Range>>;
  /** `early_stopping` or `best_epoch`, whichever the nearest scope sets (both lower to it). */
  earlyStop: { value: Json; stmt: A.EarlyStop | A.BestEpoch | null };
}

export function lowerStages(ctx: LoweringContext, decl: A.Decl | undefined): JsonObject[] {
  if (!decl) return [];
  ctx.spans.set("/stages", decl.keyRange);
  const r = new BlockReader(ctx, decl.body, "`training`", new Set(["stage"]));
  const base = readSettings(ctx, r, {
    values: {
      optimizer: trainingDefaults.optimizer,
      learning_rate: trainingDefaults.learning_rate,
      momentum: trainingDefaults.momentum,
      batch: trainingDefaults.batch,
      epochs: trainingDefaults.epochs,
      seed: trainingDefaults.seed,
    },
    ranges: {},
    earlyStop: { value: null, stmt: null },
  });
  return r.all("stage", "stage").map((s, i) => lowerStage(ctx, s, `/stages/${i}`, base));
}

function readSettings(ctx: LoweringContext, r: BlockReader, inherited: Settings): Settings {
  const out: Settings = {
    values: { ...inherited.values },
    ranges: { ...inherited.ranges },
    earlyStop: inherited.earlyStop,
  };
  for (const key of Object.keys(stageSettings) as SettingKey[]) {
    const s = r.setting(key);
    if (!s) continue;
    out.values[key] = s.value.value;
    out.ranges[key] = s.value.range;
  }
  const es = r.one("early-stop");
  const best = r.one("best-epoch");
  if (es && best) {
    // Each is a complete rule for the kept epoch; with both, which one the author meant is a guess.
    const [earlier, later] = es.range.start < best.range.start ? [es, best] : [best, es];
    ctx.report(
      "PNN3028",
      later.keyRange,
      `\`${es.key}\` and \`best_epoch\` are both set here; they choose the kept epoch differently`,
      {
        labels: [{ range: earlier.keyRange, message: `\`${earlier.key}\` set here` }],
        hint:
          es.metric.value === "off"
            ? `remove \`${es.key} off\`: \`best_epoch\` alone sets which epoch is kept`
            : `keep one: \`best_epoch ${best.metric.raw}\` trains every epoch and keeps the best; \`${es.key} ${es.metric.raw} patience N\` also stops after N epochs without improvement`,
      },
    );
  }
  if (es) out.earlyStop = { value: lowerEarlyStop(ctx, es), stmt: es };
  else if (best) out.earlyStop = { value: lowerBestEpoch(ctx, best), stmt: best };
  return out;
}

/**
 * `best_epoch METRIC` is early stopping that never stops: no patience, and a later epoch must beat
 * the best by more than 0 to replace it, so a tie keeps the earliest epoch.
 */
function lowerBestEpoch(ctx: LoweringContext, b: A.BestEpoch): Json {
  const metric = String(b.metric.value);
  if (b.metric.type === "number" || !isOneOf(EARLY_STOPPING_METRICS, metric)) {
    const suggestions = closestNames(metric, EARLY_STOPPING_METRICS);
    ctx.report("PNN2003", b.metric.range, `unknown \`best_epoch\` metric \`${b.metric.raw}\``, {
      hint:
        didYouMean(suggestions) ??
        `expected one of ${EARLY_STOPPING_METRICS.map((m) => `\`${m}\``).join(", ")}`,
      suggestions,
    });
  }
  return { metric, patience: null, minDelta: 0 };
}

/** Each spelling belongs to its language versions: `early_stop` until 1, `early_stopping` from 2. */
function checkSpelling(ctx: LoweringContext, es: A.EarlyStop): void {
  if (ctx.language >= 2 && es.key === "early_stop")
    ctx.report(
      "PNN3027",
      es.keyRange,
      "`early_stop` is spelled `early_stopping` since language version 2",
      {
        hint: "write `early_stopping`, or run `pnnc upgrade FILE --write`",
      },
    );
  if (ctx.language === 1 && es.key === "early_stopping")
    ctx.report(
      "PNN3027",
      es.keyRange,
      "`early_stopping` needs language version 2; version 1 spells it `early_stop`",
      {
        hint: "run `pnnc upgrade FILE --write` to move the spec to version 2",
      },
    );
}

function lowerEarlyStop(ctx: LoweringContext, es: A.EarlyStop): Json {
  checkSpelling(ctx, es);
  if (es.metric.value === "off") return null;
  const out: JsonObject = {
    metric: es.metric.value,
    patience: trainingDefaults.patience,
    minDelta: trainingDefaults.min_delta,
  };
  const seen = new Set<string>();
  for (const o of es.options) {
    if (seen.has(o.key)) {
      ctx.report("PNN3002", o.keyRange, `\`${o.key}\` is set twice in this \`${es.key}\``);
      continue;
    }
    seen.add(o.key);
    out[o.key === "patience" ? "patience" : "minDelta"] = o.value.value;
  }
  return out;
}

function lowerStage(ctx: LoweringContext, s: A.Stage, path: string, base: Settings): JsonObject {
  ctx.spans.set(path, s.name.range);
  const r = new BlockReader(ctx, s.body, `stage \`${s.name.text}\``);
  const settings = readSettings(ctx, r, base);
  const at = (key: SettingKey, p: string): Json => {
    const range = settings.ranges[key];
    if (range) ctx.spans.set(`${path}/${p}`, range);
    return settings.values[key];
  };
  const earlyStopping = settings.earlyStop.value;
  if (settings.earlyStop.stmt)
    recordEarlyStopSpans(ctx, settings.earlyStop.stmt, `${path}/earlyStopping`);
  const train = r.list("train");
  const freeze = r.list("freeze");
  const folds = r.list("train_folds");
  return {
    id: ctx.at(`${path}/id`, s.name.range, s.name.text),
    train: train ? ctx.names(`${path}/train`, train.value, "`train`") : [],
    freeze: freeze ? lowerFreeze(ctx, freeze.value, `${path}/freeze`) : [],
    optimizer: {
      name: at("optimizer", stageSettings.optimizer),
      learningRate: at("learning_rate", stageSettings.learning_rate),
      momentum: at("momentum", stageSettings.momentum),
    },
    batchSize: at("batch", stageSettings.batch),
    epochs: at("epochs", stageSettings.epochs),
    earlyStopping,
    seed: at("seed", stageSettings.seed),
    trainFolds: folds ? lowerNumbers(ctx, folds.value, `${path}/trainFolds`) : null,
  };
}

function recordEarlyStopSpans(
  ctx: LoweringContext,
  es: A.EarlyStop | A.BestEpoch,
  path: string,
): void {
  ctx.spans.set(path, es.range);
  ctx.spans.set(`${path}/metric`, es.metric.range);
  if (es.kind === "best-epoch") return;
  for (const o of es.options)
    ctx.spans.set(`${path}/${o.key === "patience" ? "patience" : "minDelta"}`, o.value.range);
}

function lowerFreeze(ctx: LoweringContext, list: A.ItemList, path: string): JsonObject[] {
  ctx.spans.set(path, list.range);
  return list.items.flatMap((item, index): JsonObject[] => {
    if (item.last) {
      ctx.plain(item, "`freeze`");
      return [];
    }
    const p = `${path}/${index}`;
    ctx.spans.set(p, item.range);
    const column = ctx.name(`${p}/column`, item.first);
    if (!item.layer) return [{ column, layer: null }];
    const word = item.layer.type === "number" ? item.layer.raw : String(item.layer.value);
    const ref = layerRef(word);
    if (!ref) {
      ctx.report("PNN3007", item.layer.range, `unknown layer \`${word}\``, {
        hint: "name hidden layers `h1`, `h2`, … and the output layer `head`",
      });
      return [];
    }
    return [{ column, layer: ctx.at(`${p}/layer`, item.layer.range, ref[0] ?? null) }];
  });
}

function lowerNumbers(ctx: LoweringContext, list: A.ItemList, path: string): Json[] {
  ctx.spans.set(path, list.range);
  return list.items.flatMap((item, i) =>
    ctx.plain(item, "a list of numbers") ? [ctx.value(`${path}/${i}`, item.first)] : [],
  );
}

// ── evaluation ────────────────────────────────────────────────────────────────────────────────────

export function lowerEvaluation(ctx: LoweringContext, decl: A.Decl | undefined): JsonObject {
  const path = "/evaluation";
  if (decl) ctx.spans.set(path, decl.keyRange);
  const r = new BlockReader(ctx, decl?.body ?? [], "`evaluation`");
  const repeats = r.setting("repeats");
  const validation = r.setting("validation");
  const metrics = r.list("metrics");
  const compare = r.list("compare");
  const baseline = r.setting("baseline");
  const seed = r.setting("seed");
  return {
    folds: lowerFolds(ctx, r.one("folds"), `${path}/folds`),
    repeats: repeats ? ctx.value(`${path}/repeats`, repeats.value) : 1,
    seed: seed ? ctx.value(`${path}/seed`, seed.value) : 0,
    validationFolds: validation ? ctx.value(`${path}/validationFolds`, validation.value) : 1,
    metrics: metrics
      ? metrics.value.items.flatMap((m, i) =>
          ctx.plain(m, "`metrics`") ? [ctx.value(`${path}/metrics/${i}`, m.first)] : [],
        )
      : ["uar", "accuracy"],
    compare: compare ? ctx.names(`${path}/compare`, compare.value, "`compare`") : [],
    baseline: baseline ? ctx.name(`${path}/baseline`, baseline.value) : null,
  };
}

function lowerFolds(ctx: LoweringContext, f: A.Folds | undefined, path: string): JsonObject {
  if (!f) return { kind: "stratified", k: 10 };
  ctx.spans.set(path, f.range);
  const kindLit = f.first.type === "number" ? f.second : f.first;
  const kind = kindLit ? String(kindLit.value) : "stratified";
  if (kindLit) ctx.spans.set(`${path}/kind`, kindLit.range);
  if (!isOneOf(FOLD_KINDS, kind)) {
    const suggestions = closestNames(kind, FOLD_KINDS);
    ctx.report("PNN2003", kindLit?.range ?? f.range, `unknown fold scheme \`${kind}\``, {
      hint:
        didYouMean(suggestions) ??
        `fold schemes are ${FOLD_KINDS.map((k) => `\`${k}\``).join(", ")}`,
      suggestions,
    });
    return { kind: "stratified", k: 10 };
  }
  if (kind === "leave_one_group_out") {
    if (f.first.type === "number") {
      ctx.report("PNN3003", f.first.range, "`leave_one_group_out` takes no fold count", {
        hint: "it makes one fold per group; write `folds leave_one_group_out`",
      });
    }
    return { kind };
  }
  if (f.first.type !== "number") {
    ctx.report("PNN3003", f.first.range, `\`folds\` needs a fold count before \`${kind}\``, {
      hint: `write for example \`folds 10 ${kind}\``,
    });
    return { kind, k: 10 };
  }
  return { kind, k: ctx.value(`${path}/k`, f.first) };
}
