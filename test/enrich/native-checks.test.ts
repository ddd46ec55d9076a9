/**
 * v22's body check, eix_body_valid, against the service's own checks of the
 * parsed body (JSON.parse, the one-pass loop, checkBeyondSchema): it may pass
 * a body only where they all pass, whatever the limits, and it does pass the
 * ordinary bodies (or the fast path would never run). Edge values are made
 * at the limits of small Limits so every check is crossed both ways; through
 * the handler, v22 answers every body as v21 does. Where the C library cannot
 * be built, v22 is v21 and only the last holds.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS, type Limits } from "../../src/config.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { v21LentAnswer } from "../../src/enrich/ladder/v21-lent-answer.ts";
import { NATIVE_CHECK_FROM, nativeBodyValid, v22NativeChecks } from "../../src/enrich/ladder/v22-native-checks.ts";
import type { EnrichRequest } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { checkInOnePass } from "../../src/http/one-pass.ts";
import { checkBeyondSchema } from "../../src/http/schema.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { Rng } from "../../src/workload/rng.ts";
import { builtIndex } from "../support/fixtures.ts";
import { hostileBatch } from "../support/hostile-batches.ts";
import { edgeBody, SMALL } from "../support/edge-bodies.ts";

const dir = builtIndex(10_000, 42);
const space = new KeySpace(42);
const keyAt = (rank: number) => space.keyString(rank);
const encoder = new TextEncoder();
const native = nativeBodyValid(encoder.encode('{"events":[{"key":"1","attrs":{}}]}'), DEFAULT_LIMITS);
if (!native) console.warn("native-checks.test.ts: SKIPPING the C check's cases: the native library is unavailable here");

/** Whether the service's checks of the parsed body all pass (the HTTP layer's sequence for a one-pass variant). */
function passesJs(text: string, limits: Limits): boolean {
  try {
    const req = checkInOnePass(JSON.parse(text), text, limits);
    checkBeyondSchema(req, limits);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!native)("eix_body_valid passes a body only where the service's checks all pass", () => {
  test("3,000 bodies at the edges of small limits: never passed when the checks would fail", () => {
    const rng = new Rng(34);
    let passed = 0, jsOnly = 0;
    for (let i = 0; i < 3_000; i++) {
      const text = edgeBody(rng, keyAt);
      const c = nativeBodyValid(encoder.encode(text), SMALL);
      const js = passesJs(text, SMALL);
      if (c) expect({ text, js }).toEqual({ text, js: true });
      if (c) passed++;
      else if (js) jsOnly++;
    }
    // Both ways are common: the fast path runs, and plenty of valid bodies are left to JS (escapes, index names).
    expect(passed).toBeGreaterThan(100);
    expect(jsOnly).toBeGreaterThan(100);
  });

  test("2,000 hostile batches under the default limits: the same, and every one without an escape or an index name passes", () => {
    const rng = new Rng(35);
    for (let i = 0; i < 2_000; i++) {
      const text = JSON.stringify(hostileBatch(rng, 1 + rng.int(40), 10_000, keyAt));
      const c = nativeBodyValid(encoder.encode(text), DEFAULT_LIMITS);
      if (c) expect(passesJs(text, DEFAULT_LIMITS)).toBe(true);
      const indexName = (JSON.parse(text) as EnrichRequest).events.some((e) => Object.keys(e.attrs).some((k) => /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1));
      if (!text.includes("\\") && !indexName) expect(c).toBe(true);
    }
  });

  test("each limit, one body at a time, at the limit and one past it", () => {
    const ev = (key: string, attrs: Record<string, string>) => ({ key, attrs });
    const body = (events: unknown[]) => JSON.stringify({ events });
    const cases: [string, boolean, Limits?][] = [
      [body([ev("18446744073709551615", {})]), true],
      [body([ev("18446744073709551616", {})]), false],
      [body([ev("0", {})]), true],
      [body([ev("00", {})]), false],
      [body(Array.from({ length: SMALL.events }, () => ev("1", {}))), true],
      [body(Array.from({ length: SMALL.events + 1 }, () => ev("1", {}))), false],
      [body([ev("1", { a: "1", b: "2", c: "3" })]), true],
      [body([ev("1", { a: "1", b: "2", c: "3", d: "4" })]), false],
      [body([ev("1", { a: "😀".repeat(4) })]), true],
      [body([ev("1", { a: "😀".repeat(4) + "x" })]), false],
      [body([ev("1", { ["😀".repeat(4)]: "x" })]), true],
      [body([ev("1", { ["😀".repeat(4) + "y"]: "x" })]), false],
      [body([ev("1", { "4294967295": "x" })]), true, DEFAULT_LIMITS],
      [body([ev("1", { "4294967294": "x" })]), false, DEFAULT_LIMITS],
      ['{"events":[{"key":"1","attrs":{"__proto__":"x"}}]}', true, DEFAULT_LIMITS],
      ['{"events":[{"key":"1","attrs":{"a":"1","a":"2"}}]}', false],
      ['{"events":[]}', false],
    ];
    for (const [text, want, limits = SMALL] of cases) {
      expect({ text, c: nativeBodyValid(encoder.encode(text), limits) }).toEqual({ text, c: want });
      if (want) expect(passesJs(text, limits)).toBe(true);
    }
  });
});

describe("v22 answers every body as v21 does through the handler", () => {
  const index = openIndex(dir, { impl: "ts" });
  for (const [name, limits] of [["small limits", SMALL], ["default limits", DEFAULT_LIMITS]] as const) {
    test(`${name}: 1,500 bodies of ${NATIVE_CHECK_FROM} bytes and more (the native check's), status and bytes`, async () => {
      const [a, b] = [v21LentAnswer, v22NativeChecks].map((variant) => createApp({ index, variant, limits }));
      const post = (app: typeof a, body: string) => app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }));
      const rng = new Rng(name.length);
      let checked = 0;
      const statuses = [0, 0];
      for (let i = 0; checked < 1_500; i++) {
        const text = i % 2 ? edgeBody(rng, keyAt) : JSON.stringify(hostileBatch(rng, 10 + rng.int(60), 10_000, keyAt));
        if (encoder.encode(text).length < NATIVE_CHECK_FROM) continue;
        checked++;
        const [x, y] = await Promise.all([post(a!, text), post(b!, text)]);
        expect({ status: y.status, body: await y.text() }).toEqual({ status: x.status, body: await x.text() });
        statuses[y.status === 200 ? 0 : 1]++;
      }
      // Both answered and refused bodies, many of each: not a route both apps missed.
      expect(Math.min(...statuses)).toBeGreaterThan(20);
    });
  }
});
