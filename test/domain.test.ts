import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { KeySpace, fmix64, keyHi, keyLo } from "../src/domain/keys.ts";
import { PAYLOAD_BYTES, decodePayload, isoSeconds, writePayload } from "../src/domain/payload.ts";
import { H, L, mod64, mul64 } from "../src/domain/u64.ts";
import * as ref from "../oracle/formulas.ts";

const big = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);
const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe("u64 arithmetic", () => {
  test("mul64 wraps like BigInt", () => {
    fc.assert(
      fc.property(u32, u32, u32, u32, (ah, al, bh, bl) => {
        mul64(ah, al, bh, bl);
        expect(big(H, L)).toBe((big(ah, al) * big(bh, bl)) & ((1n << 64n) - 1n));
      }),
    );
  });
  test("mod64 is exact for large moduli", () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 1, max: 0x7fffffff }), (h, l, m) => {
        expect(BigInt(mod64(h, l, m))).toBe(big(h, l) % BigInt(m));
      }),
    );
  });
  test("fmix64 matches the reference", () => {
    fc.assert(
      fc.property(u32, u32, (h, l) => {
        fmix64(h, l);
        expect(big(keyHi, keyLo)).toBe(ref.fmix64(big(h, l)));
      }),
    );
  });
});

describe("docs/contract.md test vectors (seed 1)", () => {
  const ks = new KeySpace(1);
  test("keys", () => {
    expect([ks.keyString(0), ks.keyString(1), ks.keyString(1_000_000)]).toEqual([
      "4196369186997887578",
      "8265609475098896503",
      "7788350510065932601",
    ]);
  });
  test("payload of key(0)", () => {
    const buf = new Uint8Array(PAYLOAD_BYTES);
    ks.keyOf(0);
    writePayload(keyHi, keyLo, buf, new DataView(buf.buffer), 0);
    const f = decodePayload(buf, 0);
    expect({ ...f, since: isoSeconds(f.since) }).toEqual({
      account: 3676215278,
      segment: 106,
      country: "ZA",
      tier: "platinum",
      score: 0.8534,
      tags: ["mobile", "desktop", "organic", "social", "email", "premium", "churn-risk"],
      since: "2021-06-30T18:43:18Z",
      name: "acct-1osq1v2-india",
    });
  });
});

test("payload encode/decode matches the BigInt reference for random keys", () => {
  const buf = new Uint8Array(PAYLOAD_BYTES + 8);
  const view = new DataView(buf.buffer);
  fc.assert(
    fc.property(u32, u32, (h, l) => {
      buf.fill(0);
      writePayload(h, l, buf, view, 8);
      expect(decodePayload(buf, 8)).toEqual(ref.fields(big(h, l)));
    }),
    { numRuns: 2000 },
  );
});
