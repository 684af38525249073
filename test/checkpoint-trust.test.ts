/**
 * `pnnc predict` trusts no checkpoint unchecked: one tiny run's checkpoint, tampered one way per
 * case (metadata, weights, manifest), is refused with exit 1, a catalogued code and no stack trace;
 * the untampered one, and one from before the checksum (with a warning), still predict.
 */
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { checkWeights, type ModelJson } from "../src/experiment/check-checkpoint.js";
import { pnncIn, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = `${synthSpecHeader("trust")}
column emotion {
  task emotion
  layers {
    dense 8 relu
  }
}

training {
  learning_rate 0.01
  batch 32
  epochs 2
  seed 1
  stage one {
    train emotion
  }
}

evaluation {
  folds 3 stratified
  repeats 1
  validation 1
}
`;

const pnnc = pnncIn(dir);

type Json = Record<string, unknown> & {
  userDefinedMetadata: Record<string, unknown> & { normalization: Record<string, unknown> };
};

const original = join(dir, "out", "checkpoints", "emotion");
let copies = 0;

/** A copy of the trained checkpoint, changed by `edit`; returns its directory. */
function tampered(edit: (json: Json, weights: Buffer) => Buffer | void): string {
  const copy = join(dir, `copy${++copies}`);
  cpSync(original, copy, { recursive: true });
  const json = JSON.parse(readFileSync(join(copy, "model.json"), "utf8")) as Json;
  const weights = readFileSync(join(copy, "weights.bin"));
  const changed = edit(json, weights) ?? weights;
  writeFileSync(join(copy, "model.json"), JSON.stringify(json));
  writeFileSync(join(copy, "weights.bin"), changed);
  return copy;
}

/** Records the current weights' digest, as a forger would, so the later checks are reached. */
function rehash(json: Json, weights: Buffer): void {
  json.userDefinedMetadata["weights"] = {
    bytes: weights.byteLength,
    sha256: createHash("sha256").update(weights).digest("hex"),
  };
}

function refused(checkpoint: string, code: string, message: string | RegExp): void {
  const r = pnnc("predict", checkpoint, "synth.csv");
  expect(r.status, r.stderr).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(`error[${code}]`);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
}

describe("pnnc predict's checks of a checkpoint", () => {
  beforeAll(() => {
    writeSynthetic({ speakers: 4, utterances: 12, seed: 3, out: join(dir, "synth.csv") });
    writeFileSync(join(dir, "trust.pnn"), spec);
    const r = pnnc(
      "run",
      "trust.pnn",
      "--out",
      "out",
      "--backend",
      "cpu",
      "--workers",
      "1",
      "--no-store",
    );
    if (r.status !== 0) throw new Error(r.stderr);
  });

  it("records the checkpoint format and weights.bin's length and SHA-256", () => {
    const json = JSON.parse(readFileSync(join(original, "model.json"), "utf8")) as Json;
    const weights = readFileSync(join(original, "weights.bin"));
    expect(json.userDefinedMetadata["checkpointFormat"]).toBe(1);
    expect(json.userDefinedMetadata["weights"]).toEqual({
      bytes: weights.byteLength,
      sha256: createHash("sha256").update(weights).digest("hex"),
    });
  });

  it("predicts from the untampered checkpoint", () => {
    const r = pnnc("predict", original, "synth.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("line,predicted,p_angry,p_happy,p_neutral,p_sad");
    expect(lines).toHaveLength(4 * 12 + 1);
  });

  it("refuses one feature name short, with or without its statistics", () => {
    const short = tampered((j) => void (j.userDefinedMetadata["featureNames"] as string[]).pop());
    refused(short, "PNN4018", /`normalization.mean` has \d+ values but `featureNames` lists \d+/);
    // Consistently one short: only the model's input width tells.
    const consistent = tampered((j) => {
      const meta = j.userDefinedMetadata;
      (meta["featureNames"] as string[]).pop();
      (meta.normalization["mean"] as number[]).pop();
      (meta.normalization["std"] as number[]).pop();
    });
    refused(consistent, "PNN4018", /`featureNames` lists \d+ features but the model takes \d+/);
  });

  it("refuses classes that are not a list, and one class short", () => {
    refused(
      tampered((j) => void (j.userDefinedMetadata["classes"] = "angry,happy,neutral,sad")),
      "PNN4018",
      "`classes` is not a list of at least two distinct strings",
    );
    refused(
      tampered((j) => void (j.userDefinedMetadata["classes"] as string[]).pop()),
      "PNN4018",
      "`classes` lists 3 classes but the model has 4",
    );
  });

  it("refuses a truncated normalisation, a zero std and an unknown mode", () => {
    refused(
      tampered((j) => void (j.userDefinedMetadata.normalization["mean"] as number[]).pop()),
      "PNN4018",
      /`normalization.mean` has \d+ values but `featureNames` lists \d+ features/,
    );
    refused(
      tampered((j) => void ((j.userDefinedMetadata.normalization["std"] as number[])[0] = 0)),
      "PNN4018",
      "`normalization.std[0]` is 0, not a positive finite number",
    );
    refused(
      tampered((j) => void (j.userDefinedMetadata.normalization["mode"] = "zscore")),
      "PNN4018",
      'normalisation mode "zscore" is none of `none`, `global`, `per_group`',
    );
  });

  it("refuses a NaN weight, a flipped byte and 4 KB appended to weights.bin", () => {
    const nan = (j: Json, w: Buffer) => {
      w.writeFloatLE(Number.NaN, 0);
      rehash(j, w);
    };
    refused(tampered(nan), "PNN4019", /weight `.+` holds NaN, not a finite number/);
    refused(
      tampered((_, w) => void w.writeFloatLE(Number.NaN, 0)),
      "PNN4019",
      "SHA-256 differs from the one recorded",
    );
    refused(
      tampered((_, w) => void (w[5] = (w[5] ?? 0) ^ 0x01)),
      "PNN4019",
      "SHA-256 differs from the one recorded",
    );
    const appended = tampered(() => undefined);
    appendFileSync(join(appended, "weights.bin"), Buffer.alloc(4096, 7));
    refused(appended, "PNN4019", /weights\.bin holds \d+ bytes where its manifest lists \d+/);
  });

  it("refuses a manifest naming another file and a checkpoint from a newer format", () => {
    refused(
      tampered((j) => {
        (j["weightsManifest"] as { paths: string[] }[])[0]!.paths = ["../../synth.csv"];
      }),
      "PNN4018",
      '`weightsManifest` names ["../../synth.csv"], not ["weights.bin"]',
    );
    refused(
      tampered((j) => void (j.userDefinedMetadata["checkpointFormat"] = 99)),
      "PNN4018",
      "has format 99; this pnnc reads format 1 and older",
    );
  });

  it("predicts from a checkpoint written before the checksum, with a warning", () => {
    const legacy = tampered((j) => {
      delete j.userDefinedMetadata["checkpointFormat"];
      delete j.userDefinedMetadata["weights"];
    });
    const r = pnnc("predict", legacy, "synth.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning[PNN4020]");
    expect(r.stdout).toBe(pnnc("predict", original, "synth.csv").stdout);
    // Its lengths and weights are still checked.
    appendFileSync(join(legacy, "weights.bin"), Buffer.alloc(4096));
    refused(legacy, "PNN4019", "where its manifest lists");
  });
});

describe("checkWeights", () => {
  const json = {
    modelTopology: {},
    weightsManifest: [
      { paths: ["weights.bin"], weights: [{ name: "k", shape: [2], dtype: "float32" }] },
    ],
    userDefinedMetadata: {},
  } as ModelJson;

  it("reads only the file's bytes from a Buffer that shares Node's pool", () => {
    // A small Buffer lies at an offset in a larger pool whose other bytes are not the file.
    const pooled = Buffer.from(new Uint8Array(new Float32Array([1.5, -2]).buffer));
    expect(checkWeights("d", json, pooled, null)).toBeNull();
    const odd = Buffer.concat([Buffer.alloc(1), pooled]).subarray(1);
    expect(checkWeights("d", json, odd, null)).toBeNull();
    pooled.writeFloatLE(Number.POSITIVE_INFINITY, 4);
    expect(checkWeights("d", json, pooled, null)?.message).toContain("weight `k` holds Infinity");
  });
});
