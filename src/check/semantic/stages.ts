/**
 * Stage checks, the progressive-network discipline: each column trained in exactly one stage
 * (PNN3014, PNN3015), sources trained in an earlier stage (PNN3008), frozen sets that hold trained
 * weights (PNN3012, PNN3026) and lateral sources frozen while read (PNN3013).
 * In: the CheckContext. Out: diagnostics.
 */
import type { CheckContext } from "./context.js";

export function checkTrainedOnce(ctx: CheckContext): void {
  const first = new Map<string, string>();
  ctx.ir.stages.forEach((stage, i) =>
    stage.train.forEach((c, k) => {
      const earlier = first.get(c);
      if (earlier === undefined) {
        first.set(c, `/stages/${i}/train/${k}`);
        return;
      }
      ctx.report("PNN3015", `/stages/${i}/train/${k}`, `column \`${c}\` is trained a second time`, {
        labels: [{ path: earlier, message: "first trained here" }],
        hint: "a trained column stays frozen; add a new column (with `init from` to fine-tune a copy)",
      });
    }),
  );
  // An unresolved name in a `train` list, or no stage at all, is the cause worth reporting; "never
  // trained" warnings would only repeat it.
  const unresolved = ctx.ir.stages.some((s) => s.train.some((c) => !ctx.columns.has(c)));
  if (unresolved || ctx.ir.stages.length === 0) return;
  ctx.ir.columns.forEach((c, i) => {
    if (!ctx.trainedIn.has(c.id)) {
      ctx.report("PNN3014", `/columns/${i}/id`, `column \`${c.id}\` is never trained`, {
        hint: "add it to the `train` list of a stage",
      });
    }
  });
}

/** Laterals and `init from` read columns that an earlier stage trained. */
export function checkSourcesEarlier(ctx: CheckContext): void {
  ctx.ir.columns.forEach((column, i) => {
    const stage = ctx.trainedIn.get(column.id);
    const sources: [string, string, string][] = column.laterals.flatMap((l, j) =>
      l.from.map((s, k): [string, string, string] => [
        s,
        `/columns/${i}/laterals/${j}/from/${k}`,
        "a lateral",
      ]),
    );
    if (column.init !== null) sources.push([column.init, `/columns/${i}/init`, "`init from`"]);
    for (const [source, at, what] of sources) {
      if (!ctx.columns.has(source)) continue;
      if (source === column.id) {
        ctx.report("PNN3008", at, `column \`${source}\` cannot read itself through ${what}`);
        continue;
      }
      const sourceStage = ctx.trainedIn.get(source);
      if (sourceStage === undefined) {
        ctx.report("PNN3008", at, `${what} reads \`${source}\`, which no stage trains`, {
          hint: `train \`${source}\` in a stage before the one that trains \`${column.id}\``,
        });
        continue;
      }
      if (stage === undefined || sourceStage < stage) continue;
      const when = sourceStage === stage ? "in the same stage as" : "after";
      ctx.report(
        "PNN3008",
        at,
        `${what} reads \`${source}\`, which is trained ${when} \`${column.id}\``,
        {
          labels: [{ path: `/stages/${sourceStage}/id`, message: `\`${source}\` is trained here` }],
          hint: `progressive networks read only frozen columns; train \`${source}\` in an earlier stage`,
        },
      );
    }
  });
}

