/**
 * The audit log against a real redis-server, through the real listener:
 * nothing lost on a clean drain under load, and a Redis killed and restarted
 * mid-run leaves the service up with /metrics adding up.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fieldsOf } from "../../src/audit/entry.ts";
import { parseProm, series } from "../../scripts/profile/prom.ts";
import { GOLDEN_SPEC } from "../golden/spec.ts";
import { builtIndex } from "../support/fixtures.ts";
import { type RunningRedis, skipWithoutRedis, startRedis } from "../support/redis.ts";
import { spawnTestService, type RunningService } from "../support/service.ts";
import { eventually } from "../support/eventually.ts";

const dir = builtIndex(GOLDEN_SPEC.entries, GOLDEN_SPEC.seed);
// The golden requests minus the 1,000-event ones: mixed sizes, misses, empty batches, odd attrs.
const bodies = readFileSync(join(import.meta.dir, "../golden/requests.ndjson"), "utf8")
  .trimEnd()
  .split("\n")
  .filter((b) => (JSON.parse(b) as { events: unknown[] }).events.length < 1000);
const eventsIn = bodies.map((b) => (JSON.parse(b) as { events: unknown[] }).events.length);

interface Answered {
  requests: number;
  events: number;
  /** X-Request-Id → events, for every 200. */
  ids: Map<string, number>;
  statuses: Record<number, number>;
}

/**
 * A bounded closed-loop load: `workers` loops of at most `perWorker` requests
 * each; a loop ends early when the service stops answering. `every(n)` runs
 * after each answered request (n = requests answered so far).
 */
async function load(svc: RunningService, tag: string, workers: number, perWorker: number, every?: (n: number) => void): Promise<Answered> {
  const a: Answered = { requests: 0, events: 0, ids: new Map(), statuses: {} };
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < perWorker; i++) {
        const id = `${tag}-${w}-${i}`;
        const b = (w * perWorker + i) % bodies.length;
        let status: number;
        try {
          const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": id }, body: bodies[b] });
          await res.arrayBuffer();
          status = res.status;
        } catch {
          return; // the listener has closed: this loop is done
        }
        a.statuses[status] = (a.statuses[status] ?? 0) + 1;
        if (status !== 200) continue;
        a.requests++;
        a.events += eventsIn[b]!;
        a.ids.set(id, eventsIn[b]!);
        every?.(a.requests);
      }
    }),
  );
  return a;
}

async function metrics(svc: RunningService): Promise<(name: string, label?: string) => number> {
  const m = parseProm(await (await fetch(`${svc.adminUrl}/metrics`)).text());
  return (name, label = "") => series(m, name, label) ?? NaN;
}

/** Polls /metrics until `ok` holds (bounded): the writer's progress is an event we wait for, not a time. */
async function metricsUntil(svc: RunningService, ok: (m: (name: string, label?: string) => number) => boolean, what: string, waitMs = 20_000) {
  return eventually(async () => {
    const m = await metrics(svc);
    return ok(m) ? m : undefined;
  }, `/metrics showing ${what}`, waitMs, 20);
}

async function streamIds(redis: RunningRedis, stream: string): Promise<Map<string, number>> {
  const c = await redis.client();
  const ids = new Map<string, number>();
  for (const [, flat] of (await c.send("XRANGE", [stream, "-", "+"])) as [string, string[]][]) {
    const f = fieldsOf(flat);
    ids.set(f.request_id!, (ids.get(f.request_id!) ?? 0) + 1);
  }
  return ids;
}

const serve = (redis: RunningRedis, variant: string, stream: string, extra: string[] = []) => spawnTestService(["--index", dir, "--variant", variant, "--audit", `${redis.url}/${stream}`, ...extra]);

