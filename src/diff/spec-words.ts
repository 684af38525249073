/**
 * IR values back in the spec's words, for `pnnc diff`: a record's settings (a dataset's, a task's,
 * a stage's, the evaluation's) as `keyword value` pairs, so a change reads `learning_rate 0.002 →
 * 0.0005` rather than as IR JSON. In: an IR record kind, a field name and its value. Out: settings.
 */
import type { DerivationIr, FoldsIr, LateralIr, OptimizerIr } from "../ir/types.js";

/** One setting as the spec writes it: its keyword and its value. */
export interface Setting {
  keyword: string;
  value: string;
}

export type RecordKind = "dataset" | "task" | "stage" | "evaluation";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value as the spec writes it: names bare, other text quoted, lists in brackets. */
export function literal(v: unknown): string {
  if (typeof v === "string") return NAME.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
  if (v === null || v === undefined) return "none";
  return String(v);
}

const one = (keyword: string, value: string): Setting[] => [{ keyword, value }];

function derivationText(d: DerivationIr): string {
  if (d.kind === "fields")
    return `fields ${literal(d.column)} ${d.pattern.kind === "regex" ? "regex " : ""}${JSON.stringify(d.pattern.source)}`;
  if (d.kind === "map")
    return `derive ${literal(d.name)} from ${literal(d.from)}${d.parity ? " parity" : ""} [${d.map.map((m) => `${literal(m.from)} -> ${literal(m.to)}`).join(", ")}]`;
  const key = d.key === d.on ? "" : ` = ${literal(d.key)}`;
  const take = d.take ? ` take ${literal(d.take)}` : "";
  return `join ${JSON.stringify(d.file)} on ${literal(d.on)}${key}${take}`;
}

function foldsText(f: FoldsIr): string {
  return "k" in f ? `${f.k} ${f.kind}` : f.kind;
}

function optimizerSettings(o: OptimizerIr): Setting[] {
  return [
    { keyword: "optimizer", value: o.name },
    { keyword: "learning_rate", value: String(o.learningRate) },
    { keyword: "momentum", value: String(o.momentum) },
  ];
}

/** The settings one IR field of a record stands for (several for the optimizer, none if unknown). */
export function settingsOf(kind: RecordKind, field: string, v: unknown): Setting[] {
  switch (`${kind}.${field}`) {
    case "dataset.file":
      return one("file", JSON.stringify(v));
    case "dataset.features": {
      const f = v as { kind: string; except?: string[]; items?: object[] };
      if (f.kind === "numeric")
        return one("features", `numeric${f.except?.length ? ` except ${literal(f.except)}` : ""}`);
      const items = (f.items ?? []).map((i) =>
        "column" in i
          ? literal((i as { column: string }).column)
          : `${literal((i as { from: string }).from)} .. ${literal((i as { to: string }).to)}`,
      );
      return one("features", `[${items.join(", ")}]`);
    }
    case "dataset.duplicates":
      return one("duplicates", literal(v ?? "warn"));
    case "dataset.exclude":
      return one(
        "exclude",
        (v as { column: string; values: string[] }[])
          .map((e) => `where ${literal(e.column)} in ${literal(e.values)}`)
          .join("; ") || "none",
      );
    case "dataset.derive":
      return one(
        "derive",
        ((v as DerivationIr[] | undefined) ?? []).map(derivationText).join("; ") || "none",
      );
    case "task.dataset":
      return one("data", literal(v));
    case "task.classes":
      return one("classes", v === null ? "(the labels found in the data)" : literal(v));
    case "task.merge":
      return one(
        "merge",
        `[${(v as { from: string; to: string }[]).map((m) => `${literal(m.from)} -> ${literal(m.to)}`).join(", ")}]`,
      );
    case "stage.optimizer":
      return optimizerSettings(v as OptimizerIr);
    case "stage.batchSize":
      return one("batch", literal(v));
    case "stage.trainFolds":
      return one("train_folds", v === null ? "all" : literal(v));
    case "evaluation.folds":
      return one("folds", foldsText(v as FoldsIr));
    case "evaluation.validationFolds":
      return one("validation", literal(v));
  }
  // The rest are spelled as the IR names them: `group`, `label`, `epochs`, `repeats`, `seed`, ….
  return one(field, literal(v));
}

/**
 * What changed between two values of one field, as settings: `learning_rate 0.002 → 0.0005` (only
 * the settings that differ).
 */
export function settingChanges(kind: RecordKind, field: string, a: unknown, b: unknown): string[] {
  const before = settingsOf(kind, field, a);
  const after = settingsOf(kind, field, b);
  const out: string[] = [];
  for (const s of after) {
    const old = before.find((x) => x.keyword === s.keyword);
    if (old?.value !== s.value) out.push(`${s.keyword} ${old?.value ?? "none"} → ${s.value}`);
  }
  return out;
}

/** A lateral's kind and options in the spec's words (`linear`, `adapter width 64 alpha 0.01 …`). */
export function lateralKindText(l: LateralIr): string {
  return l.kind === "adapter"
    ? `adapter width ${l.width} alpha ${l.alpha} activation ${l.activation}`
    : "linear";
}
