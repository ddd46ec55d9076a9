/**
 * /debug/pprof/mutex: contention on the service's AsyncMutexes. With fraction
 * N > 0 every contended acquire is timed and 1 in N also records the
 * acquirer's stack; like Go, sampled events are scaled by N, so the profile
 * estimates the totals. Frames are the acquirer's synchronous stack (JSC does
 * not keep async frames across an await), under a leaf naming the lock.
 */
import { setContentionObserver } from "../enrich/async-mutex.ts";
import { parseStack } from "./stack.ts";
import { StackCounts } from "./stack-counts.ts";

export const MUTEX_SPEC = { sampleTypes: [["contentions", "count"], ["delay", "nanoseconds"]] as [string, string][], defaultSampleType: 1 };

export class MutexProfiler {
  readonly counts = new StackCounts();
  /** Per-lock totals of every timed contention (sampled or not), for /metrics and the profile comment. */
  readonly totals = new Map<string, { count: number; waitNs: number }>();
  private fraction = 0;
  private tick = 0;

  get rate(): number {
    return this.fraction;
  }

  /** setFraction: 0 removes the observer (contended acquires then cost one branch). */
  setFraction(n: number): void {
    this.fraction = Math.max(0, Math.floor(n));
    if (this.fraction === 0) return setContentionObserver(null);
    setContentionObserver({
      sample: () => ++this.tick % this.fraction === 0,
      contended: (lock, waitNs, stack) => {
        const t = this.totals.get(lock) ?? { count: 0, waitNs: 0 };
        t.count++;
        t.waitNs += waitNs;
        this.totals.set(lock, t);
        if (stack === undefined) return;
        const frames = [{ name: `lock ${lock}`, file: "", line: 0 }, ...parseStack(stack)];
        this.counts.add(frames, [this.fraction, waitNs * this.fraction], { lock });
      },
    });
  }

  profile(base?: ReturnType<StackCounts["snapshot"]>, durationMs = 0): Uint8Array {
    const comments = [...this.totals].map(([lock, t]) => `lock ${lock}: ${t.count} timed contentions, ${(t.waitNs / 1e6).toFixed(1)} ms total wait`);
    if (this.fraction === 0) comments.unshift("mutex profiling is off: start with --mutex-profile-fraction N or POST /debug/pprof/rates?mutex=N");
    return this.counts.toPprof({ ...MUTEX_SPEC, periodType: ["contentions", "count"], period: Math.max(1, this.fraction), durationNanos: durationMs * 1e6, comments }, base);
  }
}
