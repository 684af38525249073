// fft.js ships no types: the part of its API pnnc uses.
declare module "fft.js" {
  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** Fills the left half of `out` (interleaved re, im) with the transform of real `input`. */
    realTransform(out: number[] | Float64Array, input: ArrayLike<number>): void;
    completeSpectrum(out: number[] | Float64Array): void;
    transform(out: number[] | Float64Array, input: ArrayLike<number>): void;
    inverseTransform(out: number[] | Float64Array, input: ArrayLike<number>): void;
  }
}
