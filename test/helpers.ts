/**
 * Shared test helpers: the repository's example specs and invalid fixtures, and compiling them.
 * In: paths relative to the repository root. Out: file contents and front-end results.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { compileSpec, type FrontEndResult } from "../src/compile.js";
import { listFiles, repoRoot } from "../src/tools/artifacts.js";

export { repoRoot };

export const exampleSpecs: string[] = listFiles("specs", ".pnn");
export const invalidFixtures: string[] = listFiles("test/fixtures/invalid", ".pnn");

export function read(path: string): string {
  return readFileSync(join(repoRoot, path), "utf8");
}

export function compileFile(path: string): FrontEndResult {
  return compileSpec(path, readFileSync(join(repoRoot, path)));
}

/** The AST without ranges: what must survive formatting. */
export function shape(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) =>
      key === "range" || key === "keyRange" ? undefined : v,
    ),
  );
}

/**
 * The start of the tiny training specs the engine and CLI tests write: a header, a synthetic table
 * `synth.csv` (see `writeSynthetic`) and its gender and emotion tasks. Columns, training and
 * evaluation follow in each test.
 */
export function synthSpecHeader(name: string, version = 2): string {
  return `pnn ${version} ${name}
dataset synth {
  file "synth.csv"
  features numeric except [speaker, gender, emotion]
  group speaker
}
task gender {
  data synth
  label gender
}
task emotion {
  data synth
  label emotion
}
`;
}

/** The built CLI (dist/cli/main.js; `npm test` builds it first) run in `cwd`, output as text. */
export function pnncIn(cwd: string): (...args: string[]) => SpawnSyncReturns<string> {
  return (...args) =>
    spawnSync(process.execPath, [join(repoRoot, "dist/cli/main.js"), ...args], {
      cwd,
      encoding: "utf8",
    });
}

/** Debian's Chromium, which the browser tests drive (never a downloaded browser). */
export const CHROMIUM = "/usr/bin/chromium";

/** A page of a fresh headless Chromium profile, closed and removed after `use`. */
export async function withChromiumPage<T>(use: (page: Page) => Promise<T>): Promise<T> {
  // Loaded here, so the many tests that import helpers never load playwright.
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "pnnc-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    return await use(await context.newPage());
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
