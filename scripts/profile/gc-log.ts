/**
 * gc.json from JSC's GC log (`BUN_JSC_logGC=1` on the server's stderr).
 *
 * What a cycle looks like in the log (Bun 1.4.5; checked by hand):
 *
 *   [GC<0x…>: starting 0.07ms]
 *   Requesting GC because bytes allocated this cycle: 8398302 exceed bytes allowed: 8388608 …
 *   [GC<0x…>: START M 8869kb => EdenCollection, … p=0.88ms (max 0.88)...]      ← one stop-the-world increment
 *   [GC<0x…>: M a=763kb … => 8902kb, p=1.08ms (max 4.52), cycle 6.94ms END]   ← last increment, heap after, cycle wall time
 *   GC END!
 *   [GC<0x…>: epilogue 0.018ms]
 *
 * A cycle runs from START to END; every `p=` is one pause of the mutator
 * (JSC marks concurrently between them); `starting` and `epilogue` also run
 * on the mutator. The log has no timestamps, so each line is stamped when
 * the capturing process reads it (ms, the reader's clock) and a cycle belongs
 * to a window in proportion to the part of it inside.
 *
 * Every figure is wall time. JSC collects partly on its own threads
 * (HeapHelper, the collector thread) while JS runs, so a cycle's wall time
 * is neither its CPU time nor time the JS thread lost; the GC threads' CPU
 * comes from /proc (proc-stat.ts), not from this log.
 */

export interface GcLine {
  /** When the line was read, ms (performance.now of the reader). */
  t: number;
  text: string;
}

export interface GcCycle {
  /** START time relative to the window start, ms. */
  atMs: number;
  kind: string;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  /** Sum of the stop-the-world increments (p=). */
  pauseMs: number;
  /** starting + epilogue (also on the mutator). */
  overheadMs: number;
  maxPauseMs: number;
  /** Wall time of the cycle, START to END. */
  cycleMs: number;
  /** Allocated since the previous cycle ended: heap before − previous heap after. */
  allocatedBytes: number;
}

export interface GcSummary {
  source: "BUN_JSC_logGC" | "metrics" | "none";
  windowMs: number;
  cycles: number;
  byKind: Record<string, number>;
  /** Wall time inside the window with a GC cycle in progress (its starting, START…END, epilogue), ms. ≤ windowMs. */
  gcWallMs: number | null;
  /** gcWallMs / windowMs: "GC wall time / window". ≤ 1. Not CPU time. */
  gcWallFraction: number | null;
  /** JS thread stopped for GC: the stop-the-world increments (p=) + starting/epilogue, ms. ≤ gcWallMs. Null when the source has no pauses. */
  pauseMs: number | null;
  /** pauseMs / windowMs: "GC pause (JS thread stopped) / window". ≤ gcWallFraction. */
  pauseFraction: number | null;
  maxPauseMs: number | null;
  /**
   * @deprecated Older bundles only: cycle wall time / window, mislabelled as CPU and not bounded
   * by the window. New gc.json files do not have it; read gcWallFraction (or gcWallFractionOf).
   */
  gcCpuFraction?: number;
  /** Bytes allocated over the window (median per-cycle allocation rate × window), null when unknown. */
  bytesAllocated: number | null;
  /** bytesAllocated / requests answered in the window. */
  bytesPerRequest: number | null;
  /** Allocation rate over the window, bytes/s. */
  allocRate: number | null;
  /** Live heap after the last cycle of the window. */
  heapAfterBytes: number | null;
  requests: number;
  /** What each figure is, with its unit (written into gc.json for whoever reads it without this file). */
  figures: Record<string, string>;
  notes: string[];
  cycleList: GcCycle[];
}

/** The words gc.json carries for its figures. */
export const GC_FIGURES: Readonly<Record<string, string>> = Object.freeze({
  gcWallMs: "ms of the window with a GC cycle in progress (wall time; JSC marks on helper threads while JS runs, so not CPU time)",
  gcWallFraction: "GC wall time / window (≤ 1)",
  pauseMs: "ms the JS thread was stopped by GC: stop-the-world increments + starting/epilogue (a synchronous collection such as Bun.gc(true) also blocks it between increments, which is not in this figure)",
  pauseFraction: "GC pause (JS thread stopped) / window (≤ gcWallFraction)",
  maxPauseMs: "longest single stop-the-world increment, ms",
  bytesAllocated: "bytes allocated over the window (median per-cycle rate × window)",
  bytesPerRequest: "bytesAllocated / requests answered in the window",
});

/** GC wall time / window from any gc.json: the new field, or an older bundle's gcCpuFraction (the same quantity) when it is a possible fraction. */
export function gcWallFractionOf(g: Pick<GcSummary, "gcWallFraction" | "gcCpuFraction"> | null | undefined): number | null {
  if (!g) return null;
  if (g.gcWallFraction !== undefined) return g.gcWallFraction;
  const legacy = g.gcCpuFraction;
  return legacy !== undefined && legacy >= 0 && legacy <= 1 ? legacy : null;
}

