/**
 * pnnc's versions: its own release (read once from package.json) and the language version it writes.
 * In: nothing. Out: constants (src/ and dist/ are both one level below the root). Kept outside
 * syntax/ and ir/ so that both can read them without importing each other.
 */
import { readFileSync } from "node:fs";

export const PNNC_VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/**
 * The language version this pnnc writes; it reads every version from 1 up to it (`pnnc upgrade`
 * migrates older specs). Version 2 renamed `early_stop` to `early_stopping`.
 */
export const LANGUAGE_VERSION = 2;
