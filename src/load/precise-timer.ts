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
 *
 * The worker is given the sleep's length, not its wake time: it starts the
 * sleep on its own clock when it sees the request, so it can only be late by
 * the hand-over (a futex wake), never early. An absolute wake time read
 * against the other thread's clock was: `performance.timeOrigin + now()`
 * differs between threads by whatever passed between reading the wall and
 * the monotonic clock at each thread's start, and a CI run once saw a
 * 0.35 ms sleep end after 0.084 ms.
 */
import type { Timer } from "./runtime.ts";

/** Word indexes in the shared control array. */
export const SEQ = 0;
export const STOP = 1;

export interface TimerShared {
  ctl: SharedArrayBuffer;
  /** The pending sleep's length in ms, NaN for none; written before SEQ moves on. */
  sleepMs: SharedArrayBuffer;
}

/** The shortest sleep it takes: at most 10,000 wake-ups a second, however high the rate (a tick sends every request due). */
export const PRECISE_TICK_MS = 0.1;

export class PreciseTimer implements Timer {
  readonly tickMs = PRECISE_TICK_MS;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8));
  private readonly sleepMs = new Float64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  /** The pending sleep's sequence number and callback; `fn` is null when none is pending. */
  private seq = 0;
  private fn: (() => void) | null = null;

  constructor() {
    this.sleepMs[0] = NaN;
    this.worker = new Worker(new URL("./precise-timer-worker.ts", import.meta.url).href);
    this.worker.onmessage = (e: MessageEvent<number>) => this.fired(e.data);
    this.worker.postMessage({ ctl: this.ctl.buffer, sleepMs: this.sleepMs.buffer } satisfies TimerShared);
  }

  set(fn: () => void, ms: number): unknown {
    if (this.fn) throw new Error("PreciseTimer: one sleep at a time (clear the pending one first)");
    this.fn = fn;
    this.sleepMs[0] = Math.max(0, ms);
    this.seq = this.bump();
    return this.seq;
  }

  clear(handle: unknown): void {
    if (handle !== this.seq || !this.fn) return;
    this.fn = null;
    this.sleepMs[0] = NaN;
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

  /** Moves SEQ on (after sleepMs is written) and wakes the worker to re-read. */
  private bump(): number {
    const seq = Atomics.add(this.ctl, SEQ, 1) + 1;
    Atomics.notify(this.ctl, SEQ);
    return seq;
  }
}
