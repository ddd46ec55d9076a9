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
