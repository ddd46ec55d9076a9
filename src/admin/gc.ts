/**
 * GC cycles from v8.GCProfiler (Bun implements it over JSC's heap observer).
 * Its statistics carry the cycle type, its cost (the cycle's wall time, which
 * for JSC's concurrent collector bounds the stop-the-world pause from above)
 * and heap sizes before and after, but no timestamps: the watcher restarts it
 * every poll, so a cycle is placed at the poll that reported it.
 */
import v8 from "node:v8";

export interface GcEvent {
  type: string;
  /** performance.now() ms of the poll that saw it (the cycle ended in the poll interval before). */
  at: number;
  costMs: number;
  usedBefore: number;
  usedAfter: number;
}

interface GcStat {
  gcType: string;
  cost: number;
  beforeGC?: { heapStatistics?: { usedHeapSize?: number } };
  afterGC?: { heapStatistics?: { usedHeapSize?: number } };
}

interface GcProfilerLike {
  start(): void;
  stop(): { statistics?: GcStat[] } | undefined;
}

/** The background poll: often enough that the profiler's buffer stays small. */
const IDLE_POLL_MS = 1_000;

export class GcWatcher {
  private profiler: GcProfilerLike | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<(e: GcEvent) => void>();
  private pollMs = IDLE_POLL_MS;
  private fast = 0;
  /** Cumulative per-type totals since start. */
  readonly totals = new Map<string, { count: number; seconds: number }>();

  start(): this {
    const Ctor = (v8 as unknown as { GCProfiler?: new () => GcProfilerLike }).GCProfiler;
    if (!Ctor || this.profiler) return this;
    this.profiler = new Ctor();
    this.profiler.start();
    this.schedule();
    return this;
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref?.();
  }

  /** poll collects the cycles since the last poll and hands them out. */
  poll(): void {
    const p = this.profiler;
    if (!p) return;
    const stats = p.stop()?.statistics ?? [];
    p.start();
    const at = performance.now();
    for (const s of stats) {
      const e: GcEvent = { type: s.gcType, at, costMs: s.cost / 1000, usedBefore: s.beforeGC?.heapStatistics?.usedHeapSize ?? 0, usedAfter: s.afterGC?.heapStatistics?.usedHeapSize ?? 0 };
      const t = this.totals.get(e.type) ?? { count: 0, seconds: 0 };
      t.count++;
      t.seconds += e.costMs / 1000;
      this.totals.set(e.type, t);
      for (const fn of this.listeners) fn(e);
    }
  }

  /** onCycle listens for cycles; `fastPollMs` tightens the poll (for a trace) until the listener is removed. */
  onCycle(fn: (e: GcEvent) => void, fastPollMs?: number): () => void {
    this.listeners.add(fn);
    if (fastPollMs) {
      this.fast++;
      this.pollMs = fastPollMs;
      this.schedule();
    }
    return () => {
      this.poll();
      this.listeners.delete(fn);
      if (fastPollMs && --this.fast === 0) {
        this.pollMs = IDLE_POLL_MS;
        this.schedule();
      }
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.profiler?.stop();
    this.profiler = null;
  }
}

/** gcWindow records the cycles of the next `seconds` (polled every 10 ms) and summarises them. */
export async function gcWindow(watcher: GcWatcher, seconds: number, signal?: AbortSignal): Promise<object> {
  const cycles: GcEvent[] = [];
  const start = performance.now();
  const stop = watcher.onCycle((e) => cycles.push(e), WINDOW_POLL_MS);
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, seconds * 1000);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
  stop();
  const windowMs = performance.now() - start;
  const byType: Record<string, { count: number; seconds: number }> = {};
  for (const c of cycles) {
    const t = (byType[c.type] ??= { count: 0, seconds: 0 });
    t.count++;
    t.seconds += c.costMs / 1000;
  }
  const wallMs = wallInWindow(cycles, start, start + windowMs);
  return {
    windowMs: Math.round(windowMs),
    cycles: cycles.map((c) => ({ type: c.type, atMs: Math.round((c.at - start) * 10) / 10, cycleMs: Math.round(c.costMs * 1000) / 1000, usedBefore: c.usedBefore, usedAfter: c.usedAfter })),
    byType,
    /** Wall time inside the window with a GC cycle in progress, ms (≤ windowMs). */
    gcWallMs: Math.round(wallMs * 1000) / 1000,
    /** gcWallMs / window: GC wall time / window (≤ 1). Wall, not CPU: JSC marks on helper threads while JS runs. An upper bound on the share of time GC paused JS. */
    gcWallFraction: windowMs > 0 ? wallMs / windowMs : 0,
    note: `v8.GCProfiler cycle wall times (JSC collects concurrently: pauses are at most these; they are not CPU time); each cycle ends by the ${WINDOW_POLL_MS} ms poll that saw it and cycles are laid end to end, so the wall time is within the window`,
  };
}

/**
 * wallInWindow is the wall time in [from, to] covered by the cycles, each
 * ending no later than the poll that saw it and before the next one began
 * (a heap runs one cycle at a time): the spans are disjoint, so the sum
 * cannot exceed the window, and a cycle that began before it counts only
 * its part inside.
 */
export function wallInWindow(cycles: readonly Pick<GcEvent, "at" | "costMs">[], from: number, to: number): number {
  let next = Infinity, wall = 0;
  for (let i = cycles.length - 1; i >= 0; i--) {
    const c = cycles[i]!;
    const end = Math.min(c.at, next);
    const begin = end - Math.max(0, c.costMs);
    next = begin;
    wall += Math.max(0, Math.min(end, to) - Math.max(begin, from));
  }
  return wall;
}

const WINDOW_POLL_MS = 10;
