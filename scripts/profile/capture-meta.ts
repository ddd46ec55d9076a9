/**
 * A capture's meta.json: whether the load held (and why not), every figure
 * the window measured, where each window fell on the load run's clock, and the
 * command that reproduces the capture.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeHeader, DIR_FILE } from "../../src/index/format.ts";
import { PROJECT_ROOT } from "../../src/root.ts";
import type { RunMeta } from "../lib/meta.ts";
import { BUNDLE, type CaptureOptions, type Meta } from "./bundle.ts";
import type { Bundle, Captured } from "./capture-files.ts";
import { r3, type Settle, type Target } from "./capture-window.ts";
import type { GcSummary } from "./gc-log.ts";
import type { CapturePerf } from "./perf/capture-perf.ts";
import { coresBetween, cpuFigures } from "./proc-stat.ts";
import { series } from "./prom.ts";
import type { RunningServer } from "./server.ts";
import { CAPTURE_DEFAULTS } from "../../src/config.ts";

/** heldReasons lists why the load did not hold in the window; empty when it did. */
export function heldReasons(o: Pick<CaptureOptions, "rps">, settle: Settle, c: Pick<Captured, "win" | "requests"> & { maxGapMs: number }): string[] {
  const { win, requests } = c;
  const reasons: string[] = [...(settle.held ? [] : settle.reasons.map((r) => `before the window: ${r}`))];
  if (requests === 0) reasons.push("no request was answered in the window: this would be a profile of an idle (or stuck) process");
  if (win.achievedRps < o.rps * 0.99) reasons.push(`sent ${win.achievedRps}/s in the window, < 99% of the ${o.rps}/s offered (${win.validity.server ? "the server held every connection" : "generator behind"})`);
  if (win.throughputRps < o.rps * 0.95) reasons.push(`answered ${win.throughputRps}/s in the window, < 95% of the ${o.rps}/s offered (server behind)`);
  const errors = win.counts.httpError + win.counts.timeout + win.counts.transport;
  if (errors > 0) reasons.push(`${errors} requests failed in the window (${JSON.stringify({ http: win.counts.byStatus, timeout: win.counts.timeout, transport: win.counts.byKind })})`);
  for (const r of win.validity.reasons) reasons.push(`load generator: ${r}`);
  if (c.maxGapMs > 2_000) reasons.push(`this process (the load generator) did not run for ${Math.round(c.maxGapMs)} ms in the window: a host or VM stall, not the service`);
  return reasons;
}

export interface MetaInputs {
  o: CaptureOptions;
  base: RunMeta;
  bundleName: string;
  pins: { server: string[]; load: string[]; note: string };
  selfPinned: boolean | null;
  quiet: Meta["quietWait"];
  corpus: string;
  indexDir: string | null;
  target: Target;
  server: RunningServer | null;
  serverEnv: Record<string, string>;
  variant: string;
  indexImpl: string | null;
  settle: Settle;
  captured: Captured;
  reasons: string[];
  gc: GcSummary;
  promA: Map<string, number>;
  promB: Map<string, number>;
  perf: CapturePerf;
  bundle: Bundle;
}

