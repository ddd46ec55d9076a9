/**
 * v18's heads, copied from the request body by eix_body_heads, against
 * json-bytes.ts's writeHeads over the request as the service parses it:
 * byte for byte wherever it copies, and it copies exactly the bodies in the
 * form JSON.stringify gives a request. Mutated bodies (whitespace, escapes,
 * a name twice, other members, another member order, trailing bytes) are
 * either refused or copied to the same bytes; through the handler, v18
 * answers every one of them as v16 does. Where the C library cannot be
 * built, nothing is copied and v18 is v16.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { writeHeads } from "../../src/enrich/ladder/json-bytes.ts";
import { bodyHeads, nativeFieldsAvailable } from "../../src/enrich/ladder/native-fields.ts";
import { v16NativeFields } from "../../src/enrich/ladder/v16-native-fields.ts";
import { v18BodyHeads } from "../../src/enrich/ladder/v18-body-heads.ts";
import type { EnrichRequest } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { checkInOnePass } from "../../src/http/one-pass.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { Rng } from "../../src/workload/rng.ts";
import { builtIndex } from "../support/fixtures.ts";
import { hostileBatch } from "../support/hostile-batches.ts";
import { implsUnderTest } from "../support/native.ts";

const dir = builtIndex(10_000, 42);
const space = new KeySpace(42);
const keyAt = (rank: number) => space.keyString(rank);
const encoder = new TextEncoder();

/** The request as the service hands it to the variant (the one-pass checks; the ordered re-parse for integer-like names), or null if it refuses it. */
function asServed(text: string): EnrichRequest | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
    return checkInOnePass(body, text, DEFAULT_LIMITS);
  } catch {
    return null;
  }
}

function expectedHeads(req: EnrichRequest, found: readonly boolean[]): Uint8Array {
  const results = req.events.map((e, i) => ({ key: e.key, found: found[i]!, attrs: e.attrs }));
  return writeHeads(results, new Int32Array(results.length)).slice();
}

const foundFor = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(4) > 0);
const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.from(a).toString("latin1")).toBe(Buffer.from(b).toString("latin1"));

test("the copy is available wherever the library builds", () => {
  expect(nativeFieldsAvailable()).toBe(implsUnderTest().includes("native"));
});

test("a body JSON.stringify wrote is copied unless it holds an escape, and the copy is writeHeads' bytes", () => {
  const rng = new Rng(18);
  let copied = 0;
  for (let i = 0; i < 2_000; i++) {
    const text = JSON.stringify(hostileBatch(rng, 1 + rng.int(40), 10_000, keyAt));
    const req = asServed(text)!;
    const found = foundFor(rng, req.events.length);
    const got = bodyHeads(encoder.encode(text), found);
    if (!nativeFieldsAvailable()) {
      expect(got).toBeNull();
      continue;
    }
    expect(got === null).toBe(text.includes("\\"));
    if (got) same(got, expectedHeads(req, found)), copied++;
  }
  // Most hostile batches hold an escape somewhere; a few hundred batches of few events do not.
  if (nativeFieldsAvailable()) expect(copied).toBeGreaterThan(20);
});

test("each way out of the form is refused, one body at a time", () => {
  const key = keyAt(7);
  const form = `{"events":[{"key":"${key}","attrs":{"a":"b","c":"d"}},{"key":"${key}","attrs":{}}]}`;
  const found = [true, false];
  const refused = [
    `{"events":[{"key":"${key}","attrs":{"a":"b","c":"d"}}, {"key":"${key}","attrs":{}}]}`,
    `{"events":[{"key":"${key}","attrs":{"a":"\\u0062","c":"d"}},{"key":"${key}","attrs":{}}]}`,
    `{"events":[{"key":"${key}","attrs":{"a":"b","a":"d"}},{"key":"${key}","attrs":{}}]}`,
    `{"events":[{"key":"${key}","attrs":{"a":"b","c":"d"},"x":1},{"key":"${key}","attrs":{}}]}`,
    `{"events":[{"attrs":{"a":"b","c":"d"},"key":"${key}"},{"key":"${key}","attrs":{}}]}`,
    `{"events":[{"key":"${key}","attrs":{"a":"b","c":"d"}},{"key":"${key}","attrs":{}}],"x":1}`,
    `${form}\n`,
    `\ufeff${form}`,
  ];
  if (!nativeFieldsAvailable()) return expect(bodyHeads(encoder.encode(form), found)).toBeNull();
  same(bodyHeads(encoder.encode(form), found)!, expectedHeads(asServed(form)!, found));
  for (const text of refused) expect([text, bodyHeads(encoder.encode(text), found)]).toEqual([text, null]);
  // Other than n events, and no events at all.
  expect(bodyHeads(encoder.encode(form), [true])).toBeNull();
  expect(bodyHeads(encoder.encode('{"events":[]}'), [])).toBeNull();
});

