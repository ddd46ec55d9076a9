/**
 * `doctor`: name a bundle's regime — CPU-bound, GC/alloc-bound, lock-bound,
 * IO-bound, or none (headroom) — from the runtime gauges and the profiles'
 * shapes, and say which evidence decided it.
 *
 * The thresholds start from Clinic.js Doctor's (event-loop delay median ≥ 10
 * ms or max ≥ 100 ms; CPU p90 under 90% points away from the CPU) and are
 * adapted to a fixed-rate open-model run on Bun: the rate is chosen, so a
 * server below saturation is normal, and the question is what a request's
 * time is made of. Every figure says what it is, in which unit, and what a
 * fraction is of; a fraction's numerator is a part of its denominator:
 *
 *   JS thread on CPU / window      schedstat field 1 of the JS thread (tid = pid), ms / window ms (≤ 1 core)
 *   run-queue wait                 schedstat field 2: ready to run, core held by another thread or process.
 *                                  Beside the CPU figures, never inside them
 *   on CPU per request             JS-thread on-CPU ms / requests answered in the window
 *   service                        mean of completion − send, seen by the load generator
 *   lock wait per request          async-lock wait over the window (mutex.pprof, scaled from 1-in-N) / requests
 *   GC wall time / window          time with a GC cycle in progress (gc.json; wall, not CPU)
 *   GC pause / window              time the JS thread was stopped by GC (⊂ GC wall time)
 *   GC threads' share of on-CPU    JSC's GC threads' on-CPU / all the process's threads' on-CPU (both schedstat)
 *
 * Rules, first match wins: GC (GC wall time ≥ 25% of the window, or pauses
 * ≥ 10%, or one pause ≥ 100 ms, or the GC threads use ≥ 40% of the process's
 * on-CPU time while GC runs ≥ 10% of the window), lock (waits ≥ 30% of the
 * service time while the JS thread is on CPU < 75% of the window), CPU (JS
 * thread on CPU ≥ 75% of the window, or loop delay median ≥ 10 ms, or
 * service time < 4× the time on or waiting for the CPU per request), IO
 * (service time ≥ 4× that and ≥ 1 ms of it neither on nor waiting for the
 * CPU), else none. When the service times its own downstream calls (the
 * audit log's enrich_audit_wait_seconds_total), that time per request is
 * shown and an IO verdict names it, but it never decides: an awaited call's
 * time overlaps other requests' CPU and the run queue, so it can be large
 * while the request's time is really CPU (a saturated or shared core).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE, type Meta } from "./bundle.ts";
import { type CrossCheck, crossCheck } from "./cross-check.ts";
import { type GcSummary, gcWallFractionOf } from "./gc-log.ts";
import type { FlatProfile } from "../../src/admin/pprof.ts";
import { readProfile, sampleIndex, total } from "./pprof.ts";
import { parseProm, series } from "./prom.ts";
import { topRows } from "./top.ts";

export const THRESHOLDS = Object.freeze({
  /** GC wall time / window. */
  gcWallFraction: 0.25,
  /** …or the GC threads' share of the process's on-CPU time at least this (the collector works as hard as the program), when GC wall time / window ≥ gcMinWallFraction. */
  gcThreadsShare: 0.4,
  gcMinWallFraction: 0.1,
  gcPauseFraction: 0.1,
  gcMaxPauseMs: 100,
  lockShare: 0.3,
  cpuBusy: 0.75,
  loopDelayP50Ms: 10,
  loopDelayMaxMs: 100,
  /** service / (on CPU + run-queue wait) per request below this: a request's time is mostly CPU (and waiting for it). */
  cpuRatio: 4,
  ioWaitMs: 1,
  /** Below this on-CPU share and ratio, nothing is close to a limit. */
  minBusyForCpu: 0.3,
  /** Run-queue wait / window from which a note says the core was shared. */
  runQueueNote: 0.05,
  /** cpu.pprof's total against the JS thread's on-CPU time: outside [1/x, x] a note says its times are not CPU time. */
  profileMismatch: 1.25,
});

