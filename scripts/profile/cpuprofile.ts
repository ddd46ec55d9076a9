/**
 * The Chrome .cpuprofile format (DevTools, speedscope, `bun --cpu-prof`), both ways.
 *
 * toCpuProfile writes a bundle's cpu.cpuprofile from cpu.pprof: one capture
 * feeds both files (the admin endpoint allows one CPU capture at a time). The
 * endpoint labels every pprof sample with its time (SAMPLE_TIME_LABEL, ns
 * after the profile's time_nanos), so the .cpuprofile has one sample per
 * pprof sample in time order with the real gaps between them: its time-order
 * view is the timeline. A pprof without those labels (an older service, a
 * built-in diff) falls back to samples ordered by stack, one sampling period
 * apart: the aggregate views (left-heavy, sandwich, bottom-up) stay exact.
 *
 * fromCpuProfile reads one into the FlatProfile every analysis command uses.
 */
import { CpuProfileBuilder, type CpuProfileJson, type CpuProfileNode } from "../../src/admin/cpuprofile-json.ts";
import { SAMPLE_TIME_LABEL } from "../../src/admin/cpu-profile.ts";
import type { FlatProfile, Frame } from "../../src/admin/pprof.ts";

/**
 * A sample is credited at most this many sampling periods. JSC's sampler
 * (behind `bun --cpu-prof` too) records nothing while no JS runs, so after a
 * second of idling the next sample's gap is a second; gaps while JS runs are
 * one period plus jitter. The period is estimated as the 10th-percentile gap.
 */
export const IDLE_GAP_FACTOR = 3;

/** isCpuProfile says whether parsed JSON has the .cpuprofile shape (nodes with callFrames, samples, timeDeltas), whatever the file is called. */
export function isCpuProfile(x: unknown): x is CpuProfileJson {
  const o = x as Partial<CpuProfileJson> | null;
  return !!o && Array.isArray(o.nodes) && Array.isArray(o.samples) && Array.isArray(o.timeDeltas) && (o.nodes.length === 0 || typeof o.nodes[0]?.callFrame === "object");
}

/** The sampling period a .cpuprofile does not state: the 10th-percentile gap (the shortest gaps are the ones without idle ticks in them). */
const periodOf = (gaps: number[]) => {
  const s = gaps.filter((x) => x > 0).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 10)]! : 0;
};

/** A callFrame's url as the file path pprof tools show (file:// stripped; other schemes kept). */
function fileOf(url: string): string {
  if (!url.startsWith("file://")) return url;
  try {
    return decodeURIComponent(url.slice("file://".length));
  } catch {
    return url.slice("file://".length);
  }
}

/**
 * fromCpuProfile turns a .cpuprofile into samples/count and cpu/nanoseconds.
 *
 * Time: sample i is credited with timeDeltas[i], the gap that ended with it,
 * as a pprof CPU sample stands for the interval before it was taken; but at
 * most IDLE_GAP_FACTOR sampling periods, the rest being idle time (the
 * comments say how much was dropped). Lines: a leaf's executing lines come
 * from the node's positionTicks, its samples and time split in their
 * proportion (ticks the node lacks go to the function's first line); the
 * format keeps no call-site lines, so caller frames carry their function's
 * first line. One FlatProfile sample per (call path, leaf line).
 */
