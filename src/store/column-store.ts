/**
 * The column store: trained columns kept on disk by content key (column-key.ts), backend and
 * run, so `pnnc run` trains only columns it has never trained and a spec that grows a column leaves
 * the old ones bit-identical. A store is a folder marked by `pnnc-store.json`; an entry is a folder
 * `KEY2/KEY-BACKEND/rRfF/` holding `weights.bin` (float32 variables, in entry order) and `entry.json`
 * (identity, variables, the run's metrics and curve, the weights' sha256, and a checksum over all of
 * entry.json). An entry is used only when its shape, identity (the path it sits at) and checksums
 * all verify; anything else is absent, and the retrained column replaces it atomically.
 * In: a store folder. Out: entries loaded, saved, listed, verified, repaired and collected.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  createDirectoryAtomic,
  replaceDirectoryAtomic,
  writeFileAtomic,
} from "../runtime/atomic-files.js";
import { KEY_VERSION } from "./column-key.js";
import type { ColumnRun } from "../runtime/results.js";

/** The marker file that makes a folder a column store; gc and verify touch nothing else. */
export const STORE_MARKER = "pnnc-store.json";
export const STORE_FORMAT = 1;
/**
 * Entry format 2 added `format` and `checksum` (over the whole entry.json). Format 1 entries (no
 * checksum) cannot be verified, so they count as absent: each is retrained once and replaced.
 */
export const ENTRY_FORMAT = 2;

export interface EntryVariable {
  name: string;
  shape: number[];
  /** Offset into weights.bin, in float32 values. */
  offset: number;
}

export interface StoreEntry {
  format: number;
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
  /** sha256 of JSON.stringify of this entry without `checksum`. */
  checksum: string;
}

export interface LoadedEntry {
  entry: StoreEntry;
  weights: Map<string, { shape: number[]; values: Float32Array }>;
}

export type Lookup = { found: LoadedEntry } | { missing: true } | { unusable: string };

/** One folder laid out as an entry: its path's identity, and its verified entry or the problem. */
export interface ListedEntry {
  dir: string;
  key: string;
  backend: string;
  repeat: number;
  fold: number;
  entry: StoreEntry | null;
  problem: string | null;
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const checksumOf = (entry: Omit<StoreEntry, "checksum">) => sha256(JSON.stringify(entry));

const PREFIX = /^[0-9a-f]{2}$/;
const KEY_BACKEND = /^([0-9a-f]{64})-([a-z0-9]+)$/;
const RUN = /^r([1-9][0-9]*)f([1-9][0-9]*)$/;

const kind = (path: string): "dir" | "file" | "missing" => {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
};

const subdirs = (dir: string) => {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => !d.name.startsWith("."));
  } catch {
    return [];
  }
};

export class ColumnStore {
  constructor(readonly dir: string) {}

  /** Where a process training this entry keeps its lease (a dot-folder: not an entry to gc). */
  leasePath(key: string, backend: string, repeat: number, fold: number): string {
    return join(this.dir, ".leases", `${key}-${backend}-r${repeat}f${fold}.lease`);
  }

