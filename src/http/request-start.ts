/**
 * X-Request-Start, the client's (or a proxy's) stamp of when it sent the
 * request: admission control measures a request's deadline from it, and the
 * admin side's request tracker its queue wait. It lives in the HTTP layer so
 * both read it the same way without the HTTP layer reaching up into admin.
 */

/** Clients that stamp X-Request-Start more than this long ago are treated as clock skew, not queueing. */
const MAX_QUEUE_MS = 60_000;

/** parseRequestStart reads X-Request-Start (`t=<epoch s|ms|µs>` or a bare number) as performance.now() ms. */
export function parseRequestStart(header: string | null, nowPerf = performance.now()): number | undefined {
  if (!header) return undefined;
  const v = Number(header.trim().replace(/^t=/, ""));
  if (!Number.isFinite(v) || v <= 0) return undefined;
  const epochMs = v < 1e11 ? v * 1e3 : v < 1e14 ? v : v / 1e3;
  const perf = epochMs - performance.timeOrigin;
  return perf <= nowPerf + 1 && nowPerf - perf < MAX_QUEUE_MS ? Math.min(perf, nowPerf) : undefined;
}
