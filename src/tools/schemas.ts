/**
 * The JSON Schemas of the IR and of results.json, generated from their TypeScript types with
 * ts-json-schema-generator (as Vega-Lite does): the types' JSDoc tags (`@minimum`, `@pattern`,
 * `@asType integer`...) are the schemas' limits, so a type and its schema cannot disagree.
 * In: src/ir/types.ts and src/runtime/results.ts. Out: each schema's path and JSON text (not yet
 * prettier-formatted), keywords in a fixed order and definitions sorted by name.
 */
import { join } from "node:path";
import ts from "typescript";
import {
  createFormatter,
  createParser,
  DEFAULT_CONFIG,
  LiteralType,
  SchemaGenerator,
  UnionType,
  UnionTypeFormatter,
  type BaseType,
  type CompletedConfig,
  type Definition,
  type SubTypeFormatter,
} from "ts-json-schema-generator";

export interface SchemaSource {
  /** Where the code loads the schema from, relative to the repository root. */
  path: string;
  /** The module that declares `type`. */
  from: string;
  type: string;
  id: string;
}

export const SCHEMAS: readonly SchemaSource[] = [
  {
    path: "src/ir/pnn-ir.schema.json",
    from: "src/ir/types.ts",
    type: "Ir",
    id: "https://pnnc.dev/schema/pnn-ir.v1.json",
  },
  {
    path: "src/engine/results.schema.json",
    from: "src/runtime/results.ts",
    type: "ResultsDocument",
    id: "https://pnnc.dev/schema/pnn-results.v1.json",
  },
];

/**
 * A union of words is an `enum` even when it has one word (the generator would write `const`): a
 * word list derived from vocabulary.ts (`HeadActivation`) keeps the schema error that lists the
 * choices (PNN2003). A lone literal (`kind: "dense"`, `"head"`) is no union and stays a `const`.
 */
class WordListFormatter implements SubTypeFormatter {
  supportsType(type: BaseType): boolean {
    return (
      type instanceof UnionType &&
      type.getTypes().every((t) => t instanceof LiteralType && t.isString())
    );
  }
  getDefinition(type: BaseType): Definition {
    const words = (type as UnionType).getTypes().map((t) => String((t as LiteralType).getValue()));
    return { type: "string", enum: words };
  }
  getChildren(): BaseType[] {
    return [];
  }
}

/**
 * A `@discriminator` union (open-api style, for ajv's `discriminator`) also declares its tag as a
 * string beside `required`, as ajv's strict mode asks; a tag of another type is a type error.
 */
class TaggedUnionFormatter extends UnionTypeFormatter {
  override supportsType(type: BaseType): boolean {
    return type instanceof UnionType && type.getDiscriminator() !== undefined;
  }
  override getDefinition(type: UnionType): Definition {
    const tag = type.getDiscriminator() ?? "";
    return { ...super.getDefinition(type), properties: { [tag]: { type: "string" } } };
  }
}

/** The repository's compiler options (strict null checks matter: `T | null` must stay a union). */
function compilerOptions(root: string): ts.CompilerOptions {
  const file = join(root, "tsconfig.json");
  const { config } = ts.readConfigFile(file, (path) => ts.sys.readFile(path)) as {
    config: unknown;
  };
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, file);
  // The schema types need no ambient Node types; leaving them out halves the generation time.
  return { ...options, types: [], noEmit: true };
}

/** Keyword order in the written schema; keys not listed keep their place after these. */
const KEYWORDS = [
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "$ref",
  "type",
  "const",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "discriminator",
  "required",
  "properties",
  "additionalProperties",
  "oneOf",
  "anyOf",
  "allOf",
  "definitions",
];

type Node = { [keyword: string]: unknown };

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);
/** Keywords whose value is a schema or a list of schemas. */
const SUBSCHEMAS = new Set(["items", "additionalProperties", "oneOf", "anyOf", "allOf"]);

/** Orders a schema's keywords (not its property names) and sorts its definitions, recursively. */
function canonical(schema: Node): Node {
  const rank = (k: string) => (KEYWORDS.includes(k) ? KEYWORDS.indexOf(k) : KEYWORDS.length);
  const sub = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sub) : isNode(v) ? canonical(v) : v;
  const out: Node = {};
  for (const key of Object.keys(schema).sort((a, b) => rank(a) - rank(b))) {
    const value = schema[key];
    if ((key === "properties" || key === "definitions") && isNode(value)) {
      const names = Object.keys(value);
      if (key === "definitions") names.sort();
      out[key] = Object.fromEntries(names.map((n) => [n, sub(value[n])]));
    } else out[key] = SUBSCHEMAS.has(key) ? sub(value) : value;
  }
  return out;
}

/** Every schema as JSON text, from one TypeScript program over their source modules. */
export function generateSchemas(root: string): { path: string; content: string }[] {
  const program = ts.createProgram(
    SCHEMAS.map((s) => join(root, s.from)),
    compilerOptions(root),
  );
  const config: CompletedConfig = {
    ...DEFAULT_CONFIG,
    topRef: false,
    expose: "export",
    jsDoc: "extended",
    sortProps: false,
    additionalProperties: false,
    // ajv's `discriminator` (ajv-options.ts): only the branch a `kind` names reports errors.
    discriminatorType: "open-api",
    encodeRefs: false,
    // `tsc --noEmit` checks these modules already.
    skipTypeCheck: true,
  };
  const parser = createParser(program, config);
  const formatter = createFormatter(config, (f, child) => {
    f.addTypeFormatter(new WordListFormatter());
    f.addTypeFormatter(new TaggedUnionFormatter(child, config.discriminatorType));
  });
  return SCHEMAS.map((s) => {
    const generator = new SchemaGenerator(program, parser, formatter, {
      ...config,
      schemaId: s.id,
    });
    const schema = generator.createSchema(s.type);
    const stamped = {
      ...schema,
      $comment: `Generated by \`npm run gen\` from ${s.type} in ${s.from}; do not edit.`,
    };
    return { path: s.path, content: JSON.stringify(canonical(stamped as Node), null, 2) + "\n" };
  });
}
