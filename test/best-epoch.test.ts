/**
 * `best_epoch METRIC`: the whole epoch budget, then the best validation epoch's weights. Its IR
 * (early stopping with patience null), scopes and stage overrides, `pnnc fmt` and `pnnc diff`, column
 * keys, and the located diagnostics around the epoch budget (PNN2002, PNN3028–PNN3030).
 */
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import { semanticDiff } from "../src/diff/semantic-diff.js";
import { formatSpec } from "../src/format/format.js";
import type { Ir } from "../src/ir/types.js";
import { columnKeys } from "../src/store/column-key.js";
import { synthSpecHeader } from "./helpers.js";

const spec = (training: string, evaluation = "validation 1") => `${synthSpecHeader("t")}
column c {
  task emotion
  layers { dense 8 relu }
}
training {
${training}
}
evaluation {
  folds 4 stratified
  ${evaluation}
}
`;

function compile(text: string) {
  return compileSpec("t.pnn", text);
}

function irOf(text: string): Ir {
  const r = compile(text);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  if (!r.ir) throw new Error("no IR");
  return r.ir;
}

/** The one diagnostic `text` gets, with the text it points at and the line. */
function only(text: string): { d: Diagnostic; at: string; line: number } {
  const r = compile(text);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toHaveLength(1);
  const d = r.diagnostics[0] as Diagnostic;
  return { d, at: text.slice(d.span.start, d.span.end), line: d.span.line };
}

const lineOf = (text: string, needle: string) =>
  text.slice(0, text.indexOf(needle)).split("\n").length;

describe("best_epoch in the IR", () => {
  it("is early stopping without patience: every epoch, then the best (ties keep the earliest)", () => {
    const ir = irOf(spec("  epochs 40\n  best_epoch uar\n  stage s { train c }"));
    expect(ir.stages[0]?.epochs).toBe(40);
    expect(ir.stages[0]?.earlyStopping).toEqual({ metric: "uar", patience: null, minDelta: 0 });
  });

  it("takes every early-stopping metric", () => {
    for (const metric of ["uar", "accuracy", "loss"] as const) {
      const ir = irOf(spec(`  best_epoch ${metric}\n  stage s { train c }`));
      expect(ir.stages[0]?.earlyStopping?.metric).toBe(metric);
    }
  });

  it("a stage's own setting replaces the block's, whichever kind each is", () => {
    const kept = (training: string) => irOf(spec(training)).stages[0]?.earlyStopping;
    expect(
      kept("  early_stopping loss patience 4\n  stage s { train c best_epoch accuracy }"),
    ).toEqual({ metric: "accuracy", patience: null, minDelta: 0 });
    expect(
      kept("  best_epoch accuracy\n  stage s { train c early_stopping loss patience 4 }"),
    ).toEqual({ metric: "loss", patience: 4, minDelta: 0 });
    expect(kept("  best_epoch uar\n  stage s { train c early_stopping off }")).toBeNull();
  });

  it("leaves the IR and column keys of early-stopping specs as they were, and keys best_epoch apart", () => {
    const patience = irOf(spec("  early_stopping uar patience 30\n  stage s { train c }"));
    expect(patience.stages[0]?.earlyStopping).toEqual({ metric: "uar", patience: 30, minDelta: 0 });
    const best = irOf(spec("  best_epoch uar\n  stage s { train c }"));
    const keys = (ir: Ir) => columnKeys(ir, new Map([["synth", "data"]])).get("c");
    expect(keys(best)).not.toBe(keys(patience));
  });
});

describe("best_epoch in fmt and diff", () => {
  it("pnnc fmt prints it canonically and formatting twice changes nothing", () => {
    const text = spec(
      "  epochs   600\n  best_epoch    uar   // keep the best\n  stage s { train c }",
    );
    const r = compile(text);
    if (!r.ast) throw new Error("does not parse");
    const once = formatSpec(r.ast, r.comments, r.file.text);
    expect(once).toContain("  best_epoch uar // keep the best\n");
    const again = compile(once);
    if (!again.ast) throw new Error("formatted text does not parse");
    expect(formatSpec(again.ast, again.comments, again.file.text)).toBe(once);
    expect(again.ir).toEqual(r.ir);
  });

  it("pnnc diff says in words how the kept epoch changed", () => {
    const a = irOf(spec("  early_stopping uar patience 30\n  stage s { train c }"));
    const b = irOf(spec("  best_epoch uar\n  stage s { train c }"));
    const c = irOf(spec("  stage s { train c }"));
    expect(semanticDiff(a, b).changes.map((x) => x.message)).toEqual([
      "stage s: `early_stopping uar patience 30` → `best_epoch uar`",
    ]);
    expect(semanticDiff(b, c).changes.map((x) => x.message)).toEqual([
      "stage s: `best_epoch uar` → the last epoch (no `early_stopping` or `best_epoch`)",
    ]);
  });
});

