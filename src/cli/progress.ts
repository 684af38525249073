/**
 * How `run` and `compare` show training: a progress bar on a terminal (one step per trained
 * column), plain lines anywhere else (CI, pipes), so logs stay readable and a person at a terminal
 * sees how far the run is.
 * In: the specs being trained and their data. Out: a progress callback for the services, and `stop`.
 */
import { Presets, SingleBar } from "cli-progress";
import type { SpecData } from "../data/load.js";
import { foldsPerRepeat } from "../experiment/load-spec.js";
import type { Ir } from "../ir/types.js";

export function progressReporter(
  irs: readonly Ir[],
  data: SpecData,
): { report: (m: string) => void; stop: () => void } {
  if (!process.stderr.isTTY)
    return { report: (m) => process.stderr.write(`${m}\n`), stop: () => {} };
  const runs = foldsPerRepeat(data);
  const perRun = irs.reduce(
    (total, ir) =>
      total + ir.stages.reduce((n, s) => n + s.train.length * (s.trainFolds?.length ?? 1), 0),
    0,
  );
  const ir = irs[0] ?? { evaluation: { repeats: 1 } };
  const bar = new SingleBar(
    {
      format: "{bar} {value}/{total} columns trained | {message}",
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(ir.evaluation.repeats * runs * perRun, 0, { message: "" });
  return {
    report: (m) => {
      const reused = /reused$/.test(m);
      bar.increment(reused ? perRun : 1, { message: m });
    },
    stop: () => bar.stop(),
  };
}
