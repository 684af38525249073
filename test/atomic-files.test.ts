/**
 * The file primitives every writer uses: whole files and whole directories appear at once, a failed
 * write leaves the old version and no temporary file, and an interrupted directory replacement is
 * recovered from the version it moved aside.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createDirectoryAtomic,
  openAtomic,
  recoverDirectory,
  replaceDirectoryAtomic,
  writeFileAtomic,
} from "../src/runtime/atomic-files.js";

const scratch = () => mkdtempSync(join(tmpdir(), "pnnc-atomic-"));
const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("atomic files", () => {
  it("replaces a file and leaves no temporary file behind", () => {
    const dir = scratch();
    const path = join(dir, "out.json");
    writeFileAtomic(path, "old");
    writeFileAtomic(path, new Uint8Array([110, 101, 119]));
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(readdirSync(dir)).toEqual(["out.json"]);
  });

  it("keeps the old file when a streamed write is aborted", () => {
    const dir = scratch();
    const path = join(dir, "table.csv");
    writeFileAtomic(path, "a,b\n1,2\n");
    const file = openAtomic(path);
    file.write("a,b\n");
    file.abort();
    expect(readFileSync(path, "utf8")).toBe("a,b\n1,2\n");
    expect(readdirSync(dir)).toEqual(["table.csv"]);
  });

  it("fails without a directory unless asked to make it", () => {
    const dir = scratch();
    expect(() => writeFileAtomic(join(dir, "no", "x.txt"), "x")).toThrow(/ENOENT/);
    writeFileAtomic(join(dir, "made", "x.txt"), "x", { makeDirs: true });
    expect(readFileSync(join(dir, "made", "x.txt"), "utf8")).toBe("x");
  });

  it("creates a directory once; a second writer keeps the first one's files", () => {
    const dir = join(scratch(), "a", "entry");
    expect(createDirectoryAtomic(dir, files({ "w.bin": "first" }))).toBe(true);
    expect(createDirectoryAtomic(dir, files({ "w.bin": "second" }))).toBe(false);
    expect(readFileSync(join(dir, "w.bin"), "utf8")).toBe("first");
    expect(readdirSync(join(dir, ".."))).toEqual(["entry"]);
  });

  it("replaces a directory as a whole: no file of the old version survives", () => {
    const root = scratch();
    const dir = join(root, "checkpoint");
    replaceDirectoryAtomic(dir, files({ "model.json": "1", "old.bin": "1" }));
    replaceDirectoryAtomic(dir, files({ "model.json": "2" }));
    expect(readdirSync(dir)).toEqual(["model.json"]);
    expect(readFileSync(join(dir, "model.json"), "utf8")).toBe("2");
    expect(readdirSync(root)).toEqual(["checkpoint"]);
  });

  it("recovers the previous version after a crash between the two renames", () => {
    const root = scratch();
    const dir = join(root, "checkpoint");
    replaceDirectoryAtomic(dir, files({ "model.json": "1" }));
    // A crash right after moving the old version aside leaves no `checkpoint` at all.
    renameSync(dir, join(root, ".checkpoint.previous"));
    expect(recoverDirectory(dir)).toBe(true);
    expect(readFileSync(join(dir, "model.json"), "utf8")).toBe("1");
    // A crash after the new version was moved in leaves a stale previous copy: it is dropped.
    mkdirSync(join(root, ".checkpoint.previous"));
    writeFileSync(join(root, ".checkpoint.previous", "model.json"), "0");
    replaceDirectoryAtomic(dir, files({ "model.json": "2" }));
    expect(readFileSync(join(dir, "model.json"), "utf8")).toBe("2");
    expect(readdirSync(root)).toEqual(["checkpoint"]);
  });
});
