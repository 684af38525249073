/**
 * Hands comments to the printer in source order, so each one is printed exactly once.
 * In: the comments of a file and its text. Out: the comments before an offset, the comment trailing
 * a node on its line, and whether a blank line separated two places in the source.
 */
import type { Comment } from "../syntax/ast.js";

export class CommentCursor {
  private next = 0;

  constructor(
    private readonly comments: readonly Comment[],
    private readonly text: string,
  ) {}

  /** Every not-yet-printed comment that starts before `offset`. */
  takeBefore(offset: number): Comment[] {
    const out: Comment[] = [];
    while (
      this.next < this.comments.length &&
      (this.comments[this.next]?.range.start ?? Infinity) < offset
    ) {
      const c = this.comments[this.next++];
      if (c) out.push(c);
    }
    return out;
  }

  /** A comment on the same line as `offset`, with only blanks (or a list's comma) between, if any. */
  takeTrailing(offset: number): Comment | undefined {
    const c = this.comments[this.next];
    if (!c) return undefined;
    const between = this.text.slice(offset, c.range.start);
    if (!/^[ \t]*,?[ \t]*$/.test(between)) return undefined;
    this.next++;
    return c;
  }

  hasBefore(offset: number): boolean {
    return (this.comments[this.next]?.range.start ?? Infinity) < offset;
  }

  /** True when the source has an empty line between `from` and `to`. */
  blankLineBetween(from: number, to: number): boolean {
    return /\n[ \t\r]*\n/.test(this.text.slice(from, to));
  }
}
