/**
 * A fix for the WebAssembly backend's BatchMatMul: its fast XNNPACK path only handles
 * non-transposed operands, so every backward matmul (xᵀ·g for weights, g·Wᵀ for inputs) fell into a
 * slow loop, 10–16× slower than the forward one. The replacement kernel transposes a flagged operand
 * explicitly (the wasm Transpose kernel is fast) and calls the original kernel without the flag.
 * In: the registered wasm kernels. Out: the BatchMatMul kernel replaced, once.
 */
import type * as Tf from "@tensorflow/tfjs";

type KernelFunc = Tf.KernelConfig["kernelFunc"];

let installed = false;

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
    const a = inputs["a"] as Tf.TensorInfo;
    const b = inputs["b"] as Tf.TensorInfo;
    const result = original.kernelFunc({
      inputs: { a: transposeA ? flip(a) : a, b: transposeB ? flip(b) : b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    for (const t of made) (backend as Tf.KernelBackend).disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...original, kernelFunc: run });
  installed = true;
}
