/**
 * The capture window cut out of a longer load run. The harness keeps
 * cumulative histograms and counts, so the window is the difference of two
 * snapshots: latency of the requests that completed inside it, counts of the
 * requests that ended inside it. The result has the shape of a LoadResult, so
 * the harness's own writers (hist.json + .hgrm) and plots take it unchanged.
 */
import { decodeHistograms, type LoadResult, summarize } from "../../src/load/index.ts";
import { encode } from "../../src/load/histograms.ts";
import type { Counts, WindowStats } from "../../src/load/recorder.ts";
import { judge, shortfallCause } from "../../src/load/validity.ts";
import { LOAD_DEFAULTS } from "../../src/config.ts";

const sub = (a: Counts, b: Counts): Counts => {
  const diff = (x: Record<string, number>, y: Record<string, number>) =>
    Object.fromEntries(Object.entries(y).map(([k, v]) => [k, v - (x[k] ?? 0)]).filter(([, v]) => (v as number) !== 0));
  return {
    scheduled: b.scheduled - a.scheduled,
    ok: b.ok - a.ok,
    httpError: b.httpError - a.httpError,
    byStatus: diff(a.byStatus, b.byStatus),
    timeout: b.timeout - a.timeout,
    timeoutUnsent: b.timeoutUnsent - a.timeoutUnsent,
    transport: b.transport - a.transport,
    byKind: diff(a.byKind, b.byKind),
  };
};

/** Requests the server answered (any status): the work its CPU, GC and lock figures are divided by. Timeouts and transport errors may never have reached it. */
export const answeredCount = (c: Counts) => c.ok + c.httpError;

/** The window [a, b] of a run, as a LoadResult (complete: true, measuredMs = the window). */
export function windowResult(a: LoadResult, b: LoadResult): LoadResult {
  const ha = decodeHistograms(a.histograms);
  const hb = decodeHistograms(b.histograms);
  for (const k of ["corrected", "service", "sendLag", "scheduleLag"] as const) hb[k].subtract(ha[k]);
  const ms = b.measuredMs - a.measuredMs;
  const sent = (b.achievedRps * b.measuredMs - a.achievedRps * a.measuredMs) / 1000;
  const responded = (b.throughputRps * b.measuredMs - a.throughputRps * a.measuredMs) / 1000;
  const windows: WindowStats[] = b.windows.filter((w) => w.startMs >= a.measuredMs - 1 && w.startMs + w.lengthMs <= b.measuredMs + 1);
  const latency = { corrected: summarize(hb.corrected), service: summarize(hb.service), sendLag: summarize(hb.sendLag), scheduleLag: summarize(hb.scheduleLag) };
  const validity = judge(
    { scheduleLagP99Ms: latency.scheduleLag.p99, windows, connectionWaits: 0, connections: b.connections.limit === "unbounded" ? Infinity : b.connections.limit, clamped: 0 },
    { maxLagMs: LOAD_DEFAULTS.maxLagMs, minWindowRatio: LOAD_DEFAULTS.minWindowRatio, maxCpu: LOAD_DEFAULTS.maxCpu },
  );
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    ...b,
    complete: true,
    aborted: false,
    measuredMs: round(ms),
    achievedRps: ms > 0 ? round((sent * 1000) / ms) : 0,
    throughputRps: ms > 0 ? round((responded * 1000) / ms) : 0,
    counts: sub(a.counts, b.counts),
    accounted: true,
    latency,
    validity,
    windows,
    histograms: { ...b.histograms, corrected: encode(hb.corrected), service: encode(hb.service), sendLag: encode(hb.sendLag), scheduleLag: encode(hb.scheduleLag) },
  };
}

/** Whether one load window shows the rate held: the generator sent on time, the server answered it, nothing failed. */
export function windowHolds(w: WindowStats, maxCpu = LOAD_DEFAULTS.maxCpu): string | null {
  if (w.scheduled === 0) return `second ${w.index + 1}: nothing scheduled`;
  if (w.sent < w.scheduled * 0.99 - 1) return `second ${w.index + 1}: sent ${w.sent} of ${w.scheduled} scheduled (${shortfallCause(w) === "generator" ? "generator behind" : "the server held it back"})`;
  if (w.completed < w.scheduled * 0.95 - 1) return `second ${w.index + 1}: ${w.completed} of ${w.scheduled} completed (server behind)`;
  if (w.errors > 0) return `second ${w.index + 1}: ${w.errors} errors`;
  if (w.cpuThread >= maxCpu) return `second ${w.index + 1}: generator at ${(w.cpuThread * 100).toFixed(0)}% of a core`;
  return null;
}
