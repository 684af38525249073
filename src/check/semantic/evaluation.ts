/**
 * Protocol checks: fold schemes that need a group column (PNN3018), enough folds left for training
 * (PNN3019), comparisons between columns of one task (PNN3020), tasks that cannot be learned under
 * group-independent folds (PNN3024), early stopping or best-epoch selection without validation folds
 * (PNN3025, PNN3030) and a patience the epoch budget never reaches (PNN3029).
 * In: the CheckContext. Out: diagnostics.
 */
import type { CheckContext } from "./context.js";

export function checkFoldGroups(ctx: CheckContext): void {
  const { folds } = ctx.ir.evaluation;
  ctx.ir.datasets.forEach((d, i) => {
    if (d.normalize !== "per_group" || d.group !== null) return;
    ctx.report(
      "PNN3018",
      `/datasets/${i}/normalize`,
      `per-group normalisation needs a group column, but dataset \`${d.id}\` declares none`,
      {
        hint: `add \`group COLUMN\` (e.g. the speaker) to dataset \`${d.id}\`, or \`normalize global\``,
      },
    );
  });
  if (folds.kind === "stratified") return;
  ctx.ir.datasets.forEach((d, i) => {
    if (d.group !== null) return;
    ctx.report(
      "PNN3018",
      "/evaluation/folds/kind",
      `\`${folds.kind}\` folds need a group column, but dataset \`${d.id}\` declares none`,
      {
        labels: [{ path: `/datasets/${i}/id`, message: "no `group` here" }],
        hint: `add \`group COLUMN\` (e.g. the speaker) to dataset \`${d.id}\``,
      },
    );
  });
  ctx.ir.tasks.forEach((t, i) => {
    const d = ctx.datasets.get(t.dataset);
    if (d?.group !== t.label) return;
    ctx.report(
      "PNN3024",
      `/tasks/${i}/label`,
      `task \`${t.id}\` predicts the group column, but \`${folds.kind}\` folds keep test groups out of training`,
      {
        hint: "use `stratified` folds, where every group appears in every fold (as in Gideon et al. 2017)",
      },
    );
  });
}

export function checkFoldCounts(ctx: CheckContext): void {
  const { folds, validationFolds } = ctx.ir.evaluation;
  if (folds.kind === "leave_one_group_out") return;
  const training = folds.k - 1 - validationFolds;
  if (training < 1) {
    ctx.report(
      "PNN3019",
      "/evaluation/validationFolds",
      `${folds.k} folds minus 1 test and ${validationFolds} validation folds leave none for training`,
      {
        hint: `use at most ${Math.max(0, folds.k - 2)} validation folds, or more folds`,
      },
    );
    return;
  }
  ctx.ir.stages.forEach((s, i) =>
    s.trainFolds?.forEach((n, k) => {
      if (n <= training) return;
      ctx.report(
        "PNN3019",
        `/stages/${i}/trainFolds/${k}`,
        `\`train_folds\` asks for ${n} folds, but only ${training} are left for training`,
        {
          hint: `${folds.k} folds minus 1 test and ${validationFolds} validation folds leave ${training}`,
        },
      );
    }),
  );
}

/**
 * Once per written statement: stages inherit the `training` block's setting, and a problem there is
 * one problem, not one per stage.
 */