const KB = 1024;
const num = (re: RegExp, s: string) => {
  const m = re.exec(s);
  return m ? Number(m[1]) : NaN;
};

/** True for lines the GC log writes (the capture keeps them out of server.log). */
export function isGcLine(text: string): boolean {
  return text.startsWith("[GC<") || text.startsWith("Requesting GC because") || text === "GC END!" || text.startsWith("GC END");
}

/** Parses every complete cycle in the log (times relative to `origin`). */
export function parseGcLog(lines: readonly GcLine[], origin = 0): GcCycle[] {
  const cycles: GcCycle[] = [];
  let cur: GcCycle | null = null;
  let pendingStart = 0;
  let prevAfter = NaN;
  for (const { t, text } of lines) {
    if (!text.startsWith("[GC<")) continue;
    const body = text.slice(text.indexOf(">: ") + 3);
    if (body.startsWith("starting ")) {
      pendingStart = num(/^starting ([\d.]+)ms/, body) || 0;
      continue;
    }
    if (body.startsWith("epilogue ")) {
      const last = cycles[cycles.length - 1];
      if (last) last.overheadMs += num(/^epilogue ([\d.]+)ms/, body) || 0;
      continue;
    }
    if (body.startsWith("START ")) {
      const m = /^START \S+ (\d+)kb => (\w+?)(?:Collection)?,/.exec(body);
      const before = m ? Number(m[1]) * KB : NaN;
      cur = {
        atMs: t - origin,
        kind: m ? m[2]! : "unknown",
        heapBeforeBytes: before,
        heapAfterBytes: NaN,
        pauseMs: 0,
        overheadMs: pendingStart,
        maxPauseMs: 0,
        cycleMs: NaN,
        allocatedBytes: Number.isFinite(prevAfter) ? Math.max(0, before - prevAfter) : NaN,
      };
      pendingStart = 0;
    }
    if (!cur) continue;
    for (const m of body.matchAll(/\bp=([\d.]+)ms/g)) {
      const p = Number(m[1]);
      cur.pauseMs += p;
      if (p > cur.maxPauseMs) cur.maxPauseMs = p;
    }
    const end = /=> (\d+)kb, p=[\d.]+ms \(max [\d.]+\), cycle ([\d.]+)ms END\]/.exec(body);
    if (end) {
      cur.heapAfterBytes = Number(end[1]) * KB;
      cur.cycleMs = Number(end[2]);
      prevAfter = cur.heapAfterBytes;
      cycles.push(cur);
      cur = null;
    }
  }
  return cycles;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** A cycle's wall span: START…END (or its pauses, when the log's cycle time is shorter than them) plus starting/epilogue. */
const wallOf = (c: GcCycle) => Math.max(Number.isFinite(c.cycleMs) ? c.cycleMs : 0, c.pauseMs) + c.overheadMs;

/**
 * Places the cycles end to end in time order: a heap collects one cycle at a
 * time, so a cycle starts at its stamp or when the previous one ended,
 * whichever is later (lines read in a burst carry one stamp). The spans are
 * disjoint, so their sum inside a window cannot exceed it.
 */
function layOut(all: readonly GcCycle[]): { c: GcCycle; from: number; to: number }[] {
  let end = -Infinity;
  return [...all].sort((x, y) => x.atMs - y.atMs).map((c) => {
    const from = Math.max(c.atMs, end);
    end = from + wallOf(c);
    return { c, from, to: end };
  });
}

/** The share of [from, to] inside [0, windowMs): 1 or 0 for a zero-length span. */
function overlap(from: number, to: number, windowMs: number): number {
  if (to <= from) return from >= 0 && from < windowMs ? 1 : 0;
  const inside = Math.min(to, windowMs) - Math.max(from, 0);
  return Math.max(0, Math.min(1, inside / (to - from)));
}

/**
 * Summarises the cycles overlapping [0, windowMs) (times already relative to
 * the window start). A cycle cut by a window edge counts once, with its time,
 * pauses and allocation in proportion to the part inside: with cycles of
 * hundreds of ms in a window of seconds, whole-cycle counting would swing
 * the fractions by a cycle. By construction pauseMs ≤ gcWallMs ≤ windowMs.
 */
