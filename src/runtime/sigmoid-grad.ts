/**
 * A sigmoid layer's gradient, with the dropout mask after it, as one registered tfjs kernel:
 * dz = (dy · mask) · (y · (1 − y)) in a single pass (sigmoid-grad.wat on wasm, a loop on cpu) where
 * tfjs's gradients take four kernels, rounding every float32 operation in their order, so the result
 * is bit-identical. In: dy, y and the mask (or none). Out: dz, or null where no kernel serves.
 */
import type * as Tf from "@tensorflow/tfjs";
import { SIGMOID_GRAD_WASM } from "./sigmoid-grad-wasm.generated.js";
import { offsetOf, wasmKernel, type WasmBackend } from "./wasm-kernels.js";

const KERNEL = "PnncSigmoidGrad";
const f32 = Math.fround;

type Inputs = { dy: Tf.TensorInfo; y: Tf.TensorInfo; mask?: Tf.TensorInfo };

const simd = (backend: unknown) => wasmKernel(backend, SIGMOID_GRAD_WASM, "sigmoidGrad");

function cpuValues(backend: unknown, t: Tf.TensorInfo): Float32Array {
  return (backend as { data: { get(id: object): { values: Float32Array } } }).data.get(t.dataId)
    .values;
}

const bodies: Record<string, (backend: unknown, inputs: Inputs) => Tf.TensorInfo> = {
  wasm: (backend, { dy, y, mask }) => {
    const b = backend as WasmBackend;
    const out = b.makeOutput([...y.shape], "float32");
    const n = y.shape.reduce((k, d) => k * d, 1);
    const kernel = simd(backend);
    if (!kernel) throw new Error("internal: sigmoid-grad.wat is not available");
    kernel(offsetOf(b, dy), offsetOf(b, y), mask ? offsetOf(b, mask) : 0, offsetOf(b, out), n);
    return out;
  },
  cpu: (backend, { dy, y, mask }) => {
    const [d, v] = [cpuValues(backend, dy), cpuValues(backend, y)];
    const m = mask ? cpuValues(backend, mask) : null;
    const values = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const yi = v[i] as number;
      const g = m ? f32((d[i] as number) * (m[i] as number)) : (d[i] as number);
      values[i] = f32(g * f32(yi * f32(1 - yi)));
    }
    return (
      backend as { makeTensorInfo(s: number[], d: "float32", v: Float32Array): Tf.TensorInfo }
    ).makeTensorInfo([...y.shape], "float32", values);
  },
};

const registered = new Set<string>();

/** Whether the kernel serves the current backend (registering it on first use). */
function ready(tf: typeof Tf): boolean {
  const name = tf.getBackend();
  const body = bodies[name];
  if (!body || (name === "wasm" && simd(tf.backend()) === null)) return false;
  if (!registered.has(name) && !tf.getKernel(KERNEL, name))
    tf.registerKernel({
      kernelName: KERNEL,
      backendName: name,
      kernelFunc: ({ inputs, backend }) => body(backend, inputs as unknown as Inputs),
    });
  registered.add(name);
  return true;
}

/** dz for y = sigmoid(z) (then × mask), or null where the backend has no kernel for it. */
export function sigmoidGrad(
  tf: typeof Tf,
  dy: Tf.Tensor,
  y: Tf.Tensor,
  mask: Tf.Tensor | null,
): Tf.Tensor | null {
  if (!ready(tf)) return null;
  const inputs = mask ? { dy, y, mask } : { dy, y };
  return tf.engine().runKernel(KERNEL, inputs as unknown as Tf.NamedTensorMap) as Tf.Tensor;
}
