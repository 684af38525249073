/**
 * `npm run bench -- extract`: pnnc's eGeMAPS-like extraction speed on 44.1 kHz vowel-like files
 * (resampling included), on one thread and on every core, against the target of 25× real time
 * per core. Out: a table of ms per second of audio and × real time on stdout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { extractAll } from "../audio/extract-batch.js";
import { writeVowel } from "../audio/test-signals.js";

const FILES = 24;
const SECONDS = 3;
const TARGET = 25;

export async function runExtractBench(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "pnnc-extract-bench-"));
  try {
    const files = Array.from({ length: FILES }, (_, i) => {
      const name = `clip${i}.wav`;
      writeVowel(join(dir, name), { f0: 90 + 10 * i, seconds: SECONDS, rate: 44100, seed: i + 1 });
      return name;
    });
    const audio = FILES * SECONDS;
    const time = async (workers: number) => {
      const started = performance.now();
      const outcomes = await extractAll(files, dir, { workers });
      const failed = outcomes.filter((o) => "problem" in o).length;
      if (failed > 0) throw new Error(`${failed} bench files failed to extract`);
      return (performance.now() - started) / 1000;
    };
    await time(1); // warm-up: JIT and FFT tables
    const cores = availableParallelism();
    const rows = [
      { name: "1 thread", workers: 1, seconds: await time(1) },
      { name: `${cores} workers`, workers: cores, seconds: await time(cores) },
    ];
    process.stdout.write(
      `\nExtraction (pnnc's eGeMAPS-like set, ${FILES} files × ${SECONDS} s at 44.1 kHz, resampling included)\n`,
    );
    process.stdout.write(
      "| threads | ms per s of audio | × real time | per core |\n|---|---|---|---|\n",
    );
    for (const r of rows) {
      const pace = audio / r.seconds;
      process.stdout.write(
        `| ${r.name} | ${((1000 * r.seconds) / audio).toFixed(1)} | ${pace.toFixed(0)}× | ${(pace / r.workers).toFixed(0)}× |\n`,
      );
    }
    const perCore = audio / (rows[0]?.seconds ?? Infinity);
    const ok = perCore >= TARGET;
    process.stdout.write(
      `one core: ${perCore.toFixed(0)}× real time (target ≥ ${TARGET}×): ${ok ? "ok" : "BELOW TARGET"}\n`,
    );
    return ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
