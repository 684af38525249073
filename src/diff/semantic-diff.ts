/**
 * `pnnc diff`: what changed between two versions of a spec, as its author thinks of it (columns
 * added, removed or renamed; layers, laterals, frozen sets, data, tasks, training and evaluation
 * settings), and which trained columns stay valid: a column keeps its content key (column-key.ts)
 * exactly when neither it nor anything it reads changed. Without data at hand, a dataset's identity
 * is its declaration, so the verdict assumes the data files themselves are unchanged.
 * In: two checked IRs. Out: a list of changes and a verdict per column.
 */
import { createHash } from "node:crypto";
import { columnKeys } from "../store/column-key.js";
import type { ColumnIr, Ir, LateralIr, StageIr } from "../ir/types.js";
import { lateralKindText, settingChanges, type RecordKind } from "./spec-words.js";

export interface Change {
  kind: "added" | "removed" | "renamed" | "changed";
  /** What changed, e.g. `column emotion`, `column emotion.h2`, `stage target freeze`. */
  subject: string;
  before?: unknown;
  after?: unknown;
  message: string;
}

export interface ColumnVerdict {
  column: string;
  status: "valid" | "retrain" | "new";
  reason: string;
}

export interface SemanticDiff {
  changes: Change[];
  columns: ColumnVerdict[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Where a lateral connects, which identifies it: a change of kind keeps the connection. */
function lateralPlace(l: LateralIr): string {
  const into = l.into.map((i) => (i === "head" ? "head" : `h${i}`)).join(", ");
  return `from [${l.from.join(", ")}] into [${into}]`;
}

function lateralText(l: LateralIr): string {
  return l.kind === "adapter" ? `${lateralPlace(l)} ${lateralKindText(l)}` : lateralPlace(l);
}

/** Which epoch a stage keeps, in the spec's words. */
function keptEpochText(es: StageIr["earlyStopping"]): string {
  if (es === null) return "the last epoch (no `early_stopping` or `best_epoch`)";
  if (es.patience === null) return `\`best_epoch ${es.metric}\``;
  const delta = es.minDelta > 0 ? ` min_delta ${es.minDelta}` : "";
  return `\`early_stopping ${es.metric} patience ${es.patience}${delta}\``;
}

/**
 * Field by field, for flat records (a dataset, a task, a stage's settings), each change in the
 * spec's words; `before` and `after` keep the IR values (`--json`).
 */
function fields(
  kind: RecordKind,
  subject: string,
  before: object,
  after: object,
  skip: string[] = [],
): Change[] {
  const out: Change[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (skip.includes(key)) continue;
    const a = (before as Record<string, unknown>)[key];
    const b = (after as Record<string, unknown>)[key];
    if (!same(a, b))
      out.push({
        kind: "changed",
        subject: `${subject} ${key}`,
        before: a,
        after: b,
        message: `${subject}: ${settingChanges(kind, key, a, b).join(", ")}`,
      });
  }
  return out;
}

/** A column's content without its name: equal contents under different names are a rename. */
const content = (c: ColumnIr) => JSON.stringify({ ...c, id: undefined });

function columnChanges(a: ColumnIr, b: ColumnIr): Change[] {
  const out: Change[] = [];
  const subject = `column ${b.id}`;
  if (a.task !== b.task)
    out.push({
      kind: "changed",
      subject,
      before: a.task,
      after: b.task,
      message: `${subject}: task \`${a.task}\` → \`${b.task}\``,
    });
  if (a.layers.length !== b.layers.length)
    out.push({
      kind: "changed",
      subject: `${subject} layers`,
      before: a.layers.length,
      after: b.layers.length,
      message: `${subject}: ${a.layers.length} → ${b.layers.length} hidden layers`,
    });
  a.layers.forEach((la, i) => {
    const lb = b.layers[i];
    if (!lb) return;
    const name = `${subject}.h${i + 1}`;
    if (la.units !== lb.units)
      out.push({
        kind: "changed",
        subject: name,
        before: la.units,
        after: lb.units,
        message: `${name}: width ${la.units} → ${lb.units}`,
      });
    if (la.activation !== lb.activation)
      out.push({
        kind: "changed",
        subject: name,
        before: la.activation,
        after: lb.activation,
        message: `${name}: activation ${la.activation} → ${lb.activation}`,
      });
    if (la.dropout !== lb.dropout)
      out.push({
        kind: "changed",
        subject: name,
        before: la.dropout,
        after: lb.dropout,
        message: `${name}: dropout ${la.dropout} → ${lb.dropout}`,
      });
  });
  if (!same(a.head, b.head))
    out.push({
      kind: "changed",
      subject: `${subject}.head`,
      before: a.head,
      after: b.head,
      message: `${subject}.head: ${a.head.units ?? "implicit"} → ${b.head.units ?? "implicit"} outputs`,
    });
  if (a.init !== b.init)
    out.push({
      kind: "changed",
      subject: `${subject} init`,
      before: a.init,
      after: b.init,
      message: `${subject}: init from ${a.init ?? "nothing"} → ${b.init ?? "nothing"}`,
    });
  // Laterals match by where they connect: one whose kind or options changed is one change.
  const place = (ls: LateralIr[]) => new Map(ls.map((l) => [lateralPlace(l), l]));
  const [before, after] = [place(a.laterals), place(b.laterals)];
  for (const [at, l] of after) {
    const old = before.get(at);
    if (!old)
      out.push({
        kind: "added",
        subject: `${subject} lateral`,
        after: lateralText(l),
        message: `${subject}: lateral added: ${lateralText(l)}`,
      });
    else if (!same(old, l))
      out.push({
        kind: "changed",
        subject: `${subject} lateral`,
        before: lateralText(old),
        after: lateralText(l),
        message: `${subject}: lateral ${at}: ${lateralKindText(old)} → ${lateralKindText(l)}`,
      });
  }
  for (const [at, l] of before)
    if (!after.has(at))
      out.push({
        kind: "removed",
        subject: `${subject} lateral`,
        before: lateralText(l),
        message: `${subject}: lateral removed: ${lateralText(l)}`,
      });
  return out;
}

/** Records matched by id: added, removed, and the field changes of the rest. */
function byId<T extends { id: string }>(
  kind: string,
  before: T[],
  after: T[],
  compare: (a: T, b: T) => Change[],
): Change[] {
  const out: Change[] = [];
  for (const b of after) {
    const a = before.find((x) => x.id === b.id);
    if (!a)
      out.push({
        kind: "added",
        subject: `${kind} ${b.id}`,
        after: b,
        message: `${kind} \`${b.id}\` added`,
      });
    else out.push(...compare(a, b));
  }
  for (const a of before)
    if (!after.some((x) => x.id === a.id))
      out.push({
        kind: "removed",
        subject: `${kind} ${a.id}`,
        before: a,
        message: `${kind} \`${a.id}\` removed`,
      });
  return out;
}

/** Declarations as dataset identities: the verdict assumes unchanged files behind them. */
function declaredIdentities(ir: Ir): Map<string, string> {
  return new Map(
    ir.datasets.map((d) => [
      d.id,
      createHash("sha256")
        .update(
          JSON.stringify({
            ...d,
            id: undefined,
            evaluation: ir.evaluation.folds,
            seed: ir.evaluation.seed,
          }),
        )
        .digest("hex"),
    ]),
  );
}

export function semanticDiff(before: Ir, after: Ir): SemanticDiff {
  const changes: Change[] = [];
  if (before.name !== after.name)
    changes.push({
      kind: "renamed",
      subject: "spec",
      before: before.name,
      after: after.name,
      message: `spec \`${before.name}\` renamed to \`${after.name}\``,
    });
  changes.push(
    ...byId("dataset", before.datasets, after.datasets, (a, b) =>
      fields("dataset", `dataset ${b.id}`, a, b, ["id"]),
    ),
  );
  changes.push(
    ...byId("task", before.tasks, after.tasks, (a, b) =>
      fields("task", `task ${b.id}`, a, b, ["id"]),
    ),
  );
  // Columns: a removed and an added column with the same content are one renamed column.
  const removed = before.columns.filter((a) => !after.columns.some((b) => b.id === a.id));
  const added = after.columns.filter((b) => !before.columns.some((a) => a.id === b.id));
  const renames = new Map<string, string>();
  for (const b of added) {
    const a = removed.find((x) => content(x) === content(b) && ![...renames.keys()].includes(x.id));
    if (a) renames.set(a.id, b.id);
  }
  for (const [from, to] of renames)
    changes.push({
      kind: "renamed",
      subject: `column ${to}`,
      before: from,
      after: to,
      message: `column \`${from}\` renamed to \`${to}\``,
    });
  for (const b of added)
    if (![...renames.values()].includes(b.id))
      changes.push({
        kind: "added",
        subject: `column ${b.id}`,
        after: b,
        message: `column \`${b.id}\` added`,
      });
  for (const a of removed)
    if (!renames.has(a.id))
      changes.push({
        kind: "removed",
        subject: `column ${a.id}`,
        before: a,
        message: `column \`${a.id}\` removed`,
      });
  for (const b of after.columns) {
    const a = before.columns.find((x) => x.id === b.id);
    if (a) changes.push(...columnChanges(a, b));
  }
  changes.push(
    ...byId("stage", before.stages, after.stages, (a, b) => {
      const out = fields("stage", `stage ${b.id}`, a, b, ["id", "freeze", "earlyStopping"]);
      if (!same(a.earlyStopping, b.earlyStopping))
        out.push({
          kind: "changed",
          subject: `stage ${b.id} earlyStopping`,
          before: a.earlyStopping,
          after: b.earlyStopping,
          message: `stage ${b.id}: ${keptEpochText(a.earlyStopping)} → ${keptEpochText(b.earlyStopping)}`,
        });
      const text = (fs: Ir["stages"][number]["freeze"]) =>
        fs.map((f) =>
          f.layer === null
            ? f.column
            : `${f.column}.${f.layer === "head" ? "head" : `h${f.layer}`}`,
        );
      const [fa, fb] = [text(a.freeze), text(b.freeze)];
      for (const f of fb.filter((x) => !fa.includes(x)))
        out.push({
          kind: "added",
          subject: `stage ${b.id} freeze`,
          after: f,
          message: `stage ${b.id}: now freezes \`${f}\``,
        });
      for (const f of fa.filter((x) => !fb.includes(x)))
        out.push({
          kind: "removed",
          subject: `stage ${b.id} freeze`,
          before: f,
          message: `stage ${b.id}: no longer freezes \`${f}\``,
        });
      return out;
    }),
  );
  changes.push(...fields("evaluation", "evaluation", before.evaluation, after.evaluation));
  return { changes, columns: verdicts(before, after, renames) };
}

function verdicts(before: Ir, after: Ir, renames: ReadonlyMap<string, string>): ColumnVerdict[] {
  const oldKeys = columnKeys(before, declaredIdentities(before));
  const newKeys = columnKeys(after, declaredIdentities(after));
  const valid = new Set(oldKeys.values());
  const renamedFrom = new Map([...renames].map(([a, b]) => [b, a]));
  const out: ColumnVerdict[] = [];
  for (const column of after.columns) {
    const key = newKeys.get(column.id) ?? "";
    if (valid.has(key)) {
      out.push({
        column: column.id,
        status: "valid",
        reason: "unchanged: its trained weights are reused",
      });
      continue;
    }
    const existed = before.columns.some((c) => c.id === column.id);
    if (!existed && !renamedFrom.has(column.id)) {
      out.push({ column: column.id, status: "new", reason: "new column: trained on the next run" });
      continue;
    }
    if (renamedFrom.has(column.id)) {
      out.push({
        column: column.id,
        status: "retrain",
        reason: `renamed from \`${renamedFrom.get(column.id)}\`: the name seeds its weights`,
      });
      continue;
    }
    const sources = [
      ...column.laterals.flatMap((l) => l.from),
      ...(column.init ? [column.init] : []),
    ];
    const upstream = sources.filter((s) => !valid.has(newKeys.get(s) ?? ""));
    const old = before.columns.find((c) => c.id === column.id);
    const own = !old || content(old) !== content(column);
    const reads = `reads ${upstream.map((s) => `\`${s}\``).join(", ")}, which must retrain`;
    out.push({
      column: column.id,
      status: "retrain",
      reason:
        upstream.length === 0
          ? "its own definition, task, data or stage settings changed"
          : own
            ? `its definition changed, and it ${reads}`
            : `it ${reads}`,
    });
  }
  return out;
}

export function renderDiff(diff: SemanticDiff, names: [string, string]): string {
  const lines = [`${names[0]} → ${names[1]}`];
  if (diff.changes.length === 0)
    lines.push("no semantic changes (formatting and comments do not count)");
  for (const c of diff.changes)
    lines.push(`  ${c.kind === "added" ? "+" : c.kind === "removed" ? "-" : "~"} ${c.message}`);
  lines.push("trained columns:");
  for (const v of diff.columns)
    lines.push(
      `  ${v.column}: ${v.status === "valid" ? "valid" : v.status === "new" ? "new" : "RETRAIN"} (${v.reason})`,
    );
  return lines.join("\n") + "\n";
}
