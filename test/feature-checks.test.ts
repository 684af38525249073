/**
 * Feature selection that tells, and duplicate rows: the loader's PNN4023 warnings (mostly empty or
 * constant columns, a missing-value policy touching many rows), PNN4009 naming rows `missing drop`
 * lost, PNN3023 settled by the data, identical rows straddling folds (PNN4024) and `duplicates
 * error|drop|keep`, and `pnnc data inspect` listing the selected features. Tables are written to a
 * temp dir.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import type { Code } from "../src/diagnostics/catalog.js";
import { loadSpecData, settledByData } from "../src/data/load.js";
import { pnncIn } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "pnnc-feature-checks-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const pnnc = pnncIn(tmp);

interface Row {
  id: string;
  g: string;
  f1: string;
  f2: string;
  y: string;
  /** Extra columns, written after `y` in the order of the first row. */
  extra?: Record<string, string>;
}

/** 4 groups × 8 rows, labels a/b alternating, every feature value distinct. */
function baseRows(): Row[] {
  return Array.from({ length: 32 }, (_, r) => ({
    id: `r${r}`,
    g: `s${Math.floor(r / 8)}`,
    f1: String(r + 1),
    f2: String((r + 1) * 10 + 0.5),
    y: r % 2 === 0 ? "a" : "b",
  }));
}

function writeTable(name: string, rows: Row[]): void {
  const extra = Object.keys(rows[0]?.extra ?? {});
  const lines = [
    ["id", "g", "f1", "f2", "y", ...extra].join(","),
    ...rows.map((r) =>
      [r.id, r.g, r.f1, r.f2, r.y, ...extra.map((k) => r.extra?.[k] ?? "")].join(","),
    ),
  ];
  writeFileSync(join(tmp, name), lines.join("\n") + "\n");
}

/** A tiny spec over `file`: dataset lines and task lines added as given. */
function spec(
  file: string,
  dataset: string[] = [],
  task: string[] = [],
  name = "feature_checks",
): string {
  return `pnn 2 ${name}
dataset d {
  file ${JSON.stringify(file)}
${(dataset.length > 0 ? dataset : ["features numeric except [id, g, y]"]).map((l) => `  ${l}`).join("\n")}
  group g
}
task t {
  data d
  label y
${task.map((l) => `  ${l}`).join("\n")}
}
column c {
  task t
  layers {
    dense 4 relu
  }
}
training {
  epochs 3
  batch 8
  seed 1
  stage s {
    train c
  }
}
evaluation {
  folds 2 stratified
  repeats 1
  validation 0
}
`;
}

const SPEC_PATH = "feature-checks.pnn";

