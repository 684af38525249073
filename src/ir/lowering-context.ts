/**
 * Shared state and helpers of the AST → IR lowering: diagnostics, the span index, literal conversion
 * and a reader that finds each setting of a block once (reporting duplicates).
 * In: AST statements. Out: JSON values recorded with their source ranges.
 */
import type * as A from "../syntax/ast.js";
import {
  makeDiagnostic,
  type Diagnostic,
  type DiagnosticExtras,
} from "../diagnostics/diagnostic.js";
import type { Code } from "../diagnostics/catalog.js";
import type { Range, SourceFile } from "../diagnostics/source-file.js";
import { SpanIndex } from "./span-index.js";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class LoweringContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly spans = new SpanIndex();

  /** The header's language version (0 when it is not a number; the schema reports that). */
  language = 0;

  constructor(readonly file: SourceFile) {}

  report(code: Code, range: Range, message: string, extras?: DiagnosticExtras): void {
    this.diagnostics.push(makeDiagnostic(code, this.file, range, message, extras));
  }

  /** Records where a value came from and returns it, so lowering reads as `x: ctx.at(path, range, v)`. */
  at<T extends Json>(path: string, range: Range, value: T): T {
    this.spans.set(path, range);
    return value;
  }

  /**
   * A literal's value for a number slot or a fixed vocabulary (`sigmoid`, `adam`): kept as written
   * whatever its type, so the schema reports a wrong type, range or word with the right location.
   */
  value(path: string, lit: A.Literal): Json {
    return this.at(path, lit.range, lit.value);
  }

  /** A name of something (a data column, a class, a declaration): numbers keep their spelling (`01`). */
  name(path: string, lit: A.Literal): string {
    return this.at(path, lit.range, lit.type === "number" ? lit.raw : String(lit.value));
  }

  /** Plain names from a list; ranges and layer references are reported as out of place. */
  names(path: string, list: A.ItemList, what: string): string[] {
    this.spans.set(path, list.range);
    // A loop, not flatMap: lists run to 100,000 names, and flatMap allocated an array per name.
    const out: string[] = [];
    list.items.forEach((item, i) => {
      if (this.plain(item, what)) out.push(this.name(`${path}/${i}`, item.first));
    });
    return out;
  }

  /** True when the item is a single literal; otherwise reports PNN3003. */
  plain(item: A.Item, what: string): boolean {
    if (item.last) {
      this.report("PNN3003", item.range, `a range is not allowed in ${what}`, {
        hint: "ranges `a .. b` select feature columns only",
      });
      return false;
    }
    if (item.layer) {
      this.report("PNN3003", item.range, `a layer reference is not allowed in ${what}`, {
        hint: "`column.layer` references belong in `freeze`",
      });
      return false;
    }
    return true;
  }
}

/** Starts the IR object of a named declaration: its `id`, located at its name. */
export function declaration(ctx: LoweringContext, decl: A.Decl, path: string): JsonObject {
  const range = decl.name?.range ?? decl.keyRange;
  ctx.spans.set(path, range);
  return { id: ctx.at(`${path}/id`, range, decl.name?.text ?? "") };
}

/** Finds the statements of one block by key; a key given twice is reported once and the first wins. */
export class BlockReader {
  private readonly byKey = new Map<string, A.Stmt>();
  private readonly repeated = new Map<string, A.Stmt[]>();

  constructor(
    ctx: LoweringContext,
    body: A.Stmt[],
    blockName: string,
    private readonly multi: ReadonlySet<string> = new Set(),
  ) {
    for (const stmt of body) {
      if (multi.has(stmt.key)) {
        const list = this.repeated.get(stmt.key) ?? [];
        list.push(stmt);
        this.repeated.set(stmt.key, list);
        continue;
      }
      const earlier = this.byKey.get(stmt.key);
      if (earlier) {
        ctx.report("PNN3002", stmt.keyRange, `\`${stmt.key}\` is set twice in ${blockName}`, {
          labels: [{ range: earlier.keyRange, message: "first set here" }],
          hint: "remove one of them",
        });
        continue;
      }
      this.byKey.set(stmt.key, stmt);
    }
  }

  setting(key: string): A.Setting | undefined {
    const s = this.byKey.get(key);
    return s?.kind === "setting" ? s : undefined;
  }

  list(key: string): A.ListSetting | undefined {
    const s = this.byKey.get(key);
    return s?.kind === "list-setting" ? s : undefined;
  }

  one<K extends A.Stmt["kind"]>(kind: K): Extract<A.Stmt, { kind: K }> | undefined {
    for (const s of this.byKey.values()) {
      if (s.kind === kind) return s as Extract<A.Stmt, { kind: K }>;
    }
    return undefined;
  }

  all<K extends A.Stmt["kind"]>(key: string, kind: K): Extract<A.Stmt, { kind: K }>[] {
    if (!this.multi.has(key)) throw new Error(`internal: \`${key}\` is not a repeatable statement`);
    return (this.repeated.get(key) ?? []).filter(
      (s): s is Extract<A.Stmt, { kind: K }> => s.kind === kind,
    );
  }
}
