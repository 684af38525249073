/**
 * Step 2a of `pnnc compile --target ts`: prints `columns.ts`, one class per column with its layers,
 * lateral links and forward pass spelled out. One printing function per construct (a hidden layer,
 * a link, the head), so a new layer or link kind touches one place.
 * In: the codegen model. Out: TypeScript source (unformatted; emit.ts runs prettier).
 */
import type { ColumnCode, LayerCode, LinkCode, ProgramModel, SourceTerm, Width } from "./model.js";
import { layerName } from "./model.js";

const str = (s: string) => JSON.stringify(s);
/**
 * Property access and keys valid for any spec name (`.speaker`, `["a-b"]`). `__proto__` must be a
 * computed key, or an object literal would set its prototype instead of a property.
 */
const plain = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== "__proto__";
const prop = (name: string) => (plain(name) ? `.${name}` : `[${str(name)}]`);
const key = (name: string) => (plain(name) ? name : `[${str(name)}]`);

function width(w: Width): string {
  return w === "input" ? "inputDim" : w === "classes" ? "classes" : String(w);
}

export function printColumns(model: ProgramModel, runtime: string, header: string): string {
  const used = new Set(["affine", "VariableMaker"]);
  const columns = model.columns.map((c) => printColumn(model, c, used));
  const values = [...used].sort((a, b) => a.localeCompare(b));
  return [
    header,
    "/**",
    ` * The columns of \`${model.name}\`, one class each, in spec order. Variables are created through`,
    " * VariableMaker, so their initial values (seeded by column and name) match `pnnc run`'s.",
    " */",
    'import type * as Tf from "@tensorflow/tfjs";',
    `import { ${values.join(", ")}, type Column, type Dense, type Forward, type LayerRef, type Tensor2D } from "${runtime}/column.js";`,
    ...columns,
  ].join("\n");
}

function describe(c: ColumnCode): string {
  const reads =
    c.sources.length === 0
      ? "no laterals"
      : `reads ${[...new Set(c.sources)].map((s) => `\`${s}\``).join(", ")} through laterals`;
  const init = c.init ? `; starts from \`${c.init}\`'s hidden layers (PT/FT)` : "";
  return `task \`${c.task}\`, ${c.layers.length} hidden layer${c.layers.length === 1 ? "" : "s"}, ${reads}${init}`;
}

function printColumn(model: ProgramModel, c: ColumnCode, used: Set<string>): string {
  const fields = [
    ...c.layers.map((l) => `  readonly ${l.name}: Dense;`),
    "  readonly head: Dense;",
    ...c.links.map((link) => `  readonly ${link.field}: ${linkType(link)};`),
  ];
  if (c.links.some((l) => l.adapter)) used.add("type Adapter");
  return `
/** Column \`${c.id}\` (${model.specPath}:${c.line}): ${describe(c)}. */
export class ${c.className} implements Column {
  readonly id = ${str(c.id)};
  readonly sources: readonly string[] = [${c.sources.map(str).join(", ")}];
  readonly layers: readonly Dense[];
${fields.join("\n")}
  private readonly make: VariableMaker;

  /** \`initFrom\`: the column whose hidden layers this one starts from (the spec's \`init from\`). */
  constructor(
    private readonly tf: typeof Tf,
    inputDim: number,
    classes: number,
    built: ReadonlyMap<string, Column>,
    seed: number,
    initFrom: string | null = ${c.init === null ? "null" : str(c.init)},
  ) {
    const make = (this.make = new VariableMaker(tf, ${str(c.id)}, seed));
    const from = initFrom === null ? undefined : built.get(initFrom)?.layers;
${c.layers.map(printLayerInit).join("\n")}
    this.head = make.dense("head", ${width(c.head.rows)}, classes);
${c.links.map((link) => `${printLinkInit(link)}\n`).join("")}    this.layers = [${c.layers.map((l) => `this.${l.name}`).join(", ")}];
  }

  forward(
    x: Tensor2D,
    sourceHidden: ReadonlyMap<string, Tensor2D[]>,
    training: boolean,
    dropoutSeed = 0,
  ): Forward {
    const tf = this.tf;
${c.layers.map((l, i) => printLayerForward(c, l, i === 0 ? "x" : `h${i}`, used)).join("\n")}
${printHeadForward(c, used)}
    return { hidden: [${c.layers.map((l) => l.name).join(", ")}], logits };
  }

  trainable(frozen: ReadonlySet<LayerRef>): Tf.Variable[] {
    const unless = (layer: LayerRef, vs: Tf.Variable[]) => (frozen.has(layer) ? [] : vs);
    return [
${[
  ...c.layers.map((l) => `unless(${l.index}, [this.${l.name}.kernel, this.${l.name}.bias]),`),
  'unless("head", [this.head.kernel, this.head.bias]),',
  ...c.links.map(
    (link) =>
      `unless(${typeof link.into === "number" ? link.into : str("head")}, [${linkVariables(link).join(", ")}]),`,
  ),
]
  .map((line) => `      ...${line}`)
  .join("\n")}
    ];
  }

  variables(): Map<string, Tf.Variable> {
    return this.make.variables();
  }

  dispose(): void {
    this.make.dispose();
  }
}`;
}

