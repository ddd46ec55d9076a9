/**
 * The event-loop lag gauges share one monitor with the block profiler
 * (src/admin/loop-delay.ts): a block window that opens and reverts no longer
 * switches them off (Bun's monitorEventLoopDelay instances share one native
 * monitor, and the block profiler used to disable its own).
 */
import { afterAll, expect, test } from "bun:test";
import { createAdminHub } from "../../src/admin/hub.ts";
import { nextLoopDelayTick } from "../../src/admin/loop-delay.ts";
import { parsePrometheus } from "../../scripts/profile/prom.ts";

const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: "v0", workerId: 0 });
afterAll(() => {
  hub.setRates({ block: 0, mutex: 0 });
  hub.gc.stop();
});

const LAG = ["min", "max", "mean", "p50", "p90", "p99"].map((s) => `nodejs_eventloop_lag_${s}_seconds`);

async function lagAfterNextTicks(): Promise<Record<string, number>> {
  // A scrape restarts the gauges' window; the next one reads the intervals the monitor recorded in between.
  await hub.metrics.scrape();
  await nextLoopDelayTick();
  await nextLoopDelayTick();
  const m = parsePrometheus(await hub.metrics.scrape());
  return Object.fromEntries(LAG.map((n) => [n, m.samples.find((s) => s.name === n)?.value ?? 0]));
}

test("lag gauges read non-zero before and after a block window reverts", async () => {
  const before = await lagAfterNextTicks();
  hub.setRates({ block: 5 }, 50);
  hub.setRates({ block: 0 });
  const after = await lagAfterNextTicks();
  for (const n of LAG) expect({ n, positive: after[n]! > 0 }).toEqual({ n, positive: true });
  // The resolution (10 ms) is inside every interval, as in Node's monitor.
  expect(after["nodejs_eventloop_lag_min_seconds"]!).toBeGreaterThanOrEqual(0.009);
  expect(before["nodejs_eventloop_lag_p50_seconds"]!).toBeGreaterThan(0);
}, 10_000);

test("the block profiler's own histogram fills while it is on, from the same monitor", async () => {
  hub.setRates({ block: 5 });
  await nextLoopDelayTick();
  expect(hub.block.histogram()!.count).toBeGreaterThan(0);
  hub.setRates({ block: 0 });
  expect(hub.block.histogram()).toBeNull();
});
