/**
 * v24's one change is v23's unparsed path without its 1 KiB line, so what v23's
 * tests show for bodies of 1 KiB and more must now hold for bodies of any size:
 * eix_body_keys passes exactly the bodies eix_body_valid passes, with the keys'
 * halves and events of the parsed body; and through the handler v24 answers
 * every body as v23 does, status and bytes, on both index implementations and
 * with the TS index's shards withheld (the JS writer), bodies with a byte that
 * is not UTF-8 included. Where the C library cannot be built, v24 is v23 and
 * only the handler cases hold.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS, type Limits } from "../../src/config.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { parseKeyByFives } from "../../src/enrich/ladder/v20-five-digit-keys.ts";
import { NATIVE_CHECK_FROM, nativeBodyValid } from "../../src/enrich/ladder/v22-native-checks.ts";
import { unparsedRequest, v23UnparsedBody } from "../../src/enrich/ladder/v23-unparsed-body.ts";
import { v24ThinUnparsed } from "../../src/enrich/ladder/v24-thin-unparsed.ts";
import { eventCount } from "../../src/enrich/unparsed-request.ts";
import type { EnrichRequest } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { Rng } from "../../src/workload/rng.ts";
import { edgeBody, SMALL } from "../support/edge-bodies.ts";
import { builtIndex } from "../support/fixtures.ts";
import { hostileBatch } from "../support/hostile-batches.ts";
import { expectSameAnswers, indexesUnderTest, withBadUtf8 } from "../support/handler-pairs.ts";

const dir = builtIndex(10_000, 47);
const space = new KeySpace(47);
const keyAt = (rank: number) => space.keyString(rank);
const encoder = new TextEncoder();
const native = nativeBodyValid(encoder.encode('{"events":[{"key":"1","attrs":{}}]}'), DEFAULT_LIMITS);
if (!native) console.warn("thin-unparsed.test.ts: SKIPPING the C walk's cases: the native library is unavailable here");

/** Bodies of every size, most of them thin: one to three events at the edges of the limits, or a short hostile batch. */
function anySize(rng: Rng, i: number): string {
  return i % 3 === 0 ? JSON.stringify(hostileBatch(rng, 1 + rng.int(3), 10_000, keyAt)) : edgeBody(rng, keyAt);
}

describe.skipIf(!native)("eix_body_keys on bodies under 1 KiB: eix_body_valid's answer, and the keys", () => {
  test("3,000 bodies of any size: passed alike, halves as parseKeyByFives, events as JSON.parse's", () => {
    const rng = new Rng(47);
    let thinPassed = 0;
    for (let i = 0; i < 3_000; i++) {
      const text = anySize(rng, i);
      const limits: Limits = i % 2 ? SMALL : DEFAULT_LIMITS;
      const bytes = encoder.encode(text);
      const view = unparsedRequest(bytes, limits, 0);
      expect({ text, passed: view !== undefined }).toEqual({ text, passed: nativeBodyValid(bytes, limits) });
      if (!view) continue;
      if (bytes.length < NATIVE_CHECK_FROM) thinPassed++;
      const events = (JSON.parse(text) as EnrichRequest).events;
      expect(view.count).toBe(events.length);
      const halves = events.map((e) => parseKeyByFives(e.key));
      expect({ his: [...view.his], los: [...view.los] }).toEqual({ his: halves.map((h) => h.hi), los: halves.map((h) => h.lo) });
      expect(view.events).toEqual(events);
    }
    // Thin bodies really took the path: the line is gone, not moved.
    expect(thinPassed).toBeGreaterThan(500);
  });

  test("v24 views a thin body; v23 leaves it to the parse", () => {
    const bytes = encoder.encode(`{"events":[{"key":"${keyAt(1)}","attrs":{"city":"Zürich"}}]}`);
    expect(v23UnparsedBody.viewBody!(bytes, DEFAULT_LIMITS)).toBeUndefined();
    expect(eventCount(v24ThinUnparsed.viewBody!(bytes, DEFAULT_LIMITS)!)).toBe(1);
  });
});

describe("v24 answers every body as v23 does through the handler", () => {
  for (const [impl, index] of indexesUnderTest(dir)) {
    for (const [name, limits] of [["small limits", SMALL], ["default limits", DEFAULT_LIMITS]] as const) {
      test(`${impl} index, ${name}: 1,000 bodies of any size, status and bytes`, async () => {
        const [a, b] = [v23UnparsedBody, v24ThinUnparsed].map((variant) => createApp({ index, variant, limits }));
        const rng = new Rng(name.length * 7 + impl.length);
        const texts = Array.from({ length: 1_000 }, (_, i) => anySize(rng, i));
        // One in ten has a byte that is not UTF-8 inside a string the form allows: 400, never the fast path.
        const { answered, refused } = await expectSameAnswers(a!, b!, texts.map((text, i) => (i % 10 === 3 ? withBadUtf8(text) : text)));
        // Both answered and refused bodies, many of each, most of them thin: not a route both apps missed.
        expect(Math.min(answered, refused)).toBeGreaterThan(20);
        expect(texts.filter((t) => encoder.encode(t).length < NATIVE_CHECK_FROM).length).toBeGreaterThan(500);
      });
    }
  }
});
