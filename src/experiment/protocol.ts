/**
 * The checks that make a comparison meaningful, over specs already checked and loaded one by one:
 * distinct names, one evaluation protocol, two or more methods, every method on the same test rows
 * and classes, and a request (`--baseline`, `--repeats`) that fits them.
 * In: loaded specs and the request. Out: the compared methods, or a catalogued problem (PNN5001–PNN5006).
 */
import { methodsOf, type MethodRef } from "../engine/compare.js";
import type { Ir } from "../ir/types.js";
import { datasetIdentities } from "../store/column-key.js";
import type { LoadedSpec } from "./load-spec.js";
import { coded, type Failure, type Problem } from "./outcome.js";

/**
 * The protocol (distinct names, one evaluation protocol: a spec problem), the methods (two or more:
 * a usage problem; on the same runs and classes: a spec problem) and the request (`--repeats`
 * within the protocol, a known `--baseline`: usage problems).
 */
export function checkComparison(
  specs: readonly LoadedSpec[],
  opts: { task?: string; baseline?: string },
  repeats: number,
):
  | { compared: { task: string; methods: MethodRef[] }; identities: Map<string, string>[] }
  | { failure: Failure; problem: Problem } {
  const protocol = duplicateName(specs) ?? otherProtocol(specs);
  if (protocol) return { failure: "failed", problem: protocol };
  const compared = methodsOf(
    specs.map((s) => s.ir),
    opts.task ?? null,
  );
  const few = tooFewMethods(compared);
  if (few) return { failure: "usage", problem: few };
  const identities = specs.map((s) => datasetIdentities(s.data));
  const odd = otherRuns(specs, compared.methods, identities);
  if (odd) return { failure: "failed", problem: odd };
  const first = specs[0];
  const request =
    (first ? tooManyRepeats(repeats, first.ir) : null) ??
    unknownBaseline(opts.baseline, compared.methods);
  if (request) return { failure: "usage", problem: request };
  return { compared, identities };
}

/** The protocol every method must share, as text (to name the one that differs). */
export function protocolOf(ir: Ir): string {
  const e = ir.evaluation;
  const folds =
    e.folds.kind === "leave_one_group_out" ? e.folds.kind : `${e.folds.k} ${e.folds.kind}`;
  return `folds ${folds}, ${e.repeats} repeats, seed ${e.seed}, ${e.validationFolds} validation folds`;
}

/** Spec names must be distinct: they name methods and files. */
function duplicateName(specs: readonly LoadedSpec[]): Problem | null {
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
function otherProtocol(specs: readonly LoadedSpec[]): Problem | null {
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

function tooFewMethods(compared: { task: string; methods: MethodRef[] }): Problem | null {
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
function otherRuns(
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

function unknownBaseline(
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
function tooManyRepeats(repeats: number, ir: Ir): Problem | null {
  const protocol = ir.evaluation.repeats;
  return repeats !== Infinity && repeats > protocol
    ? coded("PNN5006", `\`--repeats ${repeats}\` exceeds the protocol's ${protocol} repeats`)
    : null;
}
