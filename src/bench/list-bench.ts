/**
 * `npm run bench -- lists`: times the front end on specs with one very long list (a `drop` of up to
 * 99,000 names, within the 250,000-token limit) and on a spec naming 27,000 unknown columns, says
 * whether the time grows linearly, and times `pnnc check` end to end (node start-up included) on
 * specs/quick-prognet.pnn with the longest `except` list the token limit allows, against the 1 s
 * target. Out: tables and verdicts on stdout.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileSpec } from "../compile.js";
import { MAX_TOKENS } from "../syntax/parse.js";
import { pnnLexer } from "../syntax/tokens.js";
import { timeCommand, timeFunction, type TimingOptions } from "./measure.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The requirement: checking a 100,000-item list takes under a second, start-up included. */
const TARGET_MS = 1000;
const TARGET_ITEMS = 100_000;

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

/**
 * specs/quick-prognet.pnn with its `features numeric except` list grown to 100,000 names, or to the
 * most the token limit allows (each name adds a name and a comma): a valid spec a user could write.
 */
function longExceptSpec(): { text: string; items: number } {
  const base = readFileSync(join(ROOT, "specs/quick-prognet.pnn"), "utf8");
  const list = "features numeric except [speaker, gender, emotion";
  if (!base.includes(list)) throw new Error("specs/quick-prognet.pnn: no `except` list to grow");
  const spare = Math.floor((MAX_TOKENS - pnnLexer.tokenize(base).tokens.length) / 2);
  const added = Math.min(TARGET_ITEMS - 3, spare);
  const text = base.replace(list, `${list}, ${names(added, "f").join(", ")}`);
  return { text, items: added + 3 };
}

function timeCheckEndToEnd(): void {
  const { text, items } = longExceptSpec();
  const codes = compileSpec("long.pnn", text).diagnostics.map((d) => d.code);
  if (codes.length > 0) throw new Error(`long except list: expected no diagnostics, got ${codes}`);
  const dir = mkdtempSync(join(tmpdir(), "pnnc-list-bench-"));
  try {
    const file = join(dir, "long.pnn");
    writeFileSync(file, text);
    const cli = join(ROOT, "dist/cli/main.js");
    const { medianMs, failures } = timeCommand(process.execPath, [cli, "check", file], ROOT, 5);
    if (failures.length > 0) throw new Error(`pnnc check exited ${failures.join(", ")}`);
    const ratio = medianMs / TARGET_MS;
    const limit =
      items < TARGET_ITEMS ? ` (the ${MAX_TOKENS.toLocaleString("en")}-token limit's most)` : "";
    console.log(
      `pnnc check end to end, ${items.toLocaleString("en")}-item list${limit}, ${(text.length / 1024).toFixed(0)} KB, median of 5:`,
    );
    console.log(
      `  ${medianMs.toFixed(0)} ms, ${ratio.toFixed(2)} × the ${TARGET_MS} ms target: ${ratio < 1 ? "met" : "NOT met"}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  timeCheckEndToEnd();
}