describe.skipIf(skipWithoutRedis("the audit log through the real listener"))("the audit log through the real listener", () => {
  test("--audit refuses a variant that does not write it, and a bad URL", async () => {
    for (const [args, msg] of [
      [["--variant", "v0", "--audit", "redis://127.0.0.1:1"], /variant v0 does not write the audit log/],
      [["--variant", "io-naive-audit", "--audit", "http://127.0.0.1:1"], /expected a redis:\/\/ URL/],
    ] as const) {
      const p = Bun.spawn([process.execPath, "src/server.ts", "--index", dir, "--port", "0", "--admin-port", "0", ...args], { cwd: join(import.meta.dir, "../.."), stderr: "pipe", stdout: "ignore" });
      expect({ code: await p.exited, matches: msg.test(await new Response(p.stderr).text()) }).toEqual({ code: 2, matches: true });
    }
  });

  for (const variant of ["io-batched-audit", "io-batched-scripted-audit", "io-packed-audit", "io-pipelined-audit", "io-naive-audit"]) {
    test(`${variant}: after a clean drain under load, every answered event is in the stream, once`, async () => {
      await using redis = await startRedis();
      const svc = await serve(redis, variant, "drain");
      let exited: Promise<number> | undefined;
      // SIGTERM lands while 8 loops are still sending: in-flight requests finish, later ones are refused.
      const answered = await load(svc, "d", 8, 60, (n) => {
        if (n === 150) exited = svc.stop();
      });
      expect(await exited!).toBe(0);
      expect(answered.requests).toBeGreaterThanOrEqual(150);
      const inStream = await streamIds(redis, "drain");
      expect([...inStream].sort()).toEqual([...answered.ids].filter(([, n]) => n > 0).sort());
      expect([...inStream.values()].reduce((s, n) => s + n, 0)).toBe(answered.events);
    }, 60_000);
  }

  for (const variant of ["io-batched-audit", "io-batched-scripted-audit", "io-packed-audit"])
  test(`${variant}: Redis killed and restarted mid-run — the service keeps answering, /metrics adds up, the writer resumes`, async () => {
    await using redis = await startRedis();
    // A small bound, so the outage overflows it and the drop counter is exercised too.
    const svc = await serve(redis, variant, "outage", ["--audit-buffer", "2000", "--audit-batch", "500"]);
    try {
      const before = await load(svc, "before", 4, 20);
      await redis.kill();
      const during = await load(svc, "during", 4, 60);
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
      const down = await metrics(svc);
      expect(down("enrich_audit_redis_up")).toBe(0);
      expect(down("enrich_audit_dropped_total", 'reason="buffer_full"')).toBeGreaterThan(0);
      await redis.restart();
      await metricsUntil(svc, (m) => m("enrich_audit_redis_up") === 1 && m("enrich_audit_buffered") === 0, "Redis up and the buffer empty");
      const after = await load(svc, "after", 4, 20);
      const m = await metricsUntil(svc, (m) => m("enrich_audit_buffered") === 0, "the buffer empty");

      // Every request was answered: the batched mode never sheds for the audit log.
      for (const a of [before, during, after]) expect(Object.keys(a.statuses)).toEqual(["200"]);
      const answered = before.events + during.events + after.events;
      const accepted = m("enrich_audit_accepted_total"), written = m("enrich_audit_written_total");
      const full = m("enrich_audit_dropped_total", 'reason="buffer_full"'), shutdown = m("enrich_audit_dropped_total", 'reason="shutdown"');
      // answered = accepted + dropped at the bound; accepted = written + dropped at shutdown + still buffered (0 now).
      expect({ answered: accepted + full, accepted: written + shutdown + m("enrich_audit_buffered"), reconnected: m("enrich_audit_reconnects_total") >= 1 }).toEqual({ answered, accepted, reconnected: true });
      expect(full).toBeGreaterThan(0);

      // The restarted Redis (no persistence) holds what was written since: all of the last phase, none twice.
      const inStream = await streamIds(redis, "outage");
      for (const [id, n] of after.ids) if (n > 0) expect([id, inStream.get(id)]).toEqual([id, n]);
      expect([...inStream.values()].reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(written);
    } finally {
      expect(await svc.stop()).toBe(0);
    }
  }, 60_000);

  test("io-naive-audit: with Redis down it sheds (503, counted) rather than answer unaudited, and recovers", async () => {
    await using redis = await startRedis();
    const svc = await serve(redis, "io-naive-audit", "shed");
    try {
      expect((await load(svc, "up", 2, 5)).statuses).toEqual({ 200: 10 });
      await redis.kill();
      const down = await load(svc, "down", 2, 5);
      expect(down.statuses[503]).toBeGreaterThan(0);
      const m = await metrics(svc);
      // Empty batches write nothing, so they are answered even now.
      expect(m("enrich_audit_shed_total")).toBe(down.statuses[503]!);
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
      await redis.restart();
      await metricsUntil(svc, (m) => m("enrich_audit_redis_up") === 1, "Redis up");
      expect((await load(svc, "again", 2, 5)).statuses).toEqual({ 200: 10 });
    } finally {
      expect(await svc.stop()).toBe(0);
    }
  }, 60_000);
});