export function fromCpuProfile(cp: CpuProfileJson): FlatProfile {
  const byId = new Map(cp.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of cp.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameOf = (n: CpuProfileNode): Frame => {
    const f = n.callFrame;
    return { name: f.functionName || (f.url ? "(anonymous)" : "(native)"), file: fileOf(f.url ?? ""), line: f.lineNumber >= 0 ? f.lineNumber + 1 : 0 };
  };
  const stacks = new Map<number, Frame[]>();
  const stackOf = (id: number): Frame[] => {
    let s = stacks.get(id);
    if (!s) {
      s = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const n = byId.get(at);
        // The root is the format's, not a function: no parent means root.
        if (!n || !parent.has(at)) break;
        s.push(frameOf(n));
      }
      if (!s.length) s.push({ name: "(root)", file: "", line: 0 });
      stacks.set(id, s);
    }
    return s;
  };

  const gapUs = periodOf(cp.timeDeltas);
  const capUs = gapUs > 0 ? gapUs * IDLE_GAP_FACTOR : Infinity;
  const hits = new Map<number, { count: number; us: number }>();
  let idleUs = 0, longGaps = 0;
  cp.samples.forEach((id, i) => {
    const d = Math.max(0, cp.timeDeltas[i] ?? 0);
    const us = Math.min(d, capUs);
    if (d > us) (idleUs += d - us), longGaps++;
    const h = hits.get(id);
    if (h) (h.count++, (h.us += us));
    else hits.set(id, { count: 1, us });
  });

  const samples: FlatProfile["samples"] = [];
  for (const [id, h] of hits) {
    const stack = stackOf(id);
    const ticks = (byId.get(id)?.positionTicks ?? []).filter((t) => t.ticks > 0 && t.line > 0);
    const ticked = ticks.reduce((a, t) => a + t.ticks, 0);
    if (ticked < h.count) ticks.push({ line: stack[0]!.line, ticks: h.count - ticked });
    const all = Math.max(ticked, h.count);
    for (const t of ticks) {
      // Multiply before dividing: whole ticks give whole counts, exactly.
      samples.push({ stack: [{ ...stack[0]!, line: t.line }, ...stack.slice(1)], values: [(h.count * t.ticks) / all, (h.us * 1000 * t.ticks) / all], labels: {} });
    }
  }
  const startUs = Number(cp.startTime) || 0;
  return {
    sampleTypes: [{ type: "samples", unit: "count" }, { type: "cpu", unit: "nanoseconds" }],
    defaultIndex: 1,
    period: Math.round(gapUs * 1000),
    periodType: { type: "cpu", unit: "nanoseconds" },
    durationNanos: Math.max(0, Math.round((Number(cp.endTime) - startUs) * 1000)),
    // Bun writes epoch µs; V8 writes a monotonic clock, which is no date.
    timeNanos: startUs > 1e15 ? Math.round(startUs * 1000) : 0,
    comments: [
      `converted from a .cpuprofile: ${cp.samples.length} samples, sampling period about ${(gapUs / 1000).toFixed(3)} ms (10th-percentile gap)`,
      `cpu/nanoseconds: each sample is credited with the gap before it (timeDeltas[i]), at most ${IDLE_GAP_FACTOR} periods; ${longGaps} longer gaps held ${(idleUs / 1000).toFixed(1)} ms of idle time, not credited`,
      "leaf lines are the sampled lines (positionTicks); caller lines are their function's first line (the format keeps no call sites)",
    ],
    samples,
  };
}

/** sampleTimes: the samples' times (ns after time_nanos, SAMPLE_TIME_LABEL) when every sample has one, else null. */
export function sampleTimes(p: FlatProfile): number[] | null {
  if (!p.samples.length) return null;
  const ts = p.samples.map((s) => Number(s.labels[SAMPLE_TIME_LABEL]));
  return ts.every((t) => Number.isFinite(t) && t >= 0) ? ts : null;
}

/** Converts a flat CPU profile (value index `countIndex` = sample counts) to .cpuprofile JSON, on the samples' real times when they carry them. */
export function toCpuProfile(p: FlatProfile, countIndex = 0): CpuProfileJson {
  const periodUs = p.period > 0 && p.periodType?.unit === "nanoseconds" ? p.period / 1000 : 10_000;
  const tree = new CpuProfileBuilder(p.samples.map((s) => s.stack));
  const startTime = Math.round(p.timeNanos / 1000);
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  const times = sampleTimes(p);
  let lastUs = 0;
  if (times) {
    // One sample per timed pprof sample, in time order; a sample counting 0 (time with no JS sample) is no tick.
    const order = p.samples.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
    for (const i of order) {
      const s = p.samples[i]!;
      if (Math.round(s.values[countIndex] ?? 0) <= 0) continue;
      samples.push(tree.hit(s.stack, 1));
      // Deltas from rounded absolute times: they add up to the last sample's time, not to a drift.
      const us = Math.round(times[i]! / 1000);
      timeDeltas.push(us - lastUs);
      lastUs = us;
    }
  } else {
    for (const s of p.samples) {
      const n = Math.round(s.values[countIndex] ?? 0);
      if (n <= 0) continue;
      const id = tree.hit(s.stack, n);
      for (let k = 0; k < n; k++) samples.push(id), timeDeltas.push(Math.round(periodUs));
      lastUs += n * Math.round(periodUs);
    }
  }
  const endTime = startTime + Math.max(Math.round(p.durationNanos / 1000), lastUs);
  return tree.profile({ startTime, endTime, samples, timeDeltas });
}
