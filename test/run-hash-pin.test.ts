/**
 * Run hashes of unchanged specs are pinned: a stored run is reused only under the same hash, so a
 * change to the IR's shape or serialisation (a new field with a default, a reordered key) would
 * silently retrain every stored run of every user. Such a change must be deliberate: it updates
 * these values, and says so in its commit. A compiler version bump changes them too, by design.
 */
import { describe, expect, it } from "vitest";
import { loadSpec } from "../src/experiment/load-spec.js";
import { PNNC_VERSION } from "../src/version.js";

const PINNED: Record<string, string> = {
  "specs/paper/emotion-dnn.pnn": "db900f2dc2b2fb13c13bd3f2068ced038606adad434be5c958e6103f309fa926",
  "specs/paper/speaker-prognet.pnn":
    "48cad191798f00c2b27431f55a67ad54de33f12dbac9606aa381b2d7a08810f2",
  "specs/quick-prognet.pnn": "9f248cddde835d0da791c1b7edf79d48488e764671669792cbe4fa6f56525bce",
};

describe(`run hashes of unchanged specs (pnnc ${PNNC_VERSION})`, () => {
  for (const [file, hash] of Object.entries(PINNED)) {
    it(`${file} keeps its run hash`, async () => {
      const loaded = await loadSpec(file);
      expect(loaded.ok && loaded.value.hash).toBe(hash);
    });
  }
});
