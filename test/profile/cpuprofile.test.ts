/**
 * The .cpuprofile format both ways, on inputs whose answer is known exactly:
 * reading one (each sample weighs the gap before it, idle gaps capped, lines
 * from positionTicks) and writing a bundle's cpu.cpuprofile from cpu.pprof on
 * the samples' real times. Then the same on a live capture from the admin
 * endpoint, as the bundle capture fetches and converts it.
 */
import { describe, expect, test } from "bun:test";
import { cpuToPprof, type CpuCapture } from "../../src/admin/cpu-profile.ts";
import type { CpuProfileJson } from "../../src/admin/cpuprofile-json.ts";
import { fromCpuProfile, IDLE_GAP_FACTOR, sampleTimes, toCpuProfile } from "../../scripts/profile/cpuprofile.ts";
import { decodePprof, flatten } from "../../src/admin/pprof.ts";
import { encodeProfile } from "../../scripts/profile/pprof.ts";
import { serviceUnderLoad } from "../admin/support.ts";

const FILE = "/x/app.ts";
const cf = (functionName: string, lineNumber: number) => ({ functionName, scriptId: "1", url: `file://${FILE}`, lineNumber, columnNumber: 0 });

/** (root) → main (line 1) → { hot (line 10): ticks on lines 11 ×2 and 12 ×1, cold (line 20): no positionTicks }. */
const PROFILE: CpuProfileJson = {
  nodes: [
    { id: 1, callFrame: { functionName: "(root)", scriptId: "0", url: "", lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [2] },
    { id: 2, callFrame: cf("main", 0), hitCount: 0, children: [3, 4] },
    { id: 3, callFrame: cf("hot", 9), hitCount: 3, positionTicks: [{ line: 11, ticks: 2 }, { line: 12, ticks: 1 }] },
    { id: 4, callFrame: cf("cold", 19), hitCount: 2 },
  ],
  startTime: 1_700_000_000_000_000,
  endTime: 1_700_000_000_000_000 + 1_020_000,
  // µs before each sample: 1000, 1000, 1000, 1000, then a 1 s idle gap before the last.
  samples: [3, 3, 4, 3, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 1_000_000],
};

describe("reading a .cpuprofile", () => {
  test("each sample weighs the gap before it; a gap over IDLE_GAP_FACTOR periods (10th-percentile gap) is idle and capped; leaf lines from positionTicks, callers at their first line", () => {
    const p = fromCpuProfile(PROFILE);
    const capNs = IDLE_GAP_FACTOR * 1000 * 1000;
    const rows = p.samples.map((s) => [s.stack.map((f) => `${f.name}:${f.line}`).join("<"), ...s.values]);
    // hot: 3 samples of 1 ms, split 2:1 over its lines; cold: 1 ms + the capped idle gap, at its first line.
    expect({ types: p.sampleTypes.map((t) => `${t.type}/${t.unit}`), dflt: p.defaultIndex, period: p.period, duration: p.durationNanos, time: p.timeNanos, rows }).toEqual({
      types: ["samples/count", "cpu/nanoseconds"],
      dflt: 1,
      period: 1_000_000,
      duration: 1_020_000_000,
      time: 1_700_000_000_000_000_000,
      rows: [
        ["hot:11<main:1", 2, 2_000_000],
        ["hot:12<main:1", 1, 1_000_000],
        ["cold:20<main:1", 2, 1_000_000 + capNs],
      ],
    });
    expect(p.comments.join("\n")).toContain(`1 longer gaps held ${((1_000_000 - capNs / 1000) / 1000).toFixed(1)} ms of idle time`);
  });

  test("pprof written from it reads back the same (the converter's output)", () => {
    const p = fromCpuProfile(PROFILE);
    const back = flatten(decodePprof(encodeProfile(p)));
    expect(back.samples.map((s) => [s.stack, s.values])).toEqual(p.samples.map((s) => [s.stack, s.values]));
  });
});

describe("a bundle's cpu.cpuprofile from cpu.pprof", () => {
  const f = (name: string, line: number) => ({ name, file: FILE, line });
  // Irregular gaps, a repeated stack (must not merge: each sample keeps its time), the native remainder last.
  const capture = {
    hz: 100,
    startMs: 1000,
    endMs: 1100,
    samples: [
      { t: 1010, frames: [f("hot", 5), f("main", 2)], cpuNs: 9e6 },
      { t: 1013.5, frames: [f("hot", 5), f("main", 2)], cpuNs: 3e6 },
      { t: 1050, frames: [f("cold", 8), f("main", 3)], cpuNs: 1e7 },
      { t: 1051, frames: [f("hot", 6), f("main", 2)], cpuNs: 1e6 },
    ],
    thread: { onCpuNs: 2.3e7, runQueueNs: 0, jsNs: 2.3e7, source: "test", samplePeriodMs: 10 },
  } as CpuCapture;

  test("the endpoint labels every sample with its time; the .cpuprofile's deltas are the real gaps, one sample per pprof sample", () => {
    const flat = flatten(decodePprof(cpuToPprof(capture)));
    expect(sampleTimes(flat)).toEqual([10e6, 13.5e6, 50e6, 51e6]);
    // Weights survive per sample (not merged): 9 ms and 3 ms on the same stack.
    expect(flat.samples.map((s) => s.values)).toEqual([[1, 9e6], [1, 3e6], [1, 1e7], [1, 1e6]]);
    const cp = toCpuProfile(flat);
    const name = (id: number) => cp.nodes.find((n) => n.id === id)!.callFrame.functionName;
    expect({ samples: cp.samples.map(name), timeDeltas: cp.timeDeltas, span: cp.endTime - cp.startTime }).toEqual({
      samples: ["hot", "hot", "cold", "hot"],
      timeDeltas: [10_000, 3_500, 36_500, 1_000],
      span: 100_000,
    });
  });

  test("a pprof without sample times (an older service) falls back to one period apart", () => {
    const flat = flatten(decodePprof(cpuToPprof(capture)));
    for (const s of flat.samples) s.labels = {};
    expect(toCpuProfile(flat).timeDeltas).toEqual([10_000, 10_000, 10_000, 10_000]);
  });
});

describe("a live capture, as the bundle fetches it", () => {
  const live = serviceUnderLoad();

  test("cpu.cpuprofile's timeDeltas add up to the span of the samples' real times and are not all equal", async () => {
    const res = await fetch(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1&hz=200&format=pprof`);
    expect(res.status).toBe(200);
    const flat = flatten(decodePprof(new Uint8Array(await res.arrayBuffer())));
    const times = sampleTimes(flat);
    expect(times).not.toBeNull();
    const cp = toCpuProfile(flat);
    // The JS samples (count 1), in time order: their span, first to last, in µs.
    const js = flat.samples.map((s, i) => ({ t: times![i]!, n: s.values[0]! })).filter((s) => s.n > 0).map((s) => s.t / 1000).sort((a, b) => a - b);
    const sum = cp.timeDeltas.reduce((a, d) => a + d, 0);
    expect({
      samples: cp.samples.length,
      enough: js.length >= 20,
      // Deltas are rounded absolute times: the sum is the last time (to 1 µs), the tail past the first the span.
      sumIsLast: Math.abs(sum - js[js.length - 1]!) <= 1,
      tailIsSpan: Math.abs(sum - cp.timeDeltas[0]! - (js[js.length - 1]! - js[0]!)) <= 1,
      withinWindow: sum <= cp.endTime - cp.startTime,
      notAllEqual: new Set(cp.timeDeltas).size > 1,
    }).toEqual({ samples: js.length, enough: true, sumIsLast: true, tailIsSpan: true, withinWindow: true, notAllEqual: true });
  });
});
