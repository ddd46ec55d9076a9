/**
 * A timer for the load engine that wakes within about a tenth of a
 * millisecond of when it was asked, where setTimeout rounds every sleep up
 * to a whole millisecond. At 1,500 req/s requests are 0.67 ms apart, so a
 * whole-ms tick sends each one up to a tick late, and that lateness is part
 * of corrected latency (FINDINGS §38: a 1.14 ms send-lag p99 against a
 * 0.85 ms service p99). The sleep itself runs on a worker thread blocked in
 * Atomics.wait, so the engine's thread stays in its event loop, reading
 * answers, and no core spins (the validity rule would call a spinning
 * generator saturated). One sleep at a time, which is all the engine keeps.
 */
import type { Timer } from "./runtime.ts";

/** Word indexes in the shared control array. */
export const SEQ = 0;
export const STOP = 1;

export interface TimerShared {
  ctl: SharedArrayBuffer;
  wakeAt: SharedArrayBuffer;
}

/** The shortest sleep it takes: at most 10,000 wake-ups a second, however high the rate (a tick sends every request due). */
export const PRECISE_TICK_MS = 0.1;

const nowAbs = () => performance.timeOrigin + performance.now();

export class PreciseTimer implements Timer {
  readonly tickMs = PRECISE_TICK_MS;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8));
  private readonly wakeAt = new Float64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  /** The pending sleep's sequence number and callback; `fn` is null when none is pending. */
  private seq = 0;
  private fn: (() => void) | null = null;

  constructor() {
    this.wakeAt[0] = NaN;
    this.worker = new Worker(new URL("./precise-timer-worker.ts", import.meta.url).href);
    this.worker.onmessage = (e: MessageEvent<number>) => this.fired(e.data);
    this.worker.postMessage({ ctl: this.ctl.buffer, wakeAt: this.wakeAt.buffer } satisfies TimerShared);
  }

  set(fn: () => void, ms: number): unknown {
    if (this.fn) throw new Error("PreciseTimer: one sleep at a time (clear the pending one first)");
    this.fn = fn;
    this.wakeAt[0] = nowAbs() + ms;
    this.seq = this.bump();
    return this.seq;
  }

  clear(handle: unknown): void {
    if (handle !== this.seq || !this.fn) return;
    this.fn = null;
    this.wakeAt[0] = NaN;
    this.seq = this.bump();
  }

  /** Stops the worker thread; the timer cannot be used after. */
  close(): void {
    this.fn = null;
    Atomics.store(this.ctl, STOP, 1);
    this.bump();
    this.worker.terminate();
  }

  private fired(seq: number): void {
    // A wake-up for a sleep already cleared or replaced is stale.
    if (seq !== this.seq || !this.fn) return;
    const fn = this.fn;
    this.fn = null;
    fn();
  }

  /** Moves SEQ on (after wakeAt is written) and wakes the worker to re-read. */
  private bump(): number {
    const seq = Atomics.add(this.ctl, SEQ, 1) + 1;
    Atomics.notify(this.ctl, SEQ);
    return seq;
  }
}
