/**
 * Event-loop stall detection: a timer that should fire every `period` ms
 * notices when it fires late. A late tick means the loop was busy (a long
 * task, GC, a sync syscall) somewhere between the previous tick and now.
 */

export interface Stall {
  /** The previous on-time tick (performance.now ms): the blocking work ran after it. */
  start: number;
  /** When the late tick finally ran. */
  end: number;
  /** How late the tick was: the event-loop delay this stall caused. */
  delayMs: number;
}

/** watchStalls calls onStall for every tick at least `thresholdMs` late; returns the stopper. */
export function watchStalls(thresholdMs: number, onStall: (s: Stall) => void): () => void {
  const period = Math.min(10, Math.max(1, Math.floor(thresholdMs / 2)));
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const delayMs = now - last - period;
    if (delayMs >= thresholdMs) onStall({ start: last, end: now, delayMs });
    last = now;
  }, period);
  timer.unref?.();
  return () => clearInterval(timer);
}
