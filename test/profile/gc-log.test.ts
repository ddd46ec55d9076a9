/** gc.json from BUN_JSC_logGC lines: the fixture is real Bun 1.4.5 output (one Eden cycle, one concurrent Full cycle in several increments). */
import { describe, expect, test } from "bun:test";
import { isGcLine, parseGcLog, summarizeGc, type GcLine } from "../../scripts/profile/gc-log.ts";

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
    expect({ cycles: s.cycles, byKind: s.byKind, cycleMs: s.cycleMs, gcCpuFraction: s.gcCpuFraction, bytesPerRequest: s.bytesPerRequest, pauseFraction: s.pauseFraction }).toEqual({
      // allocation: (18745 − 369) kB in the 100 ms since the previous cycle, a rate carried over the 1 s window, over 10 requests
      cycles: 1, byKind: { Full: 1 }, cycleMs: 8.822, gcCpuFraction: 0.0088, bytesPerRequest: Math.round(((18745 - 369) * 1024 * 10) / 10), pauseFraction: 0.0037,
    });
  });

  test("a cycle cut by the window's edge counts in proportion to the part inside", () => {
    const [eden, full] = parseGcLog(lines([0, 0, 0, 0, 0, 100, 100, 105, 110, 110, 110]));
    const s = summarizeGc([{ ...full!, atMs: -4.410782 }], 100, 1);
    expect({ cycles: s.cycles, cycleMs: s.cycleMs, before: summarizeGc([{ ...eden!, atMs: -5 }], 100, 1).cycles }).toEqual({ cycles: 1, cycleMs: 4.411, before: 0 });
  });

  test("allocation is the median per-cycle rate, so a swept-late heap after a full collection does not inflate it", () => {
    const cycle = (atMs: number, before: number, after: number) => ({ atMs, kind: "Eden", heapBeforeBytes: before, heapAfterBytes: after, pauseMs: 1, overheadMs: 0, maxPauseMs: 1, cycleMs: 1, allocatedBytes: NaN });
    const cycles = [cycle(0, 100, 60), cycle(100, 90, 60), cycle(200, 90, 60), cycle(300, 400, 60), cycle(400, 90, 60)];
    for (let i = 1; i < cycles.length; i++) cycles[i]!.allocatedBytes = cycles[i]!.heapBeforeBytes - cycles[i - 1]!.heapAfterBytes;
    // per-cycle 30, 30, 340, 30 bytes per 100 ms: median 300 B/s over a 1 s window
    expect(summarizeGc(cycles, 1000, 3)).toMatchObject({ bytesAllocated: 300, allocRate: 300, bytesPerRequest: 100 });
  });

  test("an empty window says so", () => {
    expect(summarizeGc([], 1000, 0)).toMatchObject({ cycles: 0, gcCpuFraction: 0, bytesAllocated: null, notes: expect.arrayContaining(["no GC cycle in the window"]) });
  });
});
