/**
 * The `pnnc` command-line contract, tested by spawning the built CLI (`dist/cli/main.js`; run
 * `npm run build` first): exit codes, human and JSON diagnostics, usage errors without stack
 * traces, help/version, `fmt`/`compile` file handling, hostile inputs, and no TF.js in the front end.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "dist/cli/main.js");
const SPEC = "specs/paper/speaker-prognet.pnn";
const GOLDEN = "generated/ir/paper/speaker-prognet.ir.json";
const INVALID = "test/fixtures/invalid";
const UNKNOWN_COLUMN = `${INVALID}/PNN3006-unknown-column.pnn`;
const STACK_TRACE = /\n\s+at .*\(.*:\d+:\d+\)/;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function pnnc(...args: string[]): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["FORCE_COLOR"];
  delete env["PNNC_DEBUG"];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** Runs the CLI, asserts the exit code and that nothing printed a stack trace. */
function expectExit(code: number, ...args: string[]): Run {
  const r = pnnc(...args);
  expect(r.status, `pnnc ${args.join(" ")}\n${r.stderr}`).toBe(code);
  expect(r.stderr).not.toMatch(STACK_TRACE);
  expect(r.stdout).not.toMatch(STACK_TRACE);
  return r;
}

type SpanKey = "start" | "end" | "line" | "column" | "endLine" | "endColumn";
type JsonSpan = Record<SpanKey, number> & { file: string };
type JsonDiagnostic = {
  code: string;
  severity: string;
  span: JsonSpan;
  labels?: { span: JsonSpan }[];
};

function checkJson(...files: string[]): { run: Run; diagnostics: JsonDiagnostic[] } {
  const run = pnnc("check", "--json", ...files);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  const parsed = JSON.parse(run.stdout) as unknown; // throws unless stdout is exactly one JSON value
  expect(parsed).toEqual({ diagnostics: expect.any(Array) });
  return { run, diagnostics: (parsed as { diagnostics: JsonDiagnostic[] }).diagnostics };
}

/** 1-based line/column of a UTF-16 offset, computed independently of the compiler. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split("\n").length, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

function expectSpanAgreesWithText(span: JsonSpan): void {
  const text = readFileSync(resolve(ROOT, span.file), "utf8");
  expect(Number.isInteger(span.start) && Number.isInteger(span.end)).toBe(true);
  expect(span.start).toBeGreaterThanOrEqual(0);
  expect(span.end).toBeGreaterThanOrEqual(span.start);
  expect(span.end).toBeLessThanOrEqual(text.length);
  expect({ line: span.line, column: span.column }).toEqual(position(text, span.start));
  expect({ line: span.endLine, column: span.endColumn }).toEqual(position(text, span.end));
}

let tmp = "";
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  tmp = mkdtempSync(join(tmpdir(), "pnnc-cli-test-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("pnnc check", () => {
  it("exits 0 on a valid spec and on a directory of specs", () => {
    expect(expectExit(0, "check", SPEC).stderr).toContain("checked 1 spec: no errors");
    expect(expectExit(0, "check", "specs").stderr).toMatch(/checked \d+ specs: no errors/);
  });

  it("renders an error with code, file:line:col, the source line, carets and a hint", () => {
    const { stderr } = expectExit(1, "check", UNKNOWN_COLUMN);
    expect(stderr).toContain("error[PNN3006]");
    expect(stderr).toContain(`${UNKNOWN_COLUMN}:24:11`);
    expect(stderr).toMatch(/^24 \|\s+train cc$/m);
    expect(stderr).toMatch(/^\s+\|\s{11}\^\^$/m); // carets under `cc`, column 11
    expect(stderr).toContain("hint: did you mean `c`?");
  });

  it("exits 0 when a spec has only warnings, and still shows them", () => {
    const { stderr } = expectExit(0, "check", `${INVALID}/PNN3014-column-never-trained.pnn`);
    expect(stderr).toContain("warning[PNN3014]");
  });
});

describe("usage errors exit 2 without a stack trace", () => {
  it.each([
    ["unknown flag", ["check", "--bogus", "specs"]],
    ["missing file", ["check", "nope.pnn"]],
    ["unknown command", ["frobnicate", SPEC]],
    ["unknown target", ["compile", SPEC, "--target", "nope"]],
    ["fmt with two files and no flag", ["fmt", SPEC, "specs/adapter.pnn"]],
    ["fmt --check --write", ["fmt", "--check", "--write", "x"]],
  ])("%s", (_name, args) => {
    const { stdout, stderr } = expectExit(2, ...args);
    expect(stderr.trim()).not.toBe("");
    expect(stdout).toBe("");
  });
});

describe("pnnc check --json", () => {
  it("prints one object whose spans point at the offending text", () => {
    const { run, diagnostics } = checkJson(UNKNOWN_COLUMN);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("");
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d).toMatchObject({ code: "PNN3006", severity: "error", message: expect.any(String) });
    expect(Object.keys(d.span).sort()).toEqual(
      ["column", "end", "endColumn", "endLine", "file", "line", "start"].sort(),
    );
    expect(d.span).toMatchObject({ file: UNKNOWN_COLUMN, line: 24, column: 11, endLine: 24 });
    expect(readFileSync(join(ROOT, UNKNOWN_COLUMN), "utf8").slice(d.span.start, d.span.end)).toBe(
      "cc",
    );
    expectSpanAgreesWithText(d.span);
  });

  it("counts offsets and columns in UTF-16 code units past non-ASCII text", () => {
    const file = join(tmp, "unicode.pnn");
    const text = readFileSync(join(ROOT, UNKNOWN_COLUMN), "utf8");
    writeFileSync(file, `// émotion → 😀\n${text.replace("train cc", "/* 😀é */ train cc")}`);
    const { diagnostics } = checkJson(file);
    const d = diagnostics.find((x) => x.code === "PNN3006")!;
    expect(readFileSync(file, "utf8").slice(d.span.start, d.span.end)).toBe("cc");
    expectSpanAgreesWithText(d.span);
  });

  it("gives an empty list and exit 0 for a valid spec", () => {
    const { run, diagnostics } = checkJson(SPEC);
    expect(run.status).toBe(0);
    expect(diagnostics).toEqual([]);
  });

  it("concatenates every file's diagnostics into one object, all spans consistent", () => {
    const { run, diagnostics } = checkJson(INVALID, SPEC);
    expect(run.status).toBe(1);
    const pnnFiles = new Set(diagnostics.map((d) => d.span.file));
    expect(pnnFiles.size).toBeGreaterThan(30);
    for (const file of pnnFiles) {
      const expected = /\/(PNN\d{4})-[^/]*\.pnn$/.exec(file)?.[1];
      const codes = diagnostics.filter((d) => d.span.file === file).map((d) => d.code);
      if (expected) expect(codes, file).toContain(expected);
    }
    for (const d of diagnostics) {
      expect(["error", "warning"]).toContain(d.severity);
      expectSpanAgreesWithText(d.span);
      for (const label of d.labels ?? []) expectSpanAgreesWithText(label.span);
    }
  });
});

