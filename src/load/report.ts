/** Human output: the live progress line, the percentile table and the find-max curve. */
import { formatDuration } from "../cli/duration.ts";
import type { FindMaxResult, Step } from "./find-max.ts";
import { HISTOGRAM_NAMES, type HistogramName } from "./histograms.ts";
import type { LoadResult } from "./result.ts";
import type { Progress } from "./run.ts";

const LABEL: Record<HistogramName, string> = {
  corrected: "corrected",
  service: "service time",
  sendLag: "send lag",
  scheduleLag: "schedule lag",
};

/** One line for stderr, rewritten in place on a terminal. */
export function progressLine(p: Progress): string {
  return (
    `[${p.phase.padEnd(7)} ${(p.elapsedMs / 1000).toFixed(1).padStart(6)}s] ` +
    `offered ${num(p.offeredRps)}/s  sent ${num(p.sentRps)}/s  done ${num(p.doneRps)}/s  ` +
    `in-flight ${p.inFlight}  queued ${p.queued}  p99 ${ms(p.p99)}  errors ${p.errors}`
  );
}

/** The summary table for stdout. */
export function table(r: LoadResult): string {
  const o = r.options;
  const c = r.counts;
  const out: string[] = [];
  out.push(
    `${r.url}  ${o.arrivals} ${num(o.rps)} rps for ${formatDuration(o.durationMs)} (warmup ${formatDuration(o.warmupMs)}), ` +
      `${o.connections} connections, ${o.transport} transport, corpus ${r.corpus.path} (${r.corpus.lines} lines)`,
  );
  out.push(`rate      offered ${num(r.offeredRps)}/s  achieved ${num(r.achievedRps)}/s  throughput ${num(r.throughputRps)}/s`);
  out.push(`requests  ${c.scheduled} scheduled = ${c.ok} ok + ${c.httpError} http errors + ${c.timeout} timeouts + ${c.transport} transport errors${r.accounted ? "" : "  (NOT ALL ENDED)"}`);
  const statuses = Object.entries(c.byStatus).map(([s, n]) => `${s}×${n}`);
  const kinds = Object.entries(c.byKind).map(([k, n]) => `${k}×${n}`);
  if (statuses.length) out.push(`          http errors by status: ${statuses.join(" ")}`);
  if (c.timeoutUnsent) out.push(`          ${c.timeoutUnsent} of the timeouts never got a connection`);
  if (kinds.length) out.push(`          transport errors: ${kinds.join(" ")}`);
  out.push("");
  out.push(`${"latency (ms)".padEnd(14)}${["p50", "p90", "p99", "p99.9", "max", "count"].map((h) => h.padStart(10)).join("")}`);
  for (const name of HISTOGRAM_NAMES) {
    const s = r.latency[name];
    out.push(`${LABEL[name].padEnd(14)}${[s.p50, s.p90, s.p99, s.p99_9, s.max].map((v) => v.toFixed(3).padStart(10)).join("")}${String(s.count).padStart(10)}`);
  }
  out.push("");
  out.push(validityText(r));
  return out.join("\n") + "\n";
}

/**
 * VALID with the evidence; VALID, SERVER-LIMITED when the server held the
 * sends back (what it did, what the figures mean, what not to do); or
 * INVALID with every reason, loudly.
 */
