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
 */
import * as jsc from "bun:jsc";
import { Session } from "node:inspector";
import { monotonicToPerfMs } from "./clock.ts";
import type { Frame } from "./pprof.ts";

/** A sample: its time (performance.now ms) and its frames, leaf first. */
export interface StackSample {
  t: number;
  frames: Frame[];
}

interface JscFrame {
  name?: string;
  sourceURL?: string;
  line?: number;
  category?: string;
}

interface Subscriber {
  intervalMs: number;
  nextDue: number;
  onSamples(samples: StackSample[]): void;
}

// Present at runtime in Bun 1.4 but missing from bun-types: the draining read of the running sampler.
const { startSamplingProfiler } = jsc;
const samplingProfilerStackTraces = (jsc as unknown as { samplingProfilerStackTraces(): unknown }).samplingProfilerStackTraces;

const UNKNOWN_LINE = 4294967295;
/** How often samples are pulled from JSC while anyone listens: bounds the memory JSC holds and the latency of a drain. */
const DRAIN_EVERY_MS = 100;
/** The fastest rate we let anyone ask for (a sample costs the JS thread a suspend/resume). */
export const MIN_INTERVAL_MS = 0.5;

const subscribers = new Set<Subscriber>();
const frameCache = new Map<string, Frame>();
let running = false;
let intervalMs = 0;
let timer: ReturnType<typeof setInterval> | null = null;

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

/** drain pulls every pending sample from JSC and hands each subscriber the ones due at its rate. */
export function drain(): void {
  if (!running) return;
  const raw = samplingProfilerStackTraces() as unknown as { traces?: { timestamp: number; frames: JscFrame[] }[] };
  const traces = raw?.traces;
  if (!traces?.length) return;
  const samples = traces.map((tr) => ({ t: monotonicToPerfMs(tr.timestamp), frames: collapseAsyncWrappers(tr.frames.map(toFrame)) }));
  for (const s of subscribers) {
    const due = pickDue(samples, s, intervalMs);
    if (due.length) s.onSamples(due);
  }
}

function retime(): void {
  const wanted = Math.min(...[...subscribers].map((s) => s.intervalMs));
  if (running && wanted === intervalMs) return;
  drain();
  intervalMs = wanted;
  startSamplingProfiler(undefined, Math.round(wanted * 1000));
  running = true;
  timer ??= setInterval(drain, DRAIN_EVERY_MS);
  timer.unref?.();
}

/** There is no bun:jsc call to stop the sampler; the inspector's Profiler.stop stops it. */
async function stopSampler(): Promise<void> {
  drain();
  running = false;
  intervalMs = 0;
  if (timer) clearInterval(timer);
  timer = null;
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<void>((resolve) => session.post(method, {}, () => resolve()));
  await post("Profiler.enable");
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
export function subscribe(intervalMs: number, onSamples: (samples: StackSample[]) => void): () => void {
  const s: Subscriber = { intervalMs: Math.max(MIN_INTERVAL_MS, intervalMs), nextDue: 0, onSamples };
  subscribers.add(s);
  retime();
  return () => {
    if (!subscribers.has(s)) return;
    drain();
    subscribers.delete(s);
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
export function samplerState(): { running: boolean; intervalMs: number; subscribers: number } {
  return { running, intervalMs, subscribers: subscribers.size };
}
