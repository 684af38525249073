/**
 * The WebAssembly backend's BatchMatMul, replaced for training. tfjs-wasm multiplies with XNNPACK,
 * which repacks its right operand whenever that tensor is new (every step, since the weights and
 * gradients change) and handles no transposed operand (a slow loop, 10–16× slower). Here 2-D
 * float32 products go to gemm-simd.wat (B read in place; about 2× XNNPACK's speed with repacking),
 * a flagged operand is transposed explicitly first, and other shapes keep XNNPACK. Each output is
 * summed in XNNPACK's order, so results are bit-identical either way.
 * In: the registered wasm kernels. Out: the BatchMatMul kernel replaced, once.
 */
import type * as Tf from "@tensorflow/tfjs";
import { GEMM_SIMD_WASM } from "./gemm-simd-wasm.generated.js";
import { offsetOf, wasmKernel, type WasmBackend } from "./wasm-kernels.js";

type KernelFunc = Tf.KernelConfig["kernelFunc"];
type KernelArgs = Parameters<KernelFunc>[0];

let installed = false;
let gemmOn = true;

/** Whether 2-D products use gemm-simd.wat (default) or XNNPACK: for tests and the bench. */
export function useSimdGemm(on: boolean): void {
  gemmOn = on;
}

const size = (t: Tf.TensorInfo) => t.shape.reduce((n, d) => n * d, 1);

/**
 * Whether a·bᵀ is cheaper as (b·aᵀ)ᵀ: it transposes a and the output instead of b. For g·Wᵀ in a
 * hidden layer's backward pass (g 64 × 256, W 256 × 256) that is 2 × 16k floats moved instead of
 * 65k, and the 256 × 256 transpose is the wasm Transpose kernel's slow case. Both forms add each
 * output's products in the same order, so the results are bit-identical.
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
    const gemm = gemmOn ? wasmKernel(backend, GEMM_SIMD_WASM, "gemm") : null;
    const wasm = backend as unknown as WasmBackend;
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
    /**
     * a·b without flags, or (a·b)ᵀ with `transC`: gemm-simd where it applies (2-D float32, columns
     * a multiple of 8), else XNNPACK (and the Transpose kernel).
     */
    const plain = (a: Tf.TensorInfo, b: Tf.TensorInfo, transC = false): Tf.TensorInfo => {
      const [m = 0, k = 0] = a.shape;
      const n = b.shape[1] ?? 0;
      const fits =
        gemm !== null &&
        a.shape.length === 2 &&
        b.shape.length === 2 &&
        a.dtype === "float32" &&
        b.dtype === "float32" &&
        m > 0 &&
        k > 0 &&
        n > 0 &&
        n % 8 === 0;
      if (!fits) {
        const product = original.kernelFunc({
          inputs: { a, b },
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        } as KernelArgs) as Tf.TensorInfo;
        if (!transC) return product;
        made.push(product);
        return transpose.kernelFunc({
          inputs: { x: product },
          backend,
          attrs: { perm: [1, 0] },
        }) as Tf.TensorInfo;
      }
      const out = wasm.makeOutput(transC ? [n, m] : [m, n], "float32");
      gemm(offsetOf(wasm, a), offsetOf(wasm, b), offsetOf(wasm, out), m, k, n, transC ? 1 : 0);
      return out;
    };
    const a = inputs["a"] as Tf.TensorInfo;
    const b = inputs["b"] as Tf.TensorInfo;
    let result: Tf.TensorInfo;
    if (!transposeA && !transposeB) result = plain(a, b);
    else if (!transposeA && flipPays(a, b)) result = plain(b, flip(a), true);
    else result = plain(transposeA ? flip(a) : a, transposeB ? flip(b) : b);
    for (const t of made) wasm.disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...original, kernelFunc: run });
  installed = true;
}
