/**
 * v16's native field writer against v15's JS writer, byte for byte: on
 * generated hostile batches through both variants and both index
 * implementations, on synthetic payloads that take every score, every day of
 * the u32 range, every tag pattern and the extremes of account and segment,
 * across several shards, and on corrupt entries (same message, or the same
 * escaped name, as the JS writer). Where the C library cannot be built, the
 * JS writer answers and these tests still hold (said once, loudly).
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { type PayloadResult, writeResults } from "../../src/enrich/ladder/json-bytes.ts";
import { nativeFieldsAvailable, type PositionResult, type PositionResults, writeAnswer } from "../../src/enrich/ladder/native-fields.ts";
import { v15JsonBytes } from "../../src/enrich/ladder/v15-json-bytes.ts";
import { v16NativeFields } from "../../src/enrich/ladder/v16-native-fields.ts";
import { answerText, type EnrichContext, type EnrichRequest } from "../../src/enrich/variant.ts";
import type { Index } from "../../src/index/contract.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { Rng } from "../../src/workload/rng.ts";
import { builtIndex } from "../support/fixtures.ts";
import { hostileBatch } from "../support/hostile-batches.ts";
import { implsUnderTest } from "../support/native.ts";

const dir = builtIndex(10_000, 42);
const space = new KeySpace(42);
const keyAt = (rank: number) => space.keyString(rank);

const same = (a: Uint8Array, b: Uint8Array) => {
  expect(answerText(a)).toBe(answerText(b));
  expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
};

test("the native writer is in use wherever the library builds", () => {
  expect(nativeFieldsAvailable()).toBe(implsUnderTest().includes("native"));
});

for (const impl of implsUnderTest()) {
  describe(`v16-native-fields answers v15's bytes (${impl} index)`, () => {
    const ctx: EnrichContext = { index: openIndex(dir, { impl }), limits: DEFAULT_LIMITS };
    const both = async (req: EnrichRequest) => same((await v16NativeFields.respond(req, ctx)) as Uint8Array, (await v15JsonBytes.respond(req, ctx)) as Uint8Array);

    test("2,000 generated batches of 1 to 40 events with hostile attrs", async () => {
      const rng = new Rng(16);
      for (let i = 0; i < 2_000; i++) await both(hostileBatch(rng, 1 + rng.int(40), ctx.index.entries, keyAt));
    });

    test("every entry of the index in one batch, a batch past the buffers, an empty batch", async () => {
      await both({ events: Array.from({ length: ctx.index.entries }, (_, pos) => ({ key: keyAt(pos), attrs: {} })) });
      const quotes = '"'.repeat(256);
      await both({ events: Array.from({ length: 1200 }, (_, i) => ({ key: keyAt(i), attrs: Object.fromEntries(Array.from({ length: 8 }, (_, j) => [`n${j}`, quotes])) })) });
      await both({ events: [{ key: keyAt(1), attrs: { a: "b" } }] });
      await both({ events: [] });
    });

    test("an index with checks left to make (payloadShards null) is answered the same", async () => {
      const checking = Object.assign(Object.create(ctx.index) as Index, { payloadShards: () => null });
      const rng = new Rng(61);
      for (let i = 0; i < 50; i++) {
        const req = hostileBatch(rng, 1 + rng.int(40), ctx.index.entries, keyAt);
        same((await v16NativeFields.respond(req, { ...ctx, index: checking })) as Uint8Array, (await v15JsonBytes.respond(req, ctx)) as Uint8Array);
      }
    });
  });
}

describe("synthetic payloads, across shards of 4,096 entries", () => {
  const template = openIndex(dir).payload(3).slice();
  const SHARD_BITS = 12;

  /** An index whose positions hold exactly these payloads. */
  function indexOf(payloads: readonly Uint8Array[]): Index {
    const shards: Uint8Array[] = [];
    for (let first = 0; first < payloads.length; first += 2 ** SHARD_BITS) {
      const part = payloads.slice(first, first + 2 ** SHARD_BITS);
      const shard = new Uint8Array(part.length * 48);
      part.forEach((p, i) => shard.set(p, i * 48));
      shards.push(shard);
    }
    const payload = (pos: number) => shards[pos >>> SHARD_BITS]!.subarray((pos & (2 ** SHARD_BITS - 1)) * 48, (pos & (2 ** SHARD_BITS - 1)) * 48 + 48);
    return { impl: "ts", entries: payloads.length, seed: 0, dir: "synthetic", mappedBytes: 0, find: () => -1, findBatch: () => 0, payload, payloadShards: () => ({ shards, shardBits: SHARD_BITS }), close() {} };
  }

  /** What each writer makes of these payloads, as hits in batches of up to 1,000 (a throw is its message). */
  function outcomes(payloads: readonly Uint8Array[]): { native: string[]; js: string[] } {
    const index = indexOf(payloads);
    const native: string[] = [], js: string[] = [];
    const run = (f: () => Uint8Array) => {
      try {
        return answerText(f());
      } catch (e) {
        return `throws ${(e as Error).message}`;
      }
    };
    for (let first = 0; first < payloads.length; first += 1000) {
      const results = [] as PositionResult[] as PositionResults;
      for (let pos = first; pos < Math.min(first + 1000, payloads.length); pos++) results.push({ key: String(pos), found: true, attrs: { n: String(pos) }, pos });
      results.push({ key: "miss", found: false, attrs: {}, pos: -1 });
      results.index = index;
      native.push(run(() => writeAnswer(results)));
      js.push(run(() => writeResults(results.map((r): PayloadResult => ({ key: r.key, found: r.found, attrs: r.attrs, payload: r.found ? index.payload(r.pos) : undefined })))));
    }
    return { native, js };
  }

  const withBytes = (set: (b: Uint8Array, view: DataView) => void) => {
    const b = template.slice();
    set(b, new DataView(b.buffer));
    return b;
  };
  const expectSame = (payloads: Uint8Array[]) => {
    const { native, js } = outcomes(payloads);
    expect(native).toEqual(js);
    return js;
  };

  test("every score (u16 / 10000, as JSON.stringify writes it)", () => {
    const texts = expectSame(Array.from({ length: 65536 }, (_, k) => withBytes((_, v) => v.setUint16(10, k, true))));
    expect(texts.join("")).toContain('"score":6.5535,');
  });

  test("every day of the u32 range of epoch seconds, at a different second of each, and both ends", () => {
    const last = 2 ** 32 - 1;
    const seconds = [0, last, ...Array.from({ length: Math.floor(last / 86400) + 1 }, (_, d) => Math.min(last, d * 86400 + ((d * 7919) % 86400)))];
    const texts = expectSame(seconds.map((s) => withBytes((_, v) => v.setUint32(16, s, true))));
    expect(texts.join("")).toContain('"since":"2106-02-07T06:28:15Z"');
  });

  test("every tag pattern, with and without bits no rule names", () => {
    expectSame(Array.from({ length: 65536 }, (_, bits) => withBytes((_, v) => v.setUint32(12, (bits | (bits % 3 === 0 ? 0xffff0000 : 0)) >>> 0, true))));
  });

  test("accounts and segments at every digit count and both ends", () => {
    const accounts = [0, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, ...Array.from({ length: 10 }, (_, d) => 10 ** d), ...Array.from({ length: 10 }, (_, d) => 10 ** d - 1)];
    const segments = [0, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535];
    expectSame(accounts.flatMap((a) => segments.map((s) => withBytes((_, v) => (v.setUint32(0, a >>> 0, true), v.setUint16(4, s, true))))));
  });

  test("names of every length, and a name filling its 28 bytes with no NUL", () => {
    expectSame(Array.from({ length: 29 }, (_, n) => withBytes((b) => b.fill(0x61, 20, 20 + n).fill(0, 20 + n))));
  });

  test("corrupt tier, country and name bytes: the JS writer's failure or escape, in the middle of a batch of good entries", () => {
    for (const [at, value] of [[8, 4], [8, 255], [6, 0x5a], [7, 0], [22, 0x22], [23, 0x5c], [24, 0x01], [25, 0xe9]] as const) {
      const bad = withBytes((b) => (b[at] = value));
      const texts = expectSame([template, template, bad, template]);
      expect(texts[0]!.startsWith("throws ") || texts[0]!.includes('"name":')).toBe(true);
    }
  });
});
