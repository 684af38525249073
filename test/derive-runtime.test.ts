/**
 * The derivation engine both loaders share (src/runtime/derive.ts): fields of file names by
 * template and regex on POSIX and Windows paths, code maps and parity, joins, and each problem
 * located at its rows' lines, with counts.
 */
import { describe, expect, it } from "vitest";
import {
  applyDerivations,
  derivedNames,
  fileNameOf,
  sourceColumns,
  templateKeepsExtension,
  templateRegex,
  type DerivationSpec,
  type TextTable,
} from "../src/runtime/derive.js";

const RAVDESS = "{modality}-{channel}-{emotion_code}-{intensity}-{statement}-{repetition}-{actor}";

function run(
  derive: DerivationSpec[],
  columns: Record<string, string[]>,
  joined: TextTable = { header: [], rows: [], lines: [] },
) {
  const map = new Map(Object.entries(columns));
  const rows = Object.values(columns)[0]?.length ?? 0;
  const lines = Array.from({ length: rows }, (_, k) => k + 2);
  return applyDerivations(derive, map, Object.keys(columns), lines, "t.csv", () => joined);
}

const fields = (source: string, names: string[], kind: "template" | "regex" = "template") =>
  ({ kind: "fields", column: "file", pattern: { kind, source }, fields: names }) as const;

describe("file-name fields", () => {
  it("takes the file name after the last / or \\", () => {
    expect(fileNameOf("Actor_01/03-01-05.wav")).toBe("03-01-05.wav");
    expect(fileNameOf("G:\\CREMA-D\\AudioWAV\\1001_DFA_ANG_XX.wav")).toBe("1001_DFA_ANG_XX.wav");
    expect(fileNameOf("plain.wav")).toBe("plain.wav");
  });

  it("reads RAVDESS fields from POSIX paths, the extension dropped when the template has none", () => {
    const names = [
      "modality",
      "channel",
      "emotion_code",
      "intensity",
      "statement",
      "repetition",
      "actor",
    ];
    const out = run([fields(RAVDESS, names)], {
      file: ["Actor_12/03-01-06-01-02-01-12.wav", "/data/Actor_01/03-02-01-01-01-02-01.wav"],
    });
    expect(out).toBeInstanceOf(Map);
    const m = out as Map<string, string[]>;
    expect(m.get("emotion_code")).toEqual(["06", "01"]);
    expect(m.get("actor")).toEqual(["12", "01"]);
    expect(m.get("channel")).toEqual(["01", "02"]);
  });

  it("reads CREMA-D fields from Windows paths; a template with `.` matches the extension too", () => {
    const out = run(
      [
        fields("{actor}_{sentence}_{emotion}_{level}.wav", [
          "actor",
          "sentence",
          "emotion",
          "level",
        ]),
      ],
      {
        file: ["G:\\CREMA-D\\AudioWAV\\1001_DFA_ANG_XX.wav", "C:\\x\\1091_IEO_HAP_HI.wav"],
      },
    ) as Map<string, string[]>;
    expect(out.get("actor")).toEqual(["1001", "1091"]);
    expect(out.get("level")).toEqual(["XX", "HI"]);
  });

  it("escapes the template's literal text: a `.` or `(` is itself, not a pattern", () => {
    expect(templateRegex("{a}.{b}").test("x.y")).toBe(true);
    expect(templateRegex("{a}.{b}").test("xzy")).toBe(false);
    expect(templateRegex("({a})").test("(q)")).toBe(true);
  });

  it("cuts the extension unless the template's last literal has a `.`, and trims fields", () => {
    const out = run([fields("{a}.{b}", ["a", "b"])], {
      file: ["x/spk1.take2.wav", "x/ spk2 .take3.WAV"],
    }) as Map<string, string[]>;
    expect(out.get("b")).toEqual(["take2", "take3"]);
    expect(out.get("a")).toEqual(["spk1", "spk2"]);
    expect(templateKeepsExtension("{a}_{b}.wav")).toBe(true);
    expect(templateKeepsExtension("{a}.{b}")).toBe(false);
  });

  it("is a problem, not an empty column, when the source column is missing", () => {
    const out = run([fields("{a}_{b}", ["a", "b"])], { path: ["x_y.wav"] });
    expect(out).toMatchObject({ kind: "source", index: 0 });
    expect((out as { message: string }).message).toContain("`file` is not a column of `t.csv`");
  });

  it("reads named groups of a regex, on the file name", () => {
    const out = run(
      [
        fields(
          "^(?<speaker>\\d\\d)(?<text>[ab]\\d\\d)(?<code>[WLEAFTN])",
          ["speaker", "text", "code"],
          "regex",
        ),
      ],
      {
        file: ["wav/03a01Fa.wav", "wav/16b10Wb.wav"],
      },
    ) as Map<string, string[]>;
    expect(out.get("speaker")).toEqual(["03", "16"]);
    expect(out.get("code")).toEqual(["F", "W"]);
  });

  it("names the rows whose file name does not match, with lines and a count", () => {
    const out = run([fields(RAVDESS, ["m", "c", "e", "i", "s", "r", "a"])], {
      file: ["03-01-06-01-02-01-12.wav", "readme.txt", "x/03-01.wav", "a", "b", "c"],
    });
    expect(out).toMatchObject({ index: 0, kind: "pattern" });
    const message = (out as { message: string }).message;
    expect(message).toContain("5 rows");
    expect(message).toContain("line 3 `readme.txt`");
    expect(message).toContain("line 4 `03-01.wav`");
    expect(message).toContain("and 2 more");
  });
});

