/**
 * /debug/pprof/trace: a timeline in Chrome trace-event JSON (Perfetto,
 * chrome://tracing, DevTools open it). Where a profile sums, a trace keeps
 * order and overlap: each request's queue wait (when the client sends
 * X-Request-Start), body read + validation and handler stages as nested async
 * slices; GC cycles and event-loop stalls on the loop's track; the sampled JS
 * stacks as a flame chart; heap and in-flight counters.
 */
import { epochMs } from "./clock.ts";
import type { GcWatcher } from "./gc.ts";
import type { RequestRecord, RequestTracker } from "./requests.ts";
import { type StackSample, subscribe, windowOpen } from "./sampler.ts";
import { watchStalls, type Stall } from "./stalls.ts";
import type { GcEvent } from "./gc.ts";
import { TRACE_DEFAULTS } from "../config.ts";

const LOOP_TID = 1, CPU_TID = 2, REQ_TID = 3;

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  cat?: string;
  id?: string;
  args?: Record<string, unknown>;
  s?: string;
}

export interface TraceOptions {
  seconds: number;
  hz: number;
  stallMs: number;
  label: string;
}

let busy = false;

export function traceBusy(): boolean {
  return busy;
}

const us = (ms: number) => Math.round(ms * 1000);

/** What a trace window recorded: the raw material traceChunks turns into the trace's JSON. */
export interface RecordedTrace {
  o: TraceOptions;
  pid: number;
  start: number;
  /** Finished requests, then those still running at the end (drawn up to the end, marked unfinished). */
  requests: (RequestRecord & { unfinished?: boolean })[];
  gcs: GcEvent[];
  stalls: Stall[];
  samples: StackSample[];
  counters: TraceEvent[];
  dropped: number;
  unfinished: number;
}

/** recordTrace records `seconds` of wall-clock time. Throws if one is running. */
export async function recordTrace(o: TraceOptions, tracker: RequestTracker, gc: GcWatcher, signal?: AbortSignal): Promise<RecordedTrace> {
  if (busy) throw new Error("a trace is already being captured");
  busy = true;
  const pid = process.pid;
  const requests: RequestRecord[] = [];
  const gcs: GcEvent[] = [];
  const stalls: Stall[] = [];
  const samples: StackSample[] = [];
  const counters: TraceEvent[] = [];
  let dropped = 0;
  // The window starts when its samples do: after a restart the sampler is live within its parked interval.
  let start = Infinity;
  const stopSamples = subscribe(1000 / o.hz, (batch) => samples.push(...batch.filter((s) => s.t >= start)));
  await windowOpen();
  start = performance.now();
  const stops = [
    stopSamples,
    tracker.onFinish((r) => {
      if (requests.length < TRACE_DEFAULTS.maxRequests) requests.push(r);
      else dropped++;
    }),
    gc.onCycle((e) => gcs.push(e), TRACE_DEFAULTS.gcPollMs),
    watchStalls(o.stallMs, (s) => stalls.push(s)),
  ];
  const counterTimer = setInterval(() => {
    counters.push({ name: "in-flight requests", ph: "C", ts: us(performance.now()), pid, tid: REQ_TID, args: { requests: tracker.inflight.size } });
  }, TRACE_DEFAULTS.counterEveryMs);
  try {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.seconds * 1000);
      signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  } finally {
    clearInterval(counterTimer);
    for (const stop of stops) stop();
    busy = false;
  }
  const end = performance.now();
  const open = [...tracker.inflight.values()].map((r) => ({ ...r, ended: end, unfinished: true }));
  return { o, pid, start, requests: [...requests, ...open], gcs, stalls, samples, counters, dropped, unfinished: open.length };
}

/** Requests turned into events per slice: a few hundred events, well under a millisecond of the loop. */
export const REQUESTS_PER_SLICE = 64;
/** traceChunks hands the loop back after this much synchronous work, so a trace of a busy service never stalls its hot path. */
export const SLICE_MS = 2;

/**
 * traceChunks yields the trace as JSON text, byte for byte what
 * JSON.stringify of the whole trace object would give, in pieces: a 5 s
 * trace at 1,500 req/s is ~70,000 events, and building and stringifying them
 * at once held the event loop for tens of ms, long enough for admission
 * control to shed the requests behind it (bench/admin-cost.ts). Between
 * slices of about SLICE_MS it waits for the next turn of the loop.
 */
