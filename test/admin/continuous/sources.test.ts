/** The live sources in this process: one window of CPU, block and heap through the admin endpoints' own capture code. */
import { afterAll, expect, test } from "bun:test";
import { injectedLongTask } from "../../../src/admin/block.ts";
import { createAdminHub } from "../../../src/admin/hub.ts";
import { decodePprof, readSamples, sampleTypes } from "../../../src/admin/pprof.ts";
import { hubSources } from "../../../src/admin/continuous/sources.ts";
import { heapSizesPprof, walkEstimateMs } from "../../../src/admin/continuous/heap-sizes.ts";
import { CONTINUOUS_DEFAULTS } from "../../../src/config.ts";
import { windowOpen } from "../../../src/admin/sampler.ts";

const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: "v0", workerId: 0 });
afterAll(() => hub.gc.stop?.());

test("a window raises the block rate only for itself, catches a stall inside it by its stack, and folds CPU and heap", async () => {
  const sources = hubSources(hub, { hz: 100, blockRateMs: 40, heapWalkBudgetMs: CONTINUOUS_DEFAULTS.heapWalkBudgetMs });
  const capture = sources.capture(600, ["cpu", "block", "heap"], new AbortController().signal);
  // The stall starts 100 ms into the 600 ms window (which opens once the sampler is live): inside it whatever the timer jitter.
  await windowOpen();
  const stall = setTimeout(() => injectedLongTask(150), 100);
  const out = await capture;
  clearTimeout(stall);
  expect(out.map((k) => [k.kind, k.error ?? null])).toEqual([["cpu", null], ["block", null], ["heap", null]]);
  const [cpu, block, heap] = out.map((k) => decodePprof(k.bytes!));
  expect(sampleTypes(cpu!)).toEqual(["samples/count", "cpu/nanoseconds"]);
  expect(sampleTypes(heap!)).toEqual(["inuse_objects/count", "inuse_space/bytes"]);
  const stalls = readSamples(block!).filter((s) => s.frames.some((f) => f.name === "injectedLongTask"));
  expect(stalls.length).toBeGreaterThan(0);
  // delay (ns) of the stall is split across its stacks: together about the 150 ms (less what fell below the first tick).
  expect(stalls.reduce((a, s) => a + s.values[1]!, 0)).toBeGreaterThan(100e6);
  expect(hub.rates().block).toBe(0);
}, 10_000);

test("a block rate someone set is kept as it is", async () => {
  hub.setRates({ block: 25 });
  const out = await hubSources(hub, { hz: 100, blockRateMs: 40, heapWalkBudgetMs: CONTINUOUS_DEFAULTS.heapWalkBudgetMs }).capture(150, ["block"], new AbortController().signal);
  expect(out[0]!.bytes).toBeDefined();
  expect(hub.rates().block).toBe(25);
  hub.setRates({ block: 0 });
});

test("the heap's objects by type are counted only while the walk fits its budget; otherwise the sizes alone, and the comments say so", () => {
  const keep = Array.from({ length: 50_000 }, (_, i) => ({ i }));
  const walked = decodePprof(heapSizesPprof({ walkBudgetMs: Infinity }));
  const comments = (p: typeof walked) => p.comment.map((i) => p.stringTable.strings[Number(i)]!);
  const byType = (p: typeof walked) => readSamples(p).filter((s) => s.frames[1]?.name === "[objects]");
  expect(byType(walked).length).toBeGreaterThan(0);
  expect(comments(walked).some((c) => /^objects by type: a walk of \d+ objects in [\d.]+ ms/.test(c))).toBe(true);
  // The walk just timed sets the estimate: a positive figure that grows with the heap.
  expect(walkEstimateMs(2e8)).toBeGreaterThan(walkEstimateMs(1e6));
  const skipped = decodePprof(heapSizesPprof({ walkBudgetMs: 0 }));
  expect(byType(skipped)).toEqual([]);
  expect(comments(skipped).some((c) => c.startsWith("objects by type: skipped, a walk of this heap would hold the event loop an estimated"))).toBe(true);
  // The sizes are there either way: the JS heap's cells as inuse_space.
  for (const p of [walked, skipped]) expect(readSamples(p).find((s) => s.frames[0]!.name === "(JS heap: cells)")!.values[1]).toBeGreaterThan(0);
  expect(keep.length).toBe(50_000);
});
