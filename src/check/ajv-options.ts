/**
 * The ajv set-up shared by the run-time compile and the precompiled validator, so both agree: options,
 * and a linear-time stand-in for `uniqueItems` on lists whose items are a `$ref`.
 * In: the committed schema. Out: the schema ajv compiles, and the keyword it needs.
 */
import { _, type CodeKeywordDefinition, type KeywordCxt } from "ajv";

export const ajvOptions = { allErrors: true, discriminator: true, strict: false } as const;

/**
 * ajv checks `uniqueItems` with a hash only when it sees the items' scalar type; behind a `$ref` it
 * compares every pair, and a 100,000-name `drop` list took a minute. This keyword does the same job
 * with a Map and reports the same pair as that pairwise loop (`i` the last item whose value came
 * earlier, `j` its nearest earlier copy), so PNN2004 keeps pointing at the same item.
 */
export const uniqueListKeyword: CodeKeywordDefinition = {
  keyword: "pnnUniqueItems",
  type: "array",
  schemaType: "boolean",
  error: {
    message: "must NOT have duplicate items",
    params: ({ params }) => _`{i: ${params["i"]}, j: ${params["j"]}}`,
  },
  code(cxt: KeywordCxt) {
    const { gen, data } = cxt;
    const i = gen.let("i", -1);
    const j = gen.let("j", -1);
    const seen = gen.const("seen", _`new Map()`);
    gen.forRange("k", 0, _`${data}.length`, (k) => {
      // JSON text is a one-to-one key for JSON values: "1" and 1 stay apart, as under deep equality.
      const key = gen.const("key", _`JSON.stringify(${data}[${k}])`);
      gen.if(_`${seen}.has(${key})`, () => {
        gen.assign(i, k);
        gen.assign(j, _`${seen}.get(${key})`);
      });
      gen.code(_`${seen}.set(${key}, ${k})`);
    });
    cxt.setParams({ i, j });
    cxt.fail(_`${i} >= 0`);
  },
};

/** A copy of the schema with each `uniqueItems` over `$ref` items moved to the linear keyword. */
export function validatorSchema(schema: object): object {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== "object") return node;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) copy[key] = walk(value);
    const items = copy["items"];
    if (copy["uniqueItems"] === true && typeof items === "object" && items && "$ref" in items) {
      delete copy["uniqueItems"];
      copy["pnnUniqueItems"] = true;
    }
    return copy;
  };
  return walk(schema) as object;
}