export function checkFrozenSets(ctx: CheckContext): void {
  ctx.ir.stages.forEach((stage, i) => {
    const seen = new Set<string>();
    stage.freeze.forEach((f, k) => {
      const at = `/stages/${i}/freeze/${k}`;
      const key = `${f.column}.${f.layer ?? ""}`;
      if (seen.has(key)) {
        ctx.report(
          "PNN2004",
          at,
          `\`freeze\` lists \`${f.column}${f.layer === null ? "" : f.layer === "head" ? ".head" : `.h${f.layer}`}\` twice`,
          {
            hint: "remove the repeated item",
          },
        );
        return;
      }
      seen.add(key);
      const column = ctx.columns.get(f.column);
      if (!column) return;
      const trained = ctx.trainedIn.get(f.column);
      if (f.layer !== null && f.layer !== "head" && f.layer > column.layers.length) {
        ctx.report("PNN3007", `${at}/layer`, `column \`${f.column}\` has no layer \`h${f.layer}\``);
        return;
      }
      if (trained === i) {
        if (f.layer === null) {
          ctx.report(
            "PNN3026",
            at,
            `stage \`${stage.id}\` both trains and freezes \`${f.column}\``,
            {
              hint: "drop it from `freeze` (or, for a column with `init from`, freeze single layers such as `column.h1`)",
            },
          );
        } else if (f.layer === "head" && column.init !== null) {
          ctx.report(
            "PNN3012",
            at,
            `\`init from\` copies hidden layers only, so the head of \`${f.column}\` starts random and freezing it keeps it random`,
            { hint: "freeze copied hidden layers (`h1`, `h2`, …) instead" },
          );
        } else if (column.init === null) {
          ctx.report(
            "PNN3012",
            at,
            `\`${f.column}\` starts from random weights in this stage, so freezing its layer keeps them random`,
            {
              hint: `add \`init from\` to \`${f.column}\`, or do not freeze this layer`,
            },
          );
        }
        return;
      }
      if (trained === undefined || trained > i) {
        ctx.report(
          "PNN3012",
          at,
          `stage \`${stage.id}\` freezes \`${f.column}\`, which no earlier stage trains`,
          {
            hint: `train \`${f.column}\` in an earlier stage`,
          },
        );
      }
    });
  });
}

/** Whatever a column reads through a lateral must be frozen in the stage that trains the column. */
export function checkLateralSourcesFrozen(ctx: CheckContext): void {
  const indexOf = new Map(ctx.ir.columns.map((c, i) => [c, i]));
  ctx.ir.stages.forEach((stage, i) => {
    const frozen = new Set(stage.freeze.filter((f) => f.layer === null).map((f) => f.column));
    for (const id of stage.train) {
      const column = ctx.columns.get(id);
      if (!column || ctx.trainedIn.get(id) !== i) continue;
      const ci = indexOf.get(column) ?? -1;
      column.laterals.forEach((l, j) =>
        l.from.forEach((source, k) => {
          const sourceStage = ctx.trainedIn.get(source);
          if (frozen.has(source) || sourceStage === undefined || sourceStage >= i) return;
          ctx.report(
            "PNN3013",
            `/columns/${ci}/laterals/${j}/from/${k}`,
            `\`${id}\` reads \`${source}\`, but stage \`${stage.id}\` does not freeze it`,
            {
              labels: [{ path: `/stages/${i}/id`, message: `\`${id}\` is trained here` }],
              hint: `add \`freeze ${source}\` to stage \`${stage.id}\``,
            },
          );
        }),
      );
    }
  });
}

/** Adam keeps its own moment estimates; a momentum setting would be silently ignored. */
export function checkOptimizerSettings(ctx: CheckContext): void {
  ctx.ir.stages.forEach((s, i) => {
    if (s.optimizer.name !== "adam" || s.optimizer.momentum === 0) return;
    ctx.report(
      "PNN3003",
      `/stages/${i}/optimizer/momentum`,
      "`momentum` has no effect with `optimizer adam`",
      {
        hint: "use `optimizer sgd` or `rmsprop`, or remove `momentum`",
      },
    );
  });
}

export function checkSomethingToTrain(ctx: CheckContext): void {
  if (ctx.ir.columns.length === 0) {
    ctx.report("PNN3022", "/name", "the spec declares no column", {
      hint: "add a `column NAME { … }` block",
    });
  } else if (ctx.ir.stages.length === 0) {
    ctx.report("PNN3022", "/stages", "the spec has no training stage", {
      hint: "add `training { stage NAME { train COLUMN } }`",
    });
  }
}