export function summarizeGc(all: readonly GcCycle[], windowMs: number, requests: number): GcSummary {
  const spans = layOut(all).map((s) => ({ ...s, f: overlap(s.from, s.to, windowMs) })).filter((s) => s.f > 0);
  const cycles = spans.map((s) => s.c);
  const byKind: Record<string, number> = {};
  let pause = 0, maxPause = 0, wall = 0;
  for (const { c, from, to, f } of spans) {
    byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
    pause += (c.pauseMs + c.overheadMs) * f;
    maxPause = Math.max(maxPause, c.maxPauseMs);
    wall += to > from ? Math.min(to, windowMs) - Math.max(from, 0) : 0;
  }
  const notes: string[] = [];
  if (cycles.length === 0) notes.push("no GC cycle in the window");
  // Allocation: each cycle's (heap before − previous heap after) over the time since the previous cycle
  // gives a rate; the median rate over the window, times its length, is the estimate. A plain sum is
  // thrown off after a full collection, when JSC's lazily swept heap still counts dead blocks in the
  // next few "heap before" figures (hundreds of MB that were never allocated).
  let alloc = 0;
  for (const s of spans) if (Number.isFinite(s.c.allocatedBytes)) alloc += s.c.allocatedBytes * s.f;
  const rates: number[] = [];
  const inWindow = new Set(cycles);
  const sorted = [...all].sort((x, y) => x.atMs - y.atMs);
  for (let i = 1; i < sorted.length; i++) {
    const c = sorted[i]!, prev = sorted[i - 1]!;
    const dt = c.atMs - prev.atMs;
    if (inWindow.has(c) && dt > 0 && Number.isFinite(c.allocatedBytes)) rates.push((c.allocatedBytes * 1000) / dt);
  }
  const rate = median(rates);
  const bytes = rate === null ? null : Math.round((rate * windowMs) / 1000);
  notes.push(
    rate === null
      ? "allocation unknown: fewer than two cycles to measure it between"
      : `bytes allocated = median over ${rates.length} cycles of (heap before − previous heap after) / time between them, × the window (Σ of the per-cycle figures: ${Math.round(alloc)})`,
  );
  notes.push("wall time, not CPU time: the GC threads' CPU is meta.json serverCpu.gcThreadsOnCpuMs (from /proc)");
  const last = cycles[cycles.length - 1];
  return {
    source: "BUN_JSC_logGC",
    windowMs: r3(windowMs),
    cycles: cycles.length,
    byKind,
    gcWallMs: r3(wall),
    gcWallFraction: windowMs > 0 ? r4(wall / windowMs) : null,
    pauseMs: r3(pause),
    pauseFraction: windowMs > 0 ? r4(pause / windowMs) : null,
    maxPauseMs: r3(maxPause),
    bytesAllocated: bytes,
    bytesPerRequest: bytes !== null && requests > 0 ? Math.round(bytes / requests) : null,
    allocRate: rate === null ? null : Math.round(rate),
    heapAfterBytes: last ? last.heapAfterBytes : null,
    requests,
    figures: { ...GC_FIGURES },
    notes,
    cycleList: cycles.map((c) => ({ ...c, atMs: r3(c.atMs), pauseMs: r3(c.pauseMs), overheadMs: r3(c.overheadMs), maxPauseMs: r3(c.maxPauseMs), cycleMs: r3(c.cycleMs) })),
  };
}

/**
 * Fallback when the log is not available (--url): GC count and cycle time
 * from the difference of two /metrics scrapes (enrich_gc_duration_seconds).
 */
export function gcFromMetrics(start: Map<string, number>, end: Map<string, number>, windowMs: number, requests: number): GcSummary {
  const delta = (name: string) => {
    let s = 0;
    for (const [k, v] of end) if (k.startsWith(name)) s += v - (start.get(k) ?? 0);
    return s;
  };
  const count = delta("enrich_gc_duration_seconds_count");
  const seconds = delta("enrich_gc_duration_seconds_sum");
  const byKind: Record<string, number> = {};
  for (const [k, v] of end) {
    const m = /^enrich_gc_duration_seconds_count\{.*type="([^"]+)"/.exec(k);
    if (m) byKind[m[1]!] = (byKind[m[1]!] ?? 0) + v - (start.get(k) ?? 0);
  }
  const known = end.size > 0 && [...end.keys()].some((k) => k.startsWith("enrich_gc_duration_seconds"));
  const wallMs = seconds * 1000;
  const notes = [known ? "from /metrics (enrich_gc_duration_seconds): cycle wall time only; pauses and allocation need the GC log (start the service from profile.ts)" : "no GC data: no GC log and no enrich_gc_duration_seconds in /metrics"];
  // Cycles are counted when they end: one that began before the window counts whole, so the sum can pass the window. Then there is no fraction to give.
  const fits = windowMs > 0 && wallMs <= windowMs;
  if (known && !fits) notes.push(`Σ cycle wall times (${r3(wallMs)} ms) exceeds the window (${r3(windowMs)} ms): a cycle that began before it counted whole; no GC wall fraction`);
  return {
    source: known ? "metrics" : "none",
    windowMs: r3(windowMs),
    cycles: count,
    byKind,
    gcWallMs: known && fits ? r3(wallMs) : null,
    gcWallFraction: known && fits ? r4(wallMs / windowMs) : null,
    pauseMs: null,
    pauseFraction: null,
    maxPauseMs: null,
    bytesAllocated: null,
    bytesPerRequest: null,
    allocRate: null,
    heapAfterBytes: end.get("nodejs_heap_size_used_bytes") ?? null,
    requests,
    figures: { ...GC_FIGURES },
    notes,
    cycleList: [],
  };
}
