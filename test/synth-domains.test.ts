/**
 * Synthetic corpora with a domain shift (`pnnc data synth --domain D --noise S`): the committed
 * cross-dataset pair is reproduced byte for byte, a second domain has disjoint speakers and shifted
 * features but the same classes, and domain 0 is the seed's table as before.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { repoRoot } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-synth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function table(opts: { domain?: number; noise?: number; name: string }) {
  const out = join(dir, opts.name);
  writeSynthetic({ speakers: 12, utterances: 32, seed: 7, out, ...opts });
  const [header, ...rows] = readFileSync(out, "utf8").trim().split("\n");
  return { text: readFileSync(out, "utf8"), header, rows: rows.map((r) => r.split(",")) };
}

describe("synthetic domains", () => {
  it("reproduce the committed cross-dataset corpora byte for byte", () => {
    for (const [domain, file] of [
      [0, "synth_domain_a.csv"],
      [1, "synth_domain_b.csv"],
    ] as const) {
      const made = table({ domain, noise: 3, name: file });
      expect(made.text).toBe(readFileSync(join(repoRoot, "specs/data", file), "utf8"));
    }
  });

  it("give another corpus: disjoint speakers, shifted features, the same classes", () => {
    const a = table({ name: "a.csv" });
    const b = table({ domain: 1, name: "b.csv" });
    expect(b.header).toBe(a.header);
    const speakers = (t: typeof a) => new Set(t.rows.map((r) => r[1]));
    expect([...speakers(b)].every((s) => !speakers(a).has(s))).toBe(true);
    expect([...speakers(b)].sort()).toContain("1001");
    const classes = (t: typeof a, col: number) => [...new Set(t.rows.map((r) => r[col]))].sort();
    expect(classes(b, 3)).toEqual(classes(a, 3));
    expect(classes(b, 2)).toEqual(classes(a, 2));
    // Channel shift: the mean of a feature moves by more than its noise would explain.
    const mean = (t: typeof a, col: number) =>
      t.rows.reduce((s, r) => s + Number(r[col]), 0) / t.rows.length;
    const moved = Array.from({ length: 88 }, (_, f) => Math.abs(mean(a, 4 + f) - mean(b, 4 + f)));
    expect(moved.filter((d) => d > 0.5).length).toBeGreaterThan(40);
  });

  it("keep domain 0 and the default noise as the seed's original table", () => {
    expect(table({ name: "plain.csv" }).text).toBe(
      table({ domain: 0, noise: 0.8, name: "explicit.csv" }).text,
    );
  });
});