  /**
   * Opens an existing store for ls, verify and gc: a missing folder, a file or a folder that is not
   * a store is a problem. A folder without the marker (made before pnnc wrote one) is adopted only
   * when everything in it has the entry layout; `mark` then writes the marker.
   */
  static open(dir: string, { mark = false } = {}): { store: ColumnStore } | { problem: string } {
    const what = kind(dir);
    if (what === "missing") return { problem: `no column store at \`${dir}\`` };
    if (what === "file") return { problem: `\`${dir}\` is a file, not a column store` };
    const store = new ColumnStore(dir);
    const marker = store.markerProblem();
    if (marker === null) return { store };
    if (marker !== "absent") return { problem: marker };
    const foreign = store.foreign();
    if (foreign.length > 0)
      return {
        problem: `\`${dir}\` is not a pnnc column store (no ${STORE_MARKER}, and it holds ${foreign
          .slice(0, 3)
          .map((f) => `\`${f}\``)
          .join(", ")}${foreign.length > 3 ? ", …" : ""}, which are not store entries)`,
      };
    if (mark) {
      const problem = store.writeMarker();
      if (problem) return { problem };
    }
    return { store };
  }

  /**
   * Opens the store `pnnc run` writes to, creating it (with its marker) when missing; a file or a
   * folder that is not a store is a problem, so a mistyped --store never fills an unrelated folder.
   */
  static create(dir: string): { store: ColumnStore } | { problem: string } {
    if (kind(dir) === "missing") {
      const store = new ColumnStore(dir);
      const problem = store.writeMarker();
      return problem ? { problem } : { store };
    }
    return ColumnStore.open(dir, { mark: true });
  }

  /** null when the marker is there and right, "absent" when missing, else what is wrong. */
  private markerProblem(): string | null {
    let text: string;
    try {
      text = readFileSync(join(this.dir, STORE_MARKER), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return "absent";
      return `\`${join(this.dir, STORE_MARKER)}\` is unreadable`;
    }
    try {
      const marker = JSON.parse(text) as unknown;
      if (isObject(marker) && marker.store === "pnnc" && marker.format === STORE_FORMAT)
        return null;
      if (isObject(marker) && marker.store === "pnnc" && typeof marker.format === "number")
        return `\`${this.dir}\` is a column store of format ${marker.format}; this pnnc reads format ${STORE_FORMAT}`;
    } catch {
      // Falls through: an unparsable marker is not ours.
    }
    return `\`${join(this.dir, STORE_MARKER)}\` is not a pnnc store marker`;
  }

  private writeMarker(): string | null {
    try {
      writeFileAtomic(
        join(this.dir, STORE_MARKER),
        JSON.stringify({ store: "pnnc", format: STORE_FORMAT }) + "\n",
        { makeDirs: true },
      );
      return null;
    } catch (e) {
      return `cannot create the column store \`${this.dir}\`: ${(e as Error).message}`;
    }
  }

  /** Paths (relative) in the store that are not part of the entry layout. */
  private foreign(): string[] {
    const out: string[] = [];
    for (const prefix of subdirs(this.dir)) {
      if (prefix.name === STORE_MARKER) continue;
      if (!prefix.isDirectory() || !PREFIX.test(prefix.name)) {
        out.push(prefix.name);
        continue;
      }
      for (const keyDir of subdirs(join(this.dir, prefix.name))) {
        const m = KEY_BACKEND.exec(keyDir.name);
        if (!keyDir.isDirectory() || !m || !m[1]?.startsWith(prefix.name)) {
          out.push(join(prefix.name, keyDir.name));
          continue;
        }
        for (const run of subdirs(join(this.dir, prefix.name, keyDir.name)))
          if (!run.isDirectory() || !RUN.test(run.name))
            out.push(join(prefix.name, keyDir.name, run.name));
      }
    }
    return out;
  }

  private entryDir(key: string, backend: string, repeat: number, fold: number): string {
    return join(this.dir, key.slice(0, 2), `${key}-${backend}`, `r${repeat}f${fold}`);
  }

  /** The entry, or why it cannot be used (corrupt, another format or key version), or nothing. */
  load(key: string, backend: string, repeat: number, fold: number): Lookup {
    const dir = this.entryDir(key, backend, repeat, fold);
    const read = readEntry(dir, { key, backend, repeat, fold });
    if ("missing" in read) return read;
    if ("problem" in read) return { unusable: read.problem };
    const { entry, all } = read;
    const weights = new Map(
      entry.variables.map((v) => {
        const size = v.shape.reduce((a, b) => a * b, 1);
        return [v.name, { shape: v.shape, values: all.slice(v.offset, v.offset + size) }];
      }),
    );
    return { found: { entry, weights } };
  }

  /**
   * Stores a trained column. An existing verified entry is kept (it is the same by construction);
   * an existing entry that does not verify is replaced atomically, so a corrupt entry is repaired.
   * Returns a problem when the store cannot be written.
   */
  save(
    meta: Omit<
      StoreEntry,
      "format" | "keyVersion" | "created" | "sha256" | "variables" | "checksum"
    >,
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
      const body: Omit<StoreEntry, "checksum"> = {
        format: ENTRY_FORMAT,
        keyVersion: KEY_VERSION,
        ...meta,
        created: new Date().toISOString(),
        sha256: sha256(bytes),
        variables: list,
      };
      const entry: StoreEntry = { ...body, checksum: checksumOf(body) };
      const files = new Map<string, string | Uint8Array>([
        ["weights.bin", bytes],
        ["entry.json", JSON.stringify(entry, null, 1) + "\n"],
      ]);
      if (this.markerProblem() === "absent") {
        const problem = this.writeMarker();
        if (problem) return problem;
      }
      if (createDirectoryAtomic(final, files)) return null;
      // Another run stored it first (fine), or a corrupt entry sits there: replace that one.
      const existing = this.load(meta.key, meta.backend, meta.repeat, meta.fold);
      if (!("found" in existing)) replaceDirectoryAtomic(final, files);
      return null;
    } catch (e) {
      return `cannot write to the column store \`${this.dir}\`: ${(e as Error).message}`;
    }
  }

  /** Every folder with the entry layout, verified against the identity its path names. */
  entries(): ListedEntry[] {
    const out: ListedEntry[] = [];
    for (const prefix of subdirs(this.dir)) {
      if (!prefix.isDirectory() || !PREFIX.test(prefix.name)) continue;
      for (const keyDir of subdirs(join(this.dir, prefix.name))) {
        const m = KEY_BACKEND.exec(keyDir.name);
        const key = m?.[1];
        const backend = m?.[2];
        if (!keyDir.isDirectory() || !key || !backend || !key.startsWith(prefix.name)) continue;
        for (const run of subdirs(join(this.dir, prefix.name, keyDir.name))) {
          const r = RUN.exec(run.name);
          if (!run.isDirectory() || !r) continue;
          const repeat = Number(r[1]);
          const fold = Number(r[2]);
          const dir = join(this.dir, prefix.name, keyDir.name, run.name);
          const read = readEntry(dir, { key, backend, repeat, fold });
          out.push({
            dir,
            key,
            backend,
            repeat,
            fold,
            entry: "entry" in read ? read.entry : null,
            problem:
              "problem" in read
                ? read.problem
                : "missing" in read
                  ? `${dir}: entry.json is missing`
                  : null,
          });
        }
      }
    }
    return out;
  }

  /**
   * Removes entries whose key is not in `keep` and whose entry.json parses and names the key its
   * path says (so also stale key versions and older formats); returns the folders removed. Other
   * folders of the layout are left for `store verify --repair`; nothing outside it is touched.
   */
  collect(keep: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    for (const { dir, key } of this.entries()) {
      if (keep.has(key) || !namesKey(dir, key)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    return removed;
  }

  /** Removes entries (of the layout) that do not verify; returns the folders removed. */
  removeBad(): string[] {
    const removed: string[] = [];
    for (const { dir, problem } of this.entries()) {
      if (problem === null) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    return removed;
  }

  /** Total bytes of an entry folder. */
  static size(dir: string): number {
    try {
      return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    } catch {
      return 0;
    }
  }
}

/** Whether the folder's entry.json parses and names `key`: evidence enough that pnnc wrote it. */
function namesKey(dir: string, key: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, "entry.json"), "utf8")) as unknown;
    return isObject(parsed) && parsed.key === key;
  } catch {
    return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Reads and verifies one entry against the identity its path names. */
function readEntry(
  dir: string,
  id: { key: string; backend: string; repeat: number; fold: number },
): { entry: StoreEntry; all: Float32Array } | { missing: true } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(join(dir, "entry.json"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { missing: true };
    return { problem: `${dir}: entry.json is unreadable` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: `${dir}: entry.json is not JSON` };
  }
  const shape = shapeProblem(parsed);
  if (shape) return { problem: `${dir}: entry.json ${shape}` };
  const entry = parsed as StoreEntry;
  if (entry.format !== ENTRY_FORMAT)
    return {
      problem: `${dir}: written in entry format ${entry.format}, this pnnc uses ${ENTRY_FORMAT}`,
    };
  if (entry.keyVersion !== KEY_VERSION)
    return {
      problem: `${dir}: written with key version ${entry.keyVersion}, this pnnc uses ${KEY_VERSION}`,
    };
  const { checksum, ...body } = entry;
  if (checksumOf(body) !== checksum)
    return { problem: `${dir}: entry.json does not match its checksum` };
  if (
    entry.key !== id.key ||
    entry.backend !== id.backend ||
    entry.repeat !== id.repeat ||
    entry.fold !== id.fold ||
    entry.run.repeat !== id.repeat ||
    entry.run.fold !== id.fold ||
    entry.run.column !== entry.column
  )
    return { problem: `${dir}: entry.json names another column, backend or run than its folder` };
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, "weights.bin"));
  } catch {
    return { problem: `${dir}: weights.bin is missing` };
  }
  if (sha256(bytes) !== entry.sha256)
    return { problem: `${dir}: weights.bin does not match its checksum` };
  if (bytes.byteLength % 4 !== 0) return { problem: `${dir}: weights.bin is not float32 values` };
  const all = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  for (const v of entry.variables) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    if (v.offset + size > all.length)
      return { problem: `${dir}: variable ${v.name} lies outside weights.bin` };
  }
  return { entry, all };
}

