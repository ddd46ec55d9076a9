/**
 * v19's depth scan, eix_nesting_depth, against nesting.ts's nestingDepth: the
 * same count on every input, malformed ones included, since the 400 and its
 * path depend on it. The C scan works in 64-byte blocks with a byte-by-byte
 * path for blocks with a backslash, so the inputs are made to put strings,
 * escapes and brackets across block edges; and v19 answers every deep or
 * escaped body through the handler as v18 does. Where the C library cannot
 * be built, v19 is v18 and only the last holds.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { nativeNestingDepth, NATIVE_DEPTH_FROM, v19NativeDepth } from "../../src/enrich/ladder/v19-native-depth.ts";
import { v18BodyHeads } from "../../src/enrich/ladder/v18-body-heads.ts";
import { createApp } from "../../src/http/app.ts";
import { nestingDepth } from "../../src/http/nesting.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { builtIndex } from "../support/fixtures.ts";

const native = nativeNestingDepth(new Uint8Array(1), 1) !== undefined;
if (!native) console.warn("native-depth.test.ts: SKIPPING the C scan's cases: the native library is unavailable here");
const bytes = (s: string) => new TextEncoder().encode(s);

/** JSON-ish text from the bytes that matter to the scan, in runs long enough to cross 64-byte blocks; escapes rare, so most blocks take the block path. */
const jsonish = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom("[", "]", "{", "}", '"', ":", ",", "é", "東") },
      { weight: 4, arbitrary: fc.string({ maxLength: 70, size: "max" }).map((x) => x.replace(/\\/g, "")) },
      { weight: 1, arbitrary: fc.constantFrom("\\", '\\"', "\\\\") },
    ),
    { maxLength: 160, size: "max" },
  )
  .map((parts) => parts.join(""));

describe.skipIf(!native)("eix_nesting_depth counts as nestingDepth does", () => {
  test("the hand cases: strings, escapes, stops past max, malformed input", () => {
    const cases: [string, number][] = [
      ['{"a":[{"b":"[[[{{{\\"[["}]}', 64],
      ['"\\\\"[[]]', 64],
      ["[".repeat(1000), 5],
      ["]]][[[", 64],
      ['\\"[[', 64],
      ['"unclosed [[[', 64],
      ['"ends in a backslash\\', 64],
      ["", 64],
    ];
    for (const [s, max] of cases) expect({ s, d: nativeNestingDepth(bytes(s), max) }).toEqual({ s, d: nestingDepth(bytes(s), max) });
  });

  test("every offset of an escape, a quote and a bracket around a block edge", () => {
    for (const piece of ['\\"', "\\\\", '"', "[", "{}", '"\\', '\\"['])
      for (let at = 0; at < 200; at++) {
        for (const inString of [false, true]) {
          const pad = inString ? `"${"x".repeat(at)}` : "x".repeat(at);
          const s = `[${pad}${piece}[{"k":"v"}]${"y".repeat(at % 67)}]`;
          expect({ s, d: nativeNestingDepth(bytes(s), 64) }).toEqual({ s, d: nestingDepth(bytes(s), 64) });
        }
      }
  });

  test("generated text, every max from 0 to 8", () => {
    fc.assert(
      fc.property(jsonish, fc.integer({ min: 0, max: 8 }), (s, max) => {
        const b = bytes(s);
        expect(nativeNestingDepth(b, max)).toBe(nestingDepth(b, max));
      }),
      { numRuns: 5_000 },
    );
  });

  test("deep bodies: the count stops at max + 1 wherever the depth passes it", () => {
    for (let deep = 60; deep < 200; deep += 7) {
      const s = `{"x":"${"[".repeat(deep % 13)}","events":[${"[".repeat(deep)}${"]".repeat(deep)}]}`;
      expect(nativeNestingDepth(bytes(s), 64)).toBe(nestingDepth(bytes(s), 64));
    }
  });
});

describe("v19 answers deep and escaped bodies through the handler as v18 does", () => {
  const index = openIndex(builtIndex(10_000, 42), { impl: "ts" });
  const apps = [v18BodyHeads, v19NativeDepth].map((variant) => createApp({ index, variant }));
  const post = (app: (typeof apps)[number], body: string) => app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }));
  const depth = DEFAULT_LIMITS.depth!;

  test(`bodies of ${NATIVE_DEPTH_FROM} bytes and more, the native scan's, get v18's status, error and path`, async () => {
    const filler = "a".repeat(NATIVE_DEPTH_FROM);
    const bodies = [
      `{"events":[],"pad":"${filler}","x":${"[".repeat(depth + 1)}${"]".repeat(depth + 1)}}`,
      // At the limit: the body's own object is a level, and so is x's.
      `{"events":[],"pad":"${filler}","x":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`,
      `{"events":[],"pad":"${filler}\\"[[[","x":{"y":${"[".repeat(depth - 2)}${"]".repeat(depth - 2)}}}`,
      `{"pad":"${filler}","events":[{"key":"1","attrs":{"a":"${"{".repeat(100)}"}}]}`,
      `{"pad":"${filler}\\\\","events":${"[".repeat(depth + 5)}`,
    ];
    const statuses: number[] = [];
    for (const body of bodies) {
      const [a, b] = await Promise.all(apps.map((app) => post(app, body)));
      expect({ status: b!.status, body: await b!.text() }).toEqual({ status: a!.status, body: await a!.text() });
      statuses.push(b!.status);
    }
    // Too deep either side of the scan's edges, and answered in between (not a route both apps missed).
    expect(statuses).toEqual([400, 200, 200, 200, 400]);
  });
});
