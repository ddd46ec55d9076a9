/**
 * Usage: bun bench/heap-walk.ts [--repeats 5] [--out DIR]
 *
 * What bun:jsc heapStats() — the walk behind the continuous profile's
 * objects by type — holds the JS thread for, against the heap's size: heaps
 * of 0.1M to 3M small live objects, each walked `--repeats` times (median,
 * min, max), with the cost per byte of heap that heap-sizes.ts budgets by.
 * Writes DIR/meta.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { heapStats } from "bun:jsc";
import { cli } from "../src/cli/args.ts";
import { collectMeta, summarize } from "../scripts/lib/meta.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/heap-walk.ts [options]\n\nheapStats()'s walk time against the heap's size.", {
  repeats: { kind: "number", help: "walks per heap size", default: 5 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/heap-walk" },
});

const keep: object[] = [];
const rows: { objects: number; heapBytes: number; walkMs: ReturnType<typeof summarize>; nsPerByte: number }[] = [];
for (const target of [100_000, 300_000, 1_000_000, 3_000_000]) {
  while (keep.length < target) keep.push({ id: keep.length, name: `k${keep.length}`, tags: [keep.length & 7] });
  Bun.gc(true);
  const times: number[] = [];
  let s = heapStats();
  for (let i = 0; i < args.repeats; i++) {
    const t0 = performance.now();
    s = heapStats();
    times.push(performance.now() - t0);
  }
  const walkMs = summarize(times);
  rows.push({ objects: s.objectCount, heapBytes: s.heapSize, walkMs, nsPerByte: (walkMs.median * 1e6) / s.heapSize });
  console.log(`${String(s.objectCount).padStart(9)} objects  ${(s.heapSize / 1e6).toFixed(0).padStart(4)} MB heap  walk ${walkMs.median.toFixed(1)} ms (${walkMs.min.toFixed(1)}–${walkMs.max.toFixed(1)})  ${rows.at(-1)!.nsPerByte.toFixed(2)} ns/byte`);
}
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, "meta.json"), `${JSON.stringify({ what: "bun:jsc heapStats() walk time on the JS thread against heap size (small live objects)", rows, meta: collectMeta() }, null, 2)}\n`);
console.log(`wrote ${join(args.out, "meta.json")}`);