export type Regime = "cpu" | "gc" | "lock" | "io" | "none";

export const REGIME_NAMES: Record<Regime, string> = {
  cpu: "CPU-bound",
  gc: "GC/alloc-bound",
  lock: "lock-bound",
  io: "IO-bound",
  none: "no bottleneck at this rate (headroom)",
};

export interface Evidence {
  name: string;
  value: number | null;
  unit: string;
  /** Which rule this number feeds, and its threshold, in words. */
  rule: string;
  met: boolean;
}

export interface Diagnosis {
  regime: Regime;
  verdict: string;
  because: string;
  evidence: Evidence[];
  /** Findings that do not decide the regime but matter. */
  notes: string[];
  next: string;
  inputs: Record<string, number | null>;
  /** cpu.pprof against perf.pprof, when the bundle has both. */
  crossCheck: CrossCheck | null;
}

const NEXT: Record<Regime, string> = {
  cpu: "read the CPU flame graph / `top`: the widest frames are the work to cut; `list FUNC` shows the hot lines",
  gc: "cut allocation per request (gc.json bytesPerRequest); `top` on heap.pprof and the CPU profile's allocation-heavy frames show where",
  lock: "`top` on mutex.pprof names the lock and its acquirers: shorten the critical section or stop holding it across an await",
  io: "requests wait on something outside the JS thread: the trace's request spans show where the time goes; check downstream calls and timers — fewer round trips (pipeline, batch) or stop waiting on them (decouple), not CPU work",
  none: "raise the rate (bun run load --find-max) to find the bottleneck, or profile a heavier mix",
};

/** The server's CPU over the window, in ms, from whatever the bundle has. */
export interface CpuInputs {
  /** Where the figures come from, in words. */
  source: string;
  /** What the figures cover, ms. */
  windowMs: number;
  /** The JS thread's time on a CPU (run-queue wait excluded). */
  jsOnCpuMs: number | null;
  /** The JS thread's time ready to run but waiting for its core. */
  runQueueWaitMs: number | null;
  /** utime + stime of the whole process (/proc/PID/stat). */
  processCpuMs: number | null;
  /** Σ on-CPU of the process's live threads, and the part on JSC's GC threads (schedstat). */
  threadsOnCpuMs: number | null;
  gcThreadsOnCpuMs: number | null;
}

/**
 * cpuInputs reads meta.json's serverCpu: the on-CPU figures when the capture
 * recorded them, cores × window for older bundles, else the CPU profile's
 * total when the profile says it is on-CPU time (its comments).
 */
export function cpuInputs(meta: Meta | null, cpuProfile: FlatProfile | null): CpuInputs {
  const c = meta?.serverCpu;
  if (c?.jsThreadOnCpuMs != null && c.windowMs) {
    return { source: "/proc schedstat (JS thread, every thread) and /proc/PID/stat (process)", windowMs: c.windowMs, jsOnCpuMs: c.jsThreadOnCpuMs, runQueueWaitMs: c.jsThreadRunQueueWaitMs ?? null, processCpuMs: c.processCpuMs ?? null, threadsOnCpuMs: c.threadsOnCpuMs ?? null, gcThreadsOnCpuMs: c.gcThreadsOnCpuMs ?? null };
  }
  const w = meta?.duration.windowMs ?? NaN;
  const ms = (cores: number | null | undefined) => (cores == null || !(w > 0) ? null : cores * w);
  if (c?.threadCores != null) return { source: "meta.json serverCpu cores × window (older bundle)", windowMs: w, jsOnCpuMs: ms(c.threadCores), runQueueWaitMs: ms(c.threadRunqueue), processCpuMs: ms(c.processCores), threadsOnCpuMs: null, gcThreadsOnCpuMs: null };
  const fromProfile = cpuProfile ? profileOnCpu(cpuProfile) : null;
  if (fromProfile) return { source: "cpu.pprof (its cpu column is the JS thread's on-CPU time)", windowMs: w, jsOnCpuMs: fromProfile.onCpuMs, runQueueWaitMs: fromProfile.runQueueMs, processCpuMs: ms(c?.processCores), threadsOnCpuMs: null, gcThreadsOnCpuMs: null };
  return { source: "unknown", windowMs: w, jsOnCpuMs: null, runQueueWaitMs: null, processCpuMs: ms(c?.processCores), threadsOnCpuMs: null, gcThreadsOnCpuMs: null };
}

