/**
 * `pnnc run` end to end on a tiny synthetic table, through the built CLI: exit codes, a results.json
 * that validates against the committed schema, zero forgetting for frozen columns, the same numbers
 * from two runs with the same seed, and clear failures for unavailable or unknown backends.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import schema from "../src/engine/results.schema.json" with { type: "json" };
import { writeSynthetic } from "../src/data/synth.js";
import { repoRoot, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = `${synthSpecHeader("tiny", 1)}
column gender {
  task gender
  layers {
    dense 16 relu
  }
}

column emotion {
  task emotion
  layers {
    repeat 2 { dense 16 relu }
  }
  lateral from gender into [h2, head]
}

training {
  learning_rate 0.01
  batch 32
  epochs 6
  seed 2
  stage one {
    train gender
  }
  stage two {
    train emotion
    freeze gender
  }
}

evaluation {
  folds 3 stratified
  repeats 2
  validation 1
}
`;

/** `pnnc run` without the column store: these tests are about training and the run store. */
function pnnc(...args: string[]) {
  const noStore = args[0] === "run" ? ["--no-store"] : [];
  return spawnSync(process.execPath, [join(repoRoot, "dist/cli/main.js"), ...args, ...noStore], {
    cwd: dir,
    encoding: "utf8",
  });
}

type Results = {
  runs: { test: { uar: number } }[];
  forgetting: { change: number }[];
  summary: { column: string; runs: number }[];
  seconds: number;
};

