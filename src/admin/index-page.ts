/** The /debug/pprof/ index: every endpoint, what it measures, what it costs, and where Bun differs from Go. */
import type { RatesState } from "./hub.ts";
import { samplerState } from "./sampler.ts";

export interface Endpoint {
  path: string;
  example: string;
  measures: string;
  cost: string;
}

export const ENDPOINTS: readonly Endpoint[] = [
  { path: "/debug/pprof/profile", example: "/debug/pprof/profile?seconds=30&hz=100&format=pprof", measures: "CPU: JS stacks sampled by JSC over a wall-clock window (gzipped pprof: samples/count, cpu/nanoseconds; or format=cpuprofile for DevTools/speedscope). Max 60 s, one at a time (409 while busy).", cost: "one suspend + stack walk of the JS thread per sample; not resolved from zero at 100 Hz (±5%), ~5-7% at 1 kHz (docs/profiling.md)" },
  { path: "/debug/pprof/heap", example: "/debug/pprof/heap?gc=1 | ?format=pprof", measures: "JS heap: V8-format .heapsnapshot (DevTools › Memory), or format=pprof (what go tool pprof gets by default): live objects and bytes by type (diff two with go tool pprof -base).", cost: "stops the process while the heap is walked (ms for this service; gc=1 adds a full GC)" },
  { path: "/debug/pprof/block", example: "/debug/pprof/block?seconds=10&rate=5 | ?format=json", measures: "event-loop stalls ≥ rate ms with the JS stacks sampled during them (stalls/count, delay/nanoseconds) + the loop-delay histogram (profile comments). Cumulative; seconds=N gives a window.", cost: "off by default; when on, a 1-10 ms watchdog timer and the sampler every rate/4 ms (1-10 ms)" },
  { path: "/debug/pprof/mutex", example: "/debug/pprof/mutex?seconds=10&fraction=1", measures: "async-lock contention by lock and acquirer stack (contentions/count, delay/nanoseconds), scaled by the fraction like Go.", cost: "off by default; when on, two clock reads per contended acquire and an Error().stack for 1 in N" },
  { path: "/debug/pprof/rates", example: "POST /debug/pprof/rates?block=5&mutex=1&seconds=60", measures: "read (GET) or change (POST) the block/mutex rates, optionally for a window after which they revert.", cost: "-" },
  { path: "/debug/pprof/trace", example: "/debug/pprof/trace?seconds=5&hz=100&stall=10", measures: "Chrome trace-event JSON for Perfetto/chrome://tracing: request spans (queue wait, read+validate, handler), GC cycles, loop stalls, JS sample flame chart, heap and in-flight counters. One at a time.", cost: "sampler at hz + a 10 ms GC poll + per-request records for the window" },
  { path: "/debug/pprof/gc", example: "/debug/pprof/gc?seconds=5", measures: "GC cycles over a window as JSON: type, cycle wall time, heap before/after, totals by type and the GC wall-time fraction.", cost: "a 10 ms GC poll for the window" },
  { path: "/debug/pprof/goroutine", example: "/debug/pprof/goroutine?debug=1 | ?format=json", measures: "the goroutine dump's Bun equivalent: in-flight requests with age and stage (pprof goroutine/count by stage, text with debug=1).", cost: "negligible (reads the in-flight table)" },
  { path: "/debug/pprof/cmdline", example: "/debug/pprof/cmdline", measures: "the process command line, NUL-separated (as Go).", cost: "-" },
  { path: "/metrics", example: "/metrics", measures: "Prometheus text: request rate and errors by status, in-flight, latency histogram + HdrHistogram p50/p99/p99.9, heap, GC, event-loop delay, lock contention, profiling rates.", cost: "always on: a counter and two histogram records per request" },
];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function indexPage(rates: RatesState, label: string, selftest: boolean): string {
  const rows = ENDPOINTS.map((e) => `<tr><td><a href="${e.path}${e.path.endsWith("profile") || e.path.endsWith("trace") ? "?seconds=5" : ""}">${e.path}</a><br><code>${esc(e.example)}</code></td><td>${esc(e.measures)}</td><td>${esc(e.cost)}</td></tr>`).join("\n");
  const s = samplerState();
  return `<!doctype html><meta charset="utf-8"><title>${esc(label)} /debug/pprof/</title>
<style>body{font:14px system-ui;margin:2em}td{vertical-align:top;padding:4px 8px;border-bottom:1px solid #ddd}code{font-size:12px}</style>
<h1>${esc(label)} — /debug/pprof/</h1>
<p>Bun ${Bun.version}. Rates in force: block ${rates.block ? `≥ ${rates.block} ms` : "off"}, mutex ${rates.mutex ? `1/${rates.mutex}` : "off"}${rates.revertAt ? ` (reverting at ${new Date(rates.revertAt).toISOString()})` : ""}. Sampler: ${s.running ? `running every ${s.intervalMs} ms for ${s.subscribers} consumer(s)` : "stopped"}.</p>
<table><tr><th>endpoint</th><th>measures</th><th>cost</th></tr>
${rows}
${selftest ? '<tr><td>POST /debug/pprof/selftest/block?ms=300</td><td>runs injectedLongTask on the event loop (ENRICH_ADMIN_SELFTEST=1 only)</td><td>blocks the loop</td></tr>' : ""}
</table>
<h2>Where Bun differs from Go's net/http/pprof</h2>
<ul>
<li>One JS thread: "block" means the event loop was blocked by a long task, not goroutines parked on channels. The stacks are those sampled while the stall lasted.</li>
<li>JSC has one sampling profiler per VM; this server shares it between profile, trace and block, so they can run together. Idle time is not sampled: holes, not an idle node.</li>
<li>Non-leaf frames carry the line of the call site; JSC gives no function start lines (the .cpuprofile uses the first sampled line).</li>
<li>Async frames are lost across an <code>await</code>: a stack shows the synchronous chain since the last resumption.</li>
<li>Heap profiles are live objects by type from a heap snapshot, not allocation sites (JSC records none).</li>
<li>GC: v8.GCProfiler reports each cycle's wall time (JSC collects concurrently; the pause is at most that) without timestamps; the trace places cycles at the poll that saw them. <code>BUN_JSC_logGC=1</code> prints per-cycle pauses to stderr.</li>
<li>No goroutines: /debug/pprof/goroutine lists in-flight requests and their stage.</li>
</ul>
<p>Commands: see docs/profiling.md — <code>go tool pprof http://HOST:PORT/debug/pprof/profile?seconds=30</code></p>`;
}
