/**
 * The abstract syntax tree: the spec as written (lists, `repeat`, raw literals), every node with its range.
 * In: built from the CST by cst-to-ast.ts. Out: read by the formatter (which prints it back) and the
 * lowering (which resolves it into IR). Ranges are offsets into the source text.
 */
import type { Range } from "../diagnostics/source-file.js";

export type { Range };

export interface Name {
  text: string;
  range: Range;
}

/** A literal as written: `raw` is printed back by the formatter, `value` is what it means. */
export interface Literal {
  type: "number" | "string" | "name";
  raw: string;
  value: string | number;
  range: Range;
}

/** `a`, a range `a .. b`, or a layer reference `column.layer`. */
export interface Item {
  first: Literal;
  last?: Literal;
  layer?: Literal;
  range: Range;
}

export interface ItemList {
  items: Item[];
  range: Range;
}

export interface Mapping {
  from: Literal;
  to: Literal;
  range: Range;
}

interface Keyed {
  key: string;
  keyRange: Range;
  range: Range;
}

export interface Setting extends Keyed {
  kind: "setting";
  value: Literal;
}

export interface ListSetting extends Keyed {
  kind: "list-setting";
  value: ItemList;
}

export interface Features extends Keyed {
  kind: "features";
  /** `features numeric [except …]` when true, else an explicit list of columns and ranges. */
  numeric: boolean;
  list: ItemList | null;
}

export interface Exclude extends Keyed {
  kind: "exclude";
  column: Literal;
  values: ItemList;
}

/** `fields COLUMN "TEMPLATE"` or `fields COLUMN regex "RE"`. */
export interface Fields extends Keyed {
  kind: "fields";
  column: Literal;
  regex: boolean;
  /** Always a string literal (the grammar takes nothing else). */
  pattern: Literal;
}

/** `derive NAME from COLUMN [parity] MAPPINGS`. */
export interface Derive extends Keyed {
  kind: "derive";
  name: Literal;
  from: Literal;
  parity: boolean;
  mappings: Mapping[];
  /** The mapping or the bracketed list of them. */
  mappingsRange: Range;
}

/** `join FILE [format F] on COLUMN [= KEY] [take ITEMS]`. */
export interface Join extends Keyed {
  kind: "join";
  file: Literal;
  format: Literal | null;
  on: Literal;
  /** The joined table's key column (`= KEY`); null when it has the name of `on`. */
  keyColumn: Literal | null;
  take: ItemList | null;
}

/** `preset NAME on COLUMN`, expanded into the statements above while lowering. */
export interface Preset extends Keyed {
  kind: "preset";
  name: Literal;
  column: Literal;
}

export interface Merge extends Keyed {
  kind: "merge";
  mappings: Mapping[];
}

export interface Dense {
  kind: "dense";
  units: Literal;
  activation: Literal;
  dropout: Literal | null;
  range: Range;
}

export interface Repeat {
  kind: "repeat";
  count: Literal;
  body: LayerStmt[];
  range: Range;
}

export type LayerStmt = Dense | Repeat;

export interface Layers extends Keyed {
  kind: "layers";
  body: LayerStmt[];
}

export interface Head extends Keyed {
  kind: "head";
  units: Literal | null;
  activation: Literal;
}

export interface Init extends Keyed {
  kind: "init";
  source: Literal;
}

export interface Option {
  key: string;
  keyRange: Range;
  value: Literal;
}

export interface Lateral extends Keyed {
  kind: "lateral";
  sources: ItemList;
  targets: ItemList;
  /** `linear` or `adapter`; null when left to the default. */
  type: Literal | null;
  options: Option[];
}

export interface EarlyStop extends Keyed {
  kind: "early-stop";
  /** As written: `early_stopping`, or language version 1's `early_stop`. */
  key: "early_stopping" | "early_stop";
  metric: Literal;
  options: Option[];
}

/** `best_epoch METRIC`: the whole epoch budget, then the best validation epoch's weights. */
export interface BestEpoch extends Keyed {
  kind: "best-epoch";
  key: "best_epoch";
  metric: Literal;
}

export interface Folds extends Keyed {
  kind: "folds";
  first: Literal;
  second: Literal | null;
}

export interface Stage extends Keyed {
  kind: "stage";
  name: Name;
  body: Stmt[];
}

export type Stmt =
  | Setting
  | ListSetting
  | Features
  | Exclude
  | Fields
  | Derive
  | Join
  | Preset
  | Merge
  | Layers
  | Head
  | Init
  | Lateral
  | EarlyStop
  | BestEpoch
  | Folds
  | Stage;

export type DeclKind = "dataset" | "task" | "column" | "training" | "evaluation";

export interface Decl extends Keyed {
  kind: DeclKind;
  /** Named declarations (dataset, task, column); null for `training` and `evaluation`. */
  name: Name | null;
  body: Stmt[];
}

export interface Header {
  version: Literal;
  name: Name;
  range: Range;
}

export interface Spec {
  header: Header;
  decls: Decl[];
  range: Range;
}

/** A comment token kept beside the tree; the formatter re-attaches comments by position. */
export interface Comment {
  text: string;
  range: Range;
  block: boolean;
}
