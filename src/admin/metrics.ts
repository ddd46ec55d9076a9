/**
 * /metrics: Prometheus text from prom-client, on its own registry.
 *
 *   enrich_http_requests_total{route,status}        every hot-path request, including 4xx rejected before the handler
 *   enrich_http_request_errors_total{route,status}  the ≥400 subset
 *   enrich_http_requests_in_flight                  requests JS has seen and not answered
 *   enrich_http_request_duration_seconds{route}     histogram (aggregate across instances with histogram_quantile)
 *   enrich_http_request_duration_quantile_seconds{route,quantile}
 *                                                   summary: p50/p99/p99.9 from an HdrHistogram over the last 1–2
 *                                                   minutes (_sum/_count cumulative, as Prometheus summaries are)
 *   enrich_http_request_queue_seconds{route}        arrival − X-Request-Start, when clients send it
 *   enrich_gc_duration_seconds{type}                GC cycles (count and wall time, from v8.GCProfiler)
 *   enrich_lock_contentions_total / enrich_lock_wait_seconds_total{lock}   while mutex profiling is on
 *   enrich_profiling_*                              the profiling rates in force (they cost latency)
 *   process_* and nodejs_* defaults: CPU, RSS, heap in use (nodejs_heap_size_used_bytes),
 *   event-loop delay (nodejs_eventloop_lag_*_seconds)
 *
 * Every name passes `promtool check metrics` (test/admin/promtool.test.ts): base units, no gauge with a
 * `quantile` label, no gauge named *_total. The renames this took are listed in docs/profiling.md
 * ("/metrics"): enrich_profiling_block_rate_milliseconds became enrich_profiling_block_threshold_seconds,
 * and prom-client's nodejs_active_{handles,requests,resources}_total gauges are dropped for the
 * per-type gauges they sum (sum without (type) (nodejs_active_handles)).
 */
import * as hdr from "hdr-histogram-js";
import { LOOP_DELAY_RESOLUTION_MS, openLoopDelayReader } from "./loop-delay.ts";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { GcWatcher } from "./gc.ts";
import type { MutexProfiler } from "./mutex.ts";
import type { BlockProfiler } from "./block.ts";
import type { RequestTracker } from "./requests.ts";
import { type CounterSeries, FastCounter, FastHistogram, type HistogramSeries, register as registerFast } from "./request-metrics.ts";

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const GC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
const QUANTILES = [0.5, 0.99, 0.999];
/** The HDR quantiles cover the current and the previous window: 1–2 minutes of requests. */
const HDR_WINDOW_MS = 60_000;
/** 1 µs to 1 min at 3 significant digits. */
const HDR_MAX_US = 60_000_000;

/** A pair of HdrHistograms rotated every window, so quantiles reflect recent traffic, not the whole uptime. */
class RecentHistogram {
  private current = this.fresh();
  private previous = this.fresh();
  private rotatedAt = performance.now();
  /** Since start, as a summary's _sum and _count are (the quantiles alone are windowed). */
  sum = 0;
  count = 0;

  private fresh() {
    return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HDR_MAX_US, numberOfSignificantValueDigits: 3, bitBucketSize: 64, useWebAssembly: false });
  }

  private rotate(now: number): void {
    if (now - this.rotatedAt < HDR_WINDOW_MS) return;
    this.previous = this.current;
    this.current = this.fresh();
    // After a long quiet spell the previous window is stale too.
    if (now - this.rotatedAt >= 2 * HDR_WINDOW_MS) this.previous = this.fresh();
    this.rotatedAt = now;
  }

  record(seconds: number, now = performance.now()): void {
    this.rotate(now);
    this.sum += seconds;
    this.count++;
    this.current.recordValue(Math.min(HDR_MAX_US, Math.max(1, Math.round(seconds * 1e6))));
  }

  /** quantiles returns seconds at each quantile, or null when nothing was recorded in the window. */
  quantiles(qs: number[]): number[] | null {
    this.rotate(performance.now());
    const merged = this.fresh();
    merged.add(this.previous);
    merged.add(this.current);
    if (merged.totalCount === 0) return null;
    return qs.map((q) => merged.getValueAtPercentile(q * 100) / 1e6);
  }
}

export interface MetricsSources {
  tracker: RequestTracker;
  gc: GcWatcher;
  mutex: MutexProfiler;
  block: BlockProfiler;
  variant: string;
  workerId: number;
}

/**
 * The nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds gauges,
 * read from the process's one loop-delay monitor (loop-delay.ts) instead of
 * prom-client's own monitorEventLoopDelay, which the block profiler's windows
 * used to switch off. Same names and meaning as prom-client's: the intervals
 * since the last scrape.
 */
