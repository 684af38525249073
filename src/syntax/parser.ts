/**
 * The `.pnn` grammar as a Chevrotain CstParser (rules are typed class fields; one instance is reused).
 * In: tokens from the lexer. Out: a concrete syntax tree plus parse errors, with error recovery on so
 * that one pass reports several independent mistakes. grammar/pnn.ebnf is generated from these rules.
 */
import type { CstNode, IRecognitionException, IToken, ParserMethod } from "chevrotain";
import { CstParser } from "./chevrotain.js";
import {
  allTokens,
  Arrow,
  Comma,
  Dot,
  DotDot,
  Equals,
  Identifier,
  kw,
  type Keyword,
  LCurly,
  LSquare,
  NumberLiteral,
  RCurly,
  RSquare,
  StringLiteral,
} from "./tokens.js";
import { errorMessages } from "./parse-errors.js";

export class PnnParser extends CstParser {
  /**
   * Grammar validation (ambiguities, left recursion) costs most of start-up; the shared instance
   * skips it and a test builds one with `validate` on, so a broken grammar still fails CI.
   */
  constructor({
    validate = false,
    recovery = true,
  }: { validate?: boolean; recovery?: boolean } = {}) {
    super(allTokens, {
      skipValidations: !validate,
      recoveryEnabled: recovery,
      errorMessageProvider: errorMessages,
      maxLookahead: 2,
      // cst-to-ast takes a node's range from its tokens; recording it here cost a fifth of the parse.
      nodeLocationTracking: "none",
    });
    this.performSelfAnalysis();
  }

  /**
   * Replaces Chevrotain's CST node start (TreeBuilder.cstInvocationStateUpdate) to key children by a
   * plain object instead of `Object.create(null)`, which V8 keeps in slow dictionary mode: that
   * dictionary was a third of a parse tree's memory (73 MB for a 100,000-item list, 48 MB without)
   * and most of its garbage-collection time. The keys are rule names, token names and labels, none of
   * which an Object.prototype member shares (test/parse-fast-path.test.ts holds the grammar to that).
   */
  cstInvocationStateUpdate(fullRuleName: string): void {
    const self = this as unknown as {
      CST_STACK: CstNode[];
      setInitialNodeLocation(node: CstNode): void;
    };
    const node: CstNode = { name: fullRuleName, children: {} };
    self.setInitialNodeLocation(node);
    self.CST_STACK.push(node);
  }

