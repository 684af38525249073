/**
 * Adam as one registered kernel per variable (WebAssembly SIMD on wasm, a loop on cpu) instead of
 * tf.train.adam's dozen element-wise kernels, rounding every float32 operation in tfjs's order, so
 * the weights are bit-identical. In: a backend. Out: a step optimizer (tf.train.adam elsewhere).
 */
import type * as Tf from "@tensorflow/tfjs";
import { ADAM_SIMD_WASM } from "./adam-simd-wasm.generated.js";
import { offsetOf, wasmKernel, type WasmBackend } from "./wasm-kernels.js";

/** What the trainer needs of an optimizer; tf.train's optimizers have it too. */
export interface StepOptimizer {
  minimize(f: () => Tf.Scalar, returnCost: true, varList: Tf.Variable[]): Tf.Scalar | null;
  /** One step from gradients taken elsewhere, in the order given (minimize's order: varList's). */
  applyGradients(grads: { name: string; tensor: Tf.Tensor }[]): void;
  dispose(): void;
}

const KERNEL = "PnncFusedAdam";
const f32 = Math.fround;

interface AdamAttrs {
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  negLearningRate: number;
}

/** new m, v and value for every element, exactly as adam_optimizer.ts computes them. */
function adamStep(
  a: AdamAttrs,
  value: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  out: { value: Float32Array; m: Float32Array; v: Float32Array },
): void {
  for (let i = 0; i < value.length; i++) {
    const gi = g[i] as number;
    const m1 = f32(f32((m[i] as number) * a.beta1) + f32(gi * a.oneMinusBeta1));
    const v1 = f32(f32((v[i] as number) * a.beta2) + f32(f32(gi * gi) * a.oneMinusBeta2));
    const mHat = f32(m1 / a.oneMinusAccBeta1);
    const vHat = f32(v1 / a.oneMinusAccBeta2);
    const step = f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + a.epsilon)) * a.negLearningRate);
    out.m[i] = m1;
    out.v[i] = v1;
    out.value[i] = f32(step + (value[i] as number));
  }
}

type Inputs = Record<"value" | "m" | "v" | "g", Tf.TensorInfo>;

/** The backend-specific part: where a tensor's floats live, and how an output is made. */
interface Memory {
  output(shape: number[]): Tf.TensorInfo;
  floats(t: Tf.TensorInfo): Float32Array;
}

function wasmMemory(backend: unknown): Memory {
  const b = backend as WasmBackend;
  return {
    output: (shape) => b.makeOutput(shape, "float32"),
    floats: (t) => b.typedArrayFromHeap(t),
  };
}

/** adam-simd.wat on the wasm backend's memory; null where that cannot be done. */
const simdKernel = (backend: unknown) => wasmKernel(backend, ADAM_SIMD_WASM, "adam");

/** The wasm kernel's body: outputs allocated, then one SIMD pass over tfjs's memory. */
function wasmAdamStep(backend: unknown, inputs: Inputs, a: AdamAttrs): Tf.TensorInfo[] | null {
  const kernel = simdKernel(backend);
  if (!kernel) return null;
  const b = backend as WasmBackend;
  const { value, m, v, g } = inputs;
  const outs = [value, m, v].map((t) => b.makeOutput([...t.shape], "float32"));
  const at = (t: Tf.TensorInfo) => offsetOf(b, t);
  const n = value.shape.reduce((k, d) => k * d, 1);
  kernel(
    ...[value, m, v, g, ...outs].map(at),
    n,
    a.beta1,
    a.oneMinusBeta1,
    a.beta2,
    a.oneMinusBeta2,
    a.oneMinusAccBeta1,
    a.oneMinusAccBeta2,
    a.epsilon,
    a.negLearningRate,
  );
  return outs;
}

function cpuMemory(backend: unknown): Memory {
  const b = backend as {
    makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): Tf.TensorInfo;
    data: { get(id: object): { values: Float32Array } };
  };
  return {
    output: (shape) =>
      b.makeTensorInfo(shape, "float32", new Float32Array(shape.reduce((n, d) => n * d, 1))),
    floats: (t) => b.data.get(t.dataId).values,
  };
}

const memories: Record<string, (backend: unknown) => Memory> = { wasm: wasmMemory, cpu: cpuMemory };
const registered = new Set<string>();

