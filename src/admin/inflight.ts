/**
 * /debug/pprof/goroutine, Bun edition: there are no goroutines to dump, but
 * the question it answers, "what is everyone waiting on right now", is the
 * in-flight requests with their age and stage.
 */
import { ProfileBuilder } from "./pprof.ts";
import type { RequestRecord, RequestTracker } from "./requests.ts";

export interface InflightRow {
  id: number;
  method: string;
  route: string;
  ageMs: number;
  stage: string;
  inStageMs: number;
  queuedMs?: number;
  bytes: number;
}

export function inflightRows(t: RequestTracker, now = performance.now()): InflightRow[] {
  return [...t.inflight.values()]
    .map((r: RequestRecord) => ({
      id: r.id,
      method: r.method,
      route: r.route,
      ageMs: round(now - r.arrived),
      stage: r.stage,
      inStageMs: round(now - r.stageAt),
      ...(r.sent !== undefined ? { queuedMs: round(r.arrived - r.sent) } : {}),
      bytes: r.bytes,
    }))
    .sort((a, b) => b.ageMs - a.ageMs);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** inflightText is the debug=1 view: counts by stage, then one line per request, oldest first. */
export function inflightText(rows: InflightRow[]): string {
  const byStage = new Map<string, number>();
  for (const r of rows) byStage.set(`${r.route} ${r.stage}`, (byStage.get(`${r.route} ${r.stage}`) ?? 0) + 1);
  const lines = [`in-flight requests: ${rows.length}`];
  for (const [k, n] of byStage) lines.push(`${String(n).padStart(6)} @ ${k}`);
  lines.push("", "      id method route        stage          age_ms  in_stage_ms    bytes");
  for (const r of rows) lines.push(`${String(r.id).padStart(8)} ${r.method.padEnd(6)} ${r.route.padEnd(12)} ${r.stage.padEnd(12)} ${r.ageMs.toFixed(1).padStart(9)} ${r.inStageMs.toFixed(1).padStart(12)} ${String(r.bytes).padStart(8)}`);
  return lines.join("\n") + "\n";
}

/** inflightPprof: goroutine/count by [stage, route], so `go tool pprof -top` reads it like a goroutine profile. */
export function inflightPprof(rows: InflightRow[]): Uint8Array {
  const b = new ProfileBuilder({ sampleTypes: [["goroutine", "count"]], periodType: ["goroutine", "count"], period: 1, comments: ["in-flight requests by stage (a Bun service has no goroutines)"] });
  for (const r of rows) b.add([{ name: `stage ${r.stage}`, file: "", line: 0 }, { name: `${r.method} ${r.route}`, file: "", line: 0 }], [1]);
  return b.encode();
}
