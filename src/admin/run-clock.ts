/**
 * Was the JS thread on a CPU at a given instant? A helper thread
 * (run-clock-worker.ts) reads the JS thread's CPU clock every ~0.25 ms into
 * a shared ring, so the sampler can ask, for each JSC sample, whether the
 * thread was actually running then.
 *
 * JSC's sampler cannot tell: it also takes samples while the thread sleeps in
 * the event loop or waits in the run queue, and those come with the stack of
 * the last JS call into native code (`stat` in v0), so without this they are
 * charged as that frame's CPU. With it, such a sample weighs nothing.
 *
 * It runs only while a CPU profile is being captured; its cost is a thread
 * that wakes ~4,000 times a second: 5.4% of a CPU measured here, on the CPU
 * the JS thread is not pinned to where it is pinned. (At 2,000 a second,
 * 3%, v0's half-millisecond requests were too short to tell apart: the
 * outside-JS share doubled against perf's.)
 */
import { helperCpus } from "./affinity.ts";
import { monotonicToPerfMs } from "./clock.ts";

const SLOTS = 16_384; // ~4 s of history at 0.25 ms: far more than one drain window
const PERIOD_MS = 0.25;
/**
 * A sample counts as taken while the thread ran when the JS thread's CPU
 * clock advanced by at least this much (ns) between the two readings around
 * it (~0.25 ms apart). Not a share of the interval: a whole thin request can
 * be a 90 µs burst, which fills a third of it. The floor is above what the
 * sample itself costs an idle thread (JSC's suspend and resume signals run
 * briefly on it), so a sample of a sleeping thread still weighs nothing.
 */
export const MIN_RUN_NS = 25_000;

let users = 0;
let worker: Worker | null = null;
let pairs: Float64Array | null = null;
let ctl: Int32Array | null = null;

/** startRunClock starts the helper thread (reference-counted); false where there is no per-thread CPU clock. */
export function startRunClock(): boolean {
  if (process.platform !== "linux") return false;
  users++;
  if (worker) return true;
  const ring = new SharedArrayBuffer(SLOTS * 2 * 8);
  const control = new SharedArrayBuffer(8);
  pairs = new Float64Array(ring);
  ctl = new Int32Array(control);
  Atomics.store(ctl, 1, 1);
  worker = new Worker(new URL("./run-clock-worker.ts", import.meta.url).href);
  worker.unref();
  worker.postMessage({ ring, control, tid: process.pid, periodMs: PERIOD_MS, cpus: helperCpus() });
  return true;
}

/** stopRunClock releases one reference; the thread ends with the last. */
export function stopRunClock(): void {
  if (users === 0) return;
  if (--users > 0 || !worker) return;
  Atomics.store(ctl!, 1, 0);
  const w = worker;
  worker = null;
  setTimeout(() => w.terminate(), 50).unref?.();
}

/** The ring's readings (perf ms, CPU ns) since `sinceMs` (all it holds by default), oldest first. */
export function runClockReadings(sinceMs = -Infinity): { t: Float64Array; cpu: Float64Array } {
  if (!pairs || !ctl) return { t: new Float64Array(0), cpu: new Float64Array(0) };
  const written = Atomics.load(ctl, 0);
  let n = Math.min(written, SLOTS);
  // Walk back from the newest only as far as needed (one reading before sinceMs, for interpolation).
  const since = monotonicNsOf(sinceMs);
  let back = 0;
  while (back < n && pairs[2 * ((written - 1 - back) % SLOTS)]! >= since) back++;
  n = Math.min(n, back + 1);
  const t = new Float64Array(n), cpu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = (written - n + i) % SLOTS;
    t[i] = monotonicToPerfMs(pairs[2 * k]! / 1e9);
    cpu[i] = pairs[2 * k + 1]!;
  }
  return { t, cpu };
}

/** perf ms → the monotonic ns the ring holds (monotonicToPerfMs(s) = s·1000 − offset, so offset = 1000 − monotonicToPerfMs(1)). */
function monotonicNsOf(perfMs: number): number {
  if (!Number.isFinite(perfMs)) return perfMs;
  return (perfMs + 1e3 - monotonicToPerfMs(1)) * 1e6;
}

/** Readings further apart than this say nothing about an instant between them (the helper thread was kept from running). */
const MAX_READING_GAP_MS = 1;

/** The readings either side of `ms` (indices), or null outside them or across a gap too long to say anything. */
function bracket(r: { t: Float64Array }, ms: number): [number, number] | null {
  const { t } = r;
  if (t.length < 2 || ms < t[0]! || ms > t[t.length - 1]!) return null;
  let lo = 0, hi = t.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! <= ms) lo = mid;
    else hi = mid;
  }
  return t[hi]! - t[lo]! > MAX_READING_GAP_MS ? null : [lo, hi];
}

/**
 * wasRunning: whether the JS thread ran around `ms` — its CPU clock advanced
 * by MIN_RUN_NS or more between the readings that bracket the instant. null
 * when the readings do not cover it (the caller falls back to the window's
 * average).
 */
export function wasRunning(r: { t: Float64Array; cpu: Float64Array }, ms: number): boolean | null {
  const b = bracket(r, ms);
  return b ? r.cpu[b[1]]! - r.cpu[b[0]]! >= MIN_RUN_NS : null;
}
