/** gc.json from BUN_JSC_logGC lines: the fixture is real Bun 1.4.5 output (one Eden cycle, one concurrent Full cycle in several increments). */
import { describe, expect, test } from "bun:test";
import { wallInWindow } from "../../src/admin/gc.ts";
import { gcFromMetrics, gcWallFractionOf, isGcLine, parseGcLog, summarizeGc, type GcLine } from "../../scripts/profile/gc-log.ts";

const LOG = `[GC<0x4477899c118>: starting 0.071907ms]
Requesting GC because bytes allocated this cycle: 8398302 exceed bytes allowed: 8388608 normal bytes: 7492046 oversized bytes: 906256 last oversized: 347904
[GC<0x4477899c118>: START M 8869kb => EdenCollection, a=0kb hf=0.000 mu=0.600 v=0kb (C:0 M:0 P1:0) o=0 b=0 i#1:N<CsMsrShDMsm(0)SrbBcs> 1314+0 v=334kb (C:334 M:0 P1:0) o=1 b=0 i#3:P<ShMsrCsSrbDMsm(0)BcsCbDomoWsOJw>Pbc => 369kb, p=0.888105ms (max 0.888105), cycle 0.873553ms END]
GC END!
[GC<0x4477899c118>: epilogue 0.018848ms]
[GC<0x4477899c118>: starting 0.05ms]
[GC<0x4477899c118>: START M 18745kb => FullCollection, a=0kb hf=0.000 mu=0.600 v=0kb (C:0 M:0 P1:0) o=0 b=1 i#1:N<CsMsrShDMsm(0)SrbBcs> 33+0 p=1.943650ms (max 4.521481)...]
[GC<0x4477899c118>: M a=125kb hf=0.038 mu=0.577 v=5852kb (C:4156 M:0 P1:1696) o=1 b=2 0+2 p=0.808096ms (max 4.521481)...]
[GC<0x4477899c118>: M a=125kb hf=0.038 mu=0.577 v=8689kb (C:4706 M:0 P1:3983) o=1 b=0 i#7:P<Msm(0)SrbCsShMsrDBcsCbDomoJwOWs>Pbc => 9437kb, p=0.885612ms (max 4.521481), cycle 8.821564ms END]
GC END!
[GC<0x4477899c118>: epilogue 0.044416ms]`;

const lines = (times: number[]): GcLine[] => LOG.split("\n").map((text, i) => ({ t: times[i] ?? times[times.length - 1]!, text }));

