/**
 * /debug/pprof/profile: a wall-clock window of CPU samples from the shared
 * sampler, as gzipped pprof (samples/count, cpu/nanoseconds) or as a Chrome
 * .cpuprofile (DevTools, speedscope). One capture at a time.
 */
import { epochMs } from "./clock.ts";
import { type Frame, ProfileBuilder } from "./pprof.ts";
import { type StackSample, subscribe } from "./sampler.ts";

export const CPU_DEFAULTS = Object.freeze({ seconds: 30, maxSeconds: 60, hz: 100, maxHz: 2000 });

export interface CpuCapture {
  samples: StackSample[];
  startMs: number;
  endMs: number;
  hz: number;
}

let busy = false;

/** cpuBusy says whether a capture is running (the endpoint answers 409 then). */
export function cpuBusy(): boolean {
  return busy;
}

/** captureCpu samples the whole process for `seconds` of wall-clock time at `hz`. Throws if a capture is running. */
export async function captureCpu(seconds: number, hz: number, signal?: AbortSignal): Promise<CpuCapture> {
  if (busy) throw new Error("a CPU profile is already being captured");
  busy = true;
  const samples: StackSample[] = [];
  const startMs = performance.now();
  const stop = subscribe(1000 / hz, (batch) => {
    for (const s of batch) if (s.t >= startMs) samples.push(s);
  });
  try {
    await abortableSleep(seconds * 1000, signal);
  } finally {
    stop();
    busy = false;
  }
  return { samples, startMs, endMs: performance.now(), hz };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** toPprof: each sample is worth one sampling period of CPU; identical stacks merge. */
export function cpuToPprof(c: CpuCapture): Uint8Array {
  const periodNs = Math.round(1e9 / c.hz);
  const b = new ProfileBuilder({
    sampleTypes: [["samples", "count"], ["cpu", "nanoseconds"]],
    periodType: ["cpu", "nanoseconds"],
    period: periodNs,
    defaultSampleType: 1,
    timeNanos: Math.round(epochMs(c.startMs) * 1e6),
    durationNanos: Math.round((c.endMs - c.startMs) * 1e6),
    comments: [`bun ${Bun.version}; JSC sampling profiler at ${c.hz} Hz; idle time is not sampled; non-leaf frame lines are call sites`],
  });
  for (const s of c.samples) b.add(s.frames.length ? s.frames : [{ name: "(unknown)", file: "", line: 0 }], [1, periodNs]);
  return b.encode();
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  hitCount: number;
  children: number[];
  positionTicks?: { line: number; ticks: number }[];
}

/**
 * toCpuProfile rebuilds the Chrome .cpuprofile JSON: one node per distinct
 * call path of functions; the lines a leaf was executing go in positionTicks.
 * JSC gives no function start line, so callFrame.lineNumber is the first line
 * sampled in that function (0-based, as the format wants).
 */
export function cpuToCpuProfile(c: CpuCapture): object {
  const firstLine = new Map<string, number>();
  for (const s of c.samples) {
    for (const f of s.frames) {
      const k = `${f.name}\u0000${f.file}`;
      if (f.line > 0 && (firstLine.get(k) ?? Infinity) > f.line) firstLine.set(k, f.line);
    }
  }
  const root: CpuProfileNode = { id: 1, callFrame: callFrame({ name: "(root)", file: "", line: 0 }, 0), hitCount: 0, children: [] };
  const nodes = [root];
  const childIndex = new Map<string, CpuProfileNode>();
  const ticks = new Map<CpuProfileNode, Map<number, number>>();
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let last = c.startMs;
  for (const s of c.samples) {
    let node = root;
    for (let i = s.frames.length - 1; i >= 0; i--) {
      const f = s.frames[i]!;
      const key = `${node.id}\u0000${f.name}\u0000${f.file}`;
      let child = childIndex.get(key);
      if (!child) {
        child = { id: nodes.length + 1, callFrame: callFrame(f, firstLine.get(`${f.name}\u0000${f.file}`) ?? 0), hitCount: 0, children: [] };
        nodes.push(child);
        node.children.push(child.id);
        childIndex.set(key, child);
      }
      node = child;
    }
    node.hitCount++;
    const line = s.frames[0]?.line ?? 0;
    if (line > 0) {
      let m = ticks.get(node);
      if (!m) ticks.set(node, (m = new Map()));
      m.set(line, (m.get(line) ?? 0) + 1);
    }
    samples.push(node.id);
    timeDeltas.push(Math.max(0, Math.round((s.t - last) * 1000)));
    last = s.t;
  }
  for (const [node, m] of ticks) node.positionTicks = [...m].map(([line, t]) => ({ line, ticks: t }));
  return {
    nodes,
    startTime: Math.round(epochMs(c.startMs) * 1000),
    endTime: Math.round(epochMs(c.endMs) * 1000),
    samples,
    timeDeltas,
  };
}

function callFrame(f: Frame, firstLine: number) {
  return { functionName: f.name, scriptId: "0", url: f.file ? `file://${f.file}` : "", lineNumber: firstLine > 0 ? firstLine - 1 : -1, columnNumber: -1 };
}