/** A CPU profile whose comments say its cpu column is on-CPU time gives that time (and the run-queue wait it names). */
function profileOnCpu(p: FlatProfile): { onCpuMs: number; runQueueMs: number | null } | null {
  const text = p.comments.join("\n");
  if (!/cpu\/nanoseconds is the JS thread's on-CPU time/.test(text)) return null;
  const i = p.sampleTypes.findIndex((t) => t.type === "cpu");
  if (i < 0) return null;
  const wait = /run-queue wait[^\n]*?: ([\d.]+) ms/.exec(text);
  return { onCpuMs: total(p, i) / 1e6, runQueueMs: wait ? Number(wait[1]) : null };
}

/** Everything the rules read, as plain numbers: diagnoseInputs is a pure function of it. */
export interface DoctorInputs {
  windowMs: number;
  requests: number;
  cpu: CpuInputs;
  /** cpu.pprof's cpu total, ms (samples × period in older profiles; on-CPU in weighted ones). */
  profileMs: number | null;
  profileIsOnCpu: boolean;
  profileTop: string | null;
  serviceMs: number | null;
  lockWaitMs: number | null;
  lockName: string | null;
  lockTop: string | null;
  mutexFraction: number | null;
  gcWallFraction: number | null;
  pauseFraction: number | null;
  maxPauseMs: number | null;
  bytesPerRequest: number | null;
  loopP50Ms: number | null;
  loopMaxMs: number | null;
  blockMs: number | null;
  loadHeld: boolean | null;
  loadReasons: string[];
  hostBusy: Record<string, number>;
  crossCheck: CrossCheck | null;
  /** A downstream the service times itself (metrics.txt, counters since start): absent when it has none. */
  downstream?: Downstream | null;
}

export interface Downstream {
  name: string;
  /** Time requests spent awaiting it, per /enrich request, ms (server-side, since start). */
  waitPerRequestMs: number;
  /** That wait / the same requests' time in the service (enrich_http_request_duration_seconds_sum): both since start, so warm-up weighs the same in both. */
  shareOfServerTime: number;
  /** Round trips to it per /enrich request. */
  roundTripsPerRequest: number | null;
}

/** downstreamOf reads the audit log's own timing from a /metrics scrape (null when the service ran without an awaited audit). */
export function downstreamOf(prom: Map<string, number>): Downstream | null {
  const wait = series(prom, "enrich_audit_wait_seconds_total");
  const requests = series(prom, "enrich_http_request_duration_seconds_count", 'route="/enrich"');
  const inService = series(prom, "enrich_http_request_duration_seconds_sum", 'route="/enrich"');
  if (wait === undefined || !(wait > 0) || !(requests! > 0) || !(inService! > 0)) return null;
  const trips = series(prom, "enrich_audit_round_trips_total");
  // Requests in flight at the scrape have waited but are not in the duration sum yet: the share can pass 1 by a hair.
  return { name: "the audit log (Redis XADD)", waitPerRequestMs: (wait * 1000) / requests!, shareOfServerTime: Math.min(1, wait / inService!), roundTripsPerRequest: trips === undefined ? null : trips / requests! };
}

function readJson<T>(dir: string, name: string): T | null {
  const p = join(dir, name);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as T;
  } catch {
    return null;
  }
}

