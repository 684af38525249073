/**
 * pnnc's own version, read once from package.json.
 * In: nothing. Out: the version string (src/ and dist/ are both one level below the root).
 */
import { readFileSync } from "node:fs";

export const PNNC_VERSION = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;