describe("GC log", () => {
  test("every GC line is recognised, and nothing else", () => {
    expect(LOG.split("\n").every(isGcLine)).toBe(true);
    expect(["enrich[0]: serving http://x", "GC is great"].some(isGcLine)).toBe(false);
  });

  test("cycles: kind, heap before/after, pauses summed per increment, cycle time, allocation since the previous cycle", () => {
    const cycles = parseGcLog(lines([0, 0, 0, 0, 0, 100, 100, 105, 110, 110, 110]));
    expect(cycles.map((c) => ({ ...c, pauseMs: +c.pauseMs.toFixed(6), overheadMs: +c.overheadMs.toFixed(6) }))).toEqual([
      { atMs: 0, kind: "Eden", heapBeforeBytes: 8869 * 1024, heapAfterBytes: 369 * 1024, pauseMs: 0.888105, overheadMs: 0.071907 + 0.018848, maxPauseMs: 0.888105, cycleMs: 0.873553, allocatedBytes: NaN },
      { atMs: 100, kind: "Full", heapBeforeBytes: 18745 * 1024, heapAfterBytes: 9437 * 1024, pauseMs: 3.637358, overheadMs: 0.05 + 0.044416, maxPauseMs: 1.94365, cycleMs: 8.821564, allocatedBytes: (18745 - 369) * 1024 },
    ]);
  });

  test("the summary counts the cycles in the window and divides by it", () => {
    const cycles = parseGcLog(lines([0, 0, 0, 0, 0, 100, 100, 105, 110, 110, 110]), 50);
    const s = summarizeGc(cycles, 1000, 10);
    // the Full cycle's wall span: its 8.821564 ms START…END + 0.094416 ms starting/epilogue; its pauses 3.637358 + 0.094416 ms
    expect({ cycles: s.cycles, byKind: s.byKind, gcWallMs: s.gcWallMs, gcWallFraction: s.gcWallFraction, pauseMs: s.pauseMs, pauseFraction: s.pauseFraction, bytesPerRequest: s.bytesPerRequest, gcCpuFraction: s.gcCpuFraction }).toEqual({
      // allocation: (18745 − 369) kB in the 100 ms since the previous cycle, a rate carried over the 1 s window, over 10 requests
      cycles: 1, byKind: { Full: 1 }, gcWallMs: 8.916, gcWallFraction: 0.0089, pauseMs: 3.732, pauseFraction: 0.0037, bytesPerRequest: Math.round(((18745 - 369) * 1024 * 10) / 10), gcCpuFraction: undefined,
    });
  });

  test("a cycle cut by the window's edge counts in proportion to the part inside", () => {
    const [eden, full] = parseGcLog(lines([0, 0, 0, 0, 0, 100, 100, 105, 110, 110, 110]));
    const half = (8.821564 + 0.094416) / 2;
    const s = summarizeGc([{ ...full!, atMs: -half }], 100, 1);
    expect({ cycles: s.cycles, gcWallMs: s.gcWallMs, pauseMs: s.pauseMs, before: summarizeGc([{ ...eden!, atMs: -5 }], 100, 1).cycles }).toEqual({ cycles: 1, gcWallMs: 4.458, pauseMs: 1.866, before: 0 });
  });

  test("fractions cannot exceed their whole: cycles stamped together are laid end to end, pauses ⊂ GC wall time ⊂ window", () => {
    // 30 cycles of 50 ms wall read in one burst at t = 10 ms (a reader that fell behind), in a 1 s window;
    // and one whose log cycle time is shorter than its own pauses (seen on Eden cycles)
    const burst = Array.from({ length: 30 }, () => ({ atMs: 10, kind: "Full", heapBeforeBytes: 2e6, heapAfterBytes: 1e6, pauseMs: 20, overheadMs: 1, maxPauseMs: 10, cycleMs: 49, allocatedBytes: 1e6 }));
    const odd = { atMs: 0, kind: "Eden", heapBeforeBytes: 2e6, heapAfterBytes: 1e6, pauseMs: 0.9, overheadMs: 0.1, maxPauseMs: 0.9, cycleMs: 0.8, allocatedBytes: NaN };
    for (const cycles of [burst, [odd], [odd, ...burst]]) {
      const s = summarizeGc(cycles, 1000, 100);
      expect({ wallInWindow: s.gcWallMs! <= s.windowMs, fraction: s.gcWallFraction! <= 1, pauseInWall: s.pauseMs! <= s.gcWallMs!, pauseFraction: s.pauseFraction! <= s.gcWallFraction! }).toEqual({ wallInWindow: true, fraction: true, pauseInWall: true, pauseFraction: true });
    }
    // the sum of cycle wall times would be 30 × 50 = 1500 ms > the window; laid end to end, the part inside is 990 ms
    expect(summarizeGc(burst, 1000, 100)).toMatchObject({ gcWallMs: 990, gcWallFraction: 0.99 });
    expect(summarizeGc([odd], 1000, 1)).toMatchObject({ gcWallMs: 1, pauseMs: 1 });
  });

  test("from /metrics: wall time only, no pause figure, and no fraction when the sum passes the window", () => {
    const prom = (count: number, sum: number) => new Map([[`enrich_gc_duration_seconds_count{type="MarkSweepCompact"}`, count], [`enrich_gc_duration_seconds_sum{type="MarkSweepCompact"}`, sum]]);
    expect(gcFromMetrics(prom(0, 0), prom(4, 0.2), 1000, 10)).toMatchObject({ source: "metrics", cycles: 4, gcWallMs: 200, gcWallFraction: 0.2, pauseMs: null, pauseFraction: null, maxPauseMs: null });
    expect(gcFromMetrics(prom(0, 0), prom(4, 1.2), 1000, 10)).toMatchObject({ gcWallMs: null, gcWallFraction: null, notes: expect.arrayContaining([expect.stringContaining("exceeds the window")]) });
  });

  test("older gc.json files: their gcCpuFraction was this wall fraction, read only when it is a possible one", () => {
    expect([gcWallFractionOf({ gcWallFraction: 0.2 }), gcWallFractionOf({ gcCpuFraction: 0.3 } as never), gcWallFractionOf({ gcCpuFraction: 1.3 } as never), gcWallFractionOf(null)]).toEqual([0.2, 0.3, null, null]);
  });

  test("allocation is the median per-cycle rate, so a swept-late heap after a full collection does not inflate it", () => {
    const cycle = (atMs: number, before: number, after: number) => ({ atMs, kind: "Eden", heapBeforeBytes: before, heapAfterBytes: after, pauseMs: 1, overheadMs: 0, maxPauseMs: 1, cycleMs: 1, allocatedBytes: NaN });
    const cycles = [cycle(0, 100, 60), cycle(100, 90, 60), cycle(200, 90, 60), cycle(300, 400, 60), cycle(400, 90, 60)];
    for (let i = 1; i < cycles.length; i++) cycles[i]!.allocatedBytes = cycles[i]!.heapBeforeBytes - cycles[i - 1]!.heapAfterBytes;
    // per-cycle 30, 30, 340, 30 bytes per 100 ms: median 300 B/s over a 1 s window
    expect(summarizeGc(cycles, 1000, 3)).toMatchObject({ bytesAllocated: 300, allocRate: 300, bytesPerRequest: 100 });
  });

  test("an empty window says so", () => {
    expect(summarizeGc([], 1000, 0)).toMatchObject({ cycles: 0, gcWallMs: 0, gcWallFraction: 0, pauseFraction: 0, bytesAllocated: null, notes: expect.arrayContaining(["no GC cycle in the window"]) });
  });
});

describe("GC wall time from v8.GCProfiler polls (src/admin/gc.ts)", () => {
  test("cycles reported by one poll are laid end to end before it: their wall time in the window never passes the window", () => {
    // three 50 ms cycles seen by the poll at 100 ms, one 400 ms cycle seen at 1000 ms; window [0, 1000]
    const cycles = [{ at: 100, costMs: 50 }, { at: 100, costMs: 50 }, { at: 100, costMs: 50 }, { at: 1000, costMs: 400 }];
    expect(wallInWindow(cycles, 0, 1000)).toBe(100 + 400);
    const many = Array.from({ length: 100 }, () => ({ at: 500, costMs: 30 }));
    expect(wallInWindow(many, 0, 1000)).toBe(500);
  });
});
