/**
 * Usage: bun bench/heap-snapshot-gc.ts [--live 300000] [--churn 200000] [--cycles 9] [--snapshots 3] [--out DIR]
 *
 * What a heap snapshot costs afterwards: the median wall time of a full GC
 * (after allocating --churn short-lived objects, over a heap of --live live
 * ones) before any snapshot, after one, and after --snapshots more; and the
 * time the snapshot itself stopped the process. src/admin/heap.ts explains
 * the cause (JSC keeps the most recent snapshot, and each GC walks the dead
 * cells against it). Writes meta.json to --out.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../src/cli/args.ts";
import { collectMeta } from "../scripts/lib/meta.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/heap-snapshot-gc.ts [options]\n\nFull-GC time before and after heap snapshots.", {
  live: { kind: "number", help: "live objects kept for the whole run", default: 300_000 },
  churn: { kind: "number", help: "short-lived objects allocated before each GC", default: 200_000 },
  cycles: { kind: "number", help: "GCs per measurement (median reported)", default: 9 },
  snapshots: { kind: "number", help: "further snapshots before the last measurement", default: 3 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/heap-snapshot-gc" },
});

const keep: object[] = [];
for (let i = 0; i < args.live; i++) keep.push({ a: i, b: `x${i}`, c: [i] });
function churn(): number {
  const x: object[] = [];
  for (let i = 0; i < args.churn; i++) x.push({ i, s: `y${i}` });
  return x.length;
}
function gcMs(): number {
  const xs: number[] = [];
  for (let i = 0; i < args.cycles; i++) {
    churn();
    const t = performance.now();
    Bun.gc(true);
    xs.push(performance.now() - t);
  }
  return xs.sort((a, b) => a - b)[xs.length >> 1]!;
}
function snapshotMs(): number {
  const t = performance.now();
  const s = Bun.generateHeapSnapshot("v8") as unknown as string;
  const ms = performance.now() - t;
  if (typeof s !== "string") throw new Error("no snapshot");
  return ms;
}

const before = gcMs();
const firstSnapshotMs = snapshotMs();
const afterOne = gcMs();
const more = Array.from({ length: args.snapshots }, snapshotMs);
const afterMore = gcMs();
const result = { gcMedianMs: { before, afterOne, [`after${1 + args.snapshots}`]: afterMore }, slowdown: { afterOne: afterOne / before, afterMore: afterMore / before }, snapshotStallMs: [firstSnapshotMs, ...more], liveObjects: keep.length };
console.log(JSON.stringify(result, null, 2));
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, "meta.json"), JSON.stringify({ ...collectMeta(), options: { ...args, _: undefined }, result }, null, 2) + "\n");
