/**
 * /debug/pprof/profile: a wall-clock window of CPU samples from the shared
 * sampler, as gzipped pprof (samples/count, cpu/nanoseconds) or as a Chrome
 * .cpuprofile (DevTools, speedscope). One capture at a time.
 */
import { gzipSync } from "node:zlib";
import { Label, type Profile, Sample } from "pprof-format";
import { epochMs } from "./clock.ts";
import { CpuProfileBuilder, type CpuProfileJson } from "./cpuprofile-json.ts";
import { ProfileBuilder } from "./pprof.ts";
import { capWeights, type CpuWindow, labelsOf, OUTSIDE_JS, type StackSample, samplerState, subscribe, windowOpen } from "./sampler.ts";
import { threadCpuSource } from "./thread-cpu.ts";

export interface CpuCapture {
  /** Samples weighted with on-CPU time (cpuNs), plus one "(bun native …)" sample for what they leave. */
  samples: StackSample[];
  startMs: number;
  endMs: number;
  hz: number;
  /** The kernel's account of the JS thread over the capture (sums of the drain windows). */
  thread: { onCpuNs: number; runQueueNs: number; jsNs: number; source: string; samplePeriodMs: number };
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
  const thread = { onCpuNs: 0, runQueueNs: 0, jsNs: 0, source: threadCpuSource(), samplePeriodMs: 0 };
  // Windows count from the sampler's being live: the one straddling a restart holds on-CPU time from before its first sample.
  let live = false;
  const stop = subscribe(
    1000 / hz,
    (batch, w?: CpuWindow) => {
      if (!live) return;
      for (const s of batch) samples.push(s);
      if (w) (thread.onCpuNs += w.onCpuNs), (thread.runQueueNs += w.runQueueNs);
    },
    { weighted: true },
  );
  let startMs = performance.now();
  try {
    await windowOpen();
    live = true;
    startMs = performance.now();
    await abortableSleep(seconds * 1000, signal);
  } finally {
    thread.samplePeriodMs = samplerState().periodMs;
    stop();
    busy = false;
  }
  const endMs = performance.now();
  const capped = capWeights(samples, thread.onCpuNs, endMs);
  thread.jsNs = capped.jsNs;
  return { samples: capped.samples, startMs, endMs, hz, thread };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** cpuComments states what the figures are, for the pprof comments and the .cpuprofile's metadata. */
export function cpuComments(c: CpuCapture): string[] {
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  const t = c.thread;
  return [
    `bun ${Bun.version}; JSC sampling profiler at ${c.hz} Hz (real period ${t.samplePeriodMs.toFixed(2)} ms); non-leaf frame lines are call sites`,
    `cpu/nanoseconds is the JS thread's on-CPU time from ${t.source}: ${ms(t.onCpuNs)} ms in this window, each sample weighted by its window's on-CPU time; idle and run-queue time are in no sample`,
    `run-queue wait (runnable, not running: another process had the core): ${ms(t.runQueueNs)} ms, not included`,
    `on-CPU time with no JS frame on the stack (Bun's native HTTP, event loop, I/O): ${ms(t.onCpuNs - t.jsNs)} ms, as the frame "(bun native: outside JS …)"`,
  ];
}

/** The label on every CPU sample in the pprof: its time, ns after the profile's time_nanos (scripts/profile/cpuprofile.ts reads it). */
export const SAMPLE_TIME_LABEL = "elapsed";

/**
 * toPprof: samples/count is JSC's samples; cpu/nanoseconds is each sample's
 * on-CPU weight. With `timeline` (the endpoint's and a bundle's), one pprof
 * sample per CPU sample, labelled with its time; without (continuous
 * captures), equal stacks and labels merged: a tenth of the samples or
 * fewer, which pprof-format encodes in a fraction of the time (its encode
 * of a 10 s timeline takes 10–20 ms, a stall the loop would feel).
 */
export function cpuToPprof(c: CpuCapture, o: { timeline?: boolean } = {}): Uint8Array {
  const periodNs = Math.round(1e9 / c.hz);
  const b = new ProfileBuilder({
    sampleTypes: [["samples", "count"], ["cpu", "nanoseconds"]],
    periodType: ["cpu", "nanoseconds"],
    period: periodNs,
    defaultSampleType: 1,
    timeNanos: Math.round(epochMs(c.startMs) * 1e6),
    durationNanos: Math.round((c.endMs - c.startMs) * 1e6),
    comments: cpuComments(c),
  });
  // The OUTSIDE_JS sample of each window is time, not a JSC sample: it counts 0 in samples/count.
  const values = (s: StackSample) => [s.frames[0] === OUTSIDE_JS ? 0 : 1, Math.round(s.cpuNs ?? periodNs)];
  if (o.timeline === false) {
    for (const s of c.samples) b.add(s.frames, values(s), labelsOf(s));
    return b.encode();
  }
  for (const s of c.samples) b.add(s.frames, values(s));
  return gzipSync(timeline(b.build(), c, values).encode());
}

/**
 * timeline swaps the builder's merged samples for one per CPU sample, in
 * capture order, each labelled with its time (SAMPLE_TIME_LABEL): the
 * .cpuprofile made from this pprof (a bundle's cpu.cpuprofile) then has the
 * real gaps between samples, and `go tool pprof -tagfocus=elapsed=2s:3s`
 * picks a stretch of the window. Each sample also carries its request's
 * labels (route, variant, batch, the --profile-label-attr attr: segments.ts),
 * so `-tagfocus=batch=fat` keeps one kind of request. The builder still interns the strings,
 * functions and locations; pprof tools aggregate equal stacks themselves.
 */
function timeline(p: Profile, c: CpuCapture, values: (s: StackSample) => number[]): Profile {
  const str = p.stringTable.strings;
  const fns = new Map(p.function.map((f) => [Number(f.id), f]));
  const locOf = new Map<string, number>();
  for (const l of p.location) {
    const ln = l.line[0]!;
    const f = fns.get(Number(ln.functionId))!;
    locOf.set(`${str[Number(f.name)]}\u0000${str[Number(f.filename)]}\u0000${Number(ln.line)}`, Number(l.id));
  }
  const key = p.stringTable.dedup(SAMPLE_TIME_LABEL), unit = p.stringTable.dedup("nanoseconds");
  // Label sets are interned (request-labels.ts): one list of string Labels per set.
  const strLabels = new Map<object, Label[]>();
  const labelSet = (l: StackSample["labels"]): Label[] => {
    if (!l) return [];
    let out = strLabels.get(l);
    if (!out) strLabels.set(l, (out = Object.entries(l).map(([k, v]) => new Label({ key: p.stringTable.dedup(k), str: p.stringTable.dedup(v) }))));
    return out;
  };
  p.sample = c.samples.map(
    (s) =>
      new Sample({
        locationId: s.frames.map((f) => locOf.get(`${f.name}\u0000${f.file}\u0000${f.line}`)!),
        value: values(s),
        label: [new Label({ key, num: Math.max(0, Math.round((s.t - c.startMs) * 1e6)), numUnit: unit }), ...labelSet(labelsOf(s))],
      }),
  );
  return p;
}

/** cpuToCpuProfile: the capture as .cpuprofile JSON, one sample per CPU sample at its real time (cpuprofile-json.ts builds the tree). */
export function cpuToCpuProfile(c: CpuCapture): CpuProfileJson {
  const b = new CpuProfileBuilder(c.samples.map((s) => s.frames));
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let last = c.startMs;
  for (const s of c.samples) {
    samples.push(b.hit(s.frames, 1));
    timeDeltas.push(Math.max(0, Math.round((s.t - last) * 1000)));
    last = s.t;
  }
  return b.profile({ startTime: Math.round(epochMs(c.startMs) * 1000), endTime: Math.round(epochMs(c.endMs) * 1000), samples, timeDeltas });
}
