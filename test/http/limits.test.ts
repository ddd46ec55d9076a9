/**
 * The shared HTTP layer's bounds, through app.handle, for every variant:
 * nesting depth (exactly at the limit parses, one over is 400 before any
 * variant sees it), admission's 503 shape, 405 on a known path, 408 for a
 * body that never arrives, Connection: close while draining, and the
 * ordered-attrs parser taking what JSON.parse takes.
 */
import { describe, expect, test } from "bun:test";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { derive } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { Admission } from "../../src/http/admission.ts";
import { nestingDepth, tooDeepAt } from "../../src/http/nesting.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex } from "../support/fixtures.ts";

const index = openTsIndex(builtIndex(10_000, 42));
const limits = { bodyBytes: 4 * 1024 * 1024, events: 100, attrs: 4, attrChars: 16, depth: 10 };
const post = (app: ReturnType<typeof createApp>, body: string | ReadableStream, headers: Record<string, string> = {}) =>
  app.handle(new Request("http://localhost/enrich", { method: "POST", body, headers: { "content-type": "application/json", ...headers } }));
/** A body whose ignored field `x` nests `d` arrays: total depth d + 1 (the outer object). */
const nested = (d: number, attrs = "{}") => `{"x":${"[".repeat(d)}${"]".repeat(d)},"events":[{"key":"1","attrs":${attrs}}]}`;

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

    test("nesting: exactly the depth limit is served, one level more is 400 at the field", async () => {
      expect((await post(app, nested(9))).status).toBe(200);
      const res = await post(app, nested(10));
      expect({ status: res.status, body: await res.json() }).toEqual({ status: 400, body: { error: "JSON nested deeper than 10 levels", path: "/x" } });
    });

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
