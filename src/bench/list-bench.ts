/**
 * `npm run bench -- lists`: times the front end on specs with one very long list (a `drop` of up to
 * 99,000 names, near the 200,000-token limit) and on a spec naming 27,000 unknown columns, and says
 * whether the time grows linearly. Out: a table and a verdict on stdout.
 */
import { compileSpec } from "../compile.js";
import { timeFunction, type TimingOptions } from "./measure.js";

const SIZES = [10_000, 30_000, 99_000] as const;
const FEW_RUNS: TimingOptions = { warmups: 1, warmupMs: 0, budgetMs: 0, minRuns: 3, maxRuns: 3 };

function spec(list: string, train: string): string {
  return `pnn 1 lists
dataset d {
  file "data.csv"
  features numeric except [speaker, emotion]
  group speaker
}
task emotion {
  data d
  label emotion
  classes [happy, sad]
  ${list}
}
column c {
  task emotion
  layers { dense 8 relu }
}
training {
  stage s { train ${train} }
}
`;
}

const names = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function time(name: string, text: string, expectedCodes: string): number {
  const bytes = new TextEncoder().encode(text);
  const codes = [...new Set(compileSpec(name, bytes).diagnostics.map((d) => d.code))].join(",");
  if (codes !== expectedCodes)
    throw new Error(`${name}: expected [${expectedCodes}], got [${codes}]`);
  const { medianMs } = timeFunction(() => void compileSpec(name, bytes), FEW_RUNS);
  const kb = (bytes.length / 1024).toFixed(0);
  console.log(`  ${name.padEnd(28)} ${kb.padStart(5)} KB  ${medianMs.toFixed(0).padStart(6)} ms`);
  return medianMs;
}

export function runListBench(): void {
  console.log("long lists (compileSpec: parse, lower, schema, semantics; median of 3):");
  const ms = SIZES.map((n) => {
    const drop = names(n, "n");
    drop[n - 1] = "n1"; // one repeat, so the schema's uniqueness check has to find it
    return time(`drop of ${n} names`, spec(`drop [${drop.join(", ")}]`, "c"), "PNN2004");
  });
  const unknown = names(27_000, "u").map((n) => `${n}_${"x".repeat(15)}`);
  time("27,000 unknown columns", spec("", `[${unknown.join(", ")}]`), "PNN3006");
  const first = ms[0] ?? 1;
  const last = ms[ms.length - 1] ?? 0;
  const ratio = last / first;
  const sizeRatio = SIZES[SIZES.length - 1]! / SIZES[0]!;
  // Linear growth gives the size ratio (9.9); pairwise work would give its square (98).
  const linear = ratio < sizeRatio * 2;
  console.log(
    `verdict: ${linear ? "linear" : "NOT linear"} (99,000/10,000 time ratio ${ratio.toFixed(1)}, size ratio ${sizeRatio.toFixed(1)})`,
  );
}
