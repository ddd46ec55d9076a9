/**
 * The VM's one stack sampler, shared by every profile that needs stacks.
 *
 * JSC runs a single sampling profiler per VM. bun:jsc exposes it as a stream:
 * `startSamplingProfiler(dir, intervalMicros)` starts (or re-times) it and
 * `samplingProfilerStackTraces()` drains the samples taken since the last
 * call, each timestamped, each frame with the line it was executing (the call
 * site for callers). The inspector's `Profiler` drives the same sampler, so
 * two users would steal each other's samples: this module is the only one
 * that touches it, and fans the samples out to subscribers (CPU profile,
 * trace, block profiler), each at its own rate. Idle time is never sampled:
 * a profile of an idle process is empty, not an "(idle)" node.
 *
 * A sample's count is not CPU time. JSC's sampler ticks on wall time while the
 * VM is entered — also while the thread waits in the run queue, or sleeps
 * with a stale stack — and never while Bun's native code runs outside the VM
 * (the HTTP server, the event loop, I/O completions). So for weighted
 * subscribers (the CPU profile) each sample weighs one real sampler period
 * if the JS thread was running when it was taken (run-clock.ts reads the
 * thread's CPU clock every 0.25 ms) and nothing otherwise (weighWindow); a
 * capture then caps the JS samples by, and fills them up to, the thread's
 * on-CPU time with one explicit native frame (capWeights), so its total is
 * on-CPU time. Every drain also reads the run-queue time, reported beside it.
 * While the sampler runs, its thread sits off the JS thread's core where the
 * JS thread is pinned (affinity.ts): on the same core it only gets to run,
 * and sample, when the JS thread yields. docs/profiling.md ("What the CPU
 * profile counts") has the measurements and what is still wrong.
 */
import * as jsc from "bun:jsc";
import { Session } from "node:inspector";
import { monotonicToPerfMs } from "./clock.ts";
import type { Frame } from "./pprof.ts";
import { helperCpus, setCpus, threads } from "./affinity.ts";
import { runClockReadings, startRunClock, stopRunClock, wasRunning } from "./run-clock.ts";
import { threadCpu, type ThreadCpu } from "./thread-cpu.ts";
import type { Labels } from "./request-labels.ts";
import { type SegmentOwner, segments } from "./segments.ts";

/** A sample: its time (performance.now ms) and its frames, leaf first. */
export interface StackSample {
  t: number;
  frames: Frame[];
  /** On-CPU nanoseconds this sample stands for (weighWindow); set on samples handed to weighted subscribers. */
  cpuNs?: number;
  /** The pprof labels of the request whose synchronous segment covers `t` (segments.ts), set at drain. */
  labels?: Labels;
  /** That request: its labels may still gain the batch class (a body parsed, its handler not yet started); read them through labelsOf. */
  owner?: SegmentOwner;
}

/** labelsOf: a sample's labels as its request has them now (a capture reads them at its end). */
export function labelsOf(s: StackSample): Labels | undefined {
  return s.owner ? s.owner.labels : s.labels;
}

/** What the kernel says of the JS thread over one drain window, handed to weighted subscribers beside the samples. */
export interface CpuWindow {
  fromMs: number;
  toMs: number;
  onCpuNs: number;
  runQueueNs: number;
  /** What the window's JS samples weigh before the capture's cap (capWeights). */
  jsNs: number;
}

/** The on-CPU time JSC's sampler cannot see: Bun's native code with no JS on the stack. */
export const OUTSIDE_JS: Frame = Object.freeze({ name: "(bun native: outside JS — HTTP, event loop, I/O)", file: "", line: 0 });

interface JscFrame {
  name?: string;
  sourceURL?: string;
  line?: number;
  category?: string;
}

interface Subscriber {
  intervalMs: number;
  nextDue: number;
  /** Weighted subscribers get every JS sample with its cpuNs, and the window's kernel figures. */
  weighted: boolean;
  onSamples(samples: StackSample[], window?: CpuWindow): void;
}

// Present at runtime in Bun 1.4 but missing from bun-types: the draining read of the running sampler.
const { startSamplingProfiler } = jsc;
const samplingProfilerStackTraces = (jsc as unknown as { samplingProfilerStackTraces(): unknown }).samplingProfilerStackTraces;

