/** The live sources in this process: one window of CPU, block and heap through the admin endpoints' own capture code. */
import { afterAll, expect, test } from "bun:test";
import { injectedLongTask } from "../../../src/admin/block.ts";
import { createAdminHub } from "../../../src/admin/hub.ts";
import { decodePprof, readSamples, sampleTypes } from "../../../src/admin/pprof.ts";
import { hubSources } from "../../../src/admin/continuous/sources.ts";

const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: "v0", workerId: 0 });
afterAll(() => hub.gc.stop?.());

test("a window raises the block rate only for itself, catches a stall inside it by its stack, and folds CPU and heap", async () => {
  const sources = hubSources(hub, { hz: 100, blockRateMs: 40 });
  // The stall starts 100 ms into a 600 ms window: inside it whatever the timer jitter.
  const stall = setTimeout(() => injectedLongTask(150), 100);
  const out = await sources.capture(600, ["cpu", "block", "heap"], new AbortController().signal);
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
  const out = await hubSources(hub, { hz: 100, blockRateMs: 40 }).capture(150, ["block"], new AbortController().signal);
  expect(out[0]!.bytes).toBeDefined();
  expect(hub.rates().block).toBe(25);
  hub.setRates({ block: 0 });
});
