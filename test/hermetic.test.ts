/**
 * A clone with nothing beside it must pass its tests: no test, spec, script or source file may read
 * outside the repository (developers keep a data folder beside it; users' and CI's clean clones do not).
 * In: the repository's tracked text files and every spec's data paths. Out: pass, or the offenders.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";

const tracked = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], {
  cwd: repoRoot,
  encoding: "utf8",
})
  .split("\n")
  .filter((f) => /^(src|test|specs|grammar|\.ci|generated)\/|^package\.json$/.test(f))
  .filter((f) => !/\.(csv|arff|bin|png)$/.test(f));

describe("the repository reads nothing outside itself", () => {
  it("lists the files it scans", () => {
    expect(tracked.length).toBeGreaterThan(100);
  });

  it("names no developers' folder beside the repository in code, specs or scripts", () => {
    // Spelled from parts so that this file, too, never holds the path it forbids.
    const name = ["sha", "red"].join("");
    const sibling = [`../${name}`, `/work/${name}`, `${name}/data/`];
    const offenders = tracked.filter((f) => {
      const text = readFileSync(join(repoRoot, f), "utf8");
      return sibling.some((path) => text.includes(path));
    });
    expect(offenders).toEqual([]);
  });

  it("every spec's data file lies inside the repository", () => {
    const outside: string[] = [];
    for (const f of tracked.filter((f) => f.endsWith(".pnn"))) {
      for (const m of readFileSync(join(repoRoot, f), "utf8").matchAll(/^\s*file\s+"([^"]+)"/gm)) {
        const target = resolve(dirname(join(repoRoot, f)), m[1] ?? "");
        if (relative(repoRoot, target).startsWith("..")) outside.push(`${f}: ${m[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