describe("bad input around the epoch budget", () => {
  it("PNN3028: best_epoch and early_stopping in one scope, at the later one", () => {
    for (const [first, second] of [
      ["best_epoch uar", "early_stopping uar patience 5"],
      ["early_stopping loss", "best_epoch accuracy"],
    ] as const) {
      const text = spec(`  stage s {\n    train c\n    ${first}\n    ${second}\n  }`);
      const { d, at, line } = only(text);
      expect(d.code).toBe("PNN3028");
      expect(d.severity).toBe("error");
      expect(line).toBe(lineOf(text, second));
      expect(second.startsWith(at)).toBe(true);
      expect(d.labels?.[0]?.span.line).toBe(lineOf(text, first));
      expect(d.hint).toMatch(/keep one/);
    }
  });

  it("PNN3028 is not raised across scopes: a stage overrides the block", () => {
    expect(
      compile(spec("  early_stopping uar\n  stage s { train c best_epoch uar }")).diagnostics,
    ).toEqual([]);
  });

  it("an unknown best_epoch metric is PNN2003 with a suggestion", () => {
    const { d, at } = only(spec("  best_epoch uat\n  stage s { train c }"));
    expect(d.code).toBe("PNN2003");
    expect(at).toBe("uat");
    expect(d.suggestions).toEqual(["uar"]);
  });

  it("options after best_epoch are a syntax error: it has no patience", () => {
    const r = compile(spec("  best_epoch uar patience 5\n  stage s { train c }"));
    expect(r.diagnostics[0]?.code).toMatch(/^PNN1/);
  });

  it("epochs 0: PNN2002 at the value, with a hint", () => {
    const text = spec("  epochs 0\n  stage s { train c }");
    const { d, at, line } = only(text);
    expect(d.code).toBe("PNN2002");
    expect(at).toBe("0");
    expect(line).toBe(lineOf(text, "epochs 0"));
    expect(d.hint).toMatch(/0 epochs trains nothing/);
  });

  it("PNN3029: a patience of `epochs` − 1 or more warns once, at the patience, labelling the budget", () => {
    const text = spec(
      "  epochs 20\n  early_stopping uar patience 20\n  stage a { train c }\n  stage b { train c }",
    ).replace("stage b { train c }", "");
    const { d, at, line } = only(text);
    expect(d.code).toBe("PNN3029");
    expect(d.severity).toBe("warning");
    expect(at).toBe("20");
    expect(line).toBe(lineOf(text, "patience 20"));
    expect(d.labels?.[0]?.span.line).toBe(lineOf(text, "epochs 20"));
    expect(d.hint).toContain("best_epoch uar");
    // The default patience (10) against a stage's own small budget.
    const small = spec("  early_stopping loss\n  stage s { train c epochs 10 }");
    expect(only(small).d.code).toBe("PNN3029");
    // One below the budget could only stop on the last epoch, which ends training anyway.
    expect(
      only(spec("  epochs 20\n  early_stopping uar patience 19\n  stage s { train c }")).d.code,
    ).toBe("PNN3029");
    // Two below can stop one epoch early: no warning.
    expect(
      compile(spec("  epochs 20\n  early_stopping uar patience 18\n  stage s { train c }"))
        .diagnostics,
    ).toEqual([]);
  });

  it("PNN3030: best_epoch with `validation 0` has no fold to score epochs on", () => {
    const text = spec("  best_epoch uar\n  stage s { train c }", "validation 0");
    const { d, at } = only(text);
    expect(d.code).toBe("PNN3030");
    expect(at).toBe("best_epoch uar");
    expect(d.labels?.[0]?.span.line).toBe(lineOf(text, "validation 0"));
  });

  it("PNN3025 still covers early_stopping with `validation 0`, hinting the version's spelling", () => {
    const { d } = only(spec("  early_stopping uar\n  stage s { train c }", "validation 0"));
    expect(d.code).toBe("PNN3025");
    expect(d.hint).toBe("set `validation 1`, or `early_stopping off`");
  });
});
