/**
 * Hand-written WebAssembly kernels (adam-simd.wat, gemm-simd.wat) instantiated on tfjs-wasm's own
 * memory, so they read and write tensors where tfjs keeps them, without copying. One instance per
 * (memory, module): a backend registered again in one process has a new memory.
 * In: the wasm backend, a module's base64 bytes, an export name. Out: the export, or null.
 */
import type * as Tf from "@tensorflow/tfjs";

/** The WebAssembly API as used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What the kernels use of tfjs-wasm's backend object. */
export interface WasmBackend {
  wasm: { asm?: { memory?: unknown } };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): Tf.TensorInfo;
  typedArrayFromHeap(t: Tf.TensorInfo): Float32Array;
  disposeData(dataId: object): void;
}

export type WasmKernel = (...args: number[]) => void;

const instances = new WeakMap<object, Map<string, WasmKernel | null>>();

/** The export `name` of the module `bytes`, on `backend`'s memory; null where that cannot be done. */
export function wasmKernel(backend: unknown, bytes: string, name: string): WasmKernel | null {
  const memory = (backend as WasmBackend).wasm?.asm?.memory;
  if (!memory || !(memory instanceof wasmApi.Memory)) return null;
  let known = instances.get(memory);
  if (!known) instances.set(memory, (known = new Map()));
  const cached = known.get(name);
  if (cached !== undefined) return cached;
  let kernel: WasmKernel | null;
  try {
    const module = new wasmApi.Module(Buffer.from(bytes, "base64"));
    const instance = new wasmApi.Instance(module, { env: { memory } });
    kernel = instance.exports[name] as WasmKernel;
  } catch {
    // An engine without SIMD, or a threaded build's shared memory: the caller's fallback serves.
    kernel = null;
  }
  known.set(name, kernel);
  return kernel;
}

/** Where a tensor's bytes start in the wasm memory. */
export function offsetOf(backend: unknown, t: Tf.TensorInfo): number {
  return (backend as WasmBackend).dataIdMap.get(t.dataId).memoryOffset;
}
