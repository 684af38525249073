/**
 * The published package as a user gets it: `npm pack` of the build (`pretest` builds), installed
 * offline into an empty directory, whose `pnnc` binary then checks the shipped specs, inspects the
 * embedded data, trains a tiny spec and compiles one to TypeScript. Also what the tarball leaves out.
 * PNNC_TEST_INSTALL=link skips npm and installs the way the fallback does (seconds instead of ~30).
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthetic } from "../src/data/synth.js";
import { repoRoot, synthSpecHeader } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "pnnc-package-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** The user's project: an empty package that installs the tarball. */
const app = join(tmp, "app");
const installed = join(app, "node_modules", "pnnc");

interface Manifest {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

const repoManifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as Manifest;

/** npm run by the test, without the `npm_*` settings an enclosing `npm test` exports. */
function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const keep = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_registry"]);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())),
  );
  return spawnSync("npm", args, { cwd, env, encoding: "utf8", timeout: 300_000 });
}

/**
 * The user's install, offline: `npm ci` against a lockfile made from the repository's own (its
 * production entries, which the npm cache that `npm ci` filled holds) with pnnc from the tarball.
 * A plain `npm install TARBALL --offline` would need the registry's package metadata, which the cache
 * lacks. The optional native backends are omitted: their install scripts download binaries.
 */
function npmInstall(tarball: string): SpawnSyncReturns<string> {
  const dependencies = { pnnc: `file:../${tarball}` };
  const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const packages: Record<string, unknown> = {
    "": { name: "pnnc-package-test", dependencies },
    "node_modules/pnnc": {
      version: repoManifest.version,
      resolved: dependencies.pnnc,
      dependencies: repoManifest.dependencies,
      optionalDependencies: repoManifest.optionalDependencies,
      bin: repoManifest.bin,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "" || entry.dev) continue;
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  const pkg = { name: "pnnc-package-test", private: true, dependencies };
  writeFileSync(join(app, "package.json"), JSON.stringify(pkg, null, 2));
  const lockfile = { name: pkg.name, lockfileVersion: 3, requires: true, packages };
  writeFileSync(join(app, "package-lock.json"), JSON.stringify(lockfile, null, 2));
  return npm(
    ["ci", "--offline", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"],
    app,
  );
}

/**
 * The fallback when npm cannot install offline: the tarball unpacked as node_modules/pnnc, its
 * declared dependencies (and nothing else) linked from the repository's node_modules, its bin linked.
 */
function linkInstall(tarball: string): void {
  rmSync(join(app, "node_modules"), { recursive: true, force: true });
  mkdirSync(installed, { recursive: true });
  const tar = spawnSync("tar", [
    "-xzf",
    join(tmp, tarball),
    "--strip-components=1",
    "-C",
    installed,
  ]);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as Manifest;
  const optional = manifest.optionalDependencies ?? {};
  for (const name of Object.keys({ ...manifest.dependencies, ...optional })) {
    const from = join(repoRoot, "node_modules", name);
    if (!existsSync(from)) {
      if (name in optional) continue;
      throw new Error(`dependency ${name} is not installed in the repository`);
    }
    const at = join(app, "node_modules", name);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(realpathSync(from), at, "dir");
  }
  mkdirSync(join(app, "node_modules", ".bin"), { recursive: true });
  for (const [name, path] of Object.entries(manifest.bin)) {
    chmodSync(join(installed, path), 0o755);
    symlinkSync(posix.join("..", "pnnc", path), join(app, "node_modules", ".bin", name));
  }
}

/** The installed binary, as `npx pnnc` runs it: through node_modules/.bin and its shebang. */
function pnnc(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env["FORCE_COLOR"];
  delete env["PNNC_DEBUG"];
  const bin = join(app, "node_modules", ".bin", "pnnc");
  return spawnSync(bin, args, { cwd: app, env, encoding: "utf8", timeout: 120_000 });
}

/** Every file under `dir`, relative and `/`-separated. */
function filesUnder(dir: string, under = ""): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true }).flatMap((e) => {
    const path = under === "" ? e.name : `${under}/${e.name}`;
    return e.isDirectory() ? filesUnder(dir, path) : [path];
  });
}

const tinySpec = `${synthSpecHeader("tiny")}
column gender {
  task gender
  layers {
    dense 8 relu
  }
}

column emotion {
  task emotion
  layers {
    dense 8 relu
  }
  lateral from gender into all
}

training {
  learning_rate 0.01
  batch 32
  epochs 2
  seed 1
  stage source {
    train gender
  }
  stage target {
    train emotion
    freeze gender
  }
}

evaluation {
  folds 2 stratified
  repeats 1
  validation 0
}
`;

let packed: string[] = [];

