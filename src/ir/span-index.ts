/**
 * Where each IR value came from: JSON pointer (e.g. `/columns/1/laterals/0/from/0`) → source range.
 * In: filled by the lowering. Out: ranges for schema and semantic diagnostics; a path without its own
 * range falls back to its nearest ancestor's, so defaults are blamed on the block that omitted them.
 */
import type { Range } from "../diagnostics/source-file.js";

export class SpanIndex {
  private readonly ranges = new Map<string, Range>();

  set(path: string, range: Range): void {
    this.ranges.set(path, range);
  }

  /** The range recorded for `path` or its nearest ancestor; the whole file's start when none. */
  get(path: string): Range {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf("/"))) {
      const range = this.ranges.get(p);
      if (range) return range;
      if (p === "") return { start: 0, end: 0 };
    }
  }

  has(path: string): boolean {
    return this.ranges.has(path);
  }
}