async function readProfileIn(dir: string, name: string): Promise<FlatProfile | null> {
  const p = join(dir, name);
  if (!existsSync(p)) return null;
  try {
    return await readProfile(p);
  } catch {
    return null;
  }
}

function profileTotal(prof: FlatProfile | null, type: string): { total: number; top: string | null; lock: string | null } | null {
  if (!prof) return null;
  const i = sampleIndex(prof, prof.sampleTypes.some((t) => t.type === type) ? type : undefined);
  const rows = topRows(prof, i, "flat");
  const top = rows.find((r) => !r.name.startsWith("lock ")) ?? null;
  const lock = rows.find((r) => r.name.startsWith("lock ")) ?? null;
  return { total: total(prof, i), top: top ? top.name : null, lock: lock ? lock.name.slice(5) : null };
}

/**
 * The timer resolution inside the nodejs_eventloop_lag_* gauges, seconds: 0
 * when they are delays (prom-client on Bun), the resolution when their HELP
 * says they are whole timer intervals ("10 ms resolution plus lag").
 */
export function loopTimerResolutionS(metricsText: string): number {
  const m = /^# HELP nodejs_eventloop_lag_p50_seconds .*?\(([\d.]+) ms resolution plus lag\)/m.exec(metricsText);
  return m ? Number(m[1]) / 1000 : 0;
}

/** perf.pprof (perf_events) when the bundle has one. */
const PERF_FILE = BUNDLE.perf;

/** readInputs gathers a bundle's figures; files that are missing leave theirs null. */
export async function readInputs(dir: string): Promise<DoctorInputs> {
  const meta = readJson<Meta>(dir, BUNDLE.meta);
  const gc = readJson<GcSummary>(dir, BUNDLE.gc);
  const hist = readJson<{ latency?: Record<string, { mean: number; p50: number; p99: number }> }>(dir, BUNDLE.hist);
  let prom = new Map<string, number>();
  let loopResolutionS = 0;
  try {
    if (existsSync(join(dir, BUNDLE.metrics))) {
      const text = readFileSync(join(dir, BUNDLE.metrics), "utf8");
      prom = parseProm(text);
      loopResolutionS = loopTimerResolutionS(text);
    }
  } catch {}
  // Delay is the timer's lateness: a gauge of whole intervals has the resolution taken off.
  const loopDelayMs = (name: string) => secToMs((series(prom, name) ?? NaN) - loopResolutionS);
  const cpuProfile = await readProfileIn(dir, BUNDLE.cpu);
  const perfProfile = await readProfileIn(dir, PERF_FILE);
  const cpuProf = profileTotal(cpuProfile, "cpu");
  const mutex = profileTotal(await readProfileIn(dir, BUNDLE.mutex), "delay");
  const block = profileTotal(await readProfileIn(dir, BUNDLE.block), "delay");
  let cross: CrossCheck | null = null;
  try {
    if (cpuProfile && perfProfile) cross = crossCheck(cpuProfile, perfProfile);
  } catch {}
  return {
    windowMs: meta?.duration.windowMs ?? gc?.windowMs ?? NaN,
    requests: meta?.load.requests ?? gc?.requests ?? NaN,
    cpu: cpuInputs(meta, cpuProfile),
    profileMs: cpuProf ? cpuProf.total / 1e6 : null,
    profileIsOnCpu: cpuProfile ? profileOnCpu(cpuProfile) !== null : false,
    profileTop: cpuProf?.top ?? null,
    serviceMs: hist?.latency?.service?.mean ?? meta?.load.latencyMs?.service?.mean ?? null,
    lockWaitMs: mutex ? mutex.total / 1e6 : null,
    lockName: mutex?.lock ?? null,
    lockTop: mutex?.top ?? null,
    mutexFraction: meta?.sampling.mutexFraction ?? null,
    gcWallFraction: gcWallFractionOf(gc),
    pauseFraction: gc?.pauseFraction ?? null,
    maxPauseMs: gc?.maxPauseMs != null && Number.isFinite(gc.maxPauseMs) ? gc.maxPauseMs : null,
    bytesPerRequest: gc?.bytesPerRequest ?? null,
    loopP50Ms: loopDelayMs("nodejs_eventloop_lag_p50_seconds"),
    loopMaxMs: loopDelayMs("nodejs_eventloop_lag_max_seconds"),
    blockMs: block ? block.total / 1e6 : null,
    loadHeld: meta ? meta.load.held : null,
    loadReasons: meta?.load.reasons ?? [],
    hostBusy: meta?.hostBusy ?? {},
    crossCheck: cross,
    downstream: downstreamOf(prom),
  };
}

