/**
 * v14's serialize joins runs of results stringified apart: whatever the mix of
 * Latin-1 and wider attrs, and wherever the wide ones fall (first, last,
 * adjacent, all, none), the text is JSON.stringify({results})'s, byte for byte.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { serializeInLatin1Runs } from "../../src/enrich/ladder/v14-latin1-runs.ts";

const attrValue = fc.oneof(fc.constantFrom("", "plain", "Zürich", "東京", "😀", "a\"b\\c\n", "ÿ", "Ā"), fc.string({ unit: "binary", maxLength: 6 }));
const result = fc.record({
  key: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  found: fc.boolean(),
  attrs: fc.dictionary(fc.oneof(fc.constantFrom("city", "名前", "2"), fc.string({ maxLength: 4 })), attrValue, { maxKeys: 4 }),
  tags: fc.constant(["new", "paid"]),
});

test("the runs join to JSON.stringify({results})'s bytes", () => {
  fc.assert(
    fc.property(fc.array(result, { maxLength: 40 }), (results) => {
      expect(serializeInLatin1Runs(results)).toBe(JSON.stringify({ results }));
    }),
    { numRuns: 2000 },
  );
});

test("edge placements of wide results", () => {
  const narrow = { key: "1", found: true, attrs: { a: "x" } };
  const wide = { key: "2", found: false, attrs: { city: "東京" } };
  for (const results of [[], [wide], [narrow], [wide, narrow], [narrow, wide], [wide, wide], [narrow, wide, wide, narrow], [wide, narrow, wide]]) {
    expect(serializeInLatin1Runs(results)).toBe(JSON.stringify({ results }));
  }
});
