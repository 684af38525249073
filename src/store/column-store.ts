/**
 * The column store: trained columns kept on disk by content key (column-key.ts), backend and
 * run, so `pnnc run` trains only columns it has never trained and a spec that grows a column leaves
 * the old ones bit-identical. An entry is a folder `KEY2/KEY-BACKEND/rRfF/` holding `weights.bin`
 * (float32 variables, in entry order) and `entry.json` (variables, the run's metrics and curve, the
 * weights' sha256, the key version). Entries are written once: into a temporary folder, then renamed
 * into place, so concurrent runs never see half an entry and the second writer simply discards its
 * identical copy. An entry whose checksum or key version does not match is never used.
 * In: a store folder. Out: entries loaded, saved, listed, verified and collected.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { createDirectoryAtomic } from "../runtime/atomic-files.js";
import { KEY_VERSION } from "./column-key.js";
import type { ColumnRun } from "../runtime/results.js";

export interface EntryVariable {
  name: string;
  shape: number[];
  /** Offset into weights.bin, in float32 values. */
  offset: number;
}

export interface StoreEntry {
  keyVersion: number;
  key: string;
  backend: string;
  repeat: number;
  fold: number;
  column: string;
  pnnc: string;
  created: string;
  sha256: string;
  variables: EntryVariable[];
  run: ColumnRun;
}

export interface LoadedEntry {
  entry: StoreEntry;
  weights: Map<string, { shape: number[]; values: Float32Array }>;
}

export type Lookup = { found: LoadedEntry } | { missing: true } | { unusable: string };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export class ColumnStore {
  constructor(readonly dir: string) {}

  private entryDir(key: string, backend: string, repeat: number, fold: number): string {
    return join(this.dir, key.slice(0, 2), `${key}-${backend}`, `r${repeat}f${fold}`);
  }

  /** The entry, or why it cannot be used (corrupt, another key version), or nothing stored. */
  load(key: string, backend: string, repeat: number, fold: number): Lookup {
    const dir = this.entryDir(key, backend, repeat, fold);
    let entry: StoreEntry;
    try {
      entry = JSON.parse(readFileSync(join(dir, "entry.json"), "utf8")) as StoreEntry;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { missing: true };
      return { unusable: `${dir}: entry.json is unreadable` };
    }
    const problem = checkEntry(dir, entry);
    if (problem) return { unusable: problem };
    const bytes = readFileSync(join(dir, "weights.bin"));
    const all = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const weights = new Map(
      entry.variables.map((v) => {
        const size = v.shape.reduce((a, b) => a * b, 1);
        return [v.name, { shape: v.shape, values: all.slice(v.offset, v.offset + size) }];
      }),
    );
    return { found: { entry, weights } };
  }

  /** Stores a trained column once; returns a problem when the store cannot be written. */
  save(
    meta: Omit<StoreEntry, "keyVersion" | "created" | "sha256" | "variables">,
    variables: Map<string, { shape: number[]; values: Float32Array }>,
  ): string | null {
    const final = this.entryDir(meta.key, meta.backend, meta.repeat, meta.fold);
    try {
      let offset = 0;
      const list: EntryVariable[] = [];
      for (const [name, v] of variables) {
        list.push({ name, shape: v.shape, offset });
        offset += v.values.length;
      }
      const all = new Float32Array(offset);
      for (const [i, v] of [...variables.values()].entries())
        all.set(v.values, list[i]?.offset ?? 0);
      const bytes = new Uint8Array(all.buffer);
      const entry: StoreEntry = {
        keyVersion: KEY_VERSION,
        ...meta,
        created: new Date().toISOString(),
        sha256: sha256(bytes),
        variables: list,
      };
      // When another run stored the same column first, its entry is the same by construction.
      createDirectoryAtomic(
        final,
        new Map<string, string | Uint8Array>([
          ["weights.bin", bytes],
          ["entry.json", JSON.stringify(entry, null, 1) + "\n"],
        ]),
      );
      return null;
    } catch (e) {
      return `cannot write to the column store \`${this.dir}\`: ${(e as Error).message}`;
    }
  }

  /** Every entry folder with its entry.json (or the reason it cannot be read). */
  entries(): { dir: string; entry: StoreEntry | null; problem: string | null }[] {
    const out: { dir: string; entry: StoreEntry | null; problem: string | null }[] = [];
    const list = (dir: string) => {
      try {
        return readdirSync(dir, { withFileTypes: true }).filter(
          (d) => d.isDirectory() && !d.name.startsWith("."),
        );
      } catch {
        return [];
      }
    };
    for (const prefix of list(this.dir)) {
      for (const keyDir of list(join(this.dir, prefix.name))) {
        for (const run of list(join(this.dir, prefix.name, keyDir.name))) {
          const dir = join(this.dir, prefix.name, keyDir.name, run.name);
          try {
            const entry = JSON.parse(readFileSync(join(dir, "entry.json"), "utf8")) as StoreEntry;
            out.push({ dir, entry, problem: checkEntry(dir, entry) });
          } catch {
            out.push({ dir, entry: null, problem: `${dir}: entry.json is missing or unreadable` });
          }
        }
      }
    }
    return out;
  }

  /** Removes entries whose key is not in `keep`; returns the folders removed. */
  collect(keep: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    for (const { dir, entry } of this.entries()) {
      if (entry && keep.has(entry.key)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    return removed;
  }

  /** Total bytes of an entry folder. */
  static size(dir: string): number {
    return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  }
}

/** Why an entry must not be used: another key version, or weights that fail their checksum. */
function checkEntry(dir: string, entry: StoreEntry): string | null {
  if (entry.keyVersion !== KEY_VERSION)
    return `${dir}: written with key version ${entry.keyVersion}, this pnnc uses ${KEY_VERSION}`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, "weights.bin"));
  } catch {
    return `${dir}: weights.bin is missing`;
  }
  if (sha256(bytes) !== entry.sha256) return `${dir}: weights.bin does not match its checksum`;
  return null;
}
