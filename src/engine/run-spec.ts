/**
 * `pnnc run`'s engine: turns a checked spec into the runtime's Plan, with columns built from the IR
 * by ColumnModel, and runs it with the experiment driver (src/runtime/driver.ts, the same driver every
 * generated program uses). The first run's trained columns are saved as TF.js checkpoints.
 * In: the front end's IR, the loaded data, a selected backend. Out: per-run metrics, learning curves,
 * the forgetting table and a summary (mean ± std of test UAR per column and variant).
 */
import type * as Tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { SpecData } from "../data/load.js";
import type { ColumnIr, Ir, LayerRef } from "../ir/types.js";
import {
  runExperiment,
  type DriverOptions,
  type Plan,
  type PlannedColumn,
} from "../runtime/driver.js";
import type { Normalizer } from "../runtime/normalize.js";
import type { RunResults } from "../runtime/results.js";
import { ColumnModel } from "./column-model.js";
import { saveCheckpoint, toLayersModel, writeCheckpointIndex } from "./checkpoint.js";

export type { RunStore } from "../runtime/driver.js";
export type {
  ColumnRun,
  Forgetting,
  RunRecord,
  RunResults,
  SummaryRow,
} from "../runtime/results.js";

export interface RunSpecOptions extends Pick<
  DriverOptions<ColumnModel>,
  "progress" | "store" | "only" | "onRunEnd" | "columns" | "onDiverged"
> {
  /** Content keys of the columns (column-key.ts), needed for the column store. */
  keys?: ReadonlyMap<string, string>;
  /** Where to save the first run's (repeat 1, fold 1) trained columns as TF.js checkpoints. */
  checkpoints?: { dir: string; pnnc: string; specHash: string };
}

/** The IR as the driver's plan: each column builds a ColumnModel from its IR. */
export function planOf(ir: Ir): Plan<ColumnModel> {
  const normalizeOf = new Map(ir.datasets.map((d) => [d.id, d.normalize]));
  const columns = new Map<string, PlannedColumn<ColumnModel>>(
    ir.columns.map((c) => [
      c.id,
      {
        task: c.task,
        init: c.init,
        build: (tf, inputDim, classes, built, seed, initFrom) =>
          new ColumnModel(
            tf,
            initFrom === undefined ? c : { ...c, init: initFrom },
            inputDim,
            classes,
            built,
            seed,
          ),
      },
    ]),
  );
  return {
    repeats: ir.evaluation.repeats,
    tasks: new Map(
      ir.tasks.map((t) => [
        t.id,
        { dataset: t.dataset, normalize: normalizeOf.get(t.dataset) ?? "none" },
      ]),
    ),
    columns,
    stages: ir.stages.map((stage) => {
      const frozenLayers = new Map<string, LayerRef[]>();
      for (const f of stage.freeze) {
        if (f.layer !== null)
          frozenLayers.set(f.column, [...(frozenLayers.get(f.column) ?? []), f.layer]);
      }
      return {
        id: stage.id,
        train: stage.train,
        frozenLayers,
        settings: stage,
        trainFolds: stage.trainFolds,
      };
    }),
  };
}

export async function runSpec(
  tf: typeof Tf,
  ir: Ir,
  data: SpecData,
  opts: RunSpecOptions = {},
): Promise<RunResults> {
  const { checkpoints, onRunEnd, keys, ...rest } = opts;
  return runExperiment(tf, { ...planOf(ir), keys }, data, {
    ...rest,
    onRunEnd: async (repeat, fold, trained, models) => {
      await onRunEnd?.(repeat, fold, trained, models);
      if (!checkpoints || repeat !== 1 || fold !== 1) return;
      const saved: string[] = [];
      for (const { model, norm } of trained)
        if (await saveColumn(tf, ir, data, model.ir, model, norm, models, checkpoints))
          saved.push(model.ir.id);
      writeCheckpointIndex(checkpoints.dir, { specHash: checkpoints.specHash, columns: saved });
    },
  });
}

async function saveColumn(
  tf: typeof Tf,
  ir: Ir,
  data: SpecData,
  column: ColumnIr,
  model: ColumnModel,
  norm: Normalizer,
  models: ReadonlyMap<string, ColumnModel>,
  target: NonNullable<RunSpecOptions["checkpoints"]>,
): Promise<boolean> {
  const task = ir.tasks.find((t) => t.id === column.task);
  const dataset = task ? data.datasets.get(task.dataset) : undefined;
  const declared = ir.datasets.find((d) => d.id === task?.dataset);
  if (!task || !dataset || !declared) return false;
  const layers = toLayersModel(tf, model, models, dataset.dims);
  await saveCheckpoint(
    tf,
    layers,
    {
      pnnc: target.pnnc,
      specHash: target.specHash,
      taskColumns: taskColumnsOf(column, models),
      column: column.id,
      classes: dataset.tasks.get(task.id)?.classes ?? [],
      featureNames: dataset.featureNames,
      normalization: {
        mode: declared.normalize,
        mean: Array.from(norm.global.mean),
        std: Array.from(norm.global.std),
        group: declared.group,
        groups: Object.fromEntries(
          [...norm.byGroup].map(([g, st]) => [
            g,
            { mean: Array.from(st.mean), std: Array.from(st.std) },
          ]),
        ),
      },
    },
    join(target.dir, column.id),
  );
  layers.dispose();
  return true;
}

/** Task → column for the saved column and every column it reads (the checkpoint's contents). */
function taskColumnsOf(
  column: ColumnIr,
  models: ReadonlyMap<string, ColumnModel>,
): Record<string, string> {
  const out: Record<string, string> = { [column.task]: column.id };
  const visit = (ir: ColumnIr) => {
    for (const lateral of ir.laterals) {
      for (const source of lateral.from) {
        const model = models.get(source);
        if (!model || out[model.ir.task] === model.ir.id) continue;
        out[model.ir.task] = model.ir.id;
        visit(model.ir);
      }
    }
  };
  visit(column);
  return out;
}