const UNKNOWN_LINE = 4294967295;
/** How often samples are pulled from JSC while anyone listens: bounds the memory JSC holds and the latency of a drain. */
const DRAIN_EVERY_MS = 100;
/** The fastest rate we let anyone ask for (a sample costs the JS thread a suspend/resume). */
export const MIN_INTERVAL_MS = 0.5;
/**
 * The interval a stopped sampler is left at. JSC's sampler thread never
 * exits: paused, it still wakes at its interval, and the inspector's
 * Profiler.start (the only way to stop it) leaves that at 1 ms — ~925
 * wake-ups a second, 1.3–1.9% of a CPU for the rest of the process's life
 * after the first profile (`bun bench/sampler-idle.ts`). Parked at 250 ms it
 * wakes 4 times a second (0.01–0.03%); the price is that a restart is live
 * only after the parked sleep runs out (windowOpen()).
 */
export const PARKED_INTERVAL_MS = 250;

const subscribers = new Set<Subscriber>();
const frameCache = new Map<string, Frame>();
let running = false;
/** Set from a restart until the sampler is live at the new rate (windowOpen()). */
let opening: { promise: Promise<void>; open(): void; deadline: number } | null = null;
let intervalMs = 0;
let timer: ReturnType<typeof setInterval> | null = null;
let lastDrain: { t: number; cpu: ThreadCpu } | null = null;
/** JSC's sampler thread (created by the first start, kept for the process's life), and the CPUs it was moved to. */
let samplerTids: number[] | null = null;
let samplerCpus: number[] | null = null;
/** The sampler's real period at the current interval (set by retime). */
let period: { add(samples: StackSample[]): void; readonly ms: number } = { add() {}, ms: 0 };

