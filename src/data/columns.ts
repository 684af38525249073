/**
 * Growable typed columns for streaming a table: numbers go into Float32Array chunks (a million rows
 * of 88 features is 350 MB as float32, twice that as float64), strings only for the few columns
 * that labels, groups and row filters need. In: values row by row. Out: compact arrays.
 */

export class Float32Column {
  private data = new Float32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i] ?? Number.NaN;
  }

  /** The filled part, without copying. */
  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

export class StringColumn {
  readonly values: string[] = [];

  push(value: string): void {
    this.values.push(value);
  }
}
