/**
 * Every admin endpoint captured from a running service under a short local
 * load, decoded and checked: the profiles name the enrich pipeline's own
 * functions with their files and lines, the block profile catches an injected
 * long task, the trace holds request spans and GC, /metrics parses.
 */
import { describe, expect, test } from "bun:test";
import { blockRateInForce, captureRunning, fetchPprof, samplerWindowOpen, serviceUnderLoad, weightOf, whilePending } from "./support.ts";
import { parsePrometheus } from "../../scripts/profile/prom.ts";
import { HEAP_SPACE_METRICS } from "../../src/admin/metrics.ts";

const live = serviceUnderLoad();

const V0_FUNCTIONS = ["enrichBatchV0", "lookupUnderIndexLock", "parseKeyWithBigInt", "decodeFieldsByHand", "payloadHex", "serializeByConcatenation", "cloneRulesPerRequest", "auditCopyOfBatch"];

describe("CPU profile", () => {
  test("pprof: samples/count and cpu/nanoseconds, the pipeline's functions with their source files and lines", async () => {
    const { types, samples, profile } = await fetchPprof(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1.5&hz=200`);
    expect(types).toEqual(["samples/count", "cpu/nanoseconds"]);
    expect(Number(profile.period)).toBe(5_000_000);
    expect(Number(profile.durationNanos)).toBeGreaterThanOrEqual(1.5e9);
    const frames = samples.flatMap((s) => s.frames);
    const found = V0_FUNCTIONS.filter((name) => frames.some((f) => f.name === name && f.file.endsWith(".ts") && f.file.includes("/src/enrich/") && f.line > 0));
    expect({ atLeastThree: found.length >= 3, found }).toMatchObject({ atLeastThree: true });
    // A batch's own frame is on most JS stacks under this load.
    expect(weightOf(samples, "enrichBatchV0")).toBeGreaterThan(0);
  });

  test("format=cpuprofile is a Chrome profile (nodes, samples, timeDeltas) naming the same functions", async () => {
    const res = await fetch(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1&format=cpuprofile`);
    const p = (await res.json()) as { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
    expect(res.status).toBe(200);
    expect(p.samples.length).toBe(p.timeDeltas.length);
    expect(p.endTime).toBeGreaterThan(p.startTime);
    const ids = new Set(p.nodes.map((n) => n.id));
    expect(p.samples.every((id) => ids.has(id))).toBe(true);
    const batch = p.nodes.find((n) => n.callFrame.functionName === "enrichBatchV0");
    expect(batch?.callFrame.url).toMatch(/^file:\/\/.*\/src\/enrich\/v0\/index\.ts$/);
    expect(batch!.callFrame.lineNumber).toBeGreaterThanOrEqual(0);
  });

  test("one capture at a time: a second concurrent request gets 409; bad parameters get 400", async () => {
    const first = fetch(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1`);
    await captureRunning(live.svc.adminUrl);
    const second = await fetch(`${live.svc.adminUrl}/debug/pprof/profile?seconds=0.5`);
    expect(second.status).toBe(409);
    expect((await first).status).toBe(200);
    for (const q of ["seconds=61", "seconds=abc", "hz=0", "format=svg"]) expect({ q, status: (await fetch(`${live.svc.adminUrl}/debug/pprof/profile?${q}`)).status }).toEqual({ q, status: 400 });
  });
});

describe("shared sampler", () => {
  test("a CPU profile, a trace and block profiling run at once, each getting its samples", async () => {
    const trace = fetch(`${live.svc.adminUrl}/debug/pprof/trace?seconds=1.2&hz=50`);
    const block = fetchPprof(`${live.svc.adminUrl}/debug/pprof/block?seconds=1.2&rate=20`);
    const cpu = await fetchPprof(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1&hz=200`);
    const t = (await (await trace).json()) as { traceEvents: { cat?: string; name: string }[] };
    await block;
    expect(weightOf(cpu.samples, "enrichBatchV0")).toBeGreaterThan(0);
    expect(t.traceEvents.some((e) => e.cat === "cpu" && e.name === "enrichBatchV0")).toBe(true);
  });
});

describe("block profile", () => {
  test("shows an injected long task with its stack and delay", async () => {
    const window = fetchPprof(`${live.svc.adminUrl}/debug/pprof/block?seconds=1.5&rate=50`);
    await blockRateInForce(live.svc.adminUrl, 50);
    const injected = await fetch(`${live.svc.adminUrl}/debug/pprof/selftest/block?ms=300`, { method: "POST" });
    expect(injected.status).toBe(200);
    const { types, samples, comments } = await window;
    expect(types).toEqual(["stalls/count", "delay/nanoseconds"]);
    const task = samples.filter((s) => s.frames[0]?.name === "injectedLongTask");
    expect(task.length).toBeGreaterThan(0);
    expect(task[0]!.frames[0]!.file).toMatch(/src\/admin\/block\.ts$/);
    // The stall is at least the threshold long (the task ran 300 ms; the share on its stack is most of it).
    expect(weightOf(samples, "injectedLongTask", 1)).toBeGreaterThanOrEqual(50e6);
    expect(comments.some((c) => c.startsWith("event-loop delay ms"))).toBe(true);
    // The windowed rate reverted.
    expect(await (await fetch(`${live.svc.adminUrl}/debug/pprof/rates`)).json()).toEqual({ block: 0, mutex: 0 });
  });

  test("format=json has the loop-delay histogram and the stalls", async () => {
    const j = (await (await fetch(`${live.svc.adminUrl}/debug/pprof/block?format=json`)).json()) as { rateMs: number; stalls: { delayMs: number }[] };
    expect(j.rateMs).toBe(0);
    expect(j.stalls.some((s) => s.delayMs >= 50)).toBe(true);
  });
});

describe("rates", () => {
  test("POST sets block/mutex rates for a window; GET reads them; a later POST can end it", async () => {
    const set = (await (await fetch(`${live.svc.adminUrl}/debug/pprof/rates?block=20&mutex=5&seconds=600`, { method: "POST" })).json()) as Record<string, unknown>;
    expect(set).toMatchObject({ block: 20, mutex: 5, revertTo: { block: 0, mutex: 0 } });
    const metrics = await (await fetch(`${live.svc.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/enrich_profiling_block_threshold_seconds\{worker="0"\} 0.02\n/);
    expect(await (await fetch(`${live.svc.adminUrl}/debug/pprof/rates?block=0&mutex=0`, { method: "POST" })).json()).toEqual({ block: 0, mutex: 0 });
    expect((await fetch(`${live.svc.adminUrl}/debug/pprof/rates?block=-1`, { method: "POST" })).status).toBe(400);
  });
});

describe("mutex profile over HTTP", () => {
  test("decodes with contentions/count and delay/nanoseconds", async () => {
    const { types } = await fetchPprof(`${live.svc.adminUrl}/debug/pprof/mutex?seconds=0.5&fraction=1`);
    expect(types).toEqual(["contentions/count", "delay/nanoseconds"]);
  });
});

describe("trace", () => {
  test("parses as Chrome trace events with request spans, GC cycles, JS samples and counters", async () => {
    const trace = fetch(`${live.svc.adminUrl}/debug/pprof/trace?seconds=1.5`);
    await samplerWindowOpen(live.svc.adminUrl);
    // A full collection inside the window, so the trace has at least one GC cycle on any day.
    expect((await fetch(`${live.svc.adminUrl}/debug/pprof/heap?format=pprof&gc=1`)).status).toBe(200);
    const res = await trace;
    expect(res.status).toBe(200);
    const t = (await res.json()) as { traceEvents: { ph: string; cat?: string; name: string; id?: string; ts: number; dur?: number }[]; otherData: Record<string, unknown> };
    const ev = t.traceEvents;
    expect(ev.every((e) => typeof e.ts === "number" && typeof e.ph === "string")).toBe(true);
    const begins = ev.filter((e) => e.ph === "b" && e.cat === "request" && e.name === "POST /enrich");
    const ends = ev.filter((e) => e.ph === "e" && e.cat === "request" && e.name === "POST /enrich");
    expect(begins.length).toBeGreaterThan(0);
    expect(ends.length).toBe(begins.length);
    const names = new Set(ev.filter((e) => e.cat === "request").map((e) => e.name));
    expect([...names].sort()).toEqual(expect.arrayContaining(["queue wait", "read body + validate", "handler"]));
    expect(ev.some((e) => e.cat === "gc" && e.ph === "X" && e.name.startsWith("GC "))).toBe(true);
    expect(ev.some((e) => e.cat === "cpu" && e.ph === "B" && e.name === "enrichBatchV0")).toBe(true);
    // Sample slices nest: every B has its E.
    expect(ev.filter((e) => e.ph === "B").length).toBe(ev.filter((e) => e.ph === "E").length);
    expect(ev.some((e) => e.ph === "C" && e.name === "in-flight requests")).toBe(true);
  });
});

describe("gc", () => {
  test("a window of GC cycles as JSON, with a forced full collection in it", async () => {
    // The window's start shows nowhere: collections are forced until it answers, so some fall inside it.
    const forceGc = () => fetch(`${live.svc.adminUrl}/debug/pprof/heap?format=pprof&gc=1`).then((r) => r.arrayBuffer());
    const window = whilePending(fetch(`${live.svc.adminUrl}/debug/pprof/gc?seconds=1`), forceGc);
    const g = (await (await window).json()) as { windowMs: number; cycles: { type: string; cycleMs: number }[]; byType: Record<string, { count: number }>; gcWallFraction: number };
    expect(g.cycles.length).toBeGreaterThan(0);
    expect(g.cycles.some((c) => c.type === "MarkSweepCompact")).toBe(true);
    expect(Object.values(g.byType).reduce((a, t) => a + t.count, 0)).toBe(g.cycles.length);
    expect(g.gcWallFraction).toBeGreaterThan(0);
  });
});

describe("heap, goroutine, index, metrics", () => {
  test("heap: a V8 snapshot by default; format=pprof is objects and bytes by type", async () => {
    const snap = (await (await fetch(`${live.svc.adminUrl}/debug/pprof/heap`)).json()) as { snapshot: { node_count: number }; nodes: number[] };
    expect(snap.snapshot.node_count).toBeGreaterThan(1000);
    const { types, samples } = await fetchPprof(`${live.svc.adminUrl}/debug/pprof/heap?format=pprof`);
    expect(types).toEqual(["inuse_objects/count", "inuse_space/bytes"]);
    expect(samples.some((s) => s.frames[0]!.name === "(string)" && s.values[1]! > 0)).toBe(true);
  });

  test("goroutine: the in-flight requests as pprof, text and JSON", async () => {
    const { types } = await fetchPprof(`${live.svc.adminUrl}/debug/pprof/goroutine`);
    expect(types).toEqual(["goroutine/count"]);
    expect(await (await fetch(`${live.svc.adminUrl}/debug/pprof/goroutine?debug=1`)).text()).toStartWith("in-flight requests: ");
    const j = (await (await fetch(`${live.svc.adminUrl}/debug/pprof/goroutine?format=json`)).json()) as { inflight: unknown[] };
    expect(Array.isArray(j.inflight)).toBe(true);
  });

  test("the index page lists every endpoint", async () => {
    const html = await (await fetch(`${live.svc.adminUrl}/debug/pprof/`)).text();
    for (const p of ["profile", "heap", "block", "mutex", "trace", "goroutine", "rates", "gc"]) expect(html).toContain(`/debug/pprof/${p}`);
    expect(html).toContain("/metrics");
  });

  test("/metrics parses as Prometheus text and counts errors by status, including those rejected before the handler", async () => {
    expect((await fetch(`${live.svc.url}/enrich`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(415);
    expect((await fetch(`${live.svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" })).status).toBe(400);
    const text = await (await fetch(`${live.svc.adminUrl}/metrics`)).text();
    const m = parsePrometheus(text);
    const value = (name: string, labels: Record<string, string>) => m.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value("enrich_http_request_errors_total", { route: "/enrich", status: "415" })).toBeGreaterThanOrEqual(1);
    expect(value("enrich_http_request_errors_total", { route: "/enrich", status: "400" })).toBeGreaterThanOrEqual(1);
    expect(value("enrich_http_requests_total", { route: "/enrich", status: "200" })).toBeGreaterThan(0);
    expect(m.types.get("enrich_http_request_duration_seconds")).toBe("histogram");
    expect(m.types.get("enrich_http_request_duration_quantile_seconds")).toBe("summary");
    for (const q of ["0.5", "0.99", "0.999"]) expect(value("enrich_http_request_duration_quantile_seconds", { route: "/enrich", quantile: q })).toBeGreaterThan(0);
    expect(value("enrich_http_request_duration_quantile_seconds_count", { route: "/enrich" })).toBe(value("enrich_http_request_duration_seconds_count", { route: "/enrich" })!);
    for (const name of ["enrich_http_requests_in_flight", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_p99_seconds", "process_cpu_seconds_total"]) expect({ name, present: m.samples.some((s) => s.name === name) }).toEqual({ name, present: true });
    expect(m.types.get("enrich_gc_duration_seconds")).toBe("histogram");
  });
});

describe("port separation", () => {
  test("the hot-path port serves no profiling or metrics; the admin port serves no /enrich", async () => {
    for (const path of ["/metrics", "/debug/pprof/", "/debug/pprof/profile?seconds=1", "/debug/pprof/heap"]) expect({ path, status: (await fetch(`${live.svc.url}${path}`)).status }).toEqual({ path, status: 404 });
    expect((await fetch(`${live.svc.adminUrl}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(404);
  });
});

describe("/metrics", () => {
  test("no heap-space gauges: Bun's v8.getHeapSpaceStatistics walks the whole heap on the JS thread at every scrape", async () => {
    const metrics = await (await fetch(`${live.svc.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^nodejs_heap_size_used_bytes\{worker="0"\} \d+/m);
    for (const name of HEAP_SPACE_METRICS) expect(metrics).not.toContain(name);
  });
});