function registerLoopDelay(registry: Registry): void {
  const reader = openLoopDelayReader();
  const stats: [string, (h: typeof reader.histogram) => number][] = [
    ["min", (h) => h.minNonZeroValue],
    ["max", (h) => h.maxValue],
    ["mean", (h) => h.mean],
    ["stddev", (h) => h.stdDeviation],
    ["p50", (h) => h.getValueAtPercentile(50)],
    ["p90", (h) => h.getValueAtPercentile(90)],
    ["p99", (h) => h.getValueAtPercentile(99)],
  ];
  // One reading serves all seven gauges of a scrape: the first gauge collected takes it and restarts the
  // window; a gauge whose value was already handed out belongs to the next scrape, so it takes a new one.
  let values = new Map<string, number>();
  const unread = new Set<string>();
  const take = () => {
    const h = reader.histogram;
    values = new Map(h.totalCount ? stats.map(([s, r]) => [s, r(h) / 1e9]) : []);
    for (const [s] of stats) unread.add(s);
    reader.reset();
  };
  for (const [stat] of stats) {
    const name = `nodejs_eventloop_lag_${stat}_seconds`;
    registry.removeSingleMetric(name);
    new Gauge({
      name,
      help: `The ${stat} of event-loop timer intervals (${LOOP_DELAY_RESOLUTION_MS} ms resolution plus lag) since the last scrape, in seconds.`,
      registers: [registry],
      collect() {
        if (!unread.has(stat)) take();
        unread.delete(stat);
        const v = values.get(stat);
        if (v !== undefined) this.set(v);
      },
    });
  }
}

/**
 * recentSummary renders the HDR quantiles as a Prometheus summary (what a
 * `quantile` label means), computed at scrape time: no per-request cost
 * beyond the HdrHistogram record. A summary cannot be aggregated across
 * workers; the histogram beside it can (histogram_quantile).
 */
function recentSummary(name: string, help: string, byRoute: Map<string, RecentHistogram>) {
  return {
    name,
    help,
    type: "summary",
    get() {
      const values: { metricName?: string; labels: Record<string, string>; value: number }[] = [];
      for (const [route, h] of byRoute) {
        const qs = h.quantiles(QUANTILES);
        if (qs) QUANTILES.forEach((q, i) => values.push({ labels: { route, quantile: String(q) }, value: qs[i]! }));
        values.push({ metricName: `${name}_sum`, labels: { route }, value: h.sum }, { metricName: `${name}_count`, labels: { route }, value: h.count });
      }
      return { name, help, type: "summary", aggregator: "sum", values };
    },
    reset() {},
  };
}

/** prom-client's heap-space gauges (its heapSpacesSizeAndUsed collector): not exported, see createMetrics. */
export const HEAP_SPACE_METRICS = ["nodejs_heap_space_size_total_bytes", "nodejs_heap_space_size_used_bytes", "nodejs_heap_space_size_available_bytes"] as const;

