/**
 * A corpus preset's derivations outside a spec (`pnnc data prepare-ravdess` uses the `ravdess`
 * preset): `preset NAME on COLUMN` in a dataset block, parsed and lowered, never checked, since a
 * dataset block alone is not a whole spec. In: a preset name and column. Out: the IR `derive` list.
 */
import { parse } from "../syntax/parse.js";
import { readSource } from "../syntax/read-source.js";
import { lower } from "./lower.js";
import { PRESET_COLUMN } from "./presets.js";
import type { DerivationIr } from "./types.js";

export function presetDerivations(name: string, column: string): DerivationIr[] {
  // The preset is lowered on its own placeholder column, never on text the user typed (a column
  // name may hold characters no spec string can), and the column is put into the IR after.
  const text = `pnn 2 preset_library\ndataset d {\n  file "table.csv"\n  preset ${name} on ${PRESET_COLUMN}\n}\n`;
  const file = readSource("preset.pnn", new TextEncoder().encode(text)).value;
  const ast = parse(file).value.ast;
  const lowered = ast ? lower(file, ast) : null;
  const datasets = lowered?.value.ir["datasets"] as { derive?: DerivationIr[] }[] | undefined;
  const derive = datasets?.[0]?.derive;
  if (!derive || (lowered?.diagnostics.length ?? 1) > 0)
    throw new Error(`internal: preset \`${name}\` does not lower`);
  const on = (c: string) => (c === PRESET_COLUMN ? column : c);
  return derive.map((d) =>
    d.kind === "fields"
      ? { ...d, column: on(d.column) }
      : d.kind === "map"
        ? { ...d, from: on(d.from) }
        : { ...d, on: on(d.on) },
  );
}
