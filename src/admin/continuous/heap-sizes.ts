/**
 * The continuous profile's heap: JSC's heap statistics (bun:jsc heapStats),
 * not a heap snapshot. A snapshot (what /debug/pprof/heap folds) pauses the
 * loop for tens of milliseconds and slows every later GC until the process
 * restarts (src/admin/heap.ts); taken every window it left v0 far slower
 * (docs/profiling.md, "Continuous profiling"). heapStats walks the heap's
 * cells for their counts by type in milliseconds and keeps nothing. It has
 * no bytes per type, so the profile is live objects by type
 * (inuse_objects), and the heap's sizes go in its comments and as one
 * sample each of inuse_space.
 */
import { heapStats } from "bun:jsc";
import { ProfileBuilder } from "../pprof.ts";

/** heapSizesPprof: inuse_objects/count by object type, and inuse_space/bytes of the heap as a whole (size, extra memory). */
export function heapSizesPprof(nowMs = Date.now()): Uint8Array {
  const s = heapStats();
  const b = new ProfileBuilder({
    sampleTypes: [["inuse_objects", "count"], ["inuse_space", "bytes"]],
    periodType: ["space", "bytes"],
    period: 1,
    defaultSampleType: 0,
    timeNanos: nowMs * 1e6,
    comments: [
      `bun ${Bun.version}: JSC heap statistics (bun:jsc heapStats), not a snapshot: live objects by type; JSC gives no bytes per type`,
      `heapSize=${s.heapSize} heapCapacity=${s.heapCapacity} extraMemorySize=${s.extraMemorySize} objectCount=${s.objectCount} protectedObjectCount=${s.protectedObjectCount} globalObjectCount=${s.globalObjectCount}`,
    ],
  });
  for (const [type, n] of Object.entries(s.objectTypeCounts)) b.add([{ name: type, file: "", line: 0 }, { name: "[objects]", file: "", line: 0 }], [n, 0]);
  // The sizes as inuse_space on frames of their own: `-sample_index=inuse_space` shows the heap and what lives outside it.
  b.add([{ name: "(JS heap: cells)", file: "", line: 0 }, { name: "[sizes]", file: "", line: 0 }], [0, s.heapSize]);
  b.add([{ name: "(extra memory: buffers, strings outside the heap)", file: "", line: 0 }, { name: "[sizes]", file: "", line: 0 }], [0, s.extraMemorySize]);
  return b.encode();
}
