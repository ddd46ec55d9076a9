/**
 * The service under a short, bounded local load, for the admin tests: a child
 * process on free ports (self-test hooks on), and a few fetch loops posting
 * 100-event batches to 127.0.0.1 until stopped.
 */
import { afterAll, beforeAll } from "bun:test";
import { KeySpace } from "../../src/domain/keys.ts";
import { decodePprof, readSamples, sampleTypes } from "../../src/admin/pprof.ts";
import { eventually } from "../support/eventually.ts";
import { builtIndex } from "../support/fixtures.ts";
import { spawnTestService, type RunningService } from "../support/service.ts";

export const ENTRIES = 20_000, SEED = 3;

/** Request bodies of `events` keys each (a few misses), deterministic. */
export function bodies(count: number, events: number): string[] {
  const ks = new KeySpace(SEED);
  return Array.from({ length: count }, (_, b) =>
    JSON.stringify({ events: Array.from({ length: events }, (_, i) => ({ key: ks.keyString((b * 7919 + i * 104729) % (ENTRIES + 200)), attrs: { i: String(i) } })) }),
  );
}

/** startAdminService spawns the service (v0 unless `extra` names a variant: the tests know its frames) with the admin self-test hooks enabled. */
export function startAdminService(extra: string[] = []): Promise<RunningService> {
  const variant = extra.includes("--variant") ? [] : ["--variant", "v0"];
  return spawnTestService(["--index", builtIndex(ENTRIES, SEED), ...variant, ...extra], { env: { ENRICH_ADMIN_SELFTEST: "1" } });
}

/** drive keeps `connections` fetch loops posting to /enrich until the returned stop() is awaited. */
export function drive(url: string, connections = 2, events = 100): { stop(): Promise<number> } {
  const payloads = bodies(16, events);
  let running = true, sent = 0;
  const loops = Array.from({ length: connections }, async (_, c) => {
    for (let i = c; running; i++) {
      const res = await fetch(`${url}/enrich`, { method: "POST", headers: { "content-type": "application/json", "x-request-start": `t=${Date.now()}` }, body: payloads[i % payloads.length] });
      await res.arrayBuffer();
      sent++;
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return sent;
    },
  };
}

/** fetchPprof GETs an admin profile and decodes it. */
export async function fetchPprof(url: string) {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const profile = decodePprof(bytes);
  return { bytes, profile, types: sampleTypes(profile), samples: readSamples(profile), comments: profile.comment.map((i) => profile.stringTable.strings[Number(i)]!) };
}

/** Total of value `i` over samples whose stack has a frame named `name`. */
export function weightOf(samples: ReturnType<typeof readSamples>, name: string, i = 0): number {
  return samples.filter((s) => s.frames.some((f) => f.name === name)).reduce((a, s) => a + s.values[i]!, 0);
}

/** samplerConsumers: how many captures share the sampler now, as the index page states it (a capture is busy from before it subscribes). */
export async function samplerConsumers(adminUrl: string): Promise<number> {
  const html = await (await fetch(`${adminUrl}/debug/pprof/`)).text();
  return Number(/for (\d+) consumer\(s\)/.exec(html)?.[1] ?? 0);
}

/** captureRunning waits until a capture has subscribed to the sampler (call it with no other capture running): a second one of its kind is refused from then on. */
export function captureRunning(adminUrl: string): Promise<true> {
  return eventually(async () => ((await samplerConsumers(adminUrl)) > 0 ? true : undefined), "a capture on the sampler");
}

/**
 * samplerWindowOpen waits until a capture's window has begun: once one has
 * subscribed, the block self-test answers only after the sampler is live, and
 * a capture starts its window (and its GC and request listeners) the moment
 * it is; the 1 ms task is below any stall threshold. As captureRunning: with
 * no other capture running.
 */
export async function samplerWindowOpen(adminUrl: string): Promise<void> {
  await captureRunning(adminUrl);
  const res = await fetch(`${adminUrl}/debug/pprof/selftest/block?ms=1`, { method: "POST" });
  if (res.status !== 200) throw new Error(`selftest/block: ${res.status} ${await res.text()}`);
}

/** blockRateInForce waits until GET /debug/pprof/rates shows block at `rate`: a windowed block read has begun and set it. */
export function blockRateInForce(adminUrl: string, rate: number): Promise<true> {
  return eventually(async () => (((await (await fetch(`${adminUrl}/debug/pprof/rates`)).json()) as { block: number }).block === rate ? true : undefined), `block rate ${rate} in force`);
}

/**
 * whilePending repeats `act` (each run awaited) until `pending` settles, then
 * returns what it gave: for a window whose start shows nowhere, an act is
 * sure to land inside it.
 */
export async function whilePending<T>(pending: Promise<T>, act: () => Promise<unknown>): Promise<T> {
  let settled = false;
  const done = pending.finally(() => (settled = true));
  while (!settled) await act();
  return done;
}

/**
 * serviceUnderLoad registers beforeAll/afterAll hooks in the calling scope: the
 * admin service, started once and kept under drive()'s load until the scope's
 * tests are done. Read `.svc` inside tests.
 */
export function serviceUnderLoad(): { readonly svc: RunningService } {
  const state: { svc?: RunningService; load?: { stop(): Promise<number> } } = {};
  beforeAll(async () => {
    state.svc = await startAdminService();
    state.load = drive(state.svc.url);
  });
  afterAll(async () => {
    await state.load?.stop();
    await state.svc?.stop();
  });
  return {
    get svc() {
      return state.svc!;
    },
  };
}
