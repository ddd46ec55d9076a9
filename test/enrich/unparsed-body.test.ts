/**
 * v23's unparsed requests: eix_body_keys passes exactly the bodies
 * eix_body_valid passes, with each key's halves as parseKeyByFives gives them
 * from the parsed body, and its events, parsed on first use, are JSON.parse's.
 * Through the handler v23 answers every body as v22 does, status and bytes, on
 * both index implementations (the TS index's unverified shards send the
 * answer to the JS writer, which must first get the keys and attrs from the
 * body: forced here by withholding the shards), bodies with a byte that is
 * not UTF-8 included. Where the C library
 * cannot be built, v23 is v22 and only the handler cases hold.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS, type Limits } from "../../src/config.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { parseKeyByFives } from "../../src/enrich/ladder/v20-five-digit-keys.ts";
import { NATIVE_CHECK_FROM, nativeBodyValid, v22NativeChecks } from "../../src/enrich/ladder/v22-native-checks.ts";
import { unparsedRequest, v23UnparsedBody } from "../../src/enrich/ladder/v23-unparsed-body.ts";
import { eventCount, UnparsedRequest } from "../../src/enrich/unparsed-request.ts";
import type { EnrichRequest } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { Rng } from "../../src/workload/rng.ts";
import { edgeBody, SMALL } from "../support/edge-bodies.ts";
import { builtIndex } from "../support/fixtures.ts";
import { hostileBatch } from "../support/hostile-batches.ts";
import { expectSameAnswers, indexesUnderTest, withBadUtf8 } from "../support/handler-pairs.ts";

const dir = builtIndex(10_000, 43);
const space = new KeySpace(43);
const keyAt = (rank: number) => space.keyString(rank);
const encoder = new TextEncoder();
const native = nativeBodyValid(encoder.encode('{"events":[{"key":"1","attrs":{}}]}'), DEFAULT_LIMITS);
if (!native) console.warn("unparsed-body.test.ts: SKIPPING the C walk's cases: the native library is unavailable here");

/** A body of at least NATIVE_CHECK_FROM bytes from `make` (padded with more events of its own kind). */
function fat(rng: Rng, make: (rng: Rng) => string): string {
  for (;;) {
    const text = make(rng);
    if (encoder.encode(text).length >= NATIVE_CHECK_FROM) return text;
  }
}

describe.skipIf(!native)("eix_body_keys: eix_body_valid's answer, and the keys", () => {
  test("3,000 bodies at the edges of small limits and 1,000 hostile batches: passed alike, halves as parseKeyByFives", () => {
    const rng = new Rng(36);
    let passed = 0;
    for (let i = 0; i < 4_000; i++) {
      const text = i < 3_000 ? fat(rng, (r) => edgeBody(r, keyAt)) : JSON.stringify(hostileBatch(rng, 10 + rng.int(60), 10_000, keyAt));
      const limits: Limits = i < 3_000 ? SMALL : DEFAULT_LIMITS;
      const bytes = encoder.encode(text);
      const view = unparsedRequest(bytes, limits);
      expect({ text, passed: view !== undefined }).toEqual({ text, passed: nativeBodyValid(bytes, limits) });
      if (!view) continue;
      passed++;
      const events = (JSON.parse(text) as EnrichRequest).events;
      expect(view.count).toBe(events.length);
      const halves = events.map((e) => parseKeyByFives(e.key));
      expect({ his: [...view.his], los: [...view.los] }).toEqual({ his: halves.map((h) => h.hi), los: halves.map((h) => h.lo) });
      expect(view.events).toEqual(events);
    }
    expect(passed).toBeGreaterThan(1_000);
  });

  test("u64's edges and a body over the events limit", () => {
    const body = (keys: string[]) => encoder.encode(JSON.stringify({ events: keys.map((key) => ({ key, attrs: { pad: "x".repeat(200) } })) }));
    const v = unparsedRequest(body(["18446744073709551615", "0", "4294967296", "4294967295", "1", "2", "3"]), DEFAULT_LIMITS)!;
    expect({ his: [...v.his], los: [...v.los] }).toEqual({ his: [4294967295, 0, 1, 0, 0, 0, 0], los: [4294967295, 0, 0, 4294967295, 1, 2, 3] });
    expect(unparsedRequest(body(Array.from({ length: 9 }, () => "1")), { ...DEFAULT_LIMITS, events: 8 })).toBeUndefined();
    expect(unparsedRequest(body(["18446744073709551616", "1", "2", "3", "4", "5"]), DEFAULT_LIMITS)).toBeUndefined();
  });

  test("a thin body is left to the parse, and an unparsed request's events are parsed once, on first use", () => {
    expect(unparsedRequest(encoder.encode('{"events":[{"key":"1","attrs":{}}]}'), DEFAULT_LIMITS)).toBeUndefined();
    const text = JSON.stringify({ events: Array.from({ length: 40 }, (_, i) => ({ key: keyAt(i), attrs: { i: String(i) } })) });
    const v = unparsedRequest(encoder.encode(text), DEFAULT_LIMITS)!;
    expect(v).toBeInstanceOf(UnparsedRequest);
    expect(eventCount(v)).toBe(40);
    expect(v.events).toBe(v.events);
    expect(v.events).toEqual((JSON.parse(text) as EnrichRequest).events);
  });
});

describe("v23 answers every body as v22 does through the handler", () => {
  for (const [impl, index] of indexesUnderTest(dir)) {
    for (const [name, limits] of [["small limits", SMALL], ["default limits", DEFAULT_LIMITS]] as const) {
      test(`${impl} index, ${name}: 1,000 bodies of ${NATIVE_CHECK_FROM} bytes and more, status and bytes`, async () => {
        const [a, b] = [v22NativeChecks, v23UnparsedBody].map((variant) => createApp({ index, variant, limits }));
        const rng = new Rng(name.length + impl.length);
        const bodies = Array.from({ length: 1_000 }, (_, i) => {
          const text = fat(rng, (r) => (i % 2 ? edgeBody(r, keyAt) : JSON.stringify(hostileBatch(r, 10 + r.int(60), 10_000, keyAt))));
          // One in ten has a byte that is not UTF-8 inside a string the form allows: 400, never the fast path.
          return i % 10 === 3 ? withBadUtf8(text) : text;
        });
        const { answered, refused } = await expectSameAnswers(a!, b!, bodies);
        // Both answered and refused bodies, many of each: not a route both apps missed.
        expect(Math.min(answered, refused)).toBeGreaterThan(20);
      });
    }
  }
});
