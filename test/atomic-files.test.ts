/**
 * The file primitives every writer uses: whole files and whole directories appear at once, a failed
 * write leaves the old version and no temporary file, and an interrupted directory replacement is
 * recovered from the version it moved aside; and the output policy (`resolveOutput`) that decides
 * where a write goes or why it is refused.
 */
import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
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
  resolveOutput,
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

describe("output policy", () => {
  it("follows a chain of symlinks, a dangling one to the new file it names", () => {
    const dir = scratch();
    symlinkSync("b", join(dir, "a"));
    symlinkSync("c", join(dir, "b"));
    writeFileAtomic(join(dir, "a"), "new");
    expect(readFileSync(join(dir, "c"), "utf8")).toBe("new");
    expect(lstatSync(join(dir, "a")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, "b")).isSymbolicLink()).toBe(true);
  });

  it("refuses a symlink loop, a directory, a device and an input reached by a hard link", () => {
    const dir = scratch();
    symlinkSync("y", join(dir, "x"));
    symlinkSync("x", join(dir, "y"));
    expect(resolveOutput(join(dir, "x"))).toEqual({ refused: "too many levels of symbolic links" });
    expect(resolveOutput(dir)).toEqual({ refused: "it is a directory" });
    expect(resolveOutput("/dev/zero")).toHaveProperty("refused");
    writeFileSync(join(dir, "in.pnn"), "spec");
    linkSync(join(dir, "in.pnn"), join(dir, "same.pnn"));
    expect(resolveOutput(join(dir, "same.pnn"), [join(dir, "in.pnn")])).toHaveProperty("refused");
    expect(() =>
      writeFileAtomic(join(dir, "same.pnn"), "x", { reads: [join(dir, "in.pnn")] }),
    ).toThrow(/it is the input/);
    expect(readFileSync(join(dir, "in.pnn"), "utf8")).toBe("spec");
  });

  it("writes /dev/null through and keeps an existing file's mode", () => {
    expect(resolveOutput("/dev/null")).toEqual({ kind: "stream", path: "/dev/null" });
    writeFileAtomic("/dev/null", "gone");
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    const path = join(scratch(), "secret.csv");
    writeFileSync(path, "old", { mode: 0o640 });
    writeFileAtomic(path, "new");
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });
});
