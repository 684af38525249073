/**
 * What the column store and the run store trust: only a marked store is listed, verified or
 * collected (never an unrelated folder), and only entries and run files whose shape, identity and
 * checksum verify are reused; anything else is retrained and repaired in place, never exit 70.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { checkRunRecord, fileStore } from "../src/experiment/run-store.js";
import { ColumnStore, STORE_MARKER } from "../src/store/column-store.js";
import type { RunRecord } from "../src/runtime/results.js";
import { pnncIn, synthSpecHeader } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pnnc-trust-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const storeDir = join(dir, ".pnn", "store");

const spec = `${synthSpecHeader("trust")}column gender {
  task gender
  layers { dense 8 relu }
}
training {
  learning_rate 0.02
  batch 32
  epochs 2
  seed 3
  stage one { train gender }
}
evaluation {
  folds 3 stratified
  repeats 1
  validation 1
}
`;

const pnnc = pnncIn(dir);

/** Runs the spec; returns its exit, stderr, how many column runs it trained and the results. */
function run(out = "out") {
  const r = pnnc("run", "trust.pnn", "--out", out, "--workers", "1");
  const trained = r.stderr.split("\n").filter((l) => / \(\d+ epochs/.test(l)).length;
  const results = existsSync(join(dir, out, "results.json"))
    ? (JSON.parse(readFileSync(join(dir, out, "results.json"), "utf8")) as RunRecord)
    : null;
  return { status: r.status, stderr: r.stderr, trained, results };
}

const folds = (results: RunRecord | null) => results?.runs.map((r) => r.fold).sort() ?? [];

beforeAll(() => {
  writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: join(dir, "synth.csv") });
  writeFileSync(join(dir, "trust.pnn"), spec);
  const first = run();
  if (first.status !== 0) throw new Error(first.stderr);
}, 120_000);

describe("the store owns only what it made", () => {
  it("marks the store it creates", () => {
    expect(JSON.parse(readFileSync(join(storeDir, STORE_MARKER), "utf8"))).toEqual({
      store: "pnnc",
      format: 1,
    });
  });

  it("refuses a missing folder, a file and a folder that is not a store", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const foreign = join(dir, "foreign");
    mkdirSync(join(foreign, "aa", "bb", "cc"), { recursive: true });
    for (const args of [
      ["store", "verify", "--store", join(dir, "nonexistent")],
      ["store", "ls", "--store", file],
      ["store", "verify", "--store", foreign],
      ["store", "ls", "--store", foreign],
      ["store", "gc", "trust.pnn", "--store", foreign],
    ]) {
      const r = pnnc(...args);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(1);
    }
    expect(pnnc("store", "gc", "trust.pnn", "--store", foreign).stderr).toContain(
      "not a pnnc column store",
    );
    expect(existsSync(join(foreign, "aa", "bb", "cc"))).toBe(true);
    const runOnFile = pnnc("run", "trust.pnn", "--out", "f", "--store", file);
    expect(runOnFile.status, runOnFile.stderr).toBe(1);
    expect(runOnFile.stderr).toContain("is a file");
  });

  it("collects only its own entries, never an unrelated folder inside it", () => {
    const unrelated = [join(storeDir, "aa", "bb", "cc"), join(storeDir, "notes")];
    for (const u of unrelated) mkdirSync(u, { recursive: true });
    writeFileSync(join(storeDir, "aa", "bb", "cc", "keep.txt"), "mine");
    const other = `${spec.replace("dense 8", "dense 9")}`;
    writeFileSync(join(dir, "other.pnn"), other);
    const gc = pnnc("store", "gc", "other.pnn", "--store", storeDir);
    expect(gc.status, gc.stderr).toBe(0);
    expect(gc.stderr).toContain("removed 3 entries");
    for (const u of unrelated) expect(existsSync(u)).toBe(true);
    expect(readFileSync(join(storeDir, "aa", "bb", "cc", "keep.txt"), "utf8")).toBe("mine");
    rmSync(join(storeDir, "aa"), { recursive: true });
    rmSync(join(storeDir, "notes"), { recursive: true });
    // Retrain the three entries for the tests below.
    rmSync(join(dir, "out"), { recursive: true });
    expect(run().trained).toBe(3);
  }, 120_000);

  it("adopts an unmarked store only when everything in it is an entry", () => {
    rmSync(join(storeDir, STORE_MARKER));
    expect(pnnc("store", "verify", "--store", storeDir).status).toBe(0);
    expect(existsSync(join(storeDir, STORE_MARKER))).toBe(false);
    expect(pnnc("store", "gc", "trust.pnn", "--store", storeDir).status).toBe(0);
    expect(existsSync(join(storeDir, STORE_MARKER))).toBe(true);
  });
});

