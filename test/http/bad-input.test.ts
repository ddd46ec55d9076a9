/**
 * A corpus of hostile bodies: each gets the status and `{error, path}` body the
 * wire contract names, from every variant; none reaches 5xx.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { builtIndex } from "../support/fixtures.ts";
import { implsUnderTest } from "../support/native.ts";

const limits = { bodyBytes: 64 * 1024, events: 100, attrs: 4, attrChars: 16 };
const JSON_TYPE = "application/json";

type Case = [name: string, body: string | Uint8Array, status: number, path: string, type?: string];
const ev = (key: unknown, attrs: unknown = {}) => ({ key, attrs });
const body = (events: unknown) => JSON.stringify({ events });

const CASES: Case[] = [
  ["empty body", "", 400, ""],
  ["not JSON", "hello", 400, ""],
  ["truncated JSON", '{"events":[{"key":"1","attrs":{', 400, ""],
  ["deeply nested array", "[".repeat(200_00) + "]".repeat(200_00), 400, ""],
  ["deeply nested inside attrs", `{"events":[{"key":"1","attrs":{"a":${"[".repeat(20_000)}${"]".repeat(20_000)}}}]}`, 400, "/events/0/attrs/a"],
  ["top-level array", "[]", 400, ""],
  ["top-level null", "null", 400, ""],
  ["events missing", "{}", 400, "/events"],
  ["events not an array", '{"events":{"0":{"key":"1","attrs":{}}}}', 400, "/events"],
  ["events a string", '{"events":"x"}', 400, "/events"],
  ["event not an object", body([1]), 400, "/events/0"],
  ["key is a number", body([ev("1"), ev(12345)]), 400, "/events/1/key"],
  ["key negative", body([ev("-1")]), 400, "/events/0/key"],
  ["key with sign", body([ev("+1")]), 400, "/events/0/key"],
  ["key with leading zero", body([ev("01")]), 400, "/events/0/key"],
  ["key empty", body([ev("")]), 400, "/events/0/key"],
  ["key not decimal", body([ev("0x10")]), 400, "/events/0/key"],
  ["key of 21 digits", body([ev("100000000000000000000")]), 400, "/events/0/key"],
  ["key 2^64", body([ev("18446744073709551616")]), 400, "/events/0/key"],
  ["key 99…9 (20 digits)", body([ev("1"), ev("1"), ev("99999999999999999999")]), 400, "/events/2/key"],
  ["key missing", body([{ attrs: {} }]), 400, "/events/0/key"],
  ["attrs missing", body([{ key: "1" }]), 400, "/events/0/attrs"],
  ["attrs an array", body([ev("1", ["a"])]), 400, "/events/0/attrs"],
  ["attr value a number", body([ev("1", { a: "x", b: 2 })]), 400, "/events/0/attrs/b"],
  ["attr value null", body([ev("1", { a: null })]), 400, "/events/0/attrs/a"],
  ["attr value an object", body([ev("1", { a: { b: "c" } })]), 400, "/events/0/attrs/a"],
  ["too many attrs", body([ev("1", { a: "1", b: "2", c: "3", d: "4", e: "5" })]), 400, "/events/0/attrs"],
  ["attr value too long", body([ev("1", { a: "x".repeat(17) })]), 400, "/events/0/attrs/a"],
  ["attr name too long", body([ev("1", { ["n".repeat(17)]: "x" })]), 400, "/events/0/attrs/nnnnnnnnnnnnnnnnn"],
  ["attr name with / and ~ escaped in path", body([ev("1", { "a/b~c": 1 })]), 400, "/events/0/attrs/a~1b~0c"],
  ["invalid UTF-8", new Uint8Array([...Buffer.from('{"events":[{"key":"1","attrs":{"a":"'), 0xc3, 0x28, ...Buffer.from('"}}]}')]), 400, ""],
  ["UTF-8 overlong encoding", new Uint8Array([...Buffer.from('{"events":[{"key":"1","attrs":{"a":"'), 0xc0, 0xaf, ...Buffer.from('"}}]}')]), 400, ""],
  ["oversize body", body(Array.from({ length: 90 }, () => ev("1", { a: "x".repeat(16), b: "y".repeat(16), c: "z".repeat(16), d: "w".repeat(16) }))).padEnd(70_000, " "), 413, ""],
  ["oversize batch", body(Array.from({ length: 101 }, () => ev("1"))), 413, "/events"],
  ["wrong content type", body([ev("1")]), 415, "", "text/plain"],
  ["no content type", body([ev("1")]), 415, "", ""],
  ["form content type", "events=1", 415, "", "application/x-www-form-urlencoded"],
];

const post = (app: ReturnType<typeof createApp>, data: string | Uint8Array, type = JSON_TYPE) =>
  app.handle(new Request("http://localhost/enrich", { method: "POST", body: data, headers: type ? { "content-type": type } : {} }));

// Every variant on every Index implementation.
for (const impl of implsUnderTest()) {
  const index = openIndex(builtIndex(10_000, 42), { impl });
  for (const [name, variant] of VARIANTS) {
    describe(`hostile input, variant ${name}, index ${impl}`, () => {
      const app = createApp({ index, variant, limits });
      for (const [label, data, status, path, type] of CASES) {
        test(label, async () => {
          const res = await post(app, data, type);
          const got = (await res.json()) as { error: unknown; path: unknown };
          expect({ status: res.status, path: got.path, error: typeof got.error }).toEqual({ status, path, error: "string" });
          expect(res.headers.get("content-type")).toBe("application/json");
        });
      }

      test("content type with charset is accepted", async () => {
        expect((await post(app, body([ev("1")]), "application/json; charset=utf-8")).status).toBe(200);
      });

      test("random JSON values and random bytes never reach 5xx", async () => {
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify({ events: [v] })), fc.uint8Array().map((b) => b)), async (data) => {
            const res = await post(app, data);
            expect(res.status).toBeLessThan(500);
          }),
          { numRuns: 300 },
        );
      });
    });
  }
}

test("the hot-path app serves no admin routes", async () => {
  const app = createApp({ index: openIndex(builtIndex(10_000, 42)), variant: VARIANTS.get("v0")!, limits });
  for (const path of ["/metrics", "/debug/pprof/", "/debug/pprof/profile"]) expect((await app.handle(new Request(`http://localhost${path}`))).status).toBe(404);
});
