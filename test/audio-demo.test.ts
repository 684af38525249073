/**
 * The audio demo end to end on a small espeak-ng corpus (6 voices × 2 styles × 1 sentence): the
 * demo's two specs, unchanged, compared by `pnnc compare` straight from WAV files to a report.
 * Skipped, with the reason, where espeak-ng is missing (.ci/run installs it).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { espeakAvailable, writeCorpus } from "../src/tools/espeak-corpus.js";
import { pnncIn, repoRoot } from "./helpers.js";

const available = espeakAvailable();
if (!available)
  console.warn("skipping the audio demo test: espeak-ng is missing (apt-get install espeak-ng)");

describe.skipIf(!available)("the audio demo", () => {
  const dir = mkdtempSync(join(tmpdir(), "pnnc-audio-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("goes from espeak-ng WAV files to a comparison and a report with `pnnc compare`", () => {
    const files = writeCorpus(join(dir, "wav"), { small: true });
    expect(files).toHaveLength(12);
    for (const spec of ["style-dnn.pnn", "gender-prognet.pnn"])
      copyFileSync(join(repoRoot, "specs/audio-demo", spec), join(dir, spec));
    process.env.PNNC_CACHE = join(dir, "cache");
    const pnnc = pnncIn(dir);
    const r = pnnc(
      "compare",
      "style-dnn.pnn",
      "gender-prognet.pnn",
      "--out",
      "out",
      "--workers",
      "1",
    );
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, "out", "compare.json"), "utf8")) as {
      statistics: { methods: { method: string; runs: number }[] };
    };
    // Leave-one-speaker-out over 6 voices: 6 runs per method.
    expect(doc.statistics.methods.map((m) => [m.method, m.runs])).toEqual([
      ["style_dnn", 6],
      ["style_gender_prognet", 6],
    ]);
    expect(existsSync(join(dir, "out", "report.html"))).toBe(true);
    const report = readFileSync(join(dir, "out", "report.html"), "utf8");
    expect(report).toContain("<code>wav/*.wav</code>");
  });
});
