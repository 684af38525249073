/**
 * `pnnc predict CHECKPOINT_DIR DATA.csv [--id COLUMN]... [--out FILE]`: a checkpoint's predictions
 * for new data (the work is src/experiment/predict.ts). In: a checkpoint directory and a table.
 * Out: CSV (ID values, line, predicted class, one probability per class) on stdout or in FILE; exit
 * 1 for a missing or corrupt checkpoint, or data that lacks its features or an ID column.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { predict } from "../experiment/predict.js";
import { emit, exitCodeOf, printReports } from "./output.js";

export async function runPredict(
  dir: string,
  data: string,
  opts: { out?: string; id?: string[] },
): Promise<number> {
  const predicted = await predict(dir, data, { ids: opts.id ?? [] });
  printReports(predicted);
  if (!predicted.ok) return exitCodeOf(predicted.failure);
  // Neither the data nor a checkpoint file may be overwritten by the predictions.
  return emit(predicted.value.csv, opts.out, [data, ...filesIn(dir)]);
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).map((name) => join(dir, name));
  } catch {
    return [];
  }
}
