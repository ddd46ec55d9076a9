/**
 * The timed part of a capture: load until steady, then the window (every
 * profile fetched inside the same W ms, server CPU read each second), then
 * the heap, still under load. capture.ts writes what these return.
 */
import { hostBusyBetween, hostCpuTimes } from "../lib/meta.ts";
import { type LoadHandle, type LoadResult, startLoad } from "../../src/load/index.ts";
import type { WindowStats } from "../../src/load/recorder.ts";
import { adminGet, type Fetched, sleepUntil } from "./admin-client.ts";
import type { CaptureOptions, Meta } from "./bundle.ts";
import type { CapturePerf } from "./perf/capture-perf.ts";
import { coresBetween, type CpuReading, readCpu } from "./proc-stat.ts";
import { windowHolds } from "./window.ts";

/** Where a capture reports progress (the CLI prints it on stderr). */
export type Say = (line: string) => void;

/** The service a capture measures: started here (server) or running already. */
export interface Target {
  url: string;
  adminUrl: string;
  pid: number | null;
}

export interface Settle {
  held: boolean;
  reasons: string[];
  checked: number[];
  waitedMs: number;
  loadT0: number;
  failedToStart?: Error;
}

/** After the load would have settled, the window and its tail, the load stops by itself. */
const TAIL_MS = 15_000;

/** loadToSteady starts the open-model load and waits until `checkWindows` one-second windows hold (or the budget runs out). */
export async function loadToSteady(o: CaptureOptions, url: string, corpus: string, say: Say): Promise<{ load: LoadHandle; settle: Settle }> {
  const windows: WindowStats[] = [];
  let wake: (() => void) | null = null;
  const settleBudget = o.settleMs + o.checkWindows * 1000;
  const load = startLoad(
    {
      url: `${url}/enrich`,
      corpus,
      rps: o.rps,
      warmupMs: o.warmupMs,
      durationMs: settleBudget + o.durationMs + TAIL_MS,
      connections: o.connections,
      arrivals: o.arrivals,
      transport: o.transport,
      timeoutMs: o.timeoutMs,
    },
    {
      onWindow: (w) => {
        windows.push(w);
        wake?.();
      },
    },
  );
  load.done.catch(() => {});
  say(`load: ${o.rps} rps (${o.arrivals}) of ${o.mix} from ${corpus}; warmup ${o.warmupMs / 1000}s`);
  const settle = await waitSteady(windows, o.checkWindows, settleBudget, o.warmupMs, load.done, (f) => (wake = f));
  return { load, settle };
}

/** Waits until the last `n` windows hold the rate, or the budget runs out (then reports why not). */
async function waitSteady(windows: WindowStats[], n: number, budgetMs: number, warmupMs: number, done: Promise<LoadResult>, setWake: (f: () => void) => void): Promise<Settle> {
  const t0 = performance.now();
  let failed: Error | undefined;
  done.catch((e) => (failed = e as Error));
  const deadline = t0 + warmupMs + budgetMs + 3_000;
  let reasons: string[] = ["no load window closed"];
  for (;;) {
    if (failed) return { held: false, reasons: [failed.message], checked: [], waitedMs: 0, loadT0: t0, failedToStart: failed };
    if (windows.length >= n) {
      const last = windows.slice(-n);
      reasons = last.map((w) => windowHolds(w)).filter((r): r is string => r !== null);
      if (reasons.length === 0 || performance.now() >= deadline - 1000 || windows.length * 1000 >= budgetMs) {
        return { held: reasons.length === 0, reasons, checked: last.map((w) => w.index), waitedMs: windows.length * 1000, loadT0: t0 };
      }
    }
    if (performance.now() > deadline) return { held: false, reasons, checked: [], waitedMs: windows.length * 1000, loadT0: t0 };
    await new Promise<void>((resolve) => {
      setWake(resolve);
      setTimeout(resolve, 250);
    });
  }
}

/** Everything read in and around the window (times on performance.now's clock). */
export interface WindowCapture {
  armStart: number;
  /** Window start and its (requested) end. */
  ws: number;
  we: number;
  /** When the window really ended: after the last /metrics scrape. */
  windowEnd: number;
  windowStartedAt: Date;
  /** The trace's length and start (the window's last T ms). */
  traceMs: number;
  traceStart: number;
  snapA: LoadResult;
  snapB: LoadResult;
  cpuA: CpuReading | null;
  cpuB: CpuReading | null;
  hostBusy: Record<string, number>;
  metricsA: Fetched;
  metricsB: Fetched;
  rates: Fetched;
  cpu: Fetched;
  block: Fetched;
  mutex: Fetched;
  trace: Fetched;
  goroutine: Fetched;
  cpuSeries: Meta["serverCpu"]["perSecond"];
  /** The longest this process went without waking in the window. */
  maxGapMs: number;
}

/**
 * captureWindow arms (the first /metrics scrape and the block/mutex rates,
 * which start the shared JSC sampler, go before the window, so their start-up
 * transient is not measured as the service's latency), then captures W ms.
 */
