/**
 * `pnnc predict CHECKPOINT_DIR DATA.csv [--out FILE]`: class predictions for new data from a
 * checkpoint that `pnnc run` saved, using the checkpoint's stored feature names, normalisation and
 * class names (the work is src/experiment/predict.ts). In: a checkpoint directory and a table.
 * Out: CSV (line, predicted class, one probability per class) on stdout or in FILE; exit 1 with a
 * clear message for a missing or corrupt checkpoint or data whose columns do not match it.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { predict } from "../experiment/predict.js";
import { emit, exitCodeOf, printReports } from "./output.js";

export async function runPredict(
  dir: string,
  data: string,
  opts: { out?: string },
): Promise<number> {
  const predicted = await predict(dir, data);
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
