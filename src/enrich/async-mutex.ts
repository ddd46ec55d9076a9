/**
 * A FIFO async mutex, instrumented for the mutex profile (/debug/pprof/mutex).
 *
 * When a contention observer is installed, every contended acquire is timed
 * from the call to the grant; a sampled fraction of them also records the
 * acquirer's stack. Uncontended acquires cost one branch.
 */

/** Receives contention events; installed by the admin mutex profiler. */
export interface ContentionObserver {
  /** Called when a waiter was granted the lock after `waitNs`; `stack` is set for sampled events. */
  contended(lock: string, waitNs: number, stack: string | undefined): void;
  /** Whether this contended acquire should carry a stack (the profiler's sampling fraction). */
  sample(): boolean;
}

let observer: ContentionObserver | null = null;

/** Installs (or removes, with null) the process-wide contention observer. */
export function setContentionObserver(o: ContentionObserver | null): void {
  observer = o;
}

type Release = () => void;

export class AsyncMutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];
  /** Contended acquires since start (cheap always-on counter for /metrics). */
  contentions = 0;

  constructor(readonly name: string) {}

  /** acquire resolves with the release function once the caller holds the lock. */
  acquire(): Promise<Release> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve(this.release);
    }
    this.contentions++;
    const o = observer;
    const started = o ? Bun.nanoseconds() : 0;
    const stack = o?.sample() ? new Error().stack : undefined;
    return new Promise<Release>((resolve) => {
      this.waiters.push(() => {
        if (o) o.contended(this.name, Bun.nanoseconds() - started, stack);
        resolve(this.release);
      });
    });
  }

  /** Runs fn while holding the lock. */
  async runExclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private readonly release: Release = () => {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  };
}