/** Ways to take a body out of the one form, or to keep it in it while changing its bytes. */
const MUTATIONS: Record<string, (text: string, at: number) => string> = {
  whitespace: (t, at) => t.slice(0, at) + [" ", "\n", "\t", "\r"][at % 4] + t.slice(at),
  escape: (t, at) => {
    const i = t.indexOf("a", at);
    return i < 0 ? t : t.slice(0, i) + "\\u0061" + t.slice(i + 1);
  },
  nameTwice: (t, at) => {
    const i = t.indexOf('"attrs":{"', at);
    if (i < 0) return t;
    const pair = /^"(?:[^"\\]|\\.)*":"(?:[^"\\]|\\.)*"/.exec(t.slice(i + 9))?.[0];
    return pair ? t.slice(0, i + 9) + pair.replace(/:"/, ':"x') + "," + t.slice(i + 9) : t;
  },
  memberInEvent: (t, at) => {
    const i = t.indexOf("}}", at);
    return i < 0 ? t : t.slice(0, i + 1) + ',"more":[1]' + t.slice(i + 1);
  },
  memberAtTop: (t) => t.slice(0, -1) + ',"more":{}}',
  attrsFirst: (t, at) => t.replace(/\{"key":("\d+"),"attrs":(\{[^{}]*\})\}/g, (whole, k, a, off: number) => (off >= at ? `{"attrs":${a},"key":${k}}` : whole)),
  trailing: (t) => t + "\n",
  valueChanged: (t, at) => {
    const i = t.indexOf(':"', Math.max(at, t.indexOf('"attrs"')));
    return i < 0 ? t : t.slice(0, i + 2) + "é" + t.slice(i + 2);
  },
  keyWithZeros: (t, at) => {
    const i = t.indexOf('"key":"', at);
    return i < 0 ? t : t.slice(0, i + 7) + "00" + t.slice(i + 7);
  },
};

test("a mutated body is refused or copied to writeHeads' bytes, never anything else", () => {
  const copies: Record<string, number> = {};
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(...Object.keys(MUTATIONS)), fc.nat(), (seed, name, where) => {
      const rng = new Rng(seed);
      const base = JSON.stringify(hostileBatch(rng, 1 + rng.int(12), 10_000, keyAt));
      const text = MUTATIONS[name]!(base, where % base.length);
      const req = asServed(text);
      if (!req) return;
      const found = foundFor(rng, req.events.length);
      const got = bodyHeads(encoder.encode(text), found);
      if (got) same(got, expectedHeads(req, found)), (copies[name] = (copies[name] ?? 0) + 1);
    }),
    { numRuns: 4_000, seed: 18 },
  );
  if (!nativeFieldsAvailable()) return;
  // These always leave the form (the others may land inside a string, or find nothing to change); a changed value stays in it.
  for (const refused of ["memberAtTop", "trailing"]) expect(copies[refused] ?? 0).toBe(0);
  expect(copies.valueChanged ?? 0).toBeGreaterThan(0);
});

for (const impl of implsUnderTest()) {
  describe(`through the handler, v18 answers v16's bytes (${impl} index)`, () => {
    const index = openIndex(dir, { impl });
    const apps = [v16NativeFields, v18BodyHeads].map((variant) => createApp({ index, variant }));
    const answers = (text: string) =>
      Promise.all(
        apps.map(async (app) => {
          const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body: text }));
          return [res.status, await res.text()];
        }),
      );

    test("generated bodies, as written and mutated", async () => {
      const rng = new Rng(81);
      const names = Object.keys(MUTATIONS);
      for (let i = 0; i < 600; i++) {
        const base = JSON.stringify(hostileBatch(rng, 1 + rng.int(40), index.entries, keyAt));
        const text = i % 2 ? base : MUTATIONS[names[rng.int(names.length)]!]!(base, rng.int(base.length));
        const [a, b] = await answers(text);
        expect(b).toEqual(a!);
      }
    });

    test("a batch past the scratch buffers, then a small one", async () => {
      const big = JSON.stringify({ events: Array.from({ length: 6_000 }, (_, i) => ({ key: keyAt(i % index.entries), attrs: { page: "p".repeat(200), n: String(i) } })) });
      for (const text of [big, JSON.stringify({ events: [{ key: keyAt(3), attrs: {} }] })]) {
        const [a, b] = await answers(text);
        expect(b).toEqual(a!);
      }
    });
  });
}
