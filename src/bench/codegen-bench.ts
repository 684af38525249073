/**
 * `pnnc compile --target ts` in the bench: compile time (IR → model → source → prettier) for every
 * example spec and a generated 100-column spec, then the generated program's training speed against
 * `pnnc run` on the same spec, backend and one thread, run alternately (A B A B) to cancel drift.
 * In: the repository root. Out: a table and the wall-time ratio, printed.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { emitProgram, packageFiles, runtimeFiles } from "../codegen/emit.js";
import { compileSpec } from "../compile.js";
import { median } from "./measure.js";
import { generateSpec } from "./spec-generator.js";

async function compileMs(path: string, text: string, pretty: boolean): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    const front = compileSpec(path, text);
    if (!front.ir || !front.spans) throw new Error(`${path} does not compile`);
    const input = { ...front, ir: front.ir, spans: front.spans, dir: "", specDir: "." };
    await emitProgram(input, pretty);
    // The first two runs warm up the JIT and prettier's lazily loaded plugins.
    if (i >= 2) times.push(performance.now() - t0);
  }
  return median(times);
}

export async function runCompileBench(root: string, specs: string[]): Promise<void> {
  console.log("pnnc compile --target ts: front end + codegen, and with prettier; median ms");
  const row = async (name: string, text: string) => {
    const bare = await compileMs(name, text, false);
    const pretty = await compileMs(name, text, true);
    console.log(
      `  ${name.padEnd(36)} ${bare.toFixed(1).padStart(8)} ms ${pretty.toFixed(1).padStart(8)} ms formatted`,
    );
  };
  for (const spec of specs) await row(spec, readFileSync(join(root, spec), "utf8"));
  await row("generated 100-column spec", generateSpec(100));
}

/**
 * The paper's network (specs/paper/speaker-prognet.pnn) with a fixed 4 epochs and no kept-epoch
 * rule (early stopping or best epoch), so both sides do exactly the same work: 10 folds × 2 columns × 4 epochs on RAVDESS.
 */
function throughputSpec(root: string): string {
  const data = join(root, "specs/data/ravdess_egemaps.csv");
  return readFileSync(join(root, "specs/paper/speaker-prognet.pnn"), "utf8")
    .replace('"../data/ravdess_egemaps.csv"', JSON.stringify(data))
    .replace(/epochs \d+/, "epochs 4")
    .replace(/\n\s*(early_stop|best_epoch)[^\n]*/, "")
    .replace(/repeats \d+/, "repeats 1");
}

export async function runGeneratedThroughputBench(root: string): Promise<void> {
  {
    // Under the repository, so the program resolves @tensorflow/tfjs from its node_modules.
    const dir = join(root, "tmp", "bench-codegen");
    rmSync(dir, { recursive: true, force: true });
    const specPath = join(dir, "throughput.pnn");
    mkdirSync(dir, { recursive: true });
    writeFileSync(specPath, throughputSpec(root));
    const front = compileSpec(specPath, readFileSync(specPath));
    if (!front.ir || !front.spans) throw new Error("the throughput spec does not compile");
    const program = join(dir, "program");
    const files = [
      ...(await emitProgram({
        ...front,
        ir: front.ir,
        spans: front.spans,
        dir: "",
        specDir: relative(program, dir),
      })),
      ...runtimeFiles(),
      ...(await packageFiles("throughput")),
    ];
    for (const f of files) {
      mkdirSync(dirname(join(program, f.path)), { recursive: true });
      writeFileSync(join(program, f.path), f.content);
    }
    const tsc = spawnSync(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "-p", program],
      {
        encoding: "utf8",
      },
    );
    if (tsc.status !== 0) throw new Error(`tsc failed on the generated program:\n${tsc.stdout}`);
    const timed = (args: string[], out: string) => {
      rmSync(out, { recursive: true, force: true });
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
      return (performance.now() - t0) / 1000;
    };
    const engineOut = join(dir, "engine");
    const generatedOut = join(dir, "generated");
    const engineArgs = [
      join(root, "dist/cli/main.js"),
      "run",
      specPath,
      "--backend",
      "wasm",
      "--workers",
      "1",
      // Each round must train; the column store would load the first round's columns.
      "--no-store",
      "--out",
      engineOut,
    ];
    const generatedArgs = [
      join(program, "dist/main.js"),
      "--backend",
      "wasm",
      "--out",
      generatedOut,
    ];
    const engine: number[] = [];
    const generated: number[] = [];
    for (let round = 0; round < 3; round++) {
      engine.push(timed(engineArgs, engineOut));
      generated.push(timed(generatedArgs, generatedOut));
    }
    const results = (out: string) => {
      const doc = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
        runs: { epochsTrained: number }[];
      };
      return JSON.stringify(doc.runs);
    };
    const same = results(engineOut) === results(generatedOut);
    const e = median(engine);
    const g = median(generated);
    console.log(
      "training, paper network, 10 folds × 2 columns × 4 epochs on RAVDESS, wasm, 1 thread (wall s)",
    );
    console.log(`  pnnc run            ${engine.map((s) => s.toFixed(1)).join(", ")} s`);
    console.log(`  generated program   ${generated.map((s) => s.toFixed(1)).join(", ")} s`);
    console.log(
      `  generated / pnnc run wall time ${(g / e).toFixed(3)} (throughput ratio ${(e / g).toFixed(3)}); results ${same ? "identical" : "DIFFERENT"}`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
}
