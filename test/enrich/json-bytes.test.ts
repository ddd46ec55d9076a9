/**
 * v15's hand-written answer bytes against v12's JSON.stringify text, UTF-8
 * encoded: on generated batches whose attrs are built to reach every branch of
 * the writer (escapes, control characters, non-ASCII, lone surrogates,
 * integer-like names in request order, `__proto__`), on every entry of a
 * small index, past the scratch buffer's size, and on corrupt payload bytes
 * (same message, same failure).
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { v12OnePassValidation } from "../../src/enrich/ladder/v12-one-pass-validation.ts";
import { v15JsonBytes } from "../../src/enrich/ladder/v15-json-bytes.ts";
import { writeResults } from "../../src/enrich/ladder/json-bytes.ts";
import { answerText, type EnrichContext, type EnrichRequest } from "../../src/enrich/variant.ts";
import { parseOrdered } from "../../src/http/ordered-json.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { Rng } from "../../src/workload/rng.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { builtIndex } from "../support/fixtures.ts";
import { hostileBatch } from "../support/hostile-batches.ts";

const index = openTsIndex(builtIndex(10_000, 42));
const ctx: EnrichContext = { index, limits: DEFAULT_LIMITS };
const encoder = new TextEncoder();

/** The index's keys by rank (every rank below its entries is a hit). */
const space = new KeySpace(42);
const keyAt = (rank: number) => space.keyString(rank);

const batch = (rng: Rng, events: number) => hostileBatch(rng, events, index.entries, keyAt);

async function sameBytes(req: EnrichRequest): Promise<void> {
  const want = encoder.encode((await v12OnePassValidation.respond(req, ctx)) as string);
  const got = await v15JsonBytes.respond(req, ctx);
  expect(got).toBeInstanceOf(Uint8Array);
  expect(answerText(got)).toBe(answerText(want));
  expect(Buffer.compare(Buffer.from(got as Uint8Array), Buffer.from(want))).toBe(0);
}

describe("v15-json-bytes writes v12's answer, byte for byte", () => {
  test("2,000 generated batches of 1 to 40 events with hostile attrs", async () => {
    const rng = new Rng(15);
    for (let i = 0; i < 2_000; i++) await sameBytes(batch(rng, 1 + rng.int(40)));
  });

  test("attrs with integer-like names keep request order (the ordered parser's Proxy)", async () => {
    const body = `{"events":[{"key":"${keyAt(5)}","attrs":{"b":"x","7":"y","a":"z","0":"w"}},{"key":"1","attrs":{"10":"\\u0000","2":"東京"}}]}`;
    const req = parseOrdered(body) as EnrichRequest;
    await sameBytes(req);
    expect(answerText(await v15JsonBytes.respond(req, ctx))).toContain('"attrs":{"b":"x","7":"y","a":"z","0":"w"}');
  });

  test("every entry of the index, as hits", async () => {
    const events = Array.from({ length: index.entries }, (_, pos) => ({ key: keyAt(pos), attrs: {} }));
    await sameBytes({ events });
  });

  test("an answer far past the scratch buffer, and the small one after it", async () => {
    const quotes = '"'.repeat(256);
    const events = Array.from({ length: 1200 }, (_, i) => ({ key: keyAt(i), attrs: Object.fromEntries(Array.from({ length: 8 }, (_, j) => [`n${j}`, quotes])) }));
    const big = await v15JsonBytes.respond({ events }, ctx);
    expect((big as Uint8Array).length).toBeGreaterThan(4 << 20);
    await sameBytes({ events });
    await sameBytes({ events: [{ key: keyAt(1), attrs: { a: "b" } }] });
  });

  test("an empty batch", async () => {
    await sameBytes({ events: [] });
  });
});

test("a corrupt tier, country or name byte fails, or is written, as v12's decode does", () => {
  const good = index.payload(3);
  const outcome = (f: () => unknown) => {
    try {
      return answerText(f() as string | Uint8Array);
    } catch (e) {
      return `throws ${(e as Error).message}`;
    }
  };
  const v12Text = (payload: Uint8Array) => {
    const fields = v12OnePassValidation.stages.decode(0, { ...ctx, index: Object.assign(Object.create(index) as typeof index, { payload: () => payload }) }, {});
    return JSON.stringify({ results: [{ key: "1", found: true, attrs: {}, ...fields }] });
  };
  // tier 4 and 255, country "Z?" and "\0", a name byte that is a quote, a backslash, a control and a Latin-1 byte.
  for (const [at, value] of [[8, 4], [8, 255], [6, 0x5a], [7, 0], [22, 0x22], [23, 0x5c], [24, 0x01], [25, 0xe9]] as const) {
    const bytes = good.slice();
    bytes[at] = value;
    expect(outcome(() => writeResults([{ key: "1", found: true, attrs: {}, payload: bytes }]))).toBe(outcome(() => v12Text(bytes)));
  }
});
