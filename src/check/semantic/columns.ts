/**
 * Shape checks of columns: lateral targets and sources in range (PNN3007, PNN3009), head width equal
 * to the class count (PNN3010), `init from` between columns of the same shape (PNN3011), and sources
 * that read the same features (PNN3016).
 * In: the CheckContext. Out: diagnostics.
 */
import type { ColumnIr, FeatureSelection } from "../../ir/types.js";
import type { CheckContext } from "./context.js";

export function checkLateralLayers(ctx: CheckContext, column: ColumnIr, path: string): void {
  const depth = column.layers.length;
  column.laterals.forEach((lateral, j) => {
    lateral.into.forEach((target, k) => {
      const at = `${path}/laterals/${j}/into/${k}`;
      if (target === 1) {
        ctx.report("PNN3009", at, "no lateral can feed `h1`: it reads the input features", {
          hint: "laterals into layer i read layer i-1 of the source; start at `h2`",
        });
        return;
      }
      if (target !== "head" && target > depth) {
        ctx.report("PNN3007", at, `column \`${column.id}\` has no layer \`h${target}\``, {
          hint:
            depth === 0 ? "the column has no hidden layers" : `its hidden layers are h1..h${depth}`,
        });
        return;
      }
      for (const sourceId of lateral.from) {
        const source = ctx.columns.get(sourceId);
        if (!source) continue;
        const needed = target === "head" ? 1 : target - 1;
        if (source.layers.length >= needed) continue;
        const fed = target === "head" ? "the head" : `\`h${target}\``;
        ctx.report("PNN3007", at, `source \`${sourceId}\` has no layer to feed ${fed}`, {
          labels: [
            {
              path: ctx.columnPath(sourceId) + "/id",
              message: `\`${sourceId}\` has ${source.layers.length} hidden layers`,
            },
          ],
          hint:
            target === "head"
              ? "a head lateral reads the source's last hidden layer"
              : `${fed} would read \`${sourceId}.h${needed}\``,
        });
      }
    });
  });
}

/** The same source feeding the same layer twice is one link written twice. */
export function checkDuplicateLinks(ctx: CheckContext, column: ColumnIr, path: string): void {
  const first = new Map<string, string>();
  column.laterals.forEach((lateral, j) =>
    lateral.from.forEach((source) =>
      lateral.into.forEach((target, k) => {
        const key = `${source}\u0000${target}`;
        const at = `${path}/laterals/${j}/into/${k}`;
        const earlier = first.get(key);
        if (earlier === undefined) {
          first.set(key, at);
          return;
        }
        const layer = target === "head" ? "the head" : `\`h${target}\``;
        ctx.report("PNN3002", at, `\`${source}\` already feeds ${layer} of \`${column.id}\``, {
          labels: [{ path: earlier, message: "first linked here" }],
          hint: "each source feeds each layer through one lateral",
        });
      }),
    ),
  );
}

export function checkHeadSize(ctx: CheckContext, column: ColumnIr, path: string): void {
  const task = ctx.tasks.get(column.task);
  if (column.head.units === null || !task?.classes) return;
  if (column.head.units === task.classes.length) return;
  ctx.report(
    "PNN3010",
    `${path}/head/units`,
    `the head has ${column.head.units} units but task \`${task.id}\` has ${task.classes.length} classes`,
    { hint: `write \`head ${task.classes.length} softmax\`, or just \`head softmax\`` },
  );
}

export function checkInitShape(ctx: CheckContext, column: ColumnIr, path: string): void {
  const source = column.init === null ? undefined : ctx.columns.get(column.init);
  if (!source || source === column) return;
  const shape = (c: ColumnIr) => c.layers.map((l) => l.units).join("-") || "no hidden layers";
  if (shape(source) === shape(column)) return;
  ctx.report(
    "PNN3011",
    `${path}/init`,
    `cannot initialise \`${column.id}\` from \`${source.id}\`: hidden layers differ`,
    {
      labels: [
        {
          path: ctx.columnPath(source.id) + "/id",
          message: `\`${source.id}\` is ${shape(source)}`,
        },
      ],
      hint: `\`${column.id}\` is ${shape(column)}; \`init from\` copies every hidden layer, so widths must match`,
    },
  );
}

export function checkSourceFeatures(ctx: CheckContext, column: ColumnIr, path: string): void {
  const mine = ctx.datasetOfColumn(column);
  if (!mine) return;
  const sources: [string, string][] = column.laterals.flatMap((l, j) =>
    l.from.map((s, k): [string, string] => [s, `${path}/laterals/${j}/from/${k}`]),
  );
  if (column.init !== null) sources.push([column.init, `${path}/init`]);
  for (const [sourceId, at] of sources) {
    const source = ctx.columns.get(sourceId);
    const theirs = source && ctx.datasetOfColumn(source);
    if (!theirs || theirs.id === mine.id) continue;
    if (sameSelection(theirs.features, mine.features)) continue;
    ctx.report(
      "PNN3016",
      at,
      `\`${sourceId}\` reads dataset \`${theirs.id}\`, whose features differ from \`${mine.id}\``,
      {
        labels: [
          {
            path: `/datasets/${ctx.ir.datasets.indexOf(theirs)}/features`,
            message: "selected here",
          },
        ],
        hint: `give \`${mine.id}\` and \`${theirs.id}\` the same \`features\` selection`,
      },
    );
  }
}

/** `numeric except` lists are sets; explicit feature lists are ordered (they fix the input layout). */
function sameSelection(a: FeatureSelection, b: FeatureSelection): boolean {
  const canonical = (f: FeatureSelection) =>
    JSON.stringify(f.kind === "numeric" ? { kind: f.kind, except: [...f.except].sort() } : f);
  return canonical(a) === canonical(b);
}
