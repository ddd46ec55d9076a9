import { afterAll, describe, expect, test } from "bun:test";
import { PreciseTimer } from "../../src/load/precise-timer.ts";

// The real timer, on its real worker thread. Only orders of events are asserted, never how late a wake-up
// was: that is a measurement (FINDINGS §41, bench/fixed-rate.ts --timers), not a test.

const timer = new PreciseTimer();
afterAll(() => timer.close());

const sleep = (ms: number) => {
  const asked = performance.now();
  return new Promise<number>((resolve) => timer.set(() => resolve(performance.now() - asked), ms));
};

describe("PreciseTimer", () => {
  test("never wakes before the time it was asked, fractional milliseconds included", async () => {
    for (const ms of [0.1, 0.35, 1.5, 0]) expect(await sleep(ms)).toBeGreaterThanOrEqual(ms - 0.001);
  });

  test("a cleared sleep never fires; the one set after it does", async () => {
    let cleared = 0;
    const h = timer.set(() => cleared++, 0.2);
    timer.clear(h);
    // The second sleep ends later than the cleared one would have: had the clear not held, it fired first.
    await sleep(2);
    expect(cleared).toBe(0);
  });

  test("one sleep at a time, as the engine keeps", () => {
    const h = timer.set(() => {}, 50);
    expect(() => timer.set(() => {}, 1)).toThrow(/one sleep at a time/);
    timer.clear(h);
  });

  test("a stale handle clears nothing", async () => {
    const old = timer.set(() => {}, 0);
    timer.clear(old);
    let fired = false;
    const p = new Promise<void>((r) => timer.set(() => ((fired = true), r()), 0.3));
    timer.clear(old);
    await p;
    expect(fired).toBe(true);
  });
});