/** createMetrics builds the registry and wires it to the request tracker and GC watcher. */
export function createMetrics(src: MetricsSources): { registry: Registry; scrape(): Promise<string> } {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: String(src.workerId) });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  // Bun has no "gc" PerformanceObserver entries: prom-client's GC histogram would read zero forever.
  registry.removeSingleMetric("nodejs_gc_duration_seconds");
  // Gauges named like counters (promtool rejects them); each is the sum over `type` of nodejs_active_<x>{type}, still exported.
  for (const x of ["handles", "requests", "resources"]) registry.removeSingleMetric(`nodejs_active_${x}_total`);
  // Bun implements v8.getHeapSpaceStatistics (prom-client skipped it while Bun threw) as a walk of the whole
  // heap on the JS thread: every scrape held the event loop ~27 ms at 300k objects, enough to trip the
  // loop-stall shedding rule (bench/metrics-scrape.ts, FINDINGS.md §37). JSC has no V8 spaces to report anyway.
  for (const name of HEAP_SPACE_METRICS) registry.removeSingleMetric(name);
  registerLoopDelay(registry);

  const requests = new FastCounter("enrich_http_requests_total", "Hot-path requests by route and response status.");
  const errors = new FastCounter("enrich_http_request_errors_total", "Hot-path requests answered with status >= 400.");
  const duration = new FastHistogram("enrich_http_request_duration_seconds", "Time from JS receiving the request to its Response being ready.", LATENCY_BUCKETS);
  const queue = new FastHistogram("enrich_http_request_queue_seconds", "Arrival in JS minus the client's X-Request-Start (only requests that send it).", LATENCY_BUCKETS);
  registerFast(registry, requests, errors, duration, queue);
  const recent = new Map<string, RecentHistogram>();

  // A finished request's series, found by its route and status with two Map hits: no key string or label closure per request (FINDINGS.md §51).
  interface RouteSeries {
    duration: HistogramSeries;
    queue?: HistogramSeries;
    recent: RecentHistogram;
    byStatus: Map<number, { requests: CounterSeries; errors?: CounterSeries }>;
  }
  const byRoute = new Map<string, RouteSeries>();
  const routeSeries = (route: string): RouteSeries => {
    const recentOne = new RecentHistogram();
    recent.set(route, recentOne);
    return { duration: duration.seriesOf(route, () => ({ route })), recent: recentOne, byStatus: new Map() };
  };
  const statusSeries = (route: string, status: number) => {
    const key = `${route} ${status}`;
    const labels = () => ({ route, status: String(status) });
    return { requests: requests.seriesOf(key, labels), errors: status >= 400 ? errors.seriesOf(key, labels) : undefined };
  };

  src.tracker.onFinish((r) => {
    const seconds = (r.ended! - r.arrived) / 1e3;
    let route = byRoute.get(r.route);
    if (!route) byRoute.set(r.route, (route = routeSeries(r.route)));
    let status = route.byStatus.get(r.status!);
    if (!status) route.byStatus.set(r.status!, (status = statusSeries(r.route, r.status!)));
    status.requests.value++;
    if (status.errors) status.errors.value++;
    duration.add(route.duration, seconds);
    if (r.sent !== undefined) queue.add((route.queue ??= queue.seriesOf(r.route, () => ({ route: r.route }))), (r.arrived - r.sent) / 1e3);
    route.recent.record(seconds, r.ended!);
  });

  registry.registerMetric(recentSummary("enrich_http_request_duration_quantile_seconds", "Request duration quantiles from an HdrHistogram over the last 1-2 minutes; _sum and _count since start.", recent) as unknown as Parameters<Registry["registerMetric"]>[0]);

  new Gauge({
    name: "enrich_http_requests_in_flight",
    help: "Hot-path requests received and not yet answered.",
    registers: [registry],
    collect() {
      this.set(src.tracker.inflight.size);
    },
  });

  const gcDuration = new Histogram({ name: "enrich_gc_duration_seconds", help: "GC cycles by type: wall time of each cycle (JSC collects concurrently; the pause is at most this).", labelNames: ["type"], buckets: GC_BUCKETS, registers: [registry] });
  src.gc.onCycle((e) => gcDuration.observe({ type: e.type }, e.costMs / 1e3));

  const lockCount = new Counter({ name: "enrich_lock_contentions_total", help: "Contended async-lock acquires (counted while mutex profiling is on).", labelNames: ["lock"], registers: [registry] });
  const lockWait = new Counter({ name: "enrich_lock_wait_seconds_total", help: "Time waiters spent queued on async locks (while mutex profiling is on).", labelNames: ["lock"], registers: [registry] });
  const seen = new Map<string, { count: number; waitNs: number }>();
  new Gauge({
    name: "enrich_profiling_block_threshold_seconds",
    help: "Block profiling threshold in force: event-loop stalls at least this long are recorded (0 = off).",
    registers: [registry],
    collect() {
      this.set(src.block.rate / 1e3);
    },
  });
  new Gauge({
    name: "enrich_profiling_mutex_fraction",
    help: "Mutex profiling sampling fraction in force: 1 in N contentions carries a stack (0 = off).",
    registers: [registry],
    collect() {
      this.set(src.mutex.rate);
    },
  });
  new Gauge({ name: "enrich_build_info", help: "Constant 1, labelled with the variant and Bun version.", labelNames: ["variant", "bun"], registers: [registry] }).set({ variant: src.variant, bun: Bun.version }, 1);

  /** scrape brings the pulled sources up to date (GC cycles, lock totals: no per-event cost), then renders. */
  async function scrape(): Promise<string> {
    src.gc.poll();
    for (const [lock, t] of src.mutex.totals) {
      const before = seen.get(lock) ?? { count: 0, waitNs: 0 };
      if (t.count > before.count) lockCount.inc({ lock }, t.count - before.count);
      if (t.waitNs > before.waitNs) lockWait.inc({ lock }, (t.waitNs - before.waitNs) / 1e9);
      seen.set(lock, { ...t });
    }
    // prom-client renders NaN (an empty loop-delay window) as "Nan"; the exposition format spells it NaN.
    return (await registry.metrics()).replace(/ Nan$/gm, " NaN");
  }
  return { registry, scrape };
}
