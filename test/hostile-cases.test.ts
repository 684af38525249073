/**
 * Issue 12's hostile cases no other test holds: every `-o` writer against a device, a FIFO, a symlink
 * and a mode-600 file; /dev/full stdout for the remaining commands; float32 overflow through `run`;
 * tampered run files; deleted checkpoints recreated; `kill -9` mid-run resumes to identical results.
 */
import { spawn, spawnSync, type StdioOptions } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
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
import { pnncIn, repoRoot, synthSpecHeader } from "./helpers.js";

const CLI = join(repoRoot, "dist/cli/main.js");
const STACK_FRAME = /\n\s+at .*:\d+:\d+/;
const dir = mkdtempSync(join(tmpdir(), "pnnc-hostile-cases-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pnnc = pnncIn(dir);

/** The CLI with chosen stdio and a timeout, so an output that blocks (a FIFO) fails, not hangs. */
function pnncWith(args: string[], stdio: StdioOptions = "pipe") {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["PNNC_DEBUG"];
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env,
    encoding: "utf8",
    stdio,
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** A tiny spec: `column` on `task`, `epochs`, `folds` × `repeats` stratified. */
function tinySpec(
  name: string,
  o: { task?: string; epochs?: number; folds?: number; repeats?: number } = {},
) {
  const task = o.task ?? "gender";
  return `${synthSpecHeader(name)}column ${task} {
  task ${task}
  layers { dense 8 relu }
}
training {
  learning_rate 0.02
  batch 16
  epochs ${o.epochs ?? 1}
  seed 1
  stage t { train ${task} }
}
evaluation {
  folds ${o.folds ?? 2} stratified
  repeats ${o.repeats ?? 1}
  validation 0
}
`;
}

type Results = Record<string, unknown> & { runs: { fold: number; test: { uar: number } }[] };
const results = (out: string) =>
  JSON.parse(readFileSync(join(dir, out, "results.json"), "utf8")) as Results;
const withoutSeconds = (r: Results) => ({ ...r, seconds: 0 });

const CHECKPOINT = join("res", "checkpoints", "gender");
let reference: Results;

beforeAll(() => {
  writeSynthetic({ speakers: 4, utterances: 8, seed: 1, out: join(dir, "synth.csv") });
  writeFileSync(join(dir, "tiny.pnn"), tinySpec("tiny"));
  const r = pnnc("run", "tiny.pnn", "--out", "res", "--workers", "1", "--store", "store");
  if (r.status !== 0) throw new Error(r.stderr);
  reference = results("res");
}, 120_000);

/** Every command that writes a file named by `-o`/`--out`, aimed at `target`. */
const writers = (target: string): string[][] => [
  ["compile", "tiny.pnn", "-o", target],
  ["graph", "tiny.pnn", "-o", target],
  ["data", "synth", "--speakers", "2", "--utterances", "1", "--out", target],
  ["report", "res", "-o", target],
  ["predict", CHECKPOINT, "synth.csv", "-o", target],
];

describe("hostile output targets, for every command that writes one", () => {
  const canMknod = spawnSync("mknod", [join(dir, "probe-dev"), "c", "1", "5"]).status === 0;

  it.skipIf(!canMknod)(
    "refuses a device node (a private copy of /dev/zero) and leaves it",
    () => {
      const device = join(dir, "zero-device");
      expect(spawnSync("mknod", [device, "c", "1", "5"]).status).toBe(0);
      for (const args of writers(device)) {
        const r = pnncWith(args);
        expect(r.status, args.join(" ")).toBe(1);
        expect(r.stderr.trim().split("\n"), args.join(" ")).toEqual([
          expect.stringMatching(/cannot write .*zero-device`: it is a device/),
        ]);
        const st = lstatSync(device);
        expect(st.isCharacterDevice()).toBe(true);
        expect(st.rdev).toBe(statSync("/dev/zero").rdev);
      }
    },
    60_000,
  );

  const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;

  it.skipIf(!hasMkfifo)(
    "refuses a FIFO without blocking and leaves it a FIFO",
    () => {
      const fifo = join(dir, "fifo");
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
      for (const args of writers(fifo)) {
        const r = pnncWith(args);
        expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(/cannot write .*fifo`: it is a FIFO/);
        expect(r.stderr).not.toMatch(STACK_FRAME);
        expect(lstatSync(fifo).isFIFO()).toBe(true);
      }
    },
    60_000,
  );

  it("writes through a symlink to its target and keeps the target's mode 600", () => {
    writers("x").forEach((args, i) => {
      const target = join(dir, `private${i}`);
      const link = join(dir, `link${i}`);
      writeFileSync(target, "old\n", { mode: 0o600 });
      symlinkSync(`private${i}`, link);
      const r = pnncWith([...args.slice(0, -1), `link${i}`]);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(`private${i}`);
      expect(statSync(target).mode & 0o777, args[0]).toBe(0o600);
      const written = readFileSync(target, "utf8");
      expect(written).not.toBe("old\n");
      expect(written.length).toBeGreaterThan(20);
    });
  }, 60_000);

  it("keeps a plain file's mode 600 (graph: outputs.test.ts; predict: through the link above)", () => {
    [0, 2, 3].forEach((i) => {
      const args = writers("x")[i]!;
      const path = join(dir, `mode${i}`);
      writeFileSync(path, "old\n", { mode: 0o600 });
      const r = pnncWith([...args.slice(0, -1), path]);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(statSync(path).mode & 0o777, args[0]).toBe(0o600);
      expect(readFileSync(path, "utf8")).not.toBe("old\n");
    });
  }, 60_000);
});

describe("a stdout of /dev/full for the commands outputs.test.ts does not cover", () => {
  const full = existsSync("/dev/full");

  it.skipIf(!full)(
    "ends each with exit 74 and one line, no stack trace",
    () => {
      writeFileSync(join(dir, "other.pnn"), tinySpec("other"));
      const fd = openSync("/dev/full", "w");
      try {
        for (const args of [
          ["fmt", "tiny.pnn"],
          ["data", "inspect", "tiny.pnn"],
          ["store", "ls", "--store", "store"],
          ["predict", CHECKPOINT, "synth.csv"],
          ["diff", "tiny.pnn", "other.pnn"],
          ["upgrade", "tiny.pnn"],
        ]) {
          const r = pnncWith(args, ["ignore", fd, "pipe"]);
          expect(r.status, `pnnc ${args.join(" ")}: ${r.stderr}`).toBe(74);
          expect(r.stderr.trim().split("\n"), args.join(" ")).toEqual([
            "pnnc: cannot write to stdout: no space left on device (ENOSPC)",
          ]);
        }
      } finally {
        closeSync(fd);
      }
    },
    60_000,
  );

  it.skipIf(!full)(
    "`run` and `compare` end with 74 after their progress, never saying where results are",
    () => {
      writeFileSync(join(dir, "other.pnn"), tinySpec("other"));
      const fd = openSync("/dev/full", "w");
      try {
        for (const args of [
          ["run", "tiny.pnn", "--out", "full-run", "--workers", "1", "--store", "store"],
          ["compare", "tiny.pnn", "other.pnn", "--out", "full-cmp", "--workers", "1"],
        ]) {
          const r = pnncWith(args, ["ignore", fd, "pipe"]);
          expect(r.status, `pnnc ${args.join(" ")}: ${r.stderr}`).toBe(74);
          const lines = r.stderr.trim().split("\n");
          expect(lines.at(-1)).toBe(
            "pnnc: cannot write to stdout: no space left on device (ENOSPC)",
          );
          expect(r.stderr).not.toMatch(STACK_FRAME);
          expect(r.stderr).not.toMatch(/results in|report: /);
        }
      } finally {
        closeSync(fd);
      }
    },
    60_000,
  );

  it.skipIf(!full)(
    "`report`/`data synth` onto /dev/stdout fail with one line, not 0",
    () => {
      const fd = openSync("/dev/full", "w");
      try {
        for (const args of [
          ["report", "res", "-o", "/dev/stdout"],
          ["data", "synth", "--speakers", "2", "--utterances", "1", "--out", "/dev/stdout"],
        ]) {
          const r = pnncWith(args, ["ignore", fd, "pipe"]);
          expect(r.status, `pnnc ${args.join(" ")}: ${r.stderr}`).not.toBe(0);
          expect(r.stderr.trim().split("\n"), args.join(" ")).toEqual([
            expect.stringMatching(/ENOSPC/),
          ]);
          expect(r.stderr).not.toMatch(/^wrote /m);
        }
      } finally {
        closeSync(fd);
      }
    },
    60_000,
  );
});

describe("values beyond float32 and text in the first row, through the CLI", () => {
  /** synth.csv with data row 1's `column`-th cell replaced by `value`. */
  function spoiled(name: string, value: string, column = 5): void {
    const lines = readFileSync(join(dir, "synth.csv"), "utf8").split("\n");
    const cells = lines[1]!.split(",");
    cells[column] = value;
    lines[1] = cells.join(",");
    writeFileSync(join(dir, `${name}.csv`), lines.join("\n"));
    writeFileSync(
      join(dir, `${name}.pnn`),
      tinySpec(name).replace('file "synth.csv"', `file "${name}.csv"`),
    );
  }

  it("`pnnc run` refuses 1e300 and 3.5e38 with PNN4021 on line 2 and writes no results", () => {
    for (const [name, value] of [
      ["big300", "1e300"],
      ["big38", "3.5e38"],
    ] as const) {
      spoiled(name, value);
      const r = pnnc("run", `${name}.pnn`, "--out", name, "--no-store");
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain("error[PNN4021]");
      expect(r.stderr).toContain(`\`${name}.csv\` line 2`);
      expect(r.stderr).toContain(`\`${value}\` does not fit a 32-bit float`);
      expect(existsSync(join(dir, name, "results.json"))).toBe(false);
    }
  }, 60_000);

  it("`data inspect` refuses text in the first data row instead of dropping the column", () => {
    spoiled("text1", "oops");
    const r = pnnc("data", "inspect", "text1.pnn");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("error[PNN4005]");
    expect(r.stderr).toMatch(/`text1.csv` line 2, column `[^`]+`: `oops` is not a number/);
  });
});

describe("tampered run files, through `pnnc run`", () => {
  /** A copy of the reference results directory to tamper with. */
  function copy(name: string): string {
    cpSync(join(dir, "res"), join(dir, name), { recursive: true });
    return join(dir, name, "runs", "repeat1-fold2.json");
  }

  const rerun = (out: string) =>
    pnnc("run", "tiny.pnn", "--out", out, "--workers", "1", "--no-store");

  it("retrains a run whose metric was edited (stale checksum) and reports the true metric", () => {
    const path = copy("edited");
    const saved = JSON.parse(readFileSync(path, "utf8")) as { record: Results };
    saved.record.runs[0]!.test.uar = 0.999;
    writeFileSync(path, JSON.stringify(saved));
    const r = rerun("edited");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("does not match its checksum");
    expect(r.stderr).toMatch(/repeat 1, fold 2, stage t: gender UAR [\d.]+ \(1 epochs\)/);
    expect(withoutSeconds(results("edited"))).toEqual(withoutSeconds(reference));
    // The repaired file is trusted next time.
    const again = rerun("edited");
    expect(again.stderr.match(/reused/g)).toHaveLength(2);
    expect(again.stderr).not.toContain("not using");
  }, 60_000);

  it("retrains a run file whose record is {} even under a valid checksum (no exit 70)", () => {
    const path = copy("empty-record");
    const { checksum: _old, ...body } = JSON.parse(readFileSync(path, "utf8")) as Record<
      string,
      unknown
    >;
    const forged = { ...body, record: {} };
    const checksum = createHash("sha256").update(JSON.stringify(forged)).digest("hex");
    writeFileSync(path, JSON.stringify({ ...forged, checksum }));
    const r = rerun("empty-record");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("does not have the shape of a run");
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(withoutSeconds(results("empty-record"))).toEqual(withoutSeconds(reference));
  }, 60_000);
});

describe("checkpoints deleted while every run is reused", () => {
  it("are recreated from the column store, bit for bit, with the same results", () => {
    cpSync(join(dir, "res"), join(dir, "ck"), { recursive: true });
    const checkpoint = join(dir, "ck", "checkpoints", "gender");
    const weights = readFileSync(join(checkpoint, "weights.bin"));
    rmSync(join(dir, "ck", "checkpoints"), { recursive: true });
    const r = pnnc("run", "tiny.pnn", "--out", "ck", "--workers", "1", "--store", "store");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("0 trained");
    expect(readFileSync(join(checkpoint, "weights.bin")).equals(weights)).toBe(true);
    expect(withoutSeconds(results("ck"))).toEqual(withoutSeconds(reference));
  }, 60_000);
});

describe("kill -9 in the middle of `pnnc run`", () => {
  it("resumes to results identical (but for `seconds`) to an uninterrupted run", async () => {
    writeSynthetic({ speakers: 6, utterances: 24, seed: 4, out: join(dir, "synth6.csv") });
    const spec = tinySpec("killed", { task: "emotion", epochs: 4, folds: 3, repeats: 2 }).replace(
      '"synth.csv"',
      '"synth6.csv"',
    );
    writeFileSync(join(dir, "killed.pnn"), spec);
    const args = (out: string, store: string) => [
      CLI,
      "run",
      "killed.pnn",
      "--out",
      out,
      "--workers",
      "1",
      "--store",
      store,
    ];

    const child = spawn(process.execPath, args("killed", "killed-store"), { cwd: dir });
    let stderr = "";
    const exit = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    child.stdout.resume();
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
      if (/fold \d/.test(stderr)) child.kill("SIGKILL");
    });
    expect(await exit).toBe("SIGKILL");
    // Killed mid-way: no results yet, and not every run finished.
    expect(existsSync(join(dir, "killed", "results.json"))).toBe(false);

    const resumed = pnnc(...args("killed", "killed-store").slice(1));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toMatch(STACK_FRAME);
    const whole = pnnc(...args("whole", "whole-store").slice(1));
    expect(whole.status, whole.stderr).toBe(0);
    expect(withoutSeconds(results("killed"))).toEqual(withoutSeconds(results("whole")));
    expect(results("killed").runs).toHaveLength(6);
    expect(pnnc("store", "verify", "--store", "killed-store").status).toBe(0);
  }, 90_000);
});

describe("data files that are not UTF-8 text", () => {
  function dataset(name: string, bytes: Uint8Array): string {
    writeFileSync(join(dir, `${name}.csv`), bytes);
    writeFileSync(
      join(dir, `${name}.pnn`),
      tinySpec(name).replace('file "synth.csv"', `file "${name}.csv"`),
    );
    return `${name}.pnn`;
  }

  const text = () => readFileSync(join(dir, "synth.csv"), "utf8");
  const bom16 = (le: Buffer) => Buffer.concat([Buffer.from([0xff, 0xfe]), le]);

  it("never echo NUL, ESC or other control bytes from the data to stderr", () => {
    const binary = Uint8Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256);
    for (const spec of [
      dataset("u16le", bom16(Buffer.from(text(), "utf16le"))),
      dataset("u16nobom", Buffer.from(text(), "utf16le")),
      dataset("binary", binary),
    ]) {
      const r = pnnc("data", "inspect", spec);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr, spec).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
  });

  it("name UTF-16 (with or without a BOM) and refuse binary and Latin-1 tables with PNN4026", () => {
    const latin1 = Buffer.from(text().replace("speaker", "sp\u00e9aker"), "latin1");
    const cases: [string, RegExp][] = [
      [dataset("n16le", bom16(Buffer.from(text(), "utf16le"))), /is UTF-16 LE text, not UTF-8/],
      [dataset("n16nobom", Buffer.from(text(), "utf16le")), /is UTF-16 LE text, not UTF-8/],
      [
        dataset(
          "nbinary",
          Uint8Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256),
        ),
        /is not a text file: a NUL byte at byte \d+/,
      ],
      [dataset("nlatin1", latin1), /is not UTF-8: byte \d+ \(line 1\)/],
    ];
    for (const [spec, message] of cases) {
      const r = pnnc("data", "inspect", spec);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain("PNN4026");
      expect(r.stderr).toMatch(message);
    }
  });
});

describe("an empty group cell", () => {
  it("is a located error (PNN4027), never a silent extra group", () => {
    const lines = readFileSync(join(dir, "synth.csv"), "utf8").split("\n");
    const header = (lines[0] ?? "").split(",");
    const group = header.indexOf("speaker");
    for (const blank of [[6], [6, 7]]) {
      const edited = lines.map((line, i) => {
        if (!blank.includes(i + 1)) return line;
        const cells = line.split(",");
        cells[group] = "";
        return cells.join(",");
      });
      writeFileSync(join(dir, "nogroup.csv"), edited.join("\n"));
      writeFileSync(
        join(dir, "nogroup.pnn"),
        tinySpec("nogroup").replace('file "synth.csv"', 'file "nogroup.csv"'),
      );
      const r = pnnc("data", "inspect", "nogroup.pnn");
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain("PNN4027");
      expect(r.stderr).toContain("line 6, column `speaker`: the group is empty");
    }
  });
});
