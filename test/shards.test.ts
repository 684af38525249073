/**
 * Splitting runs without Slurm (issue 15 item 3): `--shard I/N` slices cover every (repeat, fold)
 * run exactly once; a run trained as three slices and then `--assemble`d equals the run trained
 * whole, run for run; `--assemble` with runs missing names them (PNN5009); `pnnc status` counts
 * stored and missing runs; `--slurm --dry-run` prints the scripts and writes nothing, and a missing
 * `sbatch` is a clear error (PNN5010). In: synthetic data and the built CLI. Out: assertions.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { protocolRuns, sliceOption, sliceRuns } from "../src/experiment/slices.js";
import { compactRanges } from "../src/experiment/slurm.js";
import { pnncIn, repoRoot, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-shards-"));
const pnnc = pnncIn(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  writeSynthetic({ speakers: 8, utterances: 16, seed: 2, out: join(dir, "synth.csv") });
  writeFileSync(
    join(dir, "two.pnn"),
    `${synthSpecHeader("two")}column gender {
  task gender
  layers { dense 12 relu }
}
column emotion {
  task emotion
  layers { dense 12 relu }
  lateral from gender into all
}
training {
  learning_rate 0.02
  batch 16
  epochs 6
  seed 3
  stage one { train gender }
  stage two {
    train emotion
    freeze gender
  }
}
evaluation {
  folds 4 stratified
  repeats 2
  validation 1
}
`,
  );
});

describe("slices of the runs", () => {
  it("cover every run exactly once, in order, for any number of slices", () => {
    for (const [repeats, folds] of [
      [1, 4],
      [2, 5],
      [10, 10],
    ] as const) {
      const runs = protocolRuns(repeats, folds);
      for (let count = 1; count <= runs.length + 2; count++) {
        const slices = Array.from({ length: count }, (_, i) =>
          sliceRuns(runs, { index: i + 1, count }),
        );
        expect(slices.flat()).toEqual(runs);
        const sizes = slices.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("are named I/N with 1 ≤ I ≤ N; anything else is PNN5008", () => {
    expect(sliceOption("2/5")).toEqual({ value: { index: 2, count: 5 } });
    expect(sliceOption(undefined)).toEqual({ value: null });
    for (const bad of ["0/3", "4/3", "1/0", "a/b", "2", "1/2/3", "-1/2"])
      expect(sliceOption(bad)).toEqual({ problem: expect.objectContaining({ code: "PNN5008" }) });
  });

  it("compact array task lists as Slurm's --array takes them", () => {
    expect(compactRanges([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
    expect(compactRanges([3])).toBe("3");
  });
});

describe("pnnc run --shard and --assemble", () => {
  it("three slices, then --assemble, give the whole run's results, run for run", () => {
    const whole = pnnc("run", "two.pnn", "-o", "whole", "--workers", "1", "--no-store");
    expect(whole.status, whole.stderr).toBe(0);
    const first = pnnc("run", "two.pnn", "-o", "sliced", "--shard", "1/3", "--no-store");
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      "slice 1/3: 2 run(s), repeat 1 fold 1 to repeat 1 fold 2; 2 trained now",
    );
    expect(first.stdout).toContain("6 of 8 runs are still missing");
    expect(existsSync(join(dir, "sliced", "results.json"))).toBe(false);

    const early = pnnc("run", "two.pnn", "-o", "sliced", "--assemble", "--no-store");
    expect(early.status).toBe(1);
    expect(early.stderr).toContain("PNN5009");
    expect(early.stderr).toContain("6 of 8 runs are not in");
    expect(early.stderr).toContain("repeat 1 fold 3, repeat 1 fold 4, repeat 2 fold 1");

    const status = pnnc("status", "sliced");
    expect(status.status).toBe(0);
    expect(status.stdout).toContain("2 of 8 runs stored, 0 being trained, 6 missing");

    for (const slice of ["3/3", "2/3"])
      expect(pnnc("run", "two.pnn", "-o", "sliced", "--shard", slice, "--no-store").status).toBe(0);
    // A slice run again trains nothing: its runs are stored.
    const again = pnnc("run", "two.pnn", "-o", "sliced", "--shard", "2/3", "--no-store");
    expect(again.stdout).toContain("0 trained now, 3 already stored");
    expect(again.stdout).toContain("all 8 runs are stored");

    const assembled = pnnc("run", "two.pnn", "-o", "sliced", "--assemble", "--no-store");
    expect(assembled.status, assembled.stderr).toBe(0);
    const runs = (d: string) => JSON.parse(readFileSync(join(dir, d, "results.json"), "utf8")).runs;
    expect(runs("sliced")).toEqual(runs("whole"));
    expect(pnnc("status", "sliced").stdout).toContain("results: assembled");
  });

  it("refuses --shard with --assemble, and a malformed slice, as usage errors", () => {
    expect(pnnc("run", "two.pnn", "-o", "x", "--shard", "1/2", "--assemble").status).toBe(2);
    const bad = pnnc("run", "two.pnn", "-o", "x", "--shard", "3/2");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("PNN5008");
  });
});

describe("pnnc run --slurm without a cluster", () => {
  it("--dry-run prints both job scripts and submits and writes nothing", () => {
    const r = pnnc(
      "run",
      "two.pnn",
      "-o",
      "dry",
      "--slurm",
      "--runs-per-task",
      "3",
      "--max-running",
      "2",
      "--partition",
      "gpu",
      "--time",
      "2:00:00",
      "--mem",
      "4G",
      "--account",
      "lab",
      "--cpus-per-task",
      "2",
      "--sbatch",
      "--qos=long",
      "--dry-run",
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /sbatch --job-name=pnnc-dry --output=\S*dry\/slurm\/logs\/%A_%a.out --array=0-2%2/,
    );
    // The backend this command selected, so no node picks another (the run store would refuse it).
    expect(r.stdout).toContain("'--backend' 'wasm'");
    for (const line of [
      "--partition=gpu",
      "--time=2:00:00",
      "--mem=4G",
      "--account=lab",
      "--cpus-per-task=2",
      "--qos=long",
    ])
      expect(r.stdout).toContain(`#SBATCH ${line}`);
    expect(r.stdout).toContain(`--workers 2 --shard "$((SLURM_ARRAY_TASK_ID + 1))/3"`);
    expect(r.stdout).toMatch(/'--out' '[^']*dry' '--backend' 'wasm' --assemble/);
    expect(r.stderr).toContain("usually local to one node");
    expect(existsSync(join(dir, "dry", "slurm"))).toBe(false);
    expect(existsSync(join(dir, "dry", "job.json"))).toBe(false);
  });

  it("refuses Slurm flags without --slurm, --keep-going with slices, and too many cpus", () => {
    const usage = (...args: string[]) => {
      const r = pnnc("run", "two.pnn", "-o", "usage", ...args);
      expect(r.status, r.stderr).toBe(2);
      return r.stderr;
    };
    expect(usage("--partition", "cpu")).toContain("`--partition` goes with `--slurm`");
    expect(usage("--dry-run")).toContain("`--dry-run` goes with `--slurm`");
    expect(usage("--slurm", "--keep-going", "--dry-run")).toContain("--keep-going");
    expect(usage("--shard", "1/2", "--keep-going")).toContain("never find it");
    expect(usage("--slurm", "--cpus-per-task", "65", "--dry-run")).toContain("from 1 to 64");
    expect(usage("--slurm", "--sbatch", "--qos=a\n#SBATCH --x", "--dry-run")).toContain(
      "line break",
    );
    expect(existsSync(join(dir, "usage"))).toBe(false);
  });

  it("without sbatch on the PATH fails clearly (PNN5010) and stores nothing", () => {
    // A PATH with node alone (sbatch may well be installed beside node, in /usr/bin).
    const bin = join(dir, "bin");
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    const r = spawnSync(
      join(bin, "node"),
      [join(repoRoot, "dist/cli/main.js"), "run", "two.pnn", "-o", "nosbatch", "--slurm"],
      { cwd: dir, encoding: "utf8", env: { ...process.env, PATH: bin } },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("PNN5010");
    expect(r.stderr).toContain("not on the PATH");
    expect(existsSync(join(dir, "nosbatch", "job.json"))).toBe(false);
    expect(existsSync(join(dir, "nosbatch", "slurm"))).toBe(false);
  });
});
