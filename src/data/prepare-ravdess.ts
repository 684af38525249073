/**
 * Prepares a RAVDESS eGeMAPS table for pnnc: derives `speaker`, `gender` and `emotion` from the
 * RAVDESS file name (MM-VC-EE-II-SS-RR-AA.wav) and drops rows whose feature vector repeats an earlier
 * row exactly (RAVDESS ships one such pair: 03-01-03-01-02-01-07 / 03-01-03-01-02-02-07).
 * In: the text of an openSMILE eGeMAPS CSV with a `filename` column. Out: the prepared CSV text and a
 * report, or a DataProblem. `pnnc data prepare-ravdess IN OUT` runs it on your own openSMILE output.
 */
import Papa from "papaparse";
import type { DataProblem } from "./problem.js";

const EMOTIONS: Record<string, string> = {
  "01": "neutral",
  "02": "calm",
  "03": "happy",
  "04": "sad",
  "05": "angry",
  "06": "fearful",
  "07": "disgust",
  "08": "surprised",
};

const NAME = /^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\.wav$/;

export interface PrepareReport {
  rows: number;
  duplicates: { kept: string; dropped: string }[];
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function prepareRavdess(
  text: string,
  shownPath: string,
): { csv: string; report: PrepareReport } | DataProblem {
  const records = Papa.parse<string[]>(text.replace(/^\ufeff/, ""), {
    delimiter: ",",
    skipEmptyLines: true,
  }).data;
  const header = records[0];
  if (!header) return { code: "PNN4002", message: `\`${shownPath}\` is empty` };
  const fileCol = header.indexOf("filename");
  if (fileCol < 0) {
    return {
      code: "PNN4008",
      message: `\`${shownPath}\` has no \`filename\` column`,
      hint: "the RAVDESS labels come from the file name",
    };
  }
  const features = header.map((_, i) => i).filter((i) => i !== fileCol);
  const out = [
    ["filename", "speaker", "gender", "emotion", ...features.map((i) => header[i] ?? "")]
      .map(csvField)
      .join(","),
  ];
  const seen = new Map<string, string>();
  const duplicates: PrepareReport["duplicates"] = [];
  for (const [r, record] of records.slice(1).entries()) {
    const line = r + 2;
    if (record.length !== header.length) {
      return {
        code: "PNN4004",
        message: `\`${shownPath}\` line ${line}: ${record.length} fields, but the header has ${header.length}`,
      };
    }
    const file = (record[fileCol] ?? "").replace(/^.*[\\/]/, "");
    const m = NAME.exec(file);
    const emotion = m ? EMOTIONS[m[3] ?? ""] : undefined;
    if (!m || !emotion) {
      return {
        code: "PNN4014",
        message: `\`${shownPath}\` line ${line}: \`${file}\` is not a RAVDESS file name (MM-VC-EE-II-SS-RR-AA.wav)`,
      };
    }
    const vector = features.map((i) => record[i] ?? "").join(",");
    const earlier = seen.get(vector);
    if (earlier !== undefined) {
      duplicates.push({ kept: earlier, dropped: file });
      continue;
    }
    seen.set(vector, file);
    const actor = Number(m[7]);
    const gender = actor % 2 === 1 ? "male" : "female";
    out.push(
      [file, String(actor), gender, emotion, ...features.map((i) => record[i] ?? "")]
        .map(csvField)
        .join(","),
    );
  }
  return { csv: out.join("\n") + "\n", report: { rows: out.length - 1, duplicates } };
}