/** Diagnoses the bundle in `dir`. Works with missing files: the evidence then says "unknown". */
export async function diagnose(dir: string): Promise<Diagnosis> {
  return diagnoseInputs(await readInputs(dir));
}

const div = (a: number | null, b: number | null) => (a === null || b === null || !(b > 0) ? null : a / b);

/** diagnoseInputs applies the rules to a bundle's figures. */
export function diagnoseInputs(x: DoctorInputs): Diagnosis {
  const T = THRESHOLDS;
  const c = x.cpu;
  const requests = x.requests > 0 ? x.requests : null;
  // The JS thread's busy share: its on-CPU time over the window its readings cover. Never its run-queue wait.
  const busy = div(c.jsOnCpuMs, c.windowMs);
  const runq = div(c.runQueueWaitMs, c.windowMs);
  const onCpuPerReqMs = div(c.jsOnCpuMs, requests);
  const runqPerReqMs = div(c.runQueueWaitMs ?? (c.jsOnCpuMs !== null ? 0 : null), requests);
  // Time on the CPU or waiting for it, per request: what a request's service time is compared with.
  const cpuTimePerReq = onCpuPerReqMs !== null && runqPerReqMs !== null ? onCpuPerReqMs + runqPerReqMs : null;
  const service = x.serviceMs;
  const lockPerReq = div(x.lockWaitMs, requests);
  const lockShare = lockPerReq !== null && service ? lockPerReq / service : null;
  const ratio = service !== null && cpuTimePerReq ? service / cpuTimePerReq : null;
  const ioWait = service !== null && cpuTimePerReq !== null ? service - cpuTimePerReq : null;
  const gcWall = x.gcWallFraction;
  const pauseFrac = x.pauseFraction;
  const maxPause = x.maxPauseMs;
  const gcThreadsShare = div(c.gcThreadsOnCpuMs, c.threadsOnCpuMs);
  const processCores = div(c.processCpuMs, c.windowMs);
  const gcThreadsCores = div(c.gcThreadsOnCpuMs, c.windowMs);
  const profileOverOnCpu = div(x.profileMs, c.jsOnCpuMs);
  const notBusy = !(busy !== null && busy >= T.cpuBusy);

  const ev = (name: string, value: number | null, unit: string, rule: string, met: boolean): Evidence => ({ name, value: value === null || !Number.isFinite(value) ? null : round(value), unit, rule, met });
  const gcMet = [
    ev("GC wall time / window", gcWall, "of the window", `gc: ≥ ${T.gcWallFraction}`, gcWall !== null && gcWall >= T.gcWallFraction),
    ev("GC pause (JS thread stopped) / window", pauseFrac, "of the window", `gc: ≥ ${T.gcPauseFraction}`, pauseFrac !== null && pauseFrac >= T.gcPauseFraction),
    ev("longest GC pause", maxPause, "ms", `gc: ≥ ${T.gcMaxPauseMs} ms`, maxPause !== null && maxPause >= T.gcMaxPauseMs),
    ev("GC threads' on-CPU / all the process's threads' on-CPU", gcThreadsShare, "of the process's on-CPU time", `gc: ≥ ${T.gcThreadsShare} with GC wall time / window ≥ ${T.gcMinWallFraction}`, gcThreadsShare !== null && gcWall !== null && gcThreadsShare >= T.gcThreadsShare && gcWall >= T.gcMinWallFraction),
  ];
  const lockMet = ev("lock wait per request / service time mean", lockShare, "×", `lock: ≥ ${T.lockShare} while the JS thread is on CPU < ${T.cpuBusy} of the window`, lockShare !== null && lockShare >= T.lockShare && notBusy);
  const cpuMet = [
    ev("JS thread on CPU / window", busy, "cores", `cpu: ≥ ${T.cpuBusy}`, busy !== null && busy >= T.cpuBusy),
    ev("event-loop delay p50 (timer lateness)", x.loopP50Ms, "ms", `cpu: ≥ ${T.loopDelayP50Ms} ms`, x.loopP50Ms !== null && x.loopP50Ms >= T.loopDelayP50Ms),
    ev("service time / (on CPU + waiting to run) per request", ratio, "×", `cpu: < ${T.cpuRatio} with on CPU ≥ ${T.minBusyForCpu}; io: ≥ ${T.cpuRatio}`, ratio !== null && ratio < T.cpuRatio && busy !== null && busy >= T.minBusyForCpu),
  ];
  const ioMet = ev("service time neither on CPU nor waiting to run, per request", ioWait, "ms", `io: ≥ ${T.ioWaitMs} ms with ratio ≥ ${T.cpuRatio}`, ioWait !== null && ratio !== null && ioWait >= T.ioWaitMs && ratio >= T.cpuRatio && notBusy);
  const ds = x.downstream ?? null;
  const dsShare = ds ? ds.shareOfServerTime : null;
  const dsInfo = ds ? [ev(`awaiting ${ds.name} per request`, ds.waitPerRequestMs, "ms", "input (the service's own timing, metrics.txt, since start; overlaps other requests' CPU)", false), ev("  … / the same requests' time in the service", dsShare, "of it", "input (both since start, server-side)", false), ev("  round trips to it per request", ds.roundTripsPerRequest, "", "input", false)] : [];
  const info = [
    ev("JS thread on CPU", c.jsOnCpuMs, "ms", "input", false),
    ev("JS thread waiting to run (run queue; not CPU time)", c.runQueueWaitMs, "ms", "input", false),
    ev("JS thread waiting to run / window", runq, "of the window", `notes: ≥ ${T.runQueueNote}`, runq !== null && runq >= T.runQueueNote),
    ev("JS thread on CPU per request", onCpuPerReqMs === null ? null : onCpuPerReqMs * 1000, "µs", "input", false),
    ev("service time mean", service, "ms", "input", false),
    ev("lock wait per request", lockPerReq, "ms", `input (mutex.pprof${x.mutexFraction ? `, 1 in ${x.mutexFraction} sampled and scaled` : ""})`, false),
    ev("event-loop delay max (timer lateness)", x.loopMaxMs, "ms", `notes: ≥ ${T.loopDelayMaxMs} ms`, x.loopMaxMs !== null && x.loopMaxMs >= T.loopDelayMaxMs),
    ev("allocation per request", x.bytesPerRequest, "bytes", "input", false),
    ev("process CPU (all threads) / window", processCores, "cores", "input", false),
    ev("GC threads (HeapHelper, collector) on CPU / window", gcThreadsCores, "cores", "input (GC work on the JS thread itself is not in it)", false),
    ev("cpu.pprof cpu total / JS thread on CPU", profileOverOnCpu, "×", x.profileIsOnCpu ? "input (weighted with on-CPU time: 1 by construction)" : "input (samples × period: not CPU time)", false),
    ev("event-loop stall time ≥ rate (block.pprof)", x.blockMs, "ms", "input", false),
  ];

  let regime: Regime;
  let because: string;
  const fmt = (e: Evidence) => `${e.name} ${e.value}${e.unit && !e.unit.startsWith("of") ? ` ${e.unit}` : ""}`;
  const cross = x.crossCheck;
  const widest = cross?.disagree.length || cross?.widestDiffer ? `; widest leaf: ${x.profileTop} by cpu.pprof, ${cross.widest.perf?.name} by perf.pprof (trust perf)` : x.profileTop ? `; widest leaf: ${x.profileTop}` : "";
  if (gcMet.some((e) => e.met)) {
    regime = "gc";
    because = gcMet.filter((e) => e.met).map(fmt).join("; ");
  } else if (lockMet.met) {
    regime = "lock";
    because = `${fmt(lockMet)}: ${r(lockPerReq)} ms of lock wait per request (mutex.pprof, scaled) on ${x.lockName ? `lock '${x.lockName}'` : "a lock"}${x.lockTop ? ` (acquired in ${x.lockTop})` : ""} against a mean service time of ${r(service)} ms, while the JS thread was on CPU only ${r(busy)} of the window`;
  } else if (cpuMet.some((e) => e.met)) {
    regime = "cpu";
    because = cpuMet.filter((e) => e.met).map(fmt).join("; ") + widest;
  } else if (ioMet.met) {
    regime = "io";
    const waited = ds ? `; requests spent ${r(ds.waitPerRequestMs)} ms each awaiting ${ds.name}${ds.roundTripsPerRequest !== null ? ` in ${r(ds.roundTripsPerRequest)} round trips (${r(ds.waitPerRequestMs / ds.roundTripsPerRequest)} ms each)` : ""}: ${Math.round(dsShare! * 100)}% of their time in the service (server-side, since start)` : "";
    because = `${fmt(ioMet)} (service ${r(service)} ms vs ${r(onCpuPerReqMs)} ms on CPU + ${r(runqPerReqMs)} ms waiting to run, JS thread on CPU ${r(busy)} of the window, event-loop delay p50 ${r(x.loopP50Ms)} ms, no lock waits to explain it)${waited}`;
  } else {
    regime = "none";
    because = `nothing near a limit: JS thread on CPU ${r(busy)} of the window, service ${r(service)} ms for ${r(onCpuPerReqMs)} ms on CPU per request`;
  }

  const notes: string[] = [];
  if (x.loadHeld === false) notes.push(`the load was not held: ${x.loadReasons.join("; ")}`);
  if (c.jsOnCpuMs === null) notes.push("JS-thread on-CPU time unknown (no pid for /proc, and the CPU profile's total is not on-CPU time): the CPU rules could not run");
  else if (!c.source.startsWith("/proc")) notes.push(`JS-thread CPU from ${c.source}`);
  if (c.jsOnCpuMs !== null && c.runQueueWaitMs === null) notes.push("run-queue wait unknown (no schedstat): the service-time ratio counts on-CPU time only");
  const hostHot = Object.entries(x.hostBusy).filter(([, v]) => v >= 0.95);
  if (hostHot.length) notes.push(`host CPU ${hostHot.map(([k, v]) => `${k} ${Math.round(v * 100)}%`).join(", ")} busy over the window (everything on the machine)`);
  if (runq !== null && runq >= T.runQueueNote) {
    const own = c.threadsOnCpuMs !== null && c.jsOnCpuMs !== null ? c.threadsOnCpuMs - c.jsOnCpuMs : c.processCpuMs !== null && c.jsOnCpuMs !== null ? c.processCpuMs - c.jsOnCpuMs : null;
    const who = own !== null && own >= c.runQueueWaitMs! / 2 ? `likely the service's own other threads (GC, JIT, I/O pool: ${Math.round(own)} ms on CPU) on the same core` : "another process held its core (the host is oversubscribed)";
    notes.push(`the server's core was shared: the JS thread spent ${Math.round(c.runQueueWaitMs!)} ms (${Math.round(runq * 100)}% of the window) waiting to run — ${who}; latency includes that wait, the CPU figures do not`);
  }
  if (profileOverOnCpu !== null && !x.profileIsOnCpu && (profileOverOnCpu > T.profileMismatch || profileOverOnCpu < 1 / T.profileMismatch)) {
    notes.push(`cpu.pprof's total (samples × period) is ${round(profileOverOnCpu)}× the JS thread's on-CPU time: its times are not CPU time (read its shares)`);
  }
  if (cross?.warning) notes.push(cross.warning);
  if (regime !== "io" && ds && dsShare !== null && dsShare >= 0.3) notes.push(`requests spent ${r(ds.waitPerRequestMs)} ms each (${Math.round(dsShare * 100)}% of their time in the service) awaiting ${ds.name}${ds.roundTripsPerRequest !== null ? ` in ${r(ds.roundTripsPerRequest)} round trips` : ""}, yet only ${r(ioWait)} ms of a request's time was off the CPU and out of the run queue: those waits overlap CPU work (its own between round trips, other requests'), so the request's time is not mostly waiting`);
  if (regime !== "lock" && lockShare !== null && lockShare >= T.lockShare) notes.push(`lock wait per request is ${Math.round(lockShare * 100)}% of the mean service time, but the JS thread is saturated: requests queue for the CPU as much as for the lock`);
  if (regime !== "gc" && gcWall !== null && gcWall >= T.gcWallFraction / 2) notes.push(`a GC cycle was in progress ${Math.round(gcWall * 100)}% of the window (wall time): the next bottleneck after this one`);
  if (x.loopMaxMs !== null && x.loopMaxMs >= T.loopDelayMaxMs) notes.push(`the event loop was blocked for ${Math.round(x.loopMaxMs)} ms at least once (block.pprof, trace.json show where)`);
  return {
    regime,
    verdict: REGIME_NAMES[regime],
    because,
    evidence: [...gcMet, lockMet, ...cpuMet, ioMet, ...dsInfo, ...info],
    notes,
    next: NEXT[regime],
    inputs: {
      windowMs: x.windowMs,
      requests: x.requests,
      cpuWindowMs: c.windowMs,
      jsOnCpuMs: c.jsOnCpuMs,
      runQueueWaitMs: c.runQueueWaitMs,
      processCpuMs: c.processCpuMs,
      threadsOnCpuMs: c.threadsOnCpuMs,
      gcThreadsOnCpuMs: c.gcThreadsOnCpuMs,
      busy,
      runq,
      onCpuPerReqMs,
      runqPerReqMs,
      service,
      lockPerReq,
      lockShare,
      ratio,
      ioWait,
      gcWall,
      pauseFrac,
      gcThreadsShare,
      loopP50: x.loopP50Ms,
      loopMax: x.loopMaxMs,
    },
    crossCheck: cross,
  };
}