describe("help and version", () => {
  it.each([[["--help"]], [["check", "--help"]], [["fmt", "--help"]], [["compile", "--help"]]])(
    "%j prints usage and exits 0",
    (args) => {
      const { stdout } = expectExit(0, ...args);
      const sub = args.length > 1 ? `${args[0]} ` : "";
      expect(stdout).toMatch(new RegExp(`^Usage: pnnc ${sub}`));
    },
  );

  it("--version prints the compiler and language versions on stdout", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const { stdout } = expectExit(0, "--version");
    expect(stdout).toMatch(/^pnnc \d+\.\d+\.\d+(?:-[\w.]+)? \(language version 2\)\n$/);
    expect(stdout).toContain(`pnnc ${pkg.version} `);
  });
});

describe("pnnc fmt", () => {
  const messy = () => join(tmp, "messy.pnn");
  const original = () => readFileSync(join(ROOT, SPEC), "utf8");

  it("prints the canonical text, which for a formatted spec is the file itself", () => {
    expect(expectExit(0, "fmt", SPEC).stdout).toBe(original());
    expectExit(0, "fmt", "--check", "specs");
  });

  it("--check fails naming an unformatted file; --write fixes it and keeps comments", () => {
    const text = original()
      .replace(/^ {2}/gm, "\t  ")
      .replace(/ \{$/gm, "   {")
      .replace(/\n\n/g, "\n\n\n");
    expect(text).not.toBe(original());
    writeFileSync(messy(), text);
    const checked = expectExit(1, "fmt", "--check", messy());
    expect(checked.stderr).toContain(messy());
    // What would change, as a unified diff on stdout: a removed tab-indented line, its fix added.
    expect(checked.stdout).toMatch(/^--- .*messy\.pnn/m);
    expect(checked.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(checked.stdout).toMatch(/^-\t {2}\S/m);
    expect(checked.stdout).toMatch(/^\+ {2}\S/m);
    expect(expectExit(1, "fmt", "--check", "--quiet", messy()).stdout).toBe("");
    expect(readFileSync(messy(), "utf8")).toBe(text); // --check never writes
    expectExit(0, "fmt", "--write", messy());
    expectExit(0, "fmt", "--check", messy());
    const written = readFileSync(messy(), "utf8");
    expect(written).toContain("// Speaker → emotion progressive network");
    expect(written).toContain("/* Speaker layer k feeds emotion layer k+1;");
    expect(written).toBe(original());
  });

  it("refuses a file with a syntax error and leaves it unchanged", () => {
    const bad = join(tmp, "syntax-error.pnn");
    const text = readFileSync(join(ROOT, INVALID, "PNN1005-unexpected-token.pnn"), "utf8");
    writeFileSync(bad, text);
    expect(expectExit(1, "fmt", bad).stderr).toContain("error[PNN1005]");
    expectExit(1, "fmt", "--write", bad);
    expect(readFileSync(bad, "utf8")).toBe(text);
  });
});

describe("pnnc compile --target ir", () => {
  const golden = () => JSON.parse(readFileSync(join(ROOT, GOLDEN), "utf8")) as unknown;

  it("prints the committed golden IR", () => {
    expect(JSON.parse(expectExit(0, "compile", SPEC, "--target", "ir").stdout)).toEqual(golden());
  });

  it("-o writes the IR to a file and nothing to stdout", () => {
    const out = join(tmp, "out.ir.json");
    expect(expectExit(0, "compile", SPEC, "-o", out).stdout).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(golden());
  });

  it("on an invalid spec exits 1 and neither creates nor touches the -o file", () => {
    const fresh = join(tmp, "never.ir.json");
    expectExit(1, "compile", UNKNOWN_COLUMN, "-o", fresh);
    expect(existsSync(fresh)).toBe(false);
    const existing = join(tmp, "existing.ir.json");
    writeFileSync(existing, "known content\n");
    expect(expectExit(1, "compile", UNKNOWN_COLUMN, "-o", existing).stderr).toContain(
      "error[PNN3006]",
    );
    expect(readFileSync(existing, "utf8")).toBe("known content\n");
  });

  it("reports an unwritable -o path as a problem, not an internal error, and leaves no temp file", () => {
    for (const out of [join(tmp, "no-such-dir", "x.json"), tmp]) {
      const r = expectExit(1, "compile", SPEC, "-o", out);
      expect(r.stderr).toContain("cannot write");
      expect(r.stderr).not.toContain("internal error");
    }
    expect(readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a named pipe instead of waiting on it", () => {
    const fifo = join(tmp, "spec.pnn");
    spawnSync("mkfifo", [fifo]);
    expect(expectExit(2, "check", fifo).stderr).toContain("not a regular file");
  });
});

describe("pnnc explain", () => {
  it("explains a known code and rejects an unknown one", () => {
    expect(expectExit(0, "explain", "PNN3008").stdout).toMatch(/^PNN3008 \(error\): .*trained/);
    expect(expectExit(2, "explain", "PNN9999").stdout).toBe("");
  });
});

/** Every emitted module reachable from `entry` through static relative imports, and bare specifiers. */
function staticImportGraph(entry: string): { modules: Set<string>; bare: Set<string> } {
  const modules = new Set<string>();
  const bare = new Set<string>();
  const importRe = /^\s*(?:import|export)\b(?:[^"';]*?\bfrom)?\s*["']([^"']+)["']/gm;
  const visit = (file: string): void => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(importRe)) {
      if (spec === undefined) continue;
      if (spec.startsWith("./") || spec.startsWith("../")) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { modules, bare };
}

describe("start-up", () => {
  it("check, fmt and compile --target ir never import TensorFlow.js", () => {
    const { modules, bare } = staticImportGraph(CLI);
    for (const m of ["dist/compile.js", "dist/format/format.js", "dist/cli/commands.js"])
      expect(modules).toContain(join(ROOT, m));
    expect(bare).toContain("commander"); // the scan does see bare specifiers
    expect([...bare].filter((s) => s.startsWith("@tensorflow"))).toEqual([]);
  });

  it("records (does not bound) the wall-clock time of `check`", ({ annotate }) => {
    const r = expectExit(0, "check", SPEC);
    expect(r.ms).toBeGreaterThan(0);
    void annotate(`pnnc check ${SPEC}: ${r.ms.toFixed(0)} ms`);
  });
});

describe("hostile inputs", () => {
  it.each([
    ["binary", "binary.pnn", Buffer.from("pnn 1 x\n\0\0\x01\x02\xff\n", "latin1"), "PNN1007"],
    ["empty", "empty.pnn", Buffer.alloc(0), "PNN1008"],
  ])("a %s file is refused", (_name, fileName, bytes, code) => {
    const file = join(tmp, fileName);
    writeFileSync(file, bytes);
    expect(expectExit(1, "check", file).stderr).toContain(`error[${code}]`);
  });

  it("a 10 MB file is refused with PNN1009", () => {
    const file = join(tmp, "big.pnn");
    const line = `// ${"x".repeat(76)}\n`;
    writeFileSync(file, "pnn 1 big\n" + line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)));
    const { stderr } = expectExit(1, "check", file);
    expect(stderr).toContain("error[PNN1009]");
    expect(stderr).toContain(file);
  });
});

describe("pnnc data", () => {
  it("inspect reports the embedded RAVDESS data and its folds", () => {
    const out = expectExit(0, "data", "inspect", SPEC).stdout;
    expect(out).toContain("1439 rows, 88 features, 24 groups");
    expect(out).toContain(
      "task emotion: 4 classes (angry 192, happy 191, neutral 96, sad 192), 671 rows",
    );
    expect(out).toContain("folds: 10 stratified × 10 repeats (seed 0)");
  });

  it("inspect --json gives one object with the datasets", () => {
    const report = JSON.parse(expectExit(0, "data", "inspect", SPEC, "--json").stdout) as {
      datasets: { rows: number; features: number; folds: { k: number } }[];
    };
    expect(report.datasets.map((d) => [d.rows, d.features, d.folds.k])).toEqual([[1439, 88, 10]]);
  });

  it("inspect exits 1 with a located data diagnostic when the table is missing", () => {
    const spec = join(tmp, "missing-data.pnn");
    writeFileSync(spec, readFileSync(join(ROOT, SPEC), "utf8").replace("../data/", "../nowhere/"));
    const r = expectExit(1, "data", "inspect", spec);
    expect(r.stderr).toContain("error[PNN4001]");
    expect(r.stderr).toContain("../nowhere/ravdess_egemaps.csv");
  });

  it("synth writes a deterministic table and rejects bad arguments with exit 2", () => {
    const a = join(tmp, "a.csv");
    const b = join(tmp, "b.csv");
    const synth = (out: string) =>
      expectExit(
        0,
        "data",
        "synth",
        "--speakers",
        "4",
        "--utterances",
        "3",
        "--out",
        out,
        "--seed",
        "5",
      );
    synth(a);
    synth(b);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    expect(readFileSync(a, "utf8").trim().split("\n")).toHaveLength(13);
    expectExit(2, "data", "synth", "--speakers", "x", "--utterances", "3", "--out", a);
    expectExit(2, "data", "synth", "--speakers", "4", "--utterances", "3");
  });

  it("synth into a missing directory fails cleanly and leaves no partial file", () => {
    const r = expectExit(
      1,
      "data",
      "synth",
      "--speakers",
      "2",
      "--utterances",
      "1",
      "--out",
      join(tmp, "none", "x.csv"),
    );
    expect(r.stderr).toContain("cannot write");
  });

  it("prepare-ravdess rejects a missing input with exit 2", () => {
    expectExit(2, "data", "prepare-ravdess", join(tmp, "nope.csv"), join(tmp, "out.csv"));
  });

  it("a file name the spec's template misses stops `run` with a located error and no results", () => {
    const data = join(ROOT, "test/fixtures/data/cremad-like/cremad_prosody_features.csv");
    const spec = join(tmp, "bad-template.pnn");
    writeFileSync(
      spec,
      [
        "pnn 2 bad_template",
        "dataset d {",
        `  file ${JSON.stringify(data)}`,
        "  features [mean_f0, std_f0, energy]",
        "  missing mean",
        '  fields file_path "{actor}-{sentence}"',
        "}",
        "task t {",
        "  data d",
        "  label ground_truth_4class",
        "}",
        "column c {",
        "  task t",
        "  layers { dense 4 relu }",
        "}",
        "training { stage s { train c } }",
        "evaluation {",
        "  folds 2 stratified",
        "  validation 0",
        "}",
        "",
      ].join("\n"),
    );
    const out = join(tmp, "bad-template-out");
    const r = expectExit(1, "run", spec, "--out", out);
    expect(r.stderr).toContain("PNN4028");
    expect(r.stderr).toContain("bad-template.pnn:6:");
    expect(r.stderr).toContain("66 rows");
    expect(existsSync(join(out, "results.json"))).toBe(false);
  });

  it("prepare-ravdess reads a `file` column and sums up the dropped rows in one line", () => {
    const input = join(ROOT, "test/fixtures/data/ravdess-mfcc-like/ravdess_mfcc.csv");
    const out = join(tmp, "prepared-mfcc.csv");
    const r = expectExit(0, "data", "prepare-ravdess", input, out);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("wrote 64 rows");
    expect(r.stderr).toContain("dropped 64 rows whose features repeat an earlier row's");
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe(
      "file,speaker,gender,emotion,mfcc1_mean,mfcc2_mean,mfcc3_mean,mfcc4_mean,mfcc5_mean,mfcc6_mean",
    );
    const again = expectExit(1, "data", "prepare-ravdess", out, join(tmp, "twice.csv"));
    expect(again.stderr).toContain("PNN4031");
    expectExit(0, "data", "prepare-ravdess", out, join(tmp, "twice.csv"), "--replace");
  });
});
