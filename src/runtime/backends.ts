/**
 * TensorFlow.js backend selection: `gpu` (@tensorflow/tfjs-node-gpu, CUDA), `native`
 * (@tensorflow/tfjs-node), `wasm`, `cpu`; by default the first that loads, in that order.
 * In: an optional requested backend. Out: the active backend's name, or a problem saying why the
 * requested one cannot load. The native packages are optional dependencies (their install script
 * downloads libtensorflow, which fails offline); a half-installed one can register its backend and
 * then fail, so each candidate must also run a tiny op before it is trusted.
 */
// The union package: core with every gradient registered, the cpu backend and layers (for the
// standard model format). tfjs-core alone registers no gradients, and its ESM subpaths do not load
// in Node.
import * as tf from "@tensorflow/tfjs";
import { BACKENDS, type BackendName } from "./vocabulary.js";
import { installWasmMatMulFix } from "./wasm-matmul.js";

export { BACKENDS, type BackendName };

/** Package to import and the tfjs backend name it registers. */
const candidates: Record<BackendName, { module: string; tfName: string }> = {
  gpu: { module: "@tensorflow/tfjs-node-gpu", tfName: "tensorflow" },
  native: { module: "@tensorflow/tfjs-node", tfName: "tensorflow" },
  wasm: { module: "@tensorflow/tfjs-backend-wasm", tfName: "wasm" },
  cpu: { module: "@tensorflow/tfjs-backend-cpu", tfName: "cpu" },
};

export interface ActiveBackend {
  name: BackendName;
  tf: typeof tf;
}

export interface BackendOptions {
  /** Whether to replace the wasm BatchMatMul kernel (on by default; off only to measure it). */
  wasmMatMulFix?: boolean;
}

async function tryBackend(name: BackendName, opts: BackendOptions): Promise<string | null> {
  const { module, tfName } = candidates[name];
  try {
    await import(module);
  } catch (e) {
    // A half-installed native package can register its backend before its binding fails to load.
    if (tf.findBackendFactory(tfName) && name !== "wasm" && name !== "cpu")
      tf.removeBackend(tfName);
    return `cannot load \`${module}\`: ${firstLine(e)}`;
  }
  if (name === "wasm" && opts.wasmMatMulFix !== false) installWasmMatMulFix(tf);
  try {
    if (!(await tf.setBackend(tfName))) return `\`${module}\` did not initialise`;
    await tf.ready();
    // A backend that registered but cannot compute is worse than none: prove it with one op.
    const probe = tf.add(tf.scalar(1), tf.scalar(2));
    const ok = (await probe.data())[0] === 3;
    probe.dispose();
    return ok ? null : `\`${module}\` computed 1 + 2 wrongly`;
  } catch (e) {
    tf.removeBackend(tfName);
    return `\`${module}\` failed to run: ${firstLine(e)}`;
  }
}

function firstLine(e: unknown): string {
  return String((e as Error).message ?? e).split("\n")[0] ?? "";
}

/**
 * Activates the requested backend, or the first of gpu → native → wasm → cpu that works.
 * Returns the backend, or the reasons each candidate failed.
 */
export async function selectBackend(
  requested?: BackendName,
  opts: BackendOptions = {},
): Promise<ActiveBackend | { problem: string; tried: Record<string, string> }> {
  tf.env().set("PROD", true);
  const order = requested ? [requested] : BACKENDS;
  const tried: Record<string, string> = {};
  for (const name of order) {
    const why = await tryBackend(name, opts);
    if (why === null) return { name, tf };
    tried[name] = why;
  }
  const problem = requested
    ? `backend \`${requested}\` is not available: ${tried[requested]}`
    : "no TensorFlow.js backend could be loaded";
  return { problem, tried };
}
