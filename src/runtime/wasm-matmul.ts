/**
 * A fix for the WebAssembly backend's BatchMatMul: its fast XNNPACK path only handles
 * non-transposed operands, so every backward matmul (xᵀ·g for weights, g·Wᵀ for inputs) fell into a
 * slow loop, 10–16× slower than the forward one. The replacement kernel transposes a flagged operand
 * explicitly (the wasm Transpose kernel is fast on small matrices) and calls the original kernel
 * without the flag. In: the registered wasm kernels. Out: the BatchMatMul kernel replaced, once.
 */
import type * as Tf from "@tensorflow/tfjs";

type KernelFunc = Tf.KernelConfig["kernelFunc"];
type KernelArgs = Parameters<KernelFunc>[0];

let installed = false;

const size = (t: Tf.TensorInfo) => t.shape.reduce((n, d) => n * d, 1);

/**
 * Whether a·bᵀ is cheaper as (b·aᵀ)ᵀ. XNNPACK repacks its right operand on every call (the weights
 * change every step), so a·bᵀ pays a transpose and a pack of b; the flipped form pays for aᵀ and
 * the output instead. For g·Wᵀ in a hidden layer's backward pass (g 64 × 256, W 256 × 256) that is
 * 3 × 16k floats moved instead of 2 × 65k, and the 256 × 256 transpose is the wasm kernel's slow
 * case. Both forms add each output's products in the same order, so the results are bit-identical.
 */
function flipPays(a: Tf.TensorInfo, b: Tf.TensorInfo): boolean {
  if (a.shape.length !== 2 || b.shape.length !== 2) return false;
  const [m = 0] = a.shape;
  const [n = 0] = b.shape;
  return 2 * size(b) > 2 * size(a) + m * n;
}

export function installWasmMatMulFix(tf: typeof Tf): void {
  if (installed) return;
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!original || !transpose) return;
  const run: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const made: Tf.TensorInfo[] = [];
    const flip = (x: Tf.TensorInfo): Tf.TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
      const out = transpose.kernelFunc({
        inputs: { x },
        backend,
        attrs: { perm },
      }) as Tf.TensorInfo;
      made.push(out);
      return out;
    };
    const plain = (a: Tf.TensorInfo, b: Tf.TensorInfo): Tf.TensorInfo =>
      original.kernelFunc({
        inputs: { a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      } as KernelArgs) as Tf.TensorInfo;
    const a = inputs["a"] as Tf.TensorInfo;
    const b = inputs["b"] as Tf.TensorInfo;
    let result: Tf.TensorInfo;
    if (!transposeA && flipPays(a, b)) {
      const product = plain(b, flip(a));
      made.push(product);
      result = transpose.kernelFunc({
        inputs: { x: product },
        backend,
        attrs: { perm: [1, 0] },
      }) as Tf.TensorInfo;
    } else {
      result = plain(transposeA ? flip(a) : a, transposeB ? flip(b) : b);
    }
    for (const t of made) (backend as Tf.KernelBackend).disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...original, kernelFunc: run });
  installed = true;
}
