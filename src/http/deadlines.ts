/**
 * Many short waits, each with a deadline, under one timer. A wait is a node
 * in a list kept in deadline order (appending keeps it so when every wait has
 * the same length, the service's case); the timer is armed for the earliest
 * deadline and, when it fires, fails the waits that are over and re-arms for
 * the next. Almost every request body arrives with its headers, so almost
 * every wait ends long before the timer: a per-request setTimeout paid a timer
 * object and a timer-heap insert and removal for nothing (FINDINGS.md §51).
 */

/** The timer the list runs on (injected in tests, so none of them waits for time to pass). */
export interface TimerClock {
  now(): number;
  /** Arms a one-shot timer that must not keep the process alive (the waits' own sockets do). */
  set(fn: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

export const SYSTEM_TIMERS: TimerClock = {
  now: () => performance.now(),
  set(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

interface Wait {
  deadline: number;
  ms: number;
  late: (ms: number) => Error;
  reject: (e: Error) => void;
  prev: Wait | null;
  next: Wait | null;
  /** Off the list: settled, or failed by the timer. */
  done: boolean;
}

export class DeadlineList {
  private head: Wait | null = null;
  private tail: Wait | null = null;
  private timer: unknown = undefined;
  private armedAt = Infinity;

  constructor(private readonly clock: TimerClock = SYSTEM_TIMERS) {}

  /** `work`'s outcome, or `late(ms)`'s error if `ms` pass first (one shared `late`: no closure per wait). */
  within<T>(work: Promise<T>, ms: number, late: (ms: number) => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w = this.add(ms, late, reject);
      work.then(
        (v) => (this.remove(w), resolve(v)),
        (e) => (this.remove(w), reject(e)),
      );
    });
  }

  /** Waits not yet settled or failed (tests). */
  get size(): number {
    let n = 0;
    for (let w = this.head; w; w = w.next) n++;
    return n;
  }

  private add(ms: number, late: (ms: number) => Error, reject: (e: Error) => void): Wait {
    const deadline = this.clock.now() + ms;
    const w: Wait = { deadline, ms, late, reject, prev: null, next: null, done: false };
    // From the tail back to the first earlier deadline: one step when every wait has the same length.
    let at = this.tail;
    while (at && at.deadline > deadline) at = at.prev;
    w.prev = at;
    w.next = at ? at.next : this.head;
    if (w.next) w.next.prev = w;
    else this.tail = w;
    if (at) at.next = w;
    else this.head = w;
    if (deadline < this.armedAt) this.arm(deadline);
    return w;
  }

  private remove(w: Wait): void {
    if (w.done) return;
    w.done = true;
    if (w.prev) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = w.next = null;
    // The timer stays armed: it finds nothing over when it fires, which is one timer per wait length, not one per wait.
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.armedAt = deadline;
    this.timer = this.clock.set(() => this.fire(), Math.max(0, deadline - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    while (this.head && this.head.deadline <= now) {
      const w = this.head;
      this.remove(w);
      w.reject(w.late(w.ms));
    }
    if (this.head) this.arm(this.head.deadline);
  }
}
