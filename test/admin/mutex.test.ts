/**
 * The mutex profile attributes waits to v0's index lock and its acquirers.
 *
 * Over HTTP the lock never contends in Bun 1.4: each request's await chain is
 * all microtasks and Bun drains them between request callbacks, so one batch
 * finishes before the next starts (live.test.ts only decodes that profile).
 * Here, as Elysia's own tests do, the app is driven in-process with
 * app.handle: requests dispatched in the same tick do interleave at every
 * await, so the lock contends and the profile must say where.
 */
import { afterAll, expect, test } from "bun:test";
import { createApp } from "../../src/http/app.ts";
import { getVariant } from "../../src/enrich/registry.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { createAdminHub } from "../../src/admin/hub.ts";
import { instrumentHotPath } from "../../src/admin/requests.ts";
import { createAdminApp } from "../../src/admin/server.ts";
import { decodePprof, readSamples, sampleTypes } from "../../src/admin/pprof.ts";
import { builtIndex } from "../support/fixtures.ts";
import { bodies, ENTRIES, SEED } from "./support.ts";

const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 1, variant: "v0", workerId: 0 });
const app = instrumentHotPath(createApp({ index: openTsIndex(builtIndex(ENTRIES, SEED), { verify: "headers" }), variant: getVariant("v0"), observer: hub.tracker }), hub.tracker);
const admin = createAdminApp(hub);
afterAll(() => {
  hub.setRates({ block: 0, mutex: 0 });
  hub.gc.stop();
});

test("contended acquires of index-reload-lock are attributed to the lock and to lookupUnderIndexLock ← enrichBatchV0", async () => {
  const payloads = bodies(8, 50);
  const responses = await Promise.all(payloads.map((body) => app.handle(new Request("http://enrich/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }))));
  expect(responses.map((r) => r.status)).toEqual(payloads.map(() => 200));

  const res = await admin.handle(new Request("http://admin/debug/pprof/mutex"));
  const profile = decodePprof(new Uint8Array(await res.arrayBuffer()));
  expect(sampleTypes(profile)).toEqual(["contentions/count", "delay/nanoseconds"]);
  const samples = readSamples(profile);
  expect(samples.length).toBeGreaterThan(0);
  for (const s of samples) {
    expect(s.labels).toEqual({ lock: "index-reload-lock" });
    expect(s.frames[0]!.name).toBe("lock index-reload-lock");
    expect(s.values[0]!).toBeGreaterThan(0);
  }
  const names = new Set(samples.flatMap((s) => s.frames.map((f) => f.name)));
  expect(names).toContain("lookupUnderIndexLock");
  expect(names).toContain("enrichBatchV0");
  const lookup = samples.flatMap((s) => s.frames).find((f) => f.name === "lookupUnderIndexLock")!;
  expect(lookup.file).toMatch(/src\/enrich\/v0\/index\.ts$/);
  expect(lookup.line).toBeGreaterThan(0);
  // Totals reach /metrics.
  const metrics = await (await admin.handle(new Request("http://admin/metrics"))).text();
  expect(metrics).toMatch(/enrich_lock_contentions_total\{lock="index-reload-lock",worker="0"\} [1-9]/);
});

test("fraction N samples 1 in N stacks and scales them by N (the estimate of the total)", async () => {
  hub.setRates({ mutex: 4 });
  const before = hub.mutex.totals.get("index-reload-lock")!.count;
  const base = hub.mutex.counts.snapshot();
  await Promise.all(bodies(8, 50).map((body) => app.handle(new Request("http://enrich/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }))));
  const timed = hub.mutex.totals.get("index-reload-lock")!.count - before;
  const samples = readSamples(decodePprof(hub.mutex.profile(base)));
  const estimated = samples.reduce((a, s) => a + s.values[0]!, 0);
  expect(samples.every((s) => s.values[0]! % 4 === 0)).toBe(true);
  // Every 4th timed contention carries a stack, counted as 4: the estimate is within one sampling step of the truth.
  expect(timed).toBeGreaterThan(8);
  expect(Math.abs(estimated - timed)).toBeLessThan(4);
});

test("fraction 0 removes the observer: no contention is timed", async () => {
  hub.setRates({ mutex: 0 });
  const before = hub.mutex.totals.get("index-reload-lock")!.count;
  await Promise.all(bodies(4, 20).map((body) => app.handle(new Request("http://enrich/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }))));
  expect(hub.mutex.totals.get("index-reload-lock")!.count).toBe(before);
});
