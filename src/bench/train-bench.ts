/**
 * Backend throughput for the paper's network, each configuration in its own process (the wasm
 * kernel fix cannot be undone in-process): wasm with the BatchMatMul fix, wasm without, and cpu.
 * In: nothing. Out: samples/s per configuration and the ratios, printed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./train-worker.js", import.meta.url));
const ENGINE = fileURLToPath(new URL("./engine-worker.js", import.meta.url));

interface EngineMeasurement {
  backend: string;
  engineSamplesPerSecond: number;
  stageK: { k: number; cached: number; uncached: number }[];
}

function samplesPerSecond(backend: string, fix: string): number {
  const r = spawnSync(process.execPath, [WORKER, backend, fix], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`train worker ${backend} ${fix} failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { samplesPerSecond: number }).samplesPerSecond;
}

export function runTrainBench(): void {
  console.log(
    "training throughput, paper network (88-256x4 sigmoid-4, dropout 0.5, Adam, batch 64), plain tfjs loop",
  );
  const fixed = samplesPerSecond("wasm", "fix");
  const unfixed = samplesPerSecond("wasm", "nofix");
  const cpu = samplesPerSecond("cpu", "fix");
  console.log(`  wasm with matmul fix     ${fixed.toFixed(0).padStart(7)} samples/s`);
  console.log(`  wasm without the fix     ${unfixed.toFixed(0).padStart(7)} samples/s`);
  console.log(`  cpu                      ${cpu.toFixed(0).padStart(7)} samples/s`);
  console.log(
    `  fix speed-up ${(fixed / unfixed).toFixed(2)}×; wasm (fixed) vs cpu ${(fixed / cpu).toFixed(1)}×`,
  );
  const r = spawnSync(process.execPath, [ENGINE], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`engine worker failed:\n${r.stderr}`);
  const engine = JSON.parse(r.stdout) as EngineMeasurement;
  const overhead = (fixed / engine.engineSamplesPerSecond - 1) * 100;
  const verdict =
    overhead >= 0 ? `${overhead.toFixed(1)}% slower` : `${(-overhead).toFixed(1)}% faster`;
  console.log(
    `  pnnc trainer (${engine.backend})      ${engine.engineSamplesPerSecond.toFixed(0).padStart(7)} samples/s: ${verdict} than the hand-written loop`,
  );
  console.log(
    "stage k (column k reads all k-1 frozen columns; 2 × 256 sigmoid each), seconds per epoch of 2048 rows",
  );
  for (const s of engine.stageK) {
    console.log(
      `  k=${s.k}: cache on ${s.cached.toFixed(3)} s, off ${s.uncached.toFixed(3)} s (off/on ${(s.uncached / s.cached).toFixed(2)}×)`,
    );
  }
  const first = engine.stageK[0];
  const last = engine.stageK.at(-1);
  if (first && last)
    console.log(`  stage 4 / stage 1 with the cache: ${(last.cached / first.cached).toFixed(2)}×`);
}

/** `pnnc run` on the README's 10-fold spec with 1 and 2 worker threads (fresh output each time). */
export function runWorkersBench(root: string): void {
  const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));
  const time = (workers: number) => {
    const out = mkdtempSync(join(tmpdir(), "pnnc-workers-"));
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      // --no-store: the second run must train, not load the first run's columns.
      [
        cli,
        "run",
        "specs/quick-prognet.pnn",
        "--out",
        out,
        "--workers",
        String(workers),
        "--no-store",
      ],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    rmSync(out, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`pnnc run --workers ${workers} failed:\n${r.stderr}`);
    return seconds;
  };
  const one = time(1);
  const two = time(2);
  console.log("pnnc run specs/quick-prognet.pnn (10 folds, 3 columns), wall time");
  console.log(
    `  --workers 1 ${one.toFixed(1)} s, --workers 2 ${two.toFixed(1)} s: ${(one / two).toFixed(2)}× faster`,
  );
}