describe("the npm package", () => {
  beforeAll(() => {
    if (!existsSync(join(repoRoot, "dist", "runtime-src"))) {
      throw new Error("no build in dist/: run `npm run build` first (`npm test` does)");
    }
    // --ignore-scripts: `prepare` would build again; the build is there.
    const pack = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], repoRoot);
    if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error(`npm pack printed no package:\n${pack.stdout}`);
    packed = info.files.map((f) => f.path).sort();
    mkdirSync(app);
    const t0 = performance.now();
    const seconds = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    const install = process.env["PNNC_TEST_INSTALL"] === "link" ? null : npmInstall(info.filename);
    if (install?.status === 0 && existsSync(join(app, "node_modules", ".bin", "pnnc"))) {
      console.log(`package test: installed with npm ci --offline in ${seconds()}`);
      return;
    }
    const why = install
      ? `offline npm install failed: ${(install.error?.message ?? install.stderr).trim().split("\n").slice(-3).join(" | ")}`
      : "PNNC_TEST_INSTALL=link";
    linkInstall(info.filename);
    console.log(
      `package test: installed by unpacking the tarball and linking its dependencies (${why}) in ${seconds()}`,
    );
  }, 600_000);

  it("holds the CLI, library, runtime sources, specs and data, and nothing for development", () => {
    for (const path of [
      "package.json",
      "README.md",
      "dist/cli/main.js",
      "dist/experiment/worker.js",
      "dist/check/ir-validator.js",
      "dist/engine/results.schema.json",
      "dist/runtime-src/driver.ts",
      "specs/quick-prognet.pnn",
      "specs/data/ravdess_egemaps.csv",
      "specs/data/README.md",
      "grammar/pnn.ebnf",
    ]) {
      expect(packed).toContain(path);
    }
    const development = /^(src|test|generated|\.ci|dist\/bench|dist\/tools)\/|\.map$|^tsconfig/;
    expect(packed.filter((p) => development.test(p))).toEqual([]);
    expect(packed.length).toBeGreaterThan(50);
    // A bound, not a count: the shipped modules grow with features (205 files on 2026-12-02); a
    // tarball far past it has picked up something that is not the package.
    expect(packed.length).toBeLessThan(260);
    expect(packed.filter((p) => p.startsWith("dist/runtime-src/"))).toEqual(
      readdirSync(join(repoRoot, "src", "runtime"))
        .filter((n) => n.endsWith(".ts"))
        .map((n) => `dist/runtime-src/${n}`)
        .sort(),
    );
  });

  it("leaves out no module that a shipped module imports", () => {
    const shipped = new Set(packed);
    const missing: string[] = [];
    const reference = /(?:from\s*|import\s*\(\s*|new URL\(\s*)"(\.\.?\/[^"]*)"/g;
    for (const file of packed.filter((p) => p.startsWith("dist/") && p.endsWith(".js"))) {
      for (const m of readFileSync(join(installed, file), "utf8").matchAll(reference)) {
        const target = posix.normalize(posix.join(posix.dirname(file), m[1] ?? ""));
        // Import paths inside the generated programs' text name no file of pnnc's own build.
        const built = join(repoRoot, target);
        if (!existsSync(built)) continue;
        const ok = statSync(built).isDirectory()
          ? packed.some((p) => p.startsWith(target.replace(/\/?$/, "/")))
          : shipped.has(target);
        if (!ok) missing.push(`${file} -> ${m[1] ?? ""}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("installs a working `pnnc` binary that checks the shipped specs", () => {
    const version = pnnc("--version");
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toContain(repoManifest.version);
    const check = pnnc("check", "node_modules/pnnc/specs");
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout + check.stderr).toMatch(/checked \d+ specs: no errors/);
  });

  it("reads the embedded default data of the README's main spec", () => {
    const r = pnnc("data", "inspect", "node_modules/pnnc/specs/quick-prognet.pnn");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("1439 rows");
  });

  it("trains a tiny spec and writes results that validate against the shipped schema", () => {
    writeSynthetic({ speakers: 6, utterances: 16, seed: 1, out: join(app, "synth.csv") });
    writeFileSync(join(app, "tiny.pnn"), tinySpec);
    const r = pnnc("run", "tiny.pnn", "--out", "out", "--backend", "cpu", "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(app, "out", "results.json"), "utf8")) as {
      runs: unknown[];
    };
    const schema = JSON.parse(
      readFileSync(join(installed, "dist", "engine", "results.schema.json"), "utf8"),
    ) as object;
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
    expect(results.runs).toHaveLength(4); // 2 folds × 2 columns
    expect(existsSync(join(app, "out", "report.html"))).toBe(true);
  });

  it("compiles a spec to TypeScript with the runtime's sources, though src/ is not installed", () => {
    expect(existsSync(join(installed, "src"))).toBe(false);
    const r = pnnc("compile", "node_modules/pnnc/specs/quick-prognet.pnn", "--target", "ts");
    expect(r.status, r.stderr).toBe(0);
    const out = join(app, "quick-prognet-ts");
    const files = filesUnder(out).sort();
    for (const f of [
      "main.ts",
      "columns.ts",
      "package.json",
      "tsconfig.json",
      "runtime/driver.ts",
    ]) {
      expect(files).toContain(f);
    }
    const runtime = join(repoRoot, "src", "runtime");
    const sources = readdirSync(runtime).filter((n) => n.endsWith(".ts"));
    expect(files.filter((f) => f.startsWith("runtime/"))).toEqual(
      sources.map((n) => `runtime/${n}`).sort(),
    );
    for (const n of sources) {
      expect(readFileSync(join(out, "runtime", n), "utf8"), n).toBe(
        readFileSync(join(runtime, n), "utf8"),
      );
    }
  });
});
