/**
 * Where pnnc's outputs go (src/runtime/atomic-files.ts's policy), tested by spawning the built CLI
 * (`dist/cli/main.js`; run `npm run build` first): symlinks, modes, FIFOs, directories, /dev/null,
 * outputs that are inputs, and a stdout that cannot be written (/dev/full).
 */
import { spawnSync, type StdioOptions } from "node:child_process";
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { repoRoot, synthSpecHeader } from "./helpers.js";

const CLI = join(repoRoot, "dist/cli/main.js");
const SPEC = join(repoRoot, "specs/paper/speaker-prognet.pnn");
const STACK_FRAME = /^\s+at /m;
const dir = mkdtempSync(join(tmpdir(), "pnnc-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pnnc(args: string[], stdio: StdioOptions = "pipe") {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["PNNC_DEBUG"];
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: "utf8", stdio });
  expect(`${r.stdout ?? ""}${r.stderr ?? ""}`).not.toMatch(STACK_FRAME);
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;

describe("output targets", () => {
  it("follows a symlink: the target gets the output and the link stays", () => {
    writeFileSync(join(dir, "target.json"), "old\n");
    symlinkSync("target.json", join(dir, "link.json"));
    const r = pnnc(["compile", SPEC, "-o", "link.json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(join(dir, "link.json")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "link.json"))).toBe("target.json");
    expect(JSON.parse(readFileSync(join(dir, "target.json"), "utf8"))).toHaveProperty("name");
  });

  it("keeps an existing file's mode", () => {
    const path = join(dir, "private.svg");
    writeFileSync(path, "old\n", { mode: 0o600 });
    const r = pnnc(["graph", SPEC, "-o", path]);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toMatch(/^<svg/);
  });

  it.skipIf(!hasMkfifo)("refuses a FIFO and leaves it a FIFO", () => {
    const fifo = join(dir, "pipe");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    for (const args of [
      ["compile", SPEC, "-o", fifo],
      ["data", "synth", "--speakers", "2", "--utterances", "1", "--out", fifo],
    ]) {
      const r = pnnc(args);
      expect([1, 2]).toContain(r.status);
      expect(r.stderr).toMatch(/cannot write .*pipe`: it is a FIFO/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
    }
  });

  it("refuses a directory and leaves it as it was", () => {
    const out = join(dir, "outdir");
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "keep\n");
    const r = pnnc(["graph", SPEC, "-o", out]);
    expect([1, 2]).toContain(r.status);
    expect(r.stderr).toMatch(/cannot write .*outdir`: it is a directory/);
    expect(statSync(out).isDirectory()).toBe(true);
    expect(readFileSync(join(out, "keep.txt"), "utf8")).toBe("keep\n");
  });

  it("writes /dev/null through, and /dev/null stays a character device", () => {
    for (const args of [
      ["compile", SPEC, "-o", "/dev/null"],
      ["graph", SPEC, "-o", "/dev/null"],
      ["data", "synth", "--speakers", "2", "--utterances", "1", "--out", "/dev/null"],
    ]) {
      const r = pnnc(args);
      expect(r.status, r.stderr).toBe(0);
      expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    }
  });

  it("writes /dev/stdout to the process's stdout", () => {
    const r = pnnc(["compile", SPEC, "-o", "/dev/stdout"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty("name");
  });

  it("refuses to overwrite the spec it compiles, also through a symlink", () => {
    const spec = join(dir, "self.pnn");
    const text = readFileSync(SPEC, "utf8");
    writeFileSync(spec, text);
    symlinkSync("self.pnn", join(dir, "self-link.pnn"));
    for (const out of ["self.pnn", "self-link.pnn", spec]) {
      const r = pnnc(["compile", "self.pnn", "-o", out]);
      expect([1, 2]).toContain(r.status);
      expect(r.stderr).toMatch(/it is the input .*self\.pnn/);
      expect(readFileSync(spec, "utf8")).toBe(text);
    }
    const graph = pnnc(["graph", "self.pnn", "-o", "self.pnn"]);
    expect([1, 2]).toContain(graph.status);
    expect(readFileSync(spec, "utf8")).toBe(text);
  });
});

describe("outputs beside a run's results", () => {
  beforeAll(() => {
    writeSynthetic({ speakers: 4, utterances: 8, seed: 1, out: join(dir, "synth.csv") });
    writeFileSync(
      join(dir, "tiny.pnn"),
      `${synthSpecHeader("tiny", 1)}column emotion {
  task emotion
  layers { dense 4 relu }
}
training {
  learning_rate 0.02
  batch 16
  epochs 1
  seed 1
  stage t { train emotion }
}
evaluation {
  folds 3 stratified
  repeats 1
  validation 1
}
`,
    );
    const run = pnnc(["run", "tiny.pnn", "--out", "res", "--workers", "1", "--no-store"]);
    if (run.status !== 0) throw new Error(run.stderr);
  }, 120_000);

  it("refuses `report DIR -o DIR/results.json` and keeps the results", () => {
    const results = join(dir, "res", "results.json");
    const before = readFileSync(results, "utf8");
    for (const out of [results, join(dir, "res", "spec.pnn")]) {
      const r = pnnc(["report", "res", "-o", out]);
      expect([1, 2]).toContain(r.status);
      expect(r.stderr).toMatch(/it is the input/);
    }
    expect(readFileSync(results, "utf8")).toBe(before);
    const ok = pnnc(["report", "res", "-o", "elsewhere.html"]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(join(dir, "elsewhere.html"))).toBe(true);
  });

  it("refuses to write predictions over the data or the checkpoint it reads", () => {
    const checkpoint = join("res", "checkpoints", "emotion");
    const data = readFileSync(join(dir, "synth.csv"), "utf8");
    for (const out of ["synth.csv", join(checkpoint, "model.json")]) {
      const r = pnnc(["predict", checkpoint, "synth.csv", "-o", out]);
      expect([1, 2]).toContain(r.status);
      expect(r.stderr).toMatch(/it is the input/);
    }
    expect(readFileSync(join(dir, "synth.csv"), "utf8")).toBe(data);
    expect(JSON.parse(readFileSync(join(dir, checkpoint, "model.json"), "utf8"))).toBeTruthy();
  });
});

describe("a stdout that cannot be written", () => {
  const full = existsSync("/dev/full");

  it.skipIf(!full)("ends with exit 74 and one line, no stack trace, no success line", () => {
    const fd = openSync("/dev/full", "w");
    try {
      for (const args of [
        ["check", "--json", SPEC],
        ["compile", SPEC],
        ["graph", SPEC],
        ["explain", "PNN3006"],
        ["--help"],
      ]) {
        const r = pnnc(args, ["ignore", fd, "pipe"]);
        expect(r.status, `pnnc ${args.join(" ")}: ${r.stderr}`).toBe(74);
        expect(r.stderr.trim().split("\n"), r.stderr).toEqual([
          "pnnc: cannot write to stdout: no space left on device (ENOSPC)",
        ]);
      }
    } finally {
      closeSync(fd);
    }
  });

  const hasBash = spawnSync("bash", ["-c", "true"]).status === 0;

  it.skipIf(!hasBash)("a reader that stops early (`| head`) ends it with 74 and one line", () => {
    // More than a pipe buffer of JSON, so the write meets the closed pipe.
    const invalid = join(repoRoot, "test/fixtures/invalid");
    const args = ["check", "--json", ...Array<string>(8).fill(invalid)].map((a) => `'${a}'`);
    const script = `set -o pipefail; '${process.execPath}' '${CLI}' ${args.join(" ")} | (head -c 1 >/dev/null; sleep 0.2)`;
    const r = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(74);
    expect(r.stderr.trim().split("\n")).toEqual([
      "pnnc: cannot write to stdout: the reader closed the pipe (EPIPE)",
    ]);
  });
});
