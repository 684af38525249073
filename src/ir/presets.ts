/**
 * The corpus presets of `preset NAME on COLUMN`: each corpus's file-name convention written as the
 * `.pnn` dataset statements a user would write by hand (fields, derive), kept as text so they read
 * like any spec. In: a preset name. Out: its statements as AST, located at the `preset` statement.
 */
import type * as A from "../syntax/ast.js";
import { SourceFile } from "../diagnostics/source-file.js";
import { parse } from "../syntax/parse.js";

export interface Preset {
  /** One line: the corpus, its citation and the file-name convention the text reads. */
  about: string;
  /** Dataset statements; `path` stands for the column named in `preset NAME on COLUMN`. */
  text: string;
}

/** The column name a preset's text reads its file names from; replaced by the user's column. */
export const PRESET_COLUMN = "path";

/*
 * Derived values share one vocabulary across corpora (angry, disgust, fearful, happy, neutral, sad,
 * surprised, plus RAVDESS's calm and EmoDB's bored, which the others lack), so that cross-corpus
 * specs can `merge` and compare classes without renaming them.
 * Raw codes keep a `_code` suffix, leaving the plain names to the decoded columns.
 */
export const presets: Readonly<Record<string, Preset>> = {
  ravdess: {
    about:
      "RAVDESS (Livingstone & Russo 2018, PLoS ONE 13(5): e0196391): MM-VC-EE-II-SS-RR-AA.wav, e.g. 03-01-06-01-02-01-12.wav; actors 01-24, odd male, even female; the template ignores the extension, so .wav, .WAV and the .mp4 video files all match (their modality tells them apart)",
    text: `
fields path "{modality_code}-{vocal_channel_code}-{emotion_code}-{intensity_code}-{statement_code}-{repetition}-{actor}"
derive modality from modality_code ["01" -> audio_video, "02" -> video_only, "03" -> audio_only]
derive vocal_channel from vocal_channel_code ["01" -> speech, "02" -> song]
derive emotion from emotion_code [
  "01" -> neutral,
  "02" -> calm,
  "03" -> happy,
  "04" -> sad,
  "05" -> angry,
  "06" -> fearful,
  "07" -> disgust,
  "08" -> surprised,
]
derive intensity from intensity_code ["01" -> normal, "02" -> strong]
derive statement from statement_code ["01" -> kids, "02" -> dogs]
derive gender from actor parity [odd -> male, even -> female]
`,
  },
  cremad: {
    about:
      "CREMA-D (Cao et al. 2014, IEEE Trans. Affective Computing 5(4)): AAAA_SSS_EEE_LL.wav, e.g. 1001_DFA_ANG_XX.wav; actors 1001-1091; gender is not in the file names but in VideoDemographics.csv (join it on `actor = ActorID`)",
    text: `
fields path "{actor}_{sentence}_{emotion_code}_{intensity_code}"
derive emotion from emotion_code [
  ANG -> angry,
  DIS -> disgust,
  FEA -> fearful,
  HAP -> happy,
  NEU -> neutral,
  SAD -> sad,
]
derive intensity from intensity_code [LO -> low, MD -> medium, HI -> high, XX -> unspecified]
`,
  },
  emodb: {
    about:
      "Berlin EmoDB (Burkhardt et al. 2005, Interspeech): SSTTTEV.wav, e.g. 03a01Fa.wav: speaker, text a01-b10, emotion letter (W anger, L boredom, E disgust, A fear, F happiness, T sadness, N neutral), version; speakers 03, 10, 11, 12, 15 male, 08, 09, 13, 14, 16 female",
    text: `
fields path regex "^(?<speaker>[0-9]{2})(?<text>[ab][0-9]{2})(?<emotion_code>[WLEAFTN])(?<version>[a-z])"
derive emotion from emotion_code [
  W -> angry,
  L -> bored,
  E -> disgust,
  A -> fearful,
  F -> happy,
  T -> sad,
  N -> neutral,
]
derive gender from speaker [
  "03" -> male,
  "08" -> female,
  "09" -> female,
  "10" -> male,
  "11" -> male,
  "12" -> male,
  "13" -> female,
  "14" -> female,
  "15" -> male,
  "16" -> female,
]
`,
  },
  savee: {
    about:
      "SAVEE (Haq & Jackson 2009, AVSP): SS_Enn.wav, e.g. DC_sa01.wav: speaker DC, JE, JK or KL (all male), emotion prefix (a anger, d disgust, f fear, h happiness, n neutral, sa sadness, su surprise), number; the original release keeps the speaker in a folder (DC/a01.wav), which this preset does not read",
    text: `
fields path regex "^(?<speaker>[A-Z]{2})_(?<emotion_code>sa|su|a|d|f|h|n)(?<number>[0-9]+)"
derive emotion from emotion_code [
  a -> angry,
  d -> disgust,
  f -> fearful,
  h -> happy,
  n -> neutral,
  sa -> sad,
  su -> surprised,
]
derive gender from speaker [DC -> male, JE -> male, JK -> male, KL -> male]
`,
  },
};

const parsed = new Map<string, A.Stmt[]>();

/** A preset's statements as parsed from its text, with the ranges of that text (cached). */
export function presetStatements(name: string): A.Stmt[] | undefined {
  const preset = Object.hasOwn(presets, name) ? presets[name] : undefined;
  if (!preset) return undefined;
  let stmts = parsed.get(name);
  if (!stmts) {
    // The parser reads any header version; the lowering of the user's spec holds it to its own.
    const file = new SourceFile(
      `preset ${name}`,
      `pnn 2 preset_${name}\ndataset preset_${name} {\n${preset.text}\n}\n`,
    );
    const result = parse(file);
    const decl = result.value.ast?.decls[0];
    if (!decl || result.diagnostics.length > 0) {
      const why = result.diagnostics.map((d) => d.message).join("; ");
      throw new Error(`internal: preset ${name} does not parse: ${why}`);
    }
    stmts = decl.body;
    parsed.set(name, stmts);
  }
  return stmts;
}

/**
 * The statements of `preset NAME on COLUMN` as if written in its place: every range is the
 * statement's own (a preset's text is not in the user's file), and the placeholder column `path`
 * becomes the user's column, located at it.
 */
export function expandPreset(stmt: A.Preset): A.Stmt[] | undefined {
  const stmts = presetStatements(String(stmt.name.value));
  if (!stmts) return undefined;
  const column = (lit: A.Literal): A.Literal =>
    lit.type === "name" && lit.value === PRESET_COLUMN ? stmt.column : lit;
  return stmts.map((s) => {
    const moved = relocate(s, stmt.range);
    if (moved.kind === "fields") return { ...moved, column: column(moved.column) };
    if (moved.kind === "derive") return { ...moved, from: column(moved.from) };
    if (moved.kind === "join") return { ...moved, on: column(moved.on) };
    return moved;
  });
}

/** A deep copy of an AST node with every range replaced by `range`. */
function relocate<T>(node: T, range: A.Range): T {
  if (Array.isArray(node)) return node.map((x: unknown) => relocate(x, range)) as T;
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = isRange(value) ? { ...range } : relocate(value, range);
  }
  return out as T;
}

function isRange(x: unknown): x is A.Range {
  return (
    typeof x === "object" &&
    x !== null &&
    Object.keys(x).length === 2 &&
    typeof (x as A.Range).start === "number" &&
    typeof (x as A.Range).end === "number"
  );
}