function register(tf: typeof Tf, backendName: string): boolean {
  const memoryOf = memories[backendName];
  if (!memoryOf) return false;
  if (registered.has(backendName) || tf.getKernel(KERNEL, backendName)) return true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const simd =
        backendName === "wasm"
          ? wasmAdamStep(backend, inputs as unknown as Inputs, attrs as unknown as AdamAttrs)
          : null;
      if (simd) return simd;
      const { value, m, v, g } = inputs as unknown as Inputs;
      const memory = memoryOf(backend);
      const outs = [value, m, v].map((t) => memory.output([...t.shape]));
      // Views are taken after every output is allocated: an allocation can grow (move) the heap.
      const [newValue, newM, newV] = outs.map((t) => memory.floats(t)) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      adamStep(
        attrs as unknown as AdamAttrs,
        memory.floats(value),
        memory.floats(m),
        memory.floats(v),
        memory.floats(g),
        { value: newValue, m: newM, v: newV },
      );
      return outs;
    },
  });
  registered.add(backendName);
  return true;
}

/**
 * Whether the fused kernel is the faster Adam on the current backend. Measured on the paper's
 * network: on cpu the JavaScript loop wins (cpu's element-wise kernels are JavaScript loops too);
 * on wasm only the SIMD kernel does (a scalar loop lost about 12% to XNNPACK's SIMD kernels).
 */
export function fusedAdamPays(tf: typeof Tf): boolean {
  const name = tf.getBackend();
  return name === "cpu" || (name === "wasm" && simdKernel(tf.backend()) !== null);
}

/** Adam for `learningRate`: fused where the backend has the kernel, tf.train.adam elsewhere. */
export function adamOptimizer(tf: typeof Tf, learningRate: number): StepOptimizer {
  if (!register(tf, tf.getBackend())) return tf.train.adam(learningRate);
  return new FusedAdam(tf, learningRate);
}

class FusedAdam implements StepOptimizer {
  private readonly moments = new Map<Tf.Variable, { m: Tf.Variable; v: Tf.Variable }>();
  // tf.train.adam's defaults, as the float32 scalars its kernels see.
  private readonly beta1 = f32(0.9);
  private readonly beta2 = f32(0.999);
  private accBeta1 = f32(0.9);
  private accBeta2 = f32(0.999);
  private readonly epsilon: number;

  constructor(
    private readonly tf: typeof Tf,
    private readonly learningRate: number,
  ) {
    this.epsilon = f32(tf.backend().epsilon());
  }

  minimize(f: () => Tf.Scalar, _returnCost: true, varList: Tf.Variable[]): Tf.Scalar {
    const { value: cost, grads } = this.tf.variableGrads(f, varList);
    this.applyGradients(
      varList.flatMap((v) => {
        const tensor = grads[v.name];
        return tensor ? [{ name: v.name, tensor }] : [];
      }),
    );
    this.tf.dispose(Object.values(grads));
    return cost;
  }

  applyGradients(grads: { name: string; tensor: Tf.Tensor }[]): void {
    const { tf } = this;
    const variables = tf.engine().registeredVariables;
    const attrs: AdamAttrs = {
      beta1: this.beta1,
      beta2: this.beta2,
      oneMinusBeta1: f32(1 - 0.9),
      oneMinusBeta2: f32(1 - 0.999),
      oneMinusAccBeta1: f32(1 - this.accBeta1),
      oneMinusAccBeta2: f32(1 - this.accBeta2),
      epsilon: this.epsilon,
      negLearningRate: f32(-this.learningRate),
    };
    for (const { name, tensor: g } of grads) {
      const variable = variables[name];
      if (!variable) throw new Error(`internal: no variable \`${name}\``);
      const moments = this.momentsOf(variable);
      const [value, m, v] = tf
        .engine()
        .runKernel(
          KERNEL,
          { value: variable, m: moments.m, v: moments.v, g } as unknown as Tf.NamedTensorMap,
          attrs as unknown as Tf.NamedAttrMap,
        ) as Tf.Tensor[];
      moments.m.assign(m as Tf.Tensor);
      moments.v.assign(v as Tf.Tensor);
      variable.assign(value as Tf.Tensor);
      tf.dispose([value as Tf.Tensor, m as Tf.Tensor, v as Tf.Tensor]);
    }
    this.accBeta1 = f32(this.accBeta1 * this.beta1);
    this.accBeta2 = f32(this.accBeta2 * this.beta2);
  }

  private momentsOf(variable: Tf.Variable): { m: Tf.Variable; v: Tf.Variable } {
    let moments = this.moments.get(variable);
    if (!moments) {
      const zeros = () => this.tf.tidy(() => this.tf.zerosLike(variable).variable(false));
      moments = { m: zeros(), v: zeros() };
      this.moments.set(variable, moments);
    }
    return moments;
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) this.tf.dispose([m, v]);
    this.moments.clear();
  }
}