/** What is wrong with an entry.json's structure (runtime checks of the fields this code reads). */
function shapeProblem(v: unknown): string | null {
  if (!isObject(v)) return "is not an object";
  for (const f of ["key", "backend", "column", "pnnc", "created", "sha256", "checksum"])
    if (typeof v[f] !== "string") return `lacks the text field \`${f}\``;
  for (const f of ["format", "keyVersion", "repeat", "fold"])
    if (!isCount(v[f])) return `lacks the count \`${f}\``;
  const vars = v.variables;
  if (!Array.isArray(vars)) return "lacks its variables";
  for (const x of vars as unknown[])
    if (
      !isObject(x) ||
      typeof x.name !== "string" ||
      !isCount(x.offset) ||
      !Array.isArray(x.shape) ||
      !(x.shape as unknown[]).every(isCount)
    )
      return "has a malformed variable";
  const run = v.run;
  if (!isObject(run)) return "lacks its run";
  for (const f of ["stage", "column", "task"])
    if (typeof run[f] !== "string") return `has a run without \`${f}\``;
  for (const f of ["repeat", "fold", "epochsTrained", "bestEpoch"])
    if (!isCount(run[f])) return `has a run without the count \`${f}\``;
  if (run.trainFolds !== null && !isCount(run.trainFolds)) return "has a run with bad trainFolds";
  const test = run.test;
  if (
    !isObject(test) ||
    !isNumber(test.uar) ||
    !isNumber(test.accuracy) ||
    !Array.isArray(test.recall) ||
    !(test.recall as unknown[]).every((r) => r === null || isNumber(r)) ||
    !Array.isArray(test.confusion) ||
    !(test.confusion as unknown[]).every((row) => Array.isArray(row) && row.every(isCount))
  )
    return "has a run with malformed test metrics";
  if (
    !Array.isArray(run.curve) ||
    !(run.curve as unknown[]).every(
      (c) =>
        isObject(c) &&
        isCount(c.epoch) &&
        (c.loss === null || isNumber(c.loss)) &&
        (c.validation === null || isNumber(c.validation)),
    )
  )
    return "has a run with a malformed curve";
  return null;
}
