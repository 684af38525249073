/**
 * Checks of a dataset's derivations across statements: two of them making a column of the same name
 * (PNN3031), where the later would silently replace the earlier. The shape of each pattern and code
 * table is checked while lowering, which has the source text (ir/lower-derive.ts).
 * In: the CheckContext. Out: diagnostics located at the repeated name.
 */
import type { DerivationIr } from "../../ir/types.js";
import type { CheckContext } from "./context.js";

/** Each column a derivation makes, with its IR path; a join without `take` names none here. */
function made(d: DerivationIr, path: string): { name: string; path: string }[] {
  switch (d.kind) {
    case "fields":
      return d.fields.map((name, k) => ({ name, path: `${path}/fields/${k}` }));
    case "map":
      return [{ name: d.name, path: `${path}/name` }];
    case "join":
      return (d.take ?? []).map((name, k) => ({ name, path: `${path}/take/${k}` }));
  }
}

export function checkDerivedNames(ctx: CheckContext): void {
  ctx.ir.datasets.forEach((dataset, di) => {
    const first = new Map<string, string>();
    (dataset.derive ?? []).forEach((d, i) => {
      const seenHere = new Set<string>();
      for (const { name, path } of made(d, `/datasets/${di}/derive/${i}`)) {
        const earlier = first.get(name);
        // Repeats inside one statement are reported while lowering.
        if (earlier !== undefined && !seenHere.has(name)) {
          ctx.report("PNN3031", path, `column \`${name}\` is already derived`, {
            labels: [{ path: earlier, message: "first derived here" }],
            hint: "rename one of them; a raw code is usually named `…_code`",
          });
        }
        if (earlier === undefined) first.set(name, path);
        seenHere.add(name);
      }
    });
  });
}
