/**
 * `pnnc compile --target ts`: what the program looks like (spec names, comments that point at the
 * right spec lines, prettier-stable, only TensorFlow.js and Node imports, strict type-checking even
 * for awkward names) and how the command treats bad input and existing directories.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { format } from "prettier";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { emitProgram, packageFiles, runtimeFiles, type EmittedFile } from "../src/codegen/emit.js";
import { pascal } from "../src/codegen/model.js";
import { compileSpec } from "../src/compile.js";
import { compileFile, exampleSpecs, read, repoRoot } from "./helpers.js";

const scratch = mkdtempSync(join(tmpdir(), "pnnc-codegen-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function emit(path: string, text = read(path)): Promise<EmittedFile[]> {
  const result = compileSpec(path, text);
  if (!result.ir || !result.spans) throw new Error(`${path} does not compile`);
  return emitProgram({ ...result, ir: result.ir, spans: result.spans, dir: "", specDir: "." });
}

function pnnc(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(repoRoot, "dist/cli/main.js"), ...args], {
    cwd,
    encoding: "utf8",
  });
}

describe("the generated program", () => {
  it("is named after the spec: one class per column, layers h1..hN, the spec's stages", async () => {
    const files = await emit("specs/paper/speaker-prognet.pnn");
    const columns = files.find((f) => f.path === "columns.ts")?.content ?? "";
    const main = files.find((f) => f.path === "main.ts")?.content ?? "";
    expect(columns).toContain("export class SpeakerColumn implements Column");
    expect(columns).toContain("export class EmotionColumn implements Column");
    for (const layer of ["h1", "h2", "h3", "h4"])
      expect(columns).toContain(`readonly ${layer}: Dense;`);
    expect(columns).toContain("readonly lateral0Head: { readonly speaker: Tf.Variable };");
    expect(main).toMatch(/Stage `source` \(line \d+\): trains `speaker`\./);
    expect(main).toMatch(/Stage `target` \(line \d+\): trains `emotion`; frozen: `speaker`\./);
    expect(main).toContain("export const ravdessDataset: DatasetSpec");
  });

  it("points its comments at the spec lines they come from", async () => {
    for (const spec of [
      "specs/three-column.pnn",
      "specs/adapter.pnn",
      "specs/paper/speaker-ptft.pnn",
    ]) {
      const lines = read(spec).split("\n");
      const files = await emit(spec);
      const text = files.map((f) => f.content).join("\n");
      const cited = [
        ...text.matchAll(/\/\/ (h\d+: dense|lateral|adapter|Stage `)[^\n]*\(line (\d+)\)/g),
      ];
      expect(cited.length).toBeGreaterThan(3);
      for (const [, what, line] of cited) {
        const source = lines[Number(line) - 1] ?? "";
        const expected = what?.startsWith("h") ? "dense" : what === "Stage `" ? "stage" : "lateral";
        expect(source, `${spec}:${line} for "${what}"`).toContain(expected);
      }
    }
  });

  it("is already formatted: prettier changes nothing", async () => {
    for (const spec of exampleSpecs) {
      for (const f of await emit(spec)) {
        const again = await format(f.content, { parser: "typescript", printWidth: 100 });
        expect(again, `${spec} ${f.path}`).toBe(f.content);
      }
    }
  });

  it("imports only what its package.json lists, the Node standard library and its own files", async () => {
    const pkg = (await packageFiles("x")).find((f) => f.path === "package.json")?.content ?? "";
    const { dependencies, optionalDependencies } = JSON.parse(pkg) as Record<string, object>;
    const listed = new Set([
      ...Object.keys(dependencies ?? {}),
      ...Object.keys(optionalDependencies ?? {}),
    ]);
    const files = [...(await emit("specs/comparison.pnn")), ...runtimeFiles()];
    let imports = 0;
    for (const f of files) {
      // Static imports, and the module names backends.ts imports dynamically.
      for (const [, spec] of f.content.matchAll(/(?:from|import\(|module:)\s*"([^"]+)"/g)) {
        imports++;
        if (spec?.startsWith("node:") || spec?.startsWith(".")) continue;
        expect(listed.has(spec ?? ""), `${f.path} imports ${spec}`).toBe(true);
      }
    }
    expect(imports).toBeGreaterThan(20);
  });

  it("type-checks under strict with awkward names (JS keywords, PascalCase collisions)", async () => {
    // Under the repository, so that @tensorflow/tfjs and @types/node resolve from its node_modules.
    const dir = join(repoRoot, "tmp", `codegen-awkward-${process.pid}`);
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const spec = `pnn 1 awkward
dataset d_x {
  file "t.csv"
  features numeric except [y, z]
}
dataset dX {
  file "t.csv"
  features numeric except [y, z]
}
task a_b {
  data d_x
  label y
}
task aB {
  data dX
  label z
}
column class {
  task a_b
  layers { dense 4 relu }
}
column __proto__ {
  task a_b
  layers { dense 4 relu }
}
column _ {
  task a_b
  layers { dense 4 relu }
}
column a_b {
  task aB
  layers { repeat 2 { dense 4 relu } }
  lateral from [class, __proto__, _] into all
}
column aB {
  task aB
  layers { repeat 2 { dense 4 relu } }
  lateral from [class, a_b] into all adapter width 2 alpha 1 activation relu
}
training {
  stage s1 { train [class, __proto__, _] }
  stage s2 { train a_b  freeze [class, __proto__, _] }
  stage s3 { train aB  freeze [class, a_b] }
}
evaluation { folds 3 stratified }
`;
    const files = [
      ...(await emit(join(dir, "awkward.pnn"), spec)),
      ...runtimeFiles(),
      ...(await packageFiles("awkward")),
    ];
    const columns = files.find((f) => f.path === "columns.ts")?.content ?? "";
    const main = files.find((f) => f.path === "main.ts")?.content ?? "";
    expect(columns).toContain("export class ClassColumn ");
    expect(columns).toContain("export class ABColumn ");
    expect(columns).toContain("export class ABColumn2 ");
    // `_` has no letters: it must not become `Column`, the imported interface.
    expect(columns).toContain("export class Column2 ");
    expect(columns).toContain('["__proto__"]: make.glorot(');
    expect(main).toContain("export const dXDataset: DatasetSpec");
    expect(main).toContain("export const dXDataset2: DatasetSpec");
    expect(main).toContain("export const aBTask: TaskSpec");
    expect(main).toContain("export const aBTask2: TaskSpec");
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    const tsc = spawnSync(
      process.execPath,
      [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir, "--noEmit"],
      { encoding: "utf8" },
    );
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  it("makes class names from any spec name", () => {
    expect(pascal("speaker")).toBe("Speaker");
    expect(pascal("emotion_v2")).toBe("EmotionV2");
    expect(pascal("_x__y")).toBe("XY");
  });
});

describe("pnnc compile --target ts", () => {
  const spec = join(repoRoot, "specs/quick-prognet.pnn");

  it("writes main.ts, columns.ts, the runtime, package.json and tsconfig.json", () => {
    const out = join(scratch, "fresh");
    const r = pnnc(scratch, "compile", spec, "--target", "ts", "-o", out);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ["main.ts", "columns.ts", "runtime/driver.ts", "package.json", "tsconfig.json"])
      expect(existsSync(join(out, f)), f).toBe(true);
    // main.ts, columns.ts, package.json and tsconfig.json beside the runtime.
    expect(r.stderr).toContain(`wrote ${4 + runtimeFiles().length} files to ${out}`);
    // Compiling again into its own output is fine: nothing else is there.
    expect(pnnc(scratch, "compile", spec, "--target", "ts", "-o", out).status).toBe(0);
  });

  it("writes nothing for a spec with errors", () => {
    const bad = join(scratch, "bad.pnn");
    writeFileSync(bad, read("specs/quick-prognet.pnn").replace("task speaker", "task speakr"));
    const out = join(scratch, "never");
    const r = pnnc(scratch, "compile", bad, "--target", "ts", "-o", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[PNN3\d{3}\]/);
    expect(existsSync(out)).toBe(false);
  });

  it("does not clobber a directory holding other files without --force", () => {
    const out = join(scratch, "occupied");
    mkdirSync(out);
    writeFileSync(join(out, "notes.md"), "my notes");
    const r = pnnc(scratch, "compile", spec, "--target", "ts", "-o", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("`notes.md` (not written by pnnc)");
    expect(r.stderr).toContain("--force");
    expect(existsSync(join(out, "main.ts"))).toBe(false);
    const forced = pnnc(scratch, "compile", spec, "--target", "ts", "-o", out, "--force");
    expect(forced.status, forced.stderr).toBe(0);
    expect(existsSync(join(out, "main.ts"))).toBe(true);
    expect(readFileSync(join(out, "notes.md"), "utf8")).toBe("my notes");
  });

  it("refuses to overwrite a same-named file it did not write, or one edited since", () => {
    const out = join(scratch, "own-files");
    mkdirSync(out);
    writeFileSync(join(out, "package.json"), '{"name": "mine"}');
    const r = pnnc(scratch, "compile", spec, "--target", "ts", "-o", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("`package.json` (not written by pnnc)");
    expect(readFileSync(join(out, "package.json"), "utf8")).toBe('{"name": "mine"}');

    const fresh = join(scratch, "edited");
    expect(pnnc(scratch, "compile", spec, "--target", "ts", "-o", fresh).status).toBe(0);
    // Building and running add these; they never block a recompile.
    writeFileSync(join(fresh, "package-lock.json"), "{}");
    mkdirSync(join(fresh, "dist"));
    writeFileSync(join(fresh, "dist", "main.js"), "");
    expect(pnnc(scratch, "compile", spec, "--target", "ts", "-o", fresh).status).toBe(0);
    writeFileSync(
      join(fresh, "main.ts"),
      readFileSync(join(fresh, "main.ts"), "utf8") + "// mine\n",
    );
    const again = pnnc(scratch, "compile", spec, "--target", "ts", "-o", fresh);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("`main.ts` (edited since pnnc wrote it)");
    expect(readFileSync(join(fresh, "main.ts"), "utf8")).toMatch(/\/\/ mine\n$/);
  });

  it("writes nothing when a target is blocked, even with --force; refuses an empty -o", () => {
    const out = join(scratch, "blocked");
    mkdirSync(join(out, "tsconfig.json"), { recursive: true });
    const r = pnnc(scratch, "compile", spec, "--target", "ts", "-o", out, "--force");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is a directory; nothing was written");
    expect(existsSync(join(out, "main.ts"))).toBe(false);
    expect(pnnc(scratch, "compile", spec, "--target", "ts", "-o", "").status).toBe(2);
  });

  it("refuses an output path that is a file, and a missing spec", () => {
    const file = join(scratch, "a-file");
    writeFileSync(file, "x");
    const r = pnnc(scratch, "compile", spec, "--target", "ts", "-o", file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is not a directory");
    expect(readFileSync(file, "utf8")).toBe("x");
    const missing = pnnc(scratch, "compile", "nope.pnn", "--target", "ts");
    expect(missing.status).toBe(2);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it("keeps the IR target as before and rejects unknown targets", () => {
    const ir = pnnc(scratch, "compile", spec, "--target", "ir");
    expect(ir.status).toBe(0);
    expect(JSON.parse(ir.stdout)).toEqual(compileFile("specs/quick-prognet.pnn").ir);
    expect(pnnc(scratch, "compile", spec, "--target", "py").status).toBe(2);
  });
});
