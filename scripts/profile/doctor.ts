/**
 * `doctor`: name a bundle's regime — CPU-bound, GC/alloc-bound, lock-bound,
 * IO-bound, or none (headroom) — from the runtime gauges and the profiles'
 * shapes, and say which evidence decided it.
 *
 * The thresholds start from Clinic.js Doctor's (event-loop delay median ≥ 10
 * ms or max ≥ 100 ms; CPU p90 under 90% points away from the CPU) and are
 * adapted to a fixed-rate open-model run on Bun: the rate is chosen, so a
 * server below saturation is normal, and the question is what a request's
 * time is made of —
 *
 *   cpuPerRequest = JS-thread CPU over the window / requests answered
 *   service       = mean of completion − send, seen by the load generator
 *   lockPerRequest= async-lock wait over the window (mutex.pprof) / requests
 *   gcCpuFraction = GC cycle time / window (gc.json)
 *
 * Rules, first match wins: GC (GC takes ≥ 25% of the window, or pauses
 * ≥ 10%, or one pause ≥ 100 ms, or GC cycles take ≥ 10% of the window and
 * ≥ 40% as much time as the whole process's CPU), lock (waits ≥ 30% of the service time while
 * the JS thread is not saturated), CPU (the JS thread ≥ 75% busy, or loop
 * delay median ≥ 10 ms, or service time < 4× the CPU it used), IO (service
 * time ≥ 4× the CPU and ≥ 1 ms of it is spent waiting elsewhere), else none.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE, type Meta } from "./bundle.ts";
import type { GcSummary } from "./gc-log.ts";
import { readProfile, sampleIndex, total } from "./pprof.ts";
import { parseProm, series } from "./prom.ts";
import { topRows } from "./top.ts";

export const THRESHOLDS = Object.freeze({
  gcCpuFraction: 0.25,
  /** …or GC at least this share of the whole process's CPU (the collector works as hard as the program), when ≥ gcMinFraction. */
  gcShareOfProcess: 0.4,
  gcMinFraction: 0.1,
  gcPauseFraction: 0.1,
  gcMaxPauseMs: 100,
  lockShare: 0.3,
  cpuBusy: 0.75,
  loopDelayP50Ms: 10,
  loopDelayMaxMs: 100,
  /** service / cpuPerRequest below this: a request's time is mostly its CPU (plus queueing for that CPU). */
  cpuRatio: 4,
  ioWaitMs: 1,
  /** Below this busy share and ratio, nothing is close to a limit. */
  minBusyForCpu: 0.3,
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
}

const NEXT: Record<Regime, string> = {
  cpu: "read the CPU flame graph / `top`: the widest frames are the work to cut; `list FUNC` shows the hot lines",
  gc: "cut allocation per request (gc.json bytesPerRequest); `top` on heap.pprof and the CPU profile's allocation-heavy frames show where",
  lock: "`top` on mutex.pprof names the lock and its acquirers: shorten the critical section or stop holding it across an await",
  io: "requests wait on something outside the JS thread: the trace's request spans show where the time goes; check downstream calls and timers",
  none: "raise the rate (bun run load --find-max) to find the bottleneck, or profile a heavier mix",
};

function readJson<T>(dir: string, name: string): T | null {
  const p = join(dir, name);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as T;
  } catch {
    return null;
  }
}

async function profileTotal(dir: string, name: string, type: string): Promise<{ total: number; samples: number; top: string | null; lock: string | null } | null> {
  const p = join(dir, name);
  if (!existsSync(p)) return null;
  try {
    const prof = await readProfile(p);
    const i = sampleIndex(prof, prof.sampleTypes.some((t) => t.type === type) ? type : undefined);
    const t = total(prof, i);
    const top = topRows(prof, i, "flat").find((r) => !r.name.startsWith("lock ")) ?? null;
    const counts = prof.sampleTypes.findIndex((t) => t.unit === "count");
    const lock = topRows(prof, i, "flat").find((r) => r.name.startsWith("lock ")) ?? null;
    return { total: t, samples: counts >= 0 ? total(prof, counts) : prof.samples.length, top: top ? top.name : null, lock: lock ? lock.name.slice(5) : null };
  } catch {
    return null;
  }
}

