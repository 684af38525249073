/**
 * Where `pnnc compile --target ts` finds the runtime it copies into every program: src/runtime/ when
 * pnnc runs from its TypeScript sources (tests), dist/runtime-src/ when it runs from a build. The
 * build copies src/runtime/*.ts there (tools/build-runtime-sources.ts) because a package ships no src/.
 * In: nothing but this module's own location. Out: the runtime's file names and sources.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The build's copy, beside dist/codegen/: the folder the build tool fills. */
export const BUILT_RUNTIME_DIR = fileURLToPath(new URL("../runtime-src/", import.meta.url));

/** Run from source, the runtime's modules are themselves the sources; built, only the copy is. */
const RUNTIME_DIR = import.meta.url.endsWith(".ts")
  ? fileURLToPath(new URL("../runtime/", import.meta.url))
  : BUILT_RUNTIME_DIR;

/** The `.ts` files of a runtime folder, sorted. */
function sourceNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".ts"))
    .sort();
}

/** Each runtime module's file name and exact text; a build without the copy fails loudly here. */
export function runtimeSources(): { name: string; content: string }[] {
  let names: string[];
  try {
    names = sourceNames(RUNTIME_DIR);
  } catch {
    names = [];
  }
  if (names.length === 0) {
    throw new Error(
      `pnnc's runtime sources are missing from ${RUNTIME_DIR} (run \`npm run build\`)`,
    );
  }
  return names.map((name) => ({ name, content: readFileSync(join(RUNTIME_DIR, name), "utf8") }));
}

/** The build step: replaces `to` with a byte-for-byte copy of the `.ts` files in `from`. */
export function copyRuntimeSources(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const name of sourceNames(from)) copyFileSync(join(from, name), join(to, name));
}
