/**
 * Cached rows are keyed by the file's content and EXTRACTOR_VERSION, so a change to any module
 * that computes the numbers must come with a new version, or old cached rows would mix with new
 * ones. This pins a hash of those modules to the version: changing either alone fails here.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { EXTRACTOR_VERSION } from "../src/audio/extract.js";
import { repoRoot } from "./helpers.js";

/** Every module whose code changes the 88 values (reading, resampling, DSP, functionals). */
const NUMBER_MODULES = [
  "wav",
  "resample",
  "types",
  "frames",
  "pitch",
  "perturbation",
  "spectral",
  "mfcc",
  "formants",
  "functionals",
  "egemaps",
];

it("EXTRACTOR_VERSION changes with the modules that compute the numbers", () => {
  const hash = createHash("sha256");
  for (const name of NUMBER_MODULES)
    hash.update(readFileSync(join(repoRoot, "src/audio", `${name}.ts`)));
  const digest = hash.digest("hex").slice(0, 16);
  // After changing a module above: bump EXTRACTOR_VERSION, then put the new digest here.
  expect({ version: EXTRACTOR_VERSION, digest }).toEqual({
    version: "pnnc-egemaps-like/3",
    digest: "b0e72b09eafec829",
  });
});