function toFrame(f: JscFrame): Frame {
  const key = `${f.name}\u0000${f.sourceURL}\u0000${f.line}`;
  let frame = frameCache.get(key);
  if (!frame) {
    const file = (f.sourceURL ?? "").replace(/^file:\/\//, "");
    const line = f.line === undefined || f.line === UNKNOWN_LINE ? 0 : f.line;
    frame = { name: f.name || (file ? "(anonymous)" : "(native)"), file, line };
    if (frameCache.size > 50_000) frameCache.clear();
    frameCache.set(key, frame);
  }
  return frame;
}

/**
 * JSC shows an async function called for the first time twice: its body, and
 * under it an outer frame of the same name at the function's last line. The
 * outer one is dropped (adjacent same function, same file), keeping the body's
 * call-site line. Direct recursion loses depth, not time.
 */
export function collapseAsyncWrappers(frames: Frame[]): Frame[] {
  let out: Frame[] | null = null;
  for (let i = 1; i < frames.length; i++) {
    const a = frames[i - 1]!, b = frames[i]!;
    if (a.name === b.name && a.file === b.file && a.file !== "") {
      out ??= frames.slice(0, i);
      continue;
    }
    out?.push(b);
  }
  return out ?? frames;
}

/**
 * pickDue keeps the samples due at the subscriber's interval. Due times sit on
 * a grid (each one interval after the last), so taking every k-th sample of a
 * faster sampler neither over- nor under-counts: each kept sample stands for
 * one subscriber interval of CPU. A quarter of the sampler's own interval of
 * slack absorbs its jitter; after an idle gap the grid restarts.
 */
export function pickDue(samples: StackSample[], s: { intervalMs: number; nextDue: number }, samplerIntervalMs: number): StackSample[] {
  const due: StackSample[] = [];
  const slack = samplerIntervalMs / 4;
  for (const sample of samples) {
    if (sample.t < s.nextDue - slack) continue;
    due.push(sample);
    s.nextDue = sample.t - s.nextDue > s.intervalMs ? sample.t + s.intervalMs : s.nextDue + s.intervalMs;
  }
  return due;
}

/**
 * weighWindow gives each JS sample of a drain window the on-CPU time it
 * stands for: one sampler period if the thread was running when it was
 * taken, nothing if it was not (runningShareOf gives 1 or 0, from
 * run-clock.ts; without it, every sample gets the window's on-CPU over
 * on-CPU plus preempted time). A sample taken while the thread slept in the
 * event loop or sat in the run queue weighs nothing, whatever stack JSC gave
 * it.
 *
 * The weights are estimates with Poisson noise (a 100 ms window holds a few
 * samples at 100 Hz), so they are not capped here: a capture caps its total
 * once, at its end (capWeights), where the noise has averaged out. What the
 * samples do not account for is on-CPU time in Bun's native code outside JS,
 * which JSC never samples: the OUTSIDE_JS frame.
 */
export function weighWindow(
  samples: StackSample[],
  onCpuNs: number,
  preemptedNs: number,
  samplePeriodMs: number,
  runningShareOf: (s: StackSample) => number | null = () => null,
): { samples: StackSample[]; jsNs: number } {
  const busy = onCpuNs + preemptedNs;
  const onCpuShare = busy > 0 ? onCpuNs / busy : 1;
  let jsNs = 0;
  const out: StackSample[] = [];
  for (const s of samples) {
    if (s.frames.length === 0) continue;
    const cpuNs = (runningShareOf(s) ?? onCpuShare) * samplePeriodMs * 1e6;
    jsNs += cpuNs;
    out.push({ t: s.t, frames: s.frames, cpuNs, labels: s.labels, owner: s.owner });
  }
  return { samples: out, jsNs };
}

/**
 * capWeights ends a capture: JS samples never weigh more than the on-CPU
 * time measured (scaled down together if they do), and the on-CPU time they
 * leave is one OUTSIDE_JS sample at `t`. The result's weights add up to
 * onCpuNs exactly.
 */
export function capWeights(samples: StackSample[], onCpuNs: number, t: number): { samples: StackSample[]; jsNs: number } {
  const js = samples.filter((s) => s.frames[0] !== OUTSIDE_JS);
  const raw = js.reduce((a, s) => a + (s.cpuNs ?? 0), 0);
  const scale = raw > onCpuNs && raw > 0 ? onCpuNs / raw : 1;
  const out = js.map((s) => ({ ...s, cpuNs: (s.cpuNs ?? 0) * scale }));
  const jsNs = raw * scale;
  // Native time serves requests too, but no segment says which: it carries the unattributed labels.
  if (onCpuNs - jsNs > 0) out.push({ t, frames: [OUTSIDE_JS], cpuNs: onCpuNs - jsNs, labels: segments.unattributed });
  return { samples: out, jsNs };
}

/**
 * PeriodEstimate: the sampler's real period, the mean gap between
 * consecutive samples one wake-up apart (under 1.5 intervals: JSC sleeps the
 * interval ±20%, then walks the stack, so the real period is a little
 * longer — 2.7% at 10 ms, 5% at 2.5 ms here). Accumulated over a whole run
 * at one interval: a 100 ms window at 100 Hz holds too few such gaps.
 */
export class PeriodEstimate {
  private sum = 0;
  private n = 0;
  private last = -Infinity;
  constructor(readonly intervalMs: number) {}
  add(samples: StackSample[]): void {
    for (const s of samples) {
      const gap = s.t - this.last;
      if (gap > 0 && gap < 1.5 * this.intervalMs) (this.sum += gap), this.n++;
      this.last = s.t;
    }
  }
  get ms(): number {
    return this.n >= 8 ? this.sum / this.n : this.intervalMs;
  }
}

/** drain pulls every pending sample from JSC and hands each subscriber the ones due at its rate (weighted ones: all, weighed). */
export function drain(): void {
  if (!running) return;
  const raw = samplingProfilerStackTraces() as unknown as { traces?: { timestamp: number; frames: JscFrame[] }[] };
  const traces = raw?.traces ?? [];
  // A restart is live at its first sample, or when the parked sleep has surely run out (an idle thread gives none).
  if (opening && (traces.length > 0 || performance.now() >= opening.deadline)) openWindow();
  const t = performance.now();
  const cpu = threadCpu();
  const samples: StackSample[] = traces.map((tr) => ({ t: monotonicToPerfMs(tr.timestamp), frames: collapseAsyncWrappers(tr.frames.map(toFrame)) }));
  // Before anyone gets them: each sample learns which request was on the thread at its time.
  segments.label(samples, t);
  const since = lastDrain;
  lastDrain = { t, cpu };
  if (!since) return; // the first drain after a start only opens the window
  period.add(samples);
  const periodMs = period.ms;
  const onCpuNs = cpu.onCpuNs - since.cpu.onCpuNs;
  const runQueueNs = cpu.runQueueNs - since.cpu.runQueueNs;
  const forced = cpu.involuntarySwitches - since.cpu.involuntarySwitches;
  const switches = forced + cpu.voluntarySwitches - since.cpu.voluntarySwitches;
  const preemptedNs = switches > 0 ? (runQueueNs * forced) / switches : 0;
  let weighed: { samples: StackSample[]; window: CpuWindow } | null = null;
  for (const s of subscribers) {
    if (s.weighted) {
      if (!weighed) {
        const readings = runClockReadings(since.t - 50);
        const w = weighWindow(samples, onCpuNs, preemptedNs, periodMs, (x) => {
          const running = wasRunning(readings, x.t);
          return running === null ? null : running ? 1 : 0;
        });
        weighed = { samples: w.samples, window: { fromMs: since.t, toMs: t, onCpuNs, runQueueNs, jsNs: w.jsNs } };
      }
      s.onSamples(weighed.samples, weighed.window);
      continue;
    }
    const due = pickDue(samples, s, intervalMs);
    if (due.length) s.onSamples(due);
  }
}

function retime(): void {
  const wanted = Math.min(...[...subscribers].map((s) => s.intervalMs));
  if (running && wanted === intervalMs) return;
  drain();
  if (intervalMs !== wanted) period = new PeriodEstimate(wanted);
  intervalMs = wanted;
  const firstStart = samplerTids === null;
  if (firstStart) {
    const before = new Set(threads().map((t) => t.tid));
    startSamplingProfiler(undefined, Math.round(wanted * 1000));
    samplerTids = threads().filter((t) => !before.has(t.tid)).map((t) => t.tid);
  } else startSamplingProfiler(undefined, Math.round(wanted * 1000));
  // Off the JS thread's core, or it samples the JS thread's idle moments (affinity.ts).
  samplerCpus = helperCpus();
  if (samplerCpus) for (const tid of samplerTids!) setCpus(tid, samplerCpus);
  if (!running) {
    // Drop what JSC buffered while nobody listened. A first start is live at once; a restart, once it has slept out the parked interval.
    samplingProfilerStackTraces();
    lastDrain = { t: performance.now(), cpu: threadCpu() };
    segments.setRecording(true);
    if (!firstStart) beginOpening();
  }
  running = true;
  timer ??= setInterval(drain, DRAIN_EVERY_MS);
  timer.unref?.();
}

function openWindow(): void {
  const o = opening;
  opening = null;
  o?.open();
}

/**
 * beginOpening: after a restart JSC's thread first sleeps out the parked
 * interval. Until its first sample, drains run every few milliseconds, so
 * windowOpen() resolves close to when the samples start; whatever is drained
 * meanwhile still reaches the subscribers (a stall then is still caught).
 */
function beginOpening(): void {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  const o = { promise, open, deadline: performance.now() + PARKED_INTERVAL_MS * 1.2 + 5 };
  opening = o;
  const poll = () => {
    if (opening !== o || !running) return;
    drain();
    if (opening === o) setTimeout(poll, 5).unref?.();
  };
  setTimeout(poll, 5).unref?.();
}

/** windowOpen resolves once the sampler is live (at once unless it is restarting), so a capture's window can start when its samples do. */
export function windowOpen(): Promise<void> {
  return opening?.promise ?? Promise.resolve();
}

/** There is no bun:jsc call to stop the sampler; the inspector's Profiler.stop stops it (parked: PARKED_INTERVAL_MS). */
async function stopSampler(): Promise<void> {
  drain();
  opening?.open();
  opening = null;
  running = false;
  segments.setRecording(false);
  lastDrain = null;
  intervalMs = 0;
  if (timer) clearInterval(timer);
  timer = null;
  const session = new Session();
  session.connect();
  const post = (method: string, params = {}) => new Promise<void>((resolve) => session.post(method, params, () => resolve()));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: PARKED_INTERVAL_MS * 1000 });
  await post("Profiler.start");
  await post("Profiler.stop");
  await post("Profiler.disable");
  session.disconnect();
}