export async function captureWindow(o: CaptureOptions, t: Target, perf: CapturePerf, load: LoadHandle, say: Say): Promise<WindowCapture> {
  const { adminUrl, pid } = t;
  const timeout = (ms: number) => ms + 30_000;
  const W = o.durationMs;
  const T = Math.min(o.traceMs, W);
  const secs = Math.max(1, Math.round(W / 1000));
  const armStart = performance.now();
  perf.arm(pid);
  const metricsA = await adminGet(adminUrl, "/metrics", 5_000);
  const rates = await adminGet(adminUrl, `/debug/pprof/rates?block=${o.blockRateMs}&mutex=${o.mutexFraction}&seconds=${Math.ceil((o.armMs + W) / 1000) + 5}`, 5_000, "POST");
  if (rates.ok) await sleepUntil(armStart + o.armMs);
  else say(`  rates: ${rates.error} (block/mutex rates set by the profile reads instead, inside the window)`);
  await perf.start();
  const ws = performance.now();
  const we = ws + W;
  const windowStartedAt = new Date();
  const snapA = load.snapshot();
  const cpuA: CpuReading | null = pid ? readCpu(pid) : null;
  const hostA = hostCpuTimes();
  say(`capture window: ${W / 1000}s (cpu ${o.hz} Hz, block ≥${o.blockRateMs} ms, mutex 1/${o.mutexFraction}, trace ${T / 1000}s)`);
  const cpuP = adminGet(adminUrl, `/debug/pprof/profile?seconds=${secs}&hz=${o.hz}&format=pprof`, timeout(W));
  const blockP = adminGet(adminUrl, `/debug/pprof/block?seconds=${secs}${rates.ok ? "" : `&rate=${o.blockRateMs}`}`, timeout(W));
  const mutexP = adminGet(adminUrl, `/debug/pprof/mutex?seconds=${secs}${rates.ok ? "" : `&fraction=${o.mutexFraction}`}`, timeout(W));
  // The trace takes the window's last T seconds, so the server's work of encoding it falls after the window, not inside it.
  const traceStart = we - T;
  const traceP = sleepUntil(traceStart).then(() => adminGet(adminUrl, `/debug/pprof/trace?seconds=${Math.max(1, Math.round(T / 1000))}&hz=${o.hz}`, timeout(T)));
  const goroutineP = sleepUntil(ws + W / 2).then(() => adminGet(adminUrl, "/debug/pprof/goroutine?debug=1", 5_000));
  const { cpuSeries, maxGapMs } = pid ? await serverCpuEachSecond(pid, cpuA!, ws, we) : { cpuSeries: [], maxGapMs: 0 };
  await sleepUntil(we);
  void perf.stop();
  const snapB = load.snapshot();
  const cpuB: CpuReading | null = pid ? readCpu(pid) : null;
  const hostBusy = hostBusyBetween(hostA, hostCpuTimes());
  const metricsB = await adminGet(adminUrl, "/metrics", 5_000);
  const windowEnd = performance.now();
  const [cpu, block, mutex, trace, goroutine] = await Promise.all([cpuP, blockP, mutexP, traceP, goroutineP]);
  return { armStart, ws, we, windowEnd, windowStartedAt, traceMs: T, traceStart, snapA, snapB, cpuA, cpuB, hostBusy, metricsA, metricsB, rates, cpu, block, mutex, trace, goroutine, cpuSeries, maxGapMs };
}

/** Reads the server's CPU each second of the window; this process's wake-ups also tell whether it (the load generator) ran. */
async function serverCpuEachSecond(pid: number, start: CpuReading, ws: number, we: number): Promise<{ cpuSeries: Meta["serverCpu"]["perSecond"]; maxGapMs: number }> {
  const cpuSeries: Meta["serverCpu"]["perSecond"] = [];
  let maxGapMs = 0;
  let prev = start;
  for (let k = 1; ws + k * 1000 <= we; k++) {
    await sleepUntil(ws + k * 1000);
    const now = readCpu(pid);
    maxGapMs = Math.max(maxGapMs, now.t - (ws + (k - 1) * 1000));
    if (now.t - prev.t < 200) continue; // this process was descheduled past several ticks: one reading covers them
    const c = coresBetween(prev, now);
    cpuSeries.push({ atMs: Math.round(now.t - ws), process: r3(c.process), thread: r3(c.thread), runq: r3(c.runq) });
    prev = now;
  }
  return { cpuSeries, maxGapMs };
}

/** After the window, still under load: the heap (and the V8 snapshot when asked), then the load stops. */
export async function afterWindow(o: CaptureOptions, adminUrl: string, load: LoadHandle): Promise<{ heap: Fetched; snapshot: Fetched | null; full: LoadResult }> {
  const heap = await adminGet(adminUrl, "/debug/pprof/heap?format=pprof", 60_000);
  const snapshot: Fetched | null = o.heapSnapshot ? await adminGet(adminUrl, "/debug/pprof/heap", 120_000) : null;
  load.stop();
  const full = await load.done;
  return { heap, snapshot, full };
}

export const r3 = (x: number) => Math.round(x * 1000) / 1000;
