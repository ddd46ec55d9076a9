/**
 * The shared Index suite: every implementation's test file calls
 * runIndexContract with a factory. The reference answers come from
 * oracle/formulas.ts (the BigInt transcription of docs/contract.md).
 */
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { INDEX_IMPLS, type Index } from "../../src/index/contract.ts";
import { decodePayload } from "../../src/domain/payload.ts";
import * as ref from "../../oracle/formulas.ts";
import { smallIndex } from "../support/fixtures.ts";

const split = (k: bigint) => [Number(k >> 32n), Number(k & 0xffffffffn)] as const;

export function runIndexContract(name: string, open: (dir: string) => Index): void {
  describe(`Index contract: ${name}`, () => {
    const { dir, entries, seed } = smallIndex();
    let index: Index;
    beforeAll(() => {
      index = open(dir);
    });
    afterAll(() => index.close());

    test("reports its size and seed", () => {
      expect({ entries: index.entries, seed: index.seed }).toEqual({ entries, seed });
    });

    test("every rank is found, with the payload the formulas give", () => {
      const S = BigInt(seed);
      const positions = new Set<number>();
      for (let r = 0; r < entries; r++) {
        const k = ref.key(S, BigInt(r));
        const pos = index.find(...split(k));
        if (pos < 0) throw new Error(`rank ${r} (key ${k}) not found`);
        positions.add(pos);
        if (r % 97 === 0) expect(decodePayload(index.payload(pos), 0)).toEqual(ref.fields(k));
      }
      expect(positions.size).toBe(entries);
    });

    test("ranks ≥ N and the extremes of u64 are misses", () => {
      const S = BigInt(seed);
      for (let r = entries; r < entries + 5000; r++) expect(index.find(...split(ref.key(S, BigInt(r))))).toBe(-1);
      for (const k of [0n, 1n, (1n << 32n) - 1n, 1n << 32n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n]) expect(index.find(...split(k))).toBe(-1);
    });

    test("agrees with a Map on random keys, hits and misses alike", () => {
      const S = BigInt(seed);
      const map = new Map<bigint, number>();
      for (let r = 0; r < entries; r++) map.set(ref.key(S, BigInt(r)), r);
      const hit = fc.integer({ min: 0, max: entries - 1 }).map((r) => ref.key(S, BigInt(r)));
      const anyKey = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
      const neighbour = hit.chain((k) => fc.constantFrom(k + 1n, k - 1n, k ^ 1n, k ^ (1n << 32n)).map((x) => x & ((1n << 64n) - 1n)));
      fc.assert(
        fc.property(fc.oneof(hit, anyKey, neighbour), (k) => {
          const pos = index.find(...split(k));
          expect(pos >= 0).toBe(map.has(k));
          if (pos >= 0) expect(decodePayload(index.payload(pos), 0)).toEqual(ref.fields(k));
        }),
        { numRuns: 5000 },
      );
    });

    test("reports its implementation and the bytes it mapped", () => {
      const bytes = readdirSync(dir).filter((f) => f.endsWith(".bin")).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
      expect({ known: INDEX_IMPLS.includes(index.impl), mappedBytes: index.mappedBytes }).toEqual({ known: true, mappedBytes: bytes });
    });

    // Hits, misses past N, u64 extremes and near neighbours of hits, interleaved.
    const batchKeys = () => {
      const S = BigInt(seed), M = (1n << 64n) - 1n;
      const n = 10_000;
      const his = new Uint32Array(n), los = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        const k = i % 4 === 0 ? ref.key(S, BigInt(entries + i)) : i % 4 === 3 ? (ref.key(S, BigInt(i)) ^ 1n) & M : i % 97 === 1 ? [0n, M, 1n << 63n][i % 3]! : ref.key(S, BigInt((i * 7919) % entries));
        [his[i], los[i]] = split(k);
      }
      return { his, los };
    };

    test("findBatch answers as find does at every batch size, leaves the rest of out alone, and counts the hits", () => {
      const { his, los } = batchKeys();
      const got: unknown[] = [], want: unknown[] = [];
      for (const n of [0, 1, 2, 15, 16, 17, 31, 32, 33, 48, 100, 1000, 4095, 4096, 4097, 8193, 10_000]) {
        const out = new Int32Array(n + 3).fill(12345);
        const hits = index.findBatch(his, los, n, out);
        const expected = Array.from({ length: n }, (_, i) => index.find(his[i]!, los[i]!));
        got.push({ n, hits, out: Array.from(out) });
        want.push({ n, hits: expected.filter((p) => p >= 0).length, out: [...expected, 12345, 12345, 12345] });
      }
      expect(got).toEqual(want);
      expect((want.at(-1) as { hits: number }).hits).toBeGreaterThan(4000);
    });

    test("findBatch reads views at an offset from where they start", () => {
      const { his, los } = batchKeys();
      for (const [off, n] of [[5, 10], [123, 1000], [1, 5000]] as const) {
        const out = new Int32Array(n);
        index.findBatch(his.subarray(off), los.subarray(off, off + n), n, out);
        expect(Array.from(out)).toEqual(Array.from({ length: n }, (_, i) => index.find(his[off + i]!, los[off + i]!)));
      }
    });

    test("findBatch refuses an n its arrays cannot hold", () => {
      const a = new Uint32Array(8), b = new Uint32Array(8), out = new Int32Array(4);
      for (const n of [-1, 5, 1.5, Number.NaN, 2 ** 32]) expect(() => index.findBatch(a, b, n, out)).toThrow(RangeError);
      expect(() => index.findBatch(a, new Uint32Array(2), 3, new Int32Array(8))).toThrow(RangeError);
    });

    test("payloadShards holds every position's payload bytes where payload() reads them", () => {
      const all = index.payloadShards();
      // A freshly opened small index is verified whole, so no implementation has a check left to make.
      expect(all).not.toBeNull();
      const { shards, shardBits } = all!;
      expect(shards.reduce((n, s) => n + s.length, 0)).toBe(entries * 48);
      for (let pos = 0; pos < entries; pos += 37) {
        const off = (pos % 2 ** shardBits) * 48;
        expect(Array.from(shards[Math.floor(pos / 2 ** shardBits)]!.subarray(off, off + 48))).toEqual(Array.from(index.payload(pos)));
      }
    });

    test("after close, every lookup misses", () => {
      const other = open(dir);
      const [hi, lo] = split(ref.key(BigInt(seed), 0n));
      expect(other.find(hi, lo)).toBeGreaterThanOrEqual(0);
      other.close();
      const out = new Int32Array([9, 9]);
      expect({ find: other.find(hi, lo), hits: other.findBatch(new Uint32Array([hi, hi]), new Uint32Array([lo, lo]), 2, out), out: Array.from(out) }).toEqual({ find: -1, hits: 0, out: [-1, -1] });
      other.close();
    });
  });
}
