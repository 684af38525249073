/**
 * Step 1 of `pnnc compile --target ts`: the checked IR as a small codegen model, with every shape
 * resolved, every name chosen and every spec line looked up, so the printers only print.
 * In: the IR, the spec's source file and span index. Out: a ProgramModel.
 */
import type { SourceFile } from "../diagnostics/source-file.js";
import type { SpanIndex } from "../ir/span-index.js";
import type { Activation, ColumnIr, Ir, LayerRef, LateralIr } from "../ir/types.js";

/** A width known at compile time, or one only the data can tell. */
export type Width = number | "input" | "classes";

export interface LayerCode {
  /** `h1`, `h2`, …: the spec's own layer names. */
  name: string;
  index: number;
  rows: Width;
  units: number;
  activation: Activation;
  dropout: number;
  line: number;
}

export interface SourceTerm {
  column: string;
  /** The source's hidden layer this term reads (1-based). */
  layer: number;
  width: number;
}

export interface LinkCode {
  /** The class field holding the link's variables, e.g. `lateral0H2`. */
  field: string;
  /** Variable names stay those of pnnc's engine (`lateral0/h2/U_speaker`), so weights compare. */
  prefix: string;
  into: LayerRef;
  sources: SourceTerm[];
  target: Width;
  adapter: { width: number; alpha: number; activation: Activation } | null;
  line: number;
}

export interface ColumnCode {
  id: string;
  className: string;
  task: string;
  init: string | null;
  line: number;
  layers: LayerCode[];
  head: { rows: Width; line: number };
  links: LinkCode[];
  /** Columns read through laterals, in the order forward() reads them. */
  sources: string[];
}

export interface ProgramModel {
  name: string;
  /** Top-level constant names in main.ts, by dataset id and by task id. */
  datasetConsts: ReadonlyMap<string, string>;
  taskConsts: ReadonlyMap<string, string>;
  /** The spec's path as given to the compiler, for comments. */
  specPath: string;
  ir: Ir;
  columns: ColumnCode[];
  /** 1-based spec line of an IR path (e.g. `/stages/0`). */
  lineOf: (path: string) => number;
}

/** `emotion_v2` → `EmotionV2`: a class name from a spec name. */
export function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join("");
}

/**
 * Names the generated modules already use at top level (imports, declarations): a spec name must
 * never produce one of them, nor two spec names the same identifier.
 */
const RESERVED = [
  "Column",
  "Dense",
  "Forward",
  "LayerRef",
  "Tensor2D",
  "VariableMaker",
  "Adapter",
  "Tf",
  "affine",
  "addLinear",
  "addAdapter",
  "dropout",
  "hiddenLayer",
  "join",
  "resolve",
  "fileURLToPath",
  "parseArgs",
  "BACKENDS",
  "selectBackend",
  "BackendName",
  "runExperiment",
  "DriverOptions",
  "Plan",
  "runHash",
  "packageRoot",
  "writeFileAtomic",
  "splitDataset",
  "DatasetSplits",
  "SplitSettings",
  "RunResults",
  "DataError",
  "TrainingDiverged",
  "loadRows",
  "DatasetSpec",
  "LoadedRows",
  "TaskSpec",
  "sameFeatures",
  "SPEC_DIR",
  "SPEC_DIGEST",
  "GENERATOR",
  "plan",
  "evaluation",
  "loadData",
  "MainOptions",
  "ResultsDocument",
  "main",
  "cli",
  "isEntry",
  "realpathSync",
];

/** Hands out identifiers: a base name, numbered when it is taken. */
class Namer {
  private readonly taken = new Set(RESERVED);

  name(base: string): string {
    let name = base;
    for (let k = 2; this.taken.has(name); k++) name = `${base}${k}`;
    this.taken.add(name);
    return name;
  }
}

/** Spec text in a comment: nothing that would end a block comment early, no line breaks. */
export function commentSafe(text: string): string {
  return text.replace(/\*\//g, "*\\/").replace(/[\r\n\u2028\u2029]+/g, " ");
}

export function layerName(ref: LayerRef): string {
  return ref === "head" ? "head" : `h${ref}`;
}

export function buildModel(ir: Ir, file: SourceFile, spans: SpanIndex): ProgramModel {
  const lineOf = (path: string) => file.position(spans.get(path).start).line;
  const byId = new Map(ir.columns.map((c) => [c.id, c]));
  // Distinct ids can share a form (`a_b`, `aB`; `_` has none): the namer numbers the later ones.
  const namer = new Namer();
  const columns = ir.columns.map((column, ci) =>
    columnCode(column, ci, namer.name(`${pascal(column.id)}Column`), byId, lineOf),
  );
  const camel = (id: string) => {
    const p = pascal(id);
    return p[0] ? p[0].toLowerCase() + p.slice(1) : "";
  };
  return {
    name: ir.name,
    specPath: commentSafe(file.path),
    ir,
    columns,
    datasetConsts: new Map(ir.datasets.map((d) => [d.id, namer.name(`${camel(d.id)}Dataset`)])),
    taskConsts: new Map(ir.tasks.map((t) => [t.id, namer.name(`${camel(t.id)}Task`)])),
    lineOf,
  };
}

function columnCode(
  column: ColumnIr,
  ci: number,
  className: string,
  byId: ReadonlyMap<string, ColumnIr>,
  lineOf: (path: string) => number,
): ColumnCode {
  const at = `/columns/${ci}`;
  const widths: Width[] = ["input", ...column.layers.map((l) => l.units)];
  const layers = column.layers.map((l, i): LayerCode => ({
    name: `h${i + 1}`,
    index: i + 1,
    rows: widths[i] ?? "input",
    units: l.units,
    activation: l.activation,
    dropout: l.dropout,
    line: lineOf(`${at}/layers/${i}`),
  }));
  const links = column.laterals.flatMap((lateral, j) =>
    lateral.into.map((into) =>
      linkCode(lateral, j, into, widths, byId, lineOf(`${at}/laterals/${j}`)),
    ),
  );
  return {
    id: column.id,
    className,
    task: column.task,
    init: column.init,
    line: lineOf(at),
    layers,
    head: { rows: widths.at(-1) ?? "input", line: lineOf(`${at}/head`) },
    links,
    sources: [...new Set(column.laterals.flatMap((l) => l.from))],
  };
}

function linkCode(
  lateral: LateralIr,
  j: number,
  into: LayerRef,
  widths: Width[],
  byId: ReadonlyMap<string, ColumnIr>,
  line: number,
): LinkCode {
  const sources = lateral.from.map((id): SourceTerm => {
    const source = byId.get(id);
    const depth = source?.layers.length ?? 0;
    const layer = into === "head" ? depth : into - 1;
    return { column: id, layer, width: source?.layers[layer - 1]?.units ?? 0 };
  });
  return {
    field: `lateral${j}${pascal(layerName(into))}`,
    prefix: `lateral${j}/${layerName(into)}`,
    into,
    sources,
    target: into === "head" ? "classes" : (widths[into] ?? "input"),
    adapter:
      lateral.kind === "adapter"
        ? { width: lateral.width, alpha: lateral.alpha, activation: lateral.activation }
        : null,
    line,
  };
}
