/**
 * pnnc's versions: its own release and the exact versions it pins of its dependencies (both read
 * once from package.json), and the language version it writes.
 * In: nothing. Out: constants (src/ and dist/ are both one level below the root). Kept outside
 * syntax/ and ir/ so that both can read them without importing each other.
 */
import { readFileSync } from "node:fs";

type Pins = Record<string, string>;

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
  dependencies?: Pins;
  optionalDependencies?: Pins;
  devDependencies?: Pins;
};

export const PNNC_VERSION = manifest.version;

/**
 * The version pnnc's package.json pins for a package (a dependency of any kind), so that what pnnc
 * generates (a program's package.json) pins what pnnc itself is tested with.
 */
export function pinnedVersion(name: string): string {
  const { dependencies, optionalDependencies, devDependencies } = manifest;
  const version = dependencies?.[name] ?? optionalDependencies?.[name] ?? devDependencies?.[name];
  if (version === undefined) throw new Error(`internal: pnnc's package.json does not list ${name}`);
  return version;
}

/**
 * The language version this pnnc writes; it reads every version from 1 up to it (`pnnc upgrade`
 * migrates older specs). Version 2 renamed `early_stop` to `early_stopping`.
 */
export const LANGUAGE_VERSION = 2;
