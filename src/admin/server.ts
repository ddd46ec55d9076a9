/**
 * The admin server (:6060, loopback by default): profiling and metrics live
 * here, never on the hot-path port. Routes are thin: parse the query, call the
 * module that measures, encode.
 */
import { Elysia } from "elysia";
import { injectedLongTask } from "./block.ts";
import { captureCpu, cpuBusy, cpuToCpuProfile, cpuToPprof } from "./cpu-profile.ts";
import { gcWindow } from "./gc.ts";
import { beginHeapSnapshot, HeapSnapshotRefusal, heapToPprof } from "./heap.ts";
import type { AdminHub, Rates } from "./hub.ts";
import { inflightPprof, inflightRows, inflightText } from "./inflight.ts";
import { ENDPOINTS, indexPage } from "./index-page.ts";
import { choice, num, optionalNum, ParamError } from "./params.ts";
import { PPROF_HEADERS } from "./pprof.ts";
import { windowOpen } from "./sampler.ts";
import { recordTrace, traceBusy, traceChunks } from "./trace.ts";
import { textStream } from "./text-stream.ts";
import { CPU_DEFAULTS, TRACE_DEFAULTS } from "../config.ts";

type Query = Record<string, string | undefined>;

const JSON_HEADERS = { "content-type": "application/json" };
const MAX_WINDOW_S = 60;
const MAX_BLOCK_MS = 60_000;
const MAX_FRACTION = 1_000_000;
/** A windowed rate change made by a profile read reverts by itself this long after the window, if the read did not. */
const REVERT_GRACE_S = 5;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
const pprof = (bytes: Uint8Array, name: string) => new Response(bytes, { headers: { ...PPROF_HEADERS, "content-disposition": `attachment; filename="${name}.pb.gz"` } });
const busy = (what: string) => json({ error: `${what} is already being captured; one at a time` }, 409);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/** Builds the admin app over a hub (see hub.ts). */
export function createAdminApp(hub: AdminHub) {
  const label = `enrich[${hub.workerId}] ${hub.variant}`;

  /** A block/mutex read: cumulative, or over a window (optionally with rates raised just for it). */
  async function windowed(which: "block" | "mutex", q: Query, signal: AbortSignal): Promise<Uint8Array> {
    const profiler = which === "block" ? hub.block : hub.mutex;
    const seconds = num(q, "seconds", { def: 0, min: 0, max: MAX_WINDOW_S });
    const temp = which === "block" ? optionalNum(q, "rate", { min: 0, max: MAX_BLOCK_MS }) : optionalNum(q, "fraction", { min: 0, max: MAX_FRACTION });
    if (seconds === 0) return profiler.profile();
    const saved = hub.saveRate(which);
    // The window's own revert is a safety net (client gone, error); the read below restores first.
    if (temp !== undefined) hub.setRates({ [which]: temp } as Partial<Rates>, seconds + REVERT_GRACE_S);
    // Block stalls are told by their stacks: the window starts once the sampler is live (after a restart, ≤ its parked interval).
    if (which === "block") await windowOpen();
    const base = profiler.counts.snapshot();
    await sleep(seconds * 1000, signal);
    const bytes = profiler.profile(base, seconds * 1000);
    if (temp !== undefined) hub.restoreRate(which, saved);
    return bytes;
  }

  const app = new Elysia()
    .onError(({ code, error }) => {
      if (error instanceof ParamError) return json({ error: error.message }, 400);
      if (code === "NOT_FOUND") return new Response("not found\n", { status: 404 });
      console.error("admin: unexpected error", error);
      return json({ error: "internal error" }, 500);
    })
    .get("/debug/pprof/", () => new Response(indexPage(hub.rates(), label, hub.selftest), { headers: { "content-type": "text/html; charset=utf-8" } }))
    .get("/debug/pprof/profile", async ({ query, request }) => {
      const q = query as Query;
      const seconds = num(q, "seconds", { def: CPU_DEFAULTS.seconds, min: 0.01, max: CPU_DEFAULTS.maxSeconds });
      const hz = num(q, "hz", { def: CPU_DEFAULTS.hz, min: 1, max: CPU_DEFAULTS.maxHz });
      const format = choice(q, "format", ["pprof", "cpuprofile"] as const);
      if (cpuBusy()) return busy("a CPU profile");
      const capture = await captureCpu(seconds, hz, request.signal);
      if (format === "cpuprofile") return new Response(JSON.stringify(cpuToCpuProfile(capture)), { headers: { ...JSON_HEADERS, "content-disposition": 'attachment; filename="cpu.cpuprofile"' } });
      return pprof(cpuToPprof(capture), "cpu");
    })
    .get("/debug/pprof/heap", ({ query, request }) => {
      const q = query as Query;
      // `go tool pprof URL` cannot read a V8 snapshot: when Go's HTTP client asks without a format, answer in pprof.
      const fromGo = (request.headers.get("user-agent") ?? "").startsWith("Go-http-client");
      const format = q.format === undefined && fromGo ? "pprof" : choice(q, "format", ["snapshot", "pprof"] as const);
      let snap: ReturnType<typeof beginHeapSnapshot>;
      try {
        snap = beginHeapSnapshot({ gc: q.gc === "1", force: q.force === "1" });
      } catch (e) {
        if (e instanceof HeapSnapshotRefusal) return json({ error: e.message }, e.status);
        throw e;
      }
      // Once sent: the next snapshot may run, and the process may recycle itself (heap.ts says why).
      let sent = false;
      const finish = () => {
        if (sent) return;
        sent = true;
        snap.done();
        hub.afterHeapSnapshot?.();
      };
      if (format === "pprof") {
        try {
          return pprof(heapToPprof(snap.text), "heap");
        } catch (e) {
          return json({ error: `the snapshot could not be folded into pprof (${(e as Error).message}); take format=snapshot instead` }, 422);
        } finally {
          finish();
        }
      }
      // The guard holds until the body has been sent (or the client left), so snapshots never overlap.
      request.signal.addEventListener("abort", finish, { once: true });
      const body = new Blob([snap.text]).stream().pipeThrough(new TransformStream({ flush: finish }));
      return new Response(body, { headers: { ...JSON_HEADERS, "content-disposition": 'attachment; filename="heap.heapsnapshot"' } });
    })
    .get("/debug/pprof/block", async ({ query, request }) => {
      const q = query as Query;
      if (q.format === "json") return json({ rateMs: hub.block.rate, nowMs: performance.now(), histogramMs: hub.block.histogram(), stalls: hub.block.recent.slice(-200) });
      return pprof(await windowed("block", q, request.signal), "block");
    })
    .get("/debug/pprof/mutex", async ({ query, request }) => pprof(await windowed("mutex", query as Query, request.signal), "mutex"))
    .get("/debug/pprof/rates", () => json(hub.rates()))
    .post("/debug/pprof/rates", ({ query }) => {
      const q = query as Query;
      const block = optionalNum(q, "block", { min: 0, max: MAX_BLOCK_MS });
      const mutex = optionalNum(q, "mutex", { min: 0, max: MAX_FRACTION });
      const seconds = num(q, "seconds", { def: 0, min: 0, max: 24 * 3600 });
      return json(hub.setRates({ ...(block !== undefined ? { block } : {}), ...(mutex !== undefined ? { mutex } : {}) }, seconds));
    })
    .get("/debug/pprof/trace", async ({ query, request }) => {
      const q = query as Query;
      const seconds = num(q, "seconds", { def: TRACE_DEFAULTS.seconds, min: 0.01, max: TRACE_DEFAULTS.maxSeconds });
      const hz = num(q, "hz", { def: TRACE_DEFAULTS.hz, min: 1, max: CPU_DEFAULTS.maxHz });
      const stallMs = num(q, "stall", { def: TRACE_DEFAULTS.stallMs, min: 1, max: MAX_BLOCK_MS });
      if (traceBusy()) return busy("a trace");
      const recorded = await recordTrace({ seconds, hz, stallMs, label }, hub.tracker, hub.gc, request.signal);
      return new Response(textStream(traceChunks(recorded)), { headers: { ...JSON_HEADERS, "content-disposition": 'attachment; filename="trace.json"' } });
    })
    .get("/debug/pprof/gc", async ({ query, request }) => json(await gcWindow(hub.gc, num(query as Query, "seconds", { def: 5, min: 0.01, max: MAX_WINDOW_S }), request.signal)))
    .get("/debug/pprof/goroutine", ({ query }) => {
      const q = query as Query;
      const rows = inflightRows(hub.tracker);
      if (q.format === "json") return json({ inflight: rows });
      if (q.debug === "1" || q.debug === "2") return new Response(inflightText(rows), { headers: { "content-type": "text/plain; charset=utf-8" } });
      return pprof(inflightPprof(rows), "goroutine");
    })
    .get("/debug/pprof/cmdline", () => new Response(process.argv.join("\u0000"), { headers: { "content-type": "text/plain; charset=utf-8" } }))
    .get("/debug/pprof/endpoints", () => json(ENDPOINTS))
    .get("/metrics", async () => new Response(await hub.metrics.scrape(), { headers: { "content-type": hub.metrics.registry.contentType } }));

  if (hub.selftest) {
    app.post("/debug/pprof/selftest/block", async ({ query }) => {
      const ms = num(query as Query, "ms", { def: 300, min: 1, max: 10_000 });
      // Once a block window's sampler is live (it may be restarting): the stall is there to be seen by its stack.
      await windowOpen();
      return json({ ms, spins: injectedLongTask(ms) });
    });
  }
  return app;
}