describe("pnnc run", () => {
  let first: Results;
  beforeAll(() => {
    writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: join(dir, "synth.csv") });
    writeFileSync(join(dir, "tiny.pnn"), spec);
    const r = pnnc("run", "tiny.pnn", "--out", "a");
    if (r.status !== 0) throw new Error(r.stderr);
    first = JSON.parse(readFileSync(join(dir, "a", "results.json"), "utf8")) as Results;
  });

  it("writes results that validate against the committed schema", () => {
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(first), JSON.stringify(validate.errors)).toBe(true);
    // 2 repeats × 3 folds × 2 columns.
    expect(first.runs).toHaveLength(12);
    expect(first.summary.map((s) => [s.column, s.runs])).toEqual([
      ["gender", 6],
      ["emotion", 6],
    ]);
  });

  it("measures exactly zero forgetting for the frozen column", () => {
    expect(first.forgetting).toHaveLength(6);
    for (const f of first.forgetting) expect(f.change).toBe(0);
  });

  it("gives the same numbers for the same seed", () => {
    const r = pnnc("run", "tiny.pnn", "--out", "b");
    expect(r.status, r.stderr).toBe(0);
    const second = JSON.parse(readFileSync(join(dir, "b", "results.json"), "utf8")) as Results;
    expect({ ...second, seconds: 0 }).toEqual({ ...first, seconds: 0 });
  });

  it("gives the same results in one thread as in worker threads", () => {
    const r = pnnc("run", "tiny.pnn", "--out", "w1", "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    const single = JSON.parse(readFileSync(join(dir, "w1", "results.json"), "utf8")) as Results;
    const parallel = pnnc("run", "tiny.pnn", "--out", "w3", "--workers", "3");
    expect(parallel.stderr).toContain("3 workers");
    const three = JSON.parse(readFileSync(join(dir, "w3", "results.json"), "utf8")) as Results;
    expect({ ...single, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    expect({ ...three, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    expect(pnnc("run", "tiny.pnn", "--workers", "0").status).toBe(2);
  });

  it("fails clearly when a requested backend is not installed, and on an unknown one", () => {
    const native = pnnc("run", "tiny.pnn", "--backend", "native");
    expect(native.status).toBe(1);
    expect(native.stderr).toContain("backend `native` is not available");
    expect(pnnc("run", "tiny.pnn", "--backend", "tpu").status).toBe(2);
  });

  it("saves the first run's columns as checkpoints carrying the spec hash and task map", () => {
    const results = JSON.parse(readFileSync(join(dir, "a", "results.json"), "utf8")) as {
      specHash: string;
    };
    for (const column of ["gender", "emotion"]) {
      const json = JSON.parse(
        readFileSync(join(dir, "a", "checkpoints", column, "model.json"), "utf8"),
      ) as {
        format: string;
        userDefinedMetadata: {
          specHash: string;
          taskColumns: Record<string, string>;
          column: string;
        };
      };
      expect(json.format).toBe("layers-model");
      expect(json.userDefinedMetadata.specHash).toBe(results.specHash);
      // The checkpoint holds the column and the frozen columns it reads.
      expect(json.userDefinedMetadata.taskColumns).toEqual(
        column === "gender" ? { gender: "gender" } : { gender: "gender", emotion: "emotion" },
      );
      expect(json.userDefinedMetadata.column).toBe(column);
    }
  });

  it("predicts new data from a checkpoint, and refuses bad checkpoints and mismatched data", () => {
    const ok = pnnc("predict", join("a", "checkpoints", "emotion"), "synth.csv");
    expect(ok.status, ok.stderr).toBe(0);
    const lines = ok.stdout.trim().split("\n");
    expect(lines[0]).toBe("line,predicted,p_angry,p_happy,p_neutral,p_sad");
    expect(lines).toHaveLength(6 * 24 + 1);
    const missing = pnnc("predict", join("a", "checkpoints", "nope"), "synth.csv");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no checkpoint");
    const corrupt = join(dir, "corrupt");
    cpSync(join(dir, "a", "checkpoints", "emotion"), corrupt, { recursive: true });
    writeFileSync(join(corrupt, "weights.bin"), Buffer.alloc(10));
    const bad = pnnc("predict", corrupt, "synth.csv");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("corrupt");
    writeFileSync(join(dir, "other.csv"), "a,b\n1,2\n");
    const mismatch = pnnc("predict", join("a", "checkpoints", "emotion"), "other.csv");
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toContain("PNN4017");
    for (const r of [missing, bad, mismatch]) expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });

  it("resumes from completed runs and gives the same results", () => {
    const r = pnnc("run", "tiny.pnn", "--out", "a");
    expect(r.status, r.stderr).toBe(0);
    // Everything was done: all six (repeat, fold) runs are reused.
    expect(r.stderr.match(/reused/g)).toHaveLength(6);
    rmSync(join(dir, "a", "runs", "repeat2-fold3.json"));
    const partial = pnnc("run", "tiny.pnn", "--out", "a");
    expect(partial.stderr.match(/reused/g)).toHaveLength(5);
    const resumed = JSON.parse(readFileSync(join(dir, "a", "results.json"), "utf8")) as Results;
    expect({ ...resumed, seconds: 0 }).toEqual({ ...first, seconds: 0 });
  });

  it("trains the first run again when its checkpoints were deleted, with the same results", () => {
    const checkpoints = join(dir, "a", "checkpoints");
    const weights = readFileSync(join(checkpoints, "gender", "weights.bin"));
    rmSync(join(checkpoints, "gender"), { recursive: true });
    const r = pnnc("run", "tiny.pnn", "--out", "a");
    expect(r.status, r.stderr).toBe(0);
    // Five runs come from the run store; repeat 1, fold 1 is trained to bring its checkpoints back.
    expect(r.stderr.match(/reused/g)).toHaveLength(5);
    expect(readFileSync(join(checkpoints, "gender", "weights.bin")).equals(weights)).toBe(true);
    const again = JSON.parse(readFileSync(join(dir, "a", "results.json"), "utf8")) as Results;
    expect({ ...again, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    // With the checkpoints whole, nothing is trained.
    expect(pnnc("run", "tiny.pnn", "--out", "a").stderr.match(/reused/g)).toHaveLength(6);
  });

  it("does not reuse runs when the data file changed", () => {
    writeSynthetic({ speakers: 6, utterances: 24, seed: 5, out: join(dir, "synth.csv") });
    const r = pnnc("run", "tiny.pnn", "--out", "a");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("reused");
    writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: join(dir, "synth.csv") });
  });

  it("does not reuse runs of a different spec", () => {
    writeFileSync(join(dir, "tiny2.pnn"), spec.replace("epochs 6", "epochs 5"));
    const r = pnnc("run", "tiny2.pnn", "--out", "a");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("reused");
  });

  it("measures PT/FT forgetting through the fine-tuned body with the source head", () => {
    const ptft = spec
      .replace(
        "layers {\n    repeat 2 { dense 16 relu }\n  }\n  lateral from gender into [h2, head]",
        "layers {\n    dense 16 relu\n  }\n  init from gender",
      )
      .replace("    train emotion\n    freeze gender", "    train emotion")
      .replace("repeats 2", "repeats 1");
    writeFileSync(join(dir, "ptft.pnn"), ptft);
    const r = pnnc("run", "ptft.pnn", "--out", "p");
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, "p", "results.json"), "utf8")) as {
      forgetting: {
        column: string;
        via: string | null;
        change: number;
        uarBefore: number;
        uarAfter: number;
      }[];
    };
    const tuned = results.forgetting.filter((f) => f.via === "emotion");
    expect(tuned).toHaveLength(3);
    for (const f of tuned) {
      expect(f.column).toBe("gender");
      expect(f.change).toBeCloseTo(f.uarAfter - f.uarBefore, 12);
    }
    // The fine-tuned body no longer serves the source task as well as the frozen column did.
    expect(tuned.some((f) => f.change !== 0)).toBe(true);
    expect(r.stdout).toContain("PT/FT bodies with the source head back");
  });

  it("exits 1 without results for a spec with errors", () => {
    writeFileSync(join(dir, "bad.pnn"), spec.replace("train emotion", "train emotio"));
    const r = pnnc("run", "bad.pnn", "--out", "c");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error[PNN3006]");
  });
});
