/**
 * The shared Index suite: every implementation's test file calls
 * runIndexContract with a factory. The reference answers come from
 * test/support/reference.ts (the BigInt transcription of DESIGN.md).
 */
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Index } from "../../src/index/contract.ts";
import { decodePayload } from "../../src/domain/payload.ts";
import * as ref from "../support/reference.ts";
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
  });
}