/**
 * subscribe starts delivering samples at most every `intervalMs` to `onSamples`
 * until the returned function is called. The sampler runs at the fastest rate
 * any subscriber wants and stops when the last one leaves.
 */
export function subscribe(intervalMs: number, onSamples: (samples: StackSample[], window?: CpuWindow) => void, o: { weighted?: boolean } = {}): () => void {
  const s: Subscriber = { intervalMs: Math.max(MIN_INTERVAL_MS, intervalMs), nextDue: 0, weighted: o.weighted ?? false, onSamples };
  // Close the running window first, so a weighted subscriber's first window starts now, not before it came.
  if (s.weighted) drain(), startRunClock();
  subscribers.add(s);
  retime();
  return () => {
    if (!subscribers.has(s)) return;
    drain();
    subscribers.delete(s);
    if (s.weighted) stopRunClock();
    if (subscribers.size === 0) {
      // Another subscriber may arrive while the stop is in flight: retime() restarts it.
      void stopSampler().then(() => {
        if (subscribers.size === 0) return;
        running = false;
        retime();
      });
    } else retime();
  };
}

/** samplerState reports whether the sampler runs and at what interval (index page, meta). */
export function samplerState(): { running: boolean; intervalMs: number; periodMs: number; subscribers: number; samplerCpus: number[] | null } {
  return { running, intervalMs, periodMs: period.ms, subscribers: subscribers.size, samplerCpus };
}
