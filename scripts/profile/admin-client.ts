/**
 * Calls to the service's admin port (issue 5's contract): every capture is
 * one GET (or a POST for the rates) that either returns its bytes or says
 * why not, so one missing endpoint marks one file missing, not the run failed.
 */

export interface Fetched {
  ok: boolean;
  status: number;
  bytes: Uint8Array;
  /** ms the request took. */
  ms: number;
  error?: string;
}

/** GETs (or POSTs) admin `path`; never throws. */
export async function adminGet(base: string, path: string, timeoutMs: number, method: "GET" | "POST" = "GET"): Promise<Fetched> {
  const started = performance.now();
  try {
    const res = await fetch(base + path, { method, signal: AbortSignal.timeout(timeoutMs) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const ms = performance.now() - started;
    if (!res.ok) {
      const text = new TextDecoder().decode(bytes.subarray(0, 300)).trim();
      return { ok: false, status: res.status, bytes, ms, error: `${method} ${path}: HTTP ${res.status}${text ? `: ${text}` : ""}` };
    }
    return { ok: true, status: res.status, bytes, ms };
  } catch (e) {
    return { ok: false, status: 0, bytes: new Uint8Array(), ms: performance.now() - started, error: `${method} ${path}: ${(e as Error).message}` };
  }
}

/** Sleeps until `ms` on the performance.now clock. */
export function sleepUntil(ms: number): Promise<void> {
  return Bun.sleep(Math.max(0, ms - performance.now()));
}
