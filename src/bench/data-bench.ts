/**
 * Data-phase benchmark: load + fold + normalise the embedded RAVDESS table, and synthetic tables of
 * 100,000 and 1,000,000 rows, each in its own process (time and peak memory), with the 1M/100k ratios.
 * In: nothing (tables are written to the OS temp directory). Out: a table on stdout.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSynthetic } from "../data/synth.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WORKER = fileURLToPath(new URL("./data-worker.js", import.meta.url));

interface Measurement {
  rows: number;
  loadAndFoldMs: number;
  normalizeMs: number;
  totalMs: number;
  peakRssMB: number;
}

function measure(spec: string): Measurement {
  const r = spawnSync(process.execPath, [WORKER, spec], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`data worker failed on ${spec}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Measurement;
}

function syntheticSpec(dir: string, name: string): string {
  const path = join(dir, `${name}.pnn`);
  writeFileSync(
    path,
    `pnn 1 ${name.replace(/-/g, "_")}\n\ndataset synth {\n  file "${name}.csv"\n  features numeric except [speaker, gender, emotion]\n  group speaker\n}\n\ntask emotion {\n  data synth\n  label emotion\n}\n\ncolumn c {\n  task emotion\n  layers {\n    dense 8 relu\n  }\n}\n\ntraining {\n  stage s {\n    train c\n  }\n}\n`,
  );
  return path;
}

export function runDataBench(): void {
  const dir = join(tmpdir(), "pnnc-bench");
  mkdirSync(dir, { recursive: true });
  const cases: [string, string, number][] = [
    ["embedded RAVDESS (10 folds × 10 repeats)", "specs/paper/speaker-prognet.pnn", 0],
  ];
  for (const [name, speakers] of [
    ["synth-100k", 100],
    ["synth-1m", 1000],
  ] as const) {
    const started = performance.now();
    writeSynthetic({ speakers, utterances: 1000, seed: 1, out: join(dir, `${name}.csv`) });
    cases.push([`${name} (10 folds)`, syntheticSpec(dir, name), performance.now() - started]);
  }
  console.log(
    "data phase: load + folds, then fit and apply the first run's normaliser (own process each)",
  );
  console.log(
    "table                                     rows   write s  load+fold s  normalise s  peak MB",
  );
  const results = new Map<string, Measurement>();
  for (const [label, spec, writeMs] of cases) {
    const m = measure(spec);
    results.set(label, m);
    console.log(
      `${label.padEnd(40)} ${String(m.rows).padStart(7)}  ${(writeMs / 1000).toFixed(1).padStart(7)}  ${(m.loadAndFoldMs / 1000).toFixed(2).padStart(11)}  ${(m.normalizeMs / 1000).toFixed(2).padStart(11)}  ${m.peakRssMB.toFixed(0).padStart(7)}`,
    );
  }
  const small = results.get("synth-100k (10 folds)");
  const big = results.get("synth-1m (10 folds)");
  if (small && big) {
    console.log(
      `1M / 100k: time ${(big.totalMs / small.totalMs).toFixed(2)}×, peak memory ${(big.peakRssMB / small.peakRssMB).toFixed(2)}× (rows 10×)`,
    );
  }
}
