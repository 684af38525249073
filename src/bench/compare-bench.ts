/**
 * The Table-2 comparison in the bench, at reduced length: the paper's five specs (DNN, speaker and
 * gender PT/FT and ProgNet; 4 × 256 sigmoid) on all 10 folds of one repeat, 3 epochs per column and
 * no early stopping, so every configuration does the same work. Times `pnnc compare` with 1 and 2
 * workers, without the frozen-activation cache, and the five specs run one by one (no sharing).
 * In: the repository root. Out: wall times and ratios, printed.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const SPECS = ["emotion-dnn", "speaker-ptft", "speaker-prognet", "gender-ptft", "gender-prognet"];

export function runCompareBench(root: string): void {
  const dir = join(root, "tmp", "bench-compare");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const data = join(root, "specs/data/ravdess_egemaps.csv");
  const files = SPECS.map((name) => {
    const text = readFileSync(join(root, "specs/paper", `${name}.pnn`), "utf8")
      .replace('"../data/ravdess_egemaps.csv"', JSON.stringify(data))
      .replace(/epochs \d+/, "epochs 3")
      .replace(/\n\s*(early_stop|best_epoch)[^\n]*/, "")
      .replace(/repeats \d+/, "repeats 1");
    const path = join(dir, `${name}.pnn`);
    writeFileSync(path, text);
    return path;
  });
  const cli = join(root, "dist/cli/main.js");
  let outs = 0;
  const time = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args, "--out", join(dir, `out${++outs}`)], {
      cwd: root,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`pnnc ${args.join(" ")} failed:\n${r.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  // --no-store: each compare trains every column (the column store would reuse the first's).
  const compare = (...extra: string[]) =>
    time(["compare", ...files, "--backend", "wasm", "--no-store", ...extra]);
  const one = compare("--workers", "1");
  const two = compare("--workers", "2");
  const uncached = compare("--workers", "1", "--no-frozen-cache");
  const separate = files
    .map((f) => time(["run", f, "--backend", "wasm", "--workers", "1", "--no-store"]))
    .reduce((a, b) => a + b, 0);
  console.log(
    "Table 2 protocol at reduced length (5 paper specs, 10 folds × 1 repeat, 3 epochs, wasm), wall s",
  );
  console.log(`  compare --workers 1            ${one.toFixed(1)} s`);
  console.log(
    `  compare --workers 2            ${two.toFixed(1)} s (${(one / two).toFixed(2)}× faster)`,
  );
  console.log(
    `  compare, no frozen-column cache ${uncached.toFixed(1)} s (cache saves ${((1 - one / uncached) * 100).toFixed(0)}%)`,
  );
  console.log(
    `  5 × pnnc run, nothing shared    ${separate.toFixed(1)} s (sharing saves ${((1 - one / separate) * 100).toFixed(0)}%; ${files.map((f) => basename(f, ".pnn")).join(", ")})`,
  );
  rmSync(dir, { recursive: true, force: true });
}
