/**
 * Dropout masks without tf.randomUniform's per-number method calls: the same uniform numbers
 * (seedrandom's Alea, seeded with the decimal string of the seed, as tfjs seeds it) and the same
 * float32 roundings as tf.dropout's floor(u + keep) / keep, in one loop, so the masks and every
 * weight trained through them are bit-identical. In: a length, a rate, a seed. Out: the multiplier.
 */

import { DROPOUT_MASK_WASM } from "./dropout-mask-wasm.generated.js";

const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/** Baagoe's Mash hash, the seeding half of Alea (a fresh one per generator, as seedrandom has). */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * TWO_POW_MINUS_32;
  };
}

/** Alea's state after seeding with `seed`, exactly as seedrandom.alea(seed) leaves it. */
function aleaState(seed: string): [s0: number, s1: number, s2: number] {
  const m = mash();
  let s0 = m(" ");
  let s1 = m(" ");
  let s2 = m(" ");
  s0 -= m(seed);
  if (s0 < 0) s0 += 1;
  s1 -= m(seed);
  if (s1 < 0) s1 += 1;
  s2 -= m(seed);
  if (s2 < 0) s2 += 1;
  return [s0, s1, s2];
}

/** The numbers tf.randomUniform([n], 0, 1, "float32", seed) holds, in order. */
export function seededUniform(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let [s0, s1, s2] = aleaState(String(seed));
  let c = 1;
  // Alea's own dependency chain bounds this loop (about 7 ns a number here); anything more in it,
  // even one Math.fround, tripled its time, so the mask is made in a second pass.
  for (let i = 0; i < n; i++) {
    const t = 2091639 * s0 + c * TWO_POW_MINUS_32;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    out[i] = s2;
  }
  return out;
}

/**
 * tf.dropout's multiplier for `n` activations: floor(u + keep) / keep with keep = 1 − rate, each
 * step rounded to float32 as the backend's Add, Floor and RealDiv kernels round it. The addition is
 * exact in double (both terms are float32 in [0, 1] with keep ≥ 2^-29), so rounding the double sum
 * once gives the float32 kernel's answer; u + keep < 2, so the floor is 1 exactly when it reaches 1.
 * Made by dropout-mask.wat (Alea in integers, about 4× faster) where WebAssembly runs, else here.
 */
export function dropoutMultiplier(n: number, rate: number, seed: number): Float32Array {
  const keep = Math.fround(1 - rate);
  const kept = Math.fround(1 / keep);
  const wasm = maskModule(n);
  if (wasm) {
    // Mash leaves each s a multiple of 2^-32 in [0, 1): S = s·2^32 is a whole number.
    const [s0, s1, s2] = aleaState(String(seed)).map((s) => BigInt(s * 2 ** 32)) as [
      bigint,
      bigint,
      bigint,
    ];
    wasm.mask(s0, s1, s2, n, keep, kept, 0);
    return new Float32Array(wasm.memory.buffer, 0, n).slice();
  }
  return jsDropoutMultiplier(n, keep, kept, seed);
}

/** The same multiplier in JavaScript (where WebAssembly cannot be instantiated; and for tests). */
export function jsDropoutMultiplier(
  n: number,
  keep: number,
  kept: number,
  seed: number,
): Float32Array {
  const out = seededUniform(n, seed);
  for (let i = 0; i < n; i++) out[i] = Math.fround((out[i] as number) + keep) >= 1 ? kept : 0;
  return out;
}

interface MaskModule {
  mask(
    s0: bigint,
    s1: bigint,
    s2: bigint,
    n: number,
    keep: number,
    kept: number,
    out: number,
  ): void;
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
}

let module: MaskModule | null | undefined;

/** dropout-mask.wat, instantiated once, its memory grown to hold `n` floats; null if it cannot be. */
function maskModule(n: number): MaskModule | null {
  if (module === undefined) {
    try {
      const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      const instance = new api.Instance(
        new api.Module(Buffer.from(DROPOUT_MASK_WASM, "base64")),
        {},
      );
      module = instance.exports as unknown as MaskModule;
    } catch {
      module = null;
    }
  }
  if (module === null) return null;
  const missing = n * 4 - module.memory.buffer.byteLength;
  if (missing > 0) module.memory.grow(Math.ceil(missing / 65536));
  return module;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
