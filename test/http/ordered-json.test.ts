import { expect, test } from "bun:test";
import fc from "fast-check";
import { mayHaveReorderedAttrs, parseOrdered } from "../../src/http/ordered-json.ts";

test("parses exactly what JSON.parse parses, to the same value", () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      expect(JSON.stringify(parseOrdered(text))).toBe(JSON.stringify(JSON.parse(text)));
    }),
    { numRuns: 2000 },
  );
});

test("rejects what JSON.parse rejects", () => {
  for (const bad of ['{"a":1,}', "[1 2]", '"\t"', "01", '{"a" 1}', "[", "", "{'a':1}", "NaN", "[1,]", '"\\x41"', "1 2"]) {
    expect(() => JSON.parse(bad)).toThrow();
    expect(() => parseOrdered(bad)).toThrow();
  }
});

test("keeps source order for objects with integer-like keys", () => {
  const text = '{"b":"x","7":"y","a":"z","0":"w","4294967295":"not an index","10":"v"}';
  expect(Object.keys(JSON.parse(text))).toEqual(["0", "7", "10", "b", "a", "4294967295"]);
  expect(JSON.stringify(parseOrdered(text))).toBe(text);
});

test("a duplicate key keeps its first position and its last value, as JSON.parse does", () => {
  expect(JSON.stringify(parseOrdered('{"7":"a","b":"c","7":"d"}'))).toBe('{"7":"d","b":"c"}');
});

test("detects the requests JSON.parse may have reordered", () => {
  const req = (attrs: string) => JSON.parse(`{"events":[{"key":"1","attrs":{}},{"key":"1","attrs":${attrs}}]}`);
  expect(mayHaveReorderedAttrs(req('{"a":"1","b":"2"}'))).toBe(false);
  expect(mayHaveReorderedAttrs(req('{"a":"1","2":"2"}'))).toBe(true);
  expect(mayHaveReorderedAttrs(req('{"01":"1","-1":"2","1.5":"3"}'))).toBe(false);
});
