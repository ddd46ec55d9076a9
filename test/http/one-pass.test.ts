/**
 * The one-pass check (src/http/one-pass.ts) against what it replaces: the
 * same app with "schema" validation (checkEnvelope, the ordered-attrs test,
 * Elysia's TypeBox check) must answer every body with the same status and the
 * same bytes — the same message and path for a bad one, the same response
 * for a good one. Bodies are written as text, so duplicate names, `__proto__`
 * and integer-like names reach the parser as a client would send them.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { derive } from "../../src/enrich/variant.ts";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { builtIndex } from "../support/fixtures.ts";

const limits = { bodyBytes: 64 * 1024, events: 8, attrs: 4, attrChars: 16 };
const index = openIndex(builtIndex(10_000, 42));
const onePass = VARIANTS.get("v12-one-pass-validation")!;
// The same pipeline with the schema: the only difference between the two apps is the check.
const withSchema = derive(onePass, "v12-with-schema", "the control: v12's pipeline, checked by the schema", {}, { validation: "schema" });
const apps = { schema: createApp({ index, variant: withSchema, limits }), onePass: createApp({ index, variant: onePass, limits }) };

async function answer(app: ReturnType<typeof createApp>, text: string) {
  const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", body: text, headers: { "content-type": "application/json" } }));
  return { status: res.status, body: await res.text() };
}

async function same(text: string) {
  const [a, b] = await Promise.all([answer(apps.schema, text), answer(apps.onePass, text)]);
  expect(b).toEqual(a);
  return a;
}

const ks = new KeySpace(42);
const j = (v: unknown) => JSON.stringify(v);
const obj = (pairs: [string, string][]) => `{${pairs.map(([k, v]) => `${j(k)}:${v}`).join(",")}}`;

const anyJson = fc.jsonValue({ maxDepth: 2 }).map(j);
const keyText = fc.oneof(
  fc.integer({ min: 0, max: 9_999 }).map((r) => j(ks.keyString(r))),
  fc.constantFrom('"0"', '"01"', '"-1"', '"+1"', '""', '"1a"', '"18446744073709551615"', '"18446744073709551616"', '"100000000000000000000"', "1", "null", "[]", "{}", "true"),
  anyJson,
);
const attrName = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("0", "7", "42", "4294967294", "4294967295", "01", "__proto__", "a\nb", "a\u2028b", "\r", "a/b~c", "src", "n".repeat(17)),
);
const attrValue = fc.oneof(fc.string({ maxLength: 20 }).map(j), fc.constantFrom('"東京"', '"x"', "1", "null", "{}", '["a"]', "true"), anyJson);
const attrsText = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(attrName, attrValue), { maxLength: 6 }).map(obj) },
  { weight: 1, arbitrary: fc.constantFrom("[]", '["a"]', "null", '"s"', "3") },
);
const eventText = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({ key: fc.option(keyText, { nil: undefined }), attrs: fc.option(attrsText, { nil: undefined }), extra: fc.option(fc.tuple(attrName, anyJson), { nil: undefined }), keyFirst: fc.boolean() })
      .map(({ key, attrs, extra, keyFirst }) => {
        const pairs: [string, string][] = [];
        if (key !== undefined) pairs.push(["key", key]);
        if (attrs !== undefined) (keyFirst ? pairs.push(["attrs", attrs]) : pairs.unshift(["attrs", attrs]));
        if (extra) pairs.push([extra[0], extra[1]]);
        return obj(pairs);
      }),
  },
  { weight: 1, arbitrary: anyJson },
);
const bodyText = fc.oneof(
  { weight: 10, arbitrary: fc.array(eventText, { maxLength: 10 }).map((evs) => `{"events":[${evs.join(",")}]}`) },
  { weight: 1, arbitrary: fc.tuple(fc.array(eventText, { maxLength: 3 }), attrName, anyJson).map(([evs, k, v]) => `{${j(k)}:${v},"events":[${evs.join(",")}]}`) },
  { weight: 1, arbitrary: anyJson },
);

describe("one-pass validation answers as the schema does", () => {
  test("on generated bodies, good and bad", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(bodyText, async (text) => {
        const { status } = await same(text);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      { numRuns: 4_000, seed: 12 },
    );
    // The generator reaches both sides of the check, and the batch limit.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(1_000);
    expect(statuses.get(413) ?? 0).toBeGreaterThan(10);
  });

  const k = j(ks.keyString(5));
  const CASES: [string, string][] = [
    ["missing attrs is reported before a bad key", '{"events":[{"key":"01"}]}'],
    ["missing key is reported before bad attrs", '{"events":[{"attrs":[]}]}'],
    ["too many attrs before a bad value", `{"events":[{"key":${k},"attrs":{"a":1,"b":"2","c":"3","d":"4","e":"5"}}]}`],
    ["a name with a line terminator: its value is not checked", `{"events":[{"key":${k},"attrs":{"a\\nb":5}}]}`],
    ["a name with U+2028: its value is not checked", `{"events":[{"key":${k},"attrs":{"a\\u2028b":{}}}]}`],
    ["__proto__ as an attr name", `{"events":[{"key":${k},"attrs":{"__proto__":1}}]}`],
    ["__proto__ with a string value", `{"events":[{"key":${k},"attrs":{"__proto__":"x"}}]}`],
    ["duplicate attr names, the last value bad", `{"events":[{"key":${k},"attrs":{"a":"x","a":2}}]}`],
    ["integer-like names: the error follows source order", `{"events":[{"key":${k},"attrs":{"b":1,"7":2}}]}`],
    ["an error before a reordered event", `{"events":[{"key":"x","attrs":{}},{"key":${k},"attrs":{"9":"a","b":"c"}}]}`],
    ["a reordered event before an error", `{"events":[{"key":${k},"attrs":{"z":"a","3":"b"}},{"key":${k},"attrs":{"a":3}}]}`],
    ["a reordered valid body is answered in source order", `{"events":[{"key":${k},"attrs":{"z":"a","3":"b","1":"c"}}]}`],
    ["an event object with integer-like names", `{"events":[{"1":2,"key":${k},"attrs":{"a":"b"}}]}`],
    ["a key over 2^64-1 passes the schema and is caught after it", '{"events":[{"key":"18446744073709551616","attrs":{}}]}'],
    ["an attr name over the limit is caught after the schema", `{"events":[{"key":${k},"attrs":{"${"n".repeat(17)}":"x"}}]}`],
    ["a value of exactly attrChars UTF-16 units", `{"events":[{"key":${k},"attrs":{"a":"${"東".repeat(16)}"}}]}`],
    ["a lone surrogate in a value and in a name", `{"events":[{"key":${k},"attrs":{"\\ud800":"\\udc00x"}}]}`],
    ["a value one unit over, by a surrogate pair", `{"events":[{"key":${k},"attrs":{"a":"${"x".repeat(15)}😀"}}]}`],
    ["events over the batch limit", `{"events":[${Array.from({ length: 9 }, () => "{}").join(",")}]}`],
    ["events not an array", '{"events":{"0":{}}}'],
    ["body an array", "[]"],
  ];
  for (const [label, text] of CASES) test(label, async () => void (await same(text)));
});
