/**
 * The ladder's replaced stages against the stages they replace, on inputs
 * the golden corpus rarely reaches: key edges, every entry of a small index,
 * and corrupt payload bytes (same message, same failure).
 */
import { expect, test } from "bun:test";
import { parseKeyByDigits } from "../../src/enrich/ladder/v8-arithmetic-key.ts";
import { parseKeyByFives } from "../../src/enrich/ladder/v20-five-digit-keys.ts";
import { decodeWithTables, tagTable } from "../../src/enrich/ladder/v4-table-decode.ts";
import { v10BatchedLookup } from "../../src/enrich/ladder/v10-batched-lookup.ts";
import { v11PlainTagLists } from "../../src/enrich/ladder/v11-plain-tag-lists.ts";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { parseKeyWithBigInt } from "../../src/enrich/v0/parse-key.ts";
import { decodeFieldsByHand } from "../../src/enrich/v0/decode.ts";
import { RULES } from "../../src/enrich/v0/rules.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex } from "../support/fixtures.ts";
import { Rng } from "../../src/workload/rng.ts";

test("parseKeyByDigits splits every key as the BigInt parser does, at the edges and at random", () => {
  const keys = ["0", "1", "9", "10", "4294967295", "4294967296", "4294967297", "9007199254740991", "9007199254740993", "18446744073709551614", "18446744073709551615"];
  const rng = new Rng(7);
  for (let i = 0; i < 20_000; i++) {
    const hi = rng.int(2 ** 32), lo = rng.int(2 ** 32);
    keys.push(((BigInt(hi) << 32n) | BigInt(lo)).toString().slice(0, 1 + (i % 20)));
  }
  const differ = keys.filter((k) => JSON.stringify(parseKeyByDigits(k)) !== JSON.stringify(parseKeyWithBigInt(k)));
  expect(differ).toEqual([]);
});

test("parseKeyByFives splits every key as the BigInt parser does: every length, each five-digit step's edges, at random", () => {
  const keys = ["0", "1", "9", "99999", "100000", "4294967295", "4294967296", "4294967297", "9007199254740991", "9007199254740993", "18446744069414584320", "18446744073709551614", "18446744073709551615"];
  // Every length 1–20, all nines (up to 19: twenty are past 2^64 − 1, which the schema refuses) and a one followed by zeros.
  for (let n = 1; n <= 20; n++) keys.push(...(n < 20 ? ["9".repeat(n)] : []), `1${"0".repeat(n - 1)}`);
  // Around each 2^32 multiple a step's carry can land on: k · 2^32 − 1, k · 2^32, k · 2^32 + 1.
  for (let k = 1n; k < 2n ** 32n; k = k * 3n + 1n) for (const d of [-1n, 0n, 1n]) keys.push((k * 2n ** 32n + d).toString());
  const rng = new Rng(11);
  for (let i = 0; i < 20_000; i++) {
    const hi = rng.int(2 ** 32), lo = rng.int(2 ** 32);
    keys.push(((BigInt(hi) << 32n) | BigInt(lo)).toString().slice(0, 1 + (i % 20)));
  }
  const differ = keys.filter((k) => JSON.stringify(parseKeyByFives(k)) !== JSON.stringify(parseKeyWithBigInt(k)));
  expect(differ).toEqual([]);
});

test("decodeWithTables gives decodeFieldsByHand's fields for every entry of an index", () => {
  const index = openTsIndex(builtIndex(10_000, 42));
  const differ: number[] = [];
  for (let pos = 0; pos < index.entries; pos++) {
    const bytes = index.payload(pos);
    if (JSON.stringify(decodeWithTables(bytes)) !== JSON.stringify(decodeFieldsByHand(bytes, RULES))) differ.push(pos);
  }
  expect(differ).toEqual([]);
});

test("decodeWithTables fails on a corrupt tier, country or tag byte exactly as decodeFieldsByHand does", () => {
  const good = openTsIndex(builtIndex(10_000, 42)).payload(3);
  const outcome = (f: () => unknown) => {
    try {
      return JSON.stringify(f());
    } catch (e) {
      return `throws ${(e as Error).message}`;
    }
  };
  for (const [at, value] of [[8, 4], [8, 255], [6, 0x5a], [7, 0], [15, 0xff], [14, 0x01]] as const) {
    const bytes = good.slice();
    bytes[at] = value;
    expect(outcome(() => decodeWithTables(bytes))).toBe(outcome(() => decodeFieldsByHand(bytes, RULES)));
  }
});

test("v11's tag lists are v4's lists unfrozen: equal, shared per bit pattern, and plain arrays", () => {
  const index = openTsIndex(builtIndex(10_000, 42));
  const frozen = tagTable(true), plain = tagTable(false);
  const seen = new Map<number, readonly string[]>();
  for (let pos = 0; pos < 2_000; pos++) {
    const p = index.payload(pos);
    const bits = (p[12]! | (p[13]! << 8) | (p[14]! << 16) | (p[15]! << 24)) >>> 0;
    const list = plain(bits);
    expect(list).toEqual(frozen(bits));
    expect(Object.isFrozen(list)).toBe(false);
    expect(Object.isFrozen(frozen(bits))).toBe(true);
    if (seen.has(bits)) expect(list).toBe(seen.get(bits)!);
    seen.set(bits, list);
  }
  const ctx = { index, limits: DEFAULT_LIMITS };
  expect(JSON.stringify(v11PlainTagLists.stages.decode(7, ctx, {}))).toBe(JSON.stringify(v10BatchedLookup.stages.decode(7, ctx, {})));
});
