/**
 * Mutation fuzzing of the golden request corpus through every variant: each
 * real request is damaged the ways bytes get damaged (flips, inserted JSON
 * punctuation, cut, duplicated or deleted ranges, deep nesting spliced in)
 * and must still get a contract answer: 200 with one result per event, or a
 * 4xx with `{error, path}`; never a 5xx, never a hang (bun test's timeout).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { GOLDEN_SPEC } from "../golden/spec.ts";
import { builtIndex } from "../support/fixtures.ts";

const corpus = readFileSync(join(import.meta.dir, "../golden/requests.ndjson"), "utf8").split("\n").filter(Boolean).map((l) => Buffer.from(l));
const index = openTsIndex(builtIndex(GOLDEN_SPEC.entries, GOLDEN_SPEC.seed));
const PUNCT = Buffer.from('{}[]":,\\ 0-e.\u0000\u00ff');

type Mutation = (b: Buffer<ArrayBufferLike>) => Buffer<ArrayBufferLike>;
const at = (b: Buffer, f: number) => Math.floor(f * b.length);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true }), fc.integer({ min: 1, max: 255 })).map(([f, x]): Mutation => (b) => {
    const c = Buffer.from(b);
    c[at(c, f)]! ^= x;
    return c;
  }),
  fc.tuple(fc.double({ min: 0, max: 1 }), fc.integer({ min: 0, max: PUNCT.length - 1 }), fc.integer({ min: 1, max: 8 })).map(([f, p, n]): Mutation => (b) => Buffer.concat([b.subarray(0, at(b, f)), Buffer.alloc(n, PUNCT[p]!), b.subarray(at(b, f))])),
  fc.double({ min: 0, max: 1 }).map((f): Mutation => (b) => b.subarray(0, at(b, f))),
  fc.tuple(fc.double({ min: 0, max: 1 }), fc.double({ min: 0, max: 1 })).map(([f, g]): Mutation => (b) => Buffer.concat([b.subarray(0, at(b, Math.min(f, g))), b.subarray(at(b, Math.max(f, g)))])),
  fc.tuple(fc.double({ min: 0, max: 1 }), fc.double({ min: 0, max: 1 })).map(([f, g]): Mutation => (b) => {
    const [s, e] = [at(b, Math.min(f, g)), at(b, Math.max(f, g))];
    return Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]);
  }),
  fc.tuple(fc.double({ min: 0, max: 1 }), fc.integer({ min: 1, max: 3000 })).map(([f, d]): Mutation => (b) => Buffer.concat([b.subarray(0, at(b, f)), Buffer.from("[".repeat(d) + "]".repeat(d)), b.subarray(at(b, f))])),
);

for (const [name, variant] of VARIANTS) {
  describe(`mutation fuzz, variant ${name}`, () => {
    const app = createApp({ index, variant });
    test("mutated corpus requests get a contract answer, never a 5xx", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: corpus.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (i, ms) => {
          const body = new Uint8Array(ms.reduce<Buffer<ArrayBufferLike>>((b, m) => m(b), corpus[i]!));
          const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", body, headers: { "content-type": "application/json" } }));
          const text = await res.text();
          expect(res.status).toBeLessThan(500);
          const json = JSON.parse(text) as { results?: unknown[]; error?: unknown; path?: unknown };
          if (res.status === 200) {
            // A mutation can leave valid JSON: then the answer must be one result per event.
            expect(json.results!.length).toBe((JSON.parse(Buffer.from(body).toString("utf8")) as { events: unknown[] }).events.length);
          } else expect({ error: typeof json.error, path: typeof json.path }).toEqual({ error: "string", path: "string" });
        }),
        { numRuns: 400, seed: 14 },
      );
    });
  });
}
