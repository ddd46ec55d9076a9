/**
 * The one way the benches drive wrk over a request corpus
 * (bench/wrk/post-corpus.lua cycles through its bodies) and read what it
 * prints. Callers keep their own policy: whether non-2xx answers make the run
 * worthless or are subtracted, and whether it runs synchronously or beside
 * other work (perf).
 */
export interface WrkOptions {
  url: string;
  corpus: string;
  connections: number;
  /** Whole seconds (wrk's -d); at least 1. */
  seconds: number;
  /** Put in front of wrk: taskset, chrt. */
  prefix?: string[];
  /** --latency: the percentile lines (p50, p99). */
  latency?: boolean;
}

export function wrkCommand(o: WrkOptions): string[] {
  const d = Math.max(1, Math.round(o.seconds));
  return [...(o.prefix ?? []), "wrk", "-t1", `-c${o.connections}`, `-d${d}s`, ...(o.latency ? ["--latency"] : []), "-s", "bench/wrk/post-corpus.lua", o.url, "--", o.corpus];
}

export interface WrkOutput {
  /** Requests completed, whatever their status. */
  requests: number;
  seconds: number;
  /** wrk's "Requests/sec". */
  rps: number;
  /** "Non-2xx or 3xx responses" (0 when wrk printed none). */
  non2xx: number;
  /** 2xx answers per second: the throughput of answered work. */
  answeredPerSecond: number;
  p50?: string;
  p99?: string;
}

/** Reads wrk's summary; null when it printed no totals (it failed). */
export function parseWrk(text: string): WrkOutput | null {
  const total = /(\d+) requests in ([\d.]+)(ms|s|m)\b/.exec(text);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  if (!total || !Number.isFinite(rps)) return null;
  const requests = Number(total[1]);
  const seconds = Number(total[2]) * (total[3] === "ms" ? 0.001 : total[3] === "m" ? 60 : 1);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  // At line start: "99%" also ends the stats table's +/- Stdev column ("90.99%").
  return { requests, seconds, rps, non2xx, answeredPerSecond: (requests - non2xx) / seconds, p50: /^\s*50%\s+(\S+)/m.exec(text)?.[1], p99: /^\s*99%\s+(\S+)/m.exec(text)?.[1] };
}