/** Compiles (no front-end error allowed) and loads, as `pnnc run` does: check warnings settled. */
async function load(text: string) {
  const front = compileSpec(SPEC_PATH, text);
  if (!front.ir || !front.spans || front.diagnostics.some((d) => d.severity === "error"))
    throw new Error(front.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const checked = { file: front.file, ir: front.ir, spans: front.spans };
  const loaded = await loadSpecData(checked, tmp);
  const front2 = loaded.value ? settledByData(front.diagnostics, checked) : front.diagnostics;
  return { front: front.diagnostics, loaded, all: [...front2, ...loaded.diagnostics] };
}

function codes(ds: { code: Code }[]): Code[] {
  return ds.map((d) => d.code);
}

describe("suspect feature columns (PNN4023)", () => {
  it("names a mostly empty column, and the policy that imputes many rows", async () => {
    writeTable(
      "sparse.csv",
      baseRows().map((r, i) => ({ ...r, extra: { sparse: i % 10 < 7 ? "" : String(i) } })),
    );
    const { loaded } = await load(
      spec("sparse.csv", ["features numeric except [id, g, y]", "missing mean"]),
    );
    expect(loaded.value).not.toBeNull();
    const messages = loaded.diagnostics.map((d) => `${d.code} ${d.severity}: ${d.message}`);
    expect(messages).toEqual([
      "PNN4023 warning: feature column of `sparse.csv` is mostly empty: `sparse` (23 of 32 rows)",
      "PNN4023 warning: `missing mean` imputes values in 23 of 32 rows (72%) of `sparse.csv`; missing values are in `sparse` (23 rows)",
    ]);
  });

  it("names a constant column with its value", async () => {
    writeTable(
      "constant.csv",
      baseRows().map((r) => ({ ...r, extra: { flat: "5" } })),
    );
    const { loaded } = await load(spec("constant.csv"));
    expect(loaded.diagnostics.map((d) => d.message)).toEqual([
      "feature column of `constant.csv` has the same value in all 32 rows used: `flat` (5)",
    ]);
  });

  it("warns when `missing drop` drops more than 5% of the rows, naming the column", async () => {
    writeTable(
      "gaps.csv",
      baseRows().map((r, i) => (i % 8 === 3 || i % 8 === 6 ? { ...r, f2: "NA" } : r)),
    );
    const { loaded } = await load(
      spec("gaps.csv", ["features numeric except [id, g, y]", "missing drop"]),
    );
    expect(loaded.value?.datasets.get("d")?.rows).toBe(24);
    expect(loaded.diagnostics.map((d) => d.message)).toEqual([
      "`missing drop` drops 8 of 32 rows (25%) of `gaps.csv`; missing values are in `f2` (8 rows)",
    ]);
  });

  it("no warning for a clean table or a policy that touches a row or two", async () => {
    writeTable(
      "clean.csv",
      baseRows().map((r, i) => (i === 5 ? { ...r, f1: "" } : r)),
    );
    const { loaded } = await load(
      spec("clean.csv", ["features numeric except [id, g, y]", "missing drop"]),
    );
    expect(loaded.diagnostics).toEqual([]);
  });
});

describe("PNN4009 after `missing drop`", () => {
  it("says how many rows `missing drop` dropped when a class vanished with them", async () => {
    // Every `c` row has a gap, so `missing drop` takes the whole class.
    writeTable("vanish.csv", [
      ...baseRows(),
      ...["s0", "s1"].map((g, i) => ({ id: `c${i}`, g, f1: "", f2: "1", y: "c" })),
    ]);
    const text = spec(
      "vanish.csv",
      ["features numeric except [id, g, y]", "missing drop"],
      ["classes [a, b, c]"],
    );
    const { loaded } = await load(text);
    expect(loaded.value).toBeNull();
    const [d] = loaded.diagnostics;
    expect(d?.code).toBe("PNN4009");
    expect(d?.message).toBe(
      "class `c` of task `t` never occurs in `vanish.csv` (`missing drop` dropped 2 rows with missing values)",
    );
  });
});

describe("PNN3023 settled by the data", () => {
  it("drops the check-time warning when the label is text, so not selected", async () => {
    writeTable("textlabel.csv", baseRows());
    const text = spec("textlabel.csv", ["features numeric except [id, g]"]);
    const { front, loaded, all } = await load(text);
    expect(codes(front)).toEqual(["PNN3023"]); // `pnnc check` cannot know
    expect(loaded.value?.datasets.get("d")?.featureNames).toEqual(["f1", "f2"]);
    expect(codes(all)).toEqual([]);
  });

  it("keeps it, from the loader, when a numeric label really is selected", async () => {
    writeTable(
      "numlabel.csv",
      baseRows().map((r) => ({ ...r, y: r.y === "a" ? "0" : "1" })),
    );
    const { all } = await load(spec("numlabel.csv", ["features numeric except [id, g]"]));
    expect(all.map((d) => `${d.code}: ${d.message}`)).toEqual([
      "PNN3023: `features numeric` of `d` selects `y`, the label of task `t`: its values in `numlabel.csv` are numbers",
    ]);
  });

  it("`pnnc data inspect --json` shows no PNN3023 for a text label", () => {
    writeTable("textlabel.csv", baseRows());
    writeFileSync(
      join(tmp, "leak.pnn"),
      spec("textlabel.csv", ["features numeric except [id, g]"]),
    );
    const r = pnnc("data", "inspect", "leak.pnn", "--json");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { diagnostics: { code: string }[] };
    expect(out.diagnostics.map((d) => d.code)).toEqual([]);
  });
});

/** The base table with rows 0, 2 and 9 repeated (features only; ids differ): 3 rows, 3 groups. */
function duplicatedRows(): Row[] {
  const rows = baseRows();
  const copy = (i: number, id: string): Row => ({ ...(rows[i] as Row), id });
  // Each copy sits in its original's group with its label, so stratified folds deal them apart.
  return [...rows, copy(0, "d0"), copy(2, "d2"), copy(9, "d9")].sort((a, b) =>
    a.g.localeCompare(b.g),
  );
}

describe("duplicate rows (PNN4024, PNN4025, `duplicates`)", () => {
  beforeAll(() => writeTable("dups.csv", duplicatedRows()));

  it("warns by default with the number of repeated rows and of groups straddling folds", async () => {
    const { loaded } = await load(spec("dups.csv"));
    const data = loaded.value;
    const d = data?.datasets.get("d");
    const fold = data?.splits.get("d")?.folds[0]?.fold;
    if (!d || !fold) throw new Error("not loaded");
    expect(d.rows).toBe(35);
    expect(d.duplicates).toMatchObject({ policy: "warn", rows: 3, groups: 3, dropped: 0 });
    // Recount from the folds themselves: groups whose rows are in different folds.
    const straddling = d.duplicates.members.filter((m) => new Set(m.map((r) => fold[r])).size > 1);
    expect(d.duplicates.straddling).toBe(straddling.length);
    expect(straddling.length).toBeGreaterThan(0);
    expect(codes(loaded.diagnostics)).toEqual(["PNN4024"]);
    expect(loaded.diagnostics[0]?.severity).toBe("warning");
    expect(loaded.diagnostics[0]?.message).toBe(
      `3 rows of \`dups.csv\` repeat an earlier row's features (3 groups of identical rows); ${straddling.length} of the groups straddle folds in repeat 1, so a model is tested on rows it was trained on`,
    );
  });

  it("`duplicates keep` keeps them without a warning", async () => {
    const { loaded } = await load(
      spec("dups.csv", ["features numeric except [id, g, y]", "duplicates keep"]),
    );
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.value?.datasets.get("d")?.rows).toBe(35);
  });

  it("`duplicates error` is a located error naming the counts and the first repeat", async () => {
    const text = spec("dups.csv", ["features numeric except [id, g, y]", "duplicates error"]);
    const { loaded } = await load(text);
    expect(loaded.value).toBeNull();
    const [d] = loaded.diagnostics;
    expect(d?.code).toBe("PNN4025");
    expect(d?.severity).toBe("error");
    expect(text.slice(d?.span.start, d?.span.end)).toContain("error");
    expect(d?.span.line).toBe(text.split("\n").findIndex((l) => l.includes("duplicates")) + 1);
    // Rows sorted by group: r0 is line 2 and its copy d0 is the last row of s0 (line 10).
    expect(d?.message).toBe(
      "`dups.csv` line 10 repeats the features of line 2: 3 rows repeat an earlier row's features (3 groups of identical rows)",
    );
  });

  it("`duplicates error` fails `pnnc data inspect` with PNN4025", () => {
    writeFileSync(
      join(tmp, "dups-error.pnn"),
      spec("dups.csv", ["features numeric except [id, g, y]", "duplicates error"]),
    );
    const r = pnnc("data", "inspect", "dups-error.pnn");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("PNN4025");
  });

  it("`duplicates drop` keeps the first of each group and says how many it dropped", async () => {
    const { loaded } = await load(
      spec("dups.csv", ["features numeric except [id, g, y]", "duplicates drop"]),
    );
    expect(loaded.diagnostics).toEqual([]);
    const d = loaded.value?.datasets.get("d");
    expect(d?.rows).toBe(32);
    expect(d?.duplicates).toMatchObject({ policy: "drop", rows: 3, dropped: 3, straddling: 0 });
    // The copies (d0, d2, d9 come later in their groups) are the rows that went.
    expect(d?.lines).not.toContain(10);
  });

  it("`pnnc run` warns under `warn`, and trains on different rows under `drop`", () => {
    const run = (policy: string) => {
      writeFileSync(
        join(tmp, `dups-${policy}.pnn`),
        spec("dups.csv", ["features numeric except [id, g, y]", `duplicates ${policy}`]),
      );
      const r = pnnc(
        "run",
        `dups-${policy}.pnn`,
        "--out",
        `out-${policy}`,
        "--no-store",
        "--workers",
        "1",
      );
      expect(r.status, r.stderr).toBe(0);
      const results = JSON.parse(
        readFileSync(join(tmp, `out-${policy}`, "results.json"), "utf8"),
      ) as { runs: { test: { uar: number; n?: number } }[] };
      return { stderr: r.stderr, results };
    };
    const keep = run("warn");
    const drop = run("drop");
    expect(keep.stderr).toContain("PNN4024");
    expect(drop.stderr).not.toContain("PNN4024");
    expect(drop.stderr).toContain(
      "dataset d: 3 rows with repeated features dropped (duplicates drop)",
    );
    expect(keep.stderr).not.toContain("repeated features");
    expect(JSON.stringify(drop.results.runs)).not.toBe(JSON.stringify(keep.results.runs));
  });
});

