/**
 * The shared HTTP layer's bounds, through app.handle, for every variant:
 * every request limit from both sides (exactly at it is served, one over is
 * refused with its status, error and path; under these tests' small limits
 * for every variant, and under DEFAULT_LIMITS for the default one),
 * admission's 503 shape, 405 on a known path, 408 for a body that never
 * arrives, Connection: close while draining, and the ordered-attrs parser
 * taking what JSON.parse takes.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS, SERVICE_DEFAULTS, type Limits } from "../../src/config.ts";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { derive } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { Admission } from "../../src/http/admission.ts";
import { nestingDepth, tooDeepAt } from "../../src/http/nesting.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex } from "../support/fixtures.ts";

const index = openTsIndex(builtIndex(10_000, 42));
const limits: Required<Limits> = { bodyBytes: 4 * 1024 * 1024, events: 100, attrs: 4, attrChars: 16, depth: 10 };
const post = (app: ReturnType<typeof createApp>, body: string | ReadableStream, headers: Record<string, string> = {}) =>
  app.handle(new Request("http://localhost/enrich", { method: "POST", body, headers: { "content-type": "application/json", ...headers } }));
/** A body whose ignored field `x` nests `d` arrays: total depth d + 1 (the outer object). */
const nested = (d: number, attrs = "{}") => `{"x":${"[".repeat(d)}${"]".repeat(d)},"events":[{"key":"1","attrs":${attrs}}]}`;

type Probe = { body: string; headers?: Record<string, string> };
type Refusal = { status: number; error: string; path: string };
/** One bound: the request at size n, the size the limits allow, and the refusal one over it gets. */
type Edge = [name: string, size: (l: Required<Limits>) => number, at: (n: number) => Probe, refused: (l: Required<Limits>) => Refusal];

const one = (attrs: Record<string, string> = {}, key = "1") => JSON.stringify({ events: [{ key, attrs }] });
const attrsOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, "v"]));
const U64_MAX = 18446744073709551615n;

const EDGES: Edge[] = [
  ["body bytes, streamed", (l) => l.bodyBytes, (n) => ({ body: one().padEnd(n, " ") }), (l) => ({ status: 413, error: `body is over the limit of ${l.bodyBytes} bytes`, path: "" })],
  ["body bytes, declared", (l) => l.bodyBytes, (n) => ({ body: one().padEnd(n, " "), headers: { "content-length": String(n) } }), (l) => ({ status: 413, error: `body of ${l.bodyBytes + 1} bytes is over the limit of ${l.bodyBytes}`, path: "" })],
  ["events per batch", (l) => l.events, (n) => ({ body: JSON.stringify({ events: Array.from({ length: n }, () => ({ key: "1", attrs: {} })) }) }), (l) => ({ status: 413, error: `batch of ${l.events + 1} events is over the limit of ${l.events}`, path: "/events" })],
  ["attrs per event", (l) => l.attrs, (n) => ({ body: one(attrsOf(n)) }), (l) => ({ status: 400, error: `attrs must be an object of at most ${l.attrs} string values`, path: "/events/0/attrs" })],
  ["attr value characters", (l) => l.attrChars, (n) => ({ body: one({ a: "x".repeat(n) }) }), (l) => ({ status: 400, error: `attr values must be strings of at most ${l.attrChars} characters`, path: "/events/0/attrs/a" })],
  ["attr name characters", (l) => l.attrChars, (n) => ({ body: one({ ["n".repeat(n)]: "x" }) }), (l) => ({ status: 400, error: `attr names must be at most ${l.attrChars} characters`, path: `/events/0/attrs/${"n".repeat(Math.min(l.attrChars + 1, 32))}` })],
  ["nesting depth", (l) => l.depth, (n) => ({ body: nested(n - 1) }), (l) => ({ status: 400, error: `JSON nested deeper than ${l.depth} levels`, path: "/x" })],
  // The key's bounds are the wire format's, not configurable: 2^64-1, and 20 digits.
  ["key value (2^64-1)", () => 0, (n) => ({ body: one({}, String(U64_MAX + BigInt(n))) }), () => ({ status: 400, error: `key ${U64_MAX + 1n} is over 2^64-1`, path: "/events/0/key" })],
  ["key digits (20)", () => 20, (n) => ({ body: one({}, "1" + "0".repeat(n - 1)) }), () => ({ status: 400, error: "key must be an unsigned 64-bit integer as a canonical decimal string", path: "/events/0/key" })],
];

/** Both sides of every edge under `limits`: n is served (200), n + 1 gets the refusal. */
function edgeTests(app: ReturnType<typeof createApp>, limits: Required<Limits>) {
  for (const [name, size, at, refused] of EDGES) {
    test(`${name}: at the limit served, one over refused`, async () => {
      const n = size(limits);
      const ok = at(n);
      expect({ n, status: (await post(app, ok.body, ok.headers)).status }).toEqual({ n, status: 200 });
      const over = at(n + 1);
      const res = await post(app, over.body, over.headers);
      const { status, error, path } = refused(limits);
      expect({ n: n + 1, status: res.status, body: await res.json() }).toEqual({ n: n + 1, status, body: { error, path } });
    });
  }
}

for (const [name, variant] of VARIANTS) {
  describe(`every request limit, both sides, variant ${name}`, () => {
    // Loop-stall shedding off: a big body at a default limit must not get the next request shed.
    edgeTests(createApp({ index, variant, limits, admission: new Admission({ loopStallMs: 0 }) }), limits);
  });
}

