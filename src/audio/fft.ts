/**
 * Power spectra of real frames through fft.js (radix-4, MIT), one planner per size kept for the
 * process. In: a frame (zero-padded to a power of two). Out: |X(k)|² for k = 0..size/2.
 */
import FFT from "fft.js";

const planners = new Map<number, { fft: FFT; input: Float64Array; out: Float64Array }>();

/** The smallest power of two ≥ n (fft.js needs one, and at least 4). */
export function fftSize(n: number): number {
  let size = 4;
  while (size < n) size *= 2;
  return size;
}

/** |X(k)|², k = 0..size/2, of `frame` zero-padded to `size` (a power of two ≥ frame.length). */
export function powerSpectrum(
  frame: ArrayLike<number>,
  size = fftSize(frame.length),
): Float64Array {
  let plan = planners.get(size);
  if (!plan) {
    const fft = new FFT(size);
    plan = { fft, input: new Float64Array(size), out: new Float64Array(2 * size) };
    planners.set(size, plan);
  }
  const { fft, input, out } = plan;
  input.fill(0);
  for (let i = 0; i < frame.length && i < size; i++) input[i] = frame[i] ?? 0;
  fft.realTransform(out, input);
  const power = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) {
    const re = out[2 * k] ?? 0;
    const im = out[2 * k + 1] ?? 0;
    power[k] = re * re + im * im;
  }
  return power;
}
