/**
 * Name checks: duplicate declarations (PNN3001) and references to undeclared datasets, tasks and
 * columns (PNN3004-3006), each with "did you mean".
 * In: the CheckContext. Out: diagnostics; later checks skip references that do not resolve.
 */
import type { Code } from "../../diagnostics/catalog.js";
import { closestNames, didYouMean } from "../../diagnostics/suggest.js";
import type { CheckContext } from "./context.js";

export function checkDuplicateNames(ctx: CheckContext): void {
  const kinds = [
    ["dataset", ctx.ir.datasets, "/datasets"],
    ["task", ctx.ir.tasks, "/tasks"],
    ["column", ctx.ir.columns, "/columns"],
    ["stage", ctx.ir.stages, "/stages"],
  ] as const;
  for (const [kind, items, base] of kinds) {
    const first = new Map<string, number>();
    items.forEach((item: { id: string }, i: number) => {
      const earlier = first.get(item.id);
      if (earlier === undefined) {
        first.set(item.id, i);
        return;
      }
      ctx.report("PNN3001", `${base}/${i}/id`, `the ${kind} \`${item.id}\` is declared twice`, {
        labels: [{ path: `${base}/${earlier}/id`, message: "first declared here" }],
        hint: `rename one of the ${kind}s`,
      });
    });
  }
}

function checkRef(
  ctx: CheckContext,
  code: Code,
  kind: string,
  path: string,
  name: string,
  scope: ReadonlyMap<string, unknown>,
): void {
  if (scope.has(name)) return;
  const suggestions = closestNames(name, scope.keys());
  ctx.report(code, path, `unknown ${kind} \`${name}\``, {
    hint: didYouMean(suggestions) ?? hintForEmpty(kind, scope),
    suggestions,
  });
}

function hintForEmpty(kind: string, scope: ReadonlyMap<string, unknown>): string {
  return scope.size === 0
    ? `no ${kind} is declared; add a \`${kind} NAME { … }\` block`
    : `declared ${kind}s: ${[...scope.keys()].map((k) => `\`${k}\``).join(", ")}`;
}

export function checkReferences(ctx: CheckContext): void {
  const { ir } = ctx;
  ir.tasks.forEach((t, i) =>
    checkRef(ctx, "PNN3004", "dataset", `/tasks/${i}/dataset`, t.dataset, ctx.datasets),
  );
  ir.columns.forEach((c, i) => {
    const p = `/columns/${i}`;
    checkRef(ctx, "PNN3005", "task", `${p}/task`, c.task, ctx.tasks);
    if (c.init !== null) checkRef(ctx, "PNN3006", "column", `${p}/init`, c.init, ctx.columns);
    c.laterals.forEach((l, j) =>
      l.from.forEach((s, k) =>
        checkRef(ctx, "PNN3006", "column", `${p}/laterals/${j}/from/${k}`, s, ctx.columns),
      ),
    );
  });
  ir.stages.forEach((s, i) => {
    s.train.forEach((c, k) =>
      checkRef(ctx, "PNN3006", "column", `/stages/${i}/train/${k}`, c, ctx.columns),
    );
    s.freeze.forEach((f, k) =>
      checkRef(ctx, "PNN3006", "column", `/stages/${i}/freeze/${k}/column`, f.column, ctx.columns),
    );
  });
  ir.evaluation.compare.forEach((c, k) =>
    checkRef(ctx, "PNN3006", "column", `/evaluation/compare/${k}`, c, ctx.columns),
  );
  if (ir.evaluation.baseline !== null) {
    checkRef(ctx, "PNN3006", "column", "/evaluation/baseline", ir.evaluation.baseline, ctx.columns);
  }
}
