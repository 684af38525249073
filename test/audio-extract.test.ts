/**
 * Audio in, end to end through the built CLI: `pnnc data extract` on a folder of WAV files (rows,
 * names, the cache, workers, a bad file named in the summary, openSMILE's shape), and a spec whose
 * dataset is `file "wav/*.wav"` trained by `pnnc run` with labels from the file names.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EGEMAPS_NAMES } from "../src/audio/egemaps-names.js";
import { vowel, wavBytes, writeVowel } from "../src/audio/test-signals.js";
import { pnncIn } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-audio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cache = join(dir, "cache");
const pnnc = (...args: string[]) => {
  // Every run here caches under the test's folder, never the user's ~/.cache.
  process.env.PNNC_CACHE = cache;
  return pnncIn(dir)(...args);
};

const speakers = ["s1", "s2", "s3", "s4", "s5", "s6"];
const styles = { calm: 110, excited: 230 } as const;

beforeAll(() => {
  mkdirSync(join(dir, "wav"));
  speakers.forEach((speaker, k) => {
    for (const [style, f0] of Object.entries(styles))
      for (const take of [1, 2, 3])
        writeVowel(join(dir, "wav", `${speaker}_${style}_${take}.wav`), {
          f0: f0 * (1 + 0.04 * k),
          seconds: 0.5,
          amplitude: style === "excited" ? 0.5 : 0.2,
          seed: 100 * k + take,
          rate: k % 2 === 0 ? 16000 : 44100,
        });
  });
});

const tableOf = (path: string) =>
  readFileSync(join(dir, path), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(","));

describe("pnnc data extract", () => {
  it("writes one row per file with the 88 parameter names, and reads them again from the cache", () => {
    const first = pnnc("data", "extract", "wav", "--out", "features.csv");
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /wrote 36 rows to features\.csv: 18\.0 s of audio in [\d.]+ s, \d+× real time, 0 from the cache/,
    );
    const table = tableOf("features.csv");
    expect(table[0]).toEqual(["file", ...EGEMAPS_NAMES]);
    expect(table.slice(1).map((r) => r[0])).toEqual(
      speakers
        .flatMap((s) =>
          ["calm", "excited"].flatMap((st) => [1, 2, 3].map((t) => `wav/${s}_${st}_${t}.wav`)),
        )
        .sort(),
    );
    // Voiced vowels: F0 is defined in every row, higher for the excited style.
    const f0 = (r: string[] | undefined) => Number(r?.[1]);
    for (const row of table.slice(1)) expect(Number.isFinite(f0(row)), row[0]).toBe(true);
    const excited = table.slice(1).filter((r) => r[0]?.includes("excited"));
    const calm = table.slice(1).filter((r) => r[0]?.includes("calm"));
    expect(Math.min(...excited.map(f0))).toBeGreaterThan(Math.max(...calm.map(f0)));
    const again = pnnc("data", "extract", "wav", "--out", "again.csv", "--workers", "2");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("36 from the cache");
    expect(readFileSync(join(dir, "again.csv"), "utf8")).toBe(
      readFileSync(join(dir, "features.csv"), "utf8"),
    );
  });

  it("gives the same table on 2 workers as on 1, and openSMILE's `;` shape on request", () => {
    const one = pnnc("data", "extract", "wav/s1_*.wav", "--out", "one.csv", "--no-cache");
    const two = pnnc(
      "data",
      "extract",
      "wav/s1_*.wav",
      "--out",
      "two.csv",
      "--no-cache",
      "--workers",
      "2",
    );
    expect([one.status, two.status]).toEqual([0, 0]);
    expect(readFileSync(join(dir, "two.csv"), "utf8")).toBe(
      readFileSync(join(dir, "one.csv"), "utf8"),
    );
    const os = pnnc("data", "extract", "wav/s1_*.wav", "--out", "os.csv", "--format", "opensmile");
    expect(os.status, os.stderr).toBe(0);
    const header = readFileSync(join(dir, "os.csv"), "utf8").split("\n")[0];
    expect(header).toBe(["name", "frameTime", ...EGEMAPS_NAMES].join(";"));
  });

  it("names each file that fails and why, and still writes the others", () => {
    mkdirSync(join(dir, "mixed"));
    writeVowel(join(dir, "mixed", "good.wav"), { f0: 150, seconds: 0.3 });
    writeFileSync(join(dir, "mixed", "notes.wav"), "these are my notes, not audio\n");
    writeVowel(join(dir, "mixed", "blip.wav"), { f0: 150, seconds: 0.03 });
    const nan = wavBytes(vowel({ f0: 150, seconds: 0.3 }));
    // The same file as float32 samples (format 3), one of them NaN.
    const floats = Buffer.alloc(44 + 2 * (nan.length - 44));
    nan.copy(floats, 0, 0, 44);
    floats.writeUInt32LE(36 + 2 * (nan.length - 44), 4);
    floats.writeUInt16LE(3, 20);
    floats.writeUInt32LE(16000 * 4, 28);
    floats.writeUInt16LE(4, 32);
    floats.writeUInt16LE(32, 34);
    floats.writeUInt32LE(2 * (nan.length - 44), 40);
    for (let i = 0; i < (nan.length - 44) / 2; i++)
      floats.writeFloatLE(i === 500 ? NaN : nan.readInt16LE(44 + 2 * i) / 32768, 44 + 4 * i);
    writeFileSync(join(dir, "mixed", "nan.wav"), floats);
    const r = pnnc("data", "extract", "mixed", "--out", "mixed.csv");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("wrote 1 rows to mixed.csv");
    expect(r.stderr).toContain("3 of 4 files failed:");
    expect(r.stderr).toMatch(/mixed\/notes\.wav: not a WAV file/);
    expect(r.stderr).toMatch(/mixed\/blip\.wav: too short: 30 ms of audio, under the 60 ms/);
    expect(r.stderr).toMatch(/mixed\/nan\.wav: bad samples: the float data holds NaN/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(tableOf("mixed.csv")).toHaveLength(2);
    const none = pnnc("data", "extract", "nothing/*.wav", "--out", "none.csv");
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("`nothing/*.wav` matches no file");
    expect(pnnc("data", "extract", "wav", "--out", "x.csv", "--set", "compare").status).toBe(2);
  });

  it("reads a folder whose name looks like a glob, and keeps the length limit for cached rows", () => {
    mkdirSync(join(dir, "Speech (f) [1]"));
    writeVowel(join(dir, "Speech (f) [1]", "a.wav"), { f0: 200, seconds: 0.5 });
    const r = pnnc("data", "extract", "Speech (f) [1]", "--out", "paren.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(tableOf("paren.csv")[1]?.[0]).toBe("Speech (f) [1]/a.wav");
    // Now cached: a limit under its 0.5 s still refuses it.
    const limited = pnnc(
      "data",
      "extract",
      "Speech (f) [1]",
      "--out",
      "limited.csv",
      "--max-seconds",
      "0.2",
    );
    expect(limited.status).toBe(1);
    expect(limited.stderr).toContain("too long: 0.5 s of audio, over the 0.2 s limit");
  });
});

const spec = `pnn 2 audio_styles
dataset clips {
  file "wav/*.wav"
  fields file "{speaker}_{style}_{take}.wav"
  group speaker
  missing mean
}
task style {
  data clips
  label style
}
column dnn {
  task style
  layers { dense 16 relu }
}
training {
  learning_rate 0.01
  batch 8
  epochs 30
  seed 1
  stage s { train dnn }
}
evaluation {
  folds 3 grouped
}
`;

describe("a spec whose dataset is audio", () => {
  it("is extracted, labelled from file names and trained by `pnnc run`; it beats chance", () => {
    writeFileSync(join(dir, "styles.pnn"), spec);
    const r = pnnc("run", "styles.pnn", "--out", "run", "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, "run", "results.json"), "utf8")) as {
      summary: { uarMean: number }[];
      data: { rows: number; features: number; file: string }[];
    };
    expect(results.data[0]).toMatchObject({ rows: 36, features: 88, file: "wav/*.wav" });
    expect(results.summary[0]?.uarMean).toBeGreaterThan(0.75);
  });

  it("is refused by `pnnc compile` with the command that makes its table", () => {
    const r = pnnc("compile", "styles.pnn", "--target", "ts", "-o", "prog");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("pnnc data extract wav/*.wav --out clips.csv");
  });
});