export function buildMeta(m: MetaInputs): Meta {
  const { o, base, pins, settle, server, gc, captured } = m;
  const { w, win, full, requests } = captured;
  const { ws, windowEnd, cpuA, cpuB, traceStart } = w;
  const T = w.traceMs;
  const serverCpu = cpuA && cpuB ? coresBetween(cpuA, cpuB) : null;
  const promCpu = (series(m.promB, "process_cpu_seconds_total") ?? NaN) - (series(m.promA, "process_cpu_seconds_total") ?? NaN);
  return {
    schema: BUNDLE.schema,
    bundle: o.name ?? m.bundleName,
    ...base,
    command: base.command.replaceAll(`${PROJECT_ROOT}/`, ""),
    finishedAt: new Date().toISOString(),
    reproduce: reproduceCommand(o),
    rate: { offeredRps: o.rps, achievedRps: win.achievedRps, throughputRps: win.throughputRps },
    duration: { windowMs: r3(windowEnd - ws), requestedMs: o.durationMs, warmupMs: o.warmupMs, settleMs: r3(settle.waitedMs), traceMs: T },
    mix: o.mix,
    variant: m.variant,
    indexImpl: m.indexImpl,
    workers: server ? 1 : o.workers ?? null,
    loadModel: {
      model: "open",
      arrivals: o.arrivals,
      connections: o.connections,
      timeoutMs: o.timeoutMs,
      transport: full.options.transport,
      corpus: m.corpus,
      corpusLines: full.corpus.lines,
      tool: "src/load (in-process, this process)",
      pinned: pins.load.length ? `${pins.load.join(" ")}${m.selfPinned ? "" : " (failed)"}` : "no",
    },
    index: m.indexDir ? indexInfo(m.indexDir) : { dir: null, entries: null, seed: null, bytes: null },
    service: {
      started: Boolean(server),
      url: m.target.url,
      adminUrl: m.target.adminUrl,
      pid: m.target.pid,
      command: server ? server.argv.map((a) => a.replace(process.execPath, "bun")).join(" ") : null,
      env: server ? m.serverEnv : null,
      pinned: server ? (pins.server.length ? pins.server.join(" ") : "no") : "unknown (external service)",
    },
    pinning: pins.note,
    hostBusy: w.hostBusy,
    quietWait: m.quiet,
    sampling: {
      cpuHz: o.hz,
      cpuSampler: "JSC sampling profiler via the admin port; cpu/nanoseconds is the JS thread's on-CPU time (samples weighted by the run clock, total = CLOCK_THREAD_CPUTIME_ID over the window; run-queue wait in the profile comments); the sampler and run-clock threads run off the server's pinned CPU",
      blockRateMs: o.blockRateMs,
      mutexFraction: o.mutexFraction,
      ratesWindowed: w.rates.ok,
      armMs: o.armMs,
      traceMs: T,
      gc: gc.source,
      heap: "pprof object counts/bytes by type, taken right after the window" + (o.heapSnapshot ? " + V8 heap snapshot" : ""),
      perf: m.perf.sampling(),
    },
    windows: {
      startedAt: w.windowStartedAt.toISOString(),
      loadStartedAt: full.startedAt,
      warmup: { fromMs: 0, toMs: o.warmupMs },
      arm: { fromMs: r3(w.armStart - settle.loadT0), toMs: r3(ws - settle.loadT0) },
      capture: { fromMs: r3(ws - settle.loadT0), toMs: r3(windowEnd - settle.loadT0) },
      trace: { fromMs: r3(traceStart - settle.loadT0), toMs: r3(traceStart - settle.loadT0 + T) },
      heapAfterMs: r3(windowEnd - settle.loadT0),
      note: "ms after the load run's t0 (its warmup starts at 0)",
    },
    load: {
      held: m.reasons.length === 0,
      reasons: m.reasons,
      steady: { held: settle.held, checkedWindows: settle.checked, reasons: settle.reasons },
      requests,
      generatorMaxGapMs: r3(w.maxGapMs),
      counts: win.counts,
      latencyMs: win.latency,
    },
    serverCpu: {
      source: serverCpu ? "/proc" : Number.isFinite(promCpu) ? "metrics process_cpu_seconds_total" : "unknown",
      processCores: serverCpu ? r3(serverCpu.process) : Number.isFinite(promCpu) ? r3((promCpu * 1000) / (windowEnd - ws)) : null,
      threadCores: serverCpu ? r3(serverCpu.thread) : null,
      threadRunqueue: serverCpu && Number.isFinite(serverCpu.runq) ? r3(serverCpu.runq) : null,
      perSecond: w.cpuSeries,
      // jsThreadOnCpuMs, jsThreadRunQueueWaitMs, processCpuMs, windowMs, jsThreadOnCpuPerRequestUs, GC threads' on-CPU.
      ...(cpuA && cpuB ? cpuFigures(cpuA, cpuB, requests) : {}),
    },
    files: m.bundle.files,
  };
}

/** Entries, seed and size of an index directory, from its directory file's header. */
export function indexInfo(dir: string): Meta["index"] {
  try {
    const h = decodeHeader(DIR_FILE, readFileSync(join(dir, DIR_FILE)));
    const bytes = readdirSync(dir).filter((f) => f.endsWith(".bin")).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    return { dir: dir.startsWith(PROJECT_ROOT + "/") ? dir.slice(PROJECT_ROOT.length + 1) : dir, entries: h.entries, seed: h.seed, bytes };
  } catch {
    return { dir, entries: null, seed: null, bytes: null };
  }
}

/** The flags that reproduce this capture (every default made explicit). */
export function reproduceCommand(o: CaptureOptions): string {
  const f = [`--rps ${o.rps}`, `--duration ${o.durationMs}ms`, `--mix ${o.mix}`, `--variant ${o.variant}`];
  if (o.url) f.push(`--url ${o.url}`, `--admin-url ${o.adminUrl ?? "http://127.0.0.1:6060"}`);
  else if (o.index) f.push(`--index ${o.index}`);
  if (!o.url) f.push(`--index-impl ${o.indexImpl ?? "ts"}`);
  f.push(`--warmup ${o.warmupMs}ms`, `--settle ${o.settleMs}ms`, `--trace ${o.traceMs}ms`, `--hz ${o.hz}`, `--block-rate ${o.blockRateMs}`, `--mutex-fraction ${o.mutexFraction}`, `--connections ${o.connections}`, `--arrivals ${o.arrivals}`, `--transport ${o.transport}`);
  if (o.perf === false) f.push("--no-perf");
  if (!o.pin) f.push("--no-pin");
  else if (o.serverCpu !== CAPTURE_DEFAULTS.serverCpu || o.loadCpu !== CAPTURE_DEFAULTS.loadCpu) f.push(`--server-cpu ${o.serverCpu}`, `--load-cpu ${o.loadCpu}`);
  return `bun scripts/profile.ts ${f.join(" ")}`;
}
