/**
 * ARCHITECTURE.md's folder table is the rule for imports: every folder (and top-level module) of
 * src/ has a row, and each import that leaves a folder goes to one its row allows. runtime/ also
 * imports no npm package but TensorFlow.js, since generated programs carry a copy of it.
 * In: ARCHITECTURE.md and src/**\/*.ts. Out: pass, or the imports that break the table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";

/** A folder (`syntax/`) or top-level module (`compile.ts`) as one name: `syntax`, `compile`. */
const unitName = (cell: string) =>
  cell
    .replace(/`/g, "")
    .trim()
    .replace(/\/$|\.ts$/, "");

function tableOfArchitecture(): Map<string, Set<string>> {
  const text = readFileSync(join(repoRoot, "ARCHITECTURE.md"), "utf8");
  const section = text.split("## Folders and what each may import")[1]?.split("\n## ")[0] ?? "";
  const allowed = new Map<string, Set<string>>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").slice(1, -1);
    const [unit, , imports] = cells;
    if (!unit || imports === undefined || !/`/.test(unit)) continue;
    const names = imports.trim() === "—" ? [] : imports.split(",").map((n) => n.trim());
    allowed.set(unitName(unit), new Set(names));
  }
  return allowed;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

const src = join(repoRoot, "src");
/** The unit a path under src/ belongs to. */
const unitOf = (path: string) => unitName(relative(src, path).split("/")[0] ?? "");

const imports = sourceFiles(src).flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(/(?:from|import\()\s*"([^"]+)"/g)].map((m) => ({
    file: relative(repoRoot, file),
    from: unitOf(file),
    specifier: m[1] ?? "",
    to: m[1]?.startsWith(".")
      ? unitOf(normalize(join(dirname(file), m[1])).replace(/\.js$/, ".ts"))
      : null,
  })),
);

describe("ARCHITECTURE.md's import rules", () => {
  const allowed = tableOfArchitecture();

  it("has a row for every folder and top-level module of src/", () => {
    const units = new Set(sourceFiles(src).map(unitOf));
    expect([...units].filter((u) => !allowed.has(u))).toEqual([]);
    expect([...allowed.keys()].filter((u) => !units.has(u))).toEqual([]);
  });

  it("every import between folders is one the table allows", () => {
    const broken = imports
      .filter((i) => i.to !== null && i.to !== i.from && !allowed.get(i.from)?.has(i.to))
      .map((i) => `${i.file} imports ${i.specifier} (${i.from} → ${i.to})`);
    expect(broken).toEqual([]);
  });

  it("runtime/ imports only Node, TensorFlow.js and itself", () => {
    const foreign = imports
      .filter((i) => i.from === "runtime" && i.to === null)
      .filter((i) => !/^node:|^@tensorflow\//.test(i.specifier))
      .map((i) => `${i.file} imports ${i.specifier}`);
    expect(foreign).toEqual([]);
  });

  it("the folder graph has no cycle", () => {
    const edges = new Map<string, Set<string>>();
    for (const i of imports)
      if (i.to !== null && i.to !== i.from) {
        const set = edges.get(i.from) ?? new Set<string>();
        set.add(i.to);
        edges.set(i.from, set);
      }
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (unit: string, path: string[]) => {
      if (state.get(unit) === "done") return;
      if (state.get(unit) === "open") {
        cycles.push([...path.slice(path.indexOf(unit)), unit].join(" → "));
        return;
      }
      state.set(unit, "open");
      for (const next of edges.get(unit) ?? []) visit(next, [...path, unit]);
      state.set(unit, "done");
    };
    for (const unit of edges.keys()) visit(unit, []);
    expect(cycles).toEqual([]);
  });
});