const secToMs = (s: number | undefined) => (s === undefined || !Number.isFinite(s) ? null : s * 1000);
const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : NaN);
const r = (x: number | null) => round(x ?? NaN);

/** The text doctor prints. */
export function doctorText(d: Diagnosis, dir: string): string {
  const lines = [`${dir}`, `regime: ${d.verdict}`, `  because ${d.because}`];
  if (d.notes.length) lines.push(...d.notes.map((n) => `  note: ${n}`));
  lines.push(`  next: ${d.next}`, "", "evidence:");
  for (const e of d.evidence) {
    const v = e.value === null ? "unknown" : `${e.value}${e.unit ? ` ${e.unit}` : ""}`;
    lines.push(`  ${e.met ? "✔" : e.rule.startsWith("input") ? " " : "·"} ${e.name.padEnd(62)} ${v.padEnd(34)} ${e.rule === "input" ? "" : e.rule}`);
  }
  if (d.crossCheck) {
    lines.push("", "cpu.pprof vs perf.pprof (share of on-CPU time by JS function, native code folded into its caller):");
    for (const f of d.crossCheck.compared) lines.push(`  ${`${(f.perf * 100).toFixed(1)}%`.padStart(7)} perf  ${`${(f.cpu * 100).toFixed(1)}%`.padStart(7)} cpu  ${f.name}`);
  }
  return lines.join("\n");
}
