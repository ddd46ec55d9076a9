/**
 * Clocks. Everything in src/admin/ is timed in performance.now() milliseconds;
 * JSC's sampling profiler stamps its samples with CLOCK_MONOTONIC seconds, so
 * this module measures the offset between the two once, at load.
 */
import { dlopen } from "bun:ffi";

const CLOCK_MONOTONIC = 1;

function monotonicOffsetMs(): number | null {
  if (process.platform !== "linux") return null;
  try {
    const libc = dlopen("libc.so.6", { clock_gettime: { args: ["i32", "ptr"], returns: "i32" } });
    const ts = new BigInt64Array(2);
    // Take the tightest of a few bracketed reads: the offset is good to a few microseconds.
    let best = Infinity, offset = 0;
    for (let i = 0; i < 5; i++) {
      const before = performance.now();
      libc.symbols.clock_gettime(CLOCK_MONOTONIC, ts);
      const after = performance.now();
      if (after - before < best) {
        best = after - before;
        offset = Number(ts[0]) * 1e3 + Number(ts[1]) / 1e6 - (before + after) / 2;
      }
    }
    libc.close();
    return offset;
  } catch {
    return null;
  }
}

let offsetMs = monotonicOffsetMs();

/** monotonicToPerfMs converts a JSC sample timestamp (monotonic seconds) to performance.now() ms. */
export function monotonicToPerfMs(seconds: number): number {
  // Without clock_gettime (not Linux), assume the newest sample of the first batch was taken just now.
  if (offsetMs === null) offsetMs = seconds * 1e3 - performance.now();
  return seconds * 1e3 - offsetMs;
}

/** epochMs converts performance.now() ms to Unix epoch ms. */
export function epochMs(perfMs: number): number {
  return performance.timeOrigin + perfMs;
}
