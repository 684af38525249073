/**
 * Backend throughput for the paper's network, each configuration in its own process (the wasm
 * kernel fix cannot be undone in-process): wasm with the BatchMatMul fix, wasm without, and cpu.
 * In: nothing. Out: samples/s per configuration and the ratios, printed.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./train-worker.js", import.meta.url));

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
}
