/**
 * The checks that make a comparison meaningful, over specs already checked and loaded one by one:
 * distinct names, one evaluation protocol, two or more methods, every method on the same test rows
 * and classes, and a request (`--baseline`, `--repeats`) that fits them.
 * In: loaded specs, their methods and dataset identities. Out: null, or a catalogued problem (PNN5001–PNN5006).
 */
import type { MethodRef } from "../engine/compare.js";
import type { Ir } from "../ir/types.js";
import type { LoadedSpec } from "./load-spec.js";
import { coded, type Problem } from "./outcome.js";

/** The protocol every method must share, as text (to name the one that differs). */
export function protocolOf(ir: Ir): string {
  const e = ir.evaluation;
  const folds =
    e.folds.kind === "leave_one_group_out" ? e.folds.kind : `${e.folds.k} ${e.folds.kind}`;
  return `folds ${folds}, ${e.repeats} repeats, seed ${e.seed}, ${e.validationFolds} validation folds`;
}

/** Spec names must be distinct: they name methods and files. */
export function duplicateName(specs: readonly LoadedSpec[]): Problem | null {
  const seen = new Set<string>();
  for (const { ir } of specs) {
    if (seen.has(ir.name))
      return coded(
        "PNN5001",
        `two specs are named \`${ir.name}\`; method names come from spec names`,
      );
    seen.add(ir.name);
  }
  return null;
}

/** Methods are compared run by run, so every spec needs the first one's protocol. */
export function otherProtocol(specs: readonly LoadedSpec[]): Problem | null {
  const [first, ...rest] = specs;
  if (!first) return null;
  const expected = protocolOf(first.ir);
  const odd = rest.find((spec) => protocolOf(spec.ir) !== expected);
  return odd
    ? coded(
        "PNN5002",
        `\`${odd.file}\` uses ${protocolOf(odd.ir)}, but \`${first.file}\` uses ${expected}`,
        "methods are compared run by run, so every spec needs the same `evaluation` protocol",
      )
    : null;
}

export function tooFewMethods(compared: { task: string; methods: MethodRef[] }): Problem | null {
  const n = compared.methods.length;
  return n < 2
    ? coded(
        "PNN5003",
        `found ${n} method${n === 1 ? "" : "s"} on task \`${compared.task}\`; compare needs two or more (one spec each, or \`compare [...]\` in one spec)`,
      )
    : null;
}

/**
 * Paired runs need identical folds: the same table and protocol give them (folds depend on nothing
 * else), and the same task definition gives the same test rows and classes. A method on other data
 * would silently compare different runs.
 */
export function otherRuns(
  specs: readonly LoadedSpec[],
  methods: readonly MethodRef[],
  identities: readonly ReadonlyMap<string, string>[],
): Problem | null {
  const runsOf = (m: MethodRef) => {
    const ir = specs[m.spec]?.ir;
    const task = ir?.tasks.find((t) => t.id === ir.columns.find((c) => c.id === m.column)?.task);
    return JSON.stringify({
      data: task ? identities[m.spec]?.get(task.dataset) : null,
      task: task && {
        label: task.label,
        classes: task.classes,
        merge: task.merge,
        drop: task.drop,
      },
    });
  };
  const [first, ...rest] = methods;
  const expected = first && runsOf(first);
  const odd = rest.find((m) => runsOf(m) !== expected);
  return odd
    ? coded(
        "PNN5004",
        `method \`${odd.name}\` is evaluated on other data, folds or classes than \`${first?.name}\``,
        "compare methods on the same data file and protocol, with the same label, classes, merge and drop",
      )
    : null;
}

export function unknownBaseline(
  baseline: string | undefined,
  methods: readonly MethodRef[],
): Problem | null {
  return baseline !== undefined && !methods.some((m) => m.name === baseline)
    ? coded(
        "PNN5005",
        `no method is named \`${baseline}\`; the methods are ${methods.map((m) => `\`${m.name}\``).join(", ")}`,
      )
    : null;
}

/** `--repeats N` runs the protocol's first N repeats, so N cannot exceed them. */
export function tooManyRepeats(repeats: number, ir: Ir): Problem | null {
  const protocol = ir.evaluation.repeats;
  return repeats !== Infinity && repeats > protocol
    ? coded("PNN5006", `\`--repeats ${repeats}\` exceeds the protocol's ${protocol} repeats`)
    : null;
}
