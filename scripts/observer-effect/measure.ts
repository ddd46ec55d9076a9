/**
 * The three measurements of one run against the service: saturation
 * throughput (wrk, closed loop), the server's CPU per request (its own
 * /metrics) and latency at a fixed arrival rate (bun run load).
 */
import { PROJECT_ROOT } from "../../src/root.ts";

export interface Counters {
  /** Server CPU seconds so far. */
  cpu: number;
  /** Requests served so far, over every route and status. */
  requests: number;
}

/** Reads the counters from a /metrics scrape's text. */
export function parseCounters(text: string): Counters {
  const cpu = Number(/^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
  let requests = 0;
  for (const m of text.matchAll(/^enrich_http_requests_total\{[^}]*\} (\S+)$/gm)) requests += Number(m[1]);
  return { cpu, requests };
}

/** Server CPU µs per request between two scrapes: robust to a noisy neighbour, unlike throughput. */
export function cpuUsPerRequest(before: Counters, after: Counters): number {
  // The /metrics scrape itself is one request's worth of noise against thousands.
  return ((after.cpu - before.cpu) / Math.max(1, after.requests - before.requests)) * 1e6;
}

export async function scrapeCounters(adminUrl: string): Promise<Counters> {
  return parseCounters(await (await fetch(`${adminUrl}/metrics`)).text());
}

/** A wrk script cycling through `bodies`, so wrk's requests look like the harness's. */
export function wrkScript(bodies: string[]): string {
  return `local bodies = ${"{" + bodies.map((b) => JSON.stringify(b)).join(",\n") + "}"}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])\nend\n`;
}

/** wrk's requests/s from its output; throws when it printed none or saw a non-2xx answer (then the figure is not a throughput). */
export function parseWrk(stdout: string, stderr: string): number {
  const m = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`wrk printed no rate: ${stderr.trim() || stdout.trim()}`);
  if (/Non-2xx/.test(stdout)) throw new Error(`wrk saw non-2xx responses:\n${stdout}`);
  return Number(m[1]);
}

export interface WrkOptions {
  /** Command put in front (taskset). */
  prefix: string[];
  connections: number;
  lua: string;
  url: string;
}

/** One closed-loop wrk run of `seconds`. */
export function runWrk(o: WrkOptions, seconds: number): { rps: number; text: string } {
  const cmd = [...o.prefix, "wrk", "-t1", `-c${o.connections}`, `-d${seconds}s`, "-s", o.lua, o.url];
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  const text = r.stdout.toString();
  return { rps: parseWrk(text, r.stderr.toString()), text };
}

export interface LoadResult {
  p99: number;
  p50: number;
  throughput: number;
  valid: boolean;
  reasons: string[];
}

/** An open-model run at `rps` for `durationS` (bun run load, after 1 s of warm-up): corrected p50 and p99, and whether the generator kept its schedule. */
export async function fixedRateLoad(o: { prefix: string[]; url: string; corpus: string; durationS: number }, rps: number): Promise<LoadResult> {
  const cmd = [...o.prefix, process.execPath, "src/load/cli.ts", "--url", o.url, "--rps", String(rps), "--duration", `${o.durationS}s`, "--warmup", "1s", "--corpus", o.corpus, "--json", "--quiet"];
  await using proc = Bun.spawn(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const [text, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  let j: { latency: { corrected: { p99: number; p50: number } }; throughputRps: number; validity: { valid: boolean; reasons: string[] } };
  try {
    j = JSON.parse(text);
  } catch {
    throw new Error(`bun run load failed: ${err.trim() || text.trim()}`);
  }
  return { p99: j.latency.corrected.p99, p50: j.latency.corrected.p50, throughput: j.throughputRps, valid: j.validity.valid, reasons: j.validity.reasons };
}