describe(`every request limit, both sides, DEFAULT_LIMITS, variant ${SERVICE_DEFAULTS.variant}`, () => {
  const defaults = DEFAULT_LIMITS as Required<Limits>;
  edgeTests(createApp({ index, variant: VARIANTS.get(SERVICE_DEFAULTS.variant)!, admission: new Admission({ loopStallMs: 0 }) }), defaults);
});

describe("nestingDepth", () => {
  test("counts arrays and objects, not brackets inside strings or after escapes", () => {
    expect(nestingDepth(Buffer.from('{"a":[{"b":"[[[{{{\\"[["}]}'), 64)).toBe(3);
    expect(nestingDepth(Buffer.from('"\\\\"[[]]'), 64)).toBe(2);
  });
  test("stops as soon as the depth passes max", () => {
    expect(nestingDepth(Buffer.from("[".repeat(1000)), 5)).toBe(6);
  });
  test("tooDeepAt names the field holding the deep value, without its trailing array indexes", () => {
    const body = Buffer.from('{"ok":[1],"a~/b":{"c":[0,[[[[[]]]]]]}}');
    expect(tooDeepAt(body, 4)).toBe("/a~0~1b/c");
    expect(tooDeepAt(Buffer.from("[[[[[[]]]]]]"), 3)).toBe("");
  });
});

for (const [name, variant] of VARIANTS) {
  describe(`limits, variant ${name}`, () => {
    const app = createApp({ index, variant, limits });

    test("the issue's 45,000-deep body is a 400, not a 500", async () => {
      const d = 45_000;
      const res = await post(app, `{"x":${"[".repeat(d)}${"]".repeat(d)},"events":[]}`);
      expect(res.status).toBe(400);
    });

    test("the ordered-attrs parser takes a valid body with a 1.4M-character ignored string", async () => {
      const res = await post(app, `{"junk":"${"y".repeat(1_400_000)}","events":[{"key":"1","attrs":{"b":"x","7":"y"}}]}`);
      expect(res.status).toBe(200);
      // Read as text: res.json() would itself move "7" first.
      expect(await res.text()).toContain('"attrs":{"b":"x","7":"y"}');
    });

    test("the ordered-attrs parser takes nesting up to the depth limit", async () => {
      expect((await post(app, nested(9, '{"b":"x","7":"y"}'))).status).toBe(200);
    });

    test("GET /enrich is 405 with Allow: POST; POST /healthz is 405 with Allow: GET", async () => {
      const get = await app.handle(new Request("http://localhost/enrich"));
      expect({ status: get.status, allow: get.headers.get("allow"), body: await get.json() }).toEqual({ status: 405, allow: "POST", body: { error: "method not allowed (allowed: POST)", path: "" } });
      const health = await app.handle(new Request("http://localhost/healthz", { method: "POST" }));
      expect({ status: health.status, allow: health.headers.get("allow") }).toEqual({ status: 405, allow: "GET" });
      expect((await app.handle(new Request("http://localhost/nope"))).status).toBe(404);
    });
  });
}

describe("admission through the app", () => {
  const variant = VARIANTS.get("v0")!;
  const body = '{"events":[{"key":"1","attrs":{}}]}';

  test("with every slot taken and no queue, a request is 503 with Retry-After and the usual body; with a slot free, 200", async () => {
    const admission = new Admission({ requests: 1, queue: 0, retryAfterS: 2 });
    const app = createApp({ index, variant, limits, admission });
    const held = (await admission.enter(new Request("http://localhost/"), 1)) as { leave(): void };
    const res = await post(app, body);
    expect({ status: res.status, retry: res.headers.get("retry-after"), type: res.headers.get("content-type"), body: await res.json() }).toEqual({
      status: 503,
      retry: "2",
      type: "application/json",
      body: { error: "overloaded: 0 requests already waiting", path: "" },
    });
    held.leave();
    expect((await post(app, body)).status).toBe(200);
  });

  test("a body that does not arrive within the body timeout is 408 with Connection: close; one that does is served", async () => {
    const app = createApp({ index, variant, limits, admission: new Admission({ bodyTimeoutMs: 0 }) });
    const stalled = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"events":')); } });
    const res = await post(app, stalled);
    expect({ status: res.status, connection: res.headers.get("connection"), path: ((await res.json()) as { path: string }).path }).toEqual({ status: 408, connection: "close", path: "" });
    const ok = createApp({ index, variant, limits, admission: new Admission({ bodyTimeoutMs: 60_000 }) });
    expect((await post(ok, body)).status).toBe(200);
  });

  test("while slow big uploads hold the large-body share of the budget, another big body is 503 and an ordinary one is served", async () => {
    const admission = new Admission({ bodyBytes: 1600 });
    const app = createApp({ index, variant, limits, admission });
    const lease = admission.reserveBody(1200);
    const sized = (n: number) => post(app, body.padEnd(n, " "), { "content-length": String(n) });
    expect((await sized(400)).status).toBe(503);
    expect((await sized(100)).status).toBe(200);
    lease.release();
    expect((await sized(400)).status).toBe(200);
  });

  test("draining: a request already in progress is answered with Connection: close; a new one is 503", async () => {
    const admission = new Admission();
    // A variant during whose work SIGTERM arrives.
    const draining = derive(variant, "drains-midway", "test", {});
    const respond = draining.respond;
    const app = createApp({ index, variant: { ...draining, respond: (r, c) => (admission.drain(), respond(r, c)) }, limits, admission });
    const res = await post(app, body);
    expect({ status: res.status, connection: res.headers.get("connection") }).toEqual({ status: 200, connection: "close" });
    const next = await post(app, body);
    expect({ status: next.status, connection: next.headers.get("connection") }).toEqual({ status: 503, connection: "close" });
  });
});
