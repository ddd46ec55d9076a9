import { describe, expect, test } from "bun:test";
import { DEFAULTS } from "../../src/load/defaults.ts";
import type { WindowStats } from "../../src/load/recorder.ts";
import { judge } from "../../src/load/validity.ts";

const rules = { maxLagMs: DEFAULTS.maxLagMs, minWindowRatio: DEFAULTS.minWindowRatio, maxCpu: DEFAULTS.maxCpu };
const win = (index: number, scheduled: number, sent: number, cpuProcess = 0.3): WindowStats => ({
  index,
  startMs: index * 1000,
  lengthMs: 1000,
  scheduled,
  sent,
  completed: sent,
  errors: 0,
  p99: 1,
  cpuThread: cpuProcess * 0.9,
  cpuProcess,
});
const input = (windows: WindowStats[], lag = 1, connectionWaits = 0) => ({ scheduleLagP99Ms: lag, windows, connectionWaits, connections: 64, clamped: 0 });

describe("validity rules", () => {
  test("a run that kept its schedule is valid", () => {
    const v = judge(input([win(0, 1000, 999), win(1, 1000, 1001)]), rules);
    expect({ valid: v.valid, reasons: v.reasons }).toEqual({ valid: true, reasons: [] });
    expect(v.checks.worstWindow).toEqual({ index: 0, scheduled: 1000, sent: 999, ratio: 0.999 });
  });

  test("schedule lag over the limit", () => {
    const v = judge(input([win(0, 100, 100)], 25), rules);
    expect(v.valid).toBe(false);
    expect(v.reasons).toEqual(["schedule lag p99 25ms > 10ms: the generator fell behind its own schedule"]);
  });

  test("one window under 99% of its schedule names that second", () => {
    const v = judge(input([win(0, 1000, 1000), win(1, 1000, 980), win(2, 1000, 1000)]), rules);
    expect(v.valid).toBe(false);
    expect(v.reasons[0]).toStartWith("achieved rate 980/s in second 2 is 98.0% of the 1000 scheduled");
  });

  test("one request of slack at a window edge does not invalidate a low rate", () => {
    expect(judge(input([win(0, 50, 49), win(1, 50, 51)]), rules).valid).toBe(true);
  });

  test("a generator process at a full core", () => {
    const v = judge(input([win(0, 1000, 1000, 0.5), win(1, 1000, 1000, 1)]), rules);
    expect(v.reasons).toEqual(["generator process at 100% of a core (JS thread 90%) in second 2 (limit 95%): it is saturated"]);
    expect([v.checks.peakCpuProcess, v.checks.peakCpuThread]).toEqual([1, 0.9]);
  });

  test("connection waits: a note when the rate held, the cause when it did not", () => {
    expect(judge(input([win(0, 1000, 1000)], 1, 40), rules).notes[0]).toContain("40 requests waited for a free connection");
    expect(judge(input([win(0, 1000, 500)], 1, 400), rules).reasons[0]).toContain("raise --connections or lower --rps");
  });

  test("every failed rule is reported, not just the first", () => {
    expect(judge(input([win(0, 1000, 100, 1)], 50), rules).reasons).toHaveLength(3);
  });
});

test("lag without a busy process points at the machine, not the harness", () => {
  const v = judge(input([win(0, 1000, 1000, 0.3)], 40), rules);
  expect(v.notes).toEqual(["the generator lagged while using at most 30% of a core: its core was likely busy with other work (or its event loop was blocked)"]);
});
