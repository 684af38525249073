/**
 * Dataset derivations from text to IR (issue 16): `fields`, `derive`, `join` and `preset` parse,
 * lower in statement order with located spans, presets expand to their corpora's conventions, each
 * new diagnostic (PNN3031–PNN3035) is reported where the mistake is, and `fmt` round-trips them.
 * In: small inline specs. Out: pass, or the IR or diagnostic that differs.
 */
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import { formatSpec } from "../src/format/format.js";
import { namedGroups } from "../src/ir/lower-derive.js";
import { presets, presetStatements } from "../src/ir/presets.js";
import type { DatasetIr, DerivationIr } from "../src/ir/types.js";
import { compileFile } from "./helpers.js";

/** A whole spec around dataset statements; the task's label may name a derived column. */
function spec(statements: string, label = "emotion"): string {
  return `pnn 2 t

dataset d {
  file "t.csv"
  features numeric except [file, actor, speaker, emotion, gender]
  group actor
${statements}
}

task emotion {
  data d
  label ${label}
}

column c {
  task emotion
  layers {
    dense 8 relu
  }
}

training {
  epochs 2
  stage s {
    train c
  }
}
`;
}

function compile(statements: string, label?: string) {
  return compileSpec("t.pnn", spec(statements, label));
}

function derive(statements: string): DerivationIr[] | undefined {
  const r = compile(statements);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return (r.ir?.datasets[0] as DatasetIr | undefined)?.derive;
}

/** The errors of a spec, each as code, 1-based line:column of its start, and the text it covers. */
function errors(statements: string): { code: string; at: string; text: string }[] {
  const r = compile(statements);
  return r.diagnostics
    .filter((d: Diagnostic) => d.severity === "error")
    .map((d) => ({
      code: d.code,
      at: `${d.span.line}:${d.span.column}`,
      text: r.file.text.slice(d.span.start, d.span.end),
    }));
}

/** Line 7 is the first statement line of `spec`. */
const FIRST = 7;

