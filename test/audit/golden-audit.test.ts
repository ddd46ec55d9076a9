/**
 * With the audit log on (a real redis-server), every variant that writes it
 * still answers every golden request byte for byte, and the stream then
 * holds exactly one entry per answered event: its key, found, attrs (JSON,
 * key order kept), the request's id and arrival, its position in the batch.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fieldsOf } from "../../src/audit/entry.ts";
import { type AuditSink, openAudit } from "../../src/audit/sink.ts";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { writesAudit } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { parseOrdered } from "../../src/http/ordered-json.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { GOLDEN_SPEC } from "../golden/spec.ts";
import { builtIndex } from "../support/fixtures.ts";
import { type RunningRedis, skipWithoutRedis, startRedis } from "../support/redis.ts";

const lines = (f: string) => readFileSync(join(import.meta.dir, "../golden", f), "utf8").trimEnd().split("\n");
const requests = lines("requests.ndjson");
const responses = lines("responses.ndjson");
const audited = [...VARIANTS.values()].filter(writesAudit);

describe.skipIf(skipWithoutRedis("golden bytes with the audit log on"))("golden bytes with the audit log on", () => {
  let redis: RunningRedis;
  const index = openIndex(builtIndex(GOLDEN_SPEC.entries, GOLDEN_SPEC.seed));
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  test("the IO rungs are registered and write the audit log; the others do not", () => {
    expect(audited.map((v) => v.name)).toEqual(["io-naive-audit", "io-pipelined-audit", "io-batched-audit", "io-batched-scripted-audit", "io-packed-audit", "io-naive-audit-on-v2"]);
    expect(writesAudit(VARIANTS.get("v0")!)).toBe(false);
  });

  for (const variant of audited) {
    test(`${variant.name}: same bytes, one stream entry per answered event`, async () => {
      const stream = `golden:${variant.name}`;
      const sink: AuditSink = await openAudit({ url: redis.url, stream }, () => {});
      const app = createApp({ index, variant, audit: sink });
      const before = Date.now();
      for (let i = 0; i < requests.length; i++) {
        const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json", "x-request-id": `golden-${i}` }, body: requests[i] }));
        const body = await res.text();
        if (res.status !== 200 || body !== responses[i]) expect({ request: i, status: res.status, body: body.slice(0, 400) }).toEqual({ request: i, status: 200, body: responses[i]!.slice(0, 400) });
      }
      // The batched writer answers first and writes after: its drain is what guarantees the entries.
      expect(await sink.close(performance.now() + 10_000)).toBe(0);

      const want: Record<string, string>[] = [];
      for (let i = 0; i < requests.length; i++) {
        // parseOrdered keeps integer-like attr names where they were, as the service does.
        const req = parseOrdered(requests[i]!) as { events: { key: string; attrs: Record<string, string> }[] };
        const res = JSON.parse(responses[i]!) as { results: { found: boolean }[] };
        req.events.forEach((e, j) => want.push({ key: e.key, found: res.results[j]!.found ? "1" : "0", attrs: JSON.stringify(e.attrs), request_id: `golden-${i}`, event: String(j) }));
      }
      const c = await redis.client();
      const got = ((await c.send("XRANGE", [stream, "-", "+"])) as [string, string[]][]).map(([, flat]) => fieldsOf(flat));
      const arrived = got.map((g) => Number(g.arrived_ms));
      expect(arrived.every((t) => t >= before && t <= Date.now())).toBe(true);
      // attrs compare as text, key order included.
      expect(got.map(({ arrived_ms: _, ...rest }) => rest)).toEqual(want);
      expect(sink.log.counts.written).toBe(want.length);
    });
  }

  test("without --audit the IO rungs answer the same and write nothing", async () => {
    const app = createApp({ index, variant: VARIANTS.get("io-naive-audit")! });
    const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body: requests[0] }));
    expect(await res.text()).toBe(responses[0]!);
  });

  // io-packed-audit's split inside Redis. A key the golden index holds (a hit) and one it does not (a miss).
  const hit = (JSON.parse(responses[0]!) as { results: { key: string; found: boolean }[] }).results.find((r) => r.found)!.key;
  const miss = "1";
  // Separator bytes, quotes, backslashes, newlines, non-Latin-1 text, empty attrs, JSON-looking values and names.
  const hostile = [
    { a: "x\u001fy\u001ez", b: '"q" \\ /', c: "line\nbreak\t" },
    {},
    { city: "東京", "2": "integer-like name", e: "" },
    { v: '},"account":1', w: '}},{"key":"9', x: "}}]}", y: '{"key":"7","found":true,"attrs":{' },
    { '},"account":': "}", '}},{"key":"': "}}" },
  ];
  const bodies = [hit, miss].map((last) => JSON.stringify({ events: [...hostile.flatMap((attrs, i) => [{ key: hit, attrs }, { key: miss, attrs: hostile[(i + 1) % hostile.length]! }]), { key: last, attrs: hostile[3]! }] }));

  test("the stream holds the same entries as one argument per field would have written, for bodies that try to break the packing", async () => {
    const got: Record<string, string>[][] = [];
    for (const name of ["io-batched-scripted-audit", "io-packed-audit"]) {
      const sink = await openAudit({ url: redis.url, stream: `split:${name}` }, () => {});
      const app = createApp({ index, variant: VARIANTS.get(name)!, audit: sink });
      for (const body of bodies) {
        const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json", "x-request-id": "hostile" }, body }));
        expect(res.status).toBe(200);
      }
      expect(await sink.close(performance.now() + 10_000)).toBe(0);
      const c = await redis.client();
      got.push(((await c.send("XRANGE", [`split:${name}`, "-", "+"])) as [string, string[]][]).map(([, flat]) => {
        const { arrived_ms: _, ...rest } = fieldsOf(flat);
        return rest;
      }));
    }
    const [scripted, packed] = got;
    expect(scripted!.length).toBe(2 * (2 * hostile.length + 1));
    // Hits and misses, each at the batch's end once.
    expect(new Set(scripted!.map((e) => e.found))).toEqual(new Set(["1", "0"]));
    expect(scripted![0]!.attrs).toBe(JSON.stringify(hostile[0]));
    expect(packed).toEqual(scripted!);
  });
});
