/**
 * Incremental training in the bench: the README's ProgNet spec (speaker → emotion, 10 folds) without
 * its `dnn` column is trained into a fresh column store, then the full spec runs against that store
 * (only `dnn` trains) and, for comparison, from scratch. The incremental/scratch ratio should be close
 * to the new column's share of the work, measured as (scratch − base) / scratch.
 * In: the repository root. Out: wall times and ratios, printed.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function runStoreBench(root: string): void {
  const dir = join(root, "tmp", "bench-store");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Fixed epochs, so every run of a column does the same work.
  const full = readFileSync(join(root, "specs/quick-prognet.pnn"), "utf8")
    .replace(
      '"data/ravdess_egemaps.csv"',
      JSON.stringify(join(root, "specs/data/ravdess_egemaps.csv")),
    )
    .replace(/epochs \d+/, "epochs 20")
    .replace(/\n\s*early_stopping[^\n]*/, "");
  const base = withoutBlock(full, "column dnn {")
    .replace("train [dnn, prognet]", "train prognet")
    .replace(/\n\s*compare \[[^\]]*\]/, "")
    .replace(/\n\s*baseline \w+/, "");
  writeFileSync(join(dir, "base.pnn"), base);
  writeFileSync(join(dir, "full.pnn"), full);
  const cli = join(root, "dist/cli/main.js");
  const time = (spec: string, store: string, out: string) => {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [cli, "run", spec, "--workers", "1", "--backend", "wasm", "--store", store, "--out", out],
      { cwd: dir, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`pnnc run ${spec} failed:\n${r.stderr}`);
    return { seconds: (performance.now() - t0) / 1000, stderr: r.stderr };
  };
  const first = time("base.pnn", "store", "o1");
  const incremental = time("full.pnn", "store", "o2");
  const scratch = time("full.pnn", "scratch-store", "o3");
  const counts = /columns: (\d+) trained, (\d+) reused/.exec(incremental.stderr);
  console.log(
    "pnnc run after adding one column (quick-prognet + dnn, 10 folds, 20 epochs, wasm, 1 worker)",
  );
  console.log(`  base spec (speaker, prognet) from scratch  ${first.seconds.toFixed(1)} s`);
  console.log(
    `  full spec with the store                   ${incremental.seconds.toFixed(1)} s (${counts?.[1] ?? "?"} columns trained, ${counts?.[2] ?? "?"} reused)`,
  );
  console.log(`  full spec from scratch                     ${scratch.seconds.toFixed(1)} s`);
  const share = (scratch.seconds - first.seconds) / scratch.seconds;
  console.log(
    `  incremental / scratch ${(incremental.seconds / scratch.seconds).toFixed(2)}; the new column's share of the work ≈ ${share.toFixed(2)}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

/** The text without the block that starts with `opening` (braces matched, comments ignored). */
function withoutBlock(text: string, opening: string): string {
  const start = text.indexOf(opening);
  if (start < 0) throw new Error(`internal: no \`${opening}\` in the bench spec`);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return text.slice(0, start) + text.slice(i + 1);
  }
  throw new Error(`internal: \`${opening}\` is not closed`);
}
