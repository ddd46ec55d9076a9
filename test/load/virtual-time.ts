/**
 * Virtual time for driving the load engine: one clock, and one queue of
 * events (engine timers, a simulated server's answers) run in time order,
 * ties in the order they were scheduled (as real timers do). Time moves only
 * when the next event runs, so a run of seconds takes a few milliseconds and
 * every timestamp is exact.
 */
import type { Timer } from "../../src/load/runtime.ts";

interface Event {
  at: number;
  seq: number;
  fn: () => void;
}

export class VirtualTime {
  /** Starts away from 0, as performance.now() does. */
  private t = 10_000;
  private seq = 0;
  private readonly events: Event[] = [];
  private wake: (() => void) | null = null;

  readonly now = (): number => this.t;

  /** Runs `fn` `ms` from now; the handle cancels it. */
  after(ms: number, fn: () => void): Event {
    if (!(ms >= 0)) throw new Error(`cannot schedule ${ms} ms from now`);
    const e = { at: this.t + ms, seq: this.seq++, fn };
    let k = this.events.length;
    while (k > 0 && this.events[k - 1]!.at > e.at) k--; // stable: a tie goes after those already queued
    this.events.splice(k, 0, e);
    this.wake?.();
    return e;
  }

  /** A timer of `tickMs` grain (1: setTimeout's whole ms, as `--timer ms`; 0.1: `--timer precise`'s), waking exactly on time. */
  timerOf(tickMs: number): Timer {
    return {
      tickMs,
      set: (fn, ms) => this.after(ms, fn),
      clear: (handle) => {
        const k = this.events.indexOf(handle as Event);
        if (k >= 0) this.events.splice(k, 1);
      },
    };
  }

  readonly timer: Timer = this.timerOf(1);

  /** Moves the clock to the next event and runs it; false when none is queued. */
  step(): boolean {
    const e = this.events.shift();
    if (!e) return false;
    this.t = e.at;
    e.fn();
    return true;
  }

  /**
   * Runs events until `done` settles, and returns it. With nothing queued it
   * waits for the next event to be scheduled (the engine is still loading its
   * corpus) or for `done`; real time never advances the clock.
   */
  async drive<T>(done: Promise<T>, maxEvents = 1_000_000): Promise<T> {
    let settled = false;
    done.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let n = 0; !settled; ) {
      if (this.step()) {
        if (++n > maxEvents) throw new Error(`still running after ${maxEvents} events`);
        continue;
      }
      await Promise.race([new Promise<void>((r) => (this.wake = r)), done.catch(() => {})]);
      this.wake = null;
    }
    return done;
  }
}