describe("only what verifies is trusted", () => {
  it("detects an edited metric, retrains the entry and repairs it in place", () => {
    const store = new ColumnStore(storeDir);
    const victim = store.entries()[0];
    if (!victim?.entry) throw new Error("no entry");
    const path = join(victim.dir, "entry.json");
    const edited = JSON.parse(readFileSync(path, "utf8")) as { run: { test: { uar: number } } };
    edited.run.test.uar = 0.99;
    writeFileSync(path, JSON.stringify(edited));
    expect(store.load(victim.key, victim.backend, victim.repeat, victim.fold)).toEqual({
      unusable: expect.stringContaining("does not match its checksum"),
    });
    expect(pnnc("store", "verify", "--store", storeDir).status).toBe(1);
    rmSync(join(dir, "out", "runs"), { recursive: true });
    const rerun = run();
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain("not using");
    expect(rerun.trained).toBe(1);
    expect(pnnc("store", "verify", "--store", storeDir).status).toBe(0);
    rmSync(join(dir, "out", "runs"), { recursive: true });
    const again = run();
    expect(again.trained).toBe(0);
    expect(again.stderr).not.toContain("not using");
  }, 120_000);

  it("handles an entry.json of null and a variable offset outside the weights", () => {
    const store = new ColumnStore(storeDir);
    const [a, b] = store.entries();
    if (!a?.entry || !b?.entry) throw new Error("no entries");
    writeFileSync(join(a.dir, "entry.json"), "null");
    const shifted = {
      ...b.entry,
      variables: b.entry.variables.map((v) => ({ ...v, offset: 1e6 })),
    };
    writeFileSync(join(b.dir, "entry.json"), JSON.stringify(shifted));
    expect(store.load(a.key, a.backend, a.repeat, a.fold)).toEqual({
      unusable: expect.stringContaining("not an object"),
    });
    expect("unusable" in store.load(b.key, b.backend, b.repeat, b.fold)).toBe(true);
    const verify = pnnc("store", "verify", "--store", storeDir);
    expect(verify.status).toBe(1);
    const repair = pnnc("store", "verify", "--repair", "--store", storeDir);
    expect(repair.status, repair.stderr).toBe(0);
    expect(store.entries()).toHaveLength(1);
    rmSync(join(dir, "out", "runs"), { recursive: true });
    const rerun = run();
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.trained).toBe(2);
    expect(pnnc("store", "verify", "--store", storeDir).status).toBe(0);
  }, 120_000);

  it("retrains a run file holding another fold's record, never trusting it twice", () => {
    const runs = join(dir, "out", "runs");
    cpSync(join(runs, "repeat1-fold1.json"), join(runs, "repeat1-fold2.json"));
    rmSync(storeDir, { recursive: true });
    const rerun = run();
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain("not using");
    expect(rerun.trained).toBe(1);
    expect(folds(rerun.results)).toEqual([1, 2, 3]);
  }, 120_000);

  it("rejects run records that are empty or of the wrong shape, even with a right checksum", () => {
    const runs = join(dir, "runs-direct");
    const store = fileStore<RunRecord>(runs, "hash", "cpu", checkRunRecord);
    if (!store) throw new Error("no store");
    store.save(1, 1, { runs: [], forgetting: [] });
    store.save(1, 2, {} as RunRecord);
    expect(store.load(1, 1)).toBeNull();
    expect(store.load(1, 2)).toBeNull();
    expect(store.load(1, 1)).toBeNull();
    expect(store.unsaved).toHaveLength(2);
    // A run file of the previous format (no checksum) and unparsable JSON are not trusted either.
    writeFileSync(
      join(runs, "repeat1-fold3.json"),
      JSON.stringify({ specHash: "hash", backend: "cpu", record: { runs: [], forgetting: [] } }),
    );
    writeFileSync(join(runs, "repeat2-fold1.json"), "{");
    expect(store.load(1, 3)).toBeNull();
    expect(store.load(2, 1)).toBeNull();
    expect(store.unsaved).toHaveLength(4);
  });

  it("retrains a run file with an empty record through the CLI", () => {
    const path = join(dir, "out", "runs", "repeat1-fold3.json");
    const saved = JSON.parse(readFileSync(path, "utf8")) as { record: RunRecord };
    saved.record.runs = [];
    writeFileSync(path, JSON.stringify(saved));
    const rerun = run();
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain("not using");
    expect(folds(rerun.results)).toEqual([1, 2, 3]);
  }, 120_000);
});
