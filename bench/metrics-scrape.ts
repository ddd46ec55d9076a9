/**
 * Usage: bun bench/metrics-scrape.ts [--objects 300000] [--rounds 9] [--out DIR]
 *
 * What a /metrics scrape holds the event loop for, with prom-client's
 * default metrics as they come and without its heap-space gauges (the
 * service's registry, src/admin/metrics.ts). Bun implements
 * v8.getHeapSpaceStatistics as a walk of the whole heap on the JS thread, so
 * the scrape's cost grows with the live heap: `--objects` small objects are
 * kept alive to give it one. The two registries are scraped alternately, one
 * scrape each per round, after a warm-up scrape; the scrape is synchronous
 * work on this thread, so its wall time is the loop's stall. Writes
 * DIR/meta.json with both sides' medians and spreads.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { collectDefaultMetrics, Registry } from "prom-client";
import { cli, fail } from "../src/cli/args.ts";
import { HEAP_SPACE_METRICS } from "../src/admin/metrics.ts";
import { collectMeta, pinSelf, summarize } from "../scripts/lib/meta.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/metrics-scrape.ts [options]\n\nThe event-loop stall of one /metrics scrape: prom-client's default metrics, with and without the heap-space gauges.", {
  objects: { kind: "number", help: "small objects kept alive, so the heap has something to walk", default: 300_000 },
  rounds: { kind: "number", help: "scrapes of each registry, alternated", default: 9 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/metrics-scrape" },
});
if (args.rounds < 1 || args.objects < 0) fail("--rounds must be at least 1 and --objects at least 0", 2);

const meta = collectMeta();
const pinned = pinSelf(["taskset", "-c", "0"]);
const live = Array.from({ length: args.objects }, (_, i) => ({ i, s: `event-${i}` }));

function registry(withHeapSpaces: boolean): Registry {
  const r = new Registry();
  collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 10 });
  if (!withHeapSpaces) for (const name of HEAP_SPACE_METRICS) r.removeSingleMetric(name);
  return r;
}
const sides = [
  { name: "prom-client defaults", registry: registry(true), ms: [] as number[], bytes: 0 },
  { name: "without heap-space gauges (the service)", registry: registry(false), ms: [] as number[], bytes: 0 },
];
for (const s of sides) s.bytes = (await s.registry.metrics()).length;
for (let round = 0; round < args.rounds; round++) {
  for (const s of round % 2 ? [...sides].reverse() : sides) {
    const t0 = performance.now();
    await s.registry.metrics();
    s.ms.push(performance.now() - t0);
  }
}
const out = {
  ...meta,
  pinning: pinned ? "this process on CPU 0 (taskset)" : "not pinned (taskset unavailable)",
  options: { objects: args.objects, rounds: args.rounds, liveObjects: live.length },
  sides: sides.map((s) => ({ name: s.name, scrapeMs: summarize(s.ms), bytes: s.bytes, runsMs: s.ms.map((x) => Math.round(x * 1000) / 1000) })),
};
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, "meta.json"), JSON.stringify(out, null, 2) + "\n");
for (const s of out.sides) console.log(`metrics-scrape: ${s.name}: ${s.scrapeMs.median.toFixed(2)} ms (${s.scrapeMs.min.toFixed(2)}–${s.scrapeMs.max.toFixed(2)}, n=${s.scrapeMs.n}), ${s.bytes} bytes`);
console.log(args.out);