function printLayerInit(l: LayerCode): string {
  return `    this.${l.name} = make.hidden(${str(l.name)}, ${width(l.rows)}, ${l.units}, from?.[${l.index - 1}]);`;
}

function linkType(link: LinkCode): string {
  if (link.adapter) return "Adapter";
  return `{ ${link.sources.map((s) => `readonly ${key(s.column)}: Tf.Variable`).join("; ")} }`;
}

/** The link's variables in the order pnnc's ColumnModel lists them (U first, then α, V, c). */
function linkVariables(link: LinkCode): string[] {
  const self = `this.${link.field}`;
  if (link.adapter) return ["u", "alpha", "v", "c"].map((v) => `${self}.${v}`);
  return link.sources.map((s) => `${self}${prop(s.column)}`);
}

/** Variables are named as pnnc's engine names them, so weights can be compared name by name. */
function printLinkInit(link: LinkCode): string {
  const comment = `    // lateral into ${layerName(link.into)} (line ${link.line})`;
  if (link.adapter) {
    const concat = link.sources.reduce((n, s) => n + s.width, 0);
    const { width: w, alpha } = link.adapter;
    return `${comment}
    this.${link.field} = {
      u: make.glorot("${link.prefix}/U", ${w}, ${width(link.target)}),
      alpha: make.scalar("${link.prefix}/alpha", ${alpha}),
      v: make.glorot("${link.prefix}/V", ${concat}, ${w}),
      c: make.zeros("${link.prefix}/c", ${w}),
    };`;
  }
  const terms = link.sources.map(
    (s) =>
      `${key(s.column)}: make.glorot("${link.prefix}/U_${s.column}", ${s.width}, ${width(link.target)}),`,
  );
  return `${comment}\n    this.${link.field} = { ${terms.join(" ")} };`;
}

const sourceLayer = (s: SourceTerm) => `hiddenLayer(sourceHidden, ${str(s.column)}, ${s.layer})`;

/** z += lateral terms into this layer, in declaration order (the order matters bitwise). */
function printLinkTerms(
  c: ColumnCode,
  into: number | "head",
  z: string,
  used: Set<string>,
): string[] {
  const lines: string[] = [];
  for (const link of c.links.filter((l) => l.into === into)) {
    const from = link.sources.map((s) => `\`${s.column}\`.h${s.layer}`).join(", ");
    if (link.adapter) {
      used.add("addAdapter").add("hiddenLayer");
      lines.push(
        `    // adapter from ${from}: ${link.adapter.activation}(V·[α h] + c)·U (line ${link.line})`,
        `    ${z} = addAdapter(tf, ${z}, [${link.sources.map(sourceLayer).join(", ")}], this.${link.field}, ${str(link.adapter.activation)});`,
      );
      continue;
    }
    used.add("addLinear").add("hiddenLayer");
    lines.push(`    // lateral from ${from} (line ${link.line})`);
    for (const s of link.sources)
      lines.push(
        `    ${z} = addLinear(tf, ${z}, ${sourceLayer(s)}, this.${link.field}${prop(s.column)});`,
      );
  }
  return lines;
}

/** `activate` rather than `tf.relu` etc.: the trainer's closed-form backward sees only the blocks. */
function activation(f: LayerCode["activation"], z: string, used: Set<string>): string {
  if (f === "linear") return z;
  used.add("activate");
  return `activate(tf, ${z}, ${str(f)})`;
}

function printLayerForward(c: ColumnCode, l: LayerCode, input: string, used: Set<string>): string {
  const laterals = printLinkTerms(c, l.index, `z${l.index}`, used);
  const drop = l.dropout > 0 ? `, dropout ${l.dropout}` : "";
  const lines = [`    // ${l.name}: dense ${l.units} ${l.activation}${drop} (line ${l.line})`];
  const binding = l.dropout > 0 ? "let" : "const";
  if (laterals.length === 0) {
    lines.push(
      `    ${binding} ${l.name} = ${activation(l.activation, `affine(tf, ${input}, this.${l.name})`, used)};`,
    );
  } else {
    lines.push(`    let z${l.index} = affine(tf, ${input}, this.${l.name});`, ...laterals);
    lines.push(`    ${binding} ${l.name} = ${activation(l.activation, `z${l.index}`, used)};`);
  }
  if (l.dropout > 0) {
    used.add("dropout");
    lines.push(
      `    if (training) ${l.name} = dropout(tf, ${l.name}, ${l.dropout}, dropoutSeed, ${str(c.id)}, ${l.index - 1});`,
    );
  }
  return lines.join("\n");
}

function printHeadForward(c: ColumnCode, used: Set<string>): string {
  const last = c.layers.at(-1)?.name ?? "x";
  const laterals = printLinkTerms(c, "head", "logits", used);
  const binding = laterals.length > 0 ? "let" : "const";
  return [
    `    // head: one logit per class of \`${c.task}\`; the softmax is in the loss (line ${c.head.line})`,
    `    ${binding} logits = affine(tf, ${last}, this.head);`,
    ...laterals,
  ].join("\n");
}