describe("parsing and lowering", () => {
  it("lowers a template to its placeholders in order", () => {
    expect(derive(`  fields file "{speaker}-{emotion}_{take}.wav"`)).toEqual([
      {
        kind: "fields",
        column: "file",
        pattern: { kind: "template", source: "{speaker}-{emotion}_{take}.wav" },
        fields: ["speaker", "emotion", "take"],
      },
    ]);
  });

  it("lowers a regex to its named groups in order, backslashes written `\\\\`", () => {
    const source = String.raw`^(?<actor>\d+)_(?<sentence>[A-Z]+)_(?<emotion>[A-Z]+)`;
    expect(derive(`  fields path regex "${source.replace(/\\/g, "\\\\")}"`)).toEqual([
      {
        kind: "fields",
        column: "path",
        pattern: { kind: "regex", source },
        fields: ["actor", "sentence", "emotion"],
      },
    ]);
  });

  it("finds named groups, not lookbehinds, escaped parentheses or character classes", () => {
    const groups = namedGroups(String.raw`(?<=x)\(?<no>[(?<no2>]+(?<yes>a)(?<!b)(?:c)(?<also>d)`);
    expect(groups.map((g) => g.name)).toEqual(["yes", "also"]);
  });

  it("lowers code tables, parity and joins in statement order", () => {
    expect(
      derive(`  fields file "{actor}_{emotion_code}.wav"
  derive emotion from emotion_code ["01" -> neutral, 02 -> calm]
  derive emotion_one from emotion_code "01" -> neutral
  derive gender from actor parity [odd -> male, even -> female]
  join "meta.csv" on actor
  join "meta.arff" on actor = ActorID take [age, "Sex"]
  join "meta.txt" format csv on actor = ActorID take height`),
    ).toEqual([
      {
        kind: "fields",
        column: "file",
        pattern: { kind: "template", source: "{actor}_{emotion_code}.wav" },
        fields: ["actor", "emotion_code"],
      },
      {
        kind: "map",
        name: "emotion",
        from: "emotion_code",
        parity: false,
        map: [
          { from: "01", to: "neutral" },
          { from: "02", to: "calm" },
        ],
      },
      {
        kind: "map",
        name: "emotion_one",
        from: "emotion_code",
        parity: false,
        map: [{ from: "01", to: "neutral" }],
      },
      {
        kind: "map",
        name: "gender",
        from: "actor",
        parity: true,
        map: [
          { from: "odd", to: "male" },
          { from: "even", to: "female" },
        ],
      },
      { kind: "join", file: "meta.csv", format: "csv", on: "actor", key: "actor", take: null },
      {
        kind: "join",
        file: "meta.arff",
        format: "arff",
        on: "actor",
        key: "ActorID",
        take: ["age", "Sex"],
      },
      {
        kind: "join",
        file: "meta.txt",
        format: "csv",
        on: "actor",
        key: "ActorID",
        take: ["height"],
      },
    ]);
  });

  it("locates each IR path of a derivation", () => {
    const r = compile(`  fields file "{actor}_{emotion_code}.wav"
  join "meta.csv" on actor = ActorID take [age, sex]`);
    const at = (path: string) => {
      const range = r.spans?.get(`/datasets/0/derive/${path}`);
      return range ? r.file.text.slice(range.start, range.end) : undefined;
    };
    expect(at("0/column")).toBe("file");
    expect(at("0/fields/1")).toBe("{emotion_code}");
    expect(at("0/pattern/source")).toBe('"{actor}_{emotion_code}.wav"');
    expect(at("1")).toBe('join "meta.csv" on actor = ActorID take [age, sex]');
    expect(at("1/key")).toBe("ActorID");
    expect(at("1/take/1")).toBe("sex");
  });

  it("accepts a task label, the group and an `exclude` that name derived columns", () => {
    const r = compileSpec(
      "t.pnn",
      spec(`  fields file "{actor}_{emotion_code}.wav"
  derive emotion from emotion_code ["01" -> neutral, "02" -> calm]
  exclude where emotion in [calm]`),
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual([]);
    expect(r.ir?.tasks[0]?.label).toBe("emotion");
    expect(r.ir?.datasets[0]?.group).toBe("actor");
  });

  it("leaves `derive` out of the IR of a spec without derivations", () => {
    for (const path of ["specs/paper/emotion-dnn.pnn", "specs/quick-prognet.pnn"]) {
      const r = compileFile(path);
      expect(r.ir).not.toBeNull();
      for (const dataset of r.ir?.datasets ?? [])
        expect(Object.keys(dataset)).not.toContain("derive");
    }
  });

  it("reserves the new keywords: a column that spells one is written as a string", () => {
    expect(errors(`  fields on "{a}_{b}"`).map((e) => e.code)).toEqual(["PNN1005"]);
    expect(derive(`  fields "on" "{a}_{b}"`)?.[0]).toMatchObject({ column: "on" });
  });
});

describe("presets", () => {
  it("each preset parses and has a one-line description", () => {
    for (const [name, p] of Object.entries(presets)) {
      expect(presetStatements(name)?.length).toBeGreaterThan(0);
      expect(p.about).not.toContain("\n");
    }
    expect(Object.keys(presets).sort()).toEqual(["cremad", "emodb", "ravdess", "savee"]);
  });

  it("ravdess on `file` reads the seven two-digit codes and decodes them", () => {
    const d = derive("  preset ravdess on file") ?? [];
    expect(d[0]).toEqual({
      kind: "fields",
      column: "file",
      pattern: {
        kind: "template",
        source:
          "{modality_code}-{vocal_channel_code}-{emotion_code}-{intensity_code}-{statement_code}-{repetition}-{actor}",
      },
      fields: [
        "modality_code",
        "vocal_channel_code",
        "emotion_code",
        "intensity_code",
        "statement_code",
        "repetition",
        "actor",
      ],
    });
    const maps = d.filter((x) => x.kind === "map");
    expect(maps.map((m) => [m.name, m.from])).toEqual([
      ["modality", "modality_code"],
      ["vocal_channel", "vocal_channel_code"],
      ["emotion", "emotion_code"],
      ["intensity", "intensity_code"],
      ["statement", "statement_code"],
      ["gender", "actor"],
    ]);
    const emotion = maps.find((m) => m.name === "emotion");
    expect(emotion?.map.map((e) => `${e.from}:${e.to}`)).toEqual([
      "01:neutral",
      "02:calm",
      "03:happy",
      "04:sad",
      "05:angry",
      "06:fearful",
      "07:disgust",
      "08:surprised",
    ]);
    expect(maps.find((m) => m.name === "gender")).toMatchObject({
      parity: true,
      map: [
        { from: "odd", to: "male" },
        { from: "even", to: "female" },
      ],
    });
  });

  it("cremad decodes emotion and level, and leaves gender to a join", () => {
    const d = derive(`  preset cremad on path
  join "VideoDemographics.csv" on actor = ActorID take Sex`);
    expect(d?.[0]).toMatchObject({
      column: "path",
      pattern: {
        kind: "template",
        source: "{actor}_{sentence}_{emotion_code}_{intensity_code}",
      },
      fields: ["actor", "sentence", "emotion_code", "intensity_code"],
    });
    const names = d?.map((x) => (x.kind === "map" ? x.name : x.kind));
    expect(names).toEqual(["fields", "emotion", "intensity", "join"]);
    const emotion = d?.find((x) => x.kind === "map" && x.name === "emotion");
    expect(emotion?.kind === "map" && emotion.map.map((e) => e.to)).toEqual([
      "angry",
      "disgust",
      "fearful",
      "happy",
      "neutral",
      "sad",
    ]);
  });

  it("emodb and savee read fixed-width names with a regex that matches real file names", () => {
    const emodb = derive("  preset emodb on file") ?? [];
    const fields = emodb[0];
    if (fields?.kind !== "fields") throw new Error("no fields");
    expect(fields.fields).toEqual(["speaker", "text", "emotion_code", "version"]);
    expect(new RegExp(fields.pattern.source).exec("03a01Fa.wav")?.groups).toEqual({
      speaker: "03",
      text: "a01",
      emotion_code: "F",
      version: "a",
    });
    const gender = emodb.find((x) => x.kind === "map" && x.name === "gender");
    expect(
      gender?.kind === "map" && gender.map.filter((m) => m.to === "male").map((m) => m.from),
    ).toEqual(["03", "10", "11", "12", "15"]);
    const savee = derive("  preset savee on file") ?? [];
    const sf = savee[0];
    if (sf?.kind !== "fields") throw new Error("no fields");
    const re = new RegExp(sf.pattern.source);
    expect(re.exec("DC_sa01.wav")?.groups).toEqual({
      speaker: "DC",
      emotion_code: "sa",
      number: "01",
    });
    expect(re.exec("KL_a15.wav")?.groups).toEqual({
      speaker: "KL",
      emotion_code: "a",
      number: "15",
    });
  });

  it("locates a preset's derivations at the `preset` statement and its column at the column", () => {
    const r = compile("  preset ravdess on file");
    const at = (path: string) => {
      const range = r.spans?.get(`/datasets/0/derive/${path}`);
      return range ? r.file.text.slice(range.start, range.end) : undefined;
    };
    expect(at("0/column")).toBe("file");
    expect(at("3/map/2")).toBe("preset ravdess on file");
  });

  it("PNN3035: an unknown preset names the known ones", () => {
    const r = compile("  preset ravdes on file");
    expect(errors("  preset ravdes on file")).toEqual([
      { code: "PNN3035", at: `${FIRST}:10`, text: "ravdes" },
    ]);
    expect(r.diagnostics[0]?.hint).toContain("`ravdess`");
    expect(compile("  preset timit on file").diagnostics[0]?.hint).toBe(
      "the presets are `ravdess`, `cremad`, `emodb`, `savee`; write `fields` and `derive` for another corpus",
    );
  });
});

describe("diagnostics", () => {
  it("PNN3031: a column derived by two statements, at the later one", () => {
    expect(
      errors(`  fields file "{actor}_{emotion}.wav"
  derive emotion from actor ["01" -> a]`),
    ).toEqual([{ code: "PNN3031", at: `${FIRST + 1}:10`, text: "emotion" }]);
  });

  it("PNN3031: a preset's column repeated by the user, and a joined column", () => {
    expect(
      errors(`  preset ravdess on file
  join "m.csv" on actor take [age, gender]`),
    ).toEqual([{ code: "PNN3031", at: `${FIRST + 1}:36`, text: "gender" }]);
  });

  it("PNN3031: a placeholder or a `take` column repeated in one statement", () => {
    expect(errors(`  fields file "{a}_{b}_{a}"`)).toEqual([
      { code: "PNN3031", at: `${FIRST}:24`, text: "{a}" },
    ]);
    expect(errors(`  join "m.csv" on actor take [age, age]`)).toEqual([
      { code: "PNN3031", at: `${FIRST}:36`, text: "age" },
    ]);
  });

  it("PNN3032: a template without placeholders, with a non-name one, or with two adjacent", () => {
    expect(errors(`  fields file "plain.wav"`)).toEqual([
      { code: "PNN3032", at: `${FIRST}:15`, text: '"plain.wav"' },
    ]);
    expect(errors(`  fields file "{a}_{my-name}_{}"`)).toEqual([
      { code: "PNN3032", at: `${FIRST}:20`, text: "{my-name}" },
      { code: "PNN3032", at: `${FIRST}:30`, text: "{}" },
    ]);
    expect(errors(`  fields file "x_{a}{b}.wav"`)).toEqual([
      { code: "PNN3032", at: `${FIRST}:18`, text: "{a}{b}" },
    ]);
  });

  it("PNN3032: a placeholder is located past escapes in the string", () => {
    expect(errors(`  fields file "\\\\\\"{a}{b}"`)).toEqual([
      { code: "PNN3032", at: `${FIRST}:20`, text: "{a}{b}" },
    ]);
  });

  it("PNN3033: a regex that does not compile, or has no named group", () => {
    expect(errors(`  fields file regex "(?<a>x"`)).toEqual([
      { code: "PNN3033", at: `${FIRST}:21`, text: '"(?<a>x"' },
    ]);
    expect(compile(`  fields file regex "(?<a>x"`).diagnostics[0]?.message).toMatch(
      /^the regex does not compile: /,
    );
    expect(errors(`  fields file regex "([0-9]+)_(?<=x)"`)).toEqual([
      { code: "PNN3033", at: `${FIRST}:21`, text: '"([0-9]+)_(?<=x)"' },
    ]);
  });

  it("PNN3034: parity keys other than odd and even, a missing one, and a repeated code", () => {
    expect(errors(`  derive g from actor parity [odd -> male, 2 -> female]`)).toEqual([
      { code: "PNN3034", at: `${FIRST}:30`, text: "[odd -> male, 2 -> female]" },
      { code: "PNN3034", at: `${FIRST}:44`, text: "2" },
    ]);
    expect(errors(`  derive g from actor [a -> x, b -> y, a -> z]`)).toEqual([
      { code: "PNN3034", at: `${FIRST}:40`, text: "a" },
    ]);
  });

  it("a keyword missing from a statement is a syntax error", () => {
    expect(errors(`  derive g actor [a -> x]`).map((e) => e.code)).toEqual(["PNN1004"]);
    expect(errors(`  join "m.csv" actor`).map((e) => e.code)).toEqual(["PNN1004"]);
  });
});

describe("fmt", () => {
  it("round-trips every statement form and keeps the IR", () => {
    const statements = `  fields file "{actor}_{emotion_code}.wav"
  fields path regex "^(?<x>[0-9]+)"
  derive emotion from emotion_code ["01" -> neutral, "02" -> calm]
  derive gender from actor parity [odd -> male, even -> female]
  join "meta.csv" format csv on actor = ActorID take [age, sex]
  join "m.csv" on actor
  preset savee on other`;
    const text = spec(statements);
    const r = compileSpec("t.pnn", text);
    if (!r.ast) throw new Error("does not parse");
    const out = formatSpec(r.ast, r.comments, r.file.text);
    expect(out).toBe(text);
    expect(compileSpec("t.pnn", out).ir).toEqual(r.ir);
  });
});