export async function* traceChunks(t: RecordedTrace, { yieldToLoop = nextTurn, now = () => performance.now() }: { yieldToLoop?: () => Promise<void>; now?: () => number } = {}): AsyncGenerator<string> {
  const { o, pid } = t;
  const head: TraceEvent[] = [
    { name: "process_name", ph: "M", ts: 0, pid, tid: 0, args: { name: o.label } },
    { name: "thread_name", ph: "M", ts: 0, pid, tid: LOOP_TID, args: { name: "event loop: GC, stalls" } },
    { name: "thread_name", ph: "M", ts: 0, pid, tid: CPU_TID, args: { name: `JS samples (${o.hz} Hz)` } },
    { name: "thread_name", ph: "M", ts: 0, pid, tid: REQ_TID, args: { name: "requests" } },
  ];
  let first = true;
  const list = (events: TraceEvent[]) => {
    if (events.length === 0) return "";
    const text = events.map((e) => JSON.stringify(e)).join(",");
    const out = first ? text : `,${text}`;
    first = false;
    return out;
  };
  let sliceStart = now();
  const maybeYield = async () => {
    if (now() - sliceStart < SLICE_MS) return;
    await yieldToLoop();
    sliceStart = now();
  };
  yield `{"traceEvents":[${list(head)}`;
  for (let i = 0; i < t.requests.length; i += REQUESTS_PER_SLICE) {
    const chunk = list(t.requests.slice(i, i + REQUESTS_PER_SLICE).flatMap((r) => requestEvents(r, pid)));
    if (chunk) yield chunk;
    await maybeYield();
  }
  const gcs = list(t.gcs.flatMap((g, i) => gcEvents(g, gcEnd(t.gcs, i), pid)));
  const stalls = list(t.stalls.map((s) => ({ name: "event-loop stall", cat: "loop", ph: "X", ts: us(s.end - s.delayMs), dur: us(s.delayMs), pid, tid: LOOP_TID, args: { delay_ms: round(s.delayMs) } })));
  yield gcs + stalls;
  await maybeYield();
  yield list(sampleSlices(t.samples, 1000 / o.hz, pid)) + list(t.counters);
  const otherData = {
    bun: Bun.version,
    label: o.label,
    startEpochMs: epochMs(t.start),
    timestamps: "microseconds since process start (performance.now)",
    seconds: o.seconds,
    hz: o.hz,
    stallThresholdMs: o.stallMs,
    requests: t.requests.length - t.unfinished,
    requestsNotDrawn: t.dropped,
    unfinished: t.unfinished,
    gcCycles: t.gcs.length,
    stalls: t.stalls.length,
    samples: t.samples.length,
    notes: [
      "queue wait is shown only for requests that carry X-Request-Start (epoch s, ms or µs; t= prefix allowed)",
      `GC cycles are placed at the ${TRACE_DEFAULTS.gcPollMs} ms poll that reported them, with their cycle wall time as duration`,
      "JS samples: idle time is not sampled, so gaps are idle (or native) time",
    ],
  };
  yield `],"displayTimeUnit":"ms","otherData":${JSON.stringify(otherData)}}`;
}

/** A macrotask turn: pending I/O (the hot path's requests) runs before the next slice. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const round = (x: number) => Math.round(x * 1000) / 1000;

function requestEvents(r: RequestRecord & { unfinished?: boolean }, pid: number): TraceEvent[] {
  const id = `r${r.id}`;
  const name = `${r.method} ${r.route}`;
  const begin = r.sent ?? r.arrived;
  const base = { cat: "request", id, pid, tid: REQ_TID };
  const out: TraceEvent[] = [{ ...base, name, ph: "b", ts: us(begin), args: { id: r.id, status: r.status ?? null, bytes: r.bytes, ...(r.unfinished ? { unfinished: true } : {}) } }];
  const slice = (n: string, from: number, to: number) => out.push({ ...base, name: n, ph: "b", ts: us(from) }, { ...base, name: n, ph: "e", ts: us(Math.max(from, to)) });
  if (r.sent !== undefined) slice("queue wait", r.sent, r.arrived);
  const marks = [{ name: "read body + validate", at: r.arrived }];
  if (r.handlerAt !== undefined) marks.push({ name: "handler", at: r.handlerAt });
  if (r.respondAt !== undefined) marks.push({ name: "respond", at: r.respondAt });
  for (let i = 0; i < marks.length; i++) slice(marks[i]!.name, marks[i]!.at, marks[i + 1]?.at ?? r.ended!);
  out.push({ ...base, name, ph: "e", ts: us(r.ended!) });
  return out;
}

/** Cycles reported by the same poll are laid back to back, ending at the poll, so their slices do not overlap. */
function gcEnd(gcs: GcEvent[], i: number): number {
  let end = gcs[i]!.at;
  for (let j = gcs.length - 1; j > i; j--) if (gcs[j]!.at === gcs[i]!.at) end -= gcs[j]!.costMs;
  return end;
}

function gcEvents(g: GcEvent, end: number, pid: number): TraceEvent[] {
  return [
    { name: `GC ${g.type}`, cat: "gc", ph: "X", ts: us(end - g.costMs), dur: us(g.costMs), pid, tid: LOOP_TID, args: { cycle_ms: round(g.costMs), used_before: g.usedBefore, used_after: g.usedAfter, freed: g.usedBefore - g.usedAfter } },
    { name: "JS heap", ph: "C", ts: us(g.at), pid, tid: LOOP_TID, args: { used_bytes: g.usedAfter } },
  ];
}

/**
 * sampleSlices turns a time-ordered sample stream into a flame chart: a
 * function's slice stays open while consecutive samples keep it on the stack;
 * a gap longer than two intervals (idle) closes everything.
 */
export function sampleSlices(samples: StackSample[], intervalMs: number, pid: number): TraceEvent[] {
  const out: TraceEvent[] = [];
  let open: { key: string; name: string }[] = [];
  let lastT = -Infinity;
  const closeTo = (depth: number, t: number) => {
    while (open.length > depth) out.push({ name: open.pop()!.name, ph: "E", ts: us(t), pid, tid: CPU_TID });
  };
  for (const s of samples) {
    if (s.t - lastT > 2 * intervalMs) closeTo(0, lastT + intervalMs);
    const stack = [...s.frames].reverse();
    let k = 0;
    while (k < open.length && k < stack.length && open[k]!.key === `${stack[k]!.name}\u0000${stack[k]!.file}`) k++;
    closeTo(k, s.t);
    for (let i = k; i < stack.length; i++) {
      const f = stack[i]!;
      open.push({ key: `${f.name}\u0000${f.file}`, name: f.name });
      out.push({ name: f.name, cat: "cpu", ph: "B", ts: us(s.t), pid, tid: CPU_TID, args: { file: f.file, line: f.line } });
    }
    lastT = s.t;
  }
  closeTo(0, lastT + intervalMs);
  return out;
}