describe("the `duplicates` setting in other commands", () => {
  it("`pnnc fmt` prints it canonically, and formatting twice changes nothing", () => {
    const text = spec("dups.csv", ["features numeric except [id, g, y]", "duplicates    drop"]);
    writeFileSync(join(tmp, "fmt.pnn"), text);
    const once = pnnc("fmt", "fmt.pnn");
    expect(once.status).toBe(0);
    expect(once.stdout).toContain("\n  duplicates drop\n");
    writeFileSync(join(tmp, "fmt2.pnn"), once.stdout);
    expect(pnnc("fmt", "fmt2.pnn").stdout).toBe(once.stdout);
  });

  it("`pnnc compare` shows the duplicate-row warning", () => {
    for (const name of ["m1", "m2"])
      writeFileSync(join(tmp, `${name}.pnn`), spec("dups.csv", [], [], name));
    const r = pnnc("compare", "m1.pnn", "m2.pnn", "--out", "cmp", "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning[PNN4024]");
  });
});

describe("`pnnc data inspect` lists the selected features", () => {
  beforeAll(() => {
    // 14 features: the text abbreviates, `--json` lists them all.
    const names = Array.from({ length: 12 }, (_, k) => `x${k + 1}`);
    writeTable(
      "wide.csv",
      baseRows().map((r, i) => ({
        ...r,
        extra: Object.fromEntries(names.map((n, k) => [n, String(i * 13 + k)])),
      })),
    );
    writeFileSync(join(tmp, "wide.pnn"), spec("wide.csv"));
    writeTable("narrow.csv", baseRows());
    writeFileSync(join(tmp, "narrow.pnn"), spec("narrow.csv"));
  });

  it("text: every name when few, first and last five with a count when many", () => {
    const narrow = pnnc("data", "inspect", "narrow.pnn");
    expect(narrow.status).toBe(0);
    expect(narrow.stdout).toContain("  features: f1, f2\n");
    const wide = pnnc("data", "inspect", "wide.pnn");
    expect(wide.status).toBe(0);
    expect(wide.stdout).toContain(
      "  features: f1, f2, x1, x2, x3, … (4 more) …, x8, x9, x10, x11, x12\n",
    );
  });

  it("--json lists them all, with the duplicate counts", () => {
    const r = pnnc("data", "inspect", "wide.pnn", "--json");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      datasets: { featureNames: string[]; features: number; duplicates: unknown }[];
    };
    const d = out.datasets[0];
    expect(d?.featureNames).toEqual([
      "f1",
      "f2",
      ...Array.from({ length: 12 }, (_, k) => `x${k + 1}`),
    ]);
    expect(d?.features).toBe(14);
    expect(d?.duplicates).toEqual({
      policy: "warn",
      rows: 0,
      groups: 0,
      dropped: 0,
      straddling: 0,
    });
  });

  it("shows the loader's warnings (PNN4024) in text and JSON", () => {
    writeFileSync(join(tmp, "dups-default.pnn"), spec("dups.csv"));
    const text = pnnc("data", "inspect", "dups-default.pnn");
    expect(text.status).toBe(0);
    expect(text.stderr + text.stdout).toContain("PNN4024");
    expect(text.stdout).toMatch(
      /duplicate rows: 3 in 3 groups of identical features \(kept; \d+ groups? straddle folds\)/,
    );
    const json = JSON.parse(pnnc("data", "inspect", "dups-default.pnn", "--json").stdout) as {
      diagnostics: { code: string }[];
    };
    expect(json.diagnostics.map((d) => d.code)).toEqual(["PNN4024"]);
  });
});
