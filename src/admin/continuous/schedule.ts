/**
 * When windows open. Starts sit on a grid of the period aligned to the epoch
 * (every 60 s: at :00 of each minute), so every worker and every restart
 * captures at the same wall-clock times, and `history --at 03:14` finds the
 * window that started at 03:14:00. Time comes from a Clock, so tests drive
 * the schedule without waiting for it.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` (or at once when the signal aborts). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(resolve, Math.max(0, ms));
      signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    }),
};

/** yieldToLoop lets the event loop serve what queued up between two synchronous steps of a window's end (each one stalls it). */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** nextStart: the first grid point at or after nowMs. */
export function nextStart(nowMs: number, everyMs: number): number {
  return Math.ceil(nowMs / everyMs) * everyMs;
}

/** validateSchedule returns an error message for a schedule that cannot run, or null. */
export function validateSchedule(windowMs: number, everyMs: number): string | null {
  if (!(windowMs >= 100)) return `the window must be at least 100ms, got ${windowMs} ms`;
  if (!(everyMs >= windowMs)) return `the period (${everyMs} ms) must be at least the window (${windowMs} ms)`;
  return null;
}
