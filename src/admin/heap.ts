/**
 * /debug/pprof/heap: the JS heap. The default is JSC's heap snapshot in V8's
 * .heapsnapshot format (Chrome DevTools › Memory opens it). `?format=pprof`
 * folds the same snapshot into live objects and bytes by type, so two captures
 * diff with `go tool pprof -base`. A snapshot pauses the process for roughly
 * the time it takes to walk the heap (milliseconds for this service's heap,
 * since the index lives in mmapped files, not on the heap).
 */
import { ProfileBuilder } from "./pprof.ts";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/** Types whose snapshot "name" is the value itself (string contents, numbers): grouped by type only. */
const BY_TYPE_ONLY = new Set(["string", "concatenated string", "sliced string", "number", "bigint", "symbol", "hidden", "code", "array", "synthetic", "object shape", "regexp"]);

/**
 * The cost of a snapshot, and its guards. Taking one stops the event loop for
 * the whole walk (~30 ms per 100 MB of heap on this machine) and builds a
 * JSON string several times the heap's size; so one runs at a time (409 for
 * another until the first's body has been sent) and a heap above
 * HEAP_SNAPSHOT_MAX_BYTES is refused (422) unless the caller says force=1.
 *
 * After a snapshot every later GC is slower, until the process restarts: JSC's
 * HeapProfiler keeps its most recent snapshot so the next one can be
 * incremental, and each collection then walks every dead cell to remove it
 * from that snapshot (Heap::removeDeadHeapSnapshotNodes). Nothing in Bun's API
 * clears it (only the inspector's Heap domain does), so the workaround is to
 * recycle the process: a supervised worker (--workers, id > 0) drains and is
 * restarted by the primary after its snapshot has been sent (see server.ts);
 * worker 0 logs the cost instead. bench/heap-snapshot-gc.ts measures it.
 */
export const HEAP_SNAPSHOT_MAX_BYTES = 512 * 1024 * 1024;
/** If a snapshot's body is never fully read (client gone), the guard clears after this long anyway. */
const BUSY_LIMIT_MS = 120_000;
let busySince = 0;

/** Why a snapshot was not taken: 409 one is running, 422 the heap is over the limit without force. */
export class HeapSnapshotRefusal extends Error {
  constructor(
    readonly status: 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

/**
 * beginHeapSnapshot takes a snapshot under the guards; call done() once its
 * body has been sent (or folded), which lets the next one run.
 */
export function beginHeapSnapshot({ gc = false, force = false, maxBytes = HEAP_SNAPSHOT_MAX_BYTES } = {}): { text: string; done(): void } {
  const now = performance.now();
  if (busySince && now - busySince < BUSY_LIMIT_MS) throw new HeapSnapshotRefusal(409, "a heap snapshot is already being taken or sent; one at a time");
  const used = process.memoryUsage().heapUsed;
  if (used > maxBytes && !force) {
    throw new HeapSnapshotRefusal(422, `the JS heap is ${(used / 2 ** 20).toFixed(0)} MiB, over the ${(maxBytes / 2 ** 20).toFixed(0)} MiB snapshot limit: a snapshot would stop the process for seconds and need several times that in memory; add force=1 to take it anyway`);
  }
  busySince = now;
  let text: string;
  try {
    text = heapSnapshot(gc);
  } catch (e) {
    busySince = 0;
    throw e;
  }
  return { text, done: () => void (busySince = 0) };
}

/** heapSnapshot takes a V8-format snapshot (JSON text); `gc` first runs a full collection so only live objects remain. */
export function heapSnapshot(gc: boolean): string {
  if (gc) Bun.gc(true);
  return Bun.generateHeapSnapshot("v8") as unknown as string;
}

/** heapToPprof aggregates a V8 snapshot into inuse_objects/count and inuse_space/bytes by [type, constructor]. */
export function heapToPprof(snapshotText: string): Uint8Array {
  const s = JSON.parse(snapshotText) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const iType = fields.indexOf("type"), iName = fields.indexOf("name"), iSize = fields.indexOf("self_size");
  const typeNames = s.snapshot.meta.node_types[0] as string[];
  const groups = new Map<string, { type: string; name: string; count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = typeNames[s.nodes[i + iType]!] ?? "unknown";
    const name = BY_TYPE_ONLY.has(type) ? `(${type})` : type === "closure" ? "Function" : s.strings[s.nodes[i + iName]!] || `(${type})`;
    const key = `${type}\u0000${name}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { type, name, count: 0, bytes: 0 }));
    g.count++;
    g.bytes += s.nodes[i + iSize]!;
  }
  const b = new ProfileBuilder({
    sampleTypes: [["inuse_objects", "count"], ["inuse_space", "bytes"]],
    periodType: ["space", "bytes"],
    period: 1,
    defaultSampleType: 1,
    comments: [`bun ${Bun.version}: JSC heap snapshot folded by object type; frames are [constructor, kind], not allocation sites (JSC records none)`],
  });
  for (const g of groups.values()) b.add([{ name: g.name, file: "", line: 0 }, { name: `[${g.type}]`, file: "", line: 0 }], [g.count, g.bytes]);
  return b.encode();
}
