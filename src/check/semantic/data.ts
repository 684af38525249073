/**
 * Data-facing checks that need no data file: class maps that contradict themselves (PNN3017) and
 * feature selections that may include the label or the group column (PNN3023).
 * In: the CheckContext. Out: diagnostics (the data loader checks the rest against the real file).
 */
import type { TaskIr } from "../../ir/types.js";
import { derivedNames } from "../../runtime/derive.js";
import type { CheckContext } from "./context.js";

export function checkClassMap(ctx: CheckContext, task: TaskIr, path: string): void {
  // Class → its index, so each clash finds the kept copy without a scan of the list.
  const kept = task.classes ? new Map(task.classes.map((c, k) => [c, k] as const)) : null;
  const dropped = new Set(task.drop);
  task.drop.forEach((c, k) => {
    if (kept?.has(c)) {
      ctx.report("PNN3017", `${path}/drop/${k}`, `class \`${c}\` is both kept and dropped`, {
        labels: [{ path: `${path}/classes/${kept.get(c)}`, message: "kept here" }],
      });
    }
  });
  const sources = new Map<string, number>();
  const targets = new Set(task.merge.map((m) => m.to));
  task.merge.forEach((m, k) => {
    if (targets.has(m.from) && m.from !== m.to) {
      ctx.report(
        "PNN3017",
        `${path}/merge/${k}/from`,
        `\`${m.from}\` is both merged into and merged away`,
        {
          hint: "merges do not chain; map every source straight to its final class",
        },
      );
    }
    const at = `${path}/merge/${k}`;
    const earlier = sources.get(m.from);
    if (earlier !== undefined) {
      ctx.report("PNN3017", `${at}/from`, `class \`${m.from}\` is merged twice`, {
        labels: [{ path: `${path}/merge/${earlier}/from`, message: "first merged here" }],
      });
    }
    sources.set(m.from, k);
    if (m.from === m.to) {
      ctx.report("PNN3017", at, `\`${m.from} -> ${m.to}\` maps a class onto itself`);
    } else if (dropped.has(m.to)) {
      ctx.report(
        "PNN3017",
        `${at}/to`,
        `class \`${m.from}\` is merged into \`${m.to}\`, which is dropped`,
      );
    } else if (kept && !kept.has(m.to)) {
      ctx.report(
        "PNN3017",
        `${at}/to`,
        `class \`${m.from}\` is merged into \`${m.to}\`, which is not in \`classes\``,
        {
          hint: `add \`${m.to}\` to \`classes\``,
        },
      );
    } else if (kept?.has(m.from)) {
      ctx.report(
        "PNN3017",
        `${at}/from`,
        `\`${m.from}\` is in \`classes\` but merged away into \`${m.to}\``,
      );
    }
    if (dropped.has(m.from)) {
      ctx.report("PNN3017", `${at}/from`, `class \`${m.from}\` is both merged and dropped`);
    }
  });
}

export function checkLabelLeak(ctx: CheckContext, task: TaskIr, path: string): void {
  const dataset = ctx.datasets.get(task.dataset);
  if (!dataset) return;
  const di = ctx.ir.datasets.indexOf(dataset);
  // Derived columns (`fields`, `derive`, a preset, a join's `take`) are never features.
  const derived = new Set(
    derivedNames(dataset.derive ?? [], (join) => [...(join.take ?? [])]).flat(),
  );
  const risky = [task.label, dataset.group].filter(
    (c): c is string => c !== null && !derived.has(c),
  );
  for (const column of new Set(risky)) {
    const features = dataset.features;
    const role = column === task.label ? `the label of task \`${task.id}\`` : "the group column";
    if (features.kind === "numeric" && !features.except.includes(column)) {
      ctx.report(
        "PNN3023",
        `/datasets/${di}/features`,
        `\`features numeric\` of \`${dataset.id}\` may include \`${column}\`, ${role}`,
        {
          labels: [{ path: `${path}/label`, message: "used as a label here" }],
          hint: `add \`${column}\` to \`except\``,
        },
      );
    }
    if (features.kind === "columns") {
      const k = features.items.findIndex((it) => "column" in it && it.column === column);
      if (k >= 0) {
        ctx.report(
          "PNN3023",
          `/datasets/${di}/features/items/${k}`,
          `\`${column}\`, ${role}, is selected as a feature`,
          {
            hint: `remove \`${column}\` from \`features\``,
          },
        );
      }
    }
  }
}