describe("derive … from … (code maps)", () => {
  const emotion = {
    kind: "map",
    name: "emotion",
    from: "code",
    parity: false,
    map: [
      { from: "01", to: "neutral" },
      { from: "05", to: "angry" },
    ],
  } as const;

  it("maps codes to names, trimming the values", () => {
    const out = run([emotion], { code: ["01", " 05", "05"] }) as Map<string, string[]>;
    expect(out.get("emotion")).toEqual(["neutral", "angry", "angry"]);
  });

  it("lists the codes without a mapping and the rows holding them", () => {
    const out = run([emotion], { code: ["01", "09", "07", "09"] });
    expect(out).toMatchObject({ kind: "map", index: 0 });
    const message = (out as { message: string }).message;
    expect(message).toContain("3 rows");
    expect(message).toContain("`09`, `07`");
    expect(message).toContain("line 3 `09`");
  });

  it("maps whole numbers by parity, and refuses a value that is not one", () => {
    const gender = {
      kind: "map",
      name: "gender",
      from: "actor",
      parity: true,
      map: [
        { from: "odd", to: "male" },
        { from: "even", to: "female" },
      ],
    } as const;
    const out = run([gender], { actor: ["01", "12", "1001", "24"] }) as Map<string, string[]>;
    expect(out.get("gender")).toEqual(["male", "female", "male", "female"]);
    const bad = run([gender], { actor: ["01", "1a"] });
    expect(bad).toMatchObject({ kind: "map" });
    expect((bad as { message: string }).message).toContain("not a whole number");
  });

  it("chains: a map reads a field derived before it", () => {
    const out = run([fields("{actor}_{rest}", ["actor", "rest"]), { ...emotion, from: "actor" }], {
      file: ["01_x.wav", "05_y.wav"],
    }) as Map<string, string[]>;
    expect(out.get("emotion")).toEqual(["neutral", "angry"]);
    expect(
      sourceColumns([fields("{actor}_{rest}", ["actor", "rest"]), { ...emotion, from: "actor" }]),
    ).toEqual(["file"]);
  });
});

describe("join", () => {
  const demographics: TextTable = {
    header: ["ActorID", "Age", "Sex"],
    rows: [
      ["1001", "51", "Male"],
      ["1002", "21", "Female"],
    ],
    lines: [2, 3],
  };
  const join = (take: string[] | null = null) =>
    ({ kind: "join", file: "demo.csv", format: "csv", on: "actor", key: "ActorID", take }) as const;

  it("brings in every column but the key, or those taken", () => {
    const all = run([join()], { actor: ["1002", "1001", "1002"] }, demographics) as Map<
      string,
      string[]
    >;
    expect([...all.keys()]).toEqual(["Age", "Sex"]);
    expect(all.get("Sex")).toEqual(["Female", "Male", "Female"]);
    const some = run([join(["Sex"])], { actor: ["1001"] }, demographics) as Map<string, string[]>;
    expect([...some.keys()]).toEqual(["Sex"]);
    expect(derivedNames([join()], () => demographics.header)).toEqual([["Age", "Sex"]]);
  });

  it("names the rows whose key matches no row of the joined table", () => {
    const out = run([join()], { actor: ["1001", "1092", "1093"] }, demographics);
    expect(out).toMatchObject({ kind: "join" });
    expect((out as { message: string }).message).toContain("2 rows");
    expect((out as { message: string }).message).toContain("line 3 `1092`");
  });

  it("refuses a key that two rows of the joined table share, naming both lines", () => {
    const twice = {
      ...demographics,
      rows: [...demographics.rows, ["1001", "52", "Male"]],
      lines: [2, 3, 4],
    };
    const out = run([join()], { actor: ["1001"] }, twice);
    expect((out as { message: string }).message).toContain("lines 2 and 4");
  });

  it("ignores blank keys in the joined table (a spreadsheet's trailing empty rows)", () => {
    const trailing = {
      ...demographics,
      rows: [...demographics.rows, ["", "", ""], ["", "", ""]],
      lines: [2, 3, 4, 5],
    };
    const out = run([join()], { actor: ["1001"] }, trailing) as Map<string, string[]>;
    expect(out.get("Sex")).toEqual(["Male"]);
  });

  it("refuses a key or taken column the joined table lacks", () => {
    const noKey = run([{ ...join(), key: "Actor" }], { actor: ["1001"] }, demographics);
    expect((noKey as { message: string }).message).toContain(
      "`Actor` is not a column of `demo.csv`",
    );
    const noTake = run([join(["Gender"])], { actor: ["1001"] }, demographics);
    expect((noTake as { message: string }).message).toContain("`Gender` is not a column");
  });
});

describe("clashes", () => {
  it("never overwrites a column of the table or an earlier derivation", () => {
    const out = run([fields("{actor}_{emotion}", ["actor", "emotion"])], {
      file: ["01_x.wav"],
      emotion: ["angry"],
    });
    expect(out).toMatchObject({ kind: "clash", index: 0 });
    expect((out as { message: string }).message).toContain("`emotion` already exists in `t.csv`");
  });
});