/** Diagnoses the bundle in `dir`. Works with missing files: the evidence then says "unknown". */
export async function diagnose(dir: string): Promise<Diagnosis> {
  const meta = readJson<Meta>(dir, BUNDLE.meta);
  const gc = readJson<GcSummary>(dir, BUNDLE.gc);
  const hist = readJson<{ latency?: Record<string, { mean: number; p50: number; p99: number }> }>(dir, BUNDLE.hist);
  let prom = new Map<string, number>();
  try {
    if (existsSync(join(dir, BUNDLE.metrics))) prom = parseProm(readFileSync(join(dir, BUNDLE.metrics), "utf8"));
  } catch {}
  const windowMs = meta?.duration.windowMs ?? gc?.windowMs ?? NaN;
  const requests = meta?.load.requests ?? gc?.requests ?? NaN;

  const cpuProf = await profileTotal(dir, BUNDLE.cpu, "cpu");
  const mutex = await profileTotal(dir, BUNDLE.mutex, "delay");
  const block = await profileTotal(dir, BUNDLE.block, "delay");

  // The JS thread's busy share: /proc when the capture had the pid, else the CPU profile's coverage (idle is not sampled).
  const sampledBusy = cpuProf && windowMs > 0 ? cpuProf.total / 1e6 / windowMs : null;
  const busy = meta?.serverCpu.threadCores ?? sampledBusy;
  // Time the JS thread was ready but another process held its core: it wanted the CPU all the same.
  const runq = meta?.serverCpu.threadRunqueue ?? null;
  const demand = busy !== null ? busy + (runq ?? 0) : null;
  const cpuPerReq = busy !== null && requests > 0 ? (busy * windowMs) / requests : null;
  const cpuWantPerReq = demand !== null && requests > 0 ? (demand * windowMs) / requests : null;
  const service = hist?.latency?.service?.mean ?? meta?.load.latencyMs?.service?.mean ?? null;
  const lockWaitMs = mutex ? mutex.total / 1e6 : null;
  const lockPerReq = lockWaitMs !== null && requests > 0 ? lockWaitMs / requests : null;
  const lockShare = lockPerReq !== null && service ? lockPerReq / service : null;
  const ratio = service !== null && cpuWantPerReq ? service / cpuWantPerReq : null;
  const ioWait = service !== null && cpuWantPerReq !== null ? service - cpuWantPerReq : null;
  const loopP50 = secToMs(series(prom, "nodejs_eventloop_lag_p50_seconds"));
  const loopMax = secToMs(series(prom, "nodejs_eventloop_lag_max_seconds"));
  const gcFrac = gc ? gc.gcCpuFraction : null;
  const pauseFrac = gc ? gc.pauseFraction : null;
  const maxPause = gc && Number.isFinite(gc.maxPauseMs) ? gc.maxPauseMs : null;
  const processCores = meta?.serverCpu.processCores ?? null;
  const gcOfProcess = gcFrac !== null && processCores ? gcFrac / processCores : null;
  const T = THRESHOLDS;

  const ev = (name: string, value: number | null, unit: string, rule: string, met: boolean): Evidence => ({ name, value: value === null || !Number.isFinite(value) ? null : round(value), unit, rule, met });
  const gcMet = [
    ev("GC CPU fraction", gcFrac, "of the window", `gc: ≥ ${T.gcCpuFraction}`, gcFrac !== null && gcFrac >= T.gcCpuFraction),
    ev("GC pause fraction", pauseFrac, "of the window", `gc: ≥ ${T.gcPauseFraction}`, pauseFrac !== null && pauseFrac >= T.gcPauseFraction),
    ev("longest GC pause", maxPause, "ms", `gc: ≥ ${T.gcMaxPauseMs} ms`, maxPause !== null && maxPause >= T.gcMaxPauseMs),
    ev("GC cycle time / process CPU", gcOfProcess, "", `gc: ≥ ${T.gcShareOfProcess} with GC CPU fraction ≥ ${T.gcMinFraction}`, gcOfProcess !== null && gcFrac !== null && gcOfProcess >= T.gcShareOfProcess && gcFrac >= T.gcMinFraction),
  ];
  const lockMet = ev("lock wait share of service time", lockShare, "", `lock: ≥ ${T.lockShare} while CPU demand < ${T.cpuBusy}`, lockShare !== null && lockShare >= T.lockShare && !(demand !== null && demand >= T.cpuBusy));
  const cpuMet = [
    ev("JS thread CPU demand (on CPU + waiting for one)", demand, "cores", `cpu: ≥ ${T.cpuBusy}`, demand !== null && demand >= T.cpuBusy),
    ev("event-loop delay p50", loopP50, "ms", `cpu: ≥ ${T.loopDelayP50Ms} ms`, loopP50 !== null && loopP50 >= T.loopDelayP50Ms),
    ev("service time / CPU demand per request", ratio, "×", `cpu: < ${T.cpuRatio} with demand ≥ ${T.minBusyForCpu}; io: ≥ ${T.cpuRatio}`, ratio !== null && ratio < T.cpuRatio && demand !== null && demand >= T.minBusyForCpu),
  ];
  const ioMet = ev("time waiting outside the CPU per request", ioWait, "ms", `io: ≥ ${T.ioWaitMs} ms with ratio ≥ ${T.cpuRatio}`, ioWait !== null && ratio !== null && ioWait >= T.ioWaitMs && ratio >= T.cpuRatio && !(demand !== null && demand >= T.cpuBusy));
  const info = [
    ev("JS thread on CPU", busy, "cores", "input", false),
    ev("JS thread ready but waiting for its core (run queue)", runq, "of the window", "input", false),
    ev("CPU per request", cpuPerReq, "ms", "input", false),
    ev("service time mean", service, "ms", "input", false),
    ev("lock wait per request", lockPerReq, "ms", "input", false),
    ev("event-loop delay max", loopMax, "ms", `notes: ≥ ${T.loopDelayMaxMs} ms`, loopMax !== null && loopMax >= T.loopDelayMaxMs),
    ev("allocation per request", gc?.bytesPerRequest ?? null, "bytes", "input", false),
    ev("process CPU (all threads)", meta?.serverCpu.processCores ?? null, "cores", "input", false),
    ev("CPU profile coverage", sampledBusy, "of the window", "input (idle is not sampled)", false),
    ev("event-loop stall time ≥ rate (block.pprof)", block ? block.total / 1e6 : null, "ms", "input", false),
  ];

  let regime: Regime;
  let because: string;
  const fmt = (e: Evidence) => `${e.name} ${e.value}${e.unit && !e.unit.startsWith("of") ? ` ${e.unit}` : ""}`;
  if (gcMet.some((e) => e.met)) {
    regime = "gc";
    because = gcMet.filter((e) => e.met).map(fmt).join("; ");
  } else if (lockMet.met) {
    regime = "lock";
    because = `${fmt(lockMet)}: requests spend ${round(lockPerReq!)} ms of ${round(service!)} ms queued on ${mutex?.lock ? `lock '${mutex.lock}'` : "a lock"}${mutex?.top ? ` (acquired in ${mutex.top})` : ""} while the JS thread wants only ${round(demand ?? NaN)} of a core`;
  } else if (cpuMet.some((e) => e.met)) {
    regime = "cpu";
    because = cpuMet.filter((e) => e.met).map(fmt).join("; ") + (cpuProf?.top ? `; widest leaf: ${cpuProf.top}` : "");
  } else if (ioMet.met) {
    regime = "io";
    because = `${fmt(ioMet)} (service ${round(service!)} ms vs ${round(cpuWantPerReq!)} ms of CPU demand, JS thread ${round(busy ?? NaN)} busy, no lock waits to explain it)`;
  } else {
    regime = "none";
    because = `nothing near a limit: JS thread ${round(busy ?? NaN)} busy, service ${round(service ?? NaN)} ms for ${round(cpuPerReq ?? NaN)} ms of CPU`;
  }
  const notes: string[] = [];
  if (meta && !meta.load.held) notes.push(`the load was not held: ${meta.load.reasons.join("; ")}`);
  if (busy === null) notes.push("JS-thread CPU unknown (no pid and no CPU profile)");
  const hostHot = Object.entries(meta?.hostBusy ?? {}).filter(([, v]) => v >= 0.95);
  if (hostHot.length) notes.push(`host CPU ${hostHot.map(([k, v]) => `${k} ${Math.round(v * 100)}%`).join(", ")} busy over the window (everything on the machine)`);
  if (runq !== null && runq >= 0.1) {
    const own = processCores !== null && busy !== null ? processCores - busy : 0;
    notes.push(
      `the JS thread waited ${Math.round(runq * 100)}% of the window for a CPU: ${own >= runq / 2 ? `the service's own other threads (GC, I/O pool: ${Math.round(own * 100)}% of a core) share its pinned core` : "another process held its core (the host is oversubscribed)"}; latency includes that wait`,
    );
  }
  if (regime !== "lock" && lockShare !== null && lockShare >= T.lockShare) notes.push(`lock waits are ${Math.round(lockShare * 100)}% of service time, but the JS thread is saturated: they are queueing for the CPU as much as for the lock`);
  if (regime !== "gc" && gcFrac !== null && gcFrac >= T.gcCpuFraction / 2) notes.push(`GC takes ${Math.round(gcFrac * 100)}% of the window: the next bottleneck after this one`);
  if (loopMax !== null && loopMax >= T.loopDelayMaxMs) notes.push(`the event loop was blocked for ${Math.round(loopMax)} ms at least once (block.pprof, trace.json show where)`);
  return {
    regime,
    verdict: REGIME_NAMES[regime],
    because,
    evidence: [...gcMet, lockMet, ...cpuMet, ioMet, ...info],
    notes,
    next: NEXT[regime],
    inputs: { windowMs, requests, busy, runq, demand, processCores, gcOfProcess, cpuPerReq, service, lockPerReq, lockShare, ratio, gcFrac, pauseFrac, loopP50, loopMax },
  };
}

const secToMs = (s: number | undefined) => (s === undefined || !Number.isFinite(s) ? null : s * 1000);
const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : NaN);

/** The text doctor prints. */
export function doctorText(d: Diagnosis, dir: string): string {
  const lines = [`${dir}`, `regime: ${d.verdict}`, `  because ${d.because}`];
  if (d.notes.length) lines.push(...d.notes.map((n) => `  note: ${n}`));
  lines.push(`  next: ${d.next}`, "", "evidence:");
  for (const e of d.evidence) {
    const v = e.value === null ? "unknown" : `${e.value}${e.unit ? ` ${e.unit}` : ""}`;
    lines.push(`  ${e.met ? "✔" : e.rule === "input" || e.rule.startsWith("input") ? " " : "·"} ${e.name.padEnd(50)} ${v.padEnd(22)} ${e.rule === "input" ? "" : e.rule}`);
  }
  return lines.join("\n");
}
