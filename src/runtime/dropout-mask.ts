/**
 * Dropout masks without tf.randomUniform's per-number method calls: the same uniform numbers
 * (seedrandom's Alea, seeded with the decimal string of the seed, as tfjs seeds it) and the same
 * float32 roundings as tf.dropout's floor(u + keep) / keep, in one loop, so the masks and every
 * weight trained through them are bit-identical. In: a length, a rate, a seed. Out: the multiplier.
 */

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
 */
export function dropoutMultiplier(n: number, rate: number, seed: number): Float32Array {
  const out = seededUniform(n, seed);
  const keep = Math.fround(1 - rate);
  const kept = Math.fround(1 / keep);
  for (let i = 0; i < n; i++) out[i] = Math.fround((out[i] as number) + keep) >= 1 ? kept : 0;
  return out;
}
