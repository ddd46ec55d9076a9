/**
 * The continuous profile's heap: JSC's heap statistics, not a heap
 * snapshot. A snapshot (what /debug/pprof/heap folds) pauses the loop for
 * tens of milliseconds and slows every later GC until the process restarts
 * (src/admin/heap.ts); taken every window it left v0 far slower
 * (docs/profiling.md, "Continuous profiling").
 *
 * The live objects by type (bun:jsc heapStats) come from a walk of every
 * cell on the JS thread, a stall that grows with the heap: 0.4 ns per byte
 * here (61 ms for 162 MB of 5M small objects, `bun bench/heap-walk.ts`),
 * 0.7 for objects that hold strings and arrays. So the walk runs only while its estimated time (the
 * last walk's rate times today's heap size) fits `walkBudgetMs`; otherwise
 * the window has the heap's sizes alone, read in microseconds, and its
 * comments say why. JSC gives no bytes per type, so the profile is live
 * objects by type (inuse_objects), and the sizes are one inuse_space sample
 * each.
 */
import { heapSize, heapStats } from "bun:jsc";
import { ProfileBuilder } from "../pprof.ts";

/** A walk's cost per byte of heap before this process has timed one (the higher figure above: a first guess should err short). */
const WALK_NS_PER_BYTE_GUESS = 0.7;
let walkNsPerByte = WALK_NS_PER_BYTE_GUESS;

const frame = (name: string) => ({ name, file: "", line: 0 });

/** walkEstimateMs: what a walk of today's heap would cost, from the last one timed (tests). */
export function walkEstimateMs(bytes = heapSize()): number {
  return (bytes * walkNsPerByte) / 1e6;
}

/** heapSizesPprof: inuse_objects/count by object type when the walk fits the budget, and inuse_space/bytes of the heap as a whole. */
export function heapSizesPprof(o: { walkBudgetMs: number; nowMs?: number }): Uint8Array {
  const estimateMs = walkEstimateMs();
  const comments = [`bun ${Bun.version}: JSC heap statistics, not a snapshot: live objects by type (no bytes per type in JSC) when the walk fits ${o.walkBudgetMs} ms`];
  let types: Record<string, number> | null = null;
  let sizes: { heapSize: number; heapCapacity: number; extraMemorySize: number };
  if (estimateMs <= o.walkBudgetMs) {
    const t0 = performance.now();
    const s = heapStats();
    const walkMs = performance.now() - t0;
    if (s.heapSize > 0) walkNsPerByte = (walkMs * 1e6) / s.heapSize;
    types = s.objectTypeCounts;
    sizes = s;
    comments.push(`objects by type: a walk of ${s.objectCount} objects in ${walkMs.toFixed(1)} ms (estimated ${estimateMs.toFixed(1)} ms)`);
  } else {
    const m = process.memoryUsage();
    sizes = { heapSize: heapSize(), heapCapacity: m.heapTotal, extraMemorySize: m.external };
    comments.push(`objects by type: skipped, a walk of this heap would hold the event loop an estimated ${estimateMs.toFixed(0)} ms (budget ${o.walkBudgetMs} ms); sizes only`);
  }
  comments.push(`heapSize=${sizes.heapSize} heapCapacity=${sizes.heapCapacity} extraMemorySize=${sizes.extraMemorySize}`);
  const b = new ProfileBuilder({
    sampleTypes: [["inuse_objects", "count"], ["inuse_space", "bytes"]],
    periodType: ["space", "bytes"],
    period: 1,
    defaultSampleType: types ? 0 : 1,
    timeNanos: (o.nowMs ?? Date.now()) * 1e6,
    comments,
  });
  for (const [type, n] of Object.entries(types ?? {})) b.add([frame(type), frame("[objects]")], [n, 0]);
  // The sizes as inuse_space on frames of their own: `-sample_index=inuse_space` shows the heap and what lives outside it.
  b.add([frame("(JS heap: cells)"), frame("[sizes]")], [0, sizes.heapSize]);
  b.add([frame("(extra memory: buffers, strings outside the heap)"), frame("[sizes]")], [0, sizes.extraMemorySize]);
  return b.encode();
}