  /** spec = header { declaration } */
  spec = this.RULE("spec", () => {
    this.SUBRULE(this.header);
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  header = this.RULE("header", () => {
    this.CONSUME(kw("pnn"));
    this.SUBRULE(this.literal, { LABEL: "version" });
    this.CONSUME(Identifier, { LABEL: "name" });
  });

  declaration = this.RULE("declaration", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.datasetDecl) },
      { ALT: () => this.SUBRULE(this.taskDecl) },
      { ALT: () => this.SUBRULE(this.columnDecl) },
      { ALT: () => this.SUBRULE(this.trainingDecl) },
      { ALT: () => this.SUBRULE(this.evaluationDecl) },
    ]);
  });

  // ── literals and items ────────────────────────────────────────────────────────────────────────

  /*
   * The alternatives of the rules called once per list item are built once, not on every call
   * (Chevrotain's "caching arrays of alternatives" advice): a 100,000-item list built them 100,000
   * times. The recorded grammar is the same.
   */
  private readonly literalAlternatives = [
    { ALT: () => this.CONSUME(NumberLiteral) },
    { ALT: () => this.CONSUME(StringLiteral) },
    { ALT: () => this.CONSUME(Identifier) },
    // Keywords that are also values: `into head`, `freeze c.head`, `missing drop`, and `file`, the
    // usual name of a file-name column (`fields file "…"`, `preset ravdess on file`).
    { ALT: () => this.CONSUME(kw("head")) },
    { ALT: () => this.CONSUME(kw("drop")) },
    { ALT: () => this.CONSUME(kw("file")) },
  ];

  literal = this.RULE("literal", () => {
    this.OR(this.literalAlternatives);
  });

  private readonly itemTail = () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(DotDot);
          this.SUBRULE2(this.literal, { LABEL: "last" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Dot);
          this.SUBRULE3(this.literal, { LABEL: "layer" });
        },
      },
    ]);
  };

  private readonly firstLabel = { LABEL: "first" };

  /** An item is a literal, a range `a .. b` or a layer reference `column.layer`. */
  item = this.RULE("item", () => {
    this.SUBRULE(this.literal, this.firstLabel);
    this.OPTION(this.itemTail);
  });

  /** One item, or a bracketed list of them (trailing comma allowed). */
  items = this.RULE("items", () => this.oneOrList(this.item));

  mapping = this.RULE("mapping", () => {
    this.SUBRULE(this.literal, { LABEL: "from" });
    this.CONSUME(Arrow);
    this.SUBRULE2(this.literal, { LABEL: "to" });
  });

  mappings = this.RULE("mappings", () => this.oneOrList(this.mapping));

  /** `element`, or `[ element, … ]` with an optional trailing comma. */
  private oneOrList(element: ParserMethod<[], CstNode>): void {
    this.OR([
      { ALT: () => this.SUBRULE(element) },
      {
        ALT: () => {
          this.CONSUME(LSquare);
          this.OPTION(() => {
            this.SUBRULE2(element);
            this.MANY(() => {
              this.CONSUME(Comma);
              this.SUBRULE3(element);
            });
            this.OPTION2(() => this.CONSUME2(Comma, { LABEL: "trailing" }));
          });
          this.CONSUME(RSquare);
        },
      },
    ]);
  }

  /** A rule `name = key-word literal | …` (or `… items`): the settings one block accepts. */
  private keyed(name: string, keys: readonly Keyword[], value: "literal" | "items") {
    return this.RULE(name, () => {
      this.OR(keys.map((k) => ({ ALT: () => this.CONSUME(kw(k), { LABEL: "key" }) })));
      if (value === "literal") this.SUBRULE(this.literal, { LABEL: "value" });
      else this.SUBRULE(this.items, { LABEL: "value" });
    });
  }

  // ── dataset ───────────────────────────────────────────────────────────────────────────────────

  datasetDecl = this.RULE("datasetDecl", () => {
    this.CONSUME(kw("dataset"));
    this.CONSUME(Identifier, { LABEL: "name" });
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.datasetStmt));
    this.CONSUME(RCurly);
  });

  datasetSetting = this.keyed(
    "datasetSetting",
    ["file", "format", "group", "normalize", "missing", "duplicates"],
    "literal",
  );

  datasetStmt = this.RULE("datasetStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.datasetSetting) },
      { ALT: () => this.SUBRULE(this.featuresStmt) },
      { ALT: () => this.SUBRULE(this.excludeStmt) },
      { ALT: () => this.SUBRULE(this.fieldsStmt) },
      { ALT: () => this.SUBRULE(this.deriveStmt) },
      { ALT: () => this.SUBRULE(this.joinStmt) },
      { ALT: () => this.SUBRULE(this.presetStmt) },
    ]);
  });

  featuresStmt = this.RULE("featuresStmt", () => {
    this.CONSUME(kw("features"));
    this.OR([
      {
        ALT: () => {
          this.CONSUME(kw("numeric"));
          this.OPTION(() => {
            this.CONSUME(kw("except"));
            this.SUBRULE(this.items, { LABEL: "except" });
          });
        },
      },
      { ALT: () => this.SUBRULE2(this.items, { LABEL: "columns" }) },
    ]);
  });

  excludeStmt = this.RULE("excludeStmt", () => {
    this.CONSUME(kw("exclude"));
    this.CONSUME(kw("where"));
    this.SUBRULE(this.literal, { LABEL: "column" });
    this.CONSUME(kw("in"));
    this.SUBRULE(this.items, { LABEL: "values" });
  });

  /** `fields COLUMN "TEMPLATE"` or `fields COLUMN regex "RE"`: named parts of a file name. */
  fieldsStmt = this.RULE("fieldsStmt", () => {
    this.CONSUME(kw("fields"));
    this.SUBRULE(this.literal, { LABEL: "column" });
    this.OPTION(() => this.CONSUME(kw("regex")));
    this.CONSUME(StringLiteral, { LABEL: "pattern" });
  });

  /** `derive NAME from COLUMN [parity] MAPPINGS`: a column computed through a code table. */
  deriveStmt = this.RULE("deriveStmt", () => {
    this.CONSUME(kw("derive"));
    this.SUBRULE(this.literal, { LABEL: "name" });
    this.CONSUME(kw("from"));
    this.SUBRULE2(this.literal, { LABEL: "source" });
    this.OPTION(() => this.CONSUME(kw("parity")));
    this.SUBRULE(this.mappings);
  });

  /** `join FILE [format F] on COLUMN [= KEY] [take ITEMS]`: columns of a metadata table. */
  joinStmt = this.RULE("joinStmt", () => {
    this.CONSUME(kw("join"));
    this.SUBRULE(this.literal, { LABEL: "file" });
    this.OPTION(() => {
      this.CONSUME(kw("format"));
      this.SUBRULE2(this.literal, { LABEL: "format" });
    });
    this.CONSUME(kw("on"));
    this.SUBRULE3(this.literal, { LABEL: "on" });
    this.OPTION2(() => {
      this.CONSUME(Equals);
      this.SUBRULE4(this.literal, { LABEL: "key" });
    });
    this.OPTION3(() => {
      this.CONSUME(kw("take"));
      this.SUBRULE(this.items, { LABEL: "take" });
    });
  });

  /** `preset NAME on COLUMN`: a corpus's file-name convention, expanded while lowering. */
  presetStmt = this.RULE("presetStmt", () => {
    this.CONSUME(kw("preset"));
    this.SUBRULE(this.literal, { LABEL: "name" });
    this.CONSUME(kw("on"));
    this.SUBRULE2(this.literal, { LABEL: "column" });
  });

  // ── task ──────────────────────────────────────────────────────────────────────────────────────

  taskDecl = this.RULE("taskDecl", () => {
    this.CONSUME(kw("task"));
    this.CONSUME(Identifier, { LABEL: "name" });
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.taskStmt));
    this.CONSUME(RCurly);
  });

  taskSetting = this.keyed("taskSetting", ["data", "label"], "literal");
  taskList = this.keyed("taskList", ["classes", "drop"], "items");

  taskStmt = this.RULE("taskStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.taskSetting) },
      { ALT: () => this.SUBRULE(this.taskList) },
      { ALT: () => this.SUBRULE(this.mergeStmt) },
    ]);
  });

  mergeStmt = this.RULE("mergeStmt", () => {
    this.CONSUME(kw("merge"));
    this.SUBRULE(this.mappings);
  });

  // ── column ────────────────────────────────────────────────────────────────────────────────────

  columnDecl = this.RULE("columnDecl", () => {
    this.CONSUME(kw("column"));
    this.CONSUME(Identifier, { LABEL: "name" });
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.columnStmt));
    this.CONSUME(RCurly);
  });

  columnSetting = this.keyed("columnSetting", ["task"], "literal");

  columnStmt = this.RULE("columnStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.columnSetting) },
      { ALT: () => this.SUBRULE(this.layersBlock) },
      { ALT: () => this.SUBRULE(this.headStmt) },
      { ALT: () => this.SUBRULE(this.initStmt) },
      { ALT: () => this.SUBRULE(this.lateralStmt) },
    ]);
  });

  layersBlock = this.RULE("layersBlock", () => {
    this.CONSUME(kw("layers"));
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.layerStmt));
    this.CONSUME(RCurly);
  });

  layerStmt = this.RULE("layerStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.denseLayer) },
      { ALT: () => this.SUBRULE(this.repeatBlock) },
    ]);
  });

  denseLayer = this.RULE("denseLayer", () => {
    this.CONSUME(kw("dense"));
    this.SUBRULE(this.literal, { LABEL: "units" });
    this.SUBRULE2(this.literal, { LABEL: "activation" });
    this.OPTION(() => {
      this.CONSUME(kw("dropout"));
      this.SUBRULE3(this.literal, { LABEL: "dropout" });
    });
  });

  repeatBlock = this.RULE("repeatBlock", () => {
    this.CONSUME(kw("repeat"));
    this.SUBRULE(this.literal, { LABEL: "count" });
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.layerStmt));
    this.CONSUME(RCurly);
  });

  /** `head softmax` or `head 4 softmax`. */
  headStmt = this.RULE("headStmt", () => {
    this.CONSUME(kw("head"));
    this.SUBRULE(this.literal, { LABEL: "first" });
    this.OPTION(() => this.SUBRULE2(this.literal, { LABEL: "second" }));
  });

  initStmt = this.RULE("initStmt", () => {
    this.CONSUME(kw("init"));
    this.CONSUME(kw("from"));
    this.SUBRULE(this.literal, { LABEL: "source" });
  });

  /** `lateral from SOURCES into LAYERS [kind {width N | alpha X | activation A}]` */
  lateralStmt = this.RULE("lateralStmt", () => {
    this.CONSUME(kw("lateral"));
    this.CONSUME(kw("from"));
    this.SUBRULE(this.items, { LABEL: "sources" });
    this.CONSUME(kw("into"));
    this.SUBRULE2(this.items, { LABEL: "targets" });
    this.OPTION(() => {
      this.CONSUME(Identifier, { LABEL: "kind" });
      this.MANY(() => this.SUBRULE(this.lateralOption));
    });
  });

  lateralOption = this.RULE("lateralOption", () => {
    this.OR([
      { ALT: () => this.CONSUME(kw("width"), { LABEL: "key" }) },
      { ALT: () => this.CONSUME(kw("alpha"), { LABEL: "key" }) },
      { ALT: () => this.CONSUME(kw("activation"), { LABEL: "key" }) },
    ]);
    this.SUBRULE(this.literal, { LABEL: "value" });
  });

  // ── training ──────────────────────────────────────────────────────────────────────────────────

  trainingDecl = this.RULE("trainingDecl", () => {
    this.CONSUME(kw("training"));
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.trainingStmt));
    this.CONSUME(RCurly);
  });

  trainingSetting = this.keyed(
    "trainingSetting",
    ["optimizer", "learning_rate", "momentum", "batch", "epochs", "seed"],
    "literal",
  );

  trainingStmt = this.RULE("trainingStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.trainingSetting) },
      { ALT: () => this.SUBRULE(this.earlyStopStmt) },
      { ALT: () => this.SUBRULE(this.bestEpochStmt) },
      { ALT: () => this.SUBRULE(this.stageDecl) },
    ]);
  });

  /**
   * `early_stopping METRIC [patience N] [min_delta X]`, or `early_stopping off`; language version 1
   * spelled it `early_stop` (both parse; the lowering holds each to its version).
   */
  earlyStopStmt = this.RULE("earlyStopStmt", () => {
    this.OR1([
      { ALT: () => this.CONSUME(kw("early_stopping")) },
      { ALT: () => this.CONSUME(kw("early_stop")) },
    ]);
    this.SUBRULE(this.literal, { LABEL: "metric" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(kw("patience"), { LABEL: "key" }) },
        { ALT: () => this.CONSUME(kw("min_delta"), { LABEL: "key" }) },
      ]);
      this.SUBRULE2(this.literal, { LABEL: "value" });
    });
  });

  /**
   * `best_epoch METRIC`: train every epoch of the budget and keep the one that scored best on the
   * validation folds. It takes no options: there is no patience to set.
   */
  bestEpochStmt = this.RULE("bestEpochStmt", () => {
    this.CONSUME(kw("best_epoch"));
    this.SUBRULE(this.literal, { LABEL: "metric" });
  });

  stageDecl = this.RULE("stageDecl", () => {
    this.CONSUME(kw("stage"));
    this.CONSUME(Identifier, { LABEL: "name" });
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.stageStmt));
    this.CONSUME(RCurly);
  });

  stageList = this.keyed("stageList", ["train", "freeze", "train_folds"], "items");

  stageStmt = this.RULE("stageStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.trainingSetting) },
      { ALT: () => this.SUBRULE(this.stageList) },
      { ALT: () => this.SUBRULE(this.earlyStopStmt) },
      { ALT: () => this.SUBRULE(this.bestEpochStmt) },
    ]);
  });

  // ── evaluation ────────────────────────────────────────────────────────────────────────────────

  evaluationDecl = this.RULE("evaluationDecl", () => {
    this.CONSUME(kw("evaluation"));
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.evaluationStmt));
    this.CONSUME(RCurly);
  });

  evaluationSetting = this.keyed(
    "evaluationSetting",
    ["repeats", "validation", "seed", "baseline"],
    "literal",
  );
  evaluationList = this.keyed("evaluationList", ["metrics", "compare"], "items");

  evaluationStmt = this.RULE("evaluationStmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.evaluationSetting) },
      { ALT: () => this.SUBRULE(this.evaluationList) },
      { ALT: () => this.SUBRULE(this.foldsStmt) },
    ]);
  });

  /** `folds 10 stratified`, `folds 10 grouped`, `folds leave_one_group_out`. */
  foldsStmt = this.RULE("foldsStmt", () => {
    this.CONSUME(kw("folds"));
    this.SUBRULE(this.literal, { LABEL: "first" });
    this.OPTION(() => this.SUBRULE2(this.literal, { LABEL: "second" }));
  });
}

/**
 * The shared parser, without error recovery (Chevrotain parsers are built once and reused). Recovery
 * wraps every rule call in bookkeeping that roughly doubles the parse of a long list, yet on a valid
 * spec it never acts, so a valid spec's tree is the same either way.
 */
export const pnnParser = new PnnParser({ recovery: false });

let recovering: PnnParser | null = null;

/** The recovering parser, built on the first spec with a syntax error (valid specs never pay for it). */
function recoveringParser(): PnnParser {
  recovering ??= new PnnParser();
  return recovering;
}

/**
 * Parses without recovery and, only when that finds an error, parses again with recovery, so the
 * errors (several independent ones per pass) and the partial tree are exactly what a recovering parse
 * gives.
 */
export function parseTokens(tokens: IToken[]): { cst: CstNode; errors: IRecognitionException[] } {
  pnnParser.input = tokens;
  const cst = pnnParser.spec();
  if (pnnParser.errors.length === 0) return { cst, errors: [] };
  const parser = recoveringParser();
  parser.input = tokens;
  return { cst: parser.spec(), errors: parser.errors };
}
