/**
 * A task's labels: the class map (merge, drop, fixed order) applied to the label column.
 * In: the IR task and the label text of each row. Out: the classes and one index per row (-1 for
 * a row the task does not use), or a DataProblem (an unexpected label, a single class).
 */
import { closestNames, didYouMean } from "../diagnostics/suggest.js";
import type { TaskIr } from "../ir/types.js";
import type { DataProblem } from "./problem.js";
import { sortClasses } from "../runtime/table.js";

export interface TaskLabels {
  classes: string[];
  /** Class index per dataset row; -1 when the row's class is dropped. */
  y: Int32Array;
}

export function taskLabels(
  task: TaskIr,
  raw: readonly string[],
  lines: readonly number[],
  shownPath: string,
): TaskLabels | DataProblem {
  const merged = new Map(task.merge.map((m) => [m.from, m.to]));
  const dropped = new Set(task.drop);
  const mapped = raw.map((v) => merged.get(v) ?? v);
  const present = [...new Set(mapped.filter((v) => !dropped.has(v)))];
  const classes = task.classes ?? sortClasses(present);
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = new Int32Array(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const v = mapped[r] ?? "";
    if (dropped.has(v)) {
      y[r] = -1;
      continue;
    }
    const i = index.get(v);
    if (i === undefined) {
      const suggestions = closestNames(v, classes);
      return {
        code: "PNN4014",
        message: `\`${shownPath}\` line ${lines[r]}, column \`${task.label}\`: \`${v}\` is not a class of task \`${task.id}\``,
        hint:
          didYouMean(suggestions) ??
          `add it to \`classes\`, \`merge\` it into a class, or \`drop\` it`,
        suggestions,
      };
    }
    y[r] = i;
  }
  const used = new Set(y.filter((i) => i >= 0));
  if (used.size < 2) {
    return {
      code: "PNN4009",
      message: `task \`${task.id}\` has ${used.size === 0 ? "no rows" : `only the class \`${classes[[...used][0] ?? 0]}\``} in \`${shownPath}\``,
      hint: "a classifier needs at least two classes; check `drop`, `merge` and `exclude`",
    };
  }
  const missing = classes.filter((_, i) => !used.has(i));
  if (missing.length > 0) {
    return {
      code: "PNN4009",
      message: `class${missing.length > 1 ? "es" : ""} ${missing.map((c) => `\`${c}\``).join(", ")} of task \`${task.id}\` never occur${missing.length > 1 ? "" : "s"} in \`${shownPath}\``,
      hint: "remove them from `classes`, or check the spelling against the data",
    };
  }
  return { classes, y };
}
