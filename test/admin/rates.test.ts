/** Profiling rates: windows per rate, so overlapping block and mutex windows never undo each other. */
import { afterAll, expect, test } from "bun:test";
import { createAdminHub } from "../../src/admin/hub.ts";

const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: "v0", workerId: 0 });
afterAll(() => {
  hub.setRates({ block: 0, mutex: 0 });
  hub.gc.stop();
});

test("flags set the starting rates; a plain POST-style change has no window", () => {
  const h = createAdminHub({ blockProfileRate: 7, mutexProfileFraction: 3, variant: "v0", workerId: 0 });
  expect(h.rates()).toEqual({ block: 7, mutex: 3 });
  expect(h.setRates({ block: 0, mutex: 0 })).toEqual({ block: 0, mutex: 0 });
  h.gc.stop();
});

test("a windowed change reports what it reverts to; a second window keeps the first one's 'before'", () => {
  expect(hub.setRates({ block: 20 }, 600)).toMatchObject({ block: 20, mutex: 0, revertTo: { block: 0 } });
  expect(hub.setRates({ block: 5 }, 600)).toMatchObject({ block: 5, revertTo: { block: 0 } });
  expect(hub.setRates({ block: 0 })).toEqual({ block: 0, mutex: 0 });
});

test("overlapping profile windows: restoring block leaves the mutex window alone, and vice versa", () => {
  const savedBlock = hub.saveRate("block");
  hub.setRates({ block: 10 }, 65);
  const savedMutex = hub.saveRate("mutex");
  hub.setRates({ mutex: 1 }, 65);
  expect(hub.rates()).toMatchObject({ block: 10, mutex: 1 });
  hub.restoreRate("block", savedBlock);
  expect(hub.rates()).toMatchObject({ block: 0, mutex: 1, revertTo: { mutex: 0 } });
  hub.restoreRate("mutex", savedMutex);
  expect(hub.rates()).toEqual({ block: 0, mutex: 0 });
});

test("restoring re-arms a user's open window, or finishes it when it has already ended", () => {
  hub.setRates({ mutex: 4 }, 600);
  const saved = hub.saveRate("mutex");
  hub.setRates({ mutex: 1 }, 5);
  hub.restoreRate("mutex", saved);
  expect(hub.rates()).toMatchObject({ mutex: 4, revertTo: { mutex: 0 } });
  hub.restoreRate("mutex", { value: 4, window: { at: Date.now() - 1, to: 0 } });
  expect(hub.rates()).toEqual({ block: 0, mutex: 0 });
});
