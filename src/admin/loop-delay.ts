/**
 * The process's one event-loop delay monitor, read by /metrics and by the
 * block profiler, each through its own histogram.
 *
 * Bun's `monitorEventLoopDelay` instances share one native monitor: when one
 * reader disables or resets its instance, every other reader's goes dark
 * (the block profiler's window used to end by disabling its own, and every
 * `nodejs_eventloop_lag_*` read 0 until restart). So the measurement lives
 * here once — a timer at a fixed resolution, each firing's interval recorded
 * as Node's monitor records it (the resolution plus the lateness) — and fans
 * each interval out to every open reader.
 */
import * as hdr from "hdr-histogram-js";

export const LOOP_DELAY_RESOLUTION_MS = 10;

export interface LoopDelayReader {
  /** The intervals recorded since open or the last reset (ns), as an HdrHistogram. */
  readonly histogram: hdr.Histogram;
  reset(): void;
  close(): void;
}

const readers = new Set<LoopDelayReader>();
let tickWaiters: (() => void)[] = [];
let timer: ReturnType<typeof setInterval> | null = null;
let last = 0;

function tick(): void {
  const now = performance.now();
  const ns = Math.max(1, Math.round((now - last) * 1e6));
  last = now;
  for (const r of readers) r.histogram.recordValue(ns);
  const waiting = tickWaiters;
  tickWaiters = [];
  for (const w of waiting) w();
}

/** Resolves once the monitor has recorded its next interval (readers must be open, or it never ticks). */
export function nextLoopDelayTick(): Promise<void> {
  return new Promise((resolve) => tickWaiters.push(resolve));
}

/** openLoopDelayReader starts (if needed) the monitor and gives a reader its own histogram; close it when done. */
export function openLoopDelayReader(): LoopDelayReader {
  const histogram = hdr.build({ lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600e9, numberOfSignificantValueDigits: 3, autoResize: true });
  const reader: LoopDelayReader = {
    histogram,
    reset: () => histogram.reset(),
    close: () => {
      readers.delete(reader);
      if (readers.size === 0 && timer) clearInterval(timer), (timer = null);
    },
  };
  readers.add(reader);
  if (!timer) {
    last = performance.now();
    timer = setInterval(tick, LOOP_DELAY_RESOLUTION_MS);
    timer.unref?.();
  }
  return reader;
}