function oncePerPlace(ctx: CheckContext): (...paths: string[]) => boolean {
  const seen = new Set<string>();
  return (...paths) => {
    const key = paths
      .map((p) => {
        const r = ctx.spans.get(p);
        return `${r.start}:${r.end}`;
      })
      .join("/");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
}

export function checkEarlyStopping(ctx: CheckContext): void {
  checkPatience(ctx);
  if (ctx.ir.evaluation.validationFolds > 0) return;
  const first = oncePerPlace(ctx);
  ctx.ir.stages.forEach((s, i) => {
    if (s.earlyStopping === null) return;
    if (s.earlyStopping.patience === null) {
      if (!first(`/stages/${i}/earlyStopping`)) return;
      ctx.report(
        "PNN3030",
        `/stages/${i}/earlyStopping`,
        `stage \`${s.id}\` keeps its best validation epoch, but \`validation 0\` leaves no validation fold to score epochs on`,
        {
          labels: [{ path: "/evaluation/validationFolds", message: "no validation folds" }],
          hint: "set `validation 1`, or remove `best_epoch` to keep the last epoch",
        },
      );
      return;
    }
    ctx.report(
      "PNN3025",
      `/stages/${i}/earlyStopping`,
      `stage \`${s.id}\` stops early, but \`validation 0\` leaves no validation fold to watch`,
      {
        labels: [{ path: "/evaluation/validationFolds", message: "no validation folds" }],
        hint: `set \`validation 1\`, or \`${ctx.ir.language >= 2 ? "early_stopping" : "early_stop"} off\``,
      },
    );
  });
}

/**
 * A patience of `epochs` − 1 or more never stops training early (the first epoch is always the best
 * so far, and at most `epochs` − 1 follow it, the last of which ends training anyway): a warning,
 * since the run is well defined (it is `best_epoch`), but the spec says what it does not do.
 */
function checkPatience(ctx: CheckContext): void {
  const first = oncePerPlace(ctx);
  ctx.ir.stages.forEach((s, i) => {
    const patience = s.earlyStopping?.patience ?? null;
    if (patience === null || patience < s.epochs - 1) return;
    const at = `/stages/${i}/earlyStopping/patience`;
    const epochs = `/stages/${i}/epochs`;
    if (!first(at, epochs)) return;
    ctx.report(
      "PNN3029",
      at,
      `patience ${patience} can never run out in stage \`${s.id}\`'s ${s.epochs} epoch${s.epochs === 1 ? "" : "s"}, so training never stops early`,
      {
        labels: ctx.spans.has(epochs)
          ? [{ path: epochs, message: `the budget: ${s.epochs} epochs` }]
          : [],
        hint: `use a patience below ${s.epochs}, or write \`best_epoch ${s.earlyStopping?.metric ?? "uar"}\` to train every epoch and keep the best`,
      },
    );
  });
}

export function checkComparison(ctx: CheckContext): void {
  const { compare, baseline } = ctx.ir.evaluation;
  const first = compare.map((c) => ctx.columns.get(c)).find((c) => c !== undefined);
  compare.forEach((id, k) => {
    const column = ctx.columns.get(id);
    if (!column || !first || column.task === first.task) return;
    ctx.report(
      "PNN3020",
      `/evaluation/compare/${k}`,
      `\`${id}\` solves task \`${column.task}\`, but \`${first.id}\` solves \`${first.task}\``,
      {
        hint: "compare columns of the same task, trained on the same folds",
      },
    );
  });
  // The first stage that trains each column, looked up by name rather than by a scan per name.
  const trainedIn = new Map<string, (typeof ctx.ir.stages)[number]>();
  for (const s of ctx.ir.stages)
    for (const id of s.train) if (!trainedIn.has(id)) trainedIn.set(id, s);
  const foldsOf = (id: string) => JSON.stringify(trainedIn.get(id)?.trainFolds ?? null);
  compare.forEach((id, k) => {
    const reference = compare[0];
    if (k === 0 || reference === undefined || foldsOf(id) === foldsOf(reference)) return;
    ctx.report(
      "PNN3020",
      `/evaluation/compare/${k}`,
      `\`${id}\` and \`${reference}\` train on different \`train_folds\`, so their results are not paired`,
      {
        hint: "compare columns trained on the same folds",
      },
    );
  });
  if (baseline !== null && ctx.columns.has(baseline) && !compare.includes(baseline)) {
    ctx.report(
      "PNN3020",
      "/evaluation/baseline",
      `the baseline \`${baseline}\` is not among the compared columns`,
      {
        hint:
          compare.length === 0
            ? "add `compare [ … ]` with the methods to compare"
            : `add \`${baseline}\` to \`compare\``,
      },
    );
  }
}
