/**
 * Semantic rules found in review, each on a small inline spec: what must be rejected (with its code)
 * and what must be accepted. The fixtures in test/fixtures/invalid/ cover one case per code; these
 * cover the further ways to reach the same codes.
 */
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";

const head = `pnn 1 t
dataset d {
  file "t.csv"
  features numeric except [speaker, emotion]
  group speaker
}
task speaker {
  data d
  label speaker
}
task emotion {
  data d
  label emotion
}
column src {
  task speaker
  layers { repeat 2 { dense 8 relu } }
}
`;

const codes = (text: string) => compileSpec("t.pnn", text).diagnostics.map((d) => d.code);

function spec(column: string, stages: string, extra = ""): string {
  return `${head}column dst {\n  task emotion\n  layers { repeat 2 { dense 8 relu } }\n${column}\n}\ntraining {\n${stages}\n}\n${extra}`;
}

const twoStages = (second: string) => `stage one { train src }\nstage two { train dst ${second} }`;

describe("semantic rules", () => {
  it("accepts the plain ProgNet", () => {
    expect(codes(spec("lateral from src into all", twoStages("freeze src")))).toEqual([]);
  });

  it("rejects freezing the fresh head of an `init from` column", () => {
    expect(codes(spec("init from src", twoStages("freeze dst.head")))).toEqual(["PNN3012"]);
  });

  it("rejects chained or circular merges", () => {
    const text = spec("", twoStages("")).replace(
      "label emotion\n",
      "label emotion\n  merge [calm -> neutral, neutral -> sad]\n",
    );
    expect(codes(text)).toContain("PNN3017");
  });

  it("rejects per-group normalisation without a group column", () => {
    const text = spec("", twoStages("")).replace("  group speaker\n", "  normalize per_group\n");
    expect(codes(text)).toContain("PNN3018");
  });

  it("rejects the same lateral link written twice", () => {
    const text = spec(
      "lateral from src into all\n  lateral from src into h2",
      twoStages("freeze src"),
    );
    expect(codes(text)).toEqual(["PNN3002"]);
  });

  it("rejects a repeated frozen column", () => {
    expect(codes(spec("lateral from src into all", twoStages("freeze [src, src]")))).toEqual([
      "PNN2004",
    ]);
  });

  it("rejects momentum with Adam", () => {
    expect(codes(spec("", `momentum 0.9\n${twoStages("")}`))).toEqual(["PNN3003"]);
  });

  it("rejects comparing columns trained on different train_folds", () => {
    const text = spec(
      "",
      `stage one { train src train_folds 2 }\nstage two { train dst }`,
      "evaluation {\n  compare [src, dst]\n}\n",
    );
    expect(codes(text)).toContain("PNN3020");
  });

  it("treats `except` lists as sets when comparing datasets' features", () => {
    const other = `dataset e {\n  file "t.csv"\n  features numeric except [emotion, speaker]\n  group speaker\n}\ntask emotion_e {\n  data e\n  label emotion\n}\n`;
    const text = spec("lateral from src into all", twoStages("freeze src")).replace(
      "column dst {\n  task emotion\n",
      `${other}column dst {\n  task emotion_e\n`,
    );
    expect(codes(text)).toEqual([]);
    expect(codes(text.replace("except [emotion, speaker]", "except [emotion]"))).toContain(
      "PNN3016",
    );
  });

  it("reports an unsupported language version instead of the syntax errors it causes", () => {
    expect(codes("pnn 3 t\ncolumn c { brand_new_syntax 3 }\n")).toEqual(["PNN3021"]);
  });

  it("reports a missing `}` at the next declaration, labelling the open block", () => {
    const result = compileSpec(
      "t.pnn",
      "pnn 1 t\ncolumn c {\n  task x\n\ncolumn d {\n  task x\n}\n",
    );
    const d = result.diagnostics[0];
    expect(d?.code).toBe("PNN1004");
    expect(d?.message).toBe("expected `}` before `column`");
    expect(d?.labels?.[0]?.span.line).toBe(2);
  });

  it("suggests option keywords for misspelt options", () => {
    const result = compileSpec("t.pnn", "pnn 1 t\ntraining {\n  early_stop uar min_dleta 0.1\n}\n");
    expect(result.diagnostics[0]?.suggestions).toEqual(["min_delta"]);
  });

  it("reports a bad value inherited by every stage once", () => {
    const text = spec("", `learning_rate 0\n${twoStages("")}`);
    expect(codes(text)).toEqual(["PNN2002"]);
  });
});
