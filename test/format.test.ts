/**
 * `pnnc fmt`: canonical, idempotent and comment-preserving; parsing the output gives the same AST
 * (ranges aside) and the same IR, over every example spec and over deliberately messy input.
 */
import { describe, expect, it } from "vitest";
import { compileSpec } from "../src/compile.js";
import { formatSpec } from "../src/format/format.js";
import { compileFile, exampleSpecs, read, shape } from "./helpers.js";

function fmt(text: string): string {
  const r = compileSpec("x.pnn", text);
  if (!r.ast) throw new Error(`does not parse: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return formatSpec(r.ast, r.comments, r.file.text);
}

const messy = `// header comment
pnn   1    messy   // trailing on header
dataset d{file "a.csv"   features numeric except[speaker,emotion,]
  group speaker /* inline block */ }


task emotion { data d label emotion classes [ happy , sad ] merge [calm->sad, excited -> happy] }
column c { task emotion layers { repeat 2 { dense 8 relu dense 4 tanh dropout 0.1 } dense 2 relu }
  // a lateral-free column
}
training { stage s { train c } }
/* closing
   block comment */
`;

describe("fmt", () => {
  for (const spec of exampleSpecs) {
    it(`${spec} is already canonical`, () => {
      expect(fmt(read(spec))).toBe(read(spec));
    });
  }

  it("is idempotent on messy input", () => {
    const once = fmt(messy);
    expect(fmt(once)).toBe(once);
  });

  it("keeps every comment, in order", () => {
    const out = fmt(messy);
    const comments = (t: string) => compileSpec("x.pnn", t).comments.map((c) => c.text);
    expect(comments(out)).toEqual(comments(messy));
  });

  it("keeps the AST (ranges aside) and the IR", () => {
    const before = compileSpec("x.pnn", messy);
    const after = compileSpec("x.pnn", fmt(messy));
    expect(shape(after.ast)).toEqual(shape(before.ast));
    expect(after.ir).toEqual(before.ir);
    expect(after.ir).not.toBeNull();
  });

  it("prints the canonical layout", () => {
    expect(fmt(messy)).toBe(`// header comment
pnn 1 messy // trailing on header

dataset d {
  file "a.csv"
  features numeric except [speaker, emotion]
  group speaker /* inline block */
}

task emotion {
  data d
  label emotion
  classes [happy, sad]
  merge [calm -> sad, excited -> happy]
}

column c {
  task emotion
  layers {
    repeat 2 {
      dense 8 relu
      dense 4 tanh dropout 0.1
    }
    dense 2 relu
  }
  // a lateral-free column
}

training {
  stage s {
    train c
  }
}
/* closing
   block comment */
`);
  });

  it("breaks long lists one item per line and keeps comments inside lists", () => {
    const names = Array.from({ length: 20 }, (_, i) => `feature_number_${i}`);
    const text = `pnn 1 x\ndataset d {\n  file "a.csv"\n  features [${names.join(", ")}]\n}\n`;
    const out = fmt(text);
    expect(out).toContain("  features [\n    feature_number_0,\n");
    expect(fmt(out)).toBe(out);
    const commented = `pnn 1 x\n\ndataset d {\n  file "a.csv"\n  features [\n    a, // first\n    // before b\n    b\n  ]\n}\n`;
    expect(fmt(commented)).toBe(commented);
  });

  it("preserves at most one blank line inside blocks", () => {
    const text = "pnn 1 x\n\ntraining {\n  batch 8\n\n\n\n  epochs 3\n  seed 1\n}\n";
    expect(fmt(text)).toBe("pnn 1 x\n\ntraining {\n  batch 8\n\n  epochs 3\n  seed 1\n}\n");
  });

  it("comments do not change the IR", () => {
    const plain = compileFile("specs/paper/speaker-prognet.pnn");
    const text = read("specs/paper/speaker-prognet.pnn").replace(/\n/g, " // noise\n");
    expect(compileSpec("x.pnn", text).ir).toEqual(plain.ir);
  });

  it("prints dataset derivations canonically, keeping comments, and round-trips them", () => {
    const text = `pnn 2 x
dataset d { file "a.csv"
  fields   file   "{actor}_{emotion_code}.wav" // the file names
  fields path regex "^(?<a>[0-9]+)"
  derive emotion from emotion_code [ ANG->angry , "01"  ->  happy, ]
  derive gender from actor parity[odd->male,even->female]
  derive long from emotion_code [aaaaaaaaaa -> bbbbbbbbbb, cccccccccc -> dddddddddd, eeeeeeeeee -> ffffffffff, gggggggggg -> h]
  /* the metadata */ join "meta.csv" format csv on actor = ActorID take [ age ,Sex ]
  join "m.arff" on actor
  preset   ravdess   on   file
}
`;
    const out = fmt(text);
    expect(out).toBe(`pnn 2 x

dataset d {
  file "a.csv"
  fields file "{actor}_{emotion_code}.wav" // the file names
  fields path regex "^(?<a>[0-9]+)"
  derive emotion from emotion_code [ANG -> angry, "01" -> happy]
  derive gender from actor parity [odd -> male, even -> female]
  derive long from emotion_code [
    aaaaaaaaaa -> bbbbbbbbbb,
    cccccccccc -> dddddddddd,
    eeeeeeeeee -> ffffffffff,
    gggggggggg -> h
  ]
  /* the metadata */
  join "meta.csv" format csv on actor = ActorID take [age, Sex]
  join "m.arff" on actor
  preset ravdess on file
}
`);
    expect(fmt(out)).toBe(out);
    const ast = (t: string) =>
      JSON.parse(
        JSON.stringify(compileSpec("x.pnn", t).ast, (k, v: unknown) =>
          /range$/i.test(k) ? undefined : v,
        ),
      ) as unknown;
    expect(ast(out)).toEqual(ast(text));
    const commented = `pnn 2 x\n\ndataset d {\n  derive e from c [\n    a -> b, // first\n    // before c\n    c -> d\n  ]\n}\n`;
    expect(fmt(commented)).toBe(commented);
  });
});