export function validityText(r: LoadResult): string {
  const v = r.validity;
  const k = v.checks;
  const lines: string[] = [];
  const kept = `schedule lag p99 ${ms(k.scheduleLagP99Ms)} ≤ ${ms(k.maxLagMs)}; process peak ${pct(k.peakCpuProcess)} of a core, JS thread ${pct(k.peakCpuThread)}`;
  if (v.valid && v.server) {
    lines.push(`VALID, SERVER-LIMITED: the generator kept its schedule (${kept}); the server did not take the offered load:`);
    lines.push(`  - ${v.server.summary}`);
    lines.push(`  - ${v.server.meaning}`);
    lines.push(`  - advice: ${v.server.advice}`);
  } else if (v.valid) {
    const ww = k.worstWindow ? `worst window sent ${(k.worstWindow.ratio * 100).toFixed(2)}% of its schedule; ` : "";
    lines.push(`VALID: the generator kept its schedule (schedule lag p99 ${ms(k.scheduleLagP99Ms)} ≤ ${ms(k.maxLagMs)}; ${ww}process peak ${pct(k.peakCpuProcess)} of a core, JS thread ${pct(k.peakCpuThread)})`);
  } else if (v.limitedBy === "server") {
    lines.push("INVALID RUN: the server refused or dropped requests before they were sent; no latency was measured for them:");
    for (const reason of v.reasons) lines.push(`  - ${reason}`);
  } else {
    lines.push("INVALID RUN: the generator could not keep its schedule; these figures describe the generator, not the server:");
    for (const reason of v.reasons) lines.push(`  - ${reason}`);
  }
  for (const note of v.notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}

/** The find-max curve and its figure. */
export function curveTable(f: FindMaxResult): string {
  const out: string[] = [`find-max ${f.url}: highest valid rate with corrected p99 ≤ ${ms(f.p99ThresholdMs)} and no errors`, ""];
  out.push(["rate", "achieved", "p50", "p99", "p99.9", "max", "errors", ""].map((h, i) => (i < 7 ? h.padStart(10) : "  verdict")).join(""));
  for (const s of [...f.steps].sort((a, b) => a.rps - b.rps || a.attempt - b.attempt)) out.push(stepRow(s));
  out.push("");
  out.push(figureText(f));
  return out.join("\n") + "\n";
}

function stepRow(s: Step): string {
  const verdict =
    s.verdict === "pass"
      ? "pass"
      : s.verdict === "invalid"
        ? `INVALID: ${s.reasons[0] ?? ""}`
        : s.verdict === "stolen"
          ? `STOLEN: the host took up to ${Math.round(s.hostSteal * 100)}% of a CPU in one second: no verdict on the server`
        : s.verdict === "p99"
          ? "p99 over threshold"
          : s.verdict === "saturated"
            ? "server saturated"
            : "errors";
  const server = s.server && s.verdict !== "saturated" ? ` (server ${s.server === "behind" ? "fell behind" : s.server})` : "";
  const retry = s.attempt > 1 ? ` (retry ${s.attempt - 1})` : "";
  return [num(s.rps), num(s.achievedRps), s.p50.toFixed(2), s.p99.toFixed(2), s.p99_9.toFixed(2), s.max.toFixed(2), String(s.errors)].map((v) => v.padStart(10)).join("") + `  ${verdict}${server}${retry}`;
}

/** The one-sentence answer of a find-max run. */
export function figureText(f: FindMaxResult): string {
  if (f.maxRps === null) return `no step passed: even ${num(Math.min(...f.steps.map((s) => s.rps)))} rps failed (${f.limitedBy}${heldBy(f)})`;
  const why: Record<FindMaxResult["limitedBy"], string> = {
    "server-p99": "above it the server's corrected p99 exceeds the threshold",
    "server-errors": "above it the server returns errors",
    "server-saturated": "above it the server does not take the offered rate: every connection waits for its answers",
    generator: "above it THE GENERATOR could not keep its schedule: the server may hold more than this harness can offer",
    "host-steal": "above it THE HOST stole the CPUs in every attempt (steal, /proc/stat): the server may hold more; retake on a quieter host or with more --retries",
    "max-rps": "that is the --max-rps cap; the server held it",
    steps: "the step budget ran out before any step failed",
  };
  const held = heldBy(f);
  return `sustained throughput before p99 > ${ms(f.p99ThresholdMs)}: ${num(f.maxRps)} rps (${why[f.limitedBy]}${held})`;
}

/** When the deciding failed step was held back by the server, says so (its connections were all waiting). */
function heldBy(f: FindMaxResult): string {
  if (!f.limitedBy.startsWith("server-") || f.limitedBy === "server-saturated") return "";
  const failed = f.steps.filter((s) => s.verdict !== "pass" && s.verdict !== "invalid" && s.verdict !== "stolen").sort((a, b) => a.rps - b.rps)[0];
  const did = { saturated: "saturated", stalled: "stalled", behind: "fell behind" } as const;
  return failed?.server ? `; at ${num(failed.rps)} rps the server ${did[failed.server]}, holding every connection` : "";
}

const num = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : "-");
const ms = (x: number) => `${Math.round(x * 1000) / 1000}ms`;
const pct = (x: number) => (Number.isNaN(x) || x === null ? "n/a" : `${Math.round(x * 100)}%`);
